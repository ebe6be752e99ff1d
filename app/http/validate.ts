// Every input is parsed by a strict zod schema at the edge. Failures become
// a 400/422 that names each field and what is wrong with it.
import type { Context } from 'hono';
import { z } from 'zod';
import { isMessageKey, translator, type Translate } from '../i18n/index.ts';
import type { MessageKey } from '../i18n/messages.ts';
import { HttpError, type Issue } from './errors.ts';
import { csrfField } from './csrf.ts';
import { parseFormBody } from './form-body.ts';
import { text } from './text-schema.ts';

const english = translator('en');

/**
 * Schemas name their messages by catalogue key ('issue.…'). Without `t` the
 * issues are English (the API); with the page's `t` they are in its language,
 * and zod's own English messages become a plain "not valid".
 */
export function issuesOf(error: z.ZodError, t?: Translate): Issue[] {
  const say = t ?? english;
  return error.issues.map((issue) => {
    const limits = { max: 'maximum' in issue ? String(issue.maximum) : '', min: 'minimum' in issue ? String(issue.minimum) : '' };
    let message: string;
    if (issue.code === 'unrecognized_keys') message = say('issue.unknownFields', { fields: issue.keys.join(', ') });
    else if (isMessageKey(issue.message)) message = say(issue.message, limits);
    else if (issue.code === 'too_big' && issue.origin === 'string') message = say('issue.tooLong', limits);
    else message = t ? t('issue.invalid') : issue.message;
    return { path: issue.path.join('.') || '(body)', message };
  });
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new HttpError(422, 'invalid_input', 'Some fields are not valid: see issues.', issuesOf(parsed.error));
  }
  return parsed.data;
}

export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
  return parseOrThrow(schema, body);
}

/** Form fields without the CSRF token; empty optional fields become undefined. */
export async function readFormFields(c: Context): Promise<Record<string, string | undefined>> {
  const form = await parseFormBody(c);
  const fields: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(form)) {
    if (key === csrfField) continue;
    if (typeof value !== 'string') throw new HttpError(400, 'bad_request', `Field ${key} must be text.`);
    fields[key] = value.trim() === '' ? undefined : value;
  }
  return fields;
}

export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  return parseOrThrow(schema, c.req.query());
}

export const uuidParam = z.uuid({ message: 'must be an id (UUID)' });
export function idParam(c: Context, name: string): string {
  const parsed = uuidParam.safeParse(c.req.param(name));
  if (!parsed.success) throw new HttpError(404, 'not_found', 'Nothing here: the address is wrong or you may not see it.');
  return parsed.data;
}

/** A required text field: missing, blank and too long each get a message a person can act on. */
export const requiredText = (message: MessageKey, max: number) =>
  text({ error: message }).trim().min(1, message).max(max, 'issue.tooLong');

export const optionalText = (max: number) =>
  text().trim().min(1).max(max, 'issue.tooLong').optional();

/** An edit form sends every field: a blank optional one means "clear it". */
export function blanksCleared<T extends object, K extends keyof T>(input: T, optional: readonly K[]): T & { [P in K]: T[P] | null } {
  const result = { ...input } as Record<string, unknown>;
  for (const key of optional) result[key as string] = input[key] ?? null;
  return result as T & { [P in K]: T[P] | null };
}
