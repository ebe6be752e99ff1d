// Row-level security as properties: random principals — every system role,
// and custom roles with a random set of the permissions a company may give,
// in random companies — select, update and delete rows of the company-owned
// tables under RLS, with their identity set per transaction the way the app
// sets it (db.withPrincipal), and what they get is compared with a reference
// computed independently, from the permission catalogue alone
// (kastell.role_permissions: a permission held at global scope reaches every
// company's rows, at company scope the member's company's rows, otherwise
// none). test/foundation/rls.test.ts keeps its hand-written matrix over every
// table and role (and the technician's reach through assigned jobs, which is
// not a catalogue scope and is left out here); this adds random principals and
// random rows to it. KASTELL_RLS_PROBES sets the size (npm run test:fuzz: 3,000; npm test: 200).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import postgres from 'postgres';
import type { Tx } from '../../app/db/client.ts';
import { customerRoles, operatorRoles, type RoleKey } from '../features/kit.ts';
import { seedUser } from '../harness/seed.ts';
import { seed, size, startFuzzWorld } from './harness.ts';

const probes = size('KASTELL_RLS_PROBES', 200);
const w = await startFuzzWorld();
const { t } = w;
const companies = [await w.seedCompany(), await w.seedCompany(), await w.seedCompany()];

/** Each table, its key, and the permission of each action (the reference's whole knowledge of it). */
const tables: Record<string, { key: string; select: string; update?: { permission: string; set: string }; delete?: string }> = {
  'kastell.companies': { key: 'company_id', select: 'companies.read', update: { permission: 'companies.update', set: 'name = name' }, delete: 'companies.delete' },
  'kastell.sites': { key: 'site_id', select: 'sites.read', update: { permission: 'sites.update', set: 'company_id = company_id' }, delete: 'sites.delete' },
  'kastell.assets': { key: 'asset_id', select: 'assets.read', update: { permission: 'assets.update', set: 'company_id = company_id' }, delete: 'assets.delete' },
  'kastell.service_requests': { key: 'request_id', select: 'requests.read' },
  'kastell.invites': { key: 'invite_id', select: 'users.invite' },
  'kastell.jobs': { key: 'job_id', select: 'jobs.read' },
  'kastell.visits': { key: 'visit_id', select: 'visits.read' },
};

interface Principal { userId: string; companyId: string | null; label: string; scopes: Map<string, string> }

/** The catalogue's answer, read as the superuser: permission → scope, for the user's membership. */
async function scopesOf(userId: string): Promise<Map<string, string>> {
  const rows = await t.admin`select rp.permission_key, rp.scope from kastell.memberships m join kastell.role_permissions rp using (role_id) where m.user_id = ${userId}`;
  return new Map(rows.map((r) => [r.permission_key as string, r.scope as string]));
}

// the principals: one user per system role (customer roles in a random company), and custom roles with random permissions
const principals: Principal[] = [];
const systemRoles: RoleKey[] = [...operatorRoles.filter((r) => r !== 'technician'), ...customerRoles];
for (const [i, role] of systemRoles.entries()) {
  const companyId = (customerRoles as readonly string[]).includes(role) ? companies[i % companies.length]!.companyId : null;
  const user = await seedUser(t.admin, role, companyId);
  principals.push({ userId: user.userId, companyId, label: role, scopes: await scopesOf(user.userId) });
}
const customs = fc.sample(fc.tuple(fc.nat({ max: companies.length - 1 }), fc.subarray(w.assignable)), { numRuns: 12, seed });
for (const [company, permissions] of customs) {
  const caller = await w.customCaller(companies[company]!.companyId, permissions);
  principals.push({ userId: caller.user!.userId, companyId: caller.companyId, label: `custom role [${permissions.join(' ')}] of company ${company}`, scopes: await scopesOf(caller.user!.userId) });
}

/** Whether the principal may act on a row of `companyId` with `permission`, from the catalogue alone. */
function reference(p: Principal, permission: string, companyId: string): boolean {
  const scope = p.scopes.get(permission);
  return scope === 'global' || (scope === 'company' && p.companyId === companyId);
}

const rollBack = new Error('roll back');
/** A write in a savepoint that is then rolled back: returns whether it reached the row (a refusal by a trigger or a foreign key past RLS counts as reached). */
async function reached(tx: Tx, statement: (sp: Tx) => Promise<postgres.RowList<postgres.Row[]>>): Promise<boolean> {
  let count = 0;
  try {
    await tx.savepoint(async (sp) => { count = (await statement(sp)).count; throw rollBack; });
  } catch (error) {
    if (error === rollBack) return count > 0;
    // past RLS: the row was reached and something else (a foreign key, a state guard, a check) refused the change
    if (error instanceof postgres.PostgresError && ['23503', '23514', '55000', 'P0001', '23502'].includes(error.code)) return true;
    throw error;
  }
  return count > 0;
}

test(`RLS: ${probes} random principals select, update and delete random rows; each outcome is what the permission catalogue says`, async (context) => {
  const rows = new Map<string, { id: string; companyId: string }[]>();
  for (const [table, { key }] of Object.entries(tables)) {
    rows.set(table, (await t.admin.unsafe(`select ${key}::text as id, company_id::text as company from ${table} order by 1`)).map((r) => ({ id: r.id as string, companyId: r.company as string })));
    assert.ok(rows.get(table)!.length >= 3, `${table} has rows of several companies`);
  }
  const probe = fc.record({
    principal: fc.nat({ max: principals.length - 1 }),
    table: fc.constantFrom(...Object.keys(tables)),
    action: fc.constantFrom('select', 'update', 'delete'),
    row: fc.nat(),
  });
  const counts = { select: 0, update: 0, delete: 0, allowed: 0, refused: 0 };
  const findings: string[] = [];
  for (const p of fc.sample(probe, { numRuns: probes, seed })) {
    const principal = principals[p.principal]!;
    const spec = tables[p.table]!;
    const all = rows.get(p.table)!;
    const row = all[p.row % all.length]!;
    if (p.action === 'select') {
      counts.select += 1;
      const seen = await t.db.withPrincipal({ userId: principal.userId }, (tx) => tx.unsafe(`select ${spec.key}::text as id from ${p.table} order by 1`));
      const expected = all.filter((r) => reference(principal, spec.select, r.companyId)).map((r) => r.id);
      // rows created since the table was read (none: nothing writes here) would show as extra; compare exactly
      const got = seen.map((r) => r.id as string);
      if (JSON.stringify(got) !== JSON.stringify(expected)) findings.push(`${principal.label} select ${p.table}: sees ${got.length} rows, the catalogue says ${expected.length} (${got.filter((id) => !expected.includes(id)).length} too many, ${expected.filter((id) => !got.includes(id)).length} missing)`);
      continue;
    }
    const write = p.action === 'update' ? spec.update : spec.delete ? { permission: spec.delete, set: '' } : undefined;
    if (!write) continue;
    counts[p.action] += 1;
    const did = await t.db.withPrincipal({ userId: principal.userId }, (tx) => reached(tx, (sp) => p.action === 'update'
      ? sp.unsafe(`update ${p.table} set ${write.set} where ${spec.key} = $1 returning 1`, [row.id])
      : sp.unsafe(`delete from ${p.table} where ${spec.key} = $1 returning 1`, [row.id])));
    // PostgreSQL applies a table's SELECT policies to the rows an UPDATE or DELETE reads (its WHERE): the row must be readable too
    const expected = reference(principal, write.permission, row.companyId) && reference(principal, spec.select, row.companyId);
    counts[did ? 'allowed' : 'refused'] += 1;
    if (did !== expected) findings.push(`${principal.label} ${p.action} a row of ${p.table} of ${row.companyId === principal.companyId ? 'its own company' : 'another company'}: ${did ? 'reached' : 'refused'}, the catalogue says ${expected ? 'reached' : 'refused'}`);
  }
  const summary = `probes ${probes} (select ${counts.select}, update ${counts.update}, delete ${counts.delete}; writes reached ${counts.allowed}, refused ${counts.refused}); principals ${principals.length}; mismatches ${findings.length}`;
  context.diagnostic(`seed ${seed}; ${summary}`);
  console.log(`# rls properties: ${summary}`);
  assert.deepEqual([...new Set(findings)], []);
  assert.ok(counts.allowed > 0 && counts.refused > 0, 'writes were both reached and refused');
});

test('the reference is from the catalogue: a customer role holds no permission at global scope', async () => {
  const global = await t.admin`select r.role_key, rp.permission_key from kastell.role_permissions rp join kastell.roles r using (role_id) where r.side = 'customer' and rp.scope = 'global'`;
  assert.deepEqual([...global], []);
});
