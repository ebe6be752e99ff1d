// For every table and every role: what it may read and write, and what it
// may not. A wrong policy fails silently; only these tests show it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import postgres from 'postgres';
import type { Tx } from '../../app/db/client.ts';
import { newToken } from '../../app/crypto/tokens.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedAsset, seedCompany, seedSession, seedSite, seedTotp, seedUser, type SeededUser } from '../harness/seed.ts';

const t = await createTestDatabase();
const A = await seedCompany(t.admin, 'Alpha AG');
const B = await seedCompany(t.admin, 'Beta GmbH');
const siteA = await seedSite(t.admin, A, 'Alpha plant');
const siteB = await seedSite(t.admin, B, 'Beta plant');
await seedAsset(t.admin, A, siteA, 'Alpha pump');
await seedAsset(t.admin, B, siteB, 'Beta pump');

const operatorRoles = ['owner', 'admin', 'security_officer', 'dispatcher', 'technician', 'support', 'external_auditor'] as const;
const customerRoles = ['customer_admin', 'customer_member', 'customer_viewer'] as const;
type RoleKey = (typeof operatorRoles)[number] | (typeof customerRoles)[number];
const roles: RoleKey[] = [...operatorRoles, ...customerRoles];

const users = {} as Record<RoleKey, SeededUser>;
for (const role of operatorRoles) users[role] = await seedUser(t.admin, role);
for (const role of customerRoles) users[role] = await seedUser(t.admin, role, A);
const adminOfB = await seedUser(t.admin, 'customer_admin', B);
const allUsers = [...Object.values(users), adminOfB];
for (const user of allUsers) await seedSession(t.admin, user.userId);
const [customRoleB] = await t.admin`insert into kastell.roles (company_id, name, side) values (${B}, 'B auditors', 'customer') returning role_id`;
const [memberRole] = await t.admin`select role_id from kastell.roles where role_key = 'customer_member'`;
await t.admin`insert into kastell.invites (email, role_id, company_id, token_hash, invited_by, expires_at)
  values ('new.a@example.test', ${memberRole!.role_id}, ${A}, ${newToken().hash}, ${users.customer_admin.userId}, now() + interval '1 day'),
         ('new.b@example.test', ${memberRole!.role_id}, ${B}, ${newToken().hash}, ${adminOfB.userId}, now() + interval '1 day')`;
await t.admin`insert into kastell.setup_tokens (token_hash, expires_at) values (${newToken().hash}, now() + interval '1 hour')`;
for (const [index, user] of allUsers.entries()) {
  await seedTotp(t.admin, user.userId);
  await t.admin`insert into kastell.backup_codes (user_id, slot, code_hash) values (${user.userId}, 1, '$argon2id$v=19$m=65536,t=3,p=4$x$y')`;
  await t.admin`insert into kastell.passkeys (user_id, credential_id, public_key, name)
    values (${user.userId}, ${`credential-id-number-${index}`}, ${Buffer.from([0])}, 'Laptop')`;
}
for (const user of allUsers) {
  await t.admin`insert into kastell.idempotency_keys (user_id, idempotency_key, request_hash) values (${user.userId}, 'same-key', ${Buffer.alloc(32)})`;
}
await t.admin`insert into kastell.auth_failures (subject) values ('account:someone@example.test')`;
await t.admin`insert into kastell.auth_challenges (token_hash, purpose, expires_at) values (${newToken().hash}, 'webauthn_sign_in', now() + interval '5 minutes')`;
await t.admin`insert into kastell.unlock_tokens (user_id, token_hash, expires_at) values (${adminOfB.userId}, ${newToken().hash}, now() + interval '1 hour')`;

const randomKey = () => `key-${Math.random().toString(36).slice(2)}`;
const as = <T>(role: RoleKey | SeededUser, work: (tx: Tx) => Promise<T>) =>
  t.db.withPrincipal({ userId: typeof role === 'string' ? users[role].userId : role.userId }, work);

const globalReaders: RoleKey[] = ['owner', 'admin', 'security_officer', 'dispatcher', 'support'];
const both = [A, B].sort();
const onlyA = [A];

/** users and memberships: global readers see all; a customer admin their company; others themselves. */
const visibleUsers = (role: RoleKey) =>
  globalReaders.includes(role)
    ? allUsers.map((u) => u.userId).sort()
    : role === 'customer_admin'
      ? customerRoles.map((r) => users[r].userId).sort()
      : [users[role].userId];

const companyScoped = (table: 'companies' | 'sites' | 'assets') => async (role: RoleKey) =>
  (await as(role, (tx) => tx`select distinct company_id from ${tx(table)} order by 1`)).map((r) => r.company_id);

// table → how to read it as a role → what that role must see
const readMatrix: Record<string, { read: (role: RoleKey) => Promise<unknown>; expect: (role: RoleKey) => unknown }> = {
  organisation: {
    read: async (role) => (await as(role, (tx) => tx`select name from organisation`)).length,
    expect: () => 1,
  },
  permissions: {
    read: async (role) => (await as(role, (tx) => tx`select count(*)::int as n from permissions`))[0]!.n,
    expect: () => 54,
  },
  companies: {
    read: companyScoped('companies'),
    expect: (role) => (globalReaders.includes(role) ? both : customerRoles.includes(role as never) ? onlyA : []),
  },
  sites: {
    read: companyScoped('sites'),
    expect: (role) => (globalReaders.includes(role) ? both : customerRoles.includes(role as never) ? onlyA : []),
  },
  assets: {
    read: companyScoped('assets'),
    expect: (role) => (globalReaders.includes(role) ? both : customerRoles.includes(role as never) ? onlyA : []),
  },
  roles: {
    read: async (role) => (await as(role, (tx) => tx`select count(*)::int as n from roles`))[0]!.n,
    // the ten system roles; B's custom role only for global role readers
    expect: (role) => (['owner', 'admin', 'security_officer', 'dispatcher'].includes(role) ? 11 : 10),
  },
  role_permissions: {
    read: async (role) => (await as(role, (tx) => tx`select count(distinct role_id)::int as n from role_permissions`))[0]!.n,
    expect: () => 10,
  },
  users: {
    read: async (role) => (await as(role, (tx) => tx`select user_id from users order by 1`)).map((r) => r.user_id),
    expect: visibleUsers,
  },
  memberships: {
    read: async (role) => (await as(role, (tx) => tx`select user_id from memberships order by 1`)).map((r) => r.user_id),
    expect: visibleUsers,
  },
  sessions: {
    read: async (role) => (await as(role, (tx) => tx`select distinct user_id from sessions order by 1`)).map((r) => r.user_id),
    expect: (role) => (['owner', 'admin', 'security_officer'].includes(role) ? allUsers.map((u) => u.userId).sort() : [users[role].userId]),
  },
  invites: {
    read: async (role) => (await as(role, (tx) => tx`select company_id from invites order by 1`)).map((r) => r.company_id),
    expect: (role) => (['owner', 'admin'].includes(role) ? both : role === 'customer_admin' ? onlyA : []),
  },
  setup_tokens: {
    read: (role) => as(role, (tx) => tx`select count(*) from setup_tokens`).then(() => 'readable', (e: Error) => e.message),
    expect: () => 'permission denied for table setup_tokens',
  },
  totp_factors: {
    read: async (role) => (await as(role, (tx) => tx`select user_id from totp_factors order by 1`)).map((r) => r.user_id),
    expect: visibleUsers,
  },
  backup_codes: {
    read: async (role) => (await as(role, (tx) => tx`select user_id from backup_codes order by 1`)).map((r) => r.user_id),
    expect: (role) => [users[role].userId],
  },
  passkeys: {
    read: async (role) => (await as(role, (tx) => tx`select user_id from passkeys order by 1`)).map((r) => r.user_id),
    expect: (role) => (globalReaders.includes(role) ? allUsers.map((u) => u.userId).sort() : [users[role].userId]),
  },
  idempotency_keys: {
    read: async (role) => (await as(role, (tx) => tx`select user_id from idempotency_keys order by 1`)).map((r) => r.user_id),
    expect: (role) => [users[role].userId],
  },
  ...Object.fromEntries(['password_history', 'auth_challenges', 'auth_failures', 'unlock_tokens'].map((table) => [table, {
    read: (role: RoleKey) => as(role, (tx) => tx`select count(*) from ${tx(table)}`).then(() => 'readable', (e: Error) => e.message),
    expect: () => `permission denied for table ${table}`,
  }])),
};

// ---- documents (sql/0010_documents.sql) ------------------------------------
// A's document on the company, B's on a site; each has a clean version, and
// A's also a pending one uploaded by A's customer member.
const [docA] = await t.admin`insert into kastell.documents (owner_company_id, company_id, title, kind, created_by)
  values (${A}, ${A}, 'Contract A', 'contract', ${users.customer_admin.userId}) returning document_id`;
const [docB] = await t.admin`insert into kastell.documents (owner_company_id, site_id, title, kind, created_by)
  values (${B}, ${siteB}, 'Manual B', 'manual', ${adminOfB.userId}) returning document_id`;
const cleanVersion = (doc: string, company: string, by: string) => t.admin`insert into kastell.document_versions
  (document_id, owner_company_id, file_name, status, detected_type, size, sha256, object_key, uploaded_by)
  values (${doc}, ${company}, 'f.pdf', 'clean', 'application/pdf', 3, ${Buffer.alloc(32)}, ${`documents/${doc}/${Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32)}`}, ${by})
  returning version_id`;
await cleanVersion(docA!.document_id, A, users.customer_admin.userId);
await cleanVersion(docB!.document_id, B, adminOfB.userId);
const [pendingA] = await t.admin`insert into kastell.document_versions (document_id, owner_company_id, file_name, uploaded_by)
  values (${docA!.document_id}, ${A}, 'new.pdf', ${users.customer_member.userId}) returning version_id`;
const documentReaders = [...globalReaders];
readMatrix.documents = {
  read: async (role) => (await as(role, (tx) => tx`select owner_company_id from documents order by 1`)).map((r) => r.owner_company_id),
  expect: (role) => (documentReaders.includes(role) ? both : customerRoles.includes(role as never) ? onlyA : []),
};
readMatrix.document_versions = {
  read: async (role) => (await as(role, (tx) => tx`select owner_company_id || ':' || status as v from document_versions order by 1`)).map((r) => r.v),
  // only clean versions, but the uploader also sees their own pending one
  expect: (role) => (documentReaders.includes(role) ? both.map((c) => `${c}:clean`)
    : role === 'customer_member' ? [`${A}:clean`, `${A}:pending`].sort()
    : customerRoles.includes(role as never) ? [`${A}:clean`] : []),
};
// share links: one on A's document by A's member, one on B's by B's admin
const [linkA] = await t.admin`insert into kastell.share_links (document_id, owner_company_id, token_hash, created_by, expires_at)
  values (${docA!.document_id}, ${A}, ${newToken().hash}, ${users.customer_member.userId}, now() + interval '7 days') returning share_link_id`;
const [linkB] = await t.admin`insert into kastell.share_links (document_id, owner_company_id, token_hash, created_by, expires_at)
  values (${docB!.document_id}, ${B}, ${newToken().hash}, ${adminOfB.userId}, now() + interval '7 days') returning share_link_id`;
readMatrix.share_links = {
  read: async (role) => (await as(role, (tx) => tx`select owner_company_id from share_links order by 1`)).map((r) => r.owner_company_id),
  expect: (role) => (documentReaders.includes(role) ? both : customerRoles.includes(role as never) ? onlyA : []),
};
// ---- end documents ---------------------------------------------------------

test('secrets of factors are not readable by the application role, even for the user themselves', async () => {
  for (const [table, column] of [['totp_factors', 'secret_enc'], ['totp_factors', 'pending_secret_enc'], ['backup_codes', 'code_hash'], ['passkeys', 'public_key']]) {
    const outcome = await as('owner', (tx) => tx`select ${tx(column!)} from ${tx(table!)}`).then(() => 'readable', (e: Error) => e.message);
    assert.equal(outcome, `permission denied for table ${table}`, `${table}.${column}`);
  }
});

test('the matrix covers every table in the kastell schema', async () => {
  const tables = await t.admin`select tablename from pg_tables where schemaname = 'kastell' order by 1`;
  assert.deepEqual(tables.map((r) => r.tablename), Object.keys(readMatrix).sort());
});

for (const [table, { read, expect }] of Object.entries(readMatrix)) {
  test(`read ${table}: each role sees exactly its rows`, async () => {
    for (const role of roles) {
      assert.deepEqual(await read(role), expect(role), `${role} reading ${table}`);
    }
  });
}

test('without a principal nothing business-related is visible', async () => {
  for (const table of ['companies', 'sites', 'assets', 'users', 'memberships', 'sessions', 'invites', 'idempotency_keys']) {
    const rows = await t.db.withPrincipal(null, (tx) => tx`select 1 from ${tx(table)}`);
    assert.equal(rows.length, 0, table);
  }
});

/** 'ok', 'denied' (an error) or 'no rows' (filtered by RLS). */
async function attempt(role: RoleKey | SeededUser, work: (tx: Tx) => Promise<postgres.RowList<postgres.Row[]>>): Promise<string> {
  try {
    const result = await as(role, work);
    return result.count > 0 ? 'ok' : 'no rows';
  } catch (error) {
    if (error instanceof postgres.PostgresError && ['42501', '23514', '23503'].includes(error.code)) return 'denied';
    throw error;
  }
}

const writeMatrix: Array<{ name: string; work: (tx: Tx) => Promise<postgres.RowList<postgres.Row[]>>; allowed: RoleKey[]; outcome?: string }> = [
  { name: 'create a company', work: (tx) => tx`insert into companies (name) values ('New') returning company_id`, allowed: ['owner', 'admin', 'dispatcher'] },
  { name: 'rename company A', work: (tx) => tx`update companies set name = name where company_id = ${A} returning 1`, allowed: ['owner', 'admin', 'dispatcher', 'customer_admin'] },
  { name: 'rename company B', work: (tx) => tx`update companies set name = name where company_id = ${B} returning 1`, allowed: ['owner', 'admin', 'dispatcher'] },
  { name: 'add a site in A', work: (tx) => tx`insert into sites (company_id, name) values (${A}, 'S') returning 1`, allowed: ['owner', 'admin', 'dispatcher', 'customer_admin'] },
  { name: 'add a site in B', work: (tx) => tx`insert into sites (company_id, name) values (${B}, 'S') returning 1`, allowed: ['owner', 'admin', 'dispatcher'] },
  { name: 'add an asset in A', work: (tx) => tx`insert into assets (company_id, site_id, name) values (${A}, ${siteA}, 'P') returning 1`, allowed: ['owner', 'admin', 'dispatcher', 'customer_admin'] },
  { name: 'change an asset in B', work: (tx) => tx`update assets set name = name where company_id = ${B} returning 1`, allowed: ['owner', 'admin', 'dispatcher'] },
  { name: 'delete a site in B', work: (tx) => tx`delete from sites where site_id = ${siteB} and false returning 1`, allowed: [], outcome: 'no rows' },
  { name: 'change the organisation', work: (tx) => tx`update organisation set name = name returning 1`, allowed: ['owner', 'admin'] },
  { name: 'rename another user', work: (tx) => tx`update users set display_name = display_name where user_id = ${adminOfB.userId} returning 1`, allowed: ['owner', 'admin'] },
  { name: 'rename a customer member of A', work: (tx) => tx`update users set display_name = display_name where user_id = ${users.customer_member.userId} returning 1`, allowed: ['owner', 'admin', 'customer_admin', 'customer_member'] },
  { name: "change B's admin role", work: (tx) => tx`update memberships set role_id = role_id where user_id = ${adminOfB.userId} returning 1`, allowed: ['owner', 'admin'] },
  { name: "end B admin's sessions", work: (tx) => tx`update sessions set ended_at = now(), end_reason = 'ended_by_admin' where user_id = ${adminOfB.userId} and false returning 1`, allowed: [], outcome: 'no rows' },
  { name: 'invite into A', work: (tx) => tx`insert into invites (email, role_id, company_id, token_hash, invited_by, expires_at) values ('x@example.test', ${memberRole!.role_id}, ${A}, ${newToken().hash}, app.current_user_id(), now() + interval '1 day') returning 1`, allowed: ['owner', 'admin', 'customer_admin'] },
  { name: 'invite into B', work: (tx) => tx`insert into invites (email, role_id, company_id, token_hash, invited_by, expires_at) values ('y@example.test', ${memberRole!.role_id}, ${B}, ${newToken().hash}, app.current_user_id(), now() + interval '1 day') returning 1`, allowed: ['owner', 'admin'] },
  { name: "create a custom role in A", work: (tx) => tx`insert into roles (company_id, name, side) values (${A}, ${'R' + Math.random()}, 'customer') returning 1`, allowed: ['customer_admin'] },
  { name: "grant a permission to B's custom role", work: (tx) => tx`insert into role_permissions (role_id, permission_key, scope) values (${customRoleB!.role_id}, 'sites.read', 'company') on conflict do nothing returning 1`, allowed: [] },
  { name: 'claim an idempotency key for oneself', work: (tx) => tx`insert into idempotency_keys (user_id, idempotency_key, request_hash) values (app.current_user_id(), ${randomKey()}, ${Buffer.alloc(32)}) returning 1`, allowed: roles },
  { name: "claim an idempotency key in B admin's name", work: (tx) => tx`insert into idempotency_keys (user_id, idempotency_key, request_hash) values (${adminOfB.userId}, ${randomKey()}, ${Buffer.alloc(32)}) returning 1`, allowed: [] },
  { name: "release B admin's idempotency key", work: (tx) => tx`delete from idempotency_keys where user_id = ${adminOfB.userId} returning 1`, allowed: [], outcome: 'no rows' },
];

for (const { name, work, allowed, outcome } of writeMatrix) {
  test(`write: ${name}`, async () => {
    for (const role of roles) {
      const result = await attempt(role, work);
      if (allowed.includes(role)) assert.equal(result, 'ok', `${role} should be allowed to ${name}`);
      else assert.notEqual(result, 'ok', `${role} must not ${name}`);
      if (outcome && !allowed.includes(role)) assert.equal(result, outcome, `${role}: ${name}`);
    }
  });
}

test("B's customer admin may compose its own custom role, but not at global scope nor with operator-only permissions", async () => {
  const ok = await attempt(adminOfB, (tx) => tx`insert into role_permissions (role_id, permission_key, scope) values (${customRoleB!.role_id}, 'sites.read', 'company') returning 1`);
  assert.equal(ok, 'ok');
  assert.equal(await attempt(adminOfB, (tx) => tx`insert into role_permissions (role_id, permission_key, scope) values (${customRoleB!.role_id}, 'assets.read', 'global') returning 1`), 'denied');
  assert.equal(await attempt(adminOfB, (tx) => tx`insert into role_permissions (role_id, permission_key, scope) values (${customRoleB!.role_id}, 'keys.rotate', 'company') returning 1`), 'denied');
});

test('nobody writes the permission catalogue or system roles through the app', async () => {
  for (const role of roles) {
    assert.equal(await attempt(role, (tx) => tx`insert into permissions (permission_key, description) values ('x.y', 'x') returning 1`), 'denied', role);
    assert.notEqual(await attempt(role, (tx) => tx`update roles set name = 'Boss' where role_key = 'customer_viewer' returning 1`), 'ok', role);
  }
});

test('a membership cannot put a customer into an operator role or another company’s custom role', async () => {
  const [ownerRole] = await t.admin`select role_id from kastell.roles where role_key = 'owner'`;
  const result = await attempt('customer_admin', (tx) => tx`update memberships set role_id = ${ownerRole!.role_id} where user_id = ${users.customer_member.userId} returning 1`);
  assert.equal(result, 'denied');
  const custom = await attempt('customer_admin', (tx) => tx`update memberships set role_id = ${customRoleB!.role_id} where user_id = ${users.customer_member.userId} returning 1`);
  assert.notEqual(custom, 'ok');
});

// ---- documents (sql/0010_documents.sql): writes ----------------------------
// Each attempt runs in a transaction that is rolled back, so every role meets the same rows.
class RolledBack extends Error { constructor(readonly count: number) { super('rolled back'); } }
async function attemptDocuments(role: RoleKey, work: (tx: Tx) => Promise<postgres.RowList<postgres.Row[]>>): Promise<string> {
  try {
    await as(role, async (tx) => { throw new RolledBack((await work(tx)).count); });
    return 'unreachable';
  } catch (error) {
    if (error instanceof RolledBack) return error.count > 0 ? 'ok' : 'no rows';
    if (error instanceof postgres.PostgresError && ['42501', '23514', '23503'].includes(error.code)) return 'denied';
    throw error;
  }
}
const documentWrites: Array<{ name: string; work: (tx: Tx) => Promise<postgres.RowList<postgres.Row[]>>; allowed: RoleKey[] }> = [
  { name: 'create a document in A', allowed: ['owner', 'admin', 'dispatcher', 'customer_admin', 'customer_member'],
    work: (tx) => tx`insert into documents (owner_company_id, company_id, title, kind, created_by) values (${A}, ${A}, 'New', 'other', app.current_user_id()) returning 1` },
  { name: 'create a document on a site of B', allowed: ['owner', 'admin', 'dispatcher'],
    work: (tx) => tx`insert into documents (owner_company_id, site_id, title, kind, created_by) values (${B}, ${siteB}, 'New', 'other', app.current_user_id()) returning 1` },
  { name: "create a document in B admin's name", allowed: [],
    work: (tx) => tx`insert into documents (owner_company_id, company_id, title, kind, created_by) values (${A}, ${A}, 'New', 'other', ${adminOfB.userId}) returning 1` },
  { name: 'rename the document of A', allowed: ['owner', 'admin', 'dispatcher', 'customer_admin', 'customer_member'],
    work: (tx) => tx`update documents set title = 'Renamed' where document_id = ${docA!.document_id} returning 1` },
  { name: 'rename the document of B', allowed: ['owner', 'admin', 'dispatcher'],
    work: (tx) => tx`update documents set title = 'Renamed' where document_id = ${docB!.document_id} returning 1` },
  { name: "move A's document to B", allowed: [],
    work: (tx) => tx`update documents set owner_company_id = ${B} where document_id = ${docA!.document_id} returning 1` },
  { name: 'delete the document of A', allowed: ['owner', 'admin', 'customer_admin'],
    work: (tx) => tx`delete from documents where document_id = ${docA!.document_id} returning 1` },
  { name: 'delete the document of B', allowed: ['owner', 'admin'],
    work: (tx) => tx`delete from documents where document_id = ${docB!.document_id} returning 1` },
  { name: 'add a pending version to the document of A', allowed: ['owner', 'admin', 'dispatcher', 'customer_admin', 'customer_member'],
    work: (tx) => tx`insert into document_versions (document_id, owner_company_id, file_name, uploaded_by) values (${docA!.document_id}, ${A}, 'v.pdf', app.current_user_id()) returning 1` },
  { name: 'add a version to the document of B', allowed: ['owner', 'admin', 'dispatcher'],
    work: (tx) => tx`insert into document_versions (document_id, owner_company_id, file_name, uploaded_by) values (${docB!.document_id}, ${B}, 'v.pdf', app.current_user_id()) returning 1` },
  { name: 'insert a version that is already clean (skipping the pipeline)', allowed: [],
    work: (tx) => tx`insert into document_versions (document_id, owner_company_id, file_name, status, detected_type, size, sha256, object_key, uploaded_by)
      values (${docA!.document_id}, ${A}, 'v.pdf', 'clean', 'application/pdf', 1, ${Buffer.alloc(32)}, ${`documents/${docA!.document_id}/${'a'.repeat(32)}`}, app.current_user_id()) returning 1` },
  { name: "decide the member's pending version", allowed: ['customer_member'],
    work: (tx) => tx`update document_versions set status = 'rejected', reason = 'x' where version_id = ${pendingA!.version_id} returning 1` },
  { name: 'change the object of a clean version', allowed: [],
    work: (tx) => tx`update document_versions set object_key = ${`documents/${docA!.document_id}/${'b'.repeat(32)}`} where status = 'clean' returning 1` },
  { name: 'delete a version', allowed: [],
    work: (tx) => tx`delete from document_versions returning 1` },
  { name: "share A's document", allowed: ['owner', 'admin', 'customer_admin', 'customer_member'],
    work: (tx) => tx`insert into share_links (document_id, owner_company_id, token_hash, created_by, expires_at)
      values (${docA!.document_id}, ${A}, ${newToken().hash}, app.current_user_id(), now() + interval '7 days') returning 1` },
  { name: "share B's document", allowed: ['owner', 'admin'],
    work: (tx) => tx`insert into share_links (document_id, owner_company_id, token_hash, created_by, expires_at)
      values (${docB!.document_id}, ${B}, ${newToken().hash}, app.current_user_id(), now() + interval '7 days') returning 1` },
  { name: "share A's document in B admin's name", allowed: [],
    work: (tx) => tx`insert into share_links (document_id, owner_company_id, token_hash, created_by, expires_at)
      values (${docA!.document_id}, ${A}, ${newToken().hash}, ${adminOfB.userId}, now() + interval '7 days') returning 1` },
  { name: 'share for more than 90 days', allowed: [],
    work: (tx) => tx`insert into share_links (document_id, owner_company_id, token_hash, created_by, expires_at)
      values (${docA!.document_id}, ${A}, ${newToken().hash}, app.current_user_id(), now() + interval '91 days') returning 1` },
  { name: "revoke the member's link on A (share_links.revoke, or its creator)", allowed: ['owner', 'admin', 'customer_admin', 'customer_member'],
    work: (tx) => tx`update share_links set revoked_at = now(), revoked_by = app.current_user_id() where share_link_id = ${linkA!.share_link_id} returning 1` },
  { name: "revoke B's link", allowed: ['owner', 'admin'],
    work: (tx) => tx`update share_links set revoked_at = now(), revoked_by = app.current_user_id() where share_link_id = ${linkB!.share_link_id} returning 1` },
  { name: 'raise a link download limit', allowed: [],
    work: (tx) => tx`update share_links set downloads = 0 where share_link_id = ${linkA!.share_link_id} returning 1` },
  { name: "read a link's token hash", allowed: [],
    work: (tx) => tx`select token_hash from share_links` },
];
for (const { name, work, allowed } of documentWrites) {
  test(`write (documents): ${name}`, async () => {
    for (const role of roles) {
      const result = await attemptDocuments(role, work);
      if (allowed.includes(role)) assert.equal(result, 'ok', `${role} should be allowed to ${name}`);
      else assert.notEqual(result, 'ok', `${role} must not ${name}`);
    }
  });
}
// ---- end documents ---------------------------------------------------------
