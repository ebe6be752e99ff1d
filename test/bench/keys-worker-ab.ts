// One-off A/B of the re-encryption worker's database side (`node --import tsx test/bench/keys-worker-ab.ts`;
// not in `npm run bench`): sql/0022's per-row re-seal and from-the-start candidate scan, loaded under
// other names from the landed migration file, vs sql/0025's one-UPDATE re-seal and cursor, alternating on
// one throwaway database of 20,000 message rows (values are fake v2 strings: no crypto here).
import { startCluster } from '../harness/postgres.ts';
import { cloneTemplate } from './database.ts';
import { prepareTemplate } from '../harness/template.ts';
import { seedCompany, seedSite } from '../harness/seed.ts';
import { readFileSync } from 'node:fs';
const cluster = await startCluster();
const { appPassword } = await prepareTemplate(cluster);
const database = await cloneTemplate(cluster, appPassword);
const sql = database.admin;
const company = await seedCompany(sql, 'Bench AG');
const site = await seedSite(sql, company, 'Bench plant');
const [job] = await sql`insert into kastell.jobs (company_id, site_id, title) values (${company}, ${site}, 'j') returning job_id`;
const N = 20000;
for (let i = 0; i < N; i += 5000) {
  const rows = Array.from({ length: 5000 }, (_, k) => ({ job_id: job!.job_id, company_id: company, body: `v2:kOld:iv:tag:ct${i + k}`, author_side: 'operator' }));
  await sql`insert into kastell.job_messages ${sql(rows)}`;
}
// sql/0022's functions under other names
const old = readFileSync('sql/0022_reencryption.sql', 'utf8');
const grab = (name: string) => { const a = old.indexOf(`create function app.${name}(`); const b = old.indexOf('$$;', old.indexOf('as $$', a)) + 3; return old.slice(a, b).replace(`app.${name}(`, `app.${name}_0022(`); };
await sql.unsafe(grab('reseal_fields'));
await sql.unsafe(grab('reseal_candidates'));
const ids = (await sql<{ id: string; body: string }[]>`select message_id::text as id, body from kastell.job_messages order by message_id`);
let gen = 0;
async function swap(variant: 'old' | 'new', batch: { id: string; body: string }[]) {
  gen++;
  const fresh = batch.map((r) => `v2:kG${gen}:iv:tag:${r.body.split(':')[4]}`);
  const t0 = performance.now();
  const fn = variant === 'old' ? sql`app.reseal_fields_0022` : sql`app.reseal_fields`;
  await sql.begin((tx) => tx`select ${fn}('job_messages', 'body', ${batch.map((r) => r.id)}::uuid[], ${batch.map((r) => r.body)}::text[], ${fresh}::text[])`);
  batch.forEach((r, i) => { r.body = fresh[i]!; });
  return performance.now() - t0;
}
const res = { old: [] as number[], new: [] as number[] };
for (let r = 0; r < 20; r++) for (const v of (r % 2 ? ['old', 'new'] : ['new', 'old']) as ('old' | 'new')[]) {
  const start = ((r * 2 + (v === 'old' ? 0 : 1)) * 200) % N;
  res[v].push(await swap(v, ids.slice(start, start + 200)));
}
const med = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1]!;
console.log(`reseal of a 200-row batch, median of 20: sql/0022 per-row ${med(res.old).toFixed(1)} ms, sql/0025 one UPDATE ${med(res.new).toFixed(1)} ms`);
// candidates: the first half already current ('kCur'), the second half stale: the next batch
await sql`update kastell.job_messages set body = 'v2:kCur:iv:tag:ct' where message_id in (select message_id from kastell.job_messages order by message_id limit ${N / 2})`;
await sql`update kastell.job_messages set body = 'v2:kOld:iv:tag:ct' where message_id in (select message_id from kastell.job_messages order by message_id offset ${N / 2})`;
const lastDone = ids[N / 2 - 1]!.id;
const cand = { old: [] as number[], new: [] as number[] };
for (let r = 0; r < 10; r++) {
  let t0 = performance.now();
  await sql`select count(*) from app.reseal_candidates_0022('job_messages', 'body', ${['kCur']}, ${['kCur', 'kOld']}, 200)`;
  cand.old.push(performance.now() - t0);
  t0 = performance.now();
  await sql`select count(*) from app.reseal_candidates('job_messages', 'body', ${['kCur']}, ${['kCur', 'kOld']}, 200, ${lastDone}::uuid)`;
  cand.new.push(performance.now() - t0);
}
console.log(`next 200 candidates with ${N / 2} of ${N} rows done, median of 10: sql/0022 from the start ${med(cand.old).toFixed(1)} ms, sql/0025 after the last row ${med(cand.new).toFixed(1)} ms`);
await database.drop();
process.exit(0);
