// Headers, CSP nonces, CSRF, cookies, sessions and bad input over real HTTP.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { test } from 'node:test';
import { createTestDatabase } from '../harness/database.ts';
import { forgetTotpStep, seedCompany, seedTotp, seedUser, signInWithTotp } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);
const admin = await seedUser(t.admin, 'admin', null, 'admin@example.test');
await seedTotp(t.admin, admin.userId);
await seedCompany(t.admin, 'Existing AG');

async function signedInClient() {
  const client = server.client();
  await forgetTotpStep(t.admin, admin.userId); // a code is accepted once: many sign-ins within 30 s need this
  const response = await signInWithTotp(client, admin);
  return { client, response };
}

// asvs: V3.4.1 V3.4.3 V3.4.4 V3.4.6
// asvs: V3.4.5 V1.3.2
test('security headers: CSP Level 3 with a fresh nonce per request, HSTS preload, nosniff, COOP/CORP', async () => {
  const first = await server.client().get('/sign-in');
  const second = await server.client().get('/sign-in');
  const csp = first.headers.get('content-security-policy')!;
  for (const directive of ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'none'"]) {
    assert.ok(csp.includes(directive), directive);
  }
  const nonce = (value: string) => /'nonce-([^']+)'/.exec(value)![1];
  assert.notEqual(nonce(csp), nonce(second.headers.get('content-security-policy')!));
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(first.headers.get('strict-transport-security'), 'max-age=63072000; includeSubDomains; preload');
  assert.equal(first.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(first.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.equal(first.headers.get('cross-origin-resource-policy'), 'same-origin');
  assert.match(first.headers.get('permissions-policy')!, /camera=\(\)/);
  assert.equal(first.headers.get('referrer-policy'), 'same-origin');
  assert.doesNotMatch(first.text, /<script(?![^>]*nonce=)/, 'no script without a nonce');
});

// asvs: V14.3.2
test('signed-in answers are not cached by the browser: Cache-Control no-store on API answers, pages and errors', async () => {
  const { client } = await signedInClient();
  for (const path of ['/api/v1/me', '/api/v1/companies', '/', '/security', '/api/v1/companies/00000000-0000-7000-8000-000000000000']) {
    const answer = await client.get(path);
    assert.ok(answer.status < 500, `${path}: ${answer.status}`);
    assert.equal(answer.headers.get('cache-control'), 'no-store', `${path} (${answer.status})`);
  }
});

// asvs: V13.4.3 V13.4.4
test('TRACE is not answered and no directory is listed: the server serves routes, never a folder', async () => {
  const raw = (method: string, path: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, headers: { 'x-probe': 'echo-me-if-you-trace' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
  for (const path of ['/', '/sign-in', '/api/v1/me', '/healthz']) {
    const traced = await raw('TRACE', path);
    assert.ok(traced.status >= 400 && traced.status < 500, `TRACE ${path}: ${traced.status}`);
    assert.doesNotMatch(traced.body, /echo-me-if-you-trace/, `TRACE ${path} echoes nothing`);
  }
  for (const path of ['/assets/', '/assets', '/app/', '/.git/HEAD', '/.git/', '/sql/', '/release/', '/node_modules/']) {
    const listed = await raw('GET', path);
    assert.equal(listed.status, 404, `GET ${path}`);
    assert.doesNotMatch(listed.body, /Index of|<a href="[^"]*\.(ts|sql|json)"|ref: refs\//, `GET ${path} lists nothing`);
  }
});

// asvs: V3.3.1 V3.3.2 V3.3.4
// asvs: V3.3.3
test('session cookie is __Host-, HttpOnly, Secure, SameSite=Strict; only its SHA-256 is stored', async () => {
  const { client, response } = await signedInClient();
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('__Host-kastell-session='))!;
  assert.match(cookie, /; Path=\//);
  assert.match(cookie, /; HttpOnly/);
  assert.match(cookie, /; Secure/);
  assert.match(cookie, /; SameSite=Strict/);
  assert.doesNotMatch(cookie, /Domain=/i);
  const token = client.cookies.get('__Host-kastell-session')!;
  assert.match(token, /^[A-Za-z0-9_-]{43}$/, '256-bit token');
  const hash = createHash('sha256').update(token).digest();
  const rows = await t.admin`select count(*)::int as n from kastell.sessions where token_hash = ${hash}`;
  assert.equal(rows[0]!.n, 1);
  const clear = await t.admin`select count(*)::int as n from kastell.sessions where encode(token_hash, 'escape') like ${'%' + token + '%'} or ip = ${token} or user_agent = ${token}`;
  assert.equal(clear[0]!.n, 0);
});

// asvs: V7.4.1
// asvs: V7.2.1
test('sign-out ends the session on the server: the old cookie no longer works', async () => {
  const { client } = await signedInClient();
  const token = client.cookies.get('__Host-kastell-session')!;
  assert.equal((await client.get('/api/v1/me')).status, 200);
  assert.equal((await client.postJson('/api/v1/auth/sign-out', undefined)).status, 200);
  const replay = server.client().withSession(token);
  assert.equal((await replay.get('/api/v1/me')).status, 401);
  const [row] = await t.admin`select ended_at, end_reason from kastell.sessions where token_hash = ${createHash('sha256').update(token).digest()}`;
  assert.ok(row!.ended_at);
  assert.equal(row!.end_reason, 'sign_out');
});

// asvs: V7.3.1
test('a session idle longer than its role allows is refused and ended', async () => {
  const { client } = await signedInClient();
  const hash = createHash('sha256').update(client.cookies.get('__Host-kastell-session')!).digest();
  await t.admin`update kastell.sessions set last_seen_at = now() - interval '16 minutes' where token_hash = ${hash}`;
  assert.equal((await client.get('/api/v1/me')).status, 401);
  const [row] = await t.admin`select end_reason from kastell.sessions where token_hash = ${hash}`;
  assert.equal(row!.end_reason, 'idle');
});

test('sign-in failures are generic: unknown account and wrong password answer alike', async () => {
  const unknown = await server.client().postJson('/api/v1/auth/sign-in', { email: 'nobody@example.test', password: 'whatever-password' });
  const wrong = await server.client().postJson('/api/v1/auth/sign-in', { email: admin.email, password: 'whatever-password' });
  assert.equal(unknown.status, 401);
  assert.equal(wrong.status, 401);
  assert.equal(unknown.json().error.message, wrong.json().error.message);
});

// asvs: V3.5.1
// asvs: V3.5.2
test('CSRF: unsafe requests need our Origin; API writes need JSON; forms need the token', async () => {
  const { client } = await signedInClient();
  const noOrigin = await client.request('POST', '/api/v1/companies', { json: { name: 'X' }, origin: null });
  assert.equal(noOrigin.status, 403);
  assert.equal(noOrigin.json().error.code, 'origin_rejected');
  const foreign = await client.request('POST', '/api/v1/companies', { json: { name: 'X' }, origin: 'https://evil.example' });
  assert.equal(foreign.status, 403);
  const asForm = await client.request('POST', '/api/v1/companies', { form: { name: 'X' } });
  assert.equal(asForm.status, 415);
  const formWithoutToken = await client.request('POST', '/companies', { form: { name: 'X' }, csrf: false });
  assert.equal(formWithoutToken.status, 403);
  assert.match(formWithoutToken.text, /form has expired/);
  const formWrongToken = await client.request('POST', '/companies', { form: { name: 'X', _csrf: 'A'.repeat(43) }, csrf: false });
  assert.equal(formWrongToken.status, 403);
  const companies = await t.admin`select count(*)::int as n from kastell.companies where name = 'X'`;
  assert.equal(companies[0]!.n, 0, 'nothing was written by refused requests');
  const good = await client.postForm('/companies', { name: 'Form Co' });
  assert.equal(good.status, 303);
});

// asvs: V15.3.3 V16.5.3
test('bad input gets a 4xx a person can act on, and nothing is half-written', async () => {
  const { client } = await signedInClient();
  const before = (await t.admin`select count(*)::int as n from kastell.companies`)[0]!.n;
  const empty = await client.postJson('/api/v1/companies', { name: '' });
  assert.equal(empty.status, 422);
  assert.deepEqual(empty.json().error.issues, [{ path: 'name', message: 'enter a name' }]);
  const unknown = await client.postJson('/api/v1/companies', { name: 'Ok', isAdmin: true });
  assert.equal(unknown.status, 422);
  assert.match(unknown.json().error.issues[0].message, /unknown field\(s\): isAdmin/);
  const broken = await client.request('POST', '/api/v1/companies', { headers: { 'content-type': 'application/json' }, json: undefined, form: undefined });
  assert.ok([400, 422].includes(broken.status));
  const notJson = await fetch(`${server.url}/api/v1/companies`, {
    method: 'POST', body: '{"name":', headers: { 'content-type': 'application/json', origin: server.url, cookie: `__Host-kastell-session=${client.cookies.get('__Host-kastell-session')}` },
  });
  assert.equal(notJson.status, 400);
  assert.equal((await notJson.json()).error.code, 'invalid_json');
  const badId = await client.get('/api/v1/companies/not-a-uuid');
  assert.equal(badId.status, 404);
  const tooLong = await client.postJson('/api/v1/companies', { name: 'x'.repeat(201) });
  assert.equal(tooLong.status, 422);
  assert.equal(await postRaw(server.url, '/api/v1/companies', 'x'.repeat(2 * 1024 * 1024), client.cookies.get('__Host-kastell-session')!), 413);
  const siteBadCountry = await client.postJson(`/api/v1/companies/${(await t.admin`select company_id from kastell.companies limit 1`)[0]!.company_id}/sites`, { name: 'S', country: 'Switzerland' });
  assert.equal(siteBadCountry.status, 422);
  assert.match(siteBadCountry.text, /two-letter country code/);
  const duplicate = await client.postJson('/api/v1/companies', { name: 'Dup', customerNumber: 'C-1' });
  assert.equal(duplicate.status, 201);
  const again = await client.postJson('/api/v1/companies', { name: 'Dup 2', customerNumber: 'C-1' });
  assert.equal(again.status, 409);
  const after = (await t.admin`select count(*)::int as n from kastell.companies`)[0]!.n;
  assert.equal(after, before + 1, 'only the one valid company was written');
});

test('unauthenticated: API answers 401 JSON, pages redirect to sign-in', async () => {
  const api = await server.client().get('/api/v1/companies');
  assert.equal(api.status, 401);
  assert.equal(api.json().error.code, 'unauthenticated');
  const page = await server.client().get('/companies');
  assert.equal(page.status, 303);
  assert.equal(page.headers.get('location'), '/sign-in');
});

test('the OpenAPI document is generated from the same schemas', async () => {
  const doc = (await server.client().get('/api/v1/openapi.json')).json();
  assert.equal(doc.openapi, '3.1.0');
  const create = doc.paths['/api/v1/companies'].post;
  assert.equal(create.requestBody.content['application/json'].schema.additionalProperties, false);
  assert.deepEqual(create.requestBody.content['application/json'].schema.required, ['name']);
  assert.ok(doc.paths['/api/v1/sites/{siteId}/assets'].post);
});

test('healthz and readyz', async () => {
  assert.equal((await server.client().get('/healthz')).status, 200);
  const ready = await server.client().get('/readyz');
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.json().checks, { database: 'ok', storage: 'ok' });
});

/** Status of a raw POST; the server may answer before it has read the whole body. */
function postRaw(base: string, path: string, body: string, session: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), origin: base, cookie: `__Host-kastell-session=${session}` },
    }, (res) => { res.resume(); resolve(res.statusCode!); });
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    req.end(body);
  });
}

test('PATCH keeps omitted fields and clears the ones sent as null', async () => {
  const { client } = await signedInClient();
  const created = (await client.postJson('/api/v1/companies', { name: 'Patch AG', customerNumber: 'P-1' })).json();
  const site = (await client.postJson(`/api/v1/companies/${created.companyId}/sites`, { name: 'Hall', city: 'Basel', country: 'ch' })).json();
  assert.equal(site.country, 'CH');
  const renamed = (await client.request('PATCH', `/api/v1/sites/${site.siteId}`, { json: { name: 'Hall 2' } })).json();
  assert.deepEqual([renamed.name, renamed.city], ['Hall 2', 'Basel']);
  const cleared = (await client.request('PATCH', `/api/v1/sites/${site.siteId}`, { json: { city: null } })).json();
  assert.deepEqual([cleared.name, cleared.city], ['Hall 2', null]);
  const nameNull = await client.request('PATCH', `/api/v1/sites/${site.siteId}`, { json: { name: null } });
  assert.equal(nameNull.status, 422, 'a required field cannot be cleared');
  const company = (await client.request('PATCH', `/api/v1/companies/${created.companyId}`, { json: { customerNumber: null } })).json();
  assert.equal(company.customerNumber, null);
});

// asvs: V7.2.4
// asvs: V7.2.2
test('signing in again issues a new session id and ends the one the browser held', async () => {
  const { client } = await signedInClient();
  const first = client.cookies.get('__Host-kastell-session')!;
  await forgetTotpStep(t.admin, admin.userId);
  await signInWithTotp(client, admin);
  const second = client.cookies.get('__Host-kastell-session')!;
  assert.notEqual(first, second);
  assert.equal((await server.client().withSession(first).get('/api/v1/me')).status, 401);
  assert.equal((await server.client().withSession(second).get('/api/v1/me')).status, 200);
});
