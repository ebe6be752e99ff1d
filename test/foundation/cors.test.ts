// CORS only for the origins in KASTELL_CORS_ORIGINS: preflights answered
// for those alone, credentials only for them, never `*`, never on pages;
// without the variable no origin gets any Access-Control-* header.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig, ConfigError } from '../../app/config.ts';
import { createTestDatabase } from '../harness/database.ts';
import { startTestServer } from '../harness/server.ts';

const database = await createTestDatabase();
const listed = 'https://app.example.test';
const server = await startTestServer(database, { KASTELL_CORS_ORIGINS: `${listed}, https://other.example.test:8443` });
const plain = await startTestServer(database);

const preflight = (base: string, origin: string, path = '/api/v1/auth/sign-in') => fetch(base + path, {
  method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
});
const corsHeaders = (h: Headers) => [...h.keys()].filter((k) => k.startsWith('access-control-'));

// asvs: V3.4.2
test('a listed origin gets its preflight answered with credentials, for itself only', async () => {
  const res = await preflight(server.url, listed);
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), listed);
  assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
  assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
  assert.match(res.headers.get('access-control-allow-headers') ?? '', /Content-Type/i);
  assert.match(res.headers.get('vary') ?? '', /Origin/);
});

// asvs: V3.4.2
test('an unlisted origin, a look-alike and the default configuration get no CORS at all', async () => {
  for (const origin of ['https://evil.example.test', 'https://app.example.test.evil.test', 'http://app.example.test', 'null']) {
    const res = await preflight(server.url, origin);
    assert.equal(res.status, 403, origin);
    assert.deepEqual(corsHeaders(res.headers), [], origin);
  }
  const res = await preflight(plain.url, listed);
  assert.equal(res.status, 403);
  assert.deepEqual(corsHeaders(res.headers), []);
  const get = await fetch(`${plain.url}/api/v1/openapi.json`, { headers: { origin: listed } });
  assert.deepEqual(corsHeaders(get.headers), []);
});

test('actual API answers carry the listed origin and credentials; an unlisted origin gets none; pages never', async () => {
  const ok = await fetch(`${server.url}/api/v1/openapi.json`, { headers: { origin: listed } });
  assert.equal(ok.headers.get('access-control-allow-origin'), listed);
  assert.equal(ok.headers.get('access-control-allow-credentials'), 'true');
  assert.match(ok.headers.get('access-control-expose-headers') ?? '', /Retry-After/);
  const foreign = await fetch(`${server.url}/api/v1/openapi.json`, { headers: { origin: 'https://evil.example.test' } });
  assert.deepEqual(corsHeaders(foreign.headers), []);
  const page = await fetch(`${server.url}/sign-in`, { headers: { origin: listed } });
  assert.deepEqual(corsHeaders(page.headers), []);
  assert.equal((await preflight(server.url, listed, '/sign-in')).headers.get('access-control-allow-origin'), null);
});

test('a listed origin may write to the API as JSON (the CSRF check accepts it there), not to pages; others stay refused', async () => {
  const client = server.client();
  const signIn = await client.request('POST', '/api/v1/auth/sign-in', { json: { email: 'nobody@example.test', password: 'wrong password here' }, origin: listed });
  assert.equal(signIn.status, 401);
  assert.equal(signIn.headers.get('access-control-allow-origin'), listed);
  const foreign = await client.request('POST', '/api/v1/auth/sign-in', { json: { email: 'nobody@example.test', password: 'wrong password here' }, origin: 'https://evil.example.test' });
  assert.equal(foreign.status, 403);
  assert.equal(foreign.json().error.code, 'origin_rejected');
  const form = await client.request('POST', '/sign-in', { form: { email: 'nobody@example.test', password: 'wrong password here' }, origin: listed });
  assert.equal(form.status, 403);
});

test('KASTELL_CORS_ORIGINS takes exact origins only', () => {
  for (const bad of ['*', 'https://app.example.test/', 'https://app.example.test/path', 'app.example.test', 'ftp://x.example.test']) {
    assert.throws(() => parseConfig({ KASTELL_CORS_ORIGINS: bad }), ConfigError, bad);
  }
  assert.deepEqual(parseConfig({}).corsOrigins, []);
  assert.deepEqual(parseConfig({ KASTELL_CORS_ORIGINS: 'https://a.example.test,http://127.0.0.1:5173' }).corsOrigins, ['https://a.example.test', 'http://127.0.0.1:5173']);
});
