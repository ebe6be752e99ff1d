// Request limits, counted in the database: per endpoint and per client IP
// and per account on the pre-sign-in routes, per user on writes and API calls:
// past the limit a 429 with Retry-After, in the API's JSON shape and as the
// HTML error page; other endpoints and other addresses are not affected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestDatabase } from '../harness/database.ts';
import { startTestServer } from '../harness/server.ts';
import { bucketOf, endpointOf, OverLimit } from '../../app/http/rate-limit.ts';
import { seedCompany, seedSession, seedUser } from '../harness/seed.ts';

const database = await createTestDatabase();
const server = await startTestServer(database, { KASTELL_RATE_LIMIT_PER_MINUTE: '5', KASTELL_TRUSTED_PROXIES: '127.0.0.1/32' });
const signIn = (i: number, ip?: string) => server.client().request('POST', '/api/v1/auth/sign-in', {
  // a different address each time: the per-account lockout stays out of this
  json: { email: `visitor${i}.${ip ?? 'direct'}@example.test`, password: 'not the right password' },
  headers: ip ? { 'x-forwarded-for': ip } : {},
});

// asvs: V2.4.1
test('the sixth sign-in request in a minute from one address gets 429 with Retry-After; pages and other addresses go on', async () => {
  // windows are aligned to the minute: all six in one (CI once saw the sixth fall into the next and pass)
  const second = new Date().getUTCSeconds();
  if (second > 45) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await signIn(i, '203.0.113.50')).status);
  assert.deepEqual(statuses, [401, 401, 401, 401, 401]);
  const limited = await signIn(5, '203.0.113.50');
  assert.equal(limited.status, 429);
  assert.equal(limited.json().error.code, 'rate_limited');
  const retry = Number(limited.headers.get('retry-after'));
  assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
  // the HTML form is the same endpoint, answered as a page
  const form = await server.client().request('POST', '/sign-in', {
    form: { email: 'visitor.form@example.test', password: 'not the right password' }, headers: { 'x-forwarded-for': '203.0.113.50' } });
  assert.equal(form.status, 429);
  assert.match(form.headers.get('content-type') ?? '', /text\/html/);
  assert.match(form.text, /Too many requests/);
  // another address, another endpoint, and reading the page are unaffected
  assert.equal((await signIn(6, '198.51.100.20')).status, 401);
  const factor = await server.client().request('POST', '/api/v1/auth/second-factor', { json: { code: '123456' }, headers: { 'x-forwarded-for': '203.0.113.50' } });
  assert.notEqual(factor.status, 429);
  assert.equal((await server.client().request('GET', '/sign-in', { headers: { 'x-forwarded-for': '203.0.113.50' } })).status, 200);
});

test('past its limit a bucket is refused from memory until its window ends: the database counts the first refusal only, another process still refuses from the database', async () => {
  const one = await startTestServer(database, { KASTELL_RATE_LIMIT_PER_MINUTE: '2', KASTELL_TRUSTED_PROXIES: '127.0.0.1/32' });
  const two = await startTestServer(database, { KASTELL_RATE_LIMIT_PER_MINUTE: '2', KASTELL_TRUSTED_PROXIES: '127.0.0.1/32' });
  const ip = '203.0.113.77';
  const attempt = (on: typeof one, i: number) => on.client().request('POST', '/api/v1/auth/sign-in', {
    json: { email: `memory${i}@example.test`, password: 'not the right password' }, headers: { 'x-forwarded-for': ip } });
  const hits = async () => Number((await database.admin`select coalesce(sum(hits), 0) as n from kastell.rate_limit_windows where bucket = ${bucketOf(`ip sign-in ${ip}`)}`)[0]!.n);
  // all in one window of the minute
  const second = new Date().getUTCSeconds();
  if (second > 45) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await attempt(one, i)).status);
  assert.deepEqual(statuses, [401, 401, 429, 429, 429, 429]);
  assert.equal(await hits(), 3, 'the three refusals after the first were answered without a round trip');
  const remembered = await attempt(one, 7);
  assert.ok(Number(remembered.headers.get('retry-after')) >= 1 && Number(remembered.headers.get('retry-after')) <= 60);
  assert.equal(remembered.json().error.code, 'rate_limited');
  // the other process has nothing in memory: it asks the database, which refuses
  assert.equal((await attempt(two, 8)).status, 429);
  assert.equal(await hits(), 4);
});

test('the over-limit memory forgets a bucket when its window ends and stays bounded', () => {
  const over = new OverLimit(2);
  over.remember('a', 1_000, 0);
  assert.equal(over.get('a', 999), 1_000);
  assert.equal(over.get('a', 1_000), undefined, 'the window ended');
  over.remember('b', 5_000, 0);
  over.remember('c', 5_000, 0);
  over.remember('d', 5_000, 0); // full of live entries: not remembered, the database is asked again
  assert.equal(over.get('d', 1), undefined);
  assert.equal(over.size, 2);
  over.remember('e', 9_000, 6_000); // b and c have ended: room again
  assert.equal(over.get('e', 6_000), 9_000);
  assert.equal(over.size, 1);
});

test("the public share-link page is limited per address: the sixth guess at a link in a minute gets 429, another address goes on", async () => {
  const second = new Date().getUTCSeconds();
  if (second > 45) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
  const guess = (i: number, ip: string) => server.client().request('GET', `/s/guessed-token-${i}`, { headers: { 'x-forwarded-for': ip } });
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await guess(i, '203.0.113.77')).status);
  assert.ok(statuses.every((s) => s !== 429), `the first five are answered: ${statuses}`);
  const limited = await guess(5, '203.0.113.77');
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.notEqual((await guess(6, '198.51.100.77')).status, 429);
});

test('every pre-sign-in endpoint is limited, and signed-in routes are not', () => {
  for (const [method, path, name] of [
    ['POST', '/sign-in', 'sign-in'], ['POST', '/api/v1/auth/sign-in', 'sign-in'],
    ['POST', '/sign-in/factor', 'second-factor'], ['POST', '/sign-in/enrol', 'second-factor'], ['POST', '/api/v1/auth/second-factor', 'second-factor'],
    ['POST', '/api/v1/auth/passkey/options', 'passkey'], ['POST', '/api/v1/auth/passkey/verify', 'passkey'],
    ['GET', '/unlock/abc', 'unlock'], ['GET', '/setup/abc', 'setup'], ['POST', '/setup/abc', 'setup'],
    ['GET', '/invites/accept/abc', 'invite'], ['POST', '/invites/accept/abc', 'invite'],
    ['GET', '/s/abc', 'share-link'], ['POST', '/s/abc', 'share-link'],
  ] as const) {
    assert.equal(endpointOf(method, path), name, `${method} ${path}`);
  }
  for (const [method, path] of [['GET', '/sign-in'], ['GET', '/companies'], ['POST', '/api/v1/companies'], ['POST', '/invites']] as const) {
    assert.equal(endpointOf(method, path), undefined, `${method} ${path}`);
  }
});

test('per account: the fourth sign-in for one address in a minute gets 429 even from a new address each time (below the lockout, which counts 5 failures)', async () => {
  const accountServer = await startTestServer(database, { KASTELL_ACCOUNT_RATE_LIMIT_PER_MINUTE: '3', KASTELL_TRUSTED_PROXIES: '127.0.0.1/32' });
  const attempt = (i: number, email: string) => accountServer.client().request('POST', '/api/v1/auth/sign-in', {
    json: { email, password: 'not the right password' }, headers: { 'x-forwarded-for': `198.18.0.${i + 1}` } });
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) statuses.push((await attempt(i, 'Target.Account@example.test')).status);
  assert.deepEqual(statuses, [401, 401, 401]);
  const limited = await attempt(5, 'target.account@EXAMPLE.test'); // the same account, however it is spelled
  assert.equal(limited.status, 429);
  assert.match(limited.json().error.message, /this account/);
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  // the form names the account the same way
  const form = await accountServer.client().request('POST', '/sign-in', { form: { email: 'target.account@example.test', password: 'x' }, headers: { 'x-forwarded-for': '198.18.1.1' } });
  assert.equal(form.status, 429);
  assert.notEqual((await attempt(7, 'someone.else@example.test')).status, 429);
});

test('two Kastell instances on one database share one per-user limit: half the requests to each, the limit holds in total', async () => {
  const env = { KASTELL_USER_WRITES_PER_MINUTE: '6', KASTELL_USER_API_PER_MINUTE: '0' };
  const one = await startTestServer(database, env);
  const two = await startTestServer(database, env);
  const company = await seedCompany(database.admin, 'Limits AG');
  const user = await seedUser(database.admin, 'customer_admin', company);
  const token = await seedSession(database.admin, user.userId, '1 hour');
  const write = (server: typeof one, i: number) => server.client().withSession(token)
    .request('PATCH', `/api/v1/companies/${company}`, { json: { name: `Limits AG ${i}` } });
  // windows are aligned to the minute: start early in one, so all requests fall into the same window
  const second = new Date().getUTCSeconds();
  if (second > 45) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) statuses.push((await write(i % 2 === 0 ? one : two, i)).status);
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 429, 429]);
  const limited = await write(two, 9);
  assert.equal(limited.json().error.code, 'rate_limited');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1 && Number(limited.headers.get('retry-after')) <= 60);
  // reads are not writes; another user has a budget of their own
  assert.equal((await one.client().withSession(token).get(`/api/v1/companies/${company}`)).status, 200);
  const other = await seedUser(database.admin, 'customer_admin', company);
  const otherToken = await seedSession(database.admin, other.userId, '1 hour');
  assert.equal((await two.client().withSession(otherToken).request('PATCH', `/api/v1/companies/${company}`, { json: { name: 'Other' } })).status, 200);
  // nothing but hashes is stored: no address, no user id
  const rows = await database.admin`select encode(bucket, 'hex') as bucket, hits from kastell.rate_limit_windows`;
  assert.ok(rows.length > 0);
  assert.ok(rows.every((r) => r.bucket.length === 64 && !r.bucket.includes(user.userId.replaceAll('-', ''))));
});

// asvs: V2.4.1
test('per-user API calls are limited too, and the application role cannot read or change the counters', async () => {
  const server = await startTestServer(database, { KASTELL_USER_API_PER_MINUTE: '3' });
  const user = await seedUser(database.admin, 'dispatcher');
  const token = await seedSession(database.admin, user.userId, '1 hour');
  const second = new Date().getUTCSeconds();
  if (second > 50) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await server.client().withSession(token).get('/api/v1/companies')).status);
  assert.deepEqual(statuses, [200, 200, 200, 429]);
  await assert.rejects(database.db.withPrincipal({ userId: user.userId }, (tx) => tx`select * from kastell.rate_limit_windows`), /permission denied/);
  await assert.rejects(database.db.withPrincipal({ userId: user.userId }, (tx) => tx`delete from kastell.rate_limit_windows`), /permission denied/);
});
