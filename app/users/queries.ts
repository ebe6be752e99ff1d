// Users and their roles, status, factors and sessions. RLS decides which
// users exist for the caller; the app.* functions check the permission
// again and end the user's sessions where a change needs it (see sql/schema.sql).
import type { Audit } from '../db/audit-event.ts';
import type { Tx } from '../db/client.ts';
import type { RoleOption, User, UserStatus } from './schema.ts';

type UserRow = {
  user_id: string; email: string; display_name: string; status: UserStatus; role_name: string; role_id: string;
  company_id: string | null; has_totp: boolean; passkeys: number; live_sessions: number;
};
type RoleRow = { role_id: string; name: string; side: RoleOption['side']; company_id: string | null };

export const presentUser = (row: UserRow): User => ({
  userId: row.user_id,
  email: row.email,
  displayName: row.display_name,
  status: row.status,
  role: row.role_name,
  roleId: row.role_id,
  companyId: row.company_id,
  hasTotp: row.has_totp,
  passkeys: row.passkeys,
  liveSessions: row.live_sessions,
});

export const presentRoleOption = (row: RoleRow): RoleOption => ({
  roleId: row.role_id,
  name: row.name,
  side: row.side,
  companyId: row.company_id,
});

export async function listUsers(tx: Tx): Promise<User[]> {
  const rows = await tx<UserRow[]>`
    select u.user_id, u.email, u.display_name, u.status, r.name as role_name, r.role_id, m.company_id,
           exists (select 1 from kastell.totp_factors t where t.user_id = u.user_id and t.confirmed_at is not null) as has_totp,
           (select count(*) from kastell.passkeys p where p.user_id = u.user_id)::int as passkeys,
           (select count(*) from kastell.sessions s where s.user_id = u.user_id and s.ended_at is null and s.expires_at > now())::int as live_sessions
    from kastell.users u
    join kastell.memberships m on m.user_id = u.user_id
    join kastell.roles r on r.role_id = m.role_id
    order by lower(u.email)`;
  return rows.map(presentUser);
}

export async function listRoleOptions(tx: Tx): Promise<RoleOption[]> {
  const rows = await tx<RoleRow[]>`select role_id, name, side, company_id from kastell.roles order by side, name`;
  return rows.map(presentRoleOption);
}

/** Disables or enables a user; false when the caller sees no such user. */
export async function setUserStatus(tx: Tx, audit: Audit, userId: string, status: UserStatus): Promise<boolean> {
  const rows = await tx`update kastell.users set status = ${status} where user_id = ${userId} returning 1`;
  if (rows.length > 0) await audit(tx, { action: status === 'disabled' ? 'user.disabled' : 'user.enabled', entityType: 'user', entityId: userId });
  return rows.length > 0;
}

export type RoleChange = 'changed' | 'not-found' | 'forbidden';

/**
 * Gives a user another role. 'not-found' when the role or the user's
 * membership is not visible; 'forbidden' for the owner role unless the
 * caller may hand it out (only the owner has roles.manage).
 */
export async function changeRole(tx: Tx, audit: Audit, mayGrantOwner: boolean, userId: string, roleId: string): Promise<RoleChange> {
  const [role] = await tx<{ role_key: string | null }[]>`select role_key from kastell.roles where role_id = ${roleId}`;
  if (!role) return 'not-found';
  if (role.role_key === 'owner' && !mayGrantOwner) return 'forbidden';
  const rows = await tx`update kastell.memberships set role_id = ${roleId} where user_id = ${userId} returning 1`;
  if (rows.length === 0) return 'not-found';
  await audit(tx, { action: 'user.role_changed', entityType: 'user', entityId: userId, detail: { role: role.role_key ?? 'custom' } });
  return 'changed';
}

/** Ends every live session of a user (an admin's act); how many it ended. */
export async function endSessionsOf(tx: Tx, audit: Audit, userId: string): Promise<number> {
  const [row] = await tx<{ n: number | null }[]>`select app.end_sessions_of(${userId}, 'ended_by_admin', null) as n`;
  const count = Number(row?.n ?? 0);
  await audit(tx, { action: 'sessions.ended_by_admin', entityType: 'user', entityId: userId, detail: { count } });
  return count;
}

/** Removes a user's TOTP and passkeys, so the next sign-in enrols again. */
export async function resetFactors(tx: Tx, audit: Audit, userId: string): Promise<void> {
  await tx`select app.reset_factors(${userId})`;
  await audit(tx, { action: 'user.factors_reset', entityType: 'user', entityId: userId });
}

/**
 * Removes a user's membership: the account stays but holds no role (it signs
 * in to nothing; the memberships trigger ends its sessions). False when the
 * caller may not (RLS: not oneself, an owner only by the owner) or sees no such membership.
 */
export async function removeMembership(tx: Tx, audit: Audit, userId: string): Promise<boolean> {
  const [row] = await tx<{ company_id: string | null; role_key: string | null }[]>`
    delete from kastell.memberships m using kastell.roles r
    where m.user_id = ${userId} and r.role_id = m.role_id returning m.company_id, r.role_key`;
  if (row) await audit(tx, { action: 'user.membership_removed', entityType: 'user', entityId: userId, companyId: row.company_id, detail: { role: row.role_key ?? 'custom' } });
  return Boolean(row);
}
