// The owner's shred page and route: sudo mode, the company's name or id typed
// again, the same code as `kastell company shred` (the key files are gone,
// the company's fields no longer open), one company.shredded event; a
// mistyped confirmation, a session out of sudo mode or another role destroy
// nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../app/config.ts';
import { keyringFromConfig } from '../../app/crypto/keyring.ts';
import { createTestDatabase, testDataDir } from '../harness/database.ts';
import { seedCompany, seedSession, seedUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';
import { runCli } from '../audit/support.ts';
import { upload } from '../documents/support.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);
const dataDir = testDataDir(t.name);
const keyring = () => keyringFromConfig(parseConfig({ KASTELL_DATABASE_URL: t.appUrl, KASTELL_DATA_DIR: dataDir }));
const X = await seedCompany(t.admin, 'Xaver AG');
const Y = await seedCompany(t.admin, 'Ypsilon GmbH');
const owner = await seedUser(t.admin, 'owner');
const admin = await seedUser(t.admin, 'admin');

async function clientOf(userId: string, sudo: boolean) {
  const token = await seedSession(t.admin, userId, '30 minutes');
  if (sudo) await t.admin`update kastell.sessions set reauth_at = now() where token_hash = sha256(${token}::bytea)`;
  return server.client().withSession(token);
}

test('the owner shreds a company from its page; nothing else does', async () => {
  const o = await clientOf(owner.userId, true);
  for (const company of [X, Y]) assert.equal((await o.postJson(`/api/v1/companies/${company}/sites`, { name: 'Plant', street: `Weg ${company}`, country: 'ch' })).status, 201);
  assert.equal(keyring().list().filter((k) => k.owner === X).length, 1);

  const page = await o.get(`/companies/${X}/shred`);
  assert.equal(page.status, 200);
  assert.match(page.text, /Type the company’s name or id to confirm/);
  const german = await o.request('GET', `/companies/${X}/shred`, { headers: { 'Accept-Language': 'de' } });
  assert.match(german.text, /Schlüssel vernichten/);

  // out of sudo mode: to the re-authentication, nothing destroyed
  const stale = await clientOf(owner.userId, false);
  const redirected = await stale.postForm(`/companies/${X}/shred`, { confirm: 'Xaver AG' });
  assert.equal(redirected.status, 303);
  assert.match(redirected.headers.get('location') ?? '', /^\/security\/reauth\?next=/);
  assert.equal((await stale.postJson(`/api/v1/companies/${X}/shred`, { confirm: X })).status, 403);
  // another role, in sudo mode: refused
  assert.equal((await (await clientOf(admin.userId, true)).postJson(`/api/v1/companies/${X}/shred`, { confirm: X })).status, 403);
  // mistyped: another company's name
  const wrong = await o.postForm(`/companies/${X}/shred`, { confirm: 'Ypsilon GmbH' });
  assert.equal(wrong.status, 422);
  assert.match(wrong.text, /nothing was destroyed/);
  assert.equal((await o.postJson(`/api/v1/companies/${X}/shred`, { confirm: Y })).status, 422);
  assert.equal(keyring().list().filter((k) => k.owner === X).length, 1, 'nothing destroyed yet');
  assert.equal((await t.admin`select count(*)::int as n from audit.events where action = 'company.shredded'`)[0]!.n, 0);

  const done = await o.postForm(`/companies/${X}/shred`, { confirm: 'Xaver AG' });
  assert.equal(done.status, 200, done.text);
  assert.match(done.text, /1 key version\(s\) destroyed/);
  assert.equal(keyring().list().filter((k) => k.owner === X).length, 0, 'X\'s key files are gone');
  assert.equal(keyring().list().filter((k) => k.owner === Y).length, 1, 'Y\'s key stays');
  // X's pages and API answer 410 Gone, saying its data was destroyed (not a 500)
  const gone = await o.get(`/api/v1/companies/${X}/sites`);
  assert.equal(gone.status, 410, gone.text);
  assert.equal(gone.json().error.code, 'company_shredded');
  const gonePage = await o.request('GET', `/companies/${X}`, { headers: { 'Accept-Language': 'de' } });
  assert.equal(gonePage.status, 410, gonePage.text);
  assert.match(gonePage.text, /Die Daten dieser Firma wurden vernichtet/);
  assert.equal((await o.get(`/api/v1/companies/${Y}/sites`)).status, 200, 'Y still opens');
  // a later write for X makes no fresh key (the tombstone): 410, and nothing of it written
  const sitesOfX = async () => (await t.admin`select count(*)::int as n from kastell.sites where company_id = ${X}`)[0]!.n;
  const sitesBefore = await sitesOfX();
  const write = await o.postJson(`/api/v1/companies/${X}/sites`, { name: 'Annex', street: 'Neuweg 1', country: 'ch' });
  assert.equal(write.status, 410, write.text);
  assert.equal(write.json().error.code, 'company_shredded');
  const document = await upload(o, `/api/v1/companies/${X}/documents`, { title: 'Contract', kind: 'contract' }, { name: 'contract.txt', bytes: Buffer.from('terms\n') });
  assert.equal(document.status, 410, document.text);
  assert.equal(await sitesOfX(), sitesBefore);
  assert.equal((await t.admin`select count(*)::int as n from kastell.documents where owner_company_id = ${X}`)[0]!.n, 0);
  assert.equal(keyring().list().filter((k) => k.owner === X).length, 0, 'no new key for X');
  const [event] = await t.admin`select actor_id, company_id, detail from audit.events where action = 'company.shredded'`;
  assert.equal(event!.company_id, X);
  assert.equal(event!.actor_id, owner.userId);
  assert.equal(event!.detail.versions, 1);
  // by API, by id: Y's key
  const api = await o.postJson(`/api/v1/companies/${Y}/shred`, { confirm: Y });
  assert.equal(api.status, 200, api.text);
  assert.equal(api.json().destroyedKeys.length, 1);

  // a row written before encryption (plain) of a shredded company does not stop re-encryption: left, and the others sealed
  const Z = await seedCompany(t.admin, 'Zeta AG');
  await t.admin`insert into kastell.sites (company_id, name, street, country) values (${X}, 'Old plant', 'Altweg 1', 'CH'), (${Z}, 'Zeta plant', 'Zetaweg 2', 'CH')`;
  const run = await runCli(['keys', 'reencrypt'], { KASTELL_DATABASE_URL: t.appUrl, KASTELL_DATA_DIR: dataDir });
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const streets = await t.admin`select company_id, street from kastell.sites where name in ('Old plant', 'Zeta plant')`;
  assert.equal(streets.find((r) => r.company_id === X)!.street, 'Altweg 1', 'no key to seal it under');
  assert.match(streets.find((r) => r.company_id === Z)!.street, /^v2:/);
});
