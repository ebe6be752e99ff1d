// The load generator of the overload bench: h2load, from Debian's
// nghttp2-client package (C, libev, one event loop per thread). Chosen over
// the other generators Debian has (README "Benchmarks", overload):
//  - its rate mode (-r/--rate-period, -c = -n) opens connections at a fixed
//    rate whatever the answers, one request each — a true open loop, and the
//    way nginx in front of Kastell reaches it (proxy_pass without an upstream
//    keepalive pool: a fresh connection per request);
//  - --log-file writes every request's start, status and duration, so p50/p99
//    are read per status (served 200, shed 503), and its summary counts
//    connection errors and timeouts apart;
//  - hey (Go) paces each worker with a ticker that drops ticks while a
//    request is out (a closed loop per worker: the offered rate falls exactly
//    when the server slows) and its CSV leaves errors out; wrk 4.1 is a closed
//    loop per connection (the open-loop -R is wrk2, not in Debian) with one
//    latency histogram for all statuses; siege is a closed loop of threads;
//    httperf is open-loop but prints no per-request latency.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { cpuSecondsOf } from './server-process.ts';

export const h2loadInstall = 'apt-get install nghttp2-client';
/** KASTELL_BENCH_H2LOAD: another h2load binary (a path; a missing one shows what the bench does without it) */
const h2load = process.env.KASTELL_BENCH_H2LOAD || 'h2load';

/** "h2load nghttp2/1.52.0", or undefined where it is not installed. */
export function h2loadVersion(): string | undefined {
  const result = spawnSync(h2load, ['--version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return result.stdout.trim();
}

export interface H2loadRow {
  /** request start, µs since the epoch */
  startUs: number;
  /** -1: the stream failed (reset, refused, timed out) */
  status: number;
  /** request start to end of response, µs */
  us: number;
}

/** min/max/mean in ms, from a "time for …" line of the summary */
export interface Spread { min: number; max: number; mean: number }

export interface H2loadResult {
  rows: H2loadRow[];
  total: number; started: number; done: number; succeeded: number; failed: number; errored: number; timeout: number;
  /** h2load's own "finished in" */
  finishedSeconds: number;
  connect: Spread | undefined;
  firstByte: Spread | undefined;
  /** CPU seconds the generator itself used (sampled from /proc every 20 ms) */
  cpuSeconds: number;
  /** rate mode: ms after the start at which 100 % of the connections had been started (the generator's own schedule) */
  allStartedMs: number | undefined;
  output: string;
}

const toMs = (value: string) => {
  const match = /^([\d.]+)(us|ms|s)$/.exec(value);
  if (!match) return Number.NaN;
  const n = Number(match[1]);
  return match[2] === 'us' ? n / 1000 : match[2] === 'ms' ? n : n * 1000;
};

function spread(output: string, label: string): Spread | undefined {
  const match = new RegExp(`${label}:\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)`).exec(output);
  return match ? { min: toMs(match[1]!), max: toMs(match[2]!), mean: toMs(match[3]!) } : undefined;
}

/** Runs h2load with `args` plus --log-file and reads its summary and the log. */
export async function runH2load(args: string[], logFile: string): Promise<H2loadResult> {
  rmSync(logFile, { force: true });
  const child = spawn(h2load, [...args, `--log-file=${logFile}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const started = performance.now();
  let output = '';
  let allStartedMs: number | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk;
    if (allStartedMs === undefined && /progress: 100% of clients started/.test(output)) allStartedMs = performance.now() - started;
  });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk; });
  let cpuSeconds = 0;
  const sampler = setInterval(() => { try { cpuSeconds = cpuSecondsOf(child.pid!); } catch { /* exited */ } }, 20);
  const code = await new Promise<number | null>((resolve, reject) => { child.once('error', reject); child.once('exit', resolve); });
  clearInterval(sampler);
  if (code !== 0) throw new Error(`h2load ${args.join(' ')} exited ${code}: ${output.slice(-1500)}`);
  const count = (name: string) => Number(new RegExp(`(\\d+) ${name}`).exec(/requests: .*/.exec(output)?.[0] ?? '')?.[1] ?? Number.NaN);
  const rows: H2loadRow[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    const [start, status, us] = line.split('\t');
    if (us !== undefined) rows.push({ startUs: Number(start), status: Number(status), us: Number(us) });
  }
  rmSync(logFile, { force: true });
  return {
    rows,
    total: count('total'), started: count('started'), done: count('done'), succeeded: count('succeeded'),
    failed: count('failed'), errored: count('errored'), timeout: count('timeout'),
    finishedSeconds: Number(/finished in ([\d.]+)s/.exec(output)?.[1] ?? Number.NaN),
    connect: spread(output, 'time for connect'),
    firstByte: spread(output, 'time to 1st byte'),
    cpuSeconds,
    allStartedMs,
    output,
  };
}

/**
 * An open loop: `perSecond` connections a second for `seconds`, one request
 * each (-c = -n), each given at most `timeoutS` (-T). h2load opens `rate`
 * connections every `period`; the rate is rounded to whole connections a
 * period, so `offered` says what is actually offered.
 */
export function openLoopArgs(url: string, perSecond: number, seconds: number, options: { timeoutS: number; threads: number; headers: string[] }): { args: string[]; offered: number; total: number } {
  let periodMs = 10;
  let rate = Math.round((perSecond * periodMs) / 1000);
  if (rate < 10) { periodMs = 100; rate = Math.max(1, Math.round((perSecond * periodMs) / 1000)); }
  rate = Math.max(rate, options.threads); // each thread gets rate / threads a period
  const offered = (rate * 1000) / periodMs;
  const total = Math.round(offered * seconds);
  return {
    args: ['--h1', '-t', String(options.threads), '-c', String(total), '-n', String(total), '-r', String(rate), `--rate-period=${periodMs}ms`,
      '-T', `${options.timeoutS}s`, ...options.headers.flatMap((h) => ['-H', h]), url],
    offered,
    total,
  };
}

/** A closed loop: `clients` keep-alive connections, each sending its next request when the last was answered, for `seconds`. */
export function closedLoopArgs(url: string, clients: number, seconds: number, options: { threads: number; headers: string[] }): string[] {
  return ['--h1', '-t', String(options.threads), '-c', String(clients), '-D', `${seconds}s`, ...options.headers.flatMap((h) => ['-H', h]), url];
}
