// The first portal slice in a real browser: set-up, companies, sites,
// assets, an invitation accepted by a customer who then sees only their
// own company — on a phone-sized screen, in German too, with no CSP breach.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { createTestDatabase } from '../harness/database.ts';
import { seedCompany, totpCode } from '../harness/seed.ts';
import { launchBrowser } from '../harness/browser.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);
const browser = await launchBrowser();
const betaId = await seedCompany(t.admin, 'Beta GmbH');
/** the owner's TOTP secret, enrolled at set-up */
let ownerSecret = '';

function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/.test(message.text())) violations.push(message.text());
  });
  return violations;
}

test('owner sets up, creates company/site/asset, invites a customer who sees only their company', async () => {
  const owner = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
  const page = await owner.newPage();
  const violations = watchCsp(page);

  await page.goto(server.setupLink!);
  await page.getByLabel('Organisation name').fill('Muster Service AG');
  await page.getByLabel('Your name').fill('Olivia Owner');
  await page.getByLabel('E-mail address').fill('owner@example.test');
  await page.getByLabel('Password').fill('a long and memorable passphrase');
  await page.getByRole('button', { name: 'Create owner account' }).click();
  // TOTP is mandatory for operator roles: set-up ends in enrolling it, and no
  // request with the owner's permissions works before.
  await page.waitForURL(`${server.url}/sign-in/enrol`);
  assert.equal((await owner.request.get(`${server.url}/api/v1/me`)).status(), 401);
  assert.equal((await owner.request.get(`${server.url}/companies`, { maxRedirects: 0 })).status(), 303);
  assert.equal((await t.admin`select count(*)::int as n from kastell.sessions`)[0]!.n, 0);
  ownerSecret = (await page.locator('[data-totp-secret]').getAttribute('data-totp-secret'))!;
  await page.getByLabel('6-digit code').fill(await totpCode(ownerSecret));
  await page.getByRole('button', { name: 'Confirm' }).click();
  assert.equal(await page.locator('.backup-codes li').count(), 10);
  await page.getByRole('link', { name: /stored them/ }).click();
  await page.waitForURL(`${server.url}/`);
  assert.match(await page.textContent('main') ?? '', /Olivia Owner/);

  await page.getByRole('link', { name: 'Companies' }).first().click();
  await page.getByLabel('Name').fill('Alpha AG');
  await page.getByRole('button', { name: 'Create company' }).click();
  await page.waitForURL(/\/companies\/[0-9a-f-]{36}$/);
  assert.equal(await page.locator('h1').textContent(), 'Alpha AG');

  await page.getByLabel('Site name').fill('Werk Thun');
  await page.getByLabel('City').fill('Thun');
  await page.getByLabel('Country (2 letters)').fill('ch');
  await page.getByRole('button', { name: 'Add site' }).click();
  await page.waitForURL(/\/sites\/[0-9a-f-]{36}$/);
  const siteUrl = page.url();
  await page.getByLabel('Asset name').fill('Heat pump 3');
  await page.getByLabel('Serial number').fill('HP-2024-0042');
  await page.getByRole('button', { name: 'Add asset' }).click();
  await page.waitForURL(/\/sites\/[0-9a-f-]{36}$/);
  assert.match(await page.textContent('table') ?? '', /Heat pump 3.*HP-2024-0042/s);

  // Bad input: a clear message on the same form, nothing written.
  await page.getByLabel('Asset name').fill('   ');
  await page.getByRole('button', { name: 'Add asset' }).click();
  // the form's own label names the field (not another form's "Name")
  assert.match(await page.textContent('[role=alert]') ?? '', /Asset name: enter a name/);

  // Edit the site: a blanked optional field is cleared.
  await page.goto(siteUrl);
  await page.locator('form[action^="/sites/"]:not([action$="/assets"])').getByLabel('City').fill('');
  await page.locator('form[action^="/sites/"]:not([action$="/assets"])').getByLabel('Site name').fill('Werk Thun Nord');
  await page.getByRole('button', { name: 'Save' }).click();
  assert.equal(await page.locator('h1').textContent(), 'Werk Thun Nord');
  const [site] = await t.admin`select city, country from kastell.sites where name = 'Werk Thun Nord'`;
  assert.deepEqual({ ...site }, { city: null, country: 'CH' });

  // An asset page: edit, then delete it (a POST, never a GET).
  await page.getByRole('link', { name: 'Heat pump 3' }).click();
  await page.getByLabel('Kind').fill('Heat pump');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(/\/assets\/[0-9a-f-]{36}$/);
  assert.match(await page.textContent('main') ?? '', /Heat pump · HP-2024-0042/);
  await page.getByLabel('Asset name').fill('Heat pump 4');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.waitForURL(/\/sites\/[0-9a-f-]{36}$/);
  assert.equal((await t.admin`select count(*)::int as n from kastell.assets`)[0]!.n, 0);
  await page.getByLabel('Asset name').fill('Heat pump 3');
  await page.getByLabel('Serial number').fill('HP-2024-0042');
  await page.getByRole('button', { name: 'Add asset' }).click();

  // Phone: nothing wider than the screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than a phone screen`);

  await page.goto(`${server.url}/invites`);
  await page.getByLabel('E-mail address').fill('carla@alpha.example');
  await page.getByLabel('Role').selectOption({ label: 'Customer member' });
  await page.getByLabel('Company').selectOption({ label: 'Alpha AG' });
  await page.getByRole('button', { name: 'Create invitation' }).click();
  const link = (await page.locator('#invite-link').textContent())!;
  assert.match(link, /\/invites\/accept\/[A-Za-z0-9_-]{43}$/);

  const customer = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const customerPage = await customer.newPage();
  const customerViolations = watchCsp(customerPage);
  await customerPage.goto(link);
  await customerPage.getByLabel('Your name').fill('Carla Customer');
  await customerPage.getByLabel('Password').fill('carla has a long passphrase');
  await customerPage.getByRole('button', { name: 'Create my account' }).click();
  // customers need a second factor by default: accepting leads to its enrolment, as a first sign-in does
  await customerPage.waitForURL(`${server.url}/sign-in/enrol`);
  const customerSecret = (await customerPage.locator('[data-totp-secret]').getAttribute('data-totp-secret'))!;
  await customerPage.getByLabel('6-digit code').fill(await totpCode(customerSecret));
  await customerPage.getByRole('button', { name: 'Confirm' }).click();
  await customerPage.getByRole('link', { name: /stored them/ }).click();
  await customerPage.waitForURL(`${server.url}/`);
  await customerPage.goto(`${server.url}/companies`);
  const listing = await customerPage.textContent('main') ?? '';
  assert.match(listing, /Alpha AG/);
  assert.doesNotMatch(listing, /Beta/);
  const beta = await customerPage.goto(`${server.url}/companies/${betaId}`);
  assert.equal(beta!.status(), 404);
  assert.doesNotMatch(await customerPage.content(), /Beta GmbH/);
  await customerPage.getByRole('link', { name: 'Companies' }).first().click();
  await customerPage.getByRole('link', { name: 'Alpha AG' }).click();
  assert.equal(await customerPage.getByRole('button', { name: 'Add site' }).count(), 0, 'a member cannot add sites');

  // The invitation link is single-use.
  const reuse = await customerPage.goto(link);
  assert.equal(reuse!.status(), 404);

  // Language switch to German.
  await customerPage.goto(`${server.url}/companies`);
  await customerPage.getByLabel('Language').selectOption('de');
  await customerPage.getByRole('button', { name: 'OK' }).click();
  await customerPage.waitForURL(`${server.url}/companies`);
  assert.equal(await customerPage.locator('h1').textContent(), 'Kundenfirmen');
  assert.equal(await customerPage.getAttribute('html', 'lang'), 'de');

  // Sign out, and the old session is gone.
  await customerPage.getByRole('button', { name: 'Abmelden' }).click();
  await customerPage.waitForURL(`${server.url}/sign-in`);
  await customerPage.goto(`${server.url}/companies`);
  assert.equal(new URL(customerPage.url()).pathname, '/sign-in');

  assert.deepEqual([...violations, ...customerViolations], []);
  await owner.close();
  await customer.close();
});

test('sign-in page: wrong password gives a generic message; right one signs in', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/sign-in`);
  await page.getByLabel('E-mail address').fill('owner@example.test');
  await page.getByLabel('Password').fill('not the right passphrase');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.match(await page.textContent('[role=alert]') ?? '', /e-mail address or password is not correct/);
  await page.getByLabel('Password').fill('a long and memorable passphrase');
  await page.getByRole('button', { name: 'Sign in' }).click();
  // the factor enrolled at set-up is asked for (the next step: the enrolment's code is spent)
  await page.waitForURL(`${server.url}/sign-in/factor`);
  await page.getByLabel('Code').fill(await totpCode(ownerSecret, 1));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${server.url}/`);
  await context.close();
});
