// Verification rate on at least a million chained events, as a ratio of a
// bare chained SHA-256 loop over the same events' canonical encodings held in
// memory, measured in the same run.
import { createHash } from 'node:crypto';
import { canonicalJson, eventFromRow, genesisHash, type EventRow } from '../../app/audit/canonical.ts';
import { createSequencer } from '../../app/audit/sequencer.ts';
import { verifyChain } from '../../app/audit/verify.ts';
import { connectDatabase } from '../../app/db/client.ts';
import { createLogger } from '../../app/log.ts';
import type { Cluster } from '../harness/postgres.ts';
import { cloneTemplate } from './database.ts';
import { randomUUID } from 'node:crypto';
import { insertSignedEvents, testKeyring, testSeals } from '../audit/support.ts';

export interface VerifyRun {
  events: number;
  chainSeconds: number;
  verifySeconds: number;
  verifyPerSecond: number;
  bareSeconds: number;
  barePerSecond: number;
  ok: boolean;
}

export async function runVerifyRate(cluster: Cluster, appPassword: string, events: number, progress: (line: string) => void): Promise<VerifyRun> {
  const database = await cloneTemplate(cluster, appPassword);
  const db = connectDatabase(database.appUrl, { max: 4 });
  try {
    progress(`inserting ${events} events`);
    // Shaped like real events: actor, entity, keyed hashes, request id, a small detail; signed as the application signs them.
    const started0 = performance.now();
    await insertSignedEvents(database.admin, events, (g) => ({
      actor: { type: 'user', id: randomUUID(), ip: String(g), userAgent: String(g * 7), requestId: randomUUID() },
      event: { action: 'company.updated', entityType: 'company', entityId: randomUUID(), companyId: randomUUID(), detail: { fields: 'name,customerNumber', n: g } },
    }));
    progress(`signed and inserted in ${((performance.now() - started0) / 1000).toFixed(1)} s`);
    progress('chaining (sequencer)');
    const sequencer = createSequencer(db, createLogger({ level: 'silent' }), { intervalMs: 2 ** 30, keys: testKeyring });
    let started = performance.now();
    const chained = await sequencer.runOnce();
    const chainSeconds = (performance.now() - started) / 1000;
    await sequencer.stop();
    if (chained !== events) throw new Error(`chained ${chained} of ${events}`);

    progress('loading the canonical encodings for the bare loop');
    const encodings: string[] = [];
    let after = 0;
    for (;;) {
      const rows = await db.withPrincipal(null, (tx) => tx<(EventRow & { seq: string })[]>`select * from audit.chain_slice(${after}, ${20_000})`);
      for (const row of rows) encodings.push(canonicalJson(eventFromRow(row)));
      if (rows.length < 20_000) break;
      after = Number(rows[rows.length - 1]!.seq);
    }
    // Interleaved (bare, verify, bare, verify): a shared, noisy machine then
    // slows both sides alike instead of skewing the ratio.
    let verifySeconds = 0;
    let bareSeconds = 0;
    let ok = true;
    let verified = 0;
    for (let round = 1; round <= 2; round++) {
      progress(`bare chained SHA-256 loop, round ${round}`);
      started = performance.now();
      let prev: Buffer = genesisHash;
      for (const encoding of encodings) prev = createHash('sha256').update(prev).update(encoding).digest();
      bareSeconds += (performance.now() - started) / 1000;
      progress(`kastell verify, round ${round}`);
      started = performance.now();
      const result = await verifyChain(db, { unchainedBoundSeconds: 3600, seals: testSeals() });
      verifySeconds += (performance.now() - started) / 1000;
      ok &&= result.ok && result.checked === events && prev.toString('hex') === result.headHash;
      verified += result.checked;
    }
    return {
      events, chainSeconds, verifySeconds, verifyPerSecond: verified / verifySeconds,
      bareSeconds, barePerSecond: (2 * encodings.length) / bareSeconds, ok,
    };
  } finally {
    await db.close();
    await database.drop();
  }
}
