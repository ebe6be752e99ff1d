// Cross-tenant properties over HTTP: random callers (each customer role and
// a custom role with a random set of permissions, of random companies, and
// technicians assigned in one company) call random operations of the OpenAPI
// document with valid requests (the kits' sample bodies) whose ids are drawn,
// one by one, from the caller's own company or from another one. Every answer
// must show nothing of any other company (no name, no id: 0 foreign rows),
// and a request naming another company's object must get exactly the answer
// (status and body, request id aside) the same request gets with a random
// uuid in its place — so a refusal does not tell that the object exists.
// KASTELL_CROSS_TENANT_PROBES sets the size (npm run test:fuzz: 7,500 probes, over 10,000 requests; npm test: 200).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { customerRoles, type Ids } from '../features/kit.ts';
import { describe, histogram, seed, size, startFuzzWorld, withoutRequestId, type Caller, type Company, type Operation } from './harness.ts';

const probes = size('KASTELL_CROSS_TENANT_PROBES', 200);
const companyCount = size('KASTELL_CROSS_TENANT_COMPANIES', 4);

const w = await startFuzzWorld();
const companies: Company[] = [];
for (let i = 0; i < companyCount; i += 1) companies.push(await w.seedCompany());
// the two-company world's rows are foreign to every caller too
const worldSecrets = ['Alpha', 'Beta', w.world.A, w.world.B, w.world.siteA, w.world.siteB, w.world.assetA, w.world.assetB, w.world.adminOfB.userId, w.world.inviteB, w.world.customRoleB];

interface Tenant { caller: Caller; home: number }
const tenants: Tenant[] = [];
for (const [home, company] of companies.entries()) {
  for (const role of customerRoles) tenants.push({ caller: await w.callerOf(role, company.companyId), home });
  const permissions = fc.sample(fc.subarray(w.assignable, { minLength: 1 }), { numRuns: 1, seed: seed + home })[0]!;
  tenants.push({ caller: await w.customCaller(company.companyId, permissions), home });
  // the technician the jobs kit assigned to this company's job: it reaches this company's rows through that job only
  const technician = company.ids.technicianId;
  if (technician) tenants.push({ caller: { role: 'technician', user: { userId: technician, email: '', password: '', roleKey: 'technician', companyId: null }, companyId: company.companyId, client: await w.clientOf({ userId: technician }) }, home });
}

/** What no caller of `home` may see: every other company's name and ids. */
function secretsFor(home: number): string[] {
  return [...worldSecrets, ...companies.flatMap((c, i) => (i === home ? [] : [c.name.split(' ')[0]!, ...Object.values(c.ids)]))];
}
const leaked = (text: string, secrets: string[]) => secrets.find((s) => text.toLowerCase().includes(s.toLowerCase()));

interface Probe { op: Operation; tenant: number; foreign: number; pick: boolean[]; idempotencyKey: string }

const idNames = Object.keys(companies[0]!.ids);
const probe: fc.Arbitrary<Probe> = fc.record({
  // operations that take an id (in the path or the body) three times as often: only they can name a foreign object
  op: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...w.operations.filter((op) => op.path.includes(':') || w.samples[op.key]?.idsInBody)) },
    { weight: 1, arbitrary: fc.constantFrom(...w.operations) },
  ),
  tenant: fc.nat({ max: tenants.length - 1 }),
  foreign: fc.nat({ max: companies.length - 2 }),
  // for each id name: true = the other company's
  pick: fc.array(fc.boolean(), { minLength: idNames.length, maxLength: idNames.length }),
  idempotencyKey: fc.uuid(),
});

function requestFor(op: Operation, ids: Ids) {
  const sample = w.samples[op.key];
  const pathIds = sample?.pathIds?.(ids) ?? ids;
  const path = '/api/v1' + op.path.replace(/:(\w+)/g, (_, name: string) => pathIds[name] ?? randomUUID());
  const json = op.body ? sample?.body(ids, w.world) ?? {} : undefined;
  return { path, json };
}

test(`cross-tenant: ${probes} probes of random callers with other companies' ids: nothing foreign shows, and a foreign id answers as a random one`, async (context) => {
  const statuses: number[] = [];
  const findings = new Map<string, string>();
  let requests = 0;
  let compared = 0;
  let leaks = 0;
  const drawn = fc.sample(probe, { numRuns: probes, seed });
  for (const [n, p] of drawn.entries()) {
    if ((n + 1) % 500 === 0) process.stderr.write(`# cross-tenant: ${n + 1} of ${probes} probes\n`);
    const { caller, home } = tenants[p.tenant]!;
    const foreign = (home + 1 + p.foreign) % companies.length;
    const own = companies[home]!.ids;
    const theirs = companies[foreign]!.ids;
    // at least one id is theirs; the rest the caller's own
    const pick = p.pick.some(Boolean) ? p.pick : p.pick.map((_, i) => i === 0);
    const mixed: Ids = {};
    const nobody: Ids = {};
    idNames.forEach((name, i) => {
      mixed[name] = pick[i] ? theirs[name]! : own[name]!;
      nobody[name] = pick[i] ? randomUUID() : own[name]!;
    });
    const ofTheirs = requestFor(p.op, mixed);
    const method = p.op.method.toUpperCase();
    const headers: Record<string, string> = p.op.successStatus === 201 ? { 'idempotency-key': p.idempotencyKey } : {};
    const response = await caller.client.request(method, ofTheirs.path, { json: ofTheirs.json, headers });
    requests += 1;
    statuses.push(response.status);
    const label = `${caller.role} of company ${home}, ids of ${foreign}: ${describe(method, ofTheirs.path, ofTheirs.json, response)}`;
    const secret = leaked(response.text, secretsFor(home));
    if (secret) {
      leaks += 1;
      findings.set(`${p.op.key} ${caller.role} leak`, `the answer names "${secret}" of another company\n    ${label}`);
    }
    if (response.status >= 500) findings.set(`${p.op.key} 5xx`, `${label}\n    cause: ${w.causeOf(response.text)}`);
    // a request before signed the caller out (sign-out, the sessions route): a fresh session, and the next probe
    if (response.status === 401) {
      await w.revive(caller);
      continue;
    }
    // only a request that names one of their objects has a random-id twin to compare with
    const theirIds = idNames.filter((name, i) => pick[i] && theirs[name]);
    const named = JSON.stringify([ofTheirs.path, ofTheirs.json ?? null]);
    if (!theirIds.some((name) => named.includes(theirs[name]!))) continue;
    const ofNobody = requestFor(p.op, nobody);
    const twin = await caller.client.request(method, ofNobody.path, { json: ofNobody.json, headers: p.op.successStatus === 201 ? { 'idempotency-key': randomUUID() } : {} });
    requests += 1;
    compared += 1;
    if (twin.status === 401) await w.revive(caller);
    if (twin.status !== response.status || withoutRequestId(twin.text) !== withoutRequestId(response.text)) {
      findings.set(`${p.op.key} ${caller.role} differs`, `a foreign id answers ${response.status}, a random one ${twin.status}\n    ${label}\n    random: ${describe(method, ofNobody.path, ofNobody.json, twin)}`);
    }
  }
  const summary = `probes ${probes}; requests ${requests}; compared with a random id ${compared}; statuses ${histogram(statuses)}; leaks ${leaks}; findings ${findings.size}`;
  context.diagnostic(`seed ${seed}; ${tenants.length} callers in ${companies.length} companies; ${summary}`);
  console.log(`# cross-tenant: ${summary}`);
  assert.deepEqual([...findings.values()], [], 'findings');
  assert.ok(compared >= probes / 3, `only ${compared} probes named a foreign object`);
});

test('the leak check sees another company\'s id and name', () => {
  const secrets = secretsFor(0);
  assert.equal(leaked(`{"companyId":"${companies[1]!.companyId}"}`, secrets), companies[1]!.ids.companyId);
  assert.ok(leaked(`{"name":"${companies[1]!.name}"}`, secrets));
  assert.equal(leaked(`{"companyId":"${companies[0]!.companyId}"}`, secrets), undefined);
});
