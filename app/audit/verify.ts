// Walks the whole chain in order, streaming, and reports the first bad link
// precisely: a gap, a missing event, a link that does not continue the one
// before, content that does not match its hash, events left unchained past
// the bound, and a tail cut below a signed checkpoint.
import type { Database } from '../db/client.ts';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { genesisHash } from './canonical.ts';
import { checkChainRange, fetchChainRange, prepareSeals, type RangeCheck, type SealContext } from './verify-page.ts';

const rangeSize = 10_000;

export interface VerifyResult {
  ok: boolean;
  checked: number;
  headSeq: number;
  headHash: string | null;
  firstBadSeq: number | null;
  problem: string | null;
  durationMs: number;
}

export interface VerifyOptions {
  unchainedBoundSeconds: number;
  /** signed heads known from outside the chain (database and archive checkpoints) */
  checkpoints?: Array<{ seq: number; hash: string; source: string }>;
  onTotal?: (links: number) => void;
  onProgress?: (checked: number) => void;
  /** worker threads hashing ranges in parallel; 0 checks in this thread */
  workers?: number;
  /** link seal keys, the unsigned stretch and the signed heads' times (verify-page.ts) */
  seals: SealContext;
}

// Every core: a range's cost is mostly row parsing and hashing, both in the worker.
const defaultWorkers = () => Math.max(1, Math.min(availableParallelism(), 4));

interface RangeCheckers {
  /** how many ranges to keep in flight */
  depth: number;
  check(after: number, through: number): Promise<RangeCheck>;
  close(): Promise<void>;
}

async function startRangeCheckers(db: Database, count: number, checkpoints: ReadonlyMap<number, { hash: string }>, seals: SealContext): Promise<RangeCheckers> {
  const signed = new Map([...checkpoints].map(([seq, c]) => [seq, c.hash]));
  if (count === 0) {
    const prepared = prepareSeals(seals);
    return { depth: 2, check: async (after, through) => checkChainRange(await fetchChainRange(db, after, through), signed, prepared), close: async () => {} };
  }
  const pending = new Map<number, { resolve: (result: RangeCheck) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  const workers = await Promise.all(Array.from({ length: count }, () => new Promise<Worker>((resolve, reject) => {
    const worker = new Worker(new URL('./verify-worker.mjs', import.meta.url), { workerData: { url: db.url, checkpoints: [...signed], seals } });
    worker.on('message', (message: { ready?: true; id: number; result?: RangeCheck; error?: string }) => {
      if (message.ready) return resolve(worker);
      const waiting = pending.get(message.id);
      pending.delete(message.id);
      if (message.error !== undefined) waiting?.reject(new Error(`a verification worker could not read the chain: ${message.error}`));
      else waiting?.resolve(message.result!);
    });
    worker.once('error', reject);
  })));
  // A worker that dies makes verification fail to run (an error, not a
  // verdict on the chain) instead of hanging.
  const failAll = (error: Error) => {
    for (const [, waiting] of pending) waiting.reject(new Error(`a verification worker failed: ${error.message}`));
    pending.clear();
  };
  for (const worker of workers) worker.on('error', failAll);
  return {
    depth: count * 2,
    check: (after, through) => new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      workers[id % count]!.postMessage({ id, after, through });
    }),
    close: async () => {
      await Promise.all(workers.map((worker) => new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.postMessage({ close: true });
        setTimeout(() => void worker.terminate(), 5000).unref();
      })));
    },
  };
}

export async function verifyChain(db: Database, options: VerifyOptions): Promise<VerifyResult> {
  const started = performance.now();
  const [stats] = await db.withPrincipal(null, (tx) => tx`select * from audit.chain_stats()`);
  options.onTotal?.(Number(stats!.links));
  let expectedSeq = stats!.retained_from === null ? 1 : Number(stats!.retained_from) + 1;
  let prev: Buffer = stats!.retained_hash ?? genesisHash;
  const checkpoints = new Map((options.checkpoints ?? []).map((c) => [c.seq, c]));
  let checked = 0;
  const fail = (seq: number | null, problem: string): VerifyResult => ({
    ok: false, checked, headSeq: expectedSeq - 1, headHash: prev.toString('hex'), firstBadSeq: seq, problem,
    durationMs: Math.round(performance.now() - started),
  });

  // Ranges of the chain are fetched and checked by worker threads, several
  // in flight; each link stores its previous hash, so only the seams
  // between ranges are checked here, in order.
  const lastSeq = stats!.last_seq === null ? expectedSeq - 1 : Number(stats!.last_seq);
  const checkers = await startRangeCheckers(db, options.workers ?? defaultWorkers(), checkpoints, options.seals);
  const inFlight: Promise<RangeCheck>[] = [];
  let nextAfter = expectedSeq - 1;
  const refill = () => {
    while (inFlight.length < checkers.depth && nextAfter < lastSeq) {
      const pending = checkers.check(nextAfter, nextAfter + rangeSize);
      pending.catch(() => {}); // a range fetched ahead goes unread when an earlier one fails
      inFlight.push(pending);
      nextAfter += rangeSize;
    }
  };
  try {
    refill();
    while (inFlight.length > 0) {
      const range = await inFlight.shift()!;
      refill();
      if (range.firstSeq === null) {
        // an empty range below the last link: a whole stretch is gone
        return fail(expectedSeq, `link ${expectedSeq} is missing, and a whole range of links after it`);
      }
      if (range.firstSeq !== expectedSeq) {
        return fail(expectedSeq, range.firstSeq > expectedSeq ? `link ${expectedSeq} is missing (the next link is ${range.firstSeq})` : `link ${range.firstSeq} appears twice`);
      }
      if (range.firstPrevHash !== prev.toString('hex')) {
        return fail(expectedSeq, `link ${expectedSeq} does not continue link ${expectedSeq - 1}: its previous hash differs`);
      }
      if (range.problem) {
        checked += range.count;
        expectedSeq = range.problem.seq;
        const source = checkpoints.get(range.problem.seq)?.source;
        return fail(range.problem.seq, range.problem.text + (source && /checkpoint/.test(range.problem.text) ? ` in ${source}` : ''));
      }
      if (range.lastSeq !== null) {
        checked += range.count;
        expectedSeq = range.lastSeq + 1;
        prev = Buffer.from(range.lastHash!, 'hex');
      }
      options.onProgress?.(checked);
    }
  } finally {
    await checkers.close();
  }
  const headSeq = expectedSeq - 1;
  for (const checkpoint of checkpoints.values()) {
    if (checkpoint.seq > headSeq) {
      return fail(headSeq + 1, `the chain ends at link ${headSeq}, but the signed checkpoint in ${checkpoint.source} vouches for link ${checkpoint.seq}: the tail was cut`);
    }
  }
  const bound = new Date(Date.now() - options.unchainedBoundSeconds * 1000);
  const unchained = await db.withPrincipal(null, (tx) => tx`select * from audit.unchained_before(${bound})`);
  if (unchained.length > 0) {
    const first = unchained[0]!;
    return fail(null, `event ${first.event_id} (${first.action}, ${first.occurred_at.toISOString()}) is older than ${options.unchainedBoundSeconds} s and not chained`);
  }
  return { ok: true, checked, headSeq, headHash: headSeq > 0 ? prev.toString('hex') : null, firstBadSeq: null, problem: null,
    durationMs: Math.round(performance.now() - started) };
}

/** Verifies and records the result (the trust page shows the latest). */
export async function verifyAndRecord(db: Database, options: VerifyOptions): Promise<VerifyResult> {
  const startedAt = new Date();
  const result = await verifyChain(db, options);
  await db.withPrincipal(null, (tx) => tx`select audit.record_verification(${result.ok}, ${result.checked}, ${result.headSeq},
    ${result.firstBadSeq}, ${result.problem}, ${result.durationMs}, ${startedAt})`);
  return result;
}
