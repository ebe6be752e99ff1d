// Request limits per endpoint and per client IP on the pre-sign-in routes:
// past the limit a 429 with Retry-After, in the API's JSON shape and as the
// HTML error page; other endpoints and other addresses are not affected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestDatabase } from '../harness/database.ts';
import { startTestServer } from '../harness/server.ts';
import { endpointOf } from '../../app/http/rate-limit.ts';

const server = await startTestServer(await createTestDatabase(), { KASTELL_RATE_LIMIT_PER_MINUTE: '5', KASTELL_TRUSTED_PROXIES: '127.0.0.1/32' });
const signIn = (i: number, ip?: string) => server.client().request('POST', '/api/v1/auth/sign-in', {
  // a different address each time: the per-account lockout stays out of this
  json: { email: `visitor${i}.${ip ?? 'direct'}@example.test`, password: 'not the right password' },
  headers: ip ? { 'x-forwarded-for': ip } : {},
});

test('the sixth sign-in request in a minute from one address gets 429 with Retry-After; pages and other addresses go on', async () => {
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

test('every pre-sign-in endpoint is limited, and signed-in routes are not', () => {
  for (const [method, path, name] of [
    ['POST', '/sign-in', 'sign-in'], ['POST', '/api/v1/auth/sign-in', 'sign-in'],
    ['POST', '/sign-in/factor', 'second-factor'], ['POST', '/sign-in/enrol', 'second-factor'], ['POST', '/api/v1/auth/second-factor', 'second-factor'],
    ['POST', '/api/v1/auth/passkey/options', 'passkey'], ['POST', '/api/v1/auth/passkey/verify', 'passkey'],
    ['GET', '/unlock/abc', 'unlock'], ['GET', '/setup/abc', 'setup'], ['POST', '/setup/abc', 'setup'],
    ['GET', '/invites/accept/abc', 'invite'], ['POST', '/invites/accept/abc', 'invite'],
  ] as const) {
    assert.equal(endpointOf(method, path), name, `${method} ${path}`);
  }
  for (const [method, path] of [['GET', '/sign-in'], ['GET', '/companies'], ['POST', '/api/v1/companies'], ['POST', '/invites']] as const) {
    assert.equal(endpointOf(method, path), undefined, `${method} ${path}`);
  }
});
