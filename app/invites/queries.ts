import type { z } from 'zod';
import type { Audit } from '../db/audit-event.ts';
import type { Tx } from '../db/client.ts';
import type { Invite, inviteInputSchema, Role } from './schema.ts';

type Row = { invite_id: string; email: string; role_id: string; company_id: string | null; expires_at: Date;
  accepted_at: Date | null; revoked_at: Date | null; locale: Invite['locale']; membership_days: number | null; sent_count: number; last_sent_at: Date };
const columns = 'invite_id, email, role_id, company_id, expires_at, accepted_at, revoked_at, locale, membership_days, sent_count, last_sent_at';

export const presentInvite = (row: Row): Invite => ({
  inviteId: row.invite_id,
  email: row.email,
  roleId: row.role_id,
  companyId: row.company_id,
  expiresAt: row.expires_at.toISOString(),
  acceptedAt: row.accepted_at?.toISOString() ?? null,
  revokedAt: row.revoked_at?.toISOString() ?? null,
  locale: row.locale,
  membershipDays: row.membership_days,
  sentCount: row.sent_count,
  lastSentAt: row.last_sent_at.toISOString(),
});

export async function listOpenInvites(tx: Tx): Promise<Invite[]> {
  const rows = await tx<Row[]>`select ${tx.unsafe(columns)} from invites
    where accepted_at is null and revoked_at is null and expires_at > now() order by created_at desc`;
  return rows.map(presentInvite);
}

export async function createInvite(tx: Tx, audit: Audit, input: Omit<z.infer<typeof inviteInputSchema>, 'accessDays' | 'locale'> & {
  locale: Invite['locale']; membershipDays: number | null; invitedBy: string; tokenHash: Buffer; ttlHours: number;
}): Promise<Invite> {
  const [row] = await tx<Row[]>`
    insert into invites (email, role_id, company_id, token_hash, invited_by, expires_at, locale, membership_days)
    values (${input.email}, ${input.roleId}, ${input.companyId ?? null}, ${input.tokenHash}, ${input.invitedBy},
            now() + ${`${input.ttlHours} hours`}::interval, ${input.locale}, ${input.membershipDays})
    returning ${tx.unsafe(columns)}`;
  await audit(tx, { action: 'invite.created', entityType: 'invite', entityId: row!.invite_id, companyId: row!.company_id,
    detail: { roleId: input.roleId, locale: input.locale, membershipDays: input.membershipDays } });
  return presentInvite(row!);
}

/** A new one-time token for an open invitation (the old link stops working) and a fresh expiry. */
export async function resendInvite(tx: Tx, audit: Audit, inviteId: string, tokenHash: Buffer, ttlHours: number): Promise<Invite | undefined> {
  const [row] = await tx<Row[]>`update invites
    set token_hash = ${tokenHash}, expires_at = now() + ${`${ttlHours} hours`}::interval, sent_count = sent_count + 1, last_sent_at = now()
    where invite_id = ${inviteId} and accepted_at is null and revoked_at is null returning ${tx.unsafe(columns)}`;
  if (row) await audit(tx, { action: 'invite.resent', entityType: 'invite', entityId: inviteId, companyId: row.company_id, detail: { sentCount: row.sent_count } });
  return row && presentInvite(row);
}

export async function organisationName(tx: Tx): Promise<string> {
  const [row] = await tx<{ name: string }[]>`select name from kastell.organisation`;
  return row?.name ?? 'Kastell';
}

export async function companyName(tx: Tx, companyId: string | null): Promise<string | null> {
  if (!companyId) return null;
  const [row] = await tx<{ name: string }[]>`select name from kastell.companies where company_id = ${companyId}`;
  return row?.name ?? null;
}

export async function revokeInvite(tx: Tx, audit: Audit, inviteId: string): Promise<Invite | undefined> {
  const [row] = await tx<Row[]>`update invites set revoked_at = now()
    where invite_id = ${inviteId} and accepted_at is null and revoked_at is null returning ${tx.unsafe(columns)}`;
  if (row) await audit(tx, { action: 'invite.revoked', entityType: 'invite', entityId: inviteId, companyId: row.company_id });
  return row && presentInvite(row);
}

type RoleRow = { role_id: string; role_key: string | null; name: string; side: Role['side']; company_id: string | null };
export async function listRoles(tx: Tx): Promise<Role[]> {
  const rows = await tx<RoleRow[]>`select role_id, role_key, name, side, company_id from roles order by side, name`;
  return rows.map((r) => ({ roleId: r.role_id, roleKey: r.role_key, name: r.name, side: r.side, companyId: r.company_id }));
}
