// One's own display name and e-mail address. The name is a plain update of
// one's own row (users_update policy); the address changes only through
// sql/0017's two functions: a request (signed in, sudo mode checked by the
// caller) and the confirmation by the link mailed to the new address.
import type { Audit } from '../db/audit-event.ts';
import type { Tx } from '../db/client.ts';

export async function setDisplayName(tx: Tx, audit: Audit, userId: string, displayName: string): Promise<void> {
  await tx`update kastell.users set display_name = ${displayName} where user_id = ${userId}`;
  await audit(tx, { action: 'user.profile_updated', entityType: 'user', entityId: userId });
}

export async function requestEmailChange(tx: Tx, audit: Audit, userId: string, email: string, tokenHash: Buffer): Promise<void> {
  await tx`select app.request_email_change(${email}, ${tokenHash})`;
  await audit(tx, { action: 'user.email_change_requested', entityType: 'user', entityId: userId });
}

/** Consumes the link; P0002 when it is not live, 23505 when the address was taken meanwhile. */
export async function confirmEmailChange(tx: Tx, audit: (userId: string) => Audit, tokenHash: Buffer) {
  const [row] = await tx<{ user_id: string; old_email: string; new_email: string }[]>`select * from app.confirm_email_change(${tokenHash})`;
  await audit(row!.user_id)(tx, { action: 'user.email_changed', entityType: 'user', entityId: row!.user_id });
  return row!;
}
