// The backup manifest's row counts (ops/kastell-backup) cover the permanent
// tables only: an UNLOGGED table is in no physical backup (PostgreSQL
// restores it empty), so counting it failed every restore drill in the
// appliance suite ("kastell.rate_limit_windows: 0 rows restored, manifest
// says 4"). The script's own query runs here against the real schema.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createTestDatabase } from '../harness/database.ts';

const script = readFileSync(new URL('../../ops/kastell-backup', import.meta.url), 'utf8');

test('the manifest counts every permanent table and no unlogged one', async () => {
  const query = /^tables=\$\(psql_db -At -c "(.+)"\)$/m.exec(script)?.[1];
  assert.ok(query, 'the table list query of ops/kastell-backup');
  const t = await createTestDatabase();
  await t.admin`insert into kastell.rate_limit_windows (bucket, window_start, hits) values (${Buffer.alloc(32, 3)}, now(), 4)`;
  const listed = (await t.admin.unsafe(query)).map((r) => Object.values(r)[0] as string);
  const unlogged = (await t.admin`select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r' and c.relpersistence = 'u' and n.nspname not in ('pg_catalog', 'information_schema')`).map((r) => r.name as string);
  const permanent = (await t.admin`select format('%I.%I', s.schemaname, s.relname) as name from pg_stat_user_tables s join pg_class c on c.oid = s.relid
    where c.relpersistence = 'p' order by 1`).map((r) => r.name as string);
  assert.ok(unlogged.includes('kastell.rate_limit_windows'), 'the request counters are unlogged');
  assert.deepEqual(listed.filter((name) => unlogged.includes(name)), [], 'no unlogged table is counted');
  assert.deepEqual(listed, permanent, 'every permanent table is counted');
  assert.ok(listed.includes('kastell.companies') && listed.includes('audit.events'));
});
