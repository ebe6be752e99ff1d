// Reads a multipart upload as a stream (busboy) into the quarantine
// directory: never whole in memory, the size limit enforced while the bytes
// arrive (the app's 1 MiB body limit does not apply to these routes; this
// does). The form's CSRF token must come first, before any file byte is
// written; then the text fields; then exactly one file.
import Busboy from 'busboy';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Context } from 'hono';
import { csrfField } from '../http/csrf.ts';
import type { AppEnv } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { startOnePass, type OnePass, type OnePassOptions, type StreamedChecks } from './one-pass.ts';

export interface ReceivedUpload {
  fields: Record<string, string>;
  file: { path: string; name: string; size: number };
  /** what the one pass worked out while the bytes arrived (when asked for: `onePass`) */
  streamed?: StreamedChecks;
  /** Removes the quarantined file and a staged object: for an upload that goes no further. */
  discard(): Promise<void>;
}

export async function receiveUpload(c: Context<AppEnv>, options: {
  quarantineDir: string;
  /** the limit in bytes, decided from the fields sent before the file */
  limitFor: (fields: Record<string, string>) => number;
  /** hash, scan, text check (and, for text, the store) fed while the body arrives: one-pass.ts */
  onePass?: OnePassOptions;
}): Promise<ReceivedUpload> {
  const type = c.req.header('content-type') ?? '';
  if (!/^multipart\/form-data\s*(;|$)/i.test(type)) throw new HttpError(415, 'multipart_required', 'Send the file as multipart/form-data.');
  const declared = Number(c.req.header('content-length') ?? NaN);
  const body = c.req.raw.body;
  if (!body) throw new HttpError(400, 'malformed_form', 'The upload has no body.');
  await mkdir(options.quarantineDir, { recursive: true, mode: 0o700 });

  const fields: Record<string, string> = {};
  const path = join(options.quarantineDir, `${randomUUID()}.upload`);
  let file: ReceivedUpload['file'] | undefined;
  let failure: Error | undefined;
  let writing: Promise<void> | undefined;
  let pass: OnePass | undefined;
  let streamed: StreamedChecks | undefined;
  const token = c.get('csrfToken');
  let parser: Busboy.Busboy;
  try {
    parser = Busboy({ headers: { 'content-type': type }, limits: { files: 1, fields: 10, fieldSize: 4096, parts: 12 }, defParamCharset: 'utf8' });
  } catch {
    throw malformed();
  }
  const fail = (error: Error) => { failure ??= error; };
  parser.on('field', (name, value) => {
    if (Object.keys(fields).length === 0 && name !== csrfField) fail(csrfRefused());
    fields[name] = value;
  });
  parser.on('file', (name, stream, info) => {
    const sent = fields[csrfField] ?? '';
    if (!failure && !(sent.length === token.length && timingSafeEqual(Buffer.from(sent), Buffer.from(token)))) fail(csrfRefused());
    if (failure || name !== 'file' || file) {
      if (!failure) fail(new HttpError(400, 'bad_request', 'Send one file, in the field "file".'));
      stream.resume();
      return;
    }
    const limit = options.limitFor(fields);
    if (declared > limit + 64 * 1024) {
      fail(tooLarge(limit));
      stream.resume();
      return;
    }
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > limit) done(tooLarge(limit));
        else done(null, chunk);
      },
    });
    // the limit first: bytes beyond it are neither written, scanned nor stored
    pass = options.onePass ? startOnePass(options.onePass) : undefined;
    const output = createWriteStream(path, { mode: 0o600 });
    writing = (pass ? pipeline(stream, counter, pass.transform, output) : pipeline(stream, counter, output))
      .then(async () => {
        file = { path, name: info.filename ?? 'file', size };
        if (pass) streamed = await pass.finish();
      })
      .catch((error: Error) => { fail(error); stream.resume(); });
  });
  parser.on('partsLimit', () => fail(new HttpError(400, 'bad_request', 'The upload has too many parts.')));
  parser.on('filesLimit', () => fail(new HttpError(400, 'bad_request', 'Send one file per upload.')));
  try {
    await pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream), parser);
    await writing;
  } catch (error) {
    fail(error instanceof HttpError ? error : malformed());
  }
  // no part at all: not the form data it claims to be; fields but no file: the person forgot it
  if (!failure && !file) fail(Object.keys(fields).length === 0 ? malformed() : new HttpError(422, 'file_missing', 'Choose a file to upload.'));
  const discard = async () => {
    await pass?.abort();
    await rm(path, { force: true });
  };
  if (failure) {
    await discard();
    throw failure;
  }
  const received: ReceivedUpload = { fields, file: file!, discard };
  if (streamed) received.streamed = streamed;
  return received;
}

// the same sentence as app/http/form-body.ts gives for any other form
const malformed = () => new HttpError(400, 'malformed_form', 'The form could not be read (the body is cut off or not the form data it claims to be). Reload the page and send it again.');
const csrfRefused = () => new HttpError(403, 'csrf_rejected', 'This form has expired. Go back, reload the page and try again.');
const tooLarge = (limit: number) => {
  const max = String(Math.floor(limit / 1024 / 1024));
  return new HttpError(413, 'upload_too_large', `The file is larger than ${max} MiB, the limit for this kind of document.`, [], {}, { max });
};
