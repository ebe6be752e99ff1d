// The privacy routes over HTTP: a person downloads their ZIP, an admin gets
// the same JSON for them, nobody else does; an admin deletes a person, whose
// session stops working and whose name becomes a pseudonym.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unzipSync } from 'fflate';
import { sealField, uuidv7 } from '../../app/crypto/fields.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedCompany, seedSession, seedSite, seedUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);
const A = await seedCompany(t.admin, 'Alpha AG');
const person = await seedUser(t.admin, 'customer_member', A, 'mia.member@example.test');
const colleague = await seedUser(t.admin, 'customer_admin', A, 'carl.colleague@example.test');
const admin = await seedUser(t.admin, 'admin');
const sessionOf = (userId: string) => seedSession(t.admin, userId, '30 minutes');

test('a person downloads a ZIP of their data; the download is audited', async () => {
  const token = await sessionOf(person.userId);
  const response = await fetch(`${server.url}/me/export`, { headers: { cookie: `__Host-kastell-session=${token}` } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/zip');
  assert.match(response.headers.get('content-disposition') ?? '', /^attachment/);
  const zip = unzipSync(new Uint8Array(await response.arrayBuffer()));
  const data = JSON.parse(new TextDecoder().decode(zip['data.json']));
  assert.equal(data.subject.userId, person.userId);
  assert.equal(data.tables.users[0].email, 'mia.member@example.test');
  assert.ok(!JSON.stringify(data).includes('carl.colleague@example.test'));
  const [event] = await t.admin`select actor_id, detail->>'forSelf' as for_self from audit.events where action = 'person.exported' and entity_id = ${person.userId}`;
  assert.deepEqual({ ...event }, { actor_id: person.userId, for_self: 'true' });
});

test('the export shows what the person wrote in plain, though the database holds it sealed under the company key', async () => {
  const site = await seedSite(t.admin, A, 'Alpha plant');
  const [job] = await t.admin`insert into kastell.jobs (company_id, site_id, title, created_by) values (${A}, ${site}, 'Pump', ${admin.userId}) returning job_id`;
  const messageId = uuidv7();
  const body = 'The side door code is 4711';
  await t.admin`insert into kastell.job_messages (message_id, job_id, company_id, body, author_id, author_side)
    values (${messageId}, ${job!.job_id}, ${A}, ${sealField('job_messages', 'body', messageId, A, body)}, ${person.userId}, 'customer')`;
  const [stored] = await t.admin`select body from kastell.job_messages where message_id = ${messageId}`;
  assert.match(stored!.body, /^v2:/);
  const mine = await server.client().withSession(await sessionOf(person.userId)).get('/api/v1/me/export');
  assert.equal(mine.status, 200, mine.text);
  const message = mine.json().tables.job_messages.find((m: { message_id: string }) => m.message_id === messageId);
  assert.equal(message.body, body);
});

test('an admin produces the export for the person; a colleague of theirs may not', async () => {
  const byAdmin = server.client().withSession(await sessionOf(admin.userId));
  const ok = await byAdmin.get(`/api/v1/users/${person.userId}/export`);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json().tables.memberships.length, 1);
  const byColleague = server.client().withSession(await sessionOf(colleague.userId));
  const refused = await byColleague.get(`/api/v1/users/${person.userId}/export`);
  assert.ok(refused.status === 403 || refused.status === 404, `${refused.status}`);
  assert.ok(!refused.text.includes('mia.member@example.test'));
  const page = await byColleague.get(`/users/${person.userId}/export`);
  assert.ok(page.status === 403 || page.status === 404, `${page.status}`);
});

test('an admin deletes a person (sudo mode): their session ends, their name becomes a pseudonym, audited', async () => {
  const personToken = await sessionOf(person.userId);
  const adminToken = await sessionOf(admin.userId);
  const byAdmin = server.client().withSession(adminToken);
  await t.admin`update kastell.sessions set reauth_at = null where user_id = ${admin.userId}`;
  const notInSudo = await byAdmin.postJson(`/api/v1/users/${person.userId}/erase`, {});
  assert.equal(notInSudo.status, 403);
  await t.admin`update kastell.sessions set reauth_at = now() where user_id = ${admin.userId}`;
  const erased = await byAdmin.postJson(`/api/v1/users/${person.userId}/erase`, {});
  assert.equal(erased.status, 200, erased.text);
  assert.match(erased.json().pseudonym, /^Person [0-9a-f]{8}$/);
  const me = await server.client().withSession(personToken).get('/api/v1/me');
  assert.equal(me.status, 401);
  const [user] = await t.admin`select display_name from kastell.users where user_id = ${person.userId}`;
  assert.equal(user!.display_name, erased.json().pseudonym);
  const [event] = await t.admin`select actor_id from audit.events where action = 'person.erased' and entity_id = ${person.userId}`;
  assert.equal(event?.actor_id, admin.userId);
  const again = await server.client().withSession(await sessionOf(colleague.userId)).postJson(`/api/v1/users/${admin.userId}/erase`, {});
  assert.ok(again.status === 403 || again.status === 404, 'a customer admin deletes nobody');
});
