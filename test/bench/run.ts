// `npm run bench`: the audit trail's figures, each against a baseline
// measured in the same run on the same throwaway PostgreSQL cluster.
//   1. audited vs unaudited writes over real HTTP, 32 concurrent clients (goal ≥ 0.8)
//   2. commit-to-chained delay under that load (goal p99 ≤ 1 s)
//   3. verification rate vs a bare chained SHA-256 loop, ≥ 1M events (goal ≥ 0.3)
//   4. the technician's and the customer's job lists through RLS vs RLS off, and
//      GET /api/v1/jobs p99 at 50 connections (job-lists.ts, goal ≥ 0.85)
//   5. one service report's PDF rendered and sealed vs rendered unsealed
//      (reports.ts, no database: the cluster is not started for `-- reports`)
//   6. documents (documents.ts): a 1 GiB upload and download through the HTTP routes on
//      local disk and s3rver vs a bare node:http → file pipe (goal >= 0.5 up, >= 0.7 down,
//      extra RSS <= 64 MiB), and each pipeline step for a 10 MB photo and a 10 MB PDF
//   7. keys (keys.ts): 1,000 messages read sealed vs plain (goal >= 0.7), re-encryption's
//      unit of work vs bare AES-GCM, a document streamed encrypted vs plain (goal >= 0.7,
//      extra RSS <= 64 MiB; KASTELL_BENCH_KEYS_MIB, 1024)
//   8. the database-backed per-user request limits: counted vs off (rate-limits.ts)
//   9. overload (overload.ts): closed-loop capacity, then 10× that open-loop against Kastell in
//      its own process, sent by h2load (apt-get install nghttp2-client): p99 of shed and served
//      requests, shed share, connection errors, peak RSS vs idle (KASTELL_BENCH_OVERLOAD_SECONDS 10,
//      _CLIENTS 16, _FACTOR 10, _THREADS 1 (h2load's), _UNBOUNDED 1 also runs it with the bounds lifted)
// KASTELL_BENCH_SECONDS, KASTELL_BENCH_EVENTS and KASTELL_BENCH_ROUNDS tune it
// (and job-lists.ts's own KASTELL_BENCH_JOBS, _LIST_SECONDS, _HTTP_SECONDS, _EXPLAIN;
// reports.ts's KASTELL_BENCH_REPORT_ROUNDS, _REPORT_ITERATIONS, _REPORT_MEMORY_ITERATIONS;
// documents.ts's KASTELL_BENCH_DOC_MIB, _DOC_STEP_ROUNDS).
import { startCluster } from '../harness/postgres.ts';
import { prepareTemplate } from '../harness/template.ts';
import { percentile, runHttpWrites, type WriteRun } from './http-writes.ts';
import { runLongTransaction } from './long-transaction.ts';
import { runJobLists } from './job-lists.ts';
import { runDocuments } from './documents.ts';
import { runRateLimits } from './rate-limits.ts';
import { runReports } from './reports.ts';
import { runOverload } from './overload.ts';
import { runKeys } from './keys.ts';
import { runVerifyRate } from './verify-rate.ts';

const seconds = Number(process.env.KASTELL_BENCH_SECONDS ?? 8);
const events = Number(process.env.KASTELL_BENCH_EVENTS ?? 1_000_000);
const rounds = Number(process.env.KASTELL_BENCH_ROUNDS ?? 2);
const clients = 32;
const only = process.argv[2]; // 'writes', 'long', 'verify', 'jobs', 'limits', 'reports', 'signin', 'documents' or 'overload' to run one part

// the parts on a PostgreSQL cluster; the report PDFs need none
if (only === undefined || ['writes', 'long', 'verify', 'jobs', 'keys', 'limits', 'overload'].includes(only)) {
  const cluster = await startCluster();
  try {
    const { appPassword } = await prepareTemplate(cluster);
    console.log(`# PostgreSQL ${cluster.version}; node ${process.version}`);
    if (only === undefined || only === 'writes') {
      const runs: WriteRun[] = [];
      type Mode = { audited: boolean; signed: boolean; label: string };
      const modes: Mode[] = [
        { audited: false, signed: false, label: 'unaudited        ' },
        { audited: true, signed: false, label: 'audited, unsigned' },
        { audited: true, signed: true, label: 'audited, signed  ' },
      ];
      for (let round = 0; round < rounds; round++) {
        // alternate so drift (caches, autovacuum, thermal) hits every side alike
        for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
          const run = await runHttpWrites(cluster, appPassword, { audited: mode.audited, signed: mode.signed, clients, seconds, warmupSeconds: 2 });
          runs.push(run);
          console.log(`writes ${mode.label} round ${round + 1}: ${run.requests} in ${run.seconds.toFixed(1)} s = ${run.perSecond.toFixed(0)}/s (${run.errors} errors)`);
        }
      }
      const rate = (audited: boolean, signed: boolean) => {
        const selected = runs.filter((r) => r.audited === audited && r.signed === signed);
        return selected.reduce((sum, r) => sum + r.requests, 0) / selected.reduce((sum, r) => sum + r.seconds, 0);
      };
      const delays = (signed: boolean) => runs.filter((r) => r.audited && r.signed === signed).flatMap((r) => r.chainDelaysMs).sort((a, b) => a - b);
      console.log(`\nRESULT writes/s at ${clients} clients: audited (signed) ${rate(true, true).toFixed(0)}, unaudited ${rate(false, false).toFixed(0)}, ratio ${(rate(true, true) / rate(false, false)).toFixed(2)} (goal >= 0.80)`);
      console.log(`RESULT event signatures (Ed25519 per event on the write path, check and seal in the sequencer): signed ${rate(true, true).toFixed(0)}/s vs unsigned ${rate(true, false).toFixed(0)}/s, ratio ${(rate(true, true) / rate(true, false)).toFixed(2)}`);
      for (const signed of [true, false]) {
        const d = delays(signed);
        console.log(`RESULT commit-to-chained under load, ${signed ? 'signed  ' : 'unsigned'} (${d.length} probes): p50 ${percentile(d, 50).toFixed(0)} ms, p99 ${percentile(d, 99).toFixed(0)} ms, max ${percentile(d, 100).toFixed(0)} ms (goal p99 <= 1000 ms)`);
      }
    }
    if (only === undefined || only === 'long') {
      const hold = 3;
      const { delaysMs } = await runLongTransaction(cluster, appPassword, hold);
      console.log(`RESULT commit-to-chained while one writing transaction stays open ${hold} s (${delaysMs.length} probes): p50 ${percentile(delaysMs, 50).toFixed(0)} ms, p99 ${percentile(delaysMs, 99).toFixed(0)} ms, max ${percentile(delaysMs, 100).toFixed(0)} ms`);
    }
    if (only === undefined || only === 'verify') {
      const run = await runVerifyRate(cluster, appPassword, events, (line) => console.log(`verify bench: ${line}`));
      console.log(`\nRESULT chaining ${run.events} events took ${run.chainSeconds.toFixed(1)} s (${(run.events / run.chainSeconds).toFixed(0)}/s)`);
      console.log(`RESULT verify ${run.verifyPerSecond.toFixed(0)} events/s vs bare chained SHA-256 ${run.barePerSecond.toFixed(0)}/s: ratio ${(run.verifyPerSecond / run.barePerSecond).toFixed(2)} (goal >= 0.30)${run.ok ? '' : ' — VERIFY FAILED'}`);
    }
    if (only === undefined || only === 'jobs') {
      await runJobLists(cluster, appPassword, {
        jobs: Number(process.env.KASTELL_BENCH_JOBS ?? 10_000),
        listSeconds: Number(process.env.KASTELL_BENCH_LIST_SECONDS ?? 2),
        httpSeconds: Number(process.env.KASTELL_BENCH_HTTP_SECONDS ?? 3),
        rounds,
        explain: process.env.KASTELL_BENCH_EXPLAIN === '1',
        print: (line) => console.log(line),
      });
    }
    if (only === undefined || only === 'keys') {
      await runKeys(cluster, appPassword, {
        rounds, seconds: Number(process.env.KASTELL_BENCH_KEYS_SECONDS ?? 3), mib: Number(process.env.KASTELL_BENCH_KEYS_MIB ?? 1024),
        print: (line) => console.log(line),
      });
    }
    if (only === undefined || only === 'limits') {
      await runRateLimits(cluster, appPassword, { seconds: Number(process.env.KASTELL_BENCH_LIMIT_SECONDS ?? 3), rounds, clients: 16, print: (line) => console.log(line) });
    }
    if (only === undefined || only === 'overload') {
      await runOverload(cluster, appPassword, {
        seconds: Number(process.env.KASTELL_BENCH_OVERLOAD_SECONDS ?? 10),
        clients: Number(process.env.KASTELL_BENCH_OVERLOAD_CLIENTS ?? 16),
        factor: Number(process.env.KASTELL_BENCH_OVERLOAD_FACTOR ?? 10),
        timeoutMs: 30_000,
        unbounded: (process.env.KASTELL_BENCH_OVERLOAD_UNBOUNDED ?? '1') === '1',
        threads: Number(process.env.KASTELL_BENCH_OVERLOAD_THREADS ?? 1),
        print: (line) => console.log(line),
      });
    }
  } finally {
    await cluster.stop();
  }
}

// Reports: rendering + sealing one service report vs rendering it unsealed (no database).
if (only === undefined || only === 'reports') {
  await runReports({
    rounds: Number(process.env.KASTELL_BENCH_REPORT_ROUNDS ?? 4),
    iterations: Number(process.env.KASTELL_BENCH_REPORT_ITERATIONS ?? 5),
    memoryIterations: Number(process.env.KASTELL_BENCH_REPORT_MEMORY_ITERATIONS ?? 3),
    print: (line) => console.log(line),
  });
}

// Identity: sign-in under a many-address flood (its own cluster).
if (only === undefined || only === 'signin') await (await import('./signin.ts')).run();

// Documents: large uploads and downloads through the HTTP routes, and the pipeline's steps (its own cluster, clamd, s3rver).
if (only === undefined || only === 'documents') {
  await runDocuments({
    mib: Number(process.env.KASTELL_BENCH_DOC_MIB ?? 1024),
    stepRounds: Number(process.env.KASTELL_BENCH_DOC_STEP_ROUNDS ?? 5),
    print: (line) => console.log(line),
  });
}
