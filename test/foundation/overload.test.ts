// Overload (issue 15 part 6, README "Limits under overload"): past each bound
// a request is answered 503 with Retry-After before any work is done for it,
// instead of waiting in a queue that grows. Slow requests are made slow by a
// lock on the table they write (held by the test), never by timing.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { startClamd } from '../harness/clamd.ts';
import { createTestDatabase, type TestDatabase } from '../harness/database.ts';
import { seedCompany, seedSession, seedUser } from '../harness/seed.ts';
import { startTestServer, TestClient, type TestResponse } from '../harness/server.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` (at most ~30 s: the test fails rather than hangs). */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await condition()) return;
    await sleep(50);
  }
  assert.fail(`never: ${what}`);
}

/** Holds an exclusive lock on kastell.companies: a create waits inside its transaction until release(). */
async function lockCompanies(t: TestDatabase): Promise<{ release: () => Promise<void> }> {
  const reserved = await t.admin.reserve();
  await reserved`begin`;
  await reserved`lock table kastell.companies in access exclusive mode`;
  let held = true;
  return { release: async () => { if (!held) return; held = false; await reserved`rollback`; reserved.release(); } };
}

const waitingOnCompanies = async (t: TestDatabase) => {
  const [row] = await t.admin`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike '%companies%'`;
  return row!.n as number;
};

function assertShed(response: TestResponse, what: string) {
  assert.equal(response.status, 503, `${what}: ${response.text}`);
  assert.equal(response.headers.get('retry-after'), '1', `${what}: Retry-After`);
  assert.equal(response.json().error.code, 'busy', what);
}

async function owner(t: TestDatabase, url: string) {
  const user = await seedUser(t.admin, 'owner', null, `owner-${randomUUID().slice(0, 8)}@example.test`);
  return new TestClient(url).withSession(await seedSession(t.admin, user.userId, '12 hours'));
}

test('with a bound of N requests in flight, N + k concurrent slow requests: exactly k are answered 503 with Retry-After at once, nothing of them is written, the N finish', async () => {
  const t = await createTestDatabase();
  const N = 3;
  const k = 2;
  const server = await startTestServer(t, { KASTELL_HTTP_MAX_IN_FLIGHT: String(N), KASTELL_HTTP_QUEUE: '0' });
  const client = await owner(t, server.url);
  const lock = await lockCompanies(t);
  t.beforeDrop(() => lock.release()); // a failing assertion must not leave the lock (and the test) hanging
  const names = Array.from({ length: N + k }, (_, i) => `Overload ${i} AG`);
  const settled: TestResponse[] = [];
  const answers = names.map((name) => client.request('POST', '/api/v1/companies', { json: { name }, headers: { 'idempotency-key': randomUUID() } })
    .then((response) => { settled.push(response); return response; }));
  // k answers come back while N creates wait on the lock (a missing bound: all N + k wait, none answers)
  await until(async () => settled.length >= k && (await waitingOnCompanies(t)) >= N, `${k} answers while ${N} wait`);
  assert.equal(settled.length, k, 'only the requests past the bound are answered while the others run');
  for (const response of settled) assertShed(response, 'a request past the bound');
  assert.equal(server.bounds.http.running, N);

  // while saturated: the health endpoints answer, a page is shed as a page (translated), nothing waits
  const health = await new TestClient(server.url).get('/healthz');
  assert.equal(health.status, 200, 'healthz is never shed');
  const ready = await new TestClient(server.url).get('/readyz');
  assert.equal(ready.status, 200, `readyz is never shed: ${ready.text}`);
  const page = await new TestClient(server.url).request('GET', '/sign-in', { headers: { 'accept-language': 'de' } });
  assert.equal(page.status, 503);
  assert.equal(page.headers.get('retry-after'), '1');
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.match(page.text, /Der Server ist gerade ausgelastet/);

  await lock.release();
  const all = await Promise.all(answers);
  assert.equal(all.filter((r) => r.status === 201).length, N, all.map((r) => `${r.status} ${r.text.slice(0, 80)}`).join('\n'));
  assert.equal(all.filter((r) => r.status === 503).length, k);
  // nothing half-written: the shed ones left no row, no event, no claimed key; the served ones one of each
  const created = await t.admin`select name from kastell.companies where name like 'Overload % AG'`;
  assert.equal(created.length, N);
  const shedNames = names.filter((name) => !created.some((row) => row.name === name));
  assert.equal(shedNames.length, k);
  const [events] = await t.admin`select count(*)::int as n from audit.events where action = 'company.created'
    and entity_id in (select company_id::text from kastell.companies where name like 'Overload % AG')`;
  assert.equal(events!.n, N);
  const [keys] = await t.admin`select count(*)::int as n, count(*) filter (where response_status is null)::int as open from kastell.idempotency_keys`;
  assert.equal(keys!.n, N, 'only the served creates claimed their idempotency key');
  assert.equal(keys!.open, 0);
  assert.equal(server.bounds.http.running, 0, 'every slot is given back');
});

test('the database pool-wait bound: past the pool and its queue a request is answered 503, and one that waited too long too — it does not hang', async () => {
  const t = await createTestDatabase();
  const server = await startTestServer(t, { KASTELL_DB_POOL_MAX: '2', KASTELL_DB_POOL_QUEUE: '1', KASTELL_DB_POOL_WAIT_MS: '300' });
  const client = await owner(t, server.url);
  const pool = server.bounds.database!;
  assert.ok(pool, 'the server bounds its pool');
  const lock = await lockCompanies(t);
  t.beforeDrop(() => lock.release());
  // two creates take both transaction slots (one waits on the lock, the other for a connection)
  const held = [0, 1].map((i) => client.request('POST', '/api/v1/companies', { json: { name: `Pool ${i} AG` }, headers: { 'idempotency-key': randomUUID() } }));
  await until(() => pool.running === 2, 'both pool slots taken');
  const queued = client.request('POST', '/api/v1/companies', { json: { name: 'Pool queued AG' }, headers: { 'idempotency-key': randomUUID() } });
  await until(() => pool.queued === 1, 'one transaction waiting');
  const refused = await client.request('POST', '/api/v1/companies', { json: { name: 'Pool refused AG' }, headers: { 'idempotency-key': randomUUID() } });
  assertShed(refused, 'past the pool and its queue');
  // the queued one is answered while the pool is still full (the lock is still held): it does not hang
  assertShed(await queued, 'waited past the pool-wait bound');
  const ready = await new TestClient(server.url).get('/readyz');
  assert.equal(ready.status, 200, `readyz answers on its own connection while the pool is full: ${ready.text}`);
  assert.equal(pool.running, 2, 'the held creates still hold the pool');

  await lock.release();
  for (const response of await Promise.all(held)) assert.equal(response.status, 201, response.text);
  const rows = await t.admin`select name from kastell.companies where name like 'Pool % AG' order by name`;
  assert.deepEqual(rows.map((r) => r.name), ['Pool 0 AG', 'Pool 1 AG']);
  const [keys] = await t.admin`select count(*)::int as n from kastell.idempotency_keys`;
  assert.equal(keys!.n, 2, 'the refused creates claimed no key');
});

test('the upload bound: while one upload body streams in, a second upload is answered 503 before its body is read; the first completes', async () => {
  const clamd = await startClamd();
  const t = await createTestDatabase();
  const server = await startTestServer(t, { KASTELL_CLAMD_SOCKET: clamd.socket, KASTELL_UPLOAD_CONCURRENCY: '1', KASTELL_UPLOAD_QUEUE: '0' });
  const company = await seedCompany(t.admin, 'Upload AG');
  const member = await seedUser(t.admin, 'customer_member', company);
  const client = new TestClient(server.url).withSession(await seedSession(t.admin, member.userId, '30 minutes'));
  await client.get('/sign-in'); // the CSRF cookie the form field repeats
  const csrf = client.cookies.get('__Host-kastell-csrf') ?? '';
  const boundary = `----overload${randomUUID()}`;
  const head = (title: string) => [
    `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n`,
    `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n${title}\r\n`,
    `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nother\r\n`,
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\n`,
  ].join('');
  const tail = `line one\nline two\n\r\n--${boundary}--\r\n`;
  const headers = {
    'content-type': `multipart/form-data; boundary=${boundary}`,
    origin: new URL(server.url).origin,
    cookie: [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
  };
  const path = `/api/v1/companies/${company}/documents`;

  // the first upload: its head now, its end only once the second has been refused
  let finish!: () => void;
  const slow = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(head('Slow upload')));
      finish = () => { controller.enqueue(new TextEncoder().encode(tail)); controller.close(); };
    },
  });
  t.beforeDrop(async () => { try { finish(); } catch { /* finished already */ } });
  const first = fetch(server.url + path, { method: 'POST', headers, body: slow, duplex: 'half' } as RequestInit & { duplex: 'half' });
  await until(() => server.bounds.uploads.running === 1, 'the first upload holds the slot');

  const second = await fetch(server.url + path, { method: 'POST', headers, body: head('Refused upload') + tail });
  const text = await second.text();
  assert.equal(second.status, 503, text);
  assert.equal(second.headers.get('retry-after'), '1');
  assert.equal(JSON.parse(text).error.code, 'busy');
  assert.equal(second.headers.get('connection'), 'close', 'the unread body is not read: the connection closes');
  assert.equal(server.bounds.uploads.running, 1);

  finish();
  const answered = await first;
  const body = await answered.text();
  assert.equal(answered.status, 201, body);
  const documents = await t.admin`select title from kastell.documents where company_id = ${company}`;
  assert.deepEqual(documents.map((d) => d.title), ['Slow upload'], 'the refused upload left no document');
  assert.equal(server.bounds.uploads.running, 0);
});

test('past the in-flight bound and its queue a request is answered in front of the framework, with the answer the framework gives: the JSON error and its request id, the security headers, the page in the reader\'s language, a short body read and dropped (the connection kept), a long one left unread (Connection: close)', async () => {
  const t = await createTestDatabase();
  // one slot, one place in the queue; the queued request waits 5 s, then the framework itself answers it 503 (to compare)
  const server = await startTestServer(t, { KASTELL_HTTP_MAX_IN_FLIGHT: '1', KASTELL_HTTP_QUEUE: '1', KASTELL_HTTP_QUEUE_WAIT_MS: '5000' });
  const client = await owner(t, server.url);
  const lock = await lockCompanies(t);
  t.beforeDrop(() => lock.release());
  const held = client.request('POST', '/api/v1/companies', { json: { name: 'Early AG' }, headers: { 'idempotency-key': randomUUID() } });
  await until(async () => server.bounds.http.running === 1 && (await waitingOnCompanies(t)) === 1, 'the slot held by a create waiting on the lock');
  const queued = client.get('/api/v1/companies');
  await until(() => server.bounds.http.queued === 1, 'one request waiting for the slot');
  assert.equal(server.answeredEarly(), 0);

  // the bound is full: these never reach the framework
  const api = await client.get('/api/v1/companies?limit=5');
  assertShed(api, 'an API request past the bound');
  const requestId = api.headers.get('x-request-id') ?? '';
  assert.match(requestId, /^[0-9a-f-]{36}$/);
  assert.equal(api.json().error.requestId, requestId, 'the body names the request id the header carries');
  assert.match(api.headers.get('content-type') ?? '', /^application\/json/);
  const page = await new TestClient(server.url).request('GET', '/sign-in', { headers: { cookie: 'kastell-locale=fr', 'accept-language': 'de' } });
  assert.equal(page.status, 503);
  assert.equal(page.headers.get('retry-after'), '1');
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(page.text, /<html lang="fr">/);
  assert.match(page.text, /Le serveur est surchargé en ce moment/, 'the locale cookie wins over Accept-Language, as in the framework');
  const german = await new TestClient(server.url).request('GET', '/', { headers: { 'accept-language': 'de-CH, en;q=0.5' } });
  assert.match(german.text, /Der Server ist gerade ausgelastet/);
  const post = await client.request('POST', '/api/v1/companies', { json: { name: 'Never AG' }, headers: { 'idempotency-key': randomUUID() } });
  assertShed(post, 'a create past the bound');
  assert.notEqual(post.headers.get('connection'), 'close', 'a short body is read and dropped: the connection stays open');
  const long = await client.request('POST', '/api/v1/companies', { json: { name: 'x'.repeat(17 * 1024) }, headers: { 'idempotency-key': randomUUID() } });
  assertShed(long, 'a create with a long body past the bound');
  assert.equal(long.headers.get('connection'), 'close', 'a body over 16 KiB is not read: the connection closes');
  assert.equal((await new TestClient(server.url).get('/healthz')).status, 200, 'healthz passes');
  assert.equal((await new TestClient(server.url).get('/readyz')).status, 200, 'readyz passes');
  assert.equal(server.answeredEarly(), 5, 'the five were answered in front of the framework');

  // the framework's own 503 (the queued request, after its 5 s): the same error and the same security headers
  const late = await queued;
  assertShed(late, 'the queued request, past its wait');
  assert.equal(server.answeredEarly(), 5, 'that one was answered by the framework');
  assert.deepEqual({ ...api.json().error, requestId: '' }, { ...late.json().error, requestId: '' });
  for (const name of ['strict-transport-security', 'x-content-type-options', 'referrer-policy', 'cross-origin-opener-policy',
    'cross-origin-resource-policy', 'x-frame-options', 'permissions-policy', 'cache-control', 'retry-after']) {
    assert.equal(api.headers.get(name), late.headers.get(name), name);
  }
  assert.match(api.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  assert.match(api.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);

  await lock.release();
  assert.equal((await held).status, 201);
  const rows = await t.admin`select name from kastell.companies where name in ('Early AG', 'Never AG')`;
  assert.deepEqual(rows.map((r) => r.name), ['Early AG'], 'the shed create wrote nothing');
  assert.equal(server.bounds.http.running, 0);
});
