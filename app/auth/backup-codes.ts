// Ten single-use backup codes, each stored as an argon2id hash in a
// numbered slot. The code shows its slot ("03-…"), so a check costs one
// hash, not ten; the slot number is not secret (the 50 random bits are).
import { randomInt } from 'node:crypto';
import { hashPassword } from './password.ts';

const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789'; // no 0/o, 1/l/i

export interface BackupCode {
  slot: number;
  code: string;
}

export function newBackupCodes(): BackupCode[] {
  return Array.from({ length: 10 }, (_, index) => {
    let secret = '';
    for (let i = 0; i < 10; i++) secret += alphabet[randomInt(alphabet.length)];
    const slot = index + 1;
    return { slot, code: `${String(slot).padStart(2, '0')}-${secret.slice(0, 5)}-${secret.slice(5)}` };
  });
}

/** One after another: ten at once would take ten slots of the hashing bound and be refused with 503. */
export async function hashBackupCodes(codes: BackupCode[]): Promise<string[]> {
  const hashes: string[] = [];
  for (const code of codes) hashes.push(await hashPassword(normaliseBackupCode(code.code)!.secret));
  return hashes;
}

/** "03-abcde-fghjk" (any case, spaces or dashes) → slot 3 and the secret; null if it is not shaped like one. */
export function normaliseBackupCode(input: string): { slot: number; secret: string } | null {
  const match = /^\s*(\d{1,2})[\s-]*([a-z2-9]{5})[\s-]*([a-z2-9]{5})\s*$/i.exec(input);
  if (!match) return null;
  const slot = Number(match[1]);
  if (slot < 1 || slot > 10) return null;
  return { slot, secret: (match[2]! + match[3]!).toLowerCase() };
}
