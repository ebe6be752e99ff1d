// The single sequencer: chains committed events in batches, in a fixed
// order, without any writer waiting on it (as Trillian's log signer does).
// An advisory lock keeps it single even with several Kastell processes; an
// event becomes chainable once its transaction is older than every running
// one, so events committing out of order are never skipped. Each link is
// sealed (event-key.ts) when its event's signature verifies; an event that
// does not (written past Kastell, straight into the table) is chained
// unsealed, so verification names its link, and is reported at once.
import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import { eventFromRow, linkHash, type EventRow } from './canonical.ts';
import { checkEventSignature, linkSeal, microsecondIso, type EventKeyring } from './event-key.ts';

const batchSize = 2000;

export interface Sequencer {
  /** Chains everything chainable now; returns the number of new links. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

export function createSequencer(db: Database, log: Logger, options: { intervalMs: number; keys: EventKeyring; onChained?: (links: number) => Promise<void> }): Sequencer {
  let position: { txid: string; ingest: string } | undefined;
  let running: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function chainBatch(): Promise<number> {
    return db.withPrincipal(null, async (tx) => {
      const [lock] = await tx`select pg_try_advisory_xact_lock(hashtext('kastell.audit.sequencer')) as got`;
      if (!lock!.got) return 0;
      const [head] = await tx`select seq, hash, txid::text as txid from audit.chain_head()`;
      position ??= { txid: head!.txid, ingest: '-1' };
      const pending = await tx<(EventRow & { txid: string; ingest_seq: string; occurred_at: Date; key_id: string | null; signature: Buffer | null })[]>`
        select *, txid::text as txid from audit.pending_events(${position.txid}::xid8, ${position.ingest}, ${batchSize})`;
      if (pending.length === 0) return 0;
      let seq = BigInt(head!.seq);
      let prev: Buffer = head!.hash;
      const seqs: string[] = [], ids: string[] = [], occurred: string[] = [], txids: string[] = [], prevs: string[] = [], hashes: string[] = [];
      const keyIds: (string | null)[] = [], macs: (string | null)[] = [];
      const chainedAt = new Date();
      const chainedAtText = microsecondIso(chainedAt);
      const { keyId, linkKey } = options.keys.current;
      let checked = 0;
      for (const row of pending) {
        // one Ed25519 verification per event (~0.1 ms): let requests through between every few hundred
        if (++checked % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
        seq += 1n;
        const event = eventFromRow(row);
        const hash = linkHash(prev, event);
        seqs.push(seq.toString()); ids.push(row.event_id); occurred.push(row.occurred_at_text); txids.push(row.txid);
        prevs.push(prev.toString('hex')); hashes.push(hash.toString('hex'));
        const signature = checkEventSignature(options.keys.publicKeys, event, row.key_id, row.signature);
        if (signature === 'valid') {
          keyIds.push(keyId);
          macs.push(linkSeal(linkKey, seq, prev.toString('hex'), hash.toString('hex'), chainedAtText).toString('hex'));
        } else {
          keyIds.push(null);
          macs.push(null);
          log.fatal({ event: 'audit.event.forged', seq: seq.toString(), eventId: row.event_id, action: row.action, signature },
            'AUDIT EVENT NOT WRITTEN BY KASTELL: chained unsealed');
        }
        prev = hash;
      }
      // The event's time goes as text with microseconds (text[], then cast): it
      // is the partition key the link joins on, and postgres.js turns anything
      // it sends as timestamptz into a JS Date, cutting it to milliseconds. It
      // cannot send Buffer[] as bytea[] either, so hashes go as hex text.
      await tx`select audit.append_links(${seqs}::bigint[], ${ids}::uuid[], ${occurred}::text[]::timestamptz[],
        ${txids}::xid8[],
        array(select decode(h, 'hex') from unnest(${prevs}::text[]) with ordinality u(h, n) order by n),
        array(select decode(h, 'hex') from unnest(${hashes}::text[]) with ordinality u(h, n) order by n),
        ${keyIds}::text[],
        array(select decode(h, 'hex') from unnest(${macs}::text[]) with ordinality u(h, n) order by n),
        ${chainedAt})`;
      const last = pending[pending.length - 1]!;
      position = { txid: last.txid, ingest: last.ingest_seq };
      return pending.length;
    });
  }

  async function runOnce(): Promise<number> {
    if (running) return running;
    running = (async () => {
      let total = 0;
      try {
        for (;;) {
          const chained = await chainBatch();
          total += chained;
          if (chained < batchSize) break;
        }
      } catch (error) {
        position = undefined; // re-read the head next time
        throw error;
      } finally {
        running = undefined;
      }
      if (total > 0) await options.onChained?.(total);
      return total;
    })();
    return running;
  }

  const tick = async () => {
    if (stopped) return;
    try {
      await runOnce();
    } catch (error) {
      log.error({ err: error, event: 'audit.sequencer.failed' }, 'audit sequencer failed; retrying');
    }
    if (!stopped) timer = setTimeout(tick, options.intervalMs);
  };
  timer = setTimeout(tick, options.intervalMs);

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => {});
    },
  };
}
