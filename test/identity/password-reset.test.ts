// Self-service password reset over HTTP with the real SMTP server: the same
// answer (status, body, headers, time) for known and unknown addresses; the
// e-mailed link works once, dies after 30 minutes (time moved in the
// database), when a newer link is sent and when the user signs in; the new
// password passes the whole policy; every session ends; the second factor is
// still asked; the notice mail; the audit events; the per-address and
// per-IP limits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestDatabase } from '../harness/database.ts';
import { seedSession, seedTotp, seedUser, signInWithTotp, totpCode } from '../harness/seed.ts';
import { startTestServer, type TestResponse } from '../harness/server.ts';
import { linkIn, startHibp, startSmtp, type ReceivedMail } from './helpers.ts';

const t = await createTestDatabase();
const smtp = await startSmtp();
const hibp = await startHibp(['a breached passphrase from a leak']);
const server = await startTestServer(t, {
  KASTELL_SMTP_URL: smtp.url, KASTELL_MAIL_FROM: 'Kastell <kastell@example.test>', KASTELL_HIBP_URL: hibp.url,
  KASTELL_IP_LOCKOUT_SCALE: '100',
});
const newPassword = 'a quiet river under seven bridges';

const ask = (email: string) => server.client().postJson('/api/v1/auth/password-reset', { email });
const complete = (token: string, password: string) => server.client().postJson('/api/v1/auth/password-reset/complete', { token, newPassword: password });
const tokenOf = (link: string) => link.slice(link.lastIndexOf('/') + 1);

/** The reset mail to `email` that arrived after `before` mails. */
async function resetMail(email: string, before: number): Promise<ReceivedMail> {
  return smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.to.includes(email) && m.raw.includes('/reset-password/'));
}

async function askAndReceive(email: string): Promise<string> {
  const before = smtp.mails.length;
  assert.equal((await ask(email)).status, 200);
  return tokenOf(linkIn((await resetMail(email, before)).raw, '/reset-password'));
}

/** Headers that differ per request by design (its id, its date, the CSP nonce, the fresh CSRF cookie) set aside. */
function comparable(response: TestResponse) {
  const headers = [...response.headers].filter(([name]) => !['date', 'x-request-id'].includes(name))
    .map(([name, value]) => [name, name === 'content-security-policy' ? value.replace(/'nonce-[^']+'/g, "'nonce'") : name === 'set-cookie' ? value.replace(/=[^;]*/, '=…') : value]);
  const body = response.text.replace(/"requestId":"[^"]+"/g, '"requestId":""').replace(/nonce="[^"]+"/g, 'nonce=""').replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value=""');
  return { status: response.status, headers, body };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const spread = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length * 0.75)]! - sorted[Math.floor(sorted.length * 0.25)]!;
};

test('an existing and an unknown address get the same answer: status, body, headers (API and page)', async () => {
  const user = await seedUser(t.admin, 'dispatcher');
  const unknown = `nobody.${Date.now()}@example.test`;
  const [known, missing] = [await ask(user.email), await ask(unknown)];
  assert.equal(known.status, 200);
  assert.deepEqual(known.json(), { accepted: true });
  assert.deepEqual(comparable(known), comparable(missing));
  const page = (email: string) => server.client().postForm('/forgot-password', { email });
  const [knownPage, missingPage] = [await page(user.email), await page(unknown)];
  assert.equal(knownPage.status, 200);
  assert.match(knownPage.text, /If an account with this address exists/);
  assert.deepEqual(comparable(knownPage), comparable(missingPage));
  // and only the real account got a mail
  await resetMail(user.email, 0);
  assert.ok(!smtp.mails.some((m) => m.to.includes(unknown)));
  const events = await t.admin`select entity_id, outcome from audit.events where action = 'auth.password_reset.requested' order by occurred_at`;
  assert.ok(events.some((e) => e.entity_id === user.userId && e.outcome === 'success'), 'a request for an account is audited with it');
  assert.ok(events.some((e) => e.entity_id === null && e.outcome === 'failure'), 'a request for no account is audited too');
});

test('existing and unknown addresses take the same time (medians of interleaved requests within the run\'s own spread)', async () => {
  const rounds = 21;
  const users = await Promise.all(Array.from({ length: rounds }, () => seedUser(t.admin, 'technician')));
  const known: number[] = [];
  const unknown: number[] = [];
  const timed = async (email: string) => {
    const started = performance.now();
    const response = await ask(email);
    assert.equal(response.status, 200);
    return performance.now() - started;
  };
  await timed(`warm.up.${Date.now()}@example.test`);
  for (let i = 0; i < rounds; i++) {
    // alternate which goes first, so neither always follows the other's mail
    if (i % 2 === 0) {
      known.push(await timed(users[i]!.email));
      unknown.push(await timed(`unknown.${i}.${Date.now()}@example.test`));
    } else {
      unknown.push(await timed(`unknown.${i}.${Date.now()}@example.test`));
      known.push(await timed(users[i]!.email));
    }
  }
  const difference = Math.abs(median(known) - median(unknown));
  const noise = Math.max(spread(known), spread(unknown));
  assert.ok(difference <= noise,
    `median known ${median(known).toFixed(2)} ms, unknown ${median(unknown).toFixed(2)} ms: the difference ${difference.toFixed(2)} ms is above the spread ${noise.toFixed(2)} ms`);
});

// asvs: V6.4.3
test('the e-mailed link works once; the second factor is still asked; every session ended; a notice mail; audited', async () => {
  const user = await seedUser(t.admin, 'dispatcher');
  await seedTotp(t.admin, user.userId);
  const laptop = server.client().withSession(await seedSession(t.admin, user.userId));
  assert.equal((await laptop.get('/api/v1/me')).status, 200);
  const factorsBefore = await t.admin`select (select count(*)::int from kastell.totp_factors where user_id = ${user.userId}) as totp`;

  const token = await askAndReceive(user.email);
  const page = await server.client().get(`/reset-password/${token}`);
  assert.equal(page.status, 200);
  assert.match(page.text, new RegExp(user.email.replace(/\./g, '\\.')));
  const before = smtp.mails.length;
  const done = await complete(token, newPassword);
  assert.equal(done.status, 200, done.text);
  assert.equal(done.headers.getSetCookie().some((c) => c.startsWith('__Host-kastell-session=')), false, 'the reset starts no session');

  assert.equal((await laptop.get('/api/v1/me')).status, 401, 'the session from before ended');
  const [ended] = await t.admin`select count(*)::int as n from kastell.sessions where user_id = ${user.userId} and ended_at is null`;
  assert.equal(ended!.n, 0);
  const [reason] = await t.admin`select end_reason from kastell.sessions where user_id = ${user.userId}`;
  assert.equal(reason!.end_reason, 'password_change');

  assert.equal((await complete(token, 'another fine passphrase for me')).status, 410, 'the link works once');
  assert.equal((await server.client().get(`/reset-password/${token}`)).status, 410);

  const notice = await smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.to.includes(user.email) && /password was changed/.test(m.raw));
  assert.doesNotMatch(notice.raw, /reset-password\/[A-Za-z0-9_-]{43}/, 'the notice carries no link');

  // the old password is refused; the new one leads to the second factor, not to a session
  const old = await server.client().postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password });
  assert.equal(old.status, 401);
  const browser = server.client();
  const first = await browser.postJson('/api/v1/auth/sign-in', { email: user.email, password: newPassword });
  assert.equal(first.status, 200);
  assert.deepEqual(first.json(), { signedIn: false, next: 'second_factor' });
  assert.equal((await browser.get('/api/v1/me')).status, 401);
  assert.equal((await browser.postJson('/api/v1/auth/second-factor', { code: await totpCode() })).status, 200);
  assert.equal((await browser.get('/api/v1/me')).status, 200);
  const factorsAfter = await t.admin`select (select count(*)::int from kastell.totp_factors where user_id = ${user.userId}) as totp`;
  assert.deepEqual(factorsAfter, factorsBefore, 'the reset neither removed nor added a factor');

  const [audited] = await t.admin`select actor_id, count(*) over ()::int as n from audit.events where action = 'auth.password_reset.completed' and entity_id = ${user.userId}`;
  assert.equal(audited!.n, 1);
  assert.equal(audited!.actor_id, user.userId);
});

test('a newer link voids the older; signing in voids an open link; 30 minutes end it (time moved in the database)', async () => {
  const user = await seedUser(t.admin, 'customer_admin', (await t.admin`insert into kastell.companies (name) values ('Reset AG') returning company_id`)[0]!.company_id);
  const older = await askAndReceive(user.email);
  const newer = await askAndReceive(user.email);
  assert.notEqual(older, newer);
  assert.equal((await complete(older, newPassword)).status, 410, 'the older link is void');

  // a sign-in (the user remembered the password) voids the open link
  await seedTotp(t.admin, user.userId);
  await signInWithTotp(server.client(), user);
  assert.equal((await complete(newer, newPassword)).status, 410, 'signing in voided the link');
  const reasons = await t.admin`select void_reason from kastell.password_reset_tokens where user_id = ${user.userId} order by created_at`;
  assert.deepEqual(reasons.map((r) => r.void_reason), ['superseded', 'signed_in']);

  const late = await askAndReceive(user.email);
  const [row] = await t.admin`select expires_at - created_at as ttl from kastell.password_reset_tokens where user_id = ${user.userId} order by created_at desc limit 1`;
  assert.equal(row!.ttl, '00:30:00', 'the link lives 30 minutes');
  await t.admin`update kastell.password_reset_tokens set created_at = created_at - interval '30 minutes 1 second',
    expires_at = expires_at - interval '30 minutes 1 second' where user_id = ${user.userId} and used_at is null and voided_at is null`;
  assert.equal((await complete(late, newPassword)).status, 410, 'the link is dead after 30 minutes');
  assert.equal((await server.client().get(`/reset-password/${late}`)).status, 410);
  // the database refuses to store a longer-lived link
  const longer = await t.admin`select app.request_password_reset(${user.email}, ${Buffer.alloc(32, 9)}, '31 minutes')`.then(() => 'stored', (e: Error) => e.message);
  assert.match(longer, /at most 30 minutes/);
});

test('the new password passes the whole policy: too short, common, breached (HIBP stand-in), context word, one of the last five', async () => {
  const user = await seedUser(t.admin, 'support');
  const token = await askAndReceive(user.email);
  const refused = async (password: string, reason: RegExp) => {
    const response = await complete(token, password);
    assert.equal(response.status, 422, `${password}: ${response.text}`);
    assert.match(response.json().error.issues[0].message, reason, password);
  };
  await refused('short one', /at least 12 characters/);
  await refused('password1234', /common/);
  await refused('a breached passphrase from a leak', /breach/);
  await refused('kastell is my whole life now', /name of this portal/);
  await refused(user.password, /used this password recently/);
  const page = await server.client().postForm(`/reset-password/${token}`, { newPassword: 'password1234' });
  assert.equal(page.status, 422);
  assert.match(page.text, /common/);
  assert.equal((await complete(token, newPassword)).status, 200, 'the link still works after refusals');
});

test('no mail for a disabled account; per-address limit: from the sixth request in a row a 429 for known and unknown alike', async () => {
  const disabled = await seedUser(t.admin, 'technician');
  await t.admin`update kastell.users set status = 'disabled' where user_id = ${disabled.userId}`;
  assert.equal((await ask(disabled.email)).status, 200);

  const user = await seedUser(t.admin, 'technician');
  const unknown = `limited.${Date.now()}@example.test`;
  for (const email of [user.email, unknown]) {
    for (let i = 0; i < 5; i++) assert.equal((await ask(email)).status, 200, `${email} #${i + 1}`);
  }
  const [known, missing] = [await ask(user.email), await ask(unknown)];
  assert.equal(known.status, 429);
  assert.ok(Number(known.headers.get('retry-after')) >= 1);
  assert.deepEqual(comparable(known), comparable(missing));
  // case and spaces do not make a new address
  assert.equal((await ask(user.email.toUpperCase())).status, 429);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.ok(!smtp.mails.some((m) => m.to.includes(disabled.email)), 'a disabled account gets no link');
  assert.ok(smtp.mails.filter((m) => m.to.includes(user.email)).length <= 5);
});

test('per client IP: the reset endpoints are in the request limit', async () => {
  const limited = await startTestServer(t, { KASTELL_RATE_LIMIT_PER_MINUTE: '3', KASTELL_SMTP_URL: smtp.url });
  // the counters live in the database, in windows aligned to the minute: earlier tests of this file counted
  // from the same address, and all four requests must fall into one window
  await t.admin`delete from kastell.rate_limit_windows`;
  if (new Date().getUTCSeconds() > 50) await new Promise((r) => setTimeout(r, (61 - new Date().getUTCSeconds()) * 1000));
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await limited.client().postJson('/api/v1/auth/password-reset', { email: `ip.${i}.${Date.now()}@example.test` })).status);
  assert.deepEqual(statuses, [200, 200, 200, 429]);
  assert.equal((await limited.client().get('/forgot-password')).status, 429, 'the page shares the endpoint');
});
