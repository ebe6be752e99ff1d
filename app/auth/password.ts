// Argon2id with SPEC's parameters: 64 MiB, t=3, p=4.
import argon2 from 'argon2';
import { z } from 'zod';

export const argon2Options = { type: argon2.argon2id, memoryCost: 65536, timeCost: 3, parallelism: 4 } as const;

/** Length only: no composition rules, no truncation (policy checks live in the identity feature). */
export const passwordSchema = z
  .string({ error: 'enter a password of at least 12 characters' })
  .min(12, 'must be at least 12 characters')
  .max(1024, 'must be at most 1024 characters');

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, argon2Options);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

// Verified against when the account does not exist, so a miss costs the
// same time as a hit and response times do not reveal accounts.
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword('decoy password that never matches anything');
  return decoyHash;
}
