// The database invariants anyone can check with one query, and that the
// application's role cannot get around them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import postgres from 'postgres';
import { migrate } from '../../app/db/migrate.ts';
import { parseConfig } from '../../app/config.ts';
import { createLogger } from '../../app/log.ts';
import { startServer } from '../../app/server.ts';
import { createTestDatabase } from '../harness/database.ts';
import { freePort } from '../harness/postgres.ts';

const t = await createTestDatabase();
const appRole = new URL(t.appUrl).username;

test('every table but the migrations bookkeeping has RLS enabled and forced, with policies', async () => {
  const unprotected = await t.admin`
    select n.nspname || '.' || c.relname as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p')
      and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
      and (n.nspname, c.relname) <> ('kastell_meta', 'schema_migrations')
      and not (c.relrowsecurity and c.relforcerowsecurity)`;
  assert.deepEqual(unprotected.map((r) => r.name), []);
  const withoutPolicy = await t.admin`
    select n.nspname || '.' || c.relname as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and n.nspname in ('kastell')
      and not exists (select 1 from pg_policy p where p.polrelid = c.oid)`;
  assert.deepEqual(withoutPolicy.map((r) => r.name), []);
});

// asvs: V13.2.2
test('no login role is superuser or BYPASSRLS except the cluster superuser, and the app role owns nothing', async () => {
  const powerful = await t.admin`select rolname from pg_roles where rolcanlogin and (rolsuper or rolbypassrls) order by 1`;
  assert.deepEqual(powerful.map((r) => r.rolname), ['postgres']);
  const [flags] = await t.admin`select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb from pg_roles where rolname = ${appRole}`;
  assert.deepEqual({ ...flags }, { rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false });
  const owned = await t.admin`
    select 'class ' || relname as what from pg_class where relowner = (select oid from pg_roles where rolname = ${appRole})
    union all select 'function ' || proname from pg_proc where proowner = (select oid from pg_roles where rolname = ${appRole})
    union all select 'schema ' || nspname from pg_namespace where nspowner = (select oid from pg_roles where rolname = ${appRole})`;
  assert.deepEqual(owned.map((r) => r.what), []);
  const objectOwners = await t.admin`
    select distinct pg_get_userbyid(c.relowner) as owner
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in ('kastell', 'app', 'kastell_meta') and c.relkind in ('r', 'p', 'v', 'S', 'i')`;
  assert.deepEqual(objectOwners.map((r) => r.owner), ['kastell_owner']);
});

// asvs: V13.2.2
test('the app role cannot switch RLS off, become the owner, or alter tables', async () => {
  const app = postgres(t.appUrl, { max: 1, onnotice: () => {} });
  try {
    await assert.rejects(app`select * from kastell.setup_tokens`, /permission denied/);
    await app`set row_security = off`;
    await assert.rejects(app`select * from kastell.companies`, /row-level security/);
    await assert.rejects(app`set role kastell_owner`, /permission denied/);
    await assert.rejects(app`set role kastell_auth`, /permission denied/);
    await assert.rejects(app.unsafe('alter table kastell.companies disable row level security'), /must be owner/);
    await assert.rejects(app.unsafe('create table kastell.sneaky (id int)'), /permission denied/);
    await assert.rejects(app.unsafe('create function app.sneaky() returns int language sql as $$ select 1 $$'), /permission denied/);
  } finally {
    await app.end();
  }
});

test('identity is transaction-local: nothing leaks into the pooled connection', async () => {
  const [user] = await t.admin`insert into kastell.users (email, display_name) values ('leak@example.test', 'Leak') returning user_id`;
  const single = postgres(t.appUrl, { max: 1, onnotice: () => {} });
  try {
    await single.begin((tx) => tx`select set_config('kastell.user_id', ${user!.user_id}, true)`);
    const [after] = await single`select app.current_user_id() as id, current_setting('kastell.user_id', true) as raw`;
    assert.equal(after!.id, null);
    assert.equal(after!.raw, '');
  } finally {
    await single.end();
  }
});

test('uuidv7() gives version-7 ids in time order on this server version', async () => {
  const rows = await t.admin`select app.uuidv7()::text as id, (extract(epoch from now()) * 1000)::bigint as ms from generate_series(1, 5)`;
  for (const { id, ms } of rows) {
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const idMs = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    assert.ok(Math.abs(idMs - Number(ms)) < 60_000, 'timestamp prefix is the current time');
  }
  const [a] = await t.admin`select app.uuidv7() as id`;
  await new Promise((r) => setTimeout(r, 5));
  const [b] = await t.admin`select app.uuidv7() as id`;
  assert.ok(a!.id < b!.id, 'later ids sort after earlier ones');
});

test('migrate is idempotent, refuses edited migrations, and serve refuses a database that is behind', async () => {
  const again = await migrate({ adminUrl: t.adminUrl, appUrl: t.appUrl });
  assert.deepEqual(again.applied, []);
  assert.ok(again.alreadyApplied >= 6);

  await t.admin`update kastell_meta.schema_migrations set checksum = 'edited' where version = '0002'`;
  await assert.rejects(migrate({ adminUrl: t.adminUrl, appUrl: t.appUrl }), /changed after it ran/);
  await t.admin`delete from kastell_meta.schema_migrations where version = '0002'`;
  const config = parseConfig({ KASTELL_DATABASE_URL: t.appUrl, KASTELL_HTTP_PORT: String(await freePort()) });
  await assert.rejects(startServer(config, createLogger({ level: 'silent' })), /behind.*0002_identity.*kastell migrate/s);
});

test('`kastell migrate` on a fresh, empty database creates roles and schema, and the invariants hold', async () => {
  const name = `fresh_${Date.now()}`;
  const server = postgres(t.adminUrl.replace(/\/[^/]+$/, '/postgres'), { max: 1, onnotice: () => {} });
  await server.unsafe(`create database ${name}`);
  await server.end();
  const adminUrl = t.adminUrl.replace(/\/[^/]+$/, `/${name}`);
  const appUrl = `postgres://kastell_cli_app:${'p'.repeat(24)}@${new URL(adminUrl).host}/${name}`;
  const { spawnSync } = await import('node:child_process');
  const run = spawnSync(process.execPath, ['bin/kastell.js', 'migrate'], {
    env: { ...process.env, KASTELL_ADMIN_DATABASE_URL: adminUrl, KASTELL_DATABASE_URL: appUrl }, encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /applied 0001_schemas_and_helpers/);
  const fresh = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const unprotected = await fresh`select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r','p') and n.nspname not in ('pg_catalog','information_schema') and n.nspname not like 'pg_toast%'
        and (n.nspname, c.relname) <> ('kastell_meta','schema_migrations') and not (c.relrowsecurity and c.relforcerowsecurity)`;
    assert.deepEqual([...unprotected], []);
    const [role] = await fresh`select rolsuper, rolbypassrls from pg_roles where rolname = 'kastell_cli_app'`;
    assert.deepEqual({ ...role }, { rolsuper: false, rolbypassrls: false });
  } finally {
    await fresh.end();
  }
  const missingAdmin = spawnSync(process.execPath, ['bin/kastell.js', 'migrate'], {
    env: { ...process.env, KASTELL_DATABASE_URL: appUrl, KASTELL_ADMIN_DATABASE_URL: '' }, encoding: 'utf8',
  });
  assert.equal(missingAdmin.status, 2);
  assert.match(missingAdmin.stderr, /needs KASTELL_ADMIN_DATABASE_URL/);
});
