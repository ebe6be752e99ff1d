// The bot challenge in Debian's chromium: past the failure threshold the
// sign-in page answers 428 with the challenge; our script
// (/assets/bot-challenge.js) solves it in the page with Web Crypto, the
// status line says so, and sign-in proceeds to the second factor. Only our
// origin is ever asked (no third party), the CSP refuses nothing, and the
// button works from the keyboard.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launchBrowser } from '../harness/browser.ts';
import { createTestDatabase } from '../harness/database.ts';
import { freePort } from '../harness/postgres.ts';
import { seedTotp, seedUser, totpCode } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const port = await freePort();
const origin = `http://localhost:${port}`;
await startTestServer(t, { KASTELL_HTTP_PORT: String(port), KASTELL_PUBLIC_URL: origin, KASTELL_IP_LOCKOUT_SCALE: '100',
  KASTELL_CHALLENGE_AFTER_FAILURES: '3', KASTELL_CHALLENGE_MAX_NUMBER: '20000' });
const browser = await launchBrowser();

test('past the threshold the page asks for the challenge, the widget solves it in the page, and sign-in proceeds', async () => {
  const user = await seedUser(t.admin, 'technician');
  await seedTotp(t.admin, user.userId);
  // three wrong passwords for this address in the last 15 minutes
  await t.admin`insert into kastell.auth_failures (subject) select ${`account:${user.email}`} from generate_series(1, 3)`;

  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (message) => { if (/Content Security Policy|Refused to/.test(message.text())) violations.push(message.text()); });
  const elsewhere: string[] = [];
  page.on('request', (request) => { if (!request.url().startsWith(origin)) elsewhere.push(request.url()); });

  await page.goto(`${origin}/sign-in`);
  assert.equal(await page.locator('[data-bot-challenge]').count(), 0, 'below the threshold for the endpoint: no widget');
  await page.getByLabel('E-mail address').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  const asked = page.waitForResponse((r) => r.url() === `${origin}/sign-in` && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.equal((await asked).status(), 428);
  assert.match(await page.textContent('[role=alert], .errors') ?? '', /the check below must be done first/);

  // the widget: a labelled group, a keyboard-reachable button, a status line
  const group = page.getByRole('group', { name: /solve a short computing task/ });
  await group.waitFor();
  const status = page.locator('#bot-challenge-status');
  await page.waitForFunction(() => document.querySelector('[data-bot-challenge]')?.getAttribute('data-solved') === 'true');
  assert.equal(await status.textContent(), 'Check done: you can continue.');
  const first = await page.locator('input[name="altcha"]').inputValue();
  assert.ok(first.length > 20, 'the solution is in the form');

  // again from the keyboard: the button takes focus and Enter starts a new check
  await page.getByRole('button', { name: 'Check that I am not a bot' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction((previous) => {
    const field = document.querySelector<HTMLInputElement>('input[name="altcha"]');
    return field !== null && field.value !== '' && field.value !== previous;
  }, first);
  assert.equal(await status.textContent(), 'Check done: you can continue.');

  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${origin}/sign-in/factor`);
  await page.getByLabel('Code').fill(await totpCode());
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${origin}/`);

  const [used] = await t.admin`select count(*)::int as n from kastell.bot_challenges where used_at is not null`;
  assert.equal(used!.n, 1, 'the solution sent was consumed in the database');
  assert.deepEqual(elsewhere, [], 'no request left our origin');
  assert.deepEqual(violations, []);
  await context.close();
});
