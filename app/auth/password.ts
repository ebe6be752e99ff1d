// Argon2id with SPEC's parameters: 64 MiB, t=3, p=4, every hash and verify
// inside the process-wide HashLimiter, on threads below the event loop's
// priority (thread-priority.ts).
import argon2 from 'argon2';
import { text } from '../http/text-schema.ts';
import { HashLimiter, type Lane, type Reservation } from './hash-limiter.ts';
import { lowerPoolThreads, setHashingNice } from './thread-priority.ts';

export const argon2Options = { type: argon2.argon2id, memoryCost: 65536, timeCost: 3, parallelism: 4 } as const;

/** Length only here (the full policy is password-policy.ts): no composition rules, no truncation. */
export const passwordSchema = text({ error: 'issue.enterNewPassword' })
  .min(12, 'issue.tooShort')
  .max(1024, 'issue.tooLong');

let limiter = new HashLimiter(4, 16);
/** Set once at boot from the configuration. */
export function configureHashing(concurrency: number, queue: number, nice = 0): HashLimiter {
  setHashingNice(nice);
  limiter = new HashLimiter(concurrency, queue);
  return limiter;
}
export function hashLimiter(): HashLimiter {
  return limiter;
}

/**
 * The npm argon2 package writes PHC parameters sorted by name (m,p,t); the
 * reference implementation and most verifiers write m,t,p. Stored hashes use
 * the reference order (argon2.verify reads parameters by name either way).
 */
export function canonicalArgon2(hash: string): string {
  return hash.replace(/\$m=(\d+),p=(\d+),t=(\d+)\$/, '$m=$1,t=$3,p=$2$');
}

export function hashPassword(password: string): Promise<string> {
  return limiter.run(async () => {
    await lowerPoolThreads();
    return canonicalArgon2(await argon2.hash(password, argon2Options));
  });
}

/** `reservation`: the lane place the sign-in took on admission (hash-limiter.ts), used for this hash. */
export async function verifyPassword(hash: string, password: string, lane: Lane = 'general', reservation?: Reservation): Promise<boolean> {
  return limiter.run(async () => {
    await lowerPoolThreads();
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }, lane, reservation);
}

/** True when a stored hash was made with other parameters than today's (rehash at sign-in). */
export function needsRehash(hash: string): boolean {
  try {
    return argon2.needsRehash(hash, argon2Options);
  } catch {
    return false;
  }
}

// Verified against when the account does not exist, so a miss costs the
// same time as a hit and response times do not reveal accounts.
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= lowerPoolThreads().then(() => argon2.hash('decoy password that never matches anything', argon2Options));
  return decoyHash;
}
