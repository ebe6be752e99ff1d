// Reads a form post's body (urlencoded or multipart). A body the parser
// cannot read — a truncated multipart, a boundary that is missing or does
// not match — is the sender's fault: 400 with a sentence, never a 500.
import type { Context } from 'hono';
import { HttpError } from './errors.ts';

export async function parseFormBody(c: Context): Promise<Record<string, string | File>> {
  try {
    return await c.req.parseBody();
  } catch {
    throw new HttpError(400, 'malformed_form', 'The form could not be read (the body is cut off or not the form data it claims to be). Reload the page and send it again.');
  }
}
