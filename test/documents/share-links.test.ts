// Share links: expired, revoked, wrong password (locked after 5), creator who
// lost access and a used-up limit are all refused; 20 parallel downloads
// against a limit of 5 get exactly 5; every access audited.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashToken } from '../../app/crypto/tokens.ts';
import { startClamd } from '../harness/clamd.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedCompany, seedSession, seedUser } from '../harness/seed.ts';
import { startTestServer, type TestClient } from '../harness/server.ts';
import { makePdf, upload } from './support.ts';

const clamd = await startClamd();
const t = await createTestDatabase();
const server = await startTestServer(t, { KASTELL_CLAMD_SOCKET: clamd.socket });
const company = await seedCompany(t.admin, 'Alpha AG');
const member = await seedUser(t.admin, 'customer_member', company);
const adminOfA = await seedUser(t.admin, 'customer_admin', company);
const client = server.client().withSession(await seedSession(t.admin, member.userId, '30 minutes'));
const admin = server.client().withSession(await seedSession(t.admin, adminOfA.userId, '30 minutes'));
const uploaded = await upload(client, `/api/v1/companies/${company}/documents`, { title: 'Contract', kind: 'contract' }, { name: 'contract.pdf', bytes: makePdf() });
const documentId: string = uploaded.json().documentId;

async function share(body: Record<string, unknown> = {}, by: TestClient = client) {
  const response = await by.postJson(`/api/v1/documents/${documentId}/share-links`, body);
  assert.equal(response.status, 201, response.text);
  const link = response.json();
  return { ...link, path: new URL(link.url).pathname as string, token: new URL(link.url).pathname.slice(3) };
}
/** A visitor without an account: opens the page (which gives the CSRF cookie), then posts the form as a no-referrer page does. */
async function fetchShared(path: string, password?: string) {
  const visitor = server.client();
  const page = await visitor.get(path);
  const response = await visitor.request('POST', path, { form: password === undefined ? {} : { password }, origin: 'null' });
  return { page, response };
}

// asvs: V3.4.5
test('a link downloads the clean version, with a minimal noindex no-referrer page; the token is stored hashed; the access is audited', async () => {
  const link = await share();
  assert.equal(link.token.length, 43, '256-bit base64url token (≥ 128 bits)');
  const [row] = await t.admin`select token_hash, expires_at - created_at as lifetime from kastell.share_links where share_link_id = ${link.shareLinkId}`;
  assert.ok(row!.token_hash.equals(hashToken(link.token)), 'only the SHA-256 is stored');
  assert.equal(row!.lifetime, '7 days', 'default lifetime');
  const { page, response } = await fetchShared(link.path);
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('x-robots-tag'), 'noindex, nofollow');
  assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
  assert.match(page.text, /<meta name="robots" content="noindex, nofollow"/);
  assert.ok(!page.text.includes('Contract') && !page.text.includes('Alpha'), 'the page says nothing about the document or company');
  assert.equal(response.status, 200, response.text.slice(0, 300));
  assert.ok(response.text.startsWith('%PDF-'));
  assert.match(response.headers.get('content-disposition')!, /^attachment; filename="contract.pdf"/);
  const [event] = await t.admin`select actor_type, detail from audit.events where action = 'document.read' and detail->>'shareLinkId' = ${link.shareLinkId}`;
  assert.equal(event?.actor_type, 'anonymous');
  assert.equal(event!.detail.via, 'share_link');
});

test('expiry is required and bounded: 91 days refused; an expired link is refused', async () => {
  assert.equal((await client.postJson(`/api/v1/documents/${documentId}/share-links`, { expiresInDays: 91 })).status, 422);
  const link = await share({ expiresInDays: 1 });
  await t.admin`update kastell.share_links set created_at = now() - interval '2 days', expires_at = now() - interval '1 day' where share_link_id = ${link.shareLinkId}`;
  const { page, response } = await fetchShared(link.path);
  assert.equal(page.status, 404);
  assert.equal(response.status, 404);
  assert.ok(!response.text.startsWith('%PDF'));
});

test('a revoked link is refused and kept as a record; every link is listed to those who may see the document', async () => {
  const link = await share();
  const other = await share({}, admin);
  const revoked = await client.postJson(`/api/v1/share-links/${link.shareLinkId}/revoke`, {});
  assert.equal(revoked.status, 200, revoked.text);
  assert.equal(revoked.json().state, 'revoked');
  assert.equal((await fetchShared(link.path)).response.status, 404);
  const list = (await client.get(`/api/v1/documents/${documentId}/share-links`)).json() as Array<{ shareLinkId: string; state: string }>;
  assert.ok(list.some((l) => l.shareLinkId === link.shareLinkId && l.state === 'revoked'), 'the revoked link stays listed');
  assert.ok(list.some((l) => l.shareLinkId === other.shareLinkId), "the member sees the admin's link too");
  assert.ok(!JSON.stringify(list).includes(link.token), 'no token in the list');
  const page = await client.get(`/documents/${documentId}`);
  assert.equal((page.text.match(/<li>revoked · expires/g) ?? []).length, 1, 'the document page lists the revoked link');
  assert.ok((page.text.match(/<li>usable · expires/g) ?? []).length >= 1, 'and the active ones');
  // the member may not revoke the admin's link (no share_links.revoke), the admin may revoke the member's
  assert.equal((await client.postJson(`/api/v1/share-links/${other.shareLinkId}/revoke`, {})).status, 404);
  assert.equal((await admin.postJson(`/api/v1/share-links/${other.shareLinkId}/revoke`, {})).status, 200);
});

test('a wrong password is refused; after five the link is locked, even for the right one', async () => {
  const link = await share({ password: 'a long share password' });
  const page = await server.client().get(link.path);
  assert.match(page.text, /type="password"/);
  for (let i = 0; i < 5; i += 1) assert.equal((await fetchShared(link.path, 'wrong password!!')).response.status, 403, `attempt ${i + 1}`);
  const locked = await fetchShared(link.path, 'a long share password');
  assert.equal(locked.response.status, 429);
  const unlockedLink = await share({ password: 'another share password' });
  assert.equal((await fetchShared(unlockedLink.path, 'another share password')).response.status, 200, 'the right password opens an unlocked link');
  const [refused] = await t.admin`select count(*)::int as n from audit.events where action = 'share_link.refused' and entity_id = ${link.shareLinkId}`;
  assert.ok(refused!.n >= 6, 'refused accesses are audited');
});

test('a creator who lost access shares nothing any more', async () => {
  const leaver = await seedUser(t.admin, 'customer_member', company);
  const leaverClient = server.client().withSession(await seedSession(t.admin, leaver.userId, '30 minutes'));
  const link = await share({}, leaverClient);
  assert.equal((await fetchShared(link.path)).response.status, 200);
  await t.admin`update kastell.users set status = 'disabled' where user_id = ${leaver.userId}`;
  const refused = await fetchShared(link.path);
  assert.equal(refused.response.status, 404);
  assert.ok(!refused.response.text.startsWith('%PDF'));
  const [event] = await t.admin`select detail->>'reason' as reason from audit.events where action = 'share_link.refused' and entity_id = ${link.shareLinkId}`;
  assert.equal(event?.reason, 'creator_lost_access');
});

// asvs: V2.3.4
test('20 parallel downloads against a limit of 5 get exactly 5', async () => {
  const link = await share({ maxDownloads: 5 });
  const visitors = await Promise.all(Array.from({ length: 20 }, async () => {
    const visitor = server.client();
    await visitor.get(link.path);
    return visitor;
  }));
  const results = await Promise.all(visitors.map((v) => v.request('POST', link.path, { form: {}, origin: 'null' })));
  assert.equal(results.filter((r) => r.status === 200 && r.text.startsWith('%PDF')).length, 5, results.map((r) => r.status).join(','));
  const [row] = await t.admin`select downloads from kastell.share_links where share_link_id = ${link.shareLinkId}`;
  assert.equal(row!.downloads, 5);
});
