// PostgreSQL error codes map to HTTP here and nowhere else.
import postgres from 'postgres';
import { HttpError } from '../http/errors.ts';

const byCode: Record<string, { status: number; code: string; message: string }> = {
  '42501': { status: 403, code: 'forbidden', message: 'You are not allowed to do this.' },
  '23505': { status: 409, code: 'conflict', message: 'This already exists.' },
  '23514': { status: 422, code: 'invalid', message: 'A value is not allowed here.' },
  '23502': { status: 422, code: 'invalid', message: 'A required value is missing.' },
  '23503': { status: 422, code: 'invalid_reference', message: 'A referenced record does not exist or is not visible to you.' },
  '22001': { status: 422, code: 'invalid', message: 'A value is too long.' },
  '22P02': { status: 400, code: 'bad_request', message: 'A value has the wrong format.' },
  // character_not_in_repertoire (U+0000 in text), untranslatable_character: the edge schemas refuse these first
  '22021': { status: 400, code: 'bad_request', message: 'A value contains a character that cannot be stored (such as U+0000).' },
  '22P05': { status: 400, code: 'bad_request', message: 'A value contains a character that cannot be stored (such as U+0000).' },
  'P0002': { status: 404, code: 'link_invalid', message: 'This link is invalid, already used or expired.' },
  '55000': { status: 409, code: 'conflict', message: 'This cannot be done in the current state.' },
  '40001': { status: 503, code: 'retry', message: 'Please try again.' },
  '40P01': { status: 503, code: 'retry', message: 'Please try again.' },
};

/** An HttpError for a PostgreSQL error we know how to explain, else undefined. */
export function httpErrorFromPostgres(error: unknown): HttpError | undefined {
  if (!(error instanceof postgres.PostgresError)) return undefined;
  const known = byCode[error.code];
  if (!known) return undefined;
  // A unique violation names the constraint: say which value collides.
  const detail = error.code === '23505' && error.constraint_name ? ` (${error.constraint_name.replace(/_key$/, '')})` : '';
  return new HttpError(known.status, known.code, known.message + detail);
}
