// Share links from the document page (phone first, four languages): the
// form creates a link (expiry, optional password and download limit) and
// shows it once; the list offers "Revoke" to those who may; both audited
// like the API. Refused input gets a message in the page's language.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startClamd } from '../harness/clamd.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedCompany, seedSession, seedUser } from '../harness/seed.ts';
import { startTestServer, type TestClient } from '../harness/server.ts';
import { makePdf, upload } from './support.ts';

const clamd = await startClamd();
const t = await createTestDatabase();
const server = await startTestServer(t, { KASTELL_CLAMD_SOCKET: clamd.socket, KASTELL_SHARE_LINK_DAYS: '5', KASTELL_SHARE_LINK_MAX_DAYS: '30' });
const company = await seedCompany(t.admin, 'Alpha AG');
const sessionOf = async (role: string) => {
  const user = await seedUser(t.admin, role, company);
  return { ...user, client: server.client().withSession(await seedSession(t.admin, user.userId, '30 minutes')) };
};
const member = await sessionOf('customer_member');
const otherMember = await sessionOf('customer_member');
const viewer = await sessionOf('customer_viewer');
const companyAdmin = await sessionOf('customer_admin');
const uploaded = await upload(member.client, `/api/v1/companies/${company}/documents`, { title: 'Contract', kind: 'contract' }, { name: 'contract.pdf', bytes: makePdf() });
const documentId: string = uploaded.json().documentId;
assert.equal(uploaded.json().current?.status, 'clean', uploaded.text);

const linkOf = (html: string) => /<input id="share-url" type="url" readonly="" value="([^"]+)"/.exec(html)?.[1];
async function fetchShared(url: string, password?: string) {
  const path = new URL(url).pathname;
  const visitor = server.client();
  await visitor.get(path);
  return visitor.request('POST', path, { form: password === undefined ? {} : { password }, origin: 'null' });
}
const revokeForms = (html: string) => [...html.matchAll(/action="\/share-links\/([0-9a-f-]{36})\/revoke"/g)].map((m) => m[1]);

test('the document page has the share form for those who may share (default expiry filled in, numeric keyboards), none for a viewer', async () => {
  const page = await member.client.get(`/documents/${documentId}`);
  assert.equal(page.status, 200);
  assert.match(page.text, /<form method="post" action="\/documents\/[0-9a-f-]{36}\/share-links"/);
  assert.match(page.text, /name="expiresInDays" type="number" inputmode="numeric" min="1" max="30" required="" value="5"/);
  assert.match(page.text, /name="password" type="password" autocomplete="new-password"/);
  assert.match(page.text, /From 1 to 30 days/);
  const forViewer = await viewer.client.get(`/documents/${documentId}`);
  assert.equal(forViewer.status, 200);
  assert.doesNotMatch(forViewer.text, /share-links"/);
  assert.equal((await viewer.client.postForm(`/documents/${documentId}/share-links`, { expiresInDays: '3' })).status, 403);
});

test('creating from the page shows the link once, with password and limit honoured, audited as share_link.created', async () => {
  const created = await member.client.postForm(`/documents/${documentId}/share-links`, { expiresInDays: '3', password: 'correct horse battery', maxDownloads: '1' });
  assert.equal(created.status, 201, created.text.slice(0, 500));
  const url = linkOf(created.text);
  assert.ok(url, 'the page shows the link');
  assert.match(created.text, /shown only once/);
  const [row] = await t.admin`select share_link_id, max_downloads, password_hash is not null as has_password, round(extract(epoch from expires_at - created_at) / 86400) as days
    from kastell.share_links where document_id = ${documentId} order by created_at desc limit 1`;
  assert.deepEqual([row!.max_downloads, row!.has_password, Number(row!.days)], [1, true, 3]);
  const [event] = await t.admin`select actor_id, detail from audit.events where action = 'share_link.created' and entity_id = ${row!.share_link_id}`;
  assert.equal(event?.actor_id, member.userId);
  assert.equal(event!.detail.password, true);
  assert.equal((await fetchShared(url!, 'wrong password!!')).status, 403);
  assert.equal((await fetchShared(url!, 'correct horse battery')).status, 200);
  assert.equal((await fetchShared(url!, 'correct horse battery')).status, 404, 'the limit of 1 is used up');
  // the token is nowhere on the document page afterwards: it was shown once
  const page = await member.client.get(`/documents/${documentId}`);
  assert.ok(!page.text.includes(new URL(url!).pathname.slice(3)));
  assert.match(page.text, /used up/);
});

test('refused input: a message in the page language, the form again with what was typed, nothing created', async () => {
  const before = await t.admin`select count(*)::int as n from kastell.share_links`;
  const de = { 'accept-language': 'de-CH,de;q=0.9' };
  const notNumber = await member.client.request('POST', `/documents/${documentId}/share-links`, { form: { expiresInDays: 'viele' }, headers: de });
  assert.equal(notNumber.status, 422);
  assert.match(notNumber.text, /Gültig für \(Tage\): Geben Sie eine ganze Zahl von Tagen ein/);
  const tooLong = await member.client.request('POST', `/documents/${documentId}/share-links`, { form: { expiresInDays: '31', maxDownloads: '7' }, headers: de });
  assert.equal(tooLong.status, 422);
  assert.match(tooLong.text, /höchstens 30 Tage/);
  assert.match(tooLong.text, /name="maxDownloads"[^>]*value="7"/, 'what was typed stays');
  const shortPassword = await member.client.postForm(`/documents/${documentId}/share-links`, { expiresInDays: '2', password: 'short' });
  assert.equal(shortPassword.status, 422);
  assert.match(shortPassword.text, /at least 12 characters/);
  const after = await t.admin`select count(*)::int as n from kastell.share_links`;
  assert.equal(after[0]!.n, before[0]!.n);
});

test("revoking from the page: the creator their own, share_links.revoke holders any; another member sees no button for someone else's link", async () => {
  const make = async (client: TestClient) => linkOf((await client.postForm(`/documents/${documentId}/share-links`, { expiresInDays: '2' })).text)!;
  const urlOfMember = await make(member.client);
  const [mine] = await t.admin`select share_link_id from kastell.share_links where created_by = ${member.userId} and revoked_at is null order by created_at desc limit 1`;
  const forOther = await otherMember.client.get(`/documents/${documentId}`);
  assert.ok(!revokeForms(forOther.text).includes(mine!.share_link_id), 'no button for a link of someone else');
  assert.equal((await otherMember.client.postForm(`/share-links/${mine!.share_link_id}/revoke`, {})).status, 404, 'and the post is refused (RLS)');
  assert.ok(revokeForms((await member.client.get(`/documents/${documentId}`)).text).includes(mine!.share_link_id), 'the creator has the button');

  const revoked = await member.client.postForm(`/share-links/${mine!.share_link_id}/revoke`, {});
  assert.equal(revoked.status, 303);
  assert.equal(revoked.headers.get('location'), `/documents/${documentId}`);
  assert.equal((await fetchShared(urlOfMember)).status, 404, 'a revoked link serves nothing');
  const [event] = await t.admin`select actor_id from audit.events where action = 'share_link.revoked' and entity_id = ${mine!.share_link_id}`;
  assert.equal(event?.actor_id, member.userId);

  const urlOfOther = await make(otherMember.client);
  const [theirs] = await t.admin`select share_link_id from kastell.share_links where created_by = ${otherMember.userId} and revoked_at is null order by created_at desc limit 1`;
  assert.ok(revokeForms((await companyAdmin.client.get(`/documents/${documentId}`)).text).includes(theirs!.share_link_id), 'a customer admin may revoke any');
  assert.equal((await companyAdmin.client.postForm(`/share-links/${theirs!.share_link_id}/revoke`, {})).status, 303);
  assert.equal((await fetchShared(urlOfOther)).status, 404);
  const page = await member.client.get(`/documents/${documentId}`);
  assert.ok(!revokeForms(page.text).includes(mine!.share_link_id), 'a revoked link has no button any more');
  assert.match(page.text, /revoked/);
});
