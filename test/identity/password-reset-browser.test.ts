// The whole password reset in Debian's chromium: "Forgot your password?" on
// the sign-in page → the mail from the harness's SMTP server → a new
// password → sign-in still asks for the TOTP code → in. The link is refused
// the second time and after 30 minutes (time moved in the database); the
// browser that was signed in before is signed out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../harness/browser.ts';
import { createTestDatabase } from '../harness/database.ts';
import { freePort } from '../harness/postgres.ts';
import { seedSession, seedTotp, seedUser, totpCode } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';
import { linkIn, startSmtp } from './helpers.ts';

const t = await createTestDatabase();
const smtp = await startSmtp();
const port = await freePort();
const origin = `http://localhost:${port}`;
const server = await startTestServer(t, { KASTELL_HTTP_PORT: String(port), KASTELL_PUBLIC_URL: origin,
  KASTELL_SMTP_URL: smtp.url, KASTELL_MAIL_FROM: 'Kastell <kastell@example.test>' });
void server;
const browser = await launchBrowser();
const newPassword = 'seven swans over a frozen lake';

function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => { if (/Content Security Policy|Refused to/.test(message.text())) violations.push(message.text()); });
  return violations;
}

async function askForLink(page: Page, email: string): Promise<string> {
  const before = smtp.mails.length;
  await page.goto(`${origin}/sign-in`);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.waitForURL(`${origin}/forgot-password`);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  assert.match(await page.textContent('[role=status]') ?? '', /If an account with this address exists/);
  const mail = await smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.to.includes(email) && m.raw.includes('/reset-password/'));
  return linkIn(mail.raw, '/reset-password');
}

// asvs: V6.4.3
test('forgot password → e-mailed link → new password → the TOTP step is still asked → in; the link refused the second time and after 30 minutes', async () => {
  const user = await seedUser(t.admin, 'technician');
  await seedTotp(t.admin, user.userId);

  // a browser signed in before the reset
  const before = await browser.newContext();
  await before.addCookies([{ name: '__Host-kastell-session', value: await seedSession(t.admin, user.userId, '12 hours'), domain: 'localhost', path: '/', secure: true, httpOnly: true, sameSite: 'Lax' }]);
  const beforePage = await before.newPage();
  await beforePage.goto(`${origin}/security/sessions`);
  assert.equal(new URL(beforePage.url()).pathname, '/security/sessions');

  const context = await browser.newContext();
  const page = await context.newPage();
  const violations = watchCsp(page);
  const link = await askForLink(page, user.email);
  assert.ok(link.startsWith(`${origin}/reset-password/`));

  await page.goto(link);
  assert.equal(await page.locator('#reset-email').inputValue(), user.email);
  await page.getByLabel('New password').fill(newPassword);
  await page.getByRole('button', { name: 'Change my password' }).click();
  assert.match(await page.textContent('[role=status]') ?? '', /Your password is changed/);
  await smtp.waitFor((m) => m.to.includes(user.email) && /password was changed/.test(m.raw));

  // the new password alone is not enough: the second factor is still asked
  await page.locator('main').getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('E-mail address').fill(user.email);
  await page.getByLabel('Password').fill(newPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${origin}/sign-in/factor`);
  await page.goto(`${origin}/companies`);
  assert.equal(new URL(page.url()).pathname, '/sign-in', 'no session before the second factor');
  await page.goto(`${origin}/sign-in/factor`);
  await page.getByLabel('Code').fill(await totpCode());
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${origin}/`);
  assert.match(await page.textContent('main') ?? '', /Test technician/);

  // the browser from before was signed out by the reset
  await beforePage.goto(`${origin}/security/sessions`);
  assert.equal(new URL(beforePage.url()).pathname, '/sign-in');

  // the same link a second time
  await page.goto(link);
  assert.match(await page.textContent('[role=alert]') ?? '', /invalid, used, replaced by a newer one or expired/);

  // a fresh link, 30 minutes later
  const anonymous = await browser.newContext();
  const other = await anonymous.newPage();
  const late = await askForLink(other, user.email);
  await t.admin`update kastell.password_reset_tokens set expires_at = expires_at - interval '30 minutes', created_at = created_at - interval '30 minutes'
    where user_id = ${user.userId} and used_at is null and voided_at is null`;
  const response = await other.goto(late);
  assert.equal(response?.status(), 410);
  assert.match(await other.textContent('[role=alert]') ?? '', /expired/);
  assert.deepEqual(violations, []);
  await Promise.all([context.close(), before.close(), anonymous.close()]);
});
