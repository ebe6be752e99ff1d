// The appliance's nginx site in front of Kastell (ansible/roles/nginx:
// the template's upstream pool and zone, files/snippets/kastell-app.conf),
// run by a real nginx with the very files the role installs. What it must do
// (README "Limits under overload"): keep connections to the app alive, answer
// a request past its bound of 256 in flight with a fast 503 of Kastell's
// shape itself, and say "busy" — not 502 after a minute — when the app does
// not answer the connection. The upstream here is a bare Node server that
// holds requests until told, so the bound can be filled without timing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { nginxVersion, startNginxFront, type NginxFront } from '../harness/nginx-front.ts';
import { freePort } from '../harness/postgres.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });

interface Answer { status: number; headers: IncomingMessage['headers']; body: string }
function get(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    }).on('error', reject).end();
  });
}

/** An upstream that counts connections and requests and holds `/hold` requests until release(). */
function holdingUpstream() {
  let connections = 0;
  let arrived = 0;
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    arrived++;
    if (req.url?.startsWith('/hold')) { held.push(res); return; }
    if (req.url?.startsWith('/own-503')) {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"error":{"code":"busy","message":"from the app"}}');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  server.on('connection', () => { connections++; });
  return {
    server,
    connections: () => connections,
    arrived: () => arrived,
    release: () => { for (const res of held.splice(0)) res.writeHead(200).end('released'); },
  };
}

let work!: string;
let upstream!: ReturnType<typeof holdingUpstream>;
let upstreamPort: number;
let nginx!: NginxFront; // unset when before() failed (after() checks)

before(async () => {
  assert.ok(nginxVersion(), 'nginx not found: apt-get install nginx (.ci/run installs it; so does the appliance role)');
  work = mkdtempSync(join(tmpdir(), 'kastell-nginx-site-'));
  upstream = holdingUpstream();
  upstreamPort = await freePort();
  await new Promise<void>((resolve) => upstream.server.listen(upstreamPort, '127.0.0.1', resolve));
  nginx = await startNginxFront(join(work, 'nginx'), await freePort(), `127.0.0.1:${upstreamPort}`);
});
after(async () => {
  if (nginx) await nginx.stop();
  if (upstream) {
    upstream.release();
    upstream.server.closeAllConnections();
    if (upstream.server.listening) await new Promise((resolve) => upstream.server.close(resolve));
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

test('requests one after another reach the app over one kept-alive connection', async () => {
  const before = upstream.connections();
  for (let i = 0; i < 5; i++) assert.equal((await get(`${nginx.url}/api/v1/ping`)).status, 200);
  assert.equal(upstream.connections() - before <= 1, true, `opened ${upstream.connections() - before} connections for 5 requests`);
});

test("the app's own 503 passes through untouched", async () => {
  const answer = await get(`${nginx.url}/own-503`);
  assert.equal(answer.status, 503);
  assert.match(answer.body, /from the app/);
});

test('past 256 requests in flight nginx answers 503 at once, in the shape of Kastell\'s shed answer', async () => {
  const arrivedBefore = upstream.arrived();
  const held = Array.from({ length: 256 }, (_, i) => get(`${nginx.url}/hold/${i}`));
  for (let i = 0; i < 600 && upstream.arrived() - arrivedBefore < 256; i++) await sleep(50);
  assert.equal(upstream.arrived() - arrivedBefore, 256, 'all 256 held requests reached the app');

  const api = await get(`${nginx.url}/api/v1/companies`);
  assert.equal(api.status, 503, api.body);
  assert.equal(api.headers['retry-after'], '1');
  assert.match(String(api.headers['content-type']), /^application\/json/);
  assert.equal(JSON.parse(api.body).error.code, 'busy');
  assert.match(JSON.parse(api.body).error.requestId, /^[0-9a-f]{32}$/);
  assert.equal(api.headers['x-request-id'], JSON.parse(api.body).error.requestId);
  assert.equal(api.headers['strict-transport-security'], 'max-age=63072000', 'HSTS on nginx\'s own answer too');
  assert.equal(api.headers['x-content-type-options'], 'nosniff');
  assert.equal(api.headers['cache-control'], 'no-store');

  const page = await get(`${nginx.url}/jobs`);
  assert.equal(page.status, 503);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(page.body, /busy/);
  assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
  assert.equal(upstream.arrived() - arrivedBefore, 256, 'the refused requests never reached the app');
  for (const health of ['/healthz', '/readyz']) assert.equal((await get(`${nginx.url}${health}`)).status, 200, `${health} is never shed`);

  upstream.release();
  for (const answer of await Promise.all(held)) assert.equal(answer.status, 200);
  assert.equal((await get(`${nginx.url}/api/v1/ping`)).status, 200, 'room again once they ended');
});

test('the app not answering the connection is "busy", not a 502', async () => {
  upstream.server.closeAllConnections();
  await new Promise((resolve) => upstream.server.close(resolve));
  const answer = await get(`${nginx.url}/api/v1/companies`);
  assert.equal(answer.status, 503, answer.body);
  assert.equal(JSON.parse(answer.body).error.code, 'busy');
  assert.equal(answer.headers['retry-after'], '1');
  // listening again for after()
  await new Promise<void>((resolve) => upstream.server.listen(upstreamPort, '127.0.0.1', resolve));
  assert.deepEqual(nginx.errors().filter((line) => !/connect\(\) failed|no live upstreams/.test(line)), []);
});
