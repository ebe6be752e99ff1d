// Checks one range of the chain on its own: every link carries the next
// seq, continues the link before it, has its event, and hashes to what it
// stores; signed checkpoints inside the range match. Links can be checked
// apart because each stores its previous hash — the caller only stitches
// ranges together (first prev hash = previous range's last hash), so ranges
// can be fetched and hashed in parallel by worker threads. Above the
// unsigned stretch from before signatures (sql/0021), every link must carry
// the sequencer's seal (event-key.ts), and no link may have been chained
// after a signed checkpoint that already vouched for it.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { Database } from '../db/client.ts';
import { canonicalEvent, type ChainedEvent } from './canonical.ts';
import { checkEventSignature, sealMatches } from './event-key.ts';

/** One row of audit.chain_range as postgres.js returns it (a missing event has nulls). */
export interface RangeRow {
  seq: string; link_event_id: string; prev_hash: string; hash: string; event_id: string | null; occurred_at: string;
  actor_type: string; actor_id: string | null; actor_label: string | null; action: string; entity_type: string;
  entity_id: string | null; company_id: string | null; outcome: string; ip_hmac: string | null; user_agent_hmac: string | null;
  request_id: string | null; detail: Record<string, unknown>;
  key_id: string | null; signature: string | null; link_key_id: string | null; mac: string | null; chained_at: string;
}

/** What a range check needs besides the rows; plain data, so it crosses into worker threads. */
export interface SealContext {
  /** links up to here were chained before events were signed (sql/0021) */
  unsignedThrough: number;
  /** key id → link seal key (secret) */
  linkKeys: Array<[string, Uint8Array]>;
  /** key id → public key (SPKI PEM), to say precisely why a link is unsealed */
  publicKeyPems: Array<[string, string]>;
  /** signed checkpoints with their signing time, ascending by seq: a link must be chained no later than the first one at or above it */
  signedHeads: Array<{ seq: number; time: string }>;
}

export interface PreparedSeals {
  unsignedThrough: number;
  linkKeys: Map<string, Buffer>;
  publicKeys: Map<string, KeyObject>;
  /** ascending by seq; `time` is the earliest signing time of any head at or above it */
  signedHeads: Array<{ seq: number; time: string }>;
}

export function prepareSeals(context: SealContext): PreparedSeals {
  return {
    unsignedThrough: context.unsignedThrough,
    linkKeys: new Map(context.linkKeys.map(([id, key]) => [id, Buffer.from(key)])),
    publicKeys: new Map(context.publicKeyPems.map(([id, pem]) => [id, createPublicKey(pem)])),
    signedHeads: earliestFrom(context.signedHeads),
  };
}

/**
 * A link is chained before every checkpoint that covers it, so what counts
 * for a link is the earliest time among the heads at or above it (a later
 * checkpoint over links chained again must not excuse them).
 */
function earliestFrom(heads: SealContext['signedHeads']): PreparedSeals['signedHeads'] {
  const sorted = [...heads].sort((a, b) => a.seq - b.seq);
  const out = sorted.map((h) => ({ ...h }));
  for (let i = out.length - 2; i >= 0; i--) if (out[i + 1]!.time < out[i]!.time) out[i]!.time = out[i + 1]!.time;
  return out;
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
export function checkChainRange(rows: RangeRow[], checkpoints: ReadonlyMap<number, string>, seals: PreparedSeals): RangeCheck {
  const result: RangeCheck = { count: 0, firstSeq: null, firstPrevHash: null, lastSeq: null, lastHash: null, problem: null };
  let head = 0; // index of the first signed head at or above the current link
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
    if (seq > seals.unsignedThrough) {
      if (!sealMatches(row.link_key_id ? seals.linkKeys.get(row.link_key_id) : undefined, seq, rowPrev, hash, row.chained_at, row.mac)) {
        result.problem = { seq, text: unsealedProblem(seq, row, event, seals) };
        return result;
      }
      while (head < seals.signedHeads.length && seals.signedHeads[head]!.seq < seq) head += 1;
      const vouching = seals.signedHeads[head];
      if (vouching && row.chained_at > vouching.time) {
        result.problem = { seq, text: `link ${seq} was chained at ${row.chained_at}, after a signed checkpoint of ${vouching.time} had already vouched for it: the links from ${seq} on were cut and chained again` };
        return result;
      }
    }
    result.count += 1;
    result.lastSeq = seq;
    result.lastHash = hash;
    expectedSeq = seq + 1;
    prevHash = hash;
  }
  return result;
}

/** Why a link carries no valid seal, as precisely as the stored rows tell. */
function unsealedProblem(seq: number, row: RangeRow, event: ChainedEvent, seals: PreparedSeals): string {
  const verdict = checkEventSignature(seals.publicKeys, event, row.key_id, row.signature === null ? null : Buffer.from(row.signature, 'hex'));
  const id = row.event_id;
  if (verdict === 'unsigned') return `link ${seq}: its event (${id}) carries no signature: it was not written by Kastell (forged)`;
  if (verdict === 'unknown-key') return `link ${seq}: its event (${id}) is signed with key ${row.key_id}, which is no Kastell audit event key (forged)`;
  if (verdict === 'invalid') return `link ${seq}: the signature of its event (${id}) does not verify: it was not written by Kastell (forged)`;
  if (!row.mac) return `link ${seq} carries no seal although its event is signed: the link was not made by Kastell's sequencer (forged)`;
  if (row.link_key_id && !seals.linkKeys.has(row.link_key_id)) return `link ${seq} is sealed with key ${row.link_key_id}, which is no Kastell audit event key`;
  return `link ${seq}: its seal does not verify: the link was rewritten (reordered, rehashed or renumbered)`;
}
