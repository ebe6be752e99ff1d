// A company's custom roles: composed by its customer admin from
// customer-scope permissions (the database refuses any other: trigger
// role_permissions_customer_scope, sql/0018; policies roles_* and
// role_permissions_*, sql/0002). A change to a role's permissions clears the
// cached permission set of every session that holds it (trigger
// role_permissions_changed), so the members' next request is judged by it.
import type { Audit } from '../db/audit-event.ts';
import type { Tx } from '../db/client.ts';
import { scopeOf, type CustomerPermissionKey, type CustomRole } from './schema.ts';

type CustomRoleRow = { role_id: string; name: string; company_id: string; permissions: string[]; members: number };

export const presentCustomRole = (row: CustomRoleRow): CustomRole => ({
  roleId: row.role_id,
  name: row.name,
  companyId: row.company_id,
  permissions: row.permissions,
  members: row.members,
});

export async function listCustomRoles(tx: Tx, companyId: string): Promise<CustomRole[]> {
  const rows = await tx<CustomRoleRow[]>`
    select r.role_id, r.name, r.company_id,
           array(select rp.permission_key from kastell.role_permissions rp where rp.role_id = r.role_id order by 1) as permissions,
           (select count(*) from kastell.memberships m where m.role_id = r.role_id)::int as members
    from kastell.roles r
    where r.company_id = ${companyId}
    order by lower(r.name)`;
  return rows.map(presentCustomRole);
}

async function findCustomRole(tx: Tx, companyId: string, roleId: string): Promise<CustomRole | undefined> {
  return (await listCustomRoles(tx, companyId)).find((r) => r.roleId === roleId);
}

async function grant(tx: Tx, roleId: string, permissions: readonly CustomerPermissionKey[]): Promise<void> {
  if (permissions.length === 0) return;
  await tx`insert into kastell.role_permissions (role_id, permission_key, scope)
           select ${roleId}, p, s from unnest(${tx.array([...permissions])}::text[], ${tx.array(permissions.map(scopeOf))}::text[]) as g (p, s)
           on conflict do nothing`;
}

export async function createCustomRole(tx: Tx, audit: Audit, companyId: string, input: { name: string; permissions: CustomerPermissionKey[] }): Promise<CustomRole> {
  const [row] = await tx<{ role_id: string }[]>`
    insert into kastell.roles (company_id, name, side) values (${companyId}, ${input.name}, 'customer') returning role_id`;
  await grant(tx, row!.role_id, input.permissions);
  await audit(tx, { action: 'custom_role.created', entityType: 'role', entityId: row!.role_id, detail: { permissions: [...input.permissions].sort().join(' ') } });
  return (await findCustomRole(tx, companyId, row!.role_id))!;
}

/** Renames and/or recomposes a role of the company; undefined when it has no such role. */
export async function updateCustomRole(tx: Tx, audit: Audit, companyId: string, roleId: string,
  input: { name?: string | undefined; permissions?: CustomerPermissionKey[] | undefined }): Promise<CustomRole | undefined> {
  const before = await findCustomRole(tx, companyId, roleId);
  if (!before) return undefined;
  if (input.name !== undefined && input.name !== before.name) {
    await tx`update kastell.roles set name = ${input.name} where role_id = ${roleId} and company_id = ${companyId}`;
  }
  let added: string[] = [];
  let removed: string[] = [];
  if (input.permissions) {
    const wanted = new Set<string>(input.permissions);
    removed = before.permissions.filter((p) => !wanted.has(p));
    added = input.permissions.filter((p) => !before.permissions.includes(p));
    if (removed.length) await tx`delete from kastell.role_permissions where role_id = ${roleId} and permission_key = any(${tx.array(removed)}::text[])`;
    await grant(tx, roleId, added as CustomerPermissionKey[]);
  }
  await audit(tx, { action: 'custom_role.updated', entityType: 'role', entityId: roleId,
    detail: { renamed: input.name !== undefined && input.name !== before.name, added: added.sort().join(' '), removed: removed.sort().join(' ') } });
  return findCustomRole(tx, companyId, roleId);
}

export type RoleDeletion = 'deleted' | 'not-found' | 'in-use';

/** Deletes a role of the company that nobody holds. */
export async function deleteCustomRole(tx: Tx, audit: Audit, companyId: string, roleId: string): Promise<RoleDeletion> {
  const role = await findCustomRole(tx, companyId, roleId);
  if (!role) return 'not-found';
  if (role.members > 0) return 'in-use';
  await tx`delete from kastell.roles where role_id = ${roleId} and company_id = ${companyId}`;
  await audit(tx, { action: 'custom_role.deleted', entityType: 'role', entityId: roleId, detail: { permissions: role.permissions.join(' ') } });
  return 'deleted';
}
