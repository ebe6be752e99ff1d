// Lockout and throttling: atomic per-account counting (parallel wrong
// passwords cannot exceed the threshold), the same answer for unknown
// accounts, the unlock link by e-mail, alerts at 20, and the bounded
// argon2 queue answering 503 with Retry-After.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestDatabase } from '../harness/database.ts';
import { forgetTotpStep, seedCompany, seedTotp, seedUser, totpCode } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';
import { linkIn, startSmtp } from './helpers.ts';
import { bucketOf } from '../../app/http/rate-limit.ts';
import { hashLimiter } from '../../app/auth/password.ts';

const t = await createTestDatabase();
const smtp = await startSmtp();
// every request here comes from 127.0.0.1: a large IP scale keeps the per-IP lock out of the per-account tests
const server = await startTestServer(t, { KASTELL_SMTP_URL: smtp.url, KASTELL_MAIL_FROM: 'Kastell <kastell@example.test>', KASTELL_IP_LOCKOUT_SCALE: '100',
  // room for every parallel attempt: the 503 of a full hashing queue is tested on its own below
  KASTELL_ARGON2_QUEUE: '64' });

const failuresOf = async (subject: string) =>
  Number((await t.admin`select count(*) as n from kastell.auth_failures where subject = ${subject}`)[0]!.n);

test('30 parallel wrong passwords: at most 5 are checked, the rest are refused as locked, and the right password waits too', async () => {
  const user = await seedUser(t.admin, 'technician');
  const responses = await Promise.all(Array.from({ length: 30 }, (_, i) =>
    server.client().postJson('/api/v1/auth/sign-in', { email: user.email, password: `wrong password number ${i}` })));
  const statuses = responses.map((r) => r.status);
  const checked = statuses.filter((s) => s === 401).length;
  const locked = statuses.filter((s) => s === 429).length;
  assert.equal(checked + locked, 30, `only 401/429 expected: ${statuses.join(',')}`);
  assert.ok(checked <= 5, `${checked} passwords were checked in parallel; the threshold is 5`);
  assert.equal(checked, 5, 'exactly the threshold is checked (nothing else holds it back)');
  assert.equal(await failuresOf(`account:${user.email}`), 5);
  const locker = responses.find((r) => r.status === 429)!;
  assert.ok(Number(locker.headers.get('retry-after')) > 0 && Number(locker.headers.get('retry-after')) <= 60);
  // the right password is refused while locked: lockout is not decided by the password
  const right = await server.client().postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password });
  assert.equal(right.status, 429);
});

test('an unknown address locks exactly like a real one (no account enumeration)', async () => {
  const user = await seedUser(t.admin, 'technician');
  const answer = async (email: string) => {
    const out: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await server.client().postJson('/api/v1/auth/sign-in', { email, password: `guess number ${i} here` });
      out.push(`${r.status}:${r.json().error.code}`);
    }
    return out;
  };
  const real = await answer(user.email);
  const unknown = await answer('nobody.here@example.test');
  assert.deepEqual(real, unknown);
  assert.equal(real.at(-1), '429:locked');
});

test('the failure windows escalate: 10 failures lock for 15 minutes, 20 for 24 hours with an alert to the user and the security officer', async () => {
  const user = await seedUser(t.admin, 'dispatcher');
  const officer = await seedUser(t.admin, 'security_officer');
  const subject = `account:${user.email}`;
  // 9 earlier failures, older than the 1-minute lock
  await t.admin`insert into kastell.auth_failures (subject, created_at) select ${subject}, now() - interval '2 minutes' from generate_series(1, 9)`;
  assert.equal((await server.client().postJson('/api/v1/auth/sign-in', { email: user.email, password: 'tenth wrong password' })).status, 401);
  const locked = await server.client().postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password });
  assert.equal(locked.status, 429);
  const retry = Number(locked.headers.get('retry-after'));
  assert.ok(retry > 60 && retry <= 15 * 60, `15-minute lock, Retry-After ${retry}`);
  // 19 failures long enough ago that no lock is active; the 20th brings the 24-hour lock and the alert
  await t.admin`update kastell.auth_failures set created_at = now() - interval '20 minutes' where subject = ${subject}`;
  await t.admin`insert into kastell.auth_failures (subject, created_at) select ${subject}, now() - interval '20 minutes' from generate_series(1, 9)`;
  assert.equal((await server.client().postJson('/api/v1/auth/sign-in', { email: user.email, password: 'twentieth wrong one' })).status, 401);
  const dayLock = await server.client().postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password });
  assert.ok(Number(dayLock.headers.get('retry-after')) > 23 * 3600);
  const alert = await smtp.waitFor((m) => m.to.includes(officer.email) && /20 failed/.test(m.raw));
  assert.match(alert.raw, new RegExp(user.email.replace(/[.]/g, '\\.')));
  await smtp.waitFor((m) => m.to.includes(user.email) && /locked for 24 hours/.test(m.raw));
});

test('no hostage-taking: the e-mailed unlock link lets the real user sign in while an attacker keeps the account locked', async () => {
  const user = await seedUser(t.admin, 'technician');
  await seedTotp(t.admin, user.userId);
  for (let i = 0; i < 5; i++) await server.client().postJson('/api/v1/auth/sign-in', { email: user.email, password: `attacker guess ${i}!` });
  const mail = await smtp.waitFor((m) => m.to.includes(user.email) && /\/unlock\//.test(m.raw));
  const link = new URL(linkIn(mail.raw, '/unlock'));
  assert.equal((await t.admin`select count(*)::int as n from kastell.unlock_tokens where token_hash = sha256(${link.pathname.split('/').pop()!}::bytea)`)[0]!.n, 1,
    'only the hash of the link token is stored');
  // the attacker is still locked out
  assert.equal((await server.client().postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password })).status, 429);
  const real = server.client();
  assert.equal((await real.get(link.pathname)).status, 200, 'GET only shows a button (mail scanners)');
  const redeemed = await real.postForm(link.pathname, {});
  assert.equal(redeemed.status, 303);
  const password = await real.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password });
  assert.equal(password.status, 200, password.text);
  assert.equal(password.json().next, 'second_factor', 'the unlock link skips the lock, not the second factor');
  await forgetTotpStep(t.admin, user.userId);
  assert.equal((await real.postJson('/api/v1/auth/second-factor', { code: await totpCode() })).status, 200);
  assert.equal((await real.get('/api/v1/me')).json().email, user.email);
  // the link is single use
  assert.equal((await server.client().postForm(link.pathname, {})).status, 410);
  // and the attacker, without the link, is still locked
  assert.equal((await server.client().postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password })).status, 429);
});

// asvs: V6.3.1
test('guessing TOTP codes locks the second factor after 5 failures', async () => {
  const user = await seedUser(t.admin, 'support');
  await seedTotp(t.admin, user.userId);
  const client = server.client();
  assert.equal((await client.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password })).status, 200);
  const statuses: number[] = [];
  for (let i = 0; i < 7; i++) statuses.push((await client.postJson('/api/v1/auth/second-factor', { code: String(100000 + i) })).status);
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
  await forgetTotpStep(t.admin, user.userId);
  assert.equal((await client.postJson('/api/v1/auth/second-factor', { code: await totpCode() })).status, 429, 'even the right code waits');
});

// asvs: V4.1.3 V15.3.4
test('per-IP counting uses the client IP from trusted proxies only, with a larger threshold (offices behind one address)', async () => {
  const proxied = await startTestServer(await createTestDatabase(), { KASTELL_TRUSTED_PROXIES: '127.0.0.1/32', KASTELL_IP_LOCKOUT_SCALE: '2' });
  // 10 different accounts from one forwarded address: the IP threshold (5 × 2) locks the 11th attempt
  const from = (ip: string, i: number) => proxied.client().request('POST', '/api/v1/auth/sign-in', {
    json: { email: `person${i}@example.test`, password: 'wrong password here' }, headers: { 'x-forwarded-for': ip } });
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) statuses.push((await from('203.0.113.9', i)).status);
  assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
  assert.equal(statuses[10], 429);
  // another office address is unaffected
  assert.equal((await from('198.51.100.7', 99)).status, 401);
});

// asvs: V15.2.2 V16.5.2
test('argon2 is bounded: beyond concurrency + queue, sign-ins get a fast 503 with Retry-After', async () => {
  const busy = await startTestServer(await createTestDatabase(), { KASTELL_ARGON2_CONCURRENCY: '1', KASTELL_ARGON2_QUEUE: '1' });
  const responses = await Promise.all(Array.from({ length: 12 }, (_, i) =>
    busy.client().postJson('/api/v1/auth/sign-in', { email: `load${i}@example.test`, password: 'some wrong password' })));
  const statuses = responses.map((r) => r.status);
  assert.ok(statuses.includes(503), `some refused: ${statuses.join(',')}`);
  assert.ok(statuses.includes(401), `some checked: ${statuses.join(',')}`);
  const refused = responses.find((r) => r.status === 503)!;
  assert.equal(refused.headers.get('retry-after'), '1');
  assert.equal(refused.json().error.code, 'busy');
});

test('a sign-in whose hashing lane is full gets its 503 in front of the framework, before the request limits count it; with a device cookie it goes on to the framework, which answers the same', async () => {
  const busyDb = await createTestDatabase();
  const busy = await startTestServer(busyDb, { KASTELL_ARGON2_CONCURRENCY: '1', KASTELL_ARGON2_QUEUE: '1', KASTELL_TRUSTED_PROXIES: '127.0.0.1/32' });
  const attempt = (path: string, ip: string, i: number, cookie?: string) => busy.client().request('POST', path, {
    ...(path === '/sign-in' ? { form: { email: `lane${i}@example.test`, password: 'some wrong password' } } : { json: { email: `lane${i}@example.test`, password: 'some wrong password' } }),
    headers: { 'x-forwarded-for': ip, 'accept-language': 'de-CH', ...(cookie ? { cookie } : {}) } });
  const counted = async (ip: string) =>
    (await busyDb.admin`select hits from kastell.rate_limit_windows where bucket = ${bucketOf(`ip sign-in ${ip}`)}`).length > 0;
  // a browser that signed in before holds a device cookie (for its own address)
  const known = await seedUser(busyDb.admin, 'customer_member', await seedCompany(busyDb.admin, 'Known AG'));
  const signedIn = await busy.client().postJson('/api/v1/auth/sign-in', { email: known.email, password: known.password });
  const device = (signedIn.headers.getSetCookie?.() ?? []).find((c) => c.startsWith('__Host-kastell-device='))?.split(';')[0];
  assert.ok(device, `a device cookie after a right password: ${signedIn.status}`);
  // two wrong passwords take the hashing slot and its one queue place (the server runs in this process: wait until they have)
  const holders = [attempt('/api/v1/auth/sign-in', '198.51.100.1', 1), attempt('/api/v1/auth/sign-in', '198.51.100.2', 2)];
  for (let i = 0; i < 6000 && hashLimiter().hasRoom(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(hashLimiter().hasRoom(), false, 'the holders fill the lane');
  const ips = Array.from({ length: 6 }, (_, i) => `198.51.100.${100 + i}`);
  const probes = await Promise.all(ips.map((ip, i) => attempt(i % 2 ? '/sign-in' : '/api/v1/auth/sign-in', ip, 100 + i,
    i === 4 ? '__Host-kastell-device=forged.cookie.value' : undefined)));
  // the device cookie names another address: the framework judges it, for the general lane, and refuses it
  const viaFramework = await attempt('/api/v1/auth/sign-in', '198.51.100.120', 120, device);
  const held = await Promise.all(holders);
  assert.deepEqual(held.map((r) => r.status), [401, 401]);
  assert.deepEqual(probes.map((r) => r.status), Array(6).fill(503));
  assert.equal(busy.answeredEarly('sign-in busy'), 6, 'the six (a forged device cookie among them) were answered in front of the framework');
  assert.equal(viaFramework.status, 503, viaFramework.text);
  assert.equal(busy.answeredEarly('sign-in busy'), 6, 'a device cookie that opens goes on to the framework');
  for (const ip of [...ips, '198.51.100.120']) assert.equal(await counted(ip), false, `${ip}: refused, yet counted in the request limits first`);
  for (const ip of ['198.51.100.1', '198.51.100.2']) assert.ok(await counted(ip), `${ip} checked but not counted`);
  assert.equal(probes[0]!.json().error.code, 'busy');
  assert.equal(probes[0]!.headers.get('retry-after'), '1');
  assert.deepEqual({ ...probes[0]!.json().error, requestId: '' }, { ...viaFramework.json().error, requestId: '' }, 'the early answer is the framework\'s');
  assert.equal(probes[0]!.headers.get('x-request-id'), probes[0]!.json().error.requestId);
  for (const name of ['strict-transport-security', 'x-content-type-options', 'referrer-policy', 'x-frame-options', 'cache-control', 'retry-after']) {
    assert.equal(probes[0]!.headers.get(name), viaFramework.headers.get(name), name);
  }
  assert.notEqual(probes[0]!.headers.get('connection'), 'close', 'the short body is dropped, the connection kept');
  // the form gets a page in the reader's language that leads back to the sign-in form
  assert.match(probes[1]!.headers.get('content-type') ?? '', /text\/html/);
  assert.equal(probes[1]!.headers.get('retry-after'), '1');
  assert.match(probes[1]!.text, /<html lang="de">/);
  assert.match(probes[1]!.text, /Gerade werden zu viele Anmeldungen geprüft/);
  assert.match(probes[1]!.text, /href="\/sign-in"/);
  // once the lane has room again, the same requests reach the route
  assert.equal((await attempt('/api/v1/auth/sign-in', '198.51.100.130', 130)).status, 401);
});

test('the unlock mail speaks the language of the browser that was locked out', async () => {
  const user = await seedUser(t.admin, 'technician');
  for (let i = 0; i < 5; i++) {
    await server.client().request('POST', '/api/v1/auth/sign-in', { json: { email: user.email, password: `tentativo sbagliato ${i}` }, headers: { 'accept-language': 'it-CH,it;q=0.9' } });
  }
  const mail = await smtp.waitFor((m) => m.to.includes(user.email) && /\/unlock\//.test(m.raw));
  assert.match(mail.raw, /Troppi tentativi di accesso falliti hanno bloccato temporaneamente il Suo account/);
  assert.doesNotMatch(mail.raw, /Too many failed sign-in attempts/);
  assert.ok(linkIn(mail.raw, '/unlock'));
});
