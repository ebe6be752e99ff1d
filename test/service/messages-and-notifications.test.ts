// Messages on a job and notifications, end to end against a real SMTP
// server: customer and operator write to each other; an internal note never
// reaches the customer (API, page, SQL under the customer's identity); a
// technician reads only assigned jobs' messages; unread counts fall when
// read; notification e-mails arrive in the recipient's language with a link
// and without the message; a kind switched off sends nothing; a rolled-back
// action tells nobody; a second company sees none of it.
import assert from 'node:assert/strict';
import { openField } from '../../app/crypto/fields.ts';
import { test } from 'node:test';
import postgres from 'postgres';
import type { Tx } from '../../app/db/client.ts';
import { notify } from '../../app/notifications/notify.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedCompany, seedSession, seedSite, seedUser, type SeededUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';
import { startSmtp } from '../identity/helpers.ts';

const smtp = await startSmtp();
const t = await createTestDatabase();
const server = await startTestServer(t, { KASTELL_SMTP_URL: smtp.url, KASTELL_MAIL_FROM: 'Kastell <kastell@example.test>' });
const A = await seedCompany(t.admin, 'Alpha AG');
const B = await seedCompany(t.admin, 'Beta GmbH');
const siteA = await seedSite(t.admin, A, 'Alpha plant');
const siteB = await seedSite(t.admin, B, 'Beta plant');

const customer = await seedUser(t.admin, 'customer_member', A);
const viewer = await seedUser(t.admin, 'customer_viewer', A);
const customerOfB = await seedUser(t.admin, 'customer_admin', B);
const dispatcher = await seedUser(t.admin, 'dispatcher');
const tech = await seedUser(t.admin, 'technician');
const otherTech = await seedUser(t.admin, 'technician');

const clientOf = async (user: SeededUser) => server.client().withSession(await seedSession(t.admin, user.userId, '30 minutes'));
const as = <T>(user: SeededUser, work: (tx: Tx) => Promise<T>) => t.db.withPrincipal({ userId: user.userId }, work);
const sqlState = (work: Promise<unknown>) => work.then(() => 'ok', (e: unknown) => (e instanceof postgres.PostgresError ? e.code : String(e)));
const mailsTo = (user: SeededUser) => smtp.mails.filter((m) => m.to.includes(user.email));

const [jobRow] = await t.admin`insert into kastell.jobs (company_id, site_id, title) values (${A}, ${siteA}, 'Repair pump') returning job_id`;
const job = jobRow!.job_id as string;
await t.admin`insert into kastell.job_assignments (job_id, technician_id, company_id) values (${job}, ${tech.userId}, ${A})`;
const [jobOfBRow] = await t.admin`insert into kastell.jobs (company_id, site_id, title) values (${B}, ${siteB}, 'Beta repair') returning job_id`;
const jobOfB = jobOfBRow!.job_id as string;

const c = await clientOf(customer);
const d = await clientOf(dispatcher);
const tc = await clientOf(tech);

const secretNote = 'Margin on this customer is thin';
const reply = 'The technician comes tomorrow at nine';

test('customer and operator exchange messages; the internal note stays on the operator side (API, page, SQL)', async () => {
  // the customer's e-mails in German (the profile's language)
  const prefs = await c.request('PUT', '/api/v1/notifications/preferences', { json: { emailLocale: 'de' } });
  assert.equal(prefs.status, 200, prefs.text);
  assert.equal(prefs.json().emailLocale, 'de');

  const asked = await c.postJson(`/api/v1/jobs/${job}/messages`, { body: 'When does the technician come?' });
  assert.equal(asked.status, 201, asked.text);
  assert.equal(asked.json().authorSide, 'customer');
  assert.equal((await d.get(`/api/v1/jobs/${job}/messages`)).json().unread, 1);
  assert.equal((await d.postJson(`/api/v1/jobs/${job}/messages`, { body: reply })).status, 201);
  const note = await d.postJson(`/api/v1/jobs/${job}/messages`, { body: secretNote, internal: true });
  assert.equal(note.status, 201, note.text);
  assert.equal(note.json().internal, true);

  const seen = await c.get(`/api/v1/jobs/${job}/messages`);
  assert.equal(seen.status, 200);
  assert.deepEqual(seen.json().messages.map((m: { body: string }) => m.body), ['When does the technician come?', reply]);
  assert.ok(!seen.text.includes(secretNote));
  assert.ok(!(await (await clientOf(viewer)).get(`/api/v1/jobs/${job}/messages`)).text.includes(secretNote), 'nor the viewer');

  const page = await c.get(`/jobs/${job}`);
  assert.equal(page.status, 200);
  assert.match(page.text, new RegExp(reply));
  assert.ok(!page.text.includes(secretNote), 'the page shows no internal note');
  assert.ok(!page.text.includes('name="internal"'), 'and offers a customer no internal note');

  // under the customer's identity, SQL reaches no internal note, and cannot write one
  assert.deepEqual(await as(customer, async (tx) => (await tx`select message_id, body from job_messages where internal or job_id = ${job} order by created_at`).map((r) => openField('job_messages', 'body', r.message_id, r.body))),
    ['When does the technician come?', reply]);
  assert.equal(await sqlState(as(customer, (tx) => tx`insert into job_messages (job_id, company_id, internal, body) values (${job}, ${A}, true, 'x')`)), '42501');
  assert.equal((await c.postJson(`/api/v1/jobs/${job}/messages`, { body: 'sneaky', internal: true })).status, 403);

  // the assigned technician reads everything on the job, the note included; and writes on it
  const techSees = (await tc.get(`/api/v1/jobs/${job}/messages`)).json();
  assert.deepEqual(techSees.messages.map((m: { internal: boolean }) => m.internal), [false, false, true]);
  const form = await tc.postForm(`/jobs/${job}/messages`, { body: 'On my way', internal: '1' });
  assert.equal(form.status, 303, form.text);
  assert.equal((await tc.get(`/jobs/${job}`)).text.includes('On my way'), true);
  assert.ok(!(await c.get(`/api/v1/jobs/${job}/messages`)).text.includes('On my way'), "the technician's note is internal too");
});

test('unread counts per user and job go down when read', async () => {
  const v = await clientOf(viewer);
  assert.equal((await v.get(`/api/v1/jobs/${job}/messages`)).json().unread, 2, 'the two messages, not the notes');
  assert.deepEqual((await v.get('/api/v1/messages/unread')).json(), [{ jobId: job, unread: 2 }]);
  assert.equal((await v.postJson(`/api/v1/jobs/${job}/messages/read`, undefined)).json().unread, 0);
  assert.deepEqual((await v.get('/api/v1/messages/unread')).json(), []);
  // showing the job page reads it too
  assert.ok((await d.get(`/api/v1/jobs/${job}/messages`)).json().unread > 0, "the technician's note is unread for the dispatcher");
  await d.get(`/jobs/${job}`);
  assert.equal((await d.get(`/api/v1/jobs/${job}/messages`)).json().unread, 0);
});

test('a technician not assigned to the job gets 404 everywhere and sees no message in SQL', async () => {
  const o = await clientOf(otherTech);
  for (const response of [await o.get(`/api/v1/jobs/${job}/messages`), await o.postJson(`/api/v1/jobs/${job}/messages`, { body: 'hi' }),
    await o.postJson(`/api/v1/jobs/${job}/messages/read`, undefined), await o.postForm(`/jobs/${job}/messages`, { body: 'hi' })]) {
    assert.equal(response.status, 404, response.text);
  }
  assert.equal((await as(otherTech, (tx) => tx`select 1 from job_messages`)).length, 0);
  assert.equal(await sqlState(as(otherTech, (tx) => tx`insert into job_messages (job_id, company_id, body) values (${job}, ${A}, 'x')`)), '42501');
});

test('the notification e-mail arrives in the recipient\'s language, with a link and without the message', async () => {
  const mail = await smtp.waitFor((m) => m.to.includes(customer.email) && /Subject: Kastell: Eine neue Nachricht zu einem Auftrag/.test(m.raw));
  assert.ok(mail.raw.includes(`${server.url}/jobs/${job}`), mail.raw);
  assert.ok(!mail.raw.includes(reply) && !mail.raw.includes('tomorrow'), 'no message text in the mail');
  assert.ok(!mailsTo(customer).some((m) => m.raw.includes(secretNote)));
  // the dispatcher (no language of their own) hears of the customer's question in the organisation's, English
  await smtp.waitFor((m) => m.to.includes(dispatcher.email) && /Subject: Kastell: a new message on a job/.test(m.raw));

  // in the app: listed unread, then read
  const list = (await c.get('/api/v1/notifications')).json();
  const first = list.notifications.find((n: { kind: string }) => n.kind === 'message_received');
  assert.ok(first && !first.read && first.jobId === job && first.title === 'Repair pump', JSON.stringify(list));
  assert.ok(list.unread >= 1);
  assert.equal((await c.postJson(`/api/v1/notifications/${first.notificationId}/read`, undefined)).json().read, true);
  assert.equal((await c.get('/api/v1/notifications')).json().unread, list.unread - 1);
  assert.match((await c.get('/notifications')).text, /Notifications/);
  // nobody else marks it: the dispatcher gets 404 for the customer's notification
  assert.equal((await d.postJson(`/api/v1/notifications/${first.notificationId}/read`, undefined)).status, 404);
});

test('a kind switched off sends nothing; scheduling and request changes notify the right people', async () => {
  const off = await c.request('PUT', '/api/v1/notifications/preferences', {
    json: { preferences: [{ kind: 'message_received', inApp: true, email: false }, { kind: 'job_scheduled', inApp: false, email: false }] },
  });
  assert.equal(off.status, 200, off.text);
  const before = mailsTo(customer).length;
  assert.equal((await d.postJson(`/api/v1/jobs/${job}/messages`, { body: 'Bring the ladder' })).status, 201);
  const scheduled = await d.postJson(`/api/v1/jobs/${job}/status`, { status: 'scheduled', plannedStart: '2026-12-03T08:00:00Z' });
  assert.equal(scheduled.status, 200, scheduled.text);
  // the technician is told of the schedule by mail; by then the customer's mails were processed too
  await smtp.waitFor((m) => m.to.includes(tech.email) && /Subject: Kastell: a job was scheduled/.test(m.raw));
  await server.notificationMail.deliverPending();
  assert.equal(mailsTo(customer).length, before, 'no mail of a switched-off kind');
  const rows = await t.admin`select kind, in_app, mail_status from kastell.notifications where user_id = ${customer.userId} and created_at > now() - interval '1 minute' order by created_at`;
  assert.ok(rows.some((r) => r.kind === 'message_received' && r.in_app && r.mail_status === 'none'), 'in the app only');
  assert.ok(!rows.some((r) => r.kind === 'job_scheduled'), 'not at all');

  // a request of the customer's, triaged by the dispatcher: the customer is told (in German)
  const raised = await c.postJson('/api/v1/requests', { siteId: siteA, title: 'Noisy fan' });
  assert.equal((await d.postJson(`/api/v1/requests/${raised.json().requestId}/status`, { status: 'triaged' })).status, 200);
  await smtp.waitFor((m) => m.to.includes(customer.email) && /Subject: Kastell: Neuigkeiten zu Ihrer Serviceanfrage/.test(m.raw)
    && m.raw.includes(`/requests/${raised.json().requestId}`));
});

test('notify() for the report kinds: the audience and the users named, never an outsider; a rolled-back action tells nobody', async () => {
  const told = await as(tech, (tx) => notify(tx, { kind: 'report_awaiting_signoff', jobId: job, audience: ['customer'] }));
  assert.equal(told, 2, 'the customer member and the viewer of A');
  assert.equal(await as(dispatcher, (tx) => notify(tx, { kind: 'report_signed_or_refused', jobId: job, userIds: [tech.userId, customerOfB.userId] })), 1,
    'only the technician: B\'s admin is in no audience of the job');
  await smtp.waitFor((m) => m.to.includes(tech.email) && /Subject: Kastell: a service report was signed or refused/.test(m.raw));
  assert.equal(await sqlState(as(otherTech, (tx) => notify(tx, { kind: 'report_awaiting_signoff', jobId: job, audience: ['customer'] }))), '42501',
    'about a job the caller cannot see: refused');

  await server.notificationMail.deliverPending(); // what the calls above sent is out
  const before = smtp.mails.length;
  const rolledBack = new Error('roll back');
  await assert.rejects(as(dispatcher, async (tx) => {
    await notify(tx, { kind: 'job_scheduled', jobId: job, audience: ['technicians'] });
    throw rolledBack;
  }), rolledBack);
  await server.notificationMail.deliverPending();
  assert.equal(smtp.mails.length, before, 'no mail from a rolled-back transaction');
});

test('a second company sees nothing of it', async () => {
  const b = await clientOf(customerOfB);
  assert.equal((await b.get(`/api/v1/jobs/${job}/messages`)).status, 404);
  assert.equal((await b.postJson(`/api/v1/jobs/${job}/messages`, { body: 'hello' })).status, 404);
  assert.equal((await b.get(`/api/v1/jobs/${jobOfB}/messages`)).json().messages.length, 0);
  assert.deepEqual((await b.get('/api/v1/messages/unread')).json(), []);
  assert.deepEqual((await b.get('/api/v1/notifications')).json(), { unread: 0, notifications: [] });
  assert.equal((await as(customerOfB, (tx) => tx`select 1 from job_messages`)).length, 0);
  assert.equal((await as(customerOfB, (tx) => tx`select 1 from notifications`)).length, 0);
  assert.equal((await as(customer, (tx) => tx`select distinct user_id from notifications`)).map((r) => r.user_id).join(), customer.userId, 'own notifications only');
  assert.equal(mailsTo(customerOfB).length, 0);
});
