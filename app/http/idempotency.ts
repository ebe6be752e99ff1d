// Idempotency-Key on create endpoints (POST answering 201): the first request
// with a key runs and its answer is kept for 24 hours (sealed, see
// sql/0007_idempotency_keys.sql); a retry with the same key and the same
// request gets that answer again, marked `Idempotency-Replayed: true`.
// The same key with a different request is refused (422); a retry while the
// first request still runs waits for it and gets its answer. Claim, creation
// and answer commit in one transaction, so a request that fails or a crash
// writes nothing, and its key may be retried. A kept answer that no
// longer opens (its ciphertext moved to another row, or sealed under a key
// that is not loaded) is a 409 `idempotency_answer_unreadable`: the first
// request did run, so the key stays spent and is never run again (that could
// create twice); the client is told to look the record up before creating
// it anew with a new key.
//
// An answer holds what was created (a site's address, a message's body), so
// it is sealed under the data key of the company that owns the record, not
// the operator's: shredding that company leaves its kept answers unreadable
// too, in the database and in every backup of it (answerOwner).
import { createHash } from 'node:crypto';
import { OPERATOR, type Keyring } from '../crypto/keyring.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Database, Tx } from '../db/client.ts';
import type { SessionUser } from './context.ts';
import { HttpError } from './errors.ts';

export interface IdempotentAnswer {
  status: number;
  body: unknown;
  replayed: boolean;
}

export interface IdempotencyStore {
  run(user: SessionUser, key: string, request: string, create: () => Promise<{ status: number; body: unknown }>): Promise<IdempotentAnswer>;
}

export const idempotencyKeyPattern = /^[!-~]{1,255}$/;

/** The key as sent, or a 400 naming what a valid key looks like. */
export function parseIdempotencyKey(header: string): string {
  if (!idempotencyKeyPattern.test(header)) {
    throw new HttpError(400, 'invalid_idempotency_key', 'The Idempotency-Key header must be 1 to 255 visible ASCII characters (a UUID works well).');
  }
  return header;
}

/** The kept answer, or the 409 that says the key is spent and what to do instead. */
function openAnswer(box: SecretBox, sealed: string, context: string): unknown {
  try {
    return JSON.parse(box.open(sealed, context));
  } catch {
    throw new HttpError(409, 'idempotency_answer_unreadable',
      'The first request with this Idempotency-Key was carried out, but its answer can no longer be read. '
      + 'Do not retry with this key: check whether the record exists, and create it with a new key only if it does not.');
  }
}

/**
 * Whose data key seals a kept answer: the company in the answer
 * (`companyId`), else the company of the job it was made on (`jobId`:
 * messages, visits), else the caller's own company, else the operator's
 * (answers about the operator's own records: passkeys, breach records).
 */
export async function answerOwner(tx: Tx, user: SessionUser, body: unknown): Promise<string> {
  const answer = (typeof body === 'object' && body !== null ? body : {}) as { companyId?: unknown; jobId?: unknown };
  if (typeof answer.companyId === 'string') return answer.companyId;
  if (typeof answer.jobId === 'string') {
    const [job] = await tx<{ company_id: string }[]>`select company_id from jobs where job_id = ${answer.jobId}`;
    // the caller has just made something on this job: not seeing it is a defect, and nothing is kept under a wrong key
    if (!job) throw new Error(`idempotency: the job ${answer.jobId} of a kept answer is not visible to its creator`);
    return job.company_id;
  }
  return user.companyId ?? OPERATOR;
}

/** `box` opens kept answers (also those sealed before answers had owners); `keyring` seals them under their owner's key. */
export function createIdempotencyStore(db: Database, box: SecretBox, keyring: Pick<Keyring, 'seal'>): IdempotencyStore {
  const sealContext = (user: SessionUser, key: string) => `idempotency:${user.userId}:${key}`;
  return {
    async run(user, key, request, create) {
      const requestHash = createHash('sha256').update(request).digest();
      // The claim, the creation and the kept answer commit in one transaction
      // (the handler's own transactions for this user join it): a crash at any
      // point leaves either all three or none, so a retry either gets the
      // answer or runs anew — never a key claimed forever without its answer
      // (found by test/crash: such a key answered 409 in progress until it
      // expired, though the record may or may not have been created). A
      // parallel retry waits on the claim's row until the first commits, then
      // gets its answer.
      return db.atomically(user, async (tx) => {
        await tx`select app.purge_expired_idempotency_keys()`;
        const [claimed] = await tx`
          insert into kastell.idempotency_keys (user_id, idempotency_key, request_hash)
          values (${user.userId}, ${key}, ${requestHash})
          on conflict do nothing
          returning 1`;
        if (!claimed) {
          const [earlier] = await tx<{ request_hash: Buffer; response_status: number | null; response_sealed: string | null }[]>`
            select request_hash, response_status, response_sealed from kastell.idempotency_keys
            where user_id = ${user.userId} and idempotency_key = ${key}`;
          if (!earlier!.request_hash.equals(requestHash)) {
            throw new HttpError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used for a different request. Use a new key for a new request.');
          }
          if (earlier!.response_status === null || earlier!.response_sealed === null) {
            // only a claim written before claims committed with their answer
            throw new HttpError(409, 'idempotency_key_in_progress', 'The first request with this Idempotency-Key is still running. Retry in a moment.', [], { 'Retry-After': '1' });
          }
          return { status: earlier!.response_status, body: openAnswer(box, earlier!.response_sealed, sealContext(user, key)), replayed: true };
        }
        // A request that fails rolls the claim back with everything else: its key may be retried.
        const answer = await create();
        const sealed = keyring.seal(await answerOwner(tx, user, answer.body), JSON.stringify(answer.body), sealContext(user, key));
        await tx`
          update kastell.idempotency_keys set response_status = ${answer.status}, response_sealed = ${sealed}
          where user_id = ${user.userId} and idempotency_key = ${key}`;
        return { ...answer, replayed: false };
      });
    },
  };
}
