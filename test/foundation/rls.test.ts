// For every table and every role: what it may read and write, and what it
// may not. A wrong policy fails silently; only these tests show it. The
// cases come from each feature's kit (test/features/); a table no kit reads
// fails the coverage test below.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import postgres from 'postgres';
import { collect, kits } from '../features/index.ts';
import { customerRoles, operatorRoles, type RlsWorld, type RoleKey } from '../features/kit.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedUser, type SeededUser } from '../harness/seed.ts';
import { seedTwoCompanyWorld } from '../harness/world.ts';

const t = await createTestDatabase();
const world = await seedTwoCompanyWorld(t.admin);
const roles: RoleKey[] = [...operatorRoles, ...customerRoles];
const users = {} as Record<RoleKey, SeededUser>;
for (const role of operatorRoles) users[role] = await seedUser(t.admin, role);
for (const role of customerRoles) users[role] = await seedUser(t.admin, role, world.A);
const allUsers = [...Object.values(users), world.adminOfB];
const globalReaders: RoleKey[] = ['owner', 'admin', 'security_officer', 'dispatcher', 'support'];

const as: RlsWorld['as'] = (role, work) =>
  t.db.withPrincipal({ userId: typeof role === 'string' ? users[role].userId : role.userId }, work);

const rlsWorld: RlsWorld = {
  admin: t.admin, world, users, allUsers, roles, globalReaders, as,
  visibleUsers: (role) =>
    globalReaders.includes(role)
      ? allUsers.map((u) => u.userId).sort()
      : role === 'customer_admin'
        ? customerRoles.map((r) => users[r].userId).sort()
        : [users[role].userId],
  async attempt(role, work) {
    try {
      const result = await as(role, work);
      return result.count > 0 ? 'ok' : 'no rows';
    } catch (error) {
      // 55000: a state guard refused the move (the service work's status triggers)
      if (error instanceof postgres.PostgresError && ['42501', '23514', '23503', '55000'].includes(error.code)) return 'denied';
      throw error;
    }
  },
};

for (const kit of kits) await kit.rls?.seed?.(rlsWorld);

const cases = new Map(kits.map((kit) => [kit, kit.rls?.cases(rlsWorld)]));
// table → how to read it as a role → what that role must see, from every kit
const reads = collect((kit) => cases.get(kit)?.reads);
const readMatrix = reads.all;
const writeMatrix = kits.flatMap((kit) => cases.get(kit)?.writes ?? []);
const checks = collect((kit) => cases.get(kit)?.checks);

test('the matrix covers every table in the kastell schema', async () => {
  const tables = await t.admin`select tablename from pg_tables where schemaname = 'kastell' order by 1`;
  assert.deepEqual(tables.map((r) => r.tablename), Object.keys(readMatrix).sort(), 'a table without read rows in a test/features kit (or rows for a table that is gone)');
  assert.deepEqual(reads.twice, [], 'tables whose rows come from more than one kit');
  assert.deepEqual(checks.twice, [], 'checks of the same name in more than one kit');
});

for (const [table, { read, expect }] of Object.entries(readMatrix)) {
  // asvs: V8.2.2
  test(`read ${table}: each role sees exactly its rows`, async () => {
    for (const role of roles) {
      assert.deepEqual(await read(role), expect(role), `${role} reading ${table}`);
    }
  });
}

// asvs: V8.2.2
test('without a principal nothing business-related is visible', async () => {
  const business = Object.keys(readMatrix).filter((table) => readMatrix[table]!.noRowsWithoutPrincipal);
  assert.ok(business.length >= 8, `only ${business.length} tables are marked as business rows`);
  for (const table of business) {
    const rows = await t.db.withPrincipal(null, (tx) => tx`select 1 from ${tx(table)}`);
    assert.equal(rows.length, 0, table);
  }
});

for (const { name, work, allowed, outcome } of writeMatrix) {
  test(`write: ${name}`, async () => {
    for (const role of roles) {
      const result = await rlsWorld.attempt(role, work);
      if (allowed.includes(role)) assert.equal(result, 'ok', `${role} should be allowed to ${name}`);
      else assert.notEqual(result, 'ok', `${role} must not ${name}`);
      if (outcome && !allowed.includes(role)) assert.equal(result, outcome, `${role}: ${name}`);
    }
  });
}

for (const [name, check] of Object.entries(checks.all)) test(name, check);
