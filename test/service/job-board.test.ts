// The dispatcher's board (issue 11, part 10): filters by technician, planned
// day or range and company on GET /api/v1/jobs and /jobs only narrow what RLS
// lets the caller see; bad filters are refused; the technician's "today"
// order; taking a technician off a job (audited; the last one of a scheduled
// or in-progress job stays, by sql/0014, even in SQL); asset names on the
// job page.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import postgres from 'postgres';
import { createTestDatabase } from '../harness/database.ts';
import { seedAsset, seedCompany, seedSession, seedSite, seedUser, type SeededUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);
const A = await seedCompany(t.admin, 'Alpha AG');
const B = await seedCompany(t.admin, 'Beta GmbH');
const siteA = await seedSite(t.admin, A, 'Alpha plant');
const siteB = await seedSite(t.admin, B, 'Beta plant');
const pumpA = await seedAsset(t.admin, A, siteA, 'Alpha pump');

const dispatcher = await seedUser(t.admin, 'dispatcher');
const tech1 = await seedUser(t.admin, 'technician');
const tech2 = await seedUser(t.admin, 'technician');
const customerA = await seedUser(t.admin, 'customer_member', A);
const customerB = await seedUser(t.admin, 'customer_admin', B);

const clientOf = async (user: SeededUser) => server.client().withSession(await seedSession(t.admin, user.userId, '30 minutes'));
const d = await clientOf(dispatcher);
const today = new Date().toISOString().slice(0, 10);

const jobs: Record<string, string> = {};
const makeJob = async (name: string, siteId: string, plannedStart: string | undefined, technicians: SeededUser[], assetIds: string[] = []) => {
  const made = await d.postJson('/api/v1/jobs', { siteId, title: name, plannedStart, assetIds });
  assert.equal(made.status, 201, made.text);
  jobs[name] = made.json().jobId;
  for (const tech of technicians) assert.equal((await d.postJson(`/api/v1/jobs/${jobs[name]}/technicians`, { technicianId: tech.userId })).status, 200);
};
await makeJob('A1 pump service', siteA, '2031-12-02T08:00:00Z', [tech1, tech2], [pumpA]);
await makeJob('A2 yearly check', siteA, '2031-12-05T13:00:00Z', [tech2]);
await makeJob('B1 boiler', siteB, '2031-12-02T23:30:00Z', [tech1]);
await makeJob('A3 today', siteA, `${today}T00:30:00Z`, [tech1]);

const titles = async (c: Awaited<ReturnType<typeof clientOf>>, query: string) => {
  const r = await c.get(`/api/v1/jobs${query}`);
  assert.equal(r.status, 200, `${query}: ${r.text}`);
  return (r.json() as { title: string }[]).map((j) => j.title).sort();
};

test('the filters narrow the dispatcher’s list: technician, company, planned day, range, and together', async () => {
  assert.deepEqual(await titles(d, `?technicianId=${tech1.userId}`), ['A1 pump service', 'A3 today', 'B1 boiler']);
  assert.deepEqual(await titles(d, `?companyId=${B}`), ['B1 boiler']);
  assert.deepEqual(await titles(d, '?on=2031-12-02'), ['A1 pump service', 'B1 boiler'], 'the whole UTC day, 23:30 included');
  assert.deepEqual(await titles(d, '?from=2031-12-03&to=2031-12-31'), ['A2 yearly check']);
  assert.deepEqual(await titles(d, '?from=2031-12-01&to=2031-12-02'), ['A1 pump service', 'B1 boiler'], 'to is inclusive');
  assert.deepEqual(await titles(d, `?technicianId=${tech1.userId}&companyId=${A}&from=2031-12-01`), ['A1 pump service']);
  assert.deepEqual(await titles(d, `?technicianId=${tech2.userId}&status=new`), ['A1 pump service', 'A2 yearly check']);
  assert.deepEqual(await titles(d, `?technicianId=${randomUUID()}`), []);
});

test('filters never widen what RLS allows: another company’s job stays out of sight', async () => {
  const a = await clientOf(customerA);
  assert.deepEqual(await titles(a, `?technicianId=${tech1.userId}`), ['A1 pump service', 'A3 today'], 'not B’s job of the same technician');
  assert.deepEqual(await titles(a, `?companyId=${B}`), []);
  assert.deepEqual(await titles(a, '?on=2031-12-02'), ['A1 pump service']);
  const b = await clientOf(customerB);
  assert.deepEqual(await titles(b, `?companyId=${A}`), []);
  assert.deepEqual(await titles(b, `?technicianId=${tech2.userId}`), []);
  const t2 = await clientOf(tech2);
  assert.deepEqual(await titles(t2, `?technicianId=${tech1.userId}`), ['A1 pump service'], 'only the shared job, not tech1’s others');
  assert.deepEqual(await titles(t2, `?companyId=${B}`), []);
  // and the pages say the same
  const page = (await a.get(`/jobs?technicianId=${tech1.userId}&companyId=${B}`));
  assert.equal(page.status, 200);
  assert.doesNotMatch(page.text, /B1 boiler|Beta/);
});

test('bad filter values are refused: 422 from the API, the form again from the page', async () => {
  for (const query of ['?on=2031-13-01', '?on=yesterday', `?technicianId=nobody`, '?companyId=1', '?status=done',
    '?from=2031-12-05&to=2031-12-01', '?on=2031-12-02&from=2031-12-01', '?mine=yes', '?page=2', '?on=']) {
    const r = await d.get(`/api/v1/jobs${query}`);
    assert.ok([400, 422].includes(r.status), `${query}: ${r.status}`);
  }
  const page = await d.get('/jobs?from=2031-12-05&to=2031-12-01');
  assert.equal(page.status, 422);
  assert.match(page.text, /the end comes before the start/);
  assert.doesNotMatch(page.text, /A1 pump service/, 'a refused filter shows no list rather than an unfiltered one');
  // empty fields of the GET form mean "any"
  const all = await d.get('/jobs?status=&technicianId=&companyId=&on=&from=&to=');
  assert.equal(all.status, 200);
  assert.match(all.text, /A1 pump service/);
});

test('the board groups the dispatcher’s jobs by state, with the filters on the page; technicians keep their list, today first', async () => {
  await d.postJson(`/api/v1/jobs/${jobs['A2 yearly check']}/status`, { status: 'scheduled' });
  const board = (await d.get(`/jobs?technicianId=${tech2.userId}`)).text;
  assert.match(board, /<h2 id="board-new">New \(1\)<\/h2>/);
  assert.match(board, /<h2 id="board-scheduled">Scheduled \(1\)<\/h2>/);
  assert.doesNotMatch(board, /B1 boiler/);
  assert.match(board, new RegExp(`<option value="${tech2.userId}" selected`));
  assert.match(board, new RegExp(`<option value="${B}"`), 'the company filter lists the companies');
  const t1 = await clientOf(tech1);
  const list = (await t1.get('/api/v1/jobs')).json() as { title: string }[];
  assert.equal(list[0]!.title, 'A3 today', 'jobs planned today come first');
  const page = (await t1.get('/jobs')).text;
  assert.match(page, /My jobs/);
  assert.doesNotMatch(page, /name="technicianId"/, 'no technician filter on a technician’s own list');
});

test('a dispatcher takes a technician off a job (audited); the last technician of a scheduled job stays, in SQL too', async () => {
  const job = jobs['A1 pump service']!;
  const off = await d.request('DELETE', `/api/v1/jobs/${job}/technicians/${tech2.userId}`);
  assert.equal(off.status, 200, off.text);
  assert.deepEqual(off.json().technicians.map((x: { userId: string }) => x.userId), [tech1.userId]);
  const [event] = await t.admin`select detail from audit.events where action = 'job.technician_removed' and entity_id = ${job}`;
  assert.ok(event, 'audited');
  assert.equal(event.detail.technician, tech2.userId);
  assert.equal((await d.request('DELETE', `/api/v1/jobs/${job}/technicians/${tech2.userId}`)).status, 404, 'no longer on it');
  assert.equal((await d.request('DELETE', `/api/v1/jobs/${randomUUID()}/technicians/${tech1.userId}`)).status, 404);
  // others may not
  for (const user of [tech1, customerA]) {
    assert.equal((await (await clientOf(user)).request('DELETE', `/api/v1/jobs/${job}/technicians/${tech1.userId}`)).status, 403);
  }
  // scheduled: tech1 is the last one
  assert.equal((await d.postJson(`/api/v1/jobs/${job}/status`, { status: 'scheduled' })).status, 200);
  const last = await d.request('DELETE', `/api/v1/jobs/${job}/technicians/${tech1.userId}`);
  assert.equal(last.status, 409, last.text);
  assert.equal(last.json().error.code, 'last_technician');
  const refused = await t.db.withPrincipal({ userId: dispatcher.userId }, (tx) => tx`delete from job_assignments where job_id = ${job}`)
    .then(() => 'ok', (e: unknown) => (e instanceof postgres.PostgresError ? e.code : String(e)));
  assert.equal(refused, '55000', 'the database refuses it under the application role');
  // with a second technician the first may go; the page's button does it
  assert.equal((await d.postJson(`/api/v1/jobs/${job}/technicians`, { technicianId: tech2.userId })).status, 200);
  const pageLast = await d.postForm(`/jobs/${job}/technicians/${tech1.userId}/remove`, {});
  assert.equal(pageLast.status, 303, pageLast.text.slice(0, 300));
  const refusedPage = await d.postForm(`/jobs/${job}/technicians/${tech2.userId}/remove`, {});
  assert.equal(refusedPage.status, 409);
  assert.match(refusedPage.text, /keeps at least one technician/);
  const [n] = await t.admin`select count(*)::int as n from audit.events where action = 'job.technician_removed' and entity_id = ${job}`;
  assert.equal(n!.n, 2);
  // two removals at once of the last two: exactly one wins
  const job2 = jobs['A2 yearly check']!; // scheduled, tech2 only
  assert.equal((await d.postJson(`/api/v1/jobs/${job2}/technicians`, { technicianId: tech1.userId })).status, 200);
  const both = await Promise.all([tech1, tech2].map((x) => d.request('DELETE', `/api/v1/jobs/${job2}/technicians/${x.userId}`)));
  assert.deepEqual(both.map((r) => r.status).sort(), [200, 409]);
  const [left] = await t.admin`select count(*)::int as n from kastell.job_assignments where job_id = ${job2}`;
  assert.equal(left!.n, 1);
});

test('the job page names its assets and links them; the remove button is the dispatcher’s', async () => {
  const job = jobs['A1 pump service']!;
  const page = (await d.get(`/jobs/${job}`)).text;
  assert.match(page, new RegExp(`<a href="/assets/${pumpA}">Alpha pump</a>`));
  assert.match(page, /technicians\/[0-9a-f-]{36}\/remove/);
  const customer = (await (await clientOf(customerA)).get(`/jobs/${job}`)).text;
  assert.match(customer, /Alpha pump/);
  assert.doesNotMatch(customer, /\/remove"/);
  const api = (await d.get(`/api/v1/jobs/${job}`)).json();
  assert.deepEqual(api.assets, [{ assetId: pumpA, name: 'Alpha pump' }]);
});
