// 32 writers at once, with transactions that hold their event open for a
// random while (so they commit out of the order they wrote in) and some that
// roll back, while the sequencer chains continuously. Every committed event
// must be chained exactly once, none of a rolled-back transaction may appear,
// and the chain must verify.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSequencer } from '../../app/audit/sequencer.ts';
import { verifyChain } from '../../app/audit/verify.ts';
import { connectDatabase } from '../../app/db/client.ts';
import { createLogger } from '../../app/log.ts';
import { createTestDatabase } from '../harness/database.ts';
import { chainEverything, sleep, testAuditor, testKeyring, testSeals } from './support.ts';

const writers = 32;
const transactionsPerWriter = 25;

class RolledBack extends Error {}

test('32 concurrent writers committing out of order: every committed event chained exactly once, no rolled-back one', async () => {
  const t = await createTestDatabase();
  const db = connectDatabase(t.appUrl, { max: writers + 4 });
  const sequencer = createSequencer(db, createLogger({ level: 'silent' }), { intervalMs: 10, keys: testKeyring });
  const committed: string[] = [];
  const rolledBack: string[] = [];
  let committedBeforeStraggler = 0;
  try {
    // A long transaction writes first and commits last: its events come after
    // dozens of later-written, earlier-committed ones.
    let stragglerWritten!: () => void;
    const written = new Promise<void>((resolve) => { stragglerWritten = resolve; });
    let stragglerDone = false;
    let othersCommitted!: () => void;
    const enoughOthersCommitted = new Promise<void>((resolve) => { othersCommitted = resolve; });
    // Holds its transaction open until 20 later-written ones have committed: no timing involved.
    const straggler = db.withPrincipal(null, async (tx) => {
      const id = await testAuditor.recordAs(tx, { type: 'system', label: 'straggler' }, { action: 'test.straggler' });
      stragglerWritten();
      await enoughOthersCommitted;
      return id;
    }).finally(() => { stragglerDone = true; });
    await written;
    await Promise.all(Array.from({ length: writers }, (_, w) => (async () => {
      for (let i = 0; i < transactionsPerWriter; i++) {
        const ids: string[] = [];
        const rollBack = (w + i) % 7 === 0;
        try {
          await db.withPrincipal(null, async (tx) => {
            const events = 1 + ((w * 31 + i) % 3);
            for (let e = 0; e < events; e++) {
              ids.push(await testAuditor.recordAs(tx, { type: 'system', label: `writer-${w}` }, {
                action: 'test.concurrent', entityType: 'test', entityId: `${w}-${i}-${e}`,
              }));
              await sleep((w * 7 + i * 13 + e) % 9);
            }
            if (rollBack) throw new RolledBack();
          });
          committed.push(...ids);
          if (!stragglerDone && ++committedBeforeStraggler === 20) othersCommitted();
        } catch (error) {
          if (!(error instanceof RolledBack)) throw error;
          rolledBack.push(...ids);
        }
      }
    })()));
    committed.push(await straggler);
    await chainEverything(sequencer, t.admin);
  } finally {
    await sequencer.stop();
  }

  assert.ok(rolledBack.length > 0 && committed.length > writers * transactionsPerWriter, 'the scenario wrote and rolled back events');
  // Commits really happened out of write order: the straggler wrote before
  // every other transaction and committed after many of them.
  assert.ok(committedBeforeStraggler > 0, 'transactions written after the straggler committed before it');
  const [order] = await t.admin`
    select (select ingest_seq from audit.events where action = 'test.straggler') < (select min(ingest_seq) from audit.events where action = 'test.concurrent') as first`;
  assert.equal(order!.first, true, 'the straggler wrote first');

  const links = await t.admin<{ event_id: string; n: number }[]>`select event_id::text, count(*)::int as n from audit.chain group by event_id`;
  const chained = new Map(links.map((row) => [row.event_id, row.n]));
  for (const id of committed) assert.equal(chained.get(id), 1, `committed event ${id} must be chained exactly once`);
  assert.equal(chained.size, committed.length, 'nothing but the committed events is chained');
  for (const id of rolledBack) assert.equal(chained.has(id), false, `rolled-back event ${id} must not be chained`);
  const [stored] = await t.admin`select count(*)::int as n, count(*) filter (where event_id = any(${rolledBack}::uuid[]))::int as rolled_back from audit.events`;
  assert.equal(stored!.n, committed.length);
  assert.equal(stored!.rolled_back, 0);
  const [seqs] = await t.admin`select min(seq)::int as first, max(seq)::int as last, count(distinct seq)::int as n from audit.chain`;
  assert.deepEqual({ ...seqs }, { first: 1, last: committed.length, n: committed.length }, 'seq runs 1..N without gaps');
  const verified = await verifyChain(db, { unchainedBoundSeconds: 60, seals: testSeals() });
  assert.equal(verified.ok, true, verified.problem ?? '');
  assert.equal(verified.checked, committed.length);
  await db.close();
});
