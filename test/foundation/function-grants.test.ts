// Every function the application role may EXECUTE is one the application
// uses: called by name from app/, or by a policy or column default it runs
// under. And each name is granted in one form only, so no stale overload
// (a redefinition with a new argument list that left the old one behind)
// stays callable.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { appGroupRole } from '../../app/db/migrate.ts';
import { createTestDatabase } from '../harness/database.ts';

const t = await createTestDatabase();
const appDir = new URL('../../app/', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}
const appSource = sourceFiles(appDir).map((file) => readFileSync(file, 'utf8')).join('\n');

/** Functions of ours the application's group role may EXECUTE, however it got the right (by name, through PUBLIC). */
async function grantedFunctions() {
  return t.admin<Array<{ schema: string; name: string; signature: string; used_in_sql: boolean }>>`
    select n.nspname as schema, p.proname as name, p.oid::regprocedure::text as signature,
           exists (select 1 from pg_depend d
                   where d.refclassid = 'pg_proc'::regclass and d.refobjid = p.oid
                     and d.classid in ('pg_policy'::regclass, 'pg_attrdef'::regclass)) as used_in_sql
    from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace
    where n.nspname in ('app', 'kastell', 'audit')
      and has_function_privilege(${appGroupRole}, p.oid, 'EXECUTE')
    order by 3`;
}

test('no function of ours is executable by PUBLIC (PostgreSQL grants that to every new function)', async () => {
  // proacl null means the default ACL, which includes EXECUTE for PUBLIC
  const open = await t.admin<Array<{ signature: string }>>`
    select p.oid::regprocedure::text as signature
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname in ('app', 'kastell', 'audit')
      and (p.proacl is null or exists (select 1 from aclexplode(p.proacl) a where a.grantee = 0 and a.privilege_type = 'EXECUTE'))
    order by 1`;
  const [all] = await t.admin`select count(*)::int as n from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname in ('app', 'kastell', 'audit')`;
  assert.ok(all!.n > 50, `the query sees our functions (${all!.n})`);
  assert.deepEqual(open.map((f) => f.signature), [], 'revoke execute from public (sql/0009 does it for every function that existed then)');
});

test('no function name is granted to the application in more than one overload', async () => {
  const granted = await grantedFunctions();
  assert.ok(granted.length > 20, `the query finds the grants (${granted.length})`);
  const byName = new Map<string, string[]>();
  for (const f of granted) byName.set(`${f.schema}.${f.name}`, [...(byName.get(`${f.schema}.${f.name}`) ?? []), f.signature]);
  const overloaded = [...byName.values()].filter((signatures) => signatures.length > 1);
  assert.deepEqual(overloaded, [], 'drop the overload the code no longer calls (or revoke it)');
});

test('every function granted to the application is called by app/ code or by a policy or default', async () => {
  const granted = await grantedFunctions();
  const unused = granted.filter((f) =>
    !f.used_in_sql && !new RegExp(`\\b${f.schema}\\.${f.name}\\s*\\(`).test(appSource)).map((f) => f.signature);
  assert.deepEqual(unused, [], 'revoke (or drop) what nothing calls');
});
