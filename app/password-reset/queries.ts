// Password reset in the database: every step through the narrow
// SECURITY DEFINER functions of sql/0017 (the application has no grant on
// kastell.password_reset_tokens), each with its audit event in the same
// transaction.
import type { Audit } from '../db/audit-event.ts';
import type { Tx } from '../db/client.ts';

export const resetLinkMinutes = 30;

export interface ResetAccount {
  user_id: string;
  email: string;
  display_name: string;
  locale: string | null;
}

/**
 * Stores a new link for an active account with this address (voiding its
 * older ones) and returns whom to mail; for any other address nothing. Both
 * record one event, so both cost one token lookup and one audit insert.
 */
export async function requestReset(tx: Tx, audit: Audit, email: string, tokenHash: Buffer): Promise<ResetAccount | undefined> {
  const [row] = await tx<ResetAccount[]>`select * from app.request_password_reset(${email}, ${tokenHash}, ${`${resetLinkMinutes} minutes`}::interval)`;
  await audit(tx, { action: 'auth.password_reset.requested', entityType: 'user', entityId: row?.user_id ?? null, outcome: row ? 'success' : 'failure' });
  return row;
}

export async function findReset(tx: Tx, tokenHash: Buffer): Promise<ResetAccount | undefined> {
  const [row] = await tx<ResetAccount[]>`select * from app.password_reset_for_token(${tokenHash})`;
  return row;
}

/**
 * Redeems the link and sets the password (the users trigger ends every
 * session); P0002 when the link is not live. The account's lock ends with it
 * (sql/0023: the failures on `account:<address>` go), audited as
 * auth.lock.cleared when there were any.
 */
export async function completeReset(tx: Tx, audit: Audit, tokenHash: Buffer, passwordHash: string): Promise<string> {
  const [row] = await tx<{ user_id: string }[]>`select app.complete_password_reset(${tokenHash}, ${passwordHash}) as user_id`;
  await audit(tx, { action: 'auth.password_reset.completed', entityType: 'user', entityId: row!.user_id });
  const [lock] = await tx<{ cleared: number }[]>`select app.clear_lock_after_reset(${tokenHash}) as cleared`;
  if (lock!.cleared > 0) {
    await audit(tx, { action: 'auth.lock.cleared', entityType: 'user', entityId: row!.user_id, detail: { reason: 'password_reset', failures: lock!.cleared } });
  }
  return row!.user_id;
}

export async function organisationName(tx: Tx): Promise<string | undefined> {
  const [row] = await tx<{ name: string }[]>`select name from kastell.organisation`;
  return row?.name;
}

export async function passwordHistory(tx: Tx, userId: string): Promise<string[]> {
  return (await tx<{ hash: string }[]>`select app.password_history_of(${userId}) as hash`).map((h) => h.hash);
}
