// The migration runner's rules, on throwaway migration directories against
// fresh, empty databases: forward-only, plain sequential numbers, a pending
// migration numbered below the highest applied one is refused before anything
// runs. (Edited migrations: test/foundation/database.test.ts.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import postgres from 'postgres';
import { migrate, readMigrations } from '../../app/db/migrate.ts';
import { createTestDatabase } from '../harness/database.ts';

const t = await createTestDatabase();
const serverUrl = t.adminUrl.replace(/\/[^/]+$/, '/postgres');
let databases = 0;

/** A fresh, empty database on the test cluster (dropped after the file). */
async function emptyDatabase(): Promise<{ adminUrl: string; appUrl: string; admin: postgres.Sql }> {
  const name = `${t.name}_m${++databases}`;
  const server = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await server.unsafe(`create database ${name}`);
  await server.end();
  const adminUrl = t.adminUrl.replace(/\/[^/]+$/, `/${name}`);
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  after(async () => {
    await admin.end();
    const drop = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await drop.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
    await drop.end();
  });
  // its own login role, so the shared test role's password stays as it is
  const appUrl = `postgres://kastell_migrations_test:${'m'.repeat(24)}@${new URL(adminUrl).host}/${name}`;
  return { adminUrl, appUrl, admin };
}

/** A migrations directory holding exactly these files. */
function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kastell-migrations-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [file, sql] of Object.entries(files)) writeFileSync(join(dir, file), sql);
  return dir;
}

const createA = 'create table kastell_meta.mt_a (id int);';
const createB = 'create table kastell_meta.mt_b (id int);';
const createC = 'create table kastell_meta.mt_c (id int);';

async function tables(admin: postgres.Sql): Promise<string[]> {
  const rows = await admin`select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                           where n.nspname = 'kastell_meta' and relname like 'mt\_%' order by 1`;
  return rows.map((r) => r.relname as string);
}

test('migrate applies the files of the directory it is given, in order, and only the new ones on a second run', async () => {
  const database = await emptyDatabase();
  const first = await migrate({ ...database, dir: migrationsDir({ '0001_a.sql': createA }) });
  assert.deepEqual(first.applied, ['0001_a']);
  const second = await migrate({ ...database, dir: migrationsDir({ '0001_a.sql': createA, '0002_b.sql': createB, '0003_c.sql': createC }) });
  assert.deepEqual(second, { applied: ['0002_b', '0003_c'], alreadyApplied: 1 });
  assert.deepEqual(await tables(database.admin), ['mt_a', 'mt_b', 'mt_c']);
});

test('a pending migration numbered below the highest applied one is refused, naming both, and nothing runs', async () => {
  const database = await emptyDatabase();
  await migrate({ ...database, dir: migrationsDir({ '0001_a.sql': createA }) });
  // As a database migrated from another branch's tree (or from the old
  // numbering, where 0008 would have run after 0201) records it:
  const dir = migrationsDir({ '0001_a.sql': createA, '0002_b.sql': createB, '0003_elsewhere.sql': createC });
  const elsewhere = readMigrations(dir).find((m) => m.version === '0003')!;
  await database.admin.unsafe(createC);
  await database.admin`insert into kastell_meta.schema_migrations (version, name, checksum)
                       values (${elsewhere.version}, ${elsewhere.name}, ${elsewhere.checksum})`;
  await assert.rejects(migrate({ ...database, dir }), (error: Error) => {
    assert.match(error.message, /0002_b/);
    assert.match(error.message, /0003_elsewhere/);
    assert.match(error.message, /below/);
    return true;
  });
  assert.deepEqual(await tables(database.admin), ['mt_a', 'mt_c'], '0002_b did not run');
  const recorded = await database.admin`select version from kastell_meta.schema_migrations order by 1`;
  assert.deepEqual(recorded.map((r) => r.version), ['0001', '0003']);
});

test('migration files must be NNNN_name.sql numbered 0001, 0002, … without gaps or duplicates', async () => {
  const database = await emptyDatabase();
  const refusals: Array<[Record<string, string>, RegExp]> = [
    [{ '0001_a.sql': createA, '0003_c.sql': createC }, /0003_c.*expected 0002|0002.*missing/s],
    [{ '0001_a.sql': createA, '0001_b.sql': createB }, /0001_a.*0001_b|0001_b.*0001_a/s],
    [{ '0002_b.sql': createB }, /0002_b.*expected 0001/s],
    [{ '0001_a.sql': createA, '0002-b.sql': createB }, /0002-b\.sql.*NNNN_name\.sql/s],
    [{ '0001_a.sql': createA, '2_b.sql': createB }, /2_b\.sql.*NNNN_name\.sql/s],
  ];
  for (const [files, message] of refusals) {
    const dir = migrationsDir(files);
    assert.throws(() => readMigrations(dir), message, Object.keys(files).join(', '));
    await assert.rejects(migrate({ ...database, dir }), message, Object.keys(files).join(', '));
  }
  assert.deepEqual(await tables(database.admin), [], 'nothing ran from a refused directory');
  // schema.sql (the generated reference) and non-SQL files are not migrations
  const dir = migrationsDir({ '0001_a.sql': createA, 'schema.sql': '-- reference', 'README.md': 'notes' });
  assert.deepEqual(readMigrations(dir).map((m) => m.name), ['0001_a']);
});
