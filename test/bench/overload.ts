// `npm run bench -- overload` (issue 15 part 6): what Kastell does at ten
// times the throughput it can serve. Kastell runs in a child process of its
// own (`node app/main.ts`), so the RSS read from /proc/<pid>/status is the
// server's alone. First a closed loop (a fixed number of clients, each
// sending its next request when the last was answered) measures what it can
// serve; then an open loop offers `factor` times that rate whatever the
// answers — each request's latency counted from when it was due, so a slow
// answer cannot hide the requests that should have been sent meanwhile. It
// prints p99 of the shed (503) and the served (200) requests, the shed share,
// and the peak RSS (sampled VmRSS and VmHWM) against an idle baseline of the
// same process. The same open loop is then offered to a second process whose
// bounds are lifted (KASTELL_HTTP_MAX_IN_FLIGHT, the pool queue … set huge)
// — what the bounds prevent.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kastellEnv } from '../crash/driver.ts';
import { freePort, type Cluster } from '../harness/postgres.ts';
import { seedCompany, seedSession, seedUser } from '../harness/seed.ts';
import { cloneTemplate, percentile } from './database.ts';
import { memoryOf, sampleRss, startKastellProcess, stopKastellProcess } from './server-process.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

interface OpenLoopRun {
  offeredPerSecond: number;
  scheduled: number;
  /** how far behind schedule the generator itself fell at worst (this machine's load generator shares its cores) */
  maxLagMs: number;
  served: number[];
  shed: number[];
  /** the same, counted from when the request was actually sent (without the load generator's own lag) */
  servedSent: number[];
  shedSent: number[];
  /** other statuses, and no answer within the client timeout */
  other: Map<string, number>;
  peakRss: number;
  hwm: number;
}

async function startKastell(env: Record<string, string>, url: string): Promise<ChildProcess> {
  // KASTELL_BENCH_OVERLOAD_LOG=<file>: the server's request log (level info) goes there — its `ms` is the time inside Kastell
  const logFile = process.env.KASTELL_BENCH_OVERLOAD_LOG;
  return startKastellProcess({ ...env, ...(logFile ? { KASTELL_LOG_LEVEL: 'info' } : {}) }, url, logFile ? openSync(logFile, 'a') : 'ignore');
}

export async function runOverload(cluster: Cluster, appPassword: string, options: {
  seconds: number; clients: number; factor: number; timeoutMs: number; unbounded: boolean; print: (line: string) => void;
}): Promise<void> {
  const { print } = options;
  const database = await cloneTemplate(cluster, appPassword);
  const work = mkdtempSync(join(tmpdir(), 'kastell-bench-overload-'));
  try {
    // the request: a signed-in operator's company list (session lookup, RLS query, presenter) over 50 companies
    const user = await seedUser(database.admin, 'owner', null, 'overload.owner@example.test');
    const token = await seedSession(database.admin, user.userId, '2 hours');
    for (let i = 0; i < 50; i++) await seedCompany(database.admin, `Overload bench ${i} AG`);
    const headers = { cookie: `__Host-kastell-session=${token}` };

    const measure = async (label: string, extraEnv: Record<string, string>, rate?: number) => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const child = await startKastell({ ...kastellEnv(database.appUrl, port, work), ...extraEnv }, url);
      const pid = child.pid!;
      const get = async () => {
        const started = performance.now();
        const response = await fetch(`${url}/api/v1/companies`, { headers, signal: AbortSignal.timeout(options.timeoutMs) });
        await response.arrayBuffer();
        return { status: response.status, ms: performance.now() - started };
      };
      try {
        // warm up (JIT, the pool's connections), then let it settle: the idle baseline of this process
        const warmUntil = Date.now() + 2000;
        await Promise.all(Array.from({ length: 4 }, async () => { while (Date.now() < warmUntil) await get().catch(() => {}); }));
        await sleep(2000);
        const idle = memoryOf(pid);

        // closed loop: what it can serve
        let servedClosed = 0;
        const closedLatencies: number[] = [];
        const closedUntil = Date.now() + options.seconds * 1000;
        const closedStarted = performance.now();
        await Promise.all(Array.from({ length: options.clients }, async () => {
          while (Date.now() < closedUntil) {
            const answer = await get().catch(() => undefined);
            if (answer?.status === 200) { servedClosed += 1; closedLatencies.push(answer.ms); }
          }
        }));
        const capacity = servedClosed / ((performance.now() - closedStarted) / 1000);
        closedLatencies.sort((a, b) => a - b);
        print(`overload ${label}: closed loop, ${options.clients} clients, ${options.seconds} s: ${capacity.toFixed(0)} served/s, p99 ${percentile(closedLatencies, 99).toFixed(0)} ms`);
        await sleep(1000);

        // open loop at factor × capacity (or the rate given: the unbounded run is offered the same)
        const offered = rate ?? capacity * options.factor;
        const run: OpenLoopRun = { offeredPerSecond: offered, scheduled: 0, maxLagMs: 0, served: [], shed: [], servedSent: [], shedSent: [], other: new Map(), peakRss: 0, hwm: 0 };
        const sampler = sampleRss(pid);
        const started = performance.now();
        const inFlight = new Set<Promise<void>>();
        const total = Math.round(offered * options.seconds);
        while (run.scheduled < total) {
          const now = performance.now();
          const due = Math.min(total, Math.floor(((now - started) / 1000) * offered) + 1);
          for (; run.scheduled < due; run.scheduled++) {
            const dueAt = started + (run.scheduled / offered) * 1000;
            run.maxLagMs = Math.max(run.maxLagMs, now - dueAt);
            const sentAt = performance.now();
            const request: Promise<void> = fetch(`${url}/api/v1/companies`, { headers, signal: AbortSignal.timeout(options.timeoutMs) })
              .then(async (response) => {
                await response.arrayBuffer();
                const ms = performance.now() - dueAt;
                const sentMs = performance.now() - sentAt;
                if (response.status === 200) { run.served.push(ms); run.servedSent.push(sentMs); }
                else if (response.status === 503 && response.headers.get('retry-after')) { run.shed.push(ms); run.shedSent.push(sentMs); }
                else run.other.set(String(response.status), (run.other.get(String(response.status)) ?? 0) + 1);
              })
              .catch((error: Error) => { run.other.set(error.name, (run.other.get(error.name) ?? 0) + 1); })
              .finally(() => inFlight.delete(request));
            inFlight.add(request);
          }
          await sleep(2);
        }
        await Promise.all(inFlight);
        run.peakRss = sampler.stop();
        run.hwm = memoryOf(pid).hwm;
        const healthStarted = performance.now();
        const health = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(30_000) })
          .then((r) => `${r.status} in ${(performance.now() - healthStarted).toFixed(0)} ms`, () => 'no answer within 30 s');
        for (const list of [run.served, run.shed, run.servedSent, run.shedSent]) list.sort((a, b) => a - b);
        const answered = run.served.length + run.shed.length + [...run.other.values()].reduce((a, b) => a + b, 0);
        const others = [...run.other].map(([what, n]) => `${what} ${n}`).join(', ') || 'none';
        print(`overload ${label}: open loop, ${offered.toFixed(0)}/s offered for ${options.seconds} s (${run.scheduled} requests; load generator at worst ${run.maxLagMs.toFixed(0)} ms behind schedule)`);
        print(`RESULT overload ${label}: served ${run.served.length} (p50 ${percentile(run.served, 50).toFixed(0)} ms, p99 ${percentile(run.served, 99).toFixed(0)} ms), ` +
          `shed 503 ${run.shed.length} (p50 ${percentile(run.shed, 50).toFixed(0)} ms, p99 ${percentile(run.shed, 99).toFixed(0)} ms), ` +
          `shed share ${((run.shed.length / Math.max(1, answered)) * 100).toFixed(1)} %, other ${others}`);
        print(`RESULT overload ${label}: from when each was sent (the generator's lag left out): served p99 ${percentile(run.servedSent, 99).toFixed(0)} ms, shed p50 ${percentile(run.shedSent, 50).toFixed(0)} ms, p99 ${percentile(run.shedSent, 99).toFixed(0)} ms`);
        print(`RESULT overload ${label}: RSS idle ${mib(idle.rss)} MiB; peak under load ${mib(run.peakRss)} MiB sampled (+${mib(run.peakRss - idle.rss)}), VmHWM ${mib(run.hwm)} MiB (was ${mib(idle.hwm)} at idle); /healthz after: ${health}`);
        return { capacity, offered };
      } finally {
        await stopKastellProcess(child);
      }
    };

    const bounded = await measure('bounded (defaults)', {});
    if (options.unbounded) {
      await measure('bounds lifted', {
        KASTELL_HTTP_MAX_IN_FLIGHT: '100000', KASTELL_HTTP_QUEUE: '0', KASTELL_DB_POOL_QUEUE: '100000', KASTELL_DB_POOL_WAIT_MS: '60000',
      }, bounded.offered);
    }
  } finally {
    await database.drop();
    rmSync(work, { recursive: true, force: true });
  }
}
