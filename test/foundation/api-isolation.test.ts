// A customer user of company A cannot see or change a single row of
// company B through any API route or page. The routes come from the API
// registry itself, so a route added later is covered without being listed.
// Requests carry valid bodies and a session in sudo mode, so only
// authorization can refuse them; and an id of B must get exactly the answer
// an id of nothing gets (status and body), so a refusal does not reveal that
// B's row exists.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { newToken } from '../../app/crypto/tokens.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedAsset, seedCompany, seedSession, seedSite, seedUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);
const A = await seedCompany(t.admin, 'Alpha AG');
const B = await seedCompany(t.admin, 'Beta GmbH');
const siteA = await seedSite(t.admin, A, 'Alpha plant');
const siteB = await seedSite(t.admin, B, 'Beta plant');
await seedAsset(t.admin, A, siteA, 'Alpha pump');
const assetB = await seedAsset(t.admin, B, siteB, 'Beta pump');
const [memberRole] = await t.admin`select role_id from kastell.roles where role_key = 'customer_member'`;
const adminOfB = await seedUser(t.admin, 'customer_admin', B, 'beta.admin@example.test');
const [inviteB] = await t.admin`insert into kastell.invites (email, role_id, company_id, token_hash, invited_by, expires_at)
  values ('beta.invitee@example.test', ${memberRole!.role_id}, ${B}, ${newToken().hash}, ${adminOfB.userId}, now() + interval '1 day')
  returning invite_id`;
const [customRoleOfB] = await t.admin`insert into kastell.roles (company_id, name, side) values (${B}, 'Beta custom role', 'customer') returning role_id`;

// ---- documents: sample data (a document of B on B's site, with a clean version) ----
const [documentOfB] = await t.admin`insert into kastell.documents (owner_company_id, site_id, title, kind, created_by)
  values (${B}, ${siteB}, 'Beta manual', 'manual', ${adminOfB.userId}) returning document_id`;
await t.admin`insert into kastell.document_versions (document_id, owner_company_id, file_name, status, detected_type, size, sha256, object_key, uploaded_by)
  values (${documentOfB!.document_id}, ${B}, 'beta-manual.pdf', 'clean', 'application/pdf', 3, ${Buffer.alloc(32, 1)},
    ${`documents/${documentOfB!.document_id}/${'c'.repeat(32)}`}, ${adminOfB.userId})`;
const [shareLinkOfB] = await t.admin`insert into kastell.share_links (document_id, owner_company_id, token_hash, created_by, expires_at)
  values (${documentOfB!.document_id}, ${B}, ${newToken().hash}, ${adminOfB.userId}, now() + interval '7 days') returning share_link_id`;
// ---- end documents ----

const [sessionOfB] = await t.admin`select session_id from kastell.sessions where token_hash = sha256(${await seedSession(t.admin, adminOfB.userId, '30 minutes')}::bytea)`;
const secretsOfB = ['beta', B, siteB, assetB, inviteB!.invite_id, adminOfB.userId, sessionOfB!.session_id, documentOfB!.document_id];
type Ids = Record<'companyId' | 'siteId' | 'assetId' | 'inviteId' | 'userId' | 'sessionId' | 'documentId' | 'shareLinkId', string>;
const idsOfB: Ids = { companyId: B, siteId: siteB, assetId: assetB, inviteId: inviteB!.invite_id, userId: adminOfB.userId, sessionId: sessionOfB!.session_id,
  documentId: documentOfB!.document_id, shareLinkId: shareLinkOfB!.share_link_id };
/** Well-formed ids of nothing: what a route answers for these is what it must answer for B's. */
const idsOfNobody = (): Ids => ({ companyId: randomUUID(), siteId: randomUUID(), assetId: randomUUID(), inviteId: randomUUID(),
  userId: randomUUID(), sessionId: randomUUID(), documentId: randomUUID(), shareLinkId: randomUUID() });
// Valid bodies (each is checked against the route's schema below, and accepted
// by the route for a caller who may act: see the last test), so only
// authorization can refuse. A body may carry ids too: `ids` are B's or nobody's.
const bodies: Record<string, { body: (ids: Ids) => unknown; idsInBody?: boolean }> = {
  'post /companies': { body: () => ({ name: 'Intruder Co' }) },
  'patch /companies/:companyId': { body: () => ({ name: 'Pwned' }) },
  'post /companies/:companyId/sites': { body: () => ({ name: 'Pwned site' }) },
  'patch /sites/:siteId': { body: () => ({ name: 'Pwned' }) },
  'post /sites/:siteId/assets': { body: () => ({ name: 'Pwned asset' }) },
  'patch /assets/:assetId': { body: () => ({ name: 'Pwned' }) },
  'post /invites': { body: (ids) => ({ email: 'intruder@example.test', roleId: memberRole!.role_id, companyId: ids.companyId }), idsInBody: true },
  'put /users/:userId/role': { body: () => ({ roleId: memberRole!.role_id }) },
  'post /users/:userId/sessions/end': { body: () => ({}) },
  'patch /documents/:documentId': { body: () => ({ title: 'Pwned' }) },
  'post /documents/:documentId/share-links': { body: () => ({}) },
};
// Routes that act on the caller only, never on another company's rows.
const callerOnly = new Set(['post /auth/sign-in', 'post /auth/sign-out', 'get /me', 'post /auth/second-factor',
  'post /auth/passkey/options', 'post /auth/passkey/verify', 'get /me/sessions', 'post /me/sessions/end-others',
  'post /me/passkeys/options', 'post /me/passkeys', 'post /me/password']);

const { api } = server;

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
  const key = `${route.method} ${route.path}`;
  const path = '/api/v1' + route.path.replace(/:(\w+)/g, (_, name: string) => {
    assert.ok(name in ids, `no id for path parameter ${name} (${key}): add it to Ids`);
    return ids[name as keyof Ids];
  });
  if (!route.body) return { key, path, json: undefined };
  const sample = bodies[key];
  assert.ok(sample, `no sample body for ${key}: add one to bodies`);
  const json = sample.body(ids);
  const parsed = route.body.safeParse(json);
  assert.ok(parsed.success, `the sample body for ${key} is not valid for its schema (fix the sample): ${JSON.stringify(parsed.error?.issues)}`);
  return { key, path, json };
}

/** An error answer without its request id, to compare one answer with another. */
const withoutRequestId = (text: string) => text.replace(/"requestId":"[^"]*"/, '"requestId":""');

for (const role of ['customer_admin', 'customer_member', 'customer_viewer']) {
  test(`${role} of A: no API route reveals or changes anything of B, and B's ids get the answer nobody's ids get`, async () => {
    const client = await clientOf(await seedUser(t.admin, role, A));
    let covered = 0;
    let compared = 0;
    for (const route of api.routes.filter((r) => !callerOnly.has(`${r.method} ${r.path}`))) {
      const ofB = requestFor(route, idsOfB);
      const response = await client.request(route.method.toUpperCase(), ofB.path, { json: ofB.json });
      assertNothingOfB(response.text, `${role} ${ofB.key}`);
      covered += 1;
      const hasIdOfB = /:(\w+)/.test(route.path) || bodies[ofB.key]?.idsInBody === true;
      if (!hasIdOfB && route.method === 'get') continue; // a list: it shows A's rows only (checked above)
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
    const ofB = await client.request(method, path, { json: body(customRoleOfB!.role_id) });
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
  for (const path of [`/companies/${B}`, `/sites/${siteB}`, `/assets/${assetB}`]) {
    const response = await client.get(path);
    assert.equal(response.status, 404, path);
    assertNothingOfB(response.text, path);
  }
  for (const [path, form] of [[`/companies/${B}/sites`, { name: 'Pwned' }], [`/sites/${siteB}/assets`, { name: 'Pwned' }],
    [`/invites/${inviteB!.invite_id}/revoke`, {}], [`/companies/${B}`, { name: 'Pwned' }], [`/companies/${B}/delete`, {}],
    [`/sites/${siteB}`, { name: 'Pwned' }], [`/sites/${siteB}/delete`, {}], [`/assets/${assetB}`, { name: 'Pwned' }],
    [`/assets/${assetB}/delete`, {}]] as const) {
    const response = await client.postForm(path, form);
    assert.ok([403, 404].includes(response.status), `${path}: ${response.status}`);
  }
  const list = await client.get('/companies');
  assert.equal(list.status, 200);
  assert.match(list.text, /Alpha AG/);
  assertNothingOfB(list.text, '/companies');
  const invites = await client.get('/invites');
  assertNothingOfB(invites.text, '/invites');
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
});

test('the sample bodies are accepted where the caller may act: an owner on a company of their own gets 2xx', async () => {
  const C = await seedCompany(t.admin, 'Control AG');
  const siteC = await seedSite(t.admin, C, 'Control plant');
  const assetC = await seedAsset(t.admin, C, siteC, 'Control pump');
  const userC = await seedUser(t.admin, 'customer_admin', C);
  const [inviteC] = await t.admin`insert into kastell.invites (email, role_id, company_id, token_hash, invited_by, expires_at)
    values ('control.invitee@example.test', ${memberRole!.role_id}, ${C}, ${newToken().hash}, ${userC.userId}, now() + interval '1 day')
    returning invite_id`;
  const [sessionC] = await t.admin`select session_id from kastell.sessions where token_hash = sha256(${await seedSession(t.admin, userC.userId)}::bytea)`;
  const [documentC] = await t.admin`insert into kastell.documents (owner_company_id, asset_id, title, kind) values (${C}, ${assetC}, 'Control manual', 'manual') returning document_id`;
  const idsOfC: Ids = { companyId: C, siteId: siteC, assetId: assetC, inviteId: inviteC!.invite_id, userId: userC.userId, sessionId: sessionC!.session_id,
    documentId: documentC!.document_id, shareLinkId: '' };
  const [linkC] = await t.admin`insert into kastell.share_links (document_id, owner_company_id, token_hash, created_by, expires_at)
    values (${documentC!.document_id}, ${C}, ${newToken().hash}, ${userC.userId}, now() + interval '7 days') returning share_link_id`;
  idsOfC.shareLinkId = linkC!.share_link_id;
  const owner = await clientOf(await seedUser(t.admin, 'owner'));
  let accepted = 0;
  for (const route of api.routes.filter((r) => r.body && !callerOnly.has(`${r.method} ${r.path}`))) {
    const { key, path, json } = requestFor(route, idsOfC);
    const response = await owner.request(route.method.toUpperCase(), path, { json });
    assert.ok(response.status >= 200 && response.status < 300, `${key} with a sample body answered ${response.status}: ${response.text.slice(0, 200)}`);
    accepted += 1;
  }
  assert.equal(accepted, Object.keys(bodies).length, 'every sample body is used by a route');
});

// ---- documents: the streamed routes (uploads, download), which are not in the API registry ----
test("documents: a customer of A uploads nothing to B's parents or document, reads nothing of B's, and B's ids answer as nobody's", async () => {
  const { upload, download } = await import('../documents/support.ts');
  const client = await clientOf(await seedUser(t.admin, 'customer_admin', A));
  const file = { name: 'x.txt', bytes: Buffer.from('intruder') };
  const cases: Array<[string, string]> = [
    [`/api/v1/companies/${B}/documents`, `/api/v1/companies/${randomUUID()}/documents`],
    [`/api/v1/sites/${siteB}/documents`, `/api/v1/sites/${randomUUID()}/documents`],
    [`/api/v1/assets/${assetB}/documents`, `/api/v1/assets/${randomUUID()}/documents`],
    [`/api/v1/documents/${documentOfB!.document_id}/versions`, `/api/v1/documents/${randomUUID()}/versions`],
    [`/sites/${siteB}/documents`, `/sites/${randomUUID()}/documents`],
    [`/documents/${documentOfB!.document_id}/versions`, `/documents/${randomUUID()}/versions`],
  ];
  for (const [ofB, ofNobody] of cases) {
    const b = await upload(client, ofB, { title: 'Pwned', kind: 'other' }, file);
    const nobody = await upload(client, ofNobody, { title: 'Pwned', kind: 'other' }, file);
    assert.equal(b.status, 404, `${ofB}: ${b.text.slice(0, 200)}`);
    const same = (text: string) => withoutRequestId(text).replace(/Reference: [0-9a-f-]{36}/, 'Reference: ');
    assert.equal(same(b.text), same(nobody.text), ofB);
    assertNothingOfB(b.text, ofB);
  }
  for (const path of [`/documents/${documentOfB!.document_id}`, `/documents/${documentOfB!.document_id}/download`, `/sites/${siteB}/documents`, `/companies/${B}/documents`]) {
    const got = await download(client, path);
    assert.equal(got.status, 404, path);
    assertNothingOfB(got.bytes.toString(), path);
  }
  for (const path of [`/documents/${documentOfB!.document_id}`, `/documents/${documentOfB!.document_id}/delete`]) {
    assert.equal((await client.postForm(path, { title: 'Pwned', kind: 'other' })).status, 404, path);
  }
  const [document] = await t.admin`select title from kastell.documents where document_id = ${documentOfB!.document_id}`;
  assert.equal(document?.title, 'Beta manual');
  const [link] = await t.admin`select revoked_at from kastell.share_links where share_link_id = ${shareLinkOfB!.share_link_id}`;
  assert.equal(link?.revoked_at, null, "B's share link is not revoked");
  const links = await t.admin`select count(*)::int as n from kastell.share_links where owner_company_id = ${B}`;
  assert.equal(links[0]!.n, 1, 'no link to anything of B was made');
  const versions = await t.admin`select count(*)::int as n from kastell.document_versions where owner_company_id = ${B}`;
  assert.equal(versions[0]!.n, 1, 'no version was added to anything of B');
});
// ---- end documents ----
