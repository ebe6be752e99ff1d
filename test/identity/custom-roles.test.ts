// Custom roles (issue 10 part 2): a customer admin composes a role from
// customer-scope permissions, assigns it, and the member's next request is
// judged by it; a role with an operator-side or global permission is refused
// by the database, the superuser included; every change is audited.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { customerPermissionKeys } from '../../app/roles/schema.ts';
import { createTestDatabase } from '../harness/database.ts';
import { startTestServer } from '../harness/server.ts';
import { seedCompany, seedSession, seedUser } from '../harness/seed.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);
const company = await seedCompany(t.admin, 'Roles AG');
const other = await seedCompany(t.admin, 'Other GmbH');
const admin = await seedUser(t.admin, 'customer_admin', company);
const member = await seedUser(t.admin, 'customer_viewer', company);
const adminToken = await seedSession(t.admin, admin.userId, '1 hour');
await t.admin`update kastell.sessions set reauth_at = now() where user_id = ${admin.userId}`; // sudo mode for the role change
const memberToken = await seedSession(t.admin, member.userId, '1 hour');
const asAdmin = () => server.client().withSession(adminToken);
const asMember = () => server.client().withSession(memberToken);
const events = async (action: string) => (await t.admin`select entity_id::text, detail from audit.events where action = ${action} order by occurred_at`);

test('the app list of customer-scope permissions is exactly the catalogue’s customer_assignable ones', async () => {
  const rows = await t.admin`select permission_key from kastell.permissions where customer_assignable order by 1`;
  assert.deepEqual(rows.map((r) => r.permission_key), [...customerPermissionKeys].sort());
});

test('a customer admin builds a role from two permissions, assigns it, and the member’s next request is judged by it', async () => {
  // before: a viewer may not create a site
  assert.equal((await asMember().request('PATCH', `/api/v1/companies/${company}`, { json: { name: 'Before' } })).status, 403);
  const created = await asAdmin().request('POST', '/api/v1/custom-roles', { json: { name: 'Company keeper', permissions: ['companies.read', 'companies.update'] } });
  assert.equal(created.status, 201, created.text);
  const role = created.json();
  assert.deepEqual(role.permissions, ['companies.read', 'companies.update']);
  assert.equal(role.companyId, company);
  const assigned = await asAdmin().request('PUT', `/api/v1/users/${member.userId}/role`, { json: { roleId: role.roleId } });
  assert.equal(assigned.status, 200, assigned.text);
  // the role change ended the member's sessions: a new one, then the role decides
  const token = await seedSession(t.admin, member.userId, '1 hour');
  const client = server.client().withSession(token);
  const renamed = await client.request('PATCH', `/api/v1/companies/${company}`, { json: { name: 'Roles AG (renamed)' } });
  assert.equal(renamed.status, 200, renamed.text);
  assert.equal((await client.get(`/api/v1/companies/${company}/sites`)).status, 403); // sites.read is not in the role
  assert.equal((await client.get('/api/v1/jobs')).status, 403);
  // remove companies.update: the very next request of the same session is refused
  const patched = await asAdmin().request('PATCH', `/api/v1/custom-roles/${role.roleId}`, { json: { name: 'Company reader', permissions: ['companies.read', 'jobs.read'] } });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.json().name, 'Company reader');
  assert.equal((await client.request('PATCH', `/api/v1/companies/${company}`, { json: { name: 'After' } })).status, 403);
  assert.equal((await client.get('/api/v1/jobs')).status, 200);
  // in use: not deleted
  const refused = await asAdmin().request('DELETE', `/api/v1/custom-roles/${role.roleId}`);
  assert.equal(refused.status, 409);
  assert.equal(refused.json().error.code, 'role_in_use');
  // audited
  assert.equal((await events('custom_role.created')).at(-1)?.entity_id, role.roleId);
  const update = (await events('custom_role.updated')).at(-1)!;
  assert.equal(update.entity_id, role.roleId);
  assert.deepEqual(update.detail, { renamed: true, added: 'jobs.read', removed: 'companies.update' });
});

test('the app refuses an operator-side permission; the database refuses it and global scope even from the superuser', async () => {
  for (const permissions of [['keys.rotate'], ['jobs.assign'], ['audit.read'], []]) {
    const res = await asAdmin().request('POST', '/api/v1/custom-roles', { json: { name: `Bad ${permissions.join()}`, permissions } });
    assert.equal(res.status, 422, `${permissions}: ${res.text}`);
  }
  const [role] = await t.admin`insert into kastell.roles (company_id, name, side) values (${company}, 'Raw', 'customer') returning role_id`;
  for (const [key, scope] of [['keys.rotate', 'company'], ['jobs.assign', 'company'], ['sites.read', 'global'], ['audit.export', 'own']] as const) {
    await assert.rejects(t.admin`insert into kastell.role_permissions (role_id, permission_key, scope) values (${role!.role_id}, ${key}, ${scope})`,
      (e: { code?: string }) => e.code === '23514', `${key} at ${scope}`);
  }
  await t.admin`insert into kastell.role_permissions (role_id, permission_key, scope) values (${role!.role_id}, 'sites.read', 'company')`;
  await assert.rejects(t.admin`update kastell.role_permissions set scope = 'global' where role_id = ${role!.role_id}`, (e: { code?: string }) => e.code === '23514');
  await assert.rejects(t.admin`update kastell.permissions set customer_assignable = false where permission_key = 'sites.read'`, (e: { code?: string }) => e.code === '23514');
  // system roles keep their operator permissions
  await t.admin`update kastell.role_permissions set scope = scope where permission_key = 'keys.rotate'`;
});

test('pages: list, create, rename and recompose, delete — and another company’s role stays out of reach', async () => {
  const page = await asAdmin().get('/roles');
  assert.equal(page.status, 200);
  assert.match(page.text, /Company reader/);
  const create = await asAdmin().postForm('/roles', { name: 'Paper work', 'p:documents.read': 'on', 'p:documents.upload': 'on' });
  assert.equal(create.status, 303, create.text);
  const [made] = await t.admin`select role_id from kastell.roles where company_id = ${company} and name = 'Paper work'`;
  const perms = async () => (await t.admin`select permission_key from kastell.role_permissions where role_id = ${made!.role_id} order by 1`).map((r) => r.permission_key);
  assert.deepEqual(await perms(), ['documents.read', 'documents.upload']);
  assert.equal((await asAdmin().postForm(`/roles/${made!.role_id}`, { name: 'Papers', 'p:documents.read': 'on' })).status, 303);
  assert.deepEqual(await perms(), ['documents.read']);
  // another company's role: 404 on the page and the API, unchanged
  const [foreign] = await t.admin`insert into kastell.roles (company_id, name, side) values (${other}, 'Theirs', 'customer') returning role_id`;
  assert.equal((await asAdmin().postForm(`/roles/${foreign!.role_id}`, { name: 'Mine', 'p:sites.read': 'on' })).status, 404);
  assert.equal((await asAdmin().request('PATCH', `/api/v1/custom-roles/${foreign!.role_id}`, { json: { name: 'Mine' } })).status, 404);
  assert.equal((await asAdmin().request('DELETE', `/api/v1/custom-roles/${foreign!.role_id}`)).status, 404);
  assert.equal((await t.admin`select name from kastell.roles where role_id = ${foreign!.role_id}`)[0]!.name, 'Theirs');
  assert.doesNotMatch((await asAdmin().get('/roles')).text, /Theirs/);
  assert.equal((await asAdmin().postForm(`/roles/${made!.role_id}/delete`, {})).status, 303);
  assert.equal((await t.admin`select 1 from kastell.roles where role_id = ${made!.role_id}`).length, 0);
  assert.equal((await events('custom_role.deleted')).at(-1)?.entity_id, made!.role_id);
  // a member without custom_roles.manage, and an operator, compose nothing
  const viewer = await seedUser(t.admin, 'customer_viewer', company);
  assert.equal((await server.client().withSession(await seedSession(t.admin, viewer.userId, '1 hour')).get('/roles')).status, 403);
  const owner = await seedUser(t.admin, 'admin');
  const ownerClient = server.client().withSession(await seedSession(t.admin, owner.userId, '1 hour'));
  assert.equal((await ownerClient.request('POST', '/api/v1/custom-roles', { json: { name: 'Op', permissions: ['sites.read'] } })).status, 403);
});
