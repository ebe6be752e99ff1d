// Walks the whole chain in order, streaming, and reports the first bad link
// precisely: a gap, a missing event, a link that does not continue the one
// before, content that does not match its hash, events left unchained past
// the bound, and a tail cut below a signed checkpoint.
import type { Database } from '../db/client.ts';
import { eventFromRow, genesisHash, linkHash, type EventRow } from './canonical.ts';

const pageSize = 10_000;

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

  // The next page is fetched while this one is hashed: the database and
  // the hashing overlap instead of taking turns.
  const fetchPage = (after: number) => {
    const page = db.withPrincipal(null, (tx) =>
      tx<(EventRow & { seq: string; prev_hash: Buffer; hash: Buffer; link_event_id: string })[]>`
        select seq, link_event_id, prev_hash, hash, event_id, occurred_at_text, actor_type, actor_id, actor_label, action,
               entity_type, entity_id, company_id, outcome, ip_hmac, user_agent_hmac, request_id, detail
        from audit.chain_slice(${after}, ${pageSize})`);
    page.catch(() => {}); // a page fetched ahead may go unused when an earlier one fails
    return page;
  };
  let next: ReturnType<typeof fetchPage> | undefined = fetchPage(expectedSeq - 1);
  while (next) {
    const rows: Awaited<ReturnType<typeof fetchPage>> = await next;
    next = rows.length === pageSize ? fetchPage(Number(rows[rows.length - 1]!.seq)) : undefined;
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) return fail(expectedSeq, `link ${expectedSeq} is missing (the next link is ${seq})`);
      if (!row.prev_hash.equals(prev)) return fail(seq, `link ${seq} does not continue link ${seq - 1}: its previous hash differs`);
      if (row.event_id === null) return fail(seq, `the event of link ${seq} (${row.link_event_id}) is missing`);
      const hash = linkHash(prev, eventFromRow(row));
      if (!hash.equals(row.hash)) return fail(seq, `link ${seq}: the stored event (${row.event_id}) does not match its hash`);
      const checkpoint = checkpoints.get(seq);
      if (checkpoint && checkpoint.hash !== hash.toString('hex')) {
        return fail(seq, `link ${seq} differs from the signed checkpoint in ${checkpoint.source}`);
      }
      prev = hash;
      expectedSeq += 1;
      checked += 1;
    }
    options.onProgress?.(checked);
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
