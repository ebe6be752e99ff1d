// Checks one range of the chain on its own: every link carries the next
// seq, continues the link before it, has its event, and hashes to what it
// stores; signed checkpoints inside the range match. Links can be checked
// apart because each stores its previous hash — the caller only stitches
// ranges together (first prev hash = previous range's last hash), so ranges
// can be hashed in parallel by worker threads.
import { createHash } from 'node:crypto';
import { canonicalEvent, type ChainedEvent } from './canonical.ts';

// COPY's text format: tab-separated, \N for NULL, backslash escapes.
const escapes: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
const unescapeCopy = (field: string): string | null =>
  field === '\\N' ? null : field.includes('\\') ? field.replace(/\\(.)/g, (_, c: string) => escapes[c] ?? c) : field;

export interface RangeCheck {
  count: number;
  firstSeq: number | null;
  firstPrevHash: string | null;
  lastSeq: number | null;
  lastHash: string | null;
  /** the first problem inside the range, by seq */
  problem: { seq: number; text: string } | null;
}

/** `copyText`: the rows of COPY (select * from audit.chain_range(a, b)) TO STDOUT. */
export function checkChainRange(copyText: string, checkpoints: ReadonlyMap<number, string>): RangeCheck {
  const result: RangeCheck = { count: 0, firstSeq: null, firstPrevHash: null, lastSeq: null, lastHash: null, problem: null };
  let expectedSeq = 0;
  let prevHash = '';
  for (const line of copyText.split('\n')) {
    if (line === '') continue;
    const row = line.split('\t').map(unescapeCopy);
    const seq = Number(row[0]);
    const [, linkEventId, rowPrev, rowHash, eventId] = row as [string, string, string, string, string | null];
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
      result.problem = { seq, text: `the event of link ${seq} (${linkEventId}) is missing` };
      return result;
    }
    let detail: Record<string, unknown>;
    try {
      detail = JSON.parse(row[17]!) as Record<string, unknown>;
    } catch {
      result.problem = { seq, text: `link ${seq}: the stored event (${eventId}) has a detail that is not JSON` };
      return result;
    }
    const event: ChainedEvent = {
      eventId, occurredAt: row[5]!, actorType: row[6]!, actorId: row[7]!, actorLabel: row[8]!, action: row[9]!, entityType: row[10]!,
      entityId: row[11]!, companyId: row[12]!, outcome: row[13]!, ipHmac: row[14]!, userAgentHmac: row[15]!, requestId: row[16]!, detail,
    };
    const hash = createHash('sha256').update(Buffer.from(rowPrev, 'hex')).update(canonicalEvent(event)).digest('hex');
    if (hash !== rowHash) {
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
