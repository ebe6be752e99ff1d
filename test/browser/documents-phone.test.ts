// Documents in a real browser at phone size: a customer uploads a photo
// (JPEG with GPS EXIF, as a phone camera sends it) and a PDF from the
// company's documents page, waits until each is ready (clean), and downloads
// both — the photo without its metadata, the PDF a PDF; the other company
// gets 404 for both; no page breaks the CSP.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, phoneSignedIn } from '../harness/browser.ts';
import { startClamd } from '../harness/clamd.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedCompany, seedSession, seedUser, type SeededUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';
import { makeJpegWithGps, makePdf } from '../documents/support.ts';

const clamd = await startClamd();
const t = await createTestDatabase();
const server = await startTestServer(t, { KASTELL_CLAMD_SOCKET: clamd.socket });
const browser: Browser = await launchBrowser();
const A = await seedCompany(t.admin, 'Alpha AG');
const B = await seedCompany(t.admin, 'Beta GmbH');
const customer = await seedUser(t.admin, 'customer_member', A);
const otherCompany = await seedUser(t.admin, 'customer_admin', B);
const violations: string[] = [];

const phoneOf = async (user: SeededUser) => phoneSignedIn(browser, await seedSession(t.admin, user.userId, '30 minutes'), violations);

/** Uploads from the company's documents page, then reloads the document page until its version is ready; returns the document path. */
async function uploadAndWait(page: Page, title: string, kind: string, file: { name: string; mimeType: string; buffer: Buffer }): Promise<string> {
  await page.goto(`${server.url}/companies/${A}/documents`);
  const form = page.locator(`form[action="/companies/${A}/documents"]`);
  await form.getByLabel('Title').fill(title);
  await form.getByLabel('Kind').selectOption(kind);
  await form.getByLabel(/^File/).setInputFiles(file);
  assert.match(await form.getByLabel(/^File/).getAttribute('accept') ?? '', /image\/jpeg/, 'the field asks a phone for JPEG');
  await form.getByRole('button', { name: 'Upload' }).click();
  await page.waitForURL(/\/documents\/[0-9a-f-]{36}$/);
  const path = new URL(page.url()).pathname;
  for (let attempt = 0; ; attempt++) {
    if ((await page.locator('main li strong').first().textContent()) === 'ready') break;
    assert.ok(attempt < 60, `${title} became ready`);
    await page.waitForTimeout(500);
    await page.reload();
  }
  const box = await page.locator('main').boundingBox();
  assert.ok(box && box.width <= 390, 'the page fits the phone (390 px)');
  return path;
}

test('a customer uploads a photo and a PDF at phone size, waits until they are ready, and downloads both', async () => {
  const { context, page } = await phoneOf(customer);
  const photo = await uploadAndWait(page, 'Pump photo', 'photo', { name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: await makeJpegWithGps() });
  const pdf = await uploadAndWait(page, 'Service contract', 'contract', { name: 'contract.pdf', mimeType: 'application/pdf', buffer: makePdf() });

  await page.goto(server.url + photo);
  const [photoDownload] = await Promise.all([page.waitForEvent('download'), page.locator('main p a', { hasText: 'Download' }).first().click()]);
  assert.equal(photoDownload.suggestedFilename(), 'IMG_0001.jpg');
  const photoBytes = await readFile((await photoDownload.path())!);
  const meta = await sharp(photoBytes).metadata();
  assert.equal(meta.format, 'jpeg');
  assert.equal(meta.exif, undefined, 'no EXIF (GPS) in what comes back');

  await page.goto(server.url + pdf);
  const [pdfDownload] = await Promise.all([page.waitForEvent('download'), page.locator('main p a', { hasText: 'Download' }).first().click()]);
  assert.equal(pdfDownload.suggestedFilename(), 'contract.pdf');
  const pdfBytes = await readFile((await pdfDownload.path())!);
  assert.equal(pdfBytes.subarray(0, 5).toString(), '%PDF-');
  await context.close();

  const reads = await t.admin`select count(*)::int as n from audit.events where action = 'document.read' and actor_id = ${customer.userId}`;
  assert.equal(reads[0]!.n, 2, 'both downloads audited');

  const other = await phoneOf(otherCompany);
  for (const path of [photo, `${photo}/download`, pdf, `${pdf}/download`]) {
    assert.equal((await other.context.request.get(server.url + path, { maxRedirects: 0 })).status(), 404, `${path} for another company`);
  }
  await other.context.close();
  assert.deepEqual(violations, [], 'no CSP violation');
});
