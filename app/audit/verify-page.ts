// Checks one range of the chain on its own: every link carries the next
// seq, continues the link before it, has its event, and hashes to what it
// stores; signed checkpoints inside the range match. Links can be checked
// apart because each stores its previous hash — the caller only stitches
// ranges together (first prev hash = previous range's last hash), so ranges
// can be fetched and hashed in parallel by worker threads.
import { createHash } from 'node:crypto';
import type { Database } from '../db/client.ts';
import { canonicalEvent, type ChainedEvent } from './canonical.ts';

/** One row of audit.chain_range as postgres.js returns it (a missing event has nulls). */
export interface RangeRow {
  seq: string; link_event_id: string; prev_hash: string; hash: string; event_id: string | null; occurred_at: string;
  actor_type: string; actor_id: string | null; actor_label: string | null; action: string; entity_type: string;
  entity_id: string | null; company_id: string | null; outcome: string; ip_hmac: string | null; user_agent_hmac: string | null;
  request_id: string | null; detail: Record<string, unknown>;
}

/** Links after `afterSeq` through `throughSeq`, in seq order. */
export function fetchChainRange(db: Database, afterSeq: number, throughSeq: number): Promise<RangeRow[]> {
  return db.withPrincipal(null, (tx) => tx<RangeRow[]>`select * from audit.chain_range(${afterSeq}, ${throughSeq})`);
}

export interface RangeCheck {
  count: number;
  firstSeq: number | null;
  firstPrevHash: string | null;
  lastSeq: number | null;
  lastHash: string | null;
  /** the first problem inside the range, by seq */
  problem: { seq: number; text: string } | null;
}

/** `rows`: what fetchChainRange returned. */
export function checkChainRange(rows: RangeRow[], checkpoints: ReadonlyMap<number, string>): RangeCheck {
  const result: RangeCheck = { count: 0, firstSeq: null, firstPrevHash: null, lastSeq: null, lastHash: null, problem: null };
  let expectedSeq = 0;
  let prevHash = '';
  for (const row of rows) {
    const seq = Number(row.seq);
    const rowPrev = row.prev_hash;
    const eventId = row.event_id;
    if (result.firstSeq === null) {
      result.firstSeq = seq;
      result.firstPrevHash = rowPrev;
    } else {
      if (seq !== expectedSeq) {
        result.problem = { seq: expectedSeq, text: seq > expectedSeq ? `link ${expectedSeq} is missing (the next link is ${seq})` : `link ${seq} appears twice` };
        return result;
      }
      if (rowPrev !== prevHash) {
        result.problem = { seq, text: `link ${seq} does not continue link ${seq - 1}: its previous hash differs` };
        return result;
      }
    }
    if (eventId === null) {
      result.problem = { seq, text: `the event of link ${seq} (${row.link_event_id}) is missing` };
      return result;
    }
    const event: ChainedEvent = {
      eventId, occurredAt: row.occurred_at, actorType: row.actor_type, actorId: row.actor_id, actorLabel: row.actor_label,
      action: row.action, entityType: row.entity_type, entityId: row.entity_id, companyId: row.company_id, outcome: row.outcome,
      ipHmac: row.ip_hmac, userAgentHmac: row.user_agent_hmac, requestId: row.request_id, detail: row.detail,
    };
    const hash = createHash('sha256').update(Buffer.from(rowPrev, 'hex')).update(canonicalEvent(event)).digest('hex');
    // eslint-disable-next-line security/detect-possible-timing-attacks -- both are hashes of stored events, no secret
    if (hash !== row.hash) {
      result.problem = { seq, text: `link ${seq}: the stored event (${eventId}) does not match its hash` };
      return result;
    }
    const signed = checkpoints.get(seq);
    if (signed !== undefined && signed !== hash) {
      result.problem = { seq, text: `link ${seq} differs from a signed checkpoint` };
      return result;
    }
    result.count += 1;
    result.lastSeq = seq;
    result.lastHash = hash;
    expectedSeq = seq + 1;
    prevHash = hash;
  }
  return result;
}
