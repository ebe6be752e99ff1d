// `npm run bench -- overload` (issue 15 part 6): what Kastell does at ten
// times the throughput it can serve. Kastell runs in a child process of its
// own (`node app/main.ts`), so the RSS read from /proc/<pid>/status is the
// server's alone, and the load comes from h2load (Debian's nghttp2-client,
// test/bench/h2load.ts says why that one), a C program in a process of its
// own, not from this Node process: an earlier version sent the open loop with
// fetch from here and measured its own limits (on 2 cores it could not offer
// 10×: 24,213 connection errors and 32 s client-side for answers Kastell gave
// in 1 ms).
//
// First the generator is measured against a trivial Node server (a 503 per
// request, nothing else): its ceiling closed-loop, then the very open loop
// the bench is about to offer Kastell — so a figure that exceeds what this
// machine can send or what any Node process can answer is seen as such. Then
// a closed loop (h2load, `clients` keep-alive connections) measures what
// Kastell can serve; then an open loop offers `factor` times that: h2load's
// rate mode opens connections at a fixed rate whatever the answers, one
// request each (as nginx in front of Kastell does). It prints p50/p99 of the
// shed (503) and the served (200) requests, the shed share, connection errors
// and timeouts, the connect times, the generator's and the server's CPU, and
// the peak RSS (sampled VmRSS and VmHWM) against an idle baseline of the same
// process, and how /healthz answers after. The same open loop is then offered
// to Kastell behind a real nginx running the appliance's site files
// (test/harness/nginx-front.ts: its kept-alive upstream and its bound on
// requests in flight — the topology the appliance has), and to a process
// whose bounds are lifted (KASTELL_HTTP_MAX_IN_FLIGHT, the pool queue … set
// huge) — what the bounds prevent.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kastellEnv } from '../crash/driver.ts';
import { freePort, type Cluster } from '../harness/postgres.ts';
import { seedCompany, seedSession, seedUser } from '../harness/seed.ts';
import { cloneTemplate, percentile } from './database.ts';
import { closedLoopArgs, h2loadInstall, h2loadVersion, openLoopArgs, runH2load, type H2loadResult } from './h2load.ts';
import { nginxInstall, nginxVersion, startNginxFront, type NginxFront } from '../harness/nginx-front.ts';
import { cpuSecondsOf, memoryOf, sampleRss, startKastellProcess, stopKastellProcess } from './server-process.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const ms = (us: number) => (us / 1000 < 10 ? (us / 1000).toFixed(1) : (us / 1000).toFixed(0));
const perSecond = (n: number) => n.toFixed(0);

/** A Node server that answers every request 503 at once (no framework): what a Node process on this machine can answer at most. */
const trivialServer = `
const body = '{"error":{"code":"busy","message":"The server is busy right now. Try again in a moment."}}';
require('node:http').createServer((req, res) => {
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}).listen(Number(process.env.PORT), '127.0.0.1');`;

async function startTrivialServer(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['-e', trivialServer], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      return { url, child };
    } catch { await sleep(50); }
  }
  child.kill('SIGKILL');
  throw new Error('the trivial server did not start');
}

/** p50/p99 (ms) and count of the rows with `status`. */
function byStatus(run: H2loadResult, status: number) {
  const sorted = run.rows.filter((row) => row.status === status).map((row) => row.us).sort((a, b) => a - b);
  return { n: sorted.length, p50: ms(percentile(sorted, 50)), p99: ms(percentile(sorted, 99)) };
}

/** Requests started per second, by the log (first to last start). */
function startedPerSecond(run: H2loadResult): number {
  if (run.rows.length < 2) return Number.NaN;
  let first = Infinity;
  let last = -Infinity;
  for (const row of run.rows) { first = Math.min(first, row.startUs); last = Math.max(last, row.startUs); }
  return (run.rows.length - 1) / ((last - first) / 1e6);
}

const connectLine = (run: H2loadResult) => {
  const c = run.connect;
  const b = run.firstByte;
  return `connect ${c ? `mean ${c.mean.toFixed(1)} ms, max ${c.max.toFixed(0)} ms` : 'n/a'}; first byte from connect ${b ? `mean ${b.mean.toFixed(1)} ms, max ${b.max.toFixed(0)} ms` : 'n/a'}`;
};

const otherStatuses = (run: H2loadResult) => {
  const counts = new Map<number, number>();
  for (const row of run.rows) if (row.status !== 200 && row.status !== 503) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${status === -1 ? 'failed stream' : status} ${n}`).join(', ') || 'none';
};

async function startKastell(env: Record<string, string>, url: string): Promise<ChildProcess> {
  // KASTELL_BENCH_OVERLOAD_LOG=<file>: the server's request log (level info) goes there — its `ms` is the time inside Kastell
  const logFile = process.env.KASTELL_BENCH_OVERLOAD_LOG;
  return startKastellProcess({ ...env, ...(logFile ? { KASTELL_LOG_LEVEL: 'info' } : {}) }, url, logFile ? openSync(logFile, 'a') : 'ignore');
}

export async function runOverload(cluster: Cluster, appPassword: string, options: {
  seconds: number; clients: number; factor: number; timeoutMs: number; unbounded: boolean; threads?: number; print: (line: string) => void;
}): Promise<void> {
  const { print } = options;
  const threads = options.threads ?? 1;
  const timeoutS = Math.max(1, Math.round(options.timeoutMs / 1000));
  const version = h2loadVersion();
  if (!version) {
    print(`overload: NOT RUN — the load generator h2load is not installed; install it with \`${h2loadInstall}\` (Debian's package) and run again`);
    process.exitCode = 1;
    return;
  }
  const database = await cloneTemplate(cluster, appPassword);
  const work = mkdtempSync(join(tmpdir(), 'kastell-bench-overload-'));
  const h2log = join(work, 'h2load.log');
  const trivial = await startTrivialServer();
  try {
    // the request: a signed-in operator's company list (session lookup, RLS query, presenter) over 50 companies
    const user = await seedUser(database.admin, 'owner', null, 'overload.owner@example.test');
    const token = await seedSession(database.admin, user.userId, '2 hours');
    for (let i = 0; i < 50; i++) await seedCompany(database.admin, `Overload bench ${i} AG`);
    const headers = [`cookie: __Host-kastell-session=${token}`];

    // the generator's own ceiling: a closed loop against the trivial server
    const ceiling = await runH2load(closedLoopArgs(`${trivial.url}/`, 64, 3, { threads, headers }), h2log);
    print(`overload generator: ${version}, ${threads} thread(s); against a trivial Node server (a 503 per request, no framework), closed loop, 64 keep-alive connections, 3 s: ` +
      `${perSecond(ceiling.done / ceiling.finishedSeconds)} answered/s; generator CPU ${ceiling.cpuSeconds.toFixed(1)} s`);

    const measure = async (label: string, extraEnv: Record<string, string>, rate?: number, front?: 'nginx') => {
      const port = await freePort();
      const direct = `http://127.0.0.1:${port}`;
      const child = await startKastell({ ...kastellEnv(database.appUrl, port, work), ...extraEnv }, direct);
      const pid = child.pid!;
      let nginx: NginxFront | undefined;
      try {
        if (front) nginx = await startNginxFront(join(work, `nginx-${port}`), await freePort(), `127.0.0.1:${port}`);
        const url = nginx?.url ?? direct; // where the load goes
        // warm up (JIT, the pool's connections), then let it settle: the idle baseline of this process
        await runH2load(closedLoopArgs(`${url}/api/v1/companies`, 4, 2, { threads: 1, headers }), h2log);
        await sleep(2000);
        const idle = memoryOf(pid);

        // closed loop: what it can serve
        const closed = await runH2load(closedLoopArgs(`${url}/api/v1/companies`, options.clients, options.seconds, { threads, headers }), h2log);
        const closedServed = byStatus(closed, 200);
        const capacity = closedServed.n / closed.finishedSeconds;
        print(`overload ${label}: closed loop, ${options.clients} keep-alive clients (h2load), ${options.seconds} s: ${perSecond(capacity)} served/s, ` +
          `p50 ${closedServed.p50} ms, p99 ${closedServed.p99} ms; other answers ${closed.done - closedServed.n}, errors ${closed.errored}`);
        await sleep(1000);

        // open loop at factor × capacity (or the rate given: the unbounded run is offered the same)
        const plan = openLoopArgs(`${url}/api/v1/companies`, rate ?? capacity * options.factor, options.seconds, { timeoutS, threads, headers });
        if (rate === undefined) {
          // can this machine offer it at all? The same open loop against the trivial server, for up to 3 s
          const check = openLoopArgs(`${trivial.url}/`, plan.offered, Math.min(3, options.seconds), { timeoutS, threads, headers });
          const base = await runH2load(check.args, h2log);
          const answered = byStatus(base, 503);
          print(`overload generator: the same open loop (${perSecond(check.offered)}/s, a fresh connection per request) against the trivial server, ${Math.min(3, options.seconds)} s: ` +
            `started ${perSecond(startedPerSecond(base))}/s, answered ${answered.n} of ${check.total} (p50 ${answered.p50} ms, p99 ${answered.p99} ms), ` +
            `connection errors ${base.errored - base.timeout}, timeouts ${base.timeout}; ${connectLine(base)}; generator CPU ${base.cpuSeconds.toFixed(1)} s`);
          await sleep(1000);
        }
        const sampler = sampleRss(pid);
        const cpuBefore = cpuSecondsOf(pid);
        const nginxCpuOf = () => nginx?.pids().reduce((sum, p) => { try { return sum + cpuSecondsOf(p); } catch { return sum; } }, 0) ?? 0;
        const nginxCpuBefore = nginxCpuOf();
        const run = await runH2load(plan.args, h2log);
        const serverCpu = cpuSecondsOf(pid) - cpuBefore;
        const nginxCpu = nginx ? `, nginx ${(nginxCpuOf() - nginxCpuBefore).toFixed(1)} s (errors logged: ${nginx.errors().length})` : '';
        const peakRss = sampler.stop();
        const hwm = memoryOf(pid).hwm;
        const healthStarted = performance.now();
        const health = await fetch(`${direct}/healthz`, { signal: AbortSignal.timeout(30_000) })
          .then((r) => `${r.status} in ${(performance.now() - healthStarted).toFixed(0)} ms`, () => 'no answer within 30 s');
        const served = byStatus(run, 200);
        const shed = byStatus(run, 503);
        const wall = run.finishedSeconds;
        print(`overload ${label}: open loop (h2load rate mode, a fresh connection per request), ${perSecond(plan.offered)}/s offered for ${options.seconds} s = ${plan.total} requests; ` +
          `started ${perSecond(startedPerSecond(run))}/s (all connections made after ${run.allStartedMs === undefined ? 'n/a' : (run.allStartedMs / 1000).toFixed(1)} s), ` +
          `answered ${perSecond(run.done / wall)}/s over ${wall.toFixed(1)} s; CPU: server ${serverCpu.toFixed(1)} s (${((serverCpu / Math.max(1, run.done)) * 1e6).toFixed(0)} µs per answer)${nginxCpu}, generator ${run.cpuSeconds.toFixed(1)} s`);
        print(`RESULT overload ${label}: served 200 ${served.n} (p50 ${served.p50} ms, p99 ${served.p99} ms), shed 503 ${shed.n} (p50 ${shed.p50} ms, p99 ${shed.p99} ms), ` +
          `shed share ${((shed.n / Math.max(1, plan.total)) * 100).toFixed(1)} %, other ${otherStatuses(run)}; ` +
          `connection errors ${run.errored - run.timeout}, timeouts (${timeoutS} s) ${run.timeout}, never started ${run.total - run.started}`);
        print(`RESULT overload ${label}: ${connectLine(run)} (latencies above: request sent to response read, by h2load's log)`);
        print(`RESULT overload ${label}: RSS idle ${mib(idle.rss)} MiB; peak under load ${mib(peakRss)} MiB sampled (+${mib(peakRss - idle.rss)}), VmHWM ${mib(hwm)} MiB (was ${mib(idle.hwm)} at idle); /healthz after: ${health}`);
        return { capacity, offered: plan.offered };
      } finally {
        await nginx?.stop();
        await stopKastellProcess(child);
      }
    };

    const bounded = await measure('bounded (defaults)', {});
    // the appliance's topology: nginx in front, with its kept-alive upstream and its own bound
    const nginx = nginxVersion();
    if (nginx) {
      await measure(`through nginx (${nginx.replace(/^nginx version: /, '')}, the appliance's site snippet)`, {}, bounded.offered, 'nginx');
    } else {
      print(`overload through nginx: NOT RUN — nginx is not installed; install it with \`${nginxInstall}\` (Debian's package) and run again`);
      process.exitCode = 1;
    }
    if (options.unbounded) {
      await measure('bounds lifted', {
        KASTELL_HTTP_MAX_IN_FLIGHT: '100000', KASTELL_HTTP_QUEUE: '0', KASTELL_DB_POOL_QUEUE: '100000', KASTELL_DB_POOL_WAIT_MS: '60000',
      }, bounded.offered);
    }
  } finally {
    trivial.child.kill('SIGKILL');
    await database.drop();
    rmSync(work, { recursive: true, force: true });
  }
}
