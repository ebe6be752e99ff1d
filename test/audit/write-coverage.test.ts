// Every route that writes records an audit event in the same request — and a
// route added later without one fails here: the test lists every POST, PATCH,
// PUT and DELETE route of the application and requires a scenario for it in
// its feature's kit (test/features/); each scenario must succeed and leave an
// event carrying the request's id (X-Request-Id) and the expected action.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../app/config.ts';
import { createApp } from '../../app/app.tsx';
import { createLogger } from '../../app/log.ts';
import { createDocumentStore } from '../../app/storage/open-store.ts';
import { collect } from '../features/index.ts';
import type { AuditWorld } from '../features/kit.ts';
import { createTestDatabase, testDataDir } from '../harness/database.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);
const config = parseConfig({ KASTELL_DATABASE_URL: t.appUrl, KASTELL_DATA_DIR: testDataDir(t.name), KASTELL_JOBS: 'off' });

// In the kits' order (test/features/index.ts), and within a kit in the order it lists them: each may use what the ones before created.
const given = collect((kit) => kit.audit?.scenarios);
const scenarios = given.all;
/** Writes nothing a person could be held to account for; says why. */
const exempted = collect((kit) => kit.audit?.exempt);
const exempt = exempted.all;

function writingRoutes(): string[] {
  const { app } = createApp({
    config: config, db: t.db, store: createDocumentStore(config.storage), log: createLogger({ level: 'silent' }), audit: server.audit,
  });
  const routes = new Set<string>();
  for (const route of app.routes) {
    if (['POST', 'PATCH', 'PUT', 'DELETE'].includes(route.method)) routes.add(`${route.method} ${route.path}`);
  }
  return [...routes].sort();
}

test('every writing route has an audit scenario here (add one with the route)', () => {
  const routes = writingRoutes();
  assert.ok(routes.length >= 20, `found only ${routes.length} writing routes: is the route listing broken?`);
  const missing = routes.filter((route) => !(route in scenarios) && !(route in exempt));
  assert.deepEqual(missing, [], 'writing routes without an audit scenario');
  const stale = [...Object.keys(scenarios), ...Object.keys(exempt)].filter((route) => !routes.includes(route));
  assert.deepEqual(stale, [], 'scenarios or exemptions for routes that no longer exist');
  assert.deepEqual([...given.twice, ...exempted.twice], [], 'routes with a scenario or an exemption in more than one kit');
  assert.deepEqual(Object.keys(scenarios).filter((route) => route in exempt), [], 'routes both exempt and with a scenario');
});

test('every writing route records its event in the same request', async () => {
  const world: AuditWorld = {
    t, server, config, owner: server.client(), anonymous: server.client(), email: 'owner@example.test', password: 'a long enough passphrase 42', ids: {},
  };
  for (const [route, scenario] of Object.entries(scenarios)) {
    const response = await scenario.run(world);
    assert.ok(response.status < 400, `${route}: status ${response.status} ${response.text.slice(0, 300)}`);
    const requestId = response.headers.get('x-request-id');
    assert.ok(requestId, `${route}: response carries a request id`);
    const events = await t.admin<{ action: string; outcome: string }[]>`select action, outcome from audit.events where request_id = ${requestId}`;
    assert.ok(events.some((e) => e.action === scenario.action && e.outcome === 'success'),
      `${route}: expected an audit event ${scenario.action} for request ${requestId}, found [${events.map((e) => e.action).join(', ')}]`);
  }
});
