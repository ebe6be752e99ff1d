// Access transparency: a customer admin's /access-log (and GET
// /api/v1/access-log) lists who read their company's documents — operator
// staff (by role, never by name), their own people (by name), someone with a
// share link — when and how, and nothing of another company.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startClamd } from '../harness/clamd.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedCompany, seedSession, seedUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';
import { download, makePdf, makePng, upload } from './support.ts';

const clamd = await startClamd();
const t = await createTestDatabase();
const server = await startTestServer(t, { KASTELL_CLAMD_SOCKET: clamd.socket });
const alpha = await seedCompany(t.admin, 'Alpha AG');
const beta = await seedCompany(t.admin, 'Beta GmbH');
const named = async (role: string, company: string | null, name: string) => {
  const user = await seedUser(t.admin, role, company);
  await t.admin`update kastell.users set display_name = ${name} where user_id = ${user.userId}`;
  return { ...user, client: server.client().withSession(await seedSession(t.admin, user.userId, '30 minutes')) };
};
const adminOfA = await named('customer_admin', alpha, 'Anna Admin');
const colleague = await named('customer_member', alpha, 'Carla Colleague');
const operator = await named('dispatcher', null, 'Olga Operator');
const adminOfB = await named('customer_admin', beta, 'Bernd Beta');

async function uploaded(client: typeof adminOfA.client, company: string, title: string, name: string, bytes: Buffer) {
  const response = await upload(client, `/api/v1/companies/${company}/documents`, { title, kind: 'other' }, { name, bytes });
  assert.equal(response.json().current?.status, 'clean', response.text);
  return response.json().documentId as string;
}
const contractA = await uploaded(adminOfA.client, alpha, 'Alpha maintenance contract', 'contract.pdf', makePdf());
const photoA = await uploaded(adminOfA.client, alpha, 'Alpha pump photo', 'pump.png', await makePng());
const manualB = await uploaded(adminOfB.client, beta, 'Beta secret manual', 'manual.pdf', makePdf());

test("a customer admin sees an operator's download, a share-link download and a colleague's preview of their documents, and nothing of another company", async () => {
  // the operator downloads A's contract (and B's manual: not A's business)
  assert.equal((await download(operator.client, `/documents/${contractA}/download`)).status, 200);
  assert.equal((await download(operator.client, `/documents/${manualB}/download`)).status, 200);
  // the colleague previews A's photo
  const preview = await download(colleague.client, `/documents/${photoA}/download?preview=1`);
  assert.equal(preview.status, 200);
  assert.match(preview.headers.get('content-disposition')!, /^inline/);
  // the colleague shares the contract; someone without an account downloads it
  const link = await colleague.client.postJson(`/api/v1/documents/${contractA}/share-links`, {});
  assert.equal(link.status, 201, link.text);
  const path = new URL(link.json().url).pathname;
  const visitor = server.client();
  await visitor.get(path);
  assert.equal((await visitor.request('POST', path, { form: {}, origin: 'null' })).status, 200);
  // B's admin reads B's own manual, B's link is used: none of it is A's
  assert.equal((await download(adminOfB.client, `/documents/${manualB}/download`)).status, 200);
  const linkB = await adminOfB.client.postJson(`/api/v1/documents/${manualB}/share-links`, {});
  const pathB = new URL(linkB.json().url).pathname;
  const visitorB = server.client();
  await visitorB.get(pathB);
  assert.equal((await visitorB.request('POST', pathB, { form: {}, origin: 'null' })).status, 200);

  const api = await adminOfA.client.get('/api/v1/access-log');
  assert.equal(api.status, 200, api.text);
  const entries = api.json() as Array<{ reader: { kind: string; name: string | null; role: string | null; userId: string | null; sharedBy: string | null; shareLinkId: string | null };
    how: string; documentId: string; documentTitle: string }>;
  const summary = entries.map((e) => `${e.reader.kind}|${e.reader.name}|${e.reader.role}|${e.how}|${e.documentTitle}`).sort();
  assert.deepEqual(summary, [
    'customer|Carla Colleague|Customer member|preview|Alpha pump photo',
    'operator|null|Dispatcher|download|Alpha maintenance contract',
    'share_link|null|null|share_link|Alpha maintenance contract',
  ].sort());
  const viaLink = entries.find((e) => e.reader.kind === 'share_link')!;
  assert.equal(viaLink.reader.sharedBy, 'Carla Colleague');
  assert.equal(viaLink.reader.shareLinkId, link.json().shareLinkId);
  assert.equal(entries.find((e) => e.reader.kind === 'operator')!.reader.userId, null, "no operator's id for a customer");

  const page = await adminOfA.client.get('/access-log');
  assert.equal(page.status, 200);
  for (const shown of ['Carla Colleague', 'Operator staff (Dispatcher)', 'Someone with a share link from Carla Colleague', 'viewed', 'downloaded through a share link',
    'Alpha maintenance contract', 'Alpha pump photo']) {
    assert.ok(page.text.includes(shown), `the page shows ${shown}`);
  }
  assert.equal(page.text.match(/<li data-reader=/g)?.length, 3, 'three accesses, no more');
  for (const hidden of ['Olga Operator', operator.userId, 'Beta secret manual', 'Bernd Beta', manualB, linkB.json().shareLinkId]) {
    assert.ok(!page.text.includes(hidden) && !api.text.includes(hidden), `nothing shows ${hidden}`);
  }

  // B's admin sees B's side only; the colleague (no access_log.read) sees no page
  const ofB = (await adminOfB.client.get('/api/v1/access-log')).json() as typeof entries;
  assert.deepEqual(ofB.map((e) => `${e.reader.kind}|${e.documentTitle}`).sort(), ['customer|Beta secret manual', 'operator|Beta secret manual', 'share_link|Beta secret manual']);
  assert.equal((await colleague.client.get('/access-log')).status, 403);
  assert.equal((await colleague.client.get('/api/v1/access-log')).status, 403);
});

test('RLS, not only the filter, keeps another company out: as the customer admin of A, the events table has no read of B', async () => {
  const rows = await t.admin.begin(async (tx) => {
    await tx`set local role kastell_app`;
    await tx`select set_config('kastell.user_id', ${adminOfA.userId}, true)`;
    return tx`select company_id, action from audit.events`;
  });
  assert.ok(rows.length >= 3, `A's reads are there (${rows.length})`);
  assert.ok(rows.every((r) => r.company_id === alpha), 'only events of A');
  assert.ok(rows.every((r) => r.action === 'document.read' || r.action === 'share_link.refused'), 'only access events, not uploads or link creation');
});

test('refused share-link attempts are listed with their reason (expired, revoked, wrong password, locked, limit reached), for the link\'s company only', async () => {
  const share = async (client: typeof adminOfA.client, documentId: string, body: Record<string, unknown> = {}) => {
    const r = await client.postJson(`/api/v1/documents/${documentId}/share-links`, body);
    assert.equal(r.status, 201, r.text);
    return { id: r.json().shareLinkId as string, path: new URL(r.json().url).pathname };
  };
  const attempt = async (path: string, form: Record<string, string> = {}) => {
    const visitor = server.client();
    await visitor.get(path);
    return (await visitor.request('POST', path, { form, origin: 'null' })).status;
  };
  const expired = await share(colleague.client, contractA);
  await t.admin`update kastell.share_links set created_at = now() - interval '3 days', expires_at = now() - interval '1 minute' where share_link_id = ${expired.id}`;
  assert.equal(await attempt(expired.path), 404);
  const revoked = await share(colleague.client, photoA);
  assert.equal((await colleague.client.postJson(`/api/v1/share-links/${revoked.id}/revoke`, {})).status, 200);
  assert.equal(await attempt(revoked.path), 404);
  const guarded = await share(adminOfA.client, contractA, { password: 'correct horse battery staple' });
  for (let i = 0; i < 5; i++) assert.equal(await attempt(guarded.path, { password: 'wrong password here' }), 403);
  assert.equal(await attempt(guarded.path, { password: 'correct horse battery staple' }), 429, 'locked after five wrong passwords');
  const once = await share(adminOfA.client, photoA, { maxDownloads: 1 });
  assert.equal(await attempt(once.path), 200);
  assert.equal(await attempt(once.path), 404);
  // B's link refused: not A's business
  const linkOfB = await share(adminOfB.client, manualB);
  assert.equal((await adminOfB.client.postJson(`/api/v1/share-links/${linkOfB.id}/revoke`, {})).status, 200);
  assert.equal(await attempt(linkOfB.path), 404);

  const api = await adminOfA.client.get('/api/v1/access-log/refused-share-links');
  assert.equal(api.status, 200, api.text);
  const refused = api.json() as Array<{ shareLinkId: string; reason: string; sharedBy: string | null; documentTitle: string | null }>;
  const summary = refused.map((r) => `${r.reason}|${r.sharedBy}|${r.documentTitle}`).sort();
  // each refused link is refused twice: opening its page (GET) and asking for the file (POST); a wrong password only on the POST
  assert.deepEqual(summary, [
    ...Array(2).fill('expired|Carla Colleague|Alpha maintenance contract'),
    ...Array(2).fill('revoked|Carla Colleague|Alpha pump photo'),
    ...Array(5).fill('wrong_password|Anna Admin|Alpha maintenance contract'),
    ...Array(2).fill('locked|Anna Admin|Alpha maintenance contract'),
    ...Array(2).fill('used_up|Anna Admin|Alpha pump photo'),
  ].sort());
  assert.ok(!api.text.includes(linkOfB.id) && !api.text.includes('Beta'), 'nothing of B');

  const page = await adminOfA.client.get('/access-log');
  for (const shown of ['Refused share-link attempts', 'the link had expired', 'the link was revoked', 'wrong password', 'locked after too many wrong passwords', 'download limit reached']) {
    assert.ok(page.text.includes(shown), `the page shows ${shown}`);
  }
  assert.equal(page.text.match(/<li data-reason=/g)?.length, 13);
  assert.ok(!page.text.includes('Beta secret manual'));
  const german = await adminOfA.client.request('GET', '/access-log', { headers: { 'accept-language': 'de' } });
  assert.match(german.text, /Abgewiesene Zugriffe über Freigabelinks/);
  assert.match(german.text, /Höchstzahl Downloads erreicht/);
  // B's admin sees B's refusal only
  const ofB = (await adminOfB.client.get('/api/v1/access-log/refused-share-links')).json() as typeof refused;
  assert.deepEqual(ofB.map((r) => `${r.shareLinkId}|${r.reason}`), [`${linkOfB.id}|revoked`, `${linkOfB.id}|revoked`]);
  assert.equal((await colleague.client.get('/api/v1/access-log/refused-share-links')).status, 403);

  // RLS, not the filter: as A's admin the events table shows no refusal of B
  const rows = await t.admin.begin(async (tx) => {
    await tx`set local role kastell_app`;
    await tx`select set_config('kastell.user_id', ${adminOfA.userId}, true)`;
    return tx`select company_id, action from audit.events where action = 'share_link.refused'`;
  });
  assert.equal(rows.length, 13);
  assert.ok(rows.every((r) => r.company_id === alpha));
});
