// Encrypted fields end to end: what people type into a site's address, a
// message, an internal note, a visit's notes, a report's text, measurements
// and refusal comment is stored
// only as `v2:keyId:iv:tag:ct` under the company's data key; a scan of every
// table finds none of it in plain; a ciphertext copied to another row or
// column does not open; the API still shows the text to whom RLS shows it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldAad, openField, openStoredRow } from '../../app/crypto/fields.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedCompany, seedSession, seedUser, type SeededUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);
const A = await seedCompany(t.admin, 'Alpha AG');
const B = await seedCompany(t.admin, 'Beta GmbH');
const customer = await seedUser(t.admin, 'customer_member', A);
const dispatcher = await seedUser(t.admin, 'dispatcher');
const tech = await seedUser(t.admin, 'technician');
const clientOf = async (user: SeededUser) => server.client().withSession(await seedSession(t.admin, user.userId, '30 minutes'));

const secrets = {
  street: 'Geheimweg 4711',
  postal: '8X99Z',
  city: 'Verborgenstadt',
  message: 'Please ring twice, the code is 31337',
  note: 'Customer owes us money, keep it quiet',
  visit: 'Key under the third flower pot',
  work: 'Replaced the valve behind the secret panel',
  measurement: '271828.1828',
  refusal: 'Refused: the hidden leak behind panel 7 is still there',
};

/** Every row of every table in the application's schemas, as text. */
async function wholeDatabase(): Promise<string> {
  const tables = await t.admin<{ schema: string; name: string }[]>`
    select n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and n.nspname in ('kastell', 'audit', 'kastell_meta', 'app')`;
  assert.ok(tables.length > 30, 'the scan reaches the tables');
  const parts: string[] = [];
  for (const { schema, name } of tables) {
    const rows = await t.admin.unsafe(`select x::text as row from ${schema}.${name} x`);
    for (const r of rows) parts.push(r.row as string);
  }
  return parts.join('\n');
}

const ids = {} as { site: string; siteB: string; job: string; report: string };

test('what is typed is stored encrypted, and shown decrypted to whom RLS shows it', async () => {
  const d = await clientOf(dispatcher);
  const site = await d.postJson(`/api/v1/companies/${A}/sites`, { name: 'Alpha plant', street: secrets.street, postalCode: secrets.postal, city: secrets.city, country: 'ch' });
  assert.equal(site.status, 201, site.text);
  ids.site = site.json().siteId;
  ids.siteB = (await d.postJson(`/api/v1/companies/${B}/sites`, { name: 'Beta plant', street: 'Betastrasse 1', country: 'ch' })).json().siteId;
  ids.job = (await d.postJson('/api/v1/jobs', { siteId: ids.site, title: 'Repair pump' })).json().jobId;
  assert.equal((await d.postJson(`/api/v1/jobs/${ids.job}/technicians`, { technicianId: tech.userId })).status, 200);
  assert.equal((await d.postJson(`/api/v1/jobs/${ids.job}/status`, { status: 'scheduled', plannedStart: '2026-12-02T08:00:00Z' })).status, 200);
  const tc = await clientOf(tech);
  assert.equal((await tc.postJson(`/api/v1/jobs/${ids.job}/status`, { status: 'in_progress' })).status, 200);
  const visit = await tc.postJson(`/api/v1/jobs/${ids.job}/visits`, { notes: secrets.visit });
  assert.equal(visit.status, 201, visit.text);
  const c = await clientOf(customer);
  assert.equal((await c.postJson(`/api/v1/jobs/${ids.job}/messages`, { body: secrets.message })).status, 201);
  assert.equal((await d.postJson(`/api/v1/jobs/${ids.job}/messages`, { body: secrets.note, internal: true })).status, 201);
  ids.report = (await tc.postJson(`/api/v1/jobs/${ids.job}/reports`, {})).json().reportId;
  const saved = await tc.request('PUT', `/api/v1/reports/${ids.report}/draft`, { json: { workDone: secrets.work, measurements: [{ quantity: 'Pressure', value: Number(secrets.measurement), unit: 'bar' }] } });
  assert.equal(saved.status, 200, saved.text);
  const shownSha256 = (await tc.postJson(`/api/v1/reports/${ids.report}/freeze`, {})).json().pdfSha256;
  const refused = await tc.postJson(`/api/v1/reports/${ids.report}/refuse-on-site`, { comment: secrets.refusal, shownSha256 });
  assert.equal(refused.status, 200, refused.text);

  // read back through the API: the plain text
  const shown = (await c.get(`/api/v1/sites/${ids.site}`)).json();
  assert.deepEqual([shown.street, shown.postalCode, shown.city], [secrets.street, secrets.postal, secrets.city]);
  assert.deepEqual((await c.get(`/api/v1/jobs/${ids.job}/messages`)).json().messages.map((m: { body: string }) => m.body), [secrets.message]);
  assert.deepEqual((await d.get(`/api/v1/jobs/${ids.job}/messages`)).json().messages.map((m: { body: string }) => m.body), [secrets.message, secrets.note]);
  assert.deepEqual((await tc.get(`/api/v1/jobs/${ids.job}/visits`)).json().map((v: { notes: string }) => v.notes), [secrets.visit]);
  const report = (await tc.get(`/api/v1/reports/${ids.report}`)).json();
  assert.equal(report.workDone, secrets.work);
  assert.deepEqual(report.measurements, [{ quantity: 'Pressure', value: Number(secrets.measurement), unit: 'bar' }]);
  assert.equal(report.refusalComment, secrets.refusal);
  // the job names the refusal, without a plain copy of its words (sql/0025)
  assert.equal((await tc.get(`/api/v1/jobs/${ids.job}`)).json().statusReason, 'service report refused');
  assert.match((await c.get(`/sites/${ids.site}`)).text, new RegExp(secrets.city), 'the page shows it too');
  const revised = await d.request('PATCH', `/api/v1/sites/${ids.site}`, { json: { city: `${secrets.city} Nord` } });
  assert.equal(revised.json().city, `${secrets.city} Nord`);
  assert.equal(revised.json().street, secrets.street, 'untouched fields stay');
});

test('no table holds any of it in plain; each value is v2 under its company key', async () => {
  const everything = await wholeDatabase();
  for (const [what, secret] of Object.entries(secrets)) assert.ok(!everything.includes(secret), `${what} is in the database in plain`);
  const [site] = await t.admin`select street, postal_code, city from kastell.sites where site_id = ${ids.site}`;
  const [siteB] = await t.admin`select street from kastell.sites where site_id = ${ids.siteB}`;
  const [report] = await t.admin`select refusal_comment from kastell.service_reports where report_id = ${ids.report}`;
  const [measured] = await t.admin`select value from kastell.report_measurements where report_id = ${ids.report}`;
  for (const value of [site!.street, site!.postal_code, site!.city, siteB!.street, report!.refusal_comment, measured!.value]) assert.match(value, /^v2:k[A-Za-z0-9]+:[^:]+:[^:]+:[^:]+$/);
  assert.notEqual(site!.street.split(':')[1], siteB!.street.split(':')[1], 'two companies, two keys');
  // TOTP secrets (seeded under the old installation key) open, and new ones are sealed under the operator key: see identity tests
});

// asvs: V11.3.3
test('a ciphertext copied to another row or another column does not open', async () => {
  const [a] = await t.admin`select site_id, street, city from kastell.sites where site_id = ${ids.site}`;
  const [b] = await t.admin`select site_id from kastell.sites where site_id = ${ids.siteB}`;
  assert.equal(openField('sites', 'street', a!.site_id, a!.street), secrets.street);
  assert.throws(() => openField('sites', 'street', b!.site_id, a!.street), /unable to authenticate|Unsupported state/, 'another row');
  assert.throws(() => openField('sites', 'city', a!.site_id, a!.street), /unable to authenticate|Unsupported state/, 'another column');
  assert.throws(() => openField('job_messages', 'body', a!.site_id, a!.street), /unable to authenticate|Unsupported state/, 'another table');
  assert.notEqual(fieldAad('sites', 'street', a!.site_id), fieldAad('sites', 'city', a!.site_id));

  // moved in the database: the API refuses to show it rather than showing the wrong row's text
  const [m] = await t.admin`select message_id, body from kastell.job_messages where internal order by created_at limit 1`;
  await t.admin`update kastell.sites set city = ${m!.body} where site_id = ${ids.site}`;
  const c = await clientOf(customer);
  const tampered = await c.get(`/api/v1/sites/${ids.site}`);
  assert.equal(tampered.status, 500);
  assert.ok(!tampered.text.includes(secrets.note));
  await t.admin`update kastell.sites set city = ${a!.city} where site_id = ${ids.site}`;
  assert.equal((await c.get(`/api/v1/sites/${ids.site}`)).status, 200);
});

test('a row read whole (exports) has its encrypted columns opened', async () => {
  const [row] = await t.admin`select to_jsonb(s) as row from kastell.sites s where site_id = ${ids.site}`;
  const stored = row!.row as Record<string, unknown>;
  assert.match(String(stored.street), /^v2:/);
  const opened = openStoredRow('sites', stored);
  assert.deepEqual([opened.street, opened.postal_code, opened.name], [secrets.street, secrets.postal, 'Alpha plant']);
  assert.equal(openStoredRow('users', stored), stored, 'a table without encrypted columns is left as it is');
});
