// Commit-to-chained delay while one unrelated writing transaction stays open.
// The sequencer chains a transaction's events only once every transaction
// with a lower id has finished (pg_snapshot_xmin): this shows what one slow
// writer (a bulk import, a re-encryption batch, a session left idle in
// transaction) does to everyone else's delay. Reported, not a goal.
import { testAuditor as auditor, testKeyring } from '../audit/support.ts';
import { createSequencer } from '../../app/audit/sequencer.ts';
import { connectDatabase } from '../../app/db/client.ts';
import { createLogger } from '../../app/log.ts';
import type { Cluster } from '../harness/postgres.ts';
import { cloneTemplate, percentile } from './database.ts';

export async function runLongTransaction(cluster: Cluster, appPassword: string, holdSeconds: number): Promise<{ delaysMs: number[] }> {
  const database = await cloneTemplate(cluster, appPassword);
  const db = connectDatabase(database.appUrl, { max: 6 });
  const sequencer = createSequencer(db, createLogger({ level: 'silent' }), { intervalMs: 200, keys: testKeyring });
  const delaysMs: number[] = [];
  try {
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    let opened!: () => void;
    const isOpen = new Promise<void>((resolve) => { opened = resolve; });
    const slow = db.withPrincipal(null, async (tx) => {
      await auditor.recordAs(tx, { type: 'system', label: 'slow writer' }, { action: 'bench.slow' });
      opened();
      await held;
    });
    await isOpen;
    const waiting = new Map<string, number>();
    const until = performance.now() + holdSeconds * 1000;
    let lastProbe = 0;
    setTimeout(release, holdSeconds * 1000);
    while (performance.now() < until + 2000 || waiting.size > 0) {
      if (performance.now() < until && performance.now() - lastProbe >= 50) {
        lastProbe = performance.now();
        const id = await db.withPrincipal(null, (tx) => auditor.recordAs(tx, { type: 'system', label: 'probe' }, { action: 'bench.probe' }));
        waiting.set(id, performance.now());
      }
      if (waiting.size > 0) {
        const chained = await database.admin<{ event_id: string }[]>`select event_id::text from audit.chain where event_id = any(${[...waiting.keys()]}::uuid[])`;
        const seen = performance.now();
        for (const row of chained) {
          delaysMs.push(seen - waiting.get(row.event_id)!);
          waiting.delete(row.event_id);
        }
      }
      await new Promise((r) => setTimeout(r, 5));
      if (performance.now() > until + 30_000) break; // never chained: stop waiting
    }
    await slow;
  } finally {
    await sequencer.stop();
    await db.close();
    await database.drop();
  }
  return { delaysMs: delaysMs.sort((a, b) => a - b) };
}

export { percentile };
