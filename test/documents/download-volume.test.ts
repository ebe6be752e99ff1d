// Unusual download volume: KASTELL_DOWNLOAD_ALERT (here 3 in 10 minutes) per
// user and per share link raises one alert per window and subject — a warn
// log event document.download_volume, an audit event of that name, and a
// mail to the security officers through a real SMTP server — and nothing
// below the limit or for anybody else.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { parseConfig } from '../../app/config.ts';
import { startClamd } from '../harness/clamd.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedCompany, seedSession, seedUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';
import { startSmtp } from '../identity/helpers.ts';
import { download, makePdf, upload } from './support.ts';

const logged: Array<Record<string, unknown>> = [];
const sink = new Writable({ write(chunk: Buffer, _encoding, done) { for (const line of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(line)); done(); } });
const clamd = await startClamd();
const smtp = await startSmtp();
const t = await createTestDatabase();
const server = await startTestServer(t, { KASTELL_CLAMD_SOCKET: clamd.socket, KASTELL_SMTP_URL: smtp.url, KASTELL_DOWNLOAD_ALERT: '3/10m' }, pino({ level: 'warn' }, sink));
const company = await seedCompany(t.admin, 'Alpha AG');
const officer = await seedUser(t.admin, 'security_officer', null, 'officer@example.test');
const member = await seedUser(t.admin, 'customer_member', company, 'member@example.test');
const colleague = await seedUser(t.admin, 'customer_member', company, 'colleague@example.test');
const client = server.client().withSession(await seedSession(t.admin, member.userId, '30 minutes'));
const other = server.client().withSession(await seedSession(t.admin, colleague.userId, '30 minutes'));
const created = await upload(client, `/api/v1/companies/${company}/documents`, { title: 'Contract', kind: 'contract' }, { name: 'contract.pdf', bytes: makePdf() });
const documentId: string = created.json().documentId;
assert.equal(created.json().current?.status, 'clean', created.text);

const alerts = (subject: string) => logged.filter((l) => l.event === 'document.download_volume' && l.subjectId === subject);
const mailsAbout = (needle: string) => smtp.mails.filter((m) => m.raw.includes('Unusual download volume') && m.raw.includes(needle));

test('the configuration reads downloads/window and off, and refuses anything else with a hint', () => {
  const base = { KASTELL_DATABASE_URL: 'postgres://kastell:0123456789abcdef@127.0.0.1/kastell' };
  assert.deepEqual(parseConfig({ ...base }).documents.downloadAlert, { limit: 50, windowSeconds: 600 });
  assert.deepEqual(parseConfig({ ...base, KASTELL_DOWNLOAD_ALERT: '200/1h' }).documents.downloadAlert, { limit: 200, windowSeconds: 3600 });
  assert.equal(parseConfig({ ...base, KASTELL_DOWNLOAD_ALERT: 'off' }).documents.downloadAlert, null);
  assert.throws(() => parseConfig({ ...base, KASTELL_DOWNLOAD_ALERT: '50 per 10m' }), /KASTELL_DOWNLOAD_ALERT.*e\.g\. 50\/10m/s);
});

test('a user reaching the limit raises one alert per window: log event, audit event, mail to the security officers only', async () => {
  for (let n = 1; n <= 2; n++) assert.equal((await download(client, `/documents/${documentId}/download`)).status, 200);
  await sleep(300);
  assert.equal(alerts(member.userId).length, 0, 'below the limit: no alert');
  // the third read reaches the limit; the reads after it, in parallel, add nothing
  assert.equal((await download(client, `/documents/${documentId}/download`)).status, 200);
  const more = await Promise.all(Array.from({ length: 4 }, () => download(client, `/documents/${documentId}/download?preview=1`)));
  assert.deepEqual(more.map((r) => r.status), [200, 200, 200, 200]);
  const mail = await smtp.waitFor((m) => m.raw.includes('Unusual download volume') && m.raw.includes(member.email), 20_000);
  assert.deepEqual(mail.to, [officer.email]);
  assert.match(mail.raw, /read 3 documents within 10 min/);
  assert.match(mail.raw, new RegExp(documentId));
  await sleep(500);
  assert.equal(mailsAbout(member.email).length, 1, 'once per window');
  const logs = alerts(member.userId);
  assert.equal(logs.length, 1, 'one log event');
  assert.equal(logs[0]!.level, 40, 'warn');
  assert.equal(logs[0]!.subjectType, 'user');
  assert.equal(logs[0]!.downloads, 3);
  const events = await t.admin`select actor_type, entity_type, company_id, detail from audit.events where action = 'document.download_volume' and entity_id = ${member.userId}`;
  assert.equal(events.length, 1);
  assert.equal(events[0]!.actor_type, 'system');
  assert.equal(events[0]!.company_id, company);
  assert.equal(events[0]!.detail.downloads, 3);
  // another user below the limit is not alerted about
  assert.equal((await download(other, `/documents/${documentId}/download`)).status, 200);
  await sleep(300);
  assert.equal(alerts(colleague.userId).length, 0);
  assert.equal(mailsAbout(colleague.email).length, 0);
});

test('within the window a further read adds no alert; in the next window the limit alerts again', async () => {
  assert.equal((await download(client, `/documents/${documentId}/download`)).status, 200);
  await sleep(300);
  assert.equal(alerts(member.userId).length, 1, 'still the one alert');
  // a second server of the same installation with a 2-second window: the count is the audit trail's, not a process's
  const quick = await startTestServer(t, { KASTELL_CLAMD_SOCKET: clamd.socket, KASTELL_SMTP_URL: smtp.url, KASTELL_DOWNLOAD_ALERT: '2/2s' }, pino({ level: 'warn' }, sink));
  const third = await seedUser(t.admin, 'customer_member', company, 'third@example.test');
  const reader = quick.client().withSession(await seedSession(t.admin, third.userId, '30 minutes'));
  for (let n = 0; n < 3; n++) assert.equal((await download(reader, `/documents/${documentId}/download`)).status, 200);
  await smtp.waitFor((m) => m.raw.includes('Unusual download volume') && m.raw.includes(third.email), 20_000);
  await sleep(2500);
  for (let n = 0; n < 2; n++) assert.equal((await download(reader, `/documents/${documentId}/download`)).status, 200);
  const deadline = Date.now() + 20_000;
  while (mailsAbout(third.email).length < 2 && Date.now() < deadline) await sleep(100);
  assert.equal(mailsAbout(third.email).length, 2, 'a new window, a new alert');
  assert.equal(alerts(third.userId).length, 2);
  assert.match(mailsAbout(third.email)[0]!.raw, /read 2 documents within 2 s/);
});

test('a share link reaching the limit raises its own alert, naming the link, once', async () => {
  const link = await client.postJson(`/api/v1/documents/${documentId}/share-links`, {});
  assert.equal(link.status, 201, link.text);
  const path = new URL(link.json().url).pathname;
  const shareLinkId: string = link.json().shareLinkId;
  for (let n = 1; n <= 5; n++) {
    const visitor = server.client();
    await visitor.get(path);
    assert.equal((await visitor.request('POST', path, { form: {}, origin: 'null' })).status, 200);
  }
  const mail = await smtp.waitFor((m) => m.raw.includes('Unusual download volume') && m.raw.includes(shareLinkId), 20_000);
  assert.deepEqual(mail.to, [officer.email]);
  assert.match(mail.raw, /revoke it on the document page/);
  await sleep(500);
  assert.equal(mailsAbout(shareLinkId).length, 1);
  assert.equal(alerts(shareLinkId).length, 1);
  assert.equal(alerts(shareLinkId)[0]!.subjectType, 'share_link');
  // the link's reads are anonymous: they do not count for its creator, whose own alert stays the one above
  assert.equal(mailsAbout(member.email).length, 1);
});
