// Secrets that grant access (sessions, set-up and invite links) are 256-bit
// CSPRNG tokens; only their SHA-256 is stored.
import { createHash, randomBytes } from 'node:crypto';

export const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

export function newToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
