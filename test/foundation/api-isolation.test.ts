// A customer user of company A cannot see or change a single row of
// company B through any API route or page. The routes come from the API
// registry itself, so a route added later is covered without being listed;
// its sample body and pages come from its feature's kit (test/features/).
// Requests carry valid bodies and a session in sudo mode, so only
// authorization can refuse them; and an id of B must get exactly the answer
// an id of nothing gets (status and body), so a refusal does not reveal that
// B's row exists.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { collect, kits } from '../features/index.ts';
import type { Ids, IsolationWorld } from '../features/kit.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedSession, seedUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';
import { seedCustomerCompany, seedTwoCompanyWorld, type CustomerCompany } from '../harness/world.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);
const world = await seedTwoCompanyWorld(t.admin);
const { A, B, siteB, assetB, adminOfB, inviteB, customRoleB } = world;

/** A company's path-parameter ids: the world's rows, then each kit's own (e.g. a session of its admin). */
async function idsOf(company: CustomerCompany): Promise<Ids> {
  const ids: Ids = { companyId: company.companyId, siteId: company.siteId, assetId: company.assetId, inviteId: company.inviteId, userId: company.admin.userId };
  for (const kit of kits) Object.assign(ids, await kit.isolation?.ids?.(t.admin, { companyId: company.companyId, userId: company.admin.userId }));
  return ids;
}
const idsOfB = await idsOf({ companyId: B, siteId: siteB, assetId: assetB, admin: adminOfB, inviteId: inviteB });
const secretsOfB = ['beta', ...Object.values(idsOfB)];
/** Well-formed ids of nothing: what a route answers for these is what it must answer for B's. */
const idsOfNobody = (): Ids => Object.fromEntries(Object.keys(idsOfB).map((name) => [name, randomUUID()]));

// Valid bodies from the kits (each is checked against the route's schema
// below, and accepted by the route for a caller who may act: see the last
// test), so only authorization can refuse. A body may carry ids too: `ids`
// are B's or nobody's.
const samples = collect((kit) => kit.isolation?.bodies);
const bodies = samples.all;

const { api } = server;
const keyOf = (route: (typeof api.routes)[number]) => `${route.method} ${route.path}`;
// Routes any signed-in user or anyone may call act on the caller only (their
// session, password, factors): the registry says which. They need no sample
// body; those that take an id in their path or only read are walked anyway,
// since such an id could name one of B's rows and a read could show one.
const callerOnly = new Set(api.routes.filter((r) => r.permission === 'signed-in' || r.permission === 'public').map(keyOf));
// Routes that act on the caller's own company only (custom roles): A's people
// act on A through them, and only an id in the path could name B's.
const onCallersCompany = new Set(api.routes.filter((r) => r.actsOn === 'callers-company').map(keyOf));
const walked = api.routes.filter((r) => !callerOnly.has(keyOf(r)) || /:\w+/.test(r.path) || r.method === 'get');

function assertNothingOfB(text: string, context: string): void {
  for (const secret of secretsOfB) {
    assert.ok(!text.toLowerCase().includes(secret.toLowerCase()), `${context} leaks "${secret}": ${text.slice(0, 300)}`);
  }
}

/** A signed-in client in sudo mode (so a re-authentication demand cannot stand in for the authorization check). */
async function clientOf(user: { userId: string }) {
  const token = await seedSession(t.admin, user.userId, '30 minutes');
  await t.admin`update kastell.sessions set reauth_at = now() where token_hash = sha256(${token}::bytea)`;
  return server.client().withSession(token);
}

function requestFor(route: (typeof api.routes)[number], ids: Ids) {
  const key = keyOf(route);
  const pathIds = bodies[key]?.pathIds?.(ids) ?? ids;
  const path = '/api/v1' + route.path.replace(/:(\w+)/g, (_, name: string) => {
    assert.ok(name in pathIds, `no id for path parameter ${name} (${key}): its feature's kit seeds one (isolation.ids in test/features/)`);
    return pathIds[name]!;
  });
  if (!route.body) return { key, path, json: undefined };
  const sample = bodies[key];
  assert.ok(sample, `no sample body for ${key}: add one to its feature's kit (isolation.bodies in test/features/)`);
  const json = sample.body(ids, world);
  const parsed = route.body.safeParse(json);
  assert.ok(parsed.success, `the sample body for ${key} is not valid for its schema (fix the sample): ${JSON.stringify(parsed.error?.issues)}`);
  return { key, path, json };
}

/** An error answer without its request id, to compare one answer with another. */
const withoutRequestId = (text: string) => text.replace(/"requestId":"[^"]*"/, '"requestId":""');

for (const role of ['customer_admin', 'customer_member', 'customer_viewer']) {
  // asvs: V8.4.1
  test(`${role} of A: no API route reveals or changes anything of B, and B's ids get the answer nobody's ids get`, async () => {
    const client = await clientOf(await seedUser(t.admin, role, A));
    let covered = 0;
    let compared = 0;
    for (const route of walked) {
      const ofB = requestFor(route, idsOfB);
      const response = await client.request(route.method.toUpperCase(), ofB.path, { json: ofB.json });
      assertNothingOfB(response.text, `${role} ${ofB.key}`);
      covered += 1;
      const hasIdOfB = /:(\w+)/.test(route.path) || bodies[ofB.key]?.idsInBody === true;
      if (!hasIdOfB && (route.method === 'get' || onCallersCompany.has(ofB.key))) continue; // a list, or A's own company: it shows A's rows only (checked above)
      assert.ok([403, 404].includes(response.status), `${role} ${ofB.key} answered ${response.status}: ${response.text.slice(0, 200)}`);
      if (!hasIdOfB) continue;
      const ofNobody = requestFor(route, idsOfNobody());
      const nobody = await client.request(route.method.toUpperCase(), ofNobody.path, { json: ofNobody.json });
      assert.equal(response.status, nobody.status, `${role} ${ofB.key}: B's ids answer ${response.status}, nobody's ${nobody.status}`);
      assert.equal(withoutRequestId(response.text), withoutRequestId(nobody.text), `${role} ${ofB.key}: B's ids and nobody's get different answers`);
      compared += 1;
    }
    assert.ok(covered >= 15, `covered ${covered} routes`);
    assert.ok(compared >= 12, `compared ${compared} routes with nobody's ids`);
  });
}

test("B's ids inside a body (a custom role of B) get the answer nobody's ids get, and change nothing", async () => {
  const client = await clientOf(await seedUser(t.admin, 'customer_admin', A));
  const memberOfA = await seedUser(t.admin, 'customer_member', A);
  const scenarios: [string, string, (roleId: string) => unknown][] = [
    ['PUT', `/api/v1/users/${memberOfA.userId}/role`, (roleId) => ({ roleId })],
    ['POST', '/api/v1/invites', (roleId) => ({ email: 'into.beta.role@example.test', roleId, companyId: A })],
  ];
  for (const [method, path, body] of scenarios) {
    const ofB = await client.request(method, path, { json: body(customRoleB) });
    const ofNobody = await client.request(method, path, { json: body(randomUUID()) });
    assert.ok(ofB.status >= 400 && ofB.status < 500, `${method} ${path} with B's role answered ${ofB.status}: ${ofB.text.slice(0, 200)}`);
    assert.equal(withoutRequestId(ofB.text), withoutRequestId(ofNobody.text), `${method} ${path}: B's role and nobody's get different answers`);
    assertNothingOfB(ofB.text, `${method} ${path}`);
  }
  const [role] = await t.admin`select r.role_key from kastell.memberships m join kastell.roles r using (role_id) where m.user_id = ${memberOfA.userId}`;
  assert.equal(role!.role_key, 'customer_member');
  assert.equal((await t.admin`select count(*)::int as n from kastell.invites where email = 'into.beta.role@example.test'`)[0]!.n, 0);
});

test('pages of B answer 404 to a customer of A', async () => {
  const user = await seedUser(t.admin, 'customer_admin', A);
  const client = server.client().withSession(await seedSession(t.admin, user.userId, '30 minutes'));
  const pages = kits.map((kit) => kit.isolation?.pages?.(idsOfB) ?? {});
  for (const path of pages.flatMap((p) => p.reads ?? [])) {
    const response = await client.get(path);
    assert.equal(response.status, 404, path);
    assertNothingOfB(response.text, path);
  }
  for (const [path, form] of pages.flatMap((p) => p.writes ?? [])) {
    const response = await client.postForm(path, form);
    assert.ok([403, 404].includes(response.status), `${path}: ${response.status}`);
    assertNothingOfB(response.text, path);
  }
  for (const { path, shows } of pages.flatMap((p) => p.lists ?? [])) {
    const list = await client.get(path);
    assert.equal(list.status, 200, path);
    if (shows) assert.match(list.text, shows);
    assertNothingOfB(list.text, path);
  }
});

test("after all attempts, B's rows are exactly as they were", async () => {
  const [company] = await t.admin`select name from kastell.companies where company_id = ${B}`;
  const [site] = await t.admin`select name from kastell.sites where site_id = ${siteB}`;
  const [asset] = await t.admin`select name from kastell.assets where asset_id = ${assetB}`;
  const invites = await t.admin`select email, revoked_at from kastell.invites where company_id = ${B}`;
  const companies = await t.admin`select count(*)::int as n from kastell.companies`;
  const sites = await t.admin`select count(*)::int as n from kastell.sites where company_id = ${B}`;
  assert.deepEqual({ company: company!.name, site: site!.name, asset: asset!.name }, { company: 'Beta GmbH', site: 'Beta plant', asset: 'Beta pump' });
  assert.deepEqual(invites.map((i) => [i.email, i.revoked_at]), [['beta.invitee@example.test', null]]);
  assert.equal(companies[0]!.n, 2);
  assert.equal(sites[0]!.n, 1);
  for (const kit of kits) {
    const unchanged = kit.isolation?.unchanged;
    if (unchanged) assert.deepEqual(await unchanged.read(t.admin, idsOfB), unchanged.expect, `B's rows of ${kit.feature}`);
  }
});

test("the sample bodies are accepted where the caller may act: an owner on a company of their own gets 2xx (a route on the caller's company: its customer admin)", async () => {
  const companyC = await seedCustomerCompany(t.admin, 'Control AG', 'Control plant', 'Control pump');
  const idsOfC = await idsOf(companyC);
  const owner = await clientOf(await seedUser(t.admin, 'owner'));
  const adminOfC = await clientOf(await seedUser(t.admin, 'customer_admin', companyC.companyId));
  let accepted = 0;
  for (const route of api.routes.filter((r) => r.body && !callerOnly.has(keyOf(r)))) {
    const { key, path, json } = requestFor(route, idsOfC);
    // creates carry an Idempotency-Key: their handler's transactions then join the key's (db.atomically), and a retry replays
    const headers: Record<string, string> = route.status === 201 ? { 'idempotency-key': randomUUID() } : {};
    const caller = onCallersCompany.has(key) ? adminOfC : owner;
    const response = await caller.request(route.method.toUpperCase(), path, { json, headers });
    assert.ok(response.status >= 200 && response.status < 300, `${key} with a sample body answered ${response.status}: ${response.text.slice(0, 200)}`);
    if (route.status === 201) {
      const retry = await caller.request(route.method.toUpperCase(), path, { json, headers });
      assert.equal(retry.status, response.status, `${key}: the retry with the same key answered ${retry.status}: ${retry.text.slice(0, 200)}`);
      assert.equal(retry.headers.get('idempotency-replayed'), 'true', key);
      assert.equal(retry.text, response.text, `${key}: the retry gets the first answer`);
    }
    accepted += 1;
  }
  assert.equal(accepted, Object.keys(bodies).length, 'every sample body is used by a route');
  assert.deepEqual(samples.twice, [], 'sample bodies given by more than one kit');
});

// Each kit's further checks (routes outside the registry), last: they may also show that nothing above changed the kit's rows of B.
const isolationWorld: IsolationWorld = { admin: t.admin, world, idsOfB, idsOfNobody, clientOf, assertNothingOfB, withoutRequestId };
const checks = collect((kit) => kit.isolation?.checks?.(isolationWorld));
test('each further check comes from one kit', () => assert.deepEqual(checks.twice, [], 'checks of the same name in more than one kit'));
for (const [name, check] of Object.entries(checks.all)) test(name, check);
