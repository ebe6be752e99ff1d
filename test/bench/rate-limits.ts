// The database-backed request limits' cost per request: GET /api/v1/me (a
// signed-in API call, the cheapest there is, so the limiter's share is as
// large as it gets) and PATCH /api/v1/companies/:id (a write: both the
// write and the API counter) at 16 concurrent clients, on two servers over
// one database — one counting every request in kastell.rate_limit_windows
// (limits far above the load), one with both per-user limits off — in
// alternating rounds. Prints requests/s, p50/p99 and the ratio on/off.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../app/config.ts';
import { createLogger } from '../../app/log.ts';
import { startServer } from '../../app/server.ts';
import { freePort, type Cluster } from '../harness/postgres.ts';
import { seedCompany, seedSession, seedUser } from '../harness/seed.ts';
import { cloneTemplate, percentile } from './database.ts';

export async function runRateLimits(cluster: Cluster, appPassword: string, options: { seconds: number; rounds: number; clients: number; print: (line: string) => void }): Promise<void> {
  const database = await cloneTemplate(cluster, appPassword);
  const start = async (limits: string) => startServer(parseConfig({
    KASTELL_DATABASE_URL: database.appUrl,
    KASTELL_HTTP_PORT: String(await freePort()),
    KASTELL_DATA_DIR: mkdtempSync(join(tmpdir(), 'kastell-bench-')),
    KASTELL_LOG_LEVEL: 'silent',
    KASTELL_JOBS: 'off',
    KASTELL_USER_WRITES_PER_MINUTE: limits,
    KASTELL_USER_API_PER_MINUTE: limits,
  }), createLogger({ level: 'silent' }));
  const servers = { on: await start('1000000'), off: await start('0') };
  const company = await seedCompany(database.admin, 'Bench AG');
  const user = await seedUser(database.admin, 'customer_admin', company);
  const token = await seedSession(database.admin, user.userId, '1 hour');
  const origin = (url: string) => new URL(url).origin;

  const run = async (side: 'on' | 'off', kind: 'read' | 'write') => {
    const url = servers[side].url;
    const headers = { cookie: `__Host-kastell-session=${token}`, origin: origin(url), 'content-type': 'application/json' };
    const latencies: number[] = [];
    let errors = 0;
    let stop = false;
    let n = 0;
    const started = performance.now();
    const clients = Array.from({ length: options.clients }, async () => {
      while (!stop) {
        const t0 = performance.now();
        const response = kind === 'read'
          ? await fetch(`${url}/api/v1/me`, { headers })
          : await fetch(`${url}/api/v1/companies/${company}`, { method: 'PATCH', headers, body: JSON.stringify({ name: `Bench AG ${n++ % 10}` }) });
        await response.arrayBuffer();
        if (response.status === 200) latencies.push(performance.now() - t0);
        else errors += 1;
      }
    });
    await new Promise((r) => setTimeout(r, options.seconds * 1000));
    stop = true;
    await Promise.all(clients);
    const seconds = (performance.now() - started) / 1000;
    return { count: latencies.length, seconds, errors, latencies };
  };

  try {
    for (const kind of ['read', 'write'] as const) {
      await run('on', kind); // warm-up both
      await run('off', kind);
      const totals = { on: { count: 0, seconds: 0, lat: [] as number[], errors: 0 }, off: { count: 0, seconds: 0, lat: [] as number[], errors: 0 } };
      for (let round = 0; round < options.rounds; round++) {
        for (const side of round % 2 === 0 ? ['off', 'on'] as const : ['on', 'off'] as const) {
          const r = await run(side, kind);
          totals[side].count += r.count; totals[side].seconds += r.seconds; totals[side].errors += r.errors; totals[side].lat.push(...r.latencies);
          options.print(`limits ${kind} ${side === 'on' ? 'counted' : 'off    '} round ${round + 1}: ${(r.count / r.seconds).toFixed(0)}/s (${r.errors} errors)`);
        }
      }
      const rate = (side: 'on' | 'off') => totals[side].count / totals[side].seconds;
      const lat = (side: 'on' | 'off', p: number) => percentile(totals[side].lat.sort((a, b) => a - b), p).toFixed(1);
      const what = kind === 'read' ? 'GET /api/v1/me' : 'PATCH /api/v1/companies/:id';
      options.print(`RESULT per-user limits, ${what} at ${options.clients} clients: counted ${rate('on').toFixed(0)}/s (p50 ${lat('on', 50)} ms, p99 ${lat('on', 99)} ms) vs off ${rate('off').toFixed(0)}/s (p50 ${lat('off', 50)} ms, p99 ${lat('off', 99)} ms): ratio ${(rate('on') / rate('off')).toFixed(2)}${totals.on.errors + totals.off.errors ? ` — ${totals.on.errors + totals.off.errors} ERRORS` : ''}`);
    }
  } finally {
    await servers.on.close();
    await servers.off.close();
    await database.drop();
  }
}
