// Crash consistency in `npm test`: the regression found by the full run
// (`npm run test:crash`, test/crash/driver.ts), deterministic, and a short
// random run of the driver itself.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { after, test } from 'node:test';
import { createTestDatabase } from '../harness/database.ts';
import { freePort } from '../harness/postgres.ts';
import { seedSession, seedUser } from '../harness/seed.ts';
import { TestClient } from '../harness/server.ts';
import { formatReport, kastellEnv, KastellProcess, reportIsClean, requestTimeoutMs, runCrash } from './driver.ts';

test('Kastell killed while a create with an Idempotency-Key runs: the retry with the key creates it, once', async () => {
  const t = await createTestDatabase();
  const work = mkdtempSync(join(tmpdir(), 'kastell-crash-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  const port = await freePort();
  const kastell = new KastellProcess(kastellEnv(t.appUrl, port, work), `http://127.0.0.1:${port}`, () => {});
  t.beforeDrop(() => kastell.stop());
  await kastell.start();
  const owner = await seedUser(t.admin, 'owner');
  const client = new TestClient(kastell.url).withSession(await seedSession(t.admin, owner.userId, '12 hours'));
  const key = randomUUID();
  const create = () => client.request('POST', '/api/v1/companies', { json: { name: 'Crash once AG' }, headers: { 'idempotency-key': key } });

  // Hold the companies table, so the create waits inside its transaction; kill Kastell there (no error handler runs).
  const reserved = await t.admin.reserve();
  await reserved`begin`;
  await reserved`lock table kastell.companies in access exclusive mode`;
  const answer = create().catch((error: Error) => error);
  for (let i = 0; i < 200; i++) {
    const [waiting] = await t.admin`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike '%companies%'`;
    if (waiting!.n > 0) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  await kastell.kill();
  assert.ok((await answer) instanceof Error, 'the killed request got no answer');
  await reserved`rollback`;
  reserved.release();
  await kastell.start();

  const retry = await create();
  assert.equal(retry.status, 201, `the retry with the same key: ${retry.text}`);
  const again = await create();
  assert.equal(again.status, 201);
  assert.equal(again.headers.get('idempotency-replayed'), 'true');
  const [rows] = await t.admin`select count(*)::int as n from kastell.companies where name = 'Crash once AG'`;
  assert.equal(rows!.n, 1, 'created exactly once');
  const [open] = await t.admin`select count(*)::int as n from kastell.idempotency_keys where response_status is null`;
  assert.equal(open!.n, 0, 'no key left claimed without its answer');
});

// asvs: V2.3.3
test('short crash run: kills of PostgreSQL and Kastell under load lose, duplicate and half-write nothing, and the chain holds', async () => {
  const report = await runCrash({ kills: 6, clients: 2, maxMs: 60_000 });
  console.log(formatReport(report));
  assert.ok(report.kills.total >= 6, `only ${report.kills.total} kills`);
  assert.ok(report.acknowledged > 0, 'nothing was acknowledged: the load did not run');
  assert.ok(report.kills.postgres >= 1, "PostgreSQL was killed at least once");
  assert.deepEqual(report.deaths, [], "Kastell survives its database's crash");
  assert.ok(reportIsClean(report), formatReport(report));
});

test("a crash client's request to a server that never finishes its answer is abandoned, not awaited forever", async () => {
  // the full run once hung at its end on one fetch whose connection never answered: every client request has a timeout now
  assert.ok(requestTimeoutMs > 0 && requestTimeoutMs <= 60_000);
  const sockets = new Set<import('node:net').Socket>();
  const silent = createServer((_request, response) => { response.writeHead(200); response.write('half'); /* never ends */ });
  silent.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  after(() => { for (const socket of sockets) socket.destroy(); silent.close(); });
  const { port } = silent.address() as { port: number };
  const client = new TestClient(`http://127.0.0.1:${port}`, { timeoutMs: 300 });
  const outcome = await client.get('/api/v1/me').then(() => 'answered', (error: Error) => error.name);
  assert.equal(outcome, 'TimeoutError', 'the body that never ends is given up after the timeout');
});
