// The whole life of a service job in a real browser at phone size: a customer
// raises a request; a dispatcher makes a job of it, assigns a technician and
// schedules it; the technician checks in, starts, writes the report with a
// measurement (saved as typed), freezes it; the customer signs on the
// technician's phone (drawn signature); the customer downloads the sealed
// PDF, whose seal verifies. A second customer company sees none of it at any
// step, and no page breaks the CSP.
import assert from 'node:assert/strict';
import { openField } from '../../app/crypto/fields.ts';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { Browser } from 'playwright-core';
import { checkSeal, certificateDer } from '../../app/reports/seal.ts';
import { launchBrowser, phoneSignedIn } from '../harness/browser.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedAsset, seedCompany, seedSession, seedSite, seedUser, type SeededUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);
const browser: Browser = await launchBrowser();
const A = await seedCompany(t.admin, 'Alpha AG');
const B = await seedCompany(t.admin, 'Beta GmbH');
const siteA = await seedSite(t.admin, A, 'Werk Thun');
await seedAsset(t.admin, A, siteA, 'Heat pump 3');
await seedSite(t.admin, B, 'Beta plant');
const customer = await seedUser(t.admin, 'customer_member', A);
const dispatcher = await seedUser(t.admin, 'dispatcher');
const tech = await seedUser(t.admin, 'technician');
const otherCompany = await seedUser(t.admin, 'customer_admin', B);

const violations: string[] = [];

const phoneOf = async (user: SeededUser) => phoneSignedIn(browser, await seedSession(t.admin, user.userId, '30 minutes'), violations);

/** What the other company's user gets for each path: never the job's content. */
async function otherCompanySeesNothing(paths: string[], secret: string): Promise<void> {
  const { context, page } = await phoneOf(otherCompany);
  for (const path of paths) {
    const response = await context.request.get(server.url + path, { maxRedirects: 0 });
    assert.equal(response.status(), 404, `${path} for another company`);
  }
  for (const list of ['/requests', '/jobs']) {
    await page.goto(server.url + list);
    assert.doesNotMatch(await page.textContent('main') ?? '', new RegExp(secret), `${list} lists nothing of Alpha's`);
  }
  await context.close();
}

test('request → job → visit → report → on-site signature → sealed PDF, at phone size', async () => {
  const title = 'Heat pump loses pressure';

  // the customer raises a request
  const c = await phoneOf(customer);
  await c.page.goto(`${server.url}/requests`);
  const requestForm = c.page.locator('form[action="/requests"]');
  await requestForm.getByLabel('Title').fill(title);
  await requestForm.getByLabel('What is wrong?').fill('Pressure drops below 1 bar every night.');
  await requestForm.getByRole('button', { name: 'Send request' }).click();
  await c.page.waitForURL(/\/requests\/[0-9a-f-]{36}$/);
  const requestPath = new URL(c.page.url()).pathname;
  await otherCompanySeesNothing([requestPath, `/api/v1${requestPath}`], title);

  // the dispatcher makes a job of it, assigns the technician and schedules it
  const d = await phoneOf(dispatcher);
  await d.page.goto(server.url + requestPath);
  await d.page.locator('form[action="/jobs"]').getByRole('button', { name: 'Create job' }).click();
  await d.page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
  const jobPath = new URL(d.page.url()).pathname;
  await d.page.getByLabel('Choose a technician').selectOption({ label: 'Test technician' });
  await d.page.getByRole('button', { name: 'Assign' }).click();
  await d.page.waitForURL(server.url + jobPath);
  const statusForm = d.page.locator(`form[action="${jobPath}/status"]`);
  await statusForm.getByLabel('New status').selectOption('scheduled');
  await statusForm.getByLabel('Planned start').fill('2026-12-02T08:00');
  await statusForm.getByRole('button', { name: 'Apply' }).click();
  await d.page.waitForURL(server.url + jobPath);
  assert.match(await d.page.textContent('main') ?? '', /Scheduled|scheduled/);
  await otherCompanySeesNothing([jobPath, `/api/v1${jobPath}`, `${jobPath}/report`], title);

  // the technician, on their phone: the job is in their list; check in, start, write the report
  const tc = await phoneOf(tech);
  await tc.page.goto(`${server.url}/jobs`);
  await tc.page.getByRole('link', { name: title }).click();
  await tc.page.waitForURL(server.url + jobPath);
  await tc.page.getByRole('button', { name: 'Check in' }).click();
  await tc.page.waitForURL(server.url + jobPath);
  const techStatus = tc.page.locator(`form[action="${jobPath}/status"]`);
  await techStatus.getByLabel('New status').selectOption('in_progress');
  await techStatus.getByRole('button', { name: 'Apply' }).click();
  await tc.page.waitForURL(server.url + jobPath);
  await tc.page.getByRole('link', { name: 'Service report' }).click();
  await tc.page.getByRole('button', { name: 'Start the report' }).click();
  await tc.page.waitForURL(`${server.url}${jobPath}/report`);
  await tc.page.getByLabel('Work done').fill('Refilled the circuit, replaced the expansion valve.');
  const firstRow = tc.page.locator('#measurements tbody tr').first();
  await firstRow.getByLabel('Measured').fill('Pressure');
  await firstRow.getByLabel('Value').fill('1,8');
  await firstRow.getByLabel('Unit').fill('bar');
  // saved as typed: the status line says so, and the server has it before any button is pressed
  await tc.page.getByText('Saved on the server.').waitFor();
  const [draft] = await t.admin`select report_id, work_done from kastell.service_reports order by created_at desc limit 1`;
  assert.doesNotMatch(draft!.work_done, /expansion valve/, 'stored encrypted');
  assert.match(openField('service_reports', 'work_done', draft!.report_id, draft!.work_done), /expansion valve/);
  await tc.page.getByRole('button', { name: 'Freeze and ask for sign-off' }).click();
  await tc.page.waitForURL(`${server.url}${jobPath}/report`);
  assert.match(await tc.page.textContent('main') ?? '', /awaiting sign-off/);

  // the customer signs on the technician's phone
  await tc.page.getByRole('link', { name: 'Customer signs on this device' }).click();
  await tc.page.getByLabel('Name of the person signing').fill('Clara Customer');
  const canvas = tc.page.locator('#signature-canvas');
  const box = (await canvas.boundingBox())!;
  await tc.page.mouse.move(box.x + 20, box.y + box.height * 0.7);
  await tc.page.mouse.down();
  for (let i = 1; i <= 12; i++) await tc.page.mouse.move(box.x + 20 + i * (box.width - 40) / 12, box.y + box.height * (0.7 - 0.4 * Math.sin(i / 2)));
  await tc.page.mouse.up();
  await tc.page.getByRole('button', { name: 'Sign off' }).click();
  await tc.page.waitForURL(`${server.url}${jobPath}/report`);
  assert.match(await tc.page.textContent('main') ?? '', /Signed by Clara Customer/);
  const reportId = /\/reports\/([0-9a-f-]{36})\/signed\.pdf/.exec(await tc.page.content())![1]!;
  await otherCompanySeesNothing([`/reports/${reportId}/pdf`, `/reports/${reportId}/signed.pdf`, `/api/v1/reports/${reportId}`, `/reports/${reportId}/sign`], title);

  // the customer downloads the sealed PDF from the report page
  await c.page.goto(`${server.url}${jobPath}/report`);
  const downloading = c.page.waitForEvent('download');
  await c.page.getByRole('link', { name: 'Signed PDF (sealed)' }).first().click();
  const file = await downloading;
  const stream = await file.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const sealed = Buffer.concat(chunks);
  assert.match(sealed.subarray(0, 8).toString('latin1'), /^%PDF-/);
  const certificate = certificateDer(await (await c.context.request.get(`${server.url}/report-seal.pem`)).text());
  assert.equal((await checkSeal(sealed, certificate)).ok, true, 'the downloaded PDF carries a valid seal');
  const [event] = await t.admin`select detail from audit.events where action = 'report.signed' and entity_id = ${reportId}`;
  assert.equal(event!.detail.sealedSha256, createHash('sha256').update(sealed).digest('hex'));
  assert.equal(event!.detail.how, 'on_site');
  // the job is signed, with its whole history visible to the customer
  await c.page.goto(server.url + jobPath);
  assert.match(await c.page.textContent('main') ?? '', /[Ss]igned/);

  for (const context of [c.context, d.context, tc.context]) await context.close();
  assert.deepEqual(violations, [], 'no CSP violation on any page');
});
