// One-off split of the keys bench's message list (`node --import tsx test/bench/keys-list-ab.ts`; not in
// `npm run bench`): where the sealed read's extra time goes. The same two jobs of 1,000 messages as
// test/bench/keys.ts (one stored plain, one sealed), read through findConversation, sides alternating
// read by read in rotating order for ROUNDS × SECONDS × 3 s (5 × 1):
//   plain          rows stored plain
//   sealed         rows sealed, opened by the presenter (what the bench measures)
//   sealed-closed  rows sealed, a keyring that hands the ciphertext back: the database and transfer share
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedKek } from '../harness/seed.ts';
import { connectDatabase } from '../../app/db/client.ts';
import { installFieldKeyring } from '../../app/crypto/fields.ts';
import { Keyring } from '../../app/crypto/keyring.ts';
import { findConversation } from '../../app/messages/queries.ts';
import { startCluster } from '../harness/postgres.ts';
import { prepareTemplate } from '../harness/template.ts';
import { cloneTemplate } from './database.ts';
import { seedMessageLists } from './keys.ts';

const rounds = Number(process.env.ROUNDS ?? 5);
const seconds = Number(process.env.SECONDS ?? 1);
const ring = new Keyring({ storeDir: join(mkdtempSync(join(tmpdir(), 'kastell-list-ab-')), 'keys'), loadKeks: fixedKek(randomBytes(32)) });
const closed = { open: (sealed: string) => sealed } as unknown as Keyring;
installFieldKeyring(ring);
const cluster = await startCluster();
try {
  const { appPassword } = await prepareTemplate(cluster);
  const database = await cloneTemplate(cluster, appPassword);
  const db = connectDatabase(database.appUrl, { max: 2 });
  const { dispatcher, jobs } = await seedMessageLists(database.admin);
  const variants = {
    plain: { job: jobs.plain, ring },
    sealed: { job: jobs.sealed, ring },
    'sealed-closed': { job: jobs.sealed, ring: closed },
  };
  const names = (process.env.VARIANTS?.split(',') ?? Object.keys(variants)) as (keyof typeof variants)[];
  const ms: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const read = async (n: keyof typeof variants) => {
    installFieldKeyring(variants[n].ring);
    const c = await db.withPrincipal({ userId: dispatcher.userId }, (tx) => findConversation(tx, variants[n].job));
    if (c?.messages.length !== 1000) throw new Error('expected 1000 messages');
    if (n === 'sealed' && !c.messages[0]!.body.startsWith('Message')) throw new Error('not opened');
  };
  for (const n of names) for (let i = 0; i < 20; i++) await read(n);
  // interleaved read by read (the order rotating), so load from elsewhere hits every variant alike; medians of single reads
  const until = performance.now() + rounds * seconds * names.length * 1000;
  for (let i = 0; performance.now() < until; i++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(i + k) % names.length]!;
      const t = performance.now();
      await read(n);
      ms[n]!.push(performance.now() - t);
    }
  }
  const quantile = (a: number[], q: number) => [...a].sort((x, y) => x - y)[Math.floor(a.length * q)]!;
  const median = (a: number[]) => quantile(a, 0.5);
  for (const n of names) console.log(`${n.padEnd(14)} median ${median(ms[n]!).toFixed(2)} ms per read, p25 ${quantile(ms[n]!, 0.25).toFixed(2)} (${ms[n]!.length} reads)`);
  if (ms.plain && ms.sealed) console.log(`ratio sealed/plain ${(median(ms.plain!) / median(ms.sealed!)).toFixed(2)}`);
  await db.close();
  await database.drop();
} finally {
  await cluster.stop();
}
