// Failures counted atomically per account, per client IP and per user's
// second factor over sliding windows (app.claim_auth_attempt in sql/schema.sql):
// 5 → 1 min, 10 → 15 min, 20 → 24 h. An attempt is claimed — counted as a
// failure — before the secret is checked, under a per-subject lock, and
// withdrawn when it succeeds; so parallel attempts cannot exceed the
// threshold. Accounts are keyed by the e-mail address typed, so unknown
// addresses lock exactly like real ones and lockout reveals no account.
import type { Database } from '../db/client.ts';

export interface Claim {
  attemptId: string;
  failures: number;
}

export type ClaimResult = { ok: true; claims: Claim[] } | { ok: false; retryAfterSeconds: number; subject: string };

export interface Subject {
  key: string;
  scale: number;
}

export const accountSubject = (email: string): Subject => ({ key: `account:${email.trim().toLowerCase()}`, scale: 1 });
export const ipSubject = (ip: string, scale: number): Subject => ({ key: `ip:${ip}`, scale });
export const factorSubject = (userId: string): Subject => ({ key: `factor:${userId}`, scale: 1 });
export const unlockSubject = (unlockTokenId: string): Subject => ({ key: `unlock:${unlockTokenId}`, scale: 1 });

/** Claims one attempt on every subject, or none (a locked subject releases the claims already made). */
export async function claimAttempt(db: Database, subjects: Subject[]): Promise<ClaimResult> {
  const claims: Claim[] = [];
  for (const subject of subjects) {
    const [row] = await db.withPrincipal(null, (tx) =>
      tx`select * from app.claim_auth_attempt(${subject.key}, ${subject.scale})`);
    if (!row?.attempt_id) {
      await withdrawAttempts(db, claims, false);
      const until = row?.locked_until ? new Date(row.locked_until).getTime() : Date.now() + 60_000;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((until - Date.now()) / 1000)), subject: subject.key };
    }
    claims.push({ attemptId: row.attempt_id, failures: row.failures });
  }
  return { ok: true, claims };
}

/** The attempt succeeded: take the claims back; `reset` clears the first (account/factor) subject entirely. */
export async function withdrawAttempts(db: Database, claims: Claim[], reset: boolean): Promise<void> {
  await db.withPrincipal(null, async (tx) => {
    for (const [index, claim] of claims.entries()) {
      await tx`select app.withdraw_auth_attempt(${claim.attemptId}, ${reset && index === 0})`;
    }
  });
}
