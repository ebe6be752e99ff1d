// Identity in Debian's chromium: TOTP enrolment and sign-in, a passkey
// registered and used through Chromium's virtual authenticator (CDP
// WebAuthn domain), a lockout that a passkey sign-in still gets through,
// a backup code used once, and a session ended from "my sessions".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { generate } from 'otplib';
import { launchBrowser } from '../harness/browser.ts';
import { createTestDatabase } from '../harness/database.ts';
import { forgetTotpStep, seedTotp, seedUser, totpCode } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';
import { freePort } from '../harness/postgres.ts';

const t = await createTestDatabase();
// WebAuthn needs a domain as relying-party id (not an IP): the browser uses http://localhost
const port = await freePort();
const origin = `http://localhost:${port}`;
const server = await startTestServer(t, { KASTELL_HTTP_PORT: String(port), KASTELL_PUBLIC_URL: origin, KASTELL_IP_LOCKOUT_SCALE: '100' });
const browser = await launchBrowser();

function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/.test(message.text())) violations.push(message.text());
  });
  return violations;
}

async function passwordStep(page: Page, email: string, password: string) {
  await page.goto(`${origin}/sign-in`);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function addVirtualAuthenticator(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  return { cdp, authenticatorId };
}

test('TOTP: enrol in the browser, sign out, sign in again with a code', async () => {
  const user = await seedUser(t.admin, 'dispatcher');
  const context = await browser.newContext();
  const page = await context.newPage();
  const violations = watchCsp(page);
  await passwordStep(page, user.email, user.password);
  await page.waitForURL(`${origin}/sign-in/enrol`);
  assert.ok(await page.locator('img[src^="data:image/svg+xml"]').isVisible(), 'QR code shown');
  const secret = (await page.locator('[data-totp-secret]').getAttribute('data-totp-secret'))!;
  await page.getByLabel('6-digit code').fill(await generate({ secret }));
  await page.getByRole('button', { name: 'Confirm' }).click();
  assert.equal(await page.locator('.backup-codes li').count(), 10);
  await page.getByRole('link', { name: /stored them/ }).click();
  await page.waitForURL(`${origin}/`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${origin}/sign-in`);

  await passwordStep(page, user.email, user.password);
  await page.waitForURL(`${origin}/sign-in/factor`);
  await page.getByLabel('Code').fill(await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${origin}/`);
  assert.match(await page.textContent('main') ?? '', /Test dispatcher/);
  assert.deepEqual(violations, []);
  await context.close();
});

test('passkey: registered on "my security" and then used to sign in without a password; lockout does not block it', async () => {
  const user = await seedUser(t.admin, 'technician');
  await seedTotp(t.admin, user.userId);
  const context = await browser.newContext();
  const page = await context.newPage();
  const violations = watchCsp(page);
  await addVirtualAuthenticator(context, page);

  await passwordStep(page, user.email, user.password);
  await page.waitForURL(`${origin}/sign-in/factor`);
  await forgetTotpStep(t.admin, user.userId);
  await page.getByLabel('Code').fill(await totpCode());
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${origin}/`);

  await page.goto(`${origin}/security`);
  await page.getByLabel('Name of the new passkey').fill('Test laptop');
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await page.waitForURL(`${origin}/security?passkey=added`);
  assert.match(await page.textContent('main') ?? '', /Test laptop/);
  const [stored] = await t.admin`select passkey_id, credential_id, public_key from kastell.passkeys where user_id = ${user.userId}`;
  assert.ok(stored && stored.public_key.length > 32);
  const [added] = await t.admin`select count(*)::int as n from audit.events where action = 'auth.passkey.added' and entity_id = ${stored.passkey_id}`;
  assert.equal(added!.n, 1, 'the registration is audited');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${origin}/sign-in`);

  // an attacker locks the account with wrong passwords
  const attacker = server.client();
  const attempt = (password: string) => attacker.request('POST', '/api/v1/auth/sign-in', { json: { email: user.email, password }, origin });
  for (let i = 0; i < 5; i++) assert.equal((await attempt(`wrong guess ${i} x`)).status, 401);
  assert.equal((await attempt(user.password)).status, 429);

  // the real user: passkey, no password, in despite the lock
  await page.goto(`${origin}/sign-in`);
  await page.getByRole('button', { name: 'Use a passkey' }).click();
  await page.waitForURL(`${origin}/`);
  assert.match(await page.textContent('main') ?? '', /Test technician/);
  const [session] = await t.admin`select auth_method from kastell.sessions where user_id = ${user.userId} and ended_at is null order by created_at desc limit 1`;
  assert.equal(session!.auth_method, 'passkey');
  const [audited] = await t.admin`select count(*)::int as n from audit.events
    where action = 'auth.signin.succeeded' and entity_id = ${user.userId} and detail->>'method' = 'passkey'`;
  assert.equal(audited!.n, 1, 'the passkey sign-in is audited');
  assert.deepEqual(violations, []);
  await context.close();
});

test('a backup code signs in once and is refused the second time', async () => {
  const user = await seedUser(t.admin, 'support');
  const context = await browser.newContext();
  const page = await context.newPage();
  await passwordStep(page, user.email, user.password);
  await page.waitForURL(`${origin}/sign-in/enrol`);
  const secret = (await page.locator('[data-totp-secret]').getAttribute('data-totp-secret'))!;
  await page.getByLabel('6-digit code').fill(await generate({ secret }));
  await page.getByRole('button', { name: 'Confirm' }).click();
  const code = (await page.locator('.backup-codes li code').nth(3).textContent())!;
  await page.getByRole('link', { name: /stored them/ }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();

  await passwordStep(page, user.email, user.password);
  await page.waitForURL(`${origin}/sign-in/factor`);
  await page.getByLabel('Code').fill(code);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${origin}/`);
  await page.getByRole('button', { name: 'Sign out' }).click();

  await passwordStep(page, user.email, user.password);
  await page.waitForURL(`${origin}/sign-in/factor`);
  await page.getByLabel('Code').fill(code);
  await page.getByRole('button', { name: 'Continue' }).click();
  assert.match(await page.textContent('[role=alert]') ?? '', /not correct or has been used already/);
  assert.equal(new URL(page.url()).pathname, '/sign-in/factor');
  await context.close();
});

test('ending another session from "my sessions": that browser is refused on its next request', async () => {
  const user = await seedUser(t.admin, 'technician');
  await seedTotp(t.admin, user.userId);
  const signIn = async (offset: number) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await passwordStep(page, user.email, user.password);
    await page.waitForURL(`${origin}/sign-in/factor`);
    await forgetTotpStep(t.admin, user.userId);
    await page.getByLabel('Code').fill(await totpCode(undefined, offset));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${origin}/`);
    return { context, page };
  };
  const laptop = await signIn(0);
  const phone = await signIn(0);
  await laptop.page.goto(`${origin}/security/sessions`);
  assert.equal(await laptop.page.locator('tbody tr').count(), 2);
  const other = laptop.page.locator('tbody tr').filter({ hasNotText: 'this session' });
  await other.getByRole('button', { name: /^End/ }).click();
  await laptop.page.waitForURL(`${origin}/security/sessions`);
  assert.equal(await laptop.page.locator('tbody tr').count(), 1);
  await phone.page.goto(`${origin}/companies`);
  assert.equal(new URL(phone.page.url()).pathname, '/sign-in');
  await laptop.page.goto(`${origin}/`);
  assert.equal(new URL(laptop.page.url()).pathname, '/');
  await laptop.context.close();
  await phone.context.close();
});
