// Service work end to end through the API, and the database's own rules:
// illegal moves and failed guards are refused even in SQL under the
// application's role, the status history cannot be rewritten, and a
// technician sees exactly their assigned jobs — an unassigned job answers
// like one that does not exist, by every route.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import postgres from 'postgres';
import type { Tx } from '../../app/db/client.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedAsset, seedCompany, seedSession, seedSite, seedUser, type SeededUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);
const A = await seedCompany(t.admin, 'Alpha AG');
const B = await seedCompany(t.admin, 'Beta GmbH');
const siteA = await seedSite(t.admin, A, 'Alpha plant');
const otherSiteA = await seedSite(t.admin, A, 'Alpha depot');
const siteB = await seedSite(t.admin, B, 'Beta plant');
const pumpA = await seedAsset(t.admin, A, siteA, 'Alpha pump');
const otherAssetA = await seedAsset(t.admin, A, otherSiteA, 'Alpha crane');
await seedAsset(t.admin, B, siteB, 'Beta pump');

const customer = await seedUser(t.admin, 'customer_member', A);
const viewer = await seedUser(t.admin, 'customer_viewer', A);
const customerOfB = await seedUser(t.admin, 'customer_admin', B);
const dispatcher = await seedUser(t.admin, 'dispatcher');
const tech = await seedUser(t.admin, 'technician');
const otherTech = await seedUser(t.admin, 'technician');
const support = await seedUser(t.admin, 'support');

const clientOf = async (user: SeededUser) => server.client().withSession(await seedSession(t.admin, user.userId, '30 minutes'));
const as = <T>(user: SeededUser, work: (tx: Tx) => Promise<T>) => t.db.withPrincipal({ userId: user.userId }, work);
const sqlState = (work: Promise<unknown>) => work.then(() => 'ok', (e: unknown) => (e instanceof postgres.PostgresError ? e.code : String(e)));

const ids: Record<string, string> = {};

test('a customer raises a request; a dispatcher makes a job of it, assigns a technician and schedules it; the technician checks in and out', async () => {
  const c = await clientOf(customer);
  const raised = await c.postJson('/api/v1/requests', { siteId: siteA, assetId: pumpA, title: 'Pump leaks', description: 'Water under the pump\nsince Monday', urgency: 'high' });
  assert.equal(raised.status, 201, raised.text);
  ids.request = raised.json().requestId;
  assert.equal(raised.json().status, 'submitted');
  assert.equal(raised.json().companyId, A);

  // the customer reads its own label for the state
  const page = await c.get(`/requests/${ids.request}`);
  assert.equal(page.status, 200);
  assert.match(page.text, /Received/);

  const d = await clientOf(dispatcher);
  assert.equal((await d.postJson(`/api/v1/requests/${ids.request}/status`, { status: 'triaged' })).json().status, 'triaged');
  const made = await d.postJson('/api/v1/jobs', { siteId: siteA, requestId: ids.request, title: 'Repair pump', assetIds: [pumpA] });
  assert.equal(made.status, 201, made.text);
  ids.job = made.json().jobId;
  assert.deepEqual(made.json().history.map((h: { toStatus: string }) => h.toStatus), ['new']);

  const request = (await c.get(`/api/v1/requests/${ids.request}`)).json();
  assert.equal(request.status, 'accepted');
  assert.deepEqual(request.jobIds, [ids.job], 'the request links to its job, visible to the customer');

  // scheduling needs a technician and a planned start: refused without
  const early = await d.postJson(`/api/v1/jobs/${ids.job}/status`, { status: 'scheduled', plannedStart: '2026-12-02T08:00:00Z' });
  assert.equal(early.status, 409, early.text);
  assert.match(early.json().error.message, /needs a technician and a planned start/);
  assert.equal((await d.postJson(`/api/v1/jobs/${ids.job}/technicians`, { technicianId: tech.userId })).status, 200);
  const noStart = await d.postJson(`/api/v1/jobs/${ids.job}/status`, { status: 'scheduled' });
  assert.equal(noStart.status, 409, 'no planned start yet');
  const scheduled = await d.postJson(`/api/v1/jobs/${ids.job}/status`, { status: 'scheduled', plannedStart: '2026-12-02T08:00:00Z' });
  assert.equal(scheduled.status, 200, scheduled.text);
  assert.equal(scheduled.json().status, 'scheduled');

  // a dispatcher cannot assign a customer (or anyone but a technician)
  const wrong = await d.postJson(`/api/v1/jobs/${ids.job}/technicians`, { technicianId: customer.userId });
  assert.equal(wrong.status, 422, wrong.text);

  const tc = await clientOf(tech);
  const visit = await tc.postJson(`/api/v1/jobs/${ids.job}/visits`, { notes: 'Arrived' });
  assert.equal(visit.status, 201, visit.text);
  assert.equal(visit.json().technicianId, tech.userId);
  ids.visit = visit.json().visitId;
  assert.equal((await tc.postJson(`/api/v1/jobs/${ids.job}/visits`, {})).status, 409, 'one open visit per technician and job');
  const started = await tc.postJson(`/api/v1/jobs/${ids.job}/status`, { status: 'in_progress' });
  assert.equal(started.status, 200, started.text);
  assert.ok(started.json().actualStart, 'starting records the actual start');
  const out = await tc.postJson(`/api/v1/visits/${ids.visit}/check-out`, { notes: 'Seal replaced' });
  assert.equal(out.status, 200, out.text);
  assert.ok(out.json().checkOutAt);
  // work_done needs a frozen report (service reports, a later part, set jobs.report_frozen_at)
  const done = await tc.postJson(`/api/v1/jobs/${ids.job}/status`, { status: 'work_done' });
  assert.equal(done.status, 409, done.text);
  assert.match(done.json().error.message, /frozen report/);
  // a technician may not cancel: only a dispatcher makes that move
  assert.equal((await tc.postJson(`/api/v1/jobs/${ids.job}/status`, { status: 'cancelled', reason: 'x' })).status, 403);

  const history = (await c.get(`/api/v1/jobs/${ids.job}`)).json().history.map((h: { toStatus: string }) => h.toStatus);
  assert.deepEqual(history, ['new', 'scheduled', 'in_progress'], 'the customer reads the history');
  const visits = (await c.get(`/api/v1/jobs/${ids.job}/visits`)).json();
  assert.equal(visits.length, 1);

  // pages: the technician's list, the job page with check-in; the dispatcher's board
  const techPage = await tc.get('/jobs');
  assert.equal(techPage.status, 200);
  assert.match(techPage.text, /Repair pump/);
  const jobPage = (await tc.get(`/jobs/${ids.job}`)).text;
  assert.match(jobPage, /Check in/);
  // the technician is offered only the moves a technician may make from in_progress
  assert.match(jobPage, /<option value="on_hold">/);
  assert.match(jobPage, /<option value="work_done">/);
  assert.doesNotMatch(jobPage, /<option value="cancelled">/);
  // asking for the state the job is in changes nothing and appends no history
  const same = await d.postJson(`/api/v1/jobs/${ids.job}/status`, { status: 'in_progress', reason: 'again' });
  assert.equal(same.status, 200, same.text);
  assert.equal(same.json().history.length, 3);
  assert.equal(same.json().statusReason, null);
  assert.match((await d.get('/jobs?status=in_progress')).text, /Repair pump/);
});

test('on hold and cancelled need a reason; a refused sign-off needs the customer’s comment', async () => {
  const d = await clientOf(dispatcher);
  const job = (await d.postJson('/api/v1/jobs', { siteId: otherSiteA, title: 'Inspect crane' })).json().jobId;
  assert.equal((await d.postJson(`/api/v1/jobs/${job}/status`, { status: 'on_hold' })).status, 409);
  const held = await d.postJson(`/api/v1/jobs/${job}/status`, { status: 'on_hold', reason: 'Waiting for parts' });
  assert.equal(held.status, 200, held.text);
  assert.equal(held.json().statusReason, 'Waiting for parts');
  assert.equal((await d.postJson(`/api/v1/jobs/${job}/status`, { status: 'cancelled', reason: 'Customer sold the crane' })).status, 200);
  assert.equal((await d.postJson(`/api/v1/jobs/${job}/status`, { status: 'new' })).status, 409, 'cancelled is final');
  // awaiting_signoff is reached only with reports (a later part): put a job there past the triggers,
  // then a refused sign-off (back to in_progress) needs the customer's comment
  const [waiting] = await t.admin.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    return tx`insert into kastell.jobs (company_id, site_id, title, status, actual_start) values (${A}, ${siteA}, 'Signed off?', 'awaiting_signoff', now()) returning job_id`;
  });
  const back = await d.postJson(`/api/v1/jobs/${waiting!.job_id}/status`, { status: 'in_progress' });
  assert.equal(back.status, 409, back.text);
  assert.match(back.json().error.message, /needs a reason/);
  const refused = await d.postJson(`/api/v1/jobs/${waiting!.job_id}/status`, { status: 'in_progress', reason: 'The pump still leaks' });
  assert.equal(refused.status, 200, refused.text);
  assert.deepEqual(refused.json().history.map((h: { toStatus: string; reason: string | null }) => [h.toStatus, h.reason]), [['in_progress', 'The pump still leaks']]);
});

// asvs: V2.3.1
test('an illegal transition (new → signed) is refused by the database in SQL under the application role', async () => {
  const job = await as(dispatcher, async (tx) => (await tx`insert into jobs (company_id, site_id, title, created_by)
    values (${A}, ${siteA}, 'Direct', app.current_user_id()) returning job_id`)[0]!.job_id as string);
  for (const status of ['signed', 'closed', 'work_done', 'awaiting_signoff', 'in_progress']) {
    assert.equal(await sqlState(as(dispatcher, (tx) => tx`update jobs set status = ${status} where job_id = ${job}`)), '55000', `new → ${status}`);
  }
  // the guard, not only the table: in_progress needs an actual start even from scheduled
  await as(dispatcher, (tx) => tx`insert into job_assignments (job_id, technician_id, company_id, assigned_by) values (${job}, ${tech.userId}, ${A}, app.current_user_id())`);
  assert.equal(await sqlState(as(dispatcher, (tx) => tx`update jobs set status = 'scheduled' where job_id = ${job}`)), '55000', 'no planned start');
  assert.equal(await sqlState(as(dispatcher, (tx) => tx`update jobs set status = 'scheduled', planned_start = now() where job_id = ${job}`)), 'ok');
  assert.equal(await sqlState(as(tech, (tx) => tx`update jobs set status = 'in_progress' where job_id = ${job}`)), '55000', 'no actual start');
  assert.equal(await sqlState(as(tech, (tx) => tx`update jobs set status = 'in_progress', actual_start = now() where job_id = ${job}`)), 'ok');
  // the application role cannot set the report column that work_done waits for
  assert.equal(await sqlState(as(dispatcher, (tx) => tx`update jobs set report_frozen_at = now() where job_id = ${job}`)), '42501');
  // a job starts as new, and a request as submitted
  assert.equal(await sqlState(as(dispatcher, (tx) => tx`insert into jobs (company_id, site_id, title, status, created_by)
    values (${A}, ${siteA}, 'Skip', 'closed', app.current_user_id())`)), '42501', 'status is not an insertable column');
  // a customer cannot accept their own request
  const request = await as(customer, async (tx) => (await tx`insert into service_requests (company_id, site_id, title, raised_by)
    values (${A}, ${siteA}, 'Mine', app.current_user_id()) returning request_id`)[0]!.request_id as string);
  assert.equal(await sqlState(as(customer, (tx) => tx`update service_requests set status = 'accepted' where request_id = ${request}`)), '42501');
  assert.equal(await sqlState(as(customer, (tx) => tx`update service_requests set status = 'withdrawn' where request_id = ${request}`)), 'ok');
  assert.equal(await sqlState(as(customer, (tx) => tx`update service_requests set status = 'submitted' where request_id = ${request}`)), '55000', 'withdrawn is final');
});

test('the status history cannot be rewritten: no grant for the app, and a trigger refuses even the superuser', async () => {
  const entries = await as(dispatcher, (tx) => tx`select history_id from job_status_history where job_id = ${ids.job!}`);
  assert.ok(entries.length >= 3);
  assert.equal(await sqlState(as(dispatcher, (tx) => tx`update job_status_history set to_status = 'closed' where job_id = ${ids.job!}`)), '42501');
  assert.equal(await sqlState(as(dispatcher, (tx) => tx`delete from job_status_history where job_id = ${ids.job!}`)), '42501');
  assert.equal(await sqlState(as(dispatcher, (tx) => tx`insert into job_status_history (job_id, company_id, to_status) values (${ids.job!}, ${A}, 'closed')`)), '42501');
  assert.equal(await sqlState(t.admin`update kastell.job_status_history set to_status = 'closed' where job_id = ${ids.job!}`), '42501');
  assert.equal(await sqlState(t.admin`delete from kastell.job_status_history where job_id = ${ids.job!}`), '42501');
  assert.equal(await sqlState(t.admin`truncate kastell.job_status_history cascade`), '42501');
  const after = await t.admin`select count(*)::int as n from kastell.job_status_history where job_id = ${ids.job!}`;
  assert.equal(after[0]!.n, entries.length);
});

test('a technician sees exactly their assigned jobs with company, site and assets — nothing else of that company — under RLS', async () => {
  const visible = async (user: SeededUser) => as(user, async (tx) => ({
    jobs: (await tx`select job_id from jobs where job_id = ${ids.job!}`).length,
    companies: (await tx`select company_id from companies order by 1`).map((r) => r.company_id),
    sites: (await tx`select site_id from sites order by 1`).map((r) => r.site_id),
    assets: (await tx`select asset_id from assets order by 1`).map((r) => r.asset_id),
    requests: (await tx`select 1 from service_requests`).length,
  }));
  assert.deepEqual(await visible(tech), { jobs: 1, companies: [A], sites: [siteA], assets: [pumpA], requests: 0 });
  assert.deepEqual(await visible(otherTech), { jobs: 0, companies: [], sites: [], assets: [], requests: 0 });
  assert.ok(!(await visible(tech)).assets.includes(otherAssetA));
  assert.ok(!(await visible(tech)).sites.includes(otherSiteA));
});

test('an unassigned job answers a technician like a job that does not exist, by every job route', async () => {
  const oc = await clientOf(otherTech);
  assert.deepEqual((await oc.get('/api/v1/jobs')).json(), []);
  const routes: [string, string, unknown?][] = [
    ['GET', '/api/v1/jobs/:id'], ['GET', '/api/v1/jobs/:id/visits'], ['POST', '/api/v1/jobs/:id/status', { status: 'on_hold', reason: 'x' }],
    ['POST', '/api/v1/jobs/:id/visits', {}], ['GET', '/jobs/:id'],
  ];
  for (const [method, path, json] of routes) {
    const real = await oc.request(method, path.replace(':id', ids.job!), { json });
    const none = await oc.request(method, path.replace(':id', randomUUID()), { json });
    assert.equal(real.status, 404, `${method} ${path}: ${real.text.slice(0, 200)}`);
    assert.equal(real.text.replace(/"requestId":"[^"]*"/, '').replace(/[0-9a-f-]{36}/g, ''), none.text.replace(/"requestId":"[^"]*"/, '').replace(/[0-9a-f-]{36}/g, ''), `${method} ${path}`);
    assert.ok(!real.text.includes('Repair pump'));
  }
  const checkOut = await oc.postJson(`/api/v1/visits/${ids.visit}/check-out`, {});
  assert.equal(checkOut.status, 404);
  // and the site, company and asset of that job stay hidden from them
  for (const path of [`/api/v1/sites/${siteA}`, `/api/v1/companies/${A}`, `/api/v1/assets/${pumpA}`]) {
    const response = await oc.get(path);
    assert.ok([403, 404].includes(response.status), `${path}: ${response.status}`);
  }
  // the assigned technician reads them
  const tc = await clientOf(tech);
  assert.equal((await tc.get(`/api/v1/sites/${siteA}`)).status, 200);
  assert.equal((await tc.get(`/api/v1/sites/${otherSiteA}`)).status, 404);
});

test('another company sees none of it; a viewer reads but cannot raise; support reads jobs but cannot change them', async () => {
  const b = await clientOf(customerOfB);
  assert.deepEqual((await b.get('/api/v1/jobs')).json(), []);
  assert.deepEqual((await b.get('/api/v1/requests')).json(), []);
  assert.equal((await b.get(`/api/v1/jobs/${ids.job}`)).status, 404);
  assert.equal((await b.get(`/api/v1/requests/${ids.request}`)).status, 404);
  assert.equal((await b.postJson('/api/v1/requests', { siteId: siteA, title: 'Into A' })).status, 404, 'a site of A is not theirs');
  const v = await clientOf(viewer);
  assert.equal((await v.get(`/api/v1/jobs/${ids.job}`)).status, 200);
  assert.equal((await v.postJson('/api/v1/requests', { siteId: siteA, title: 'Viewer' })).status, 403);
  const s = await clientOf(support);
  assert.equal((await s.get(`/api/v1/jobs/${ids.job}`)).status, 200);
  assert.equal((await s.postJson(`/api/v1/jobs/${ids.job}/status`, { status: 'on_hold', reason: 'x' })).status, 403);
});
