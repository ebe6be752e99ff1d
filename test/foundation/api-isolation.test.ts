// A customer user of company A cannot see or change a single row of
// company B through any API route or page. The routes come from the API
// registry itself, so a route added later is covered without being listed.
import assert from 'node:assert/strict';
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
await t.admin`insert into kastell.roles (company_id, name, side) values (${B}, 'Beta custom role', 'customer')`;

const [sessionOfB] = await t.admin`select session_id from kastell.sessions where token_hash = sha256(${await seedSession(t.admin, adminOfB.userId, '30 minutes')}::bytea)`;
const secretsOfB = ['beta', B, siteB, assetB, inviteB!.invite_id, adminOfB.userId];
const paramsOfB: Record<string, string> = { companyId: B, siteId: siteB, assetId: assetB, inviteId: inviteB!.invite_id,
  userId: adminOfB.userId, sessionId: sessionOfB?.session_id ?? adminOfB.userId };
const bodies: Record<string, unknown> = {
  'post /companies': { name: 'Intruder Co' },
  'patch /companies/:companyId': { name: 'Pwned' },
  'post /companies/:companyId/sites': { name: 'Pwned site' },
  'patch /sites/:siteId': { name: 'Pwned' },
  'post /sites/:siteId/assets': { name: 'Pwned asset' },
  'patch /assets/:assetId': { name: 'Pwned' },
  'post /invites': { email: 'intruder@example.test', roleId: memberRole!.role_id, companyId: B },
  'put /users/:userId/role': { roleId: memberRole!.role_id },
  'post /users/:userId/sessions/end': {},
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

for (const role of ['customer_admin', 'customer_member', 'customer_viewer']) {
  test(`${role} of A: no API route reveals or changes anything of B`, async () => {
    const user = await seedUser(t.admin, role, A);
    const client = server.client().withSession(await seedSession(t.admin, user.userId, '30 minutes'));
    let covered = 0;
    for (const route of api.routes) {
      const key = `${route.method} ${route.path}`;
      if (callerOnly.has(key)) continue;
      const path = '/api/v1' + route.path.replace(/:(\w+)/g, (_, name: string) => {
        assert.ok(paramsOfB[name], `no id of B for path parameter ${name} (${key}): add it to paramsOfB`);
        return paramsOfB[name]!;
      });
      if (route.body) assert.ok(key in bodies, `no sample body for ${key}: add one to bodies`);
      const response = await client.request(route.method.toUpperCase(), path, route.body ? { json: bodies[key] } : { json: undefined });
      const hasIdOfB = /:(\w+)/.test(route.path);
      if (hasIdOfB || route.method !== 'get') {
        assert.ok([403, 404, 422].includes(response.status), `${role} ${key} answered ${response.status}: ${response.text.slice(0, 200)}`);
      }
      assertNothingOfB(response.text, `${role} ${key}`);
      covered += 1;
    }
    assert.ok(covered >= 15, `covered ${covered} routes`);
  });
}

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
