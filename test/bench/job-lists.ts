// The job lists through RLS against the same SQL with RLS off, on 10,000 jobs
// over 100 companies (3 sites and 5 assets each, every job on one of 20
// technicians, a fifth of them on a second, half with an asset).
//   (a) a technician's list, (b) a customer's list: listJobs from
//       app/jobs/queries.ts exactly as GET /api/v1/jobs runs it — as
//       kastell_app, identity set per transaction (withPrincipal), the scope
//       the route derives (jobScopeOf) written into the SQL — against the same
//       listJobs call in the same transaction shape (begin, set_config, query,
//       commit) as the superuser, whom RLS does not apply to. So the ratio is
//       the policies' cost and nothing else. Rounds alternate the two sides.
//   (c) GET /api/v1/jobs over real HTTP at 50 concurrent connections: the
//       technician's and the customer's p99 against a dispatcher's (same
//       endpoint, same 500-row limit as the technician) and /healthz.
// KASTELL_BENCH_JOBS (10000), KASTELL_BENCH_LIST_SECONDS (2 per side and
// round), KASTELL_BENCH_HTTP_SECONDS (3 per endpoint), KASTELL_BENCH_ROUNDS;
// KASTELL_BENCH_EXPLAIN=1 prints both plans of each list.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { parseConfig } from '../../app/config.ts';
import { assumePrincipal, connectDatabase, type Tx } from '../../app/db/client.ts';
import { jobScopeOf, listJobs, type JobListFilter, type JobScope } from '../../app/jobs/queries.ts';
import { createLogger } from '../../app/log.ts';
import { startServer } from '../../app/server.ts';
import { freePort, type Cluster } from '../harness/postgres.ts';
import { seedSession, seedUser } from '../harness/seed.ts';
import { cloneTemplate, percentile, type BenchDatabase } from './database.ts';

export interface JobListsOptions {
  jobs: number;
  listSeconds: number;
  httpSeconds: number;
  rounds: number;
  explain: boolean;
  print: (line: string) => void;
}

interface World {
  technician: string;
  customer: { userId: string; companyId: string };
  dispatcher: string;
  techniciansJobs: number;
  customersJobs: number;
}

/** 100 companies × (3 sites, 5 assets), `jobs` jobs spread over them, 20 technicians; written past the triggers. */
async function seedWorld(database: BenchDatabase, jobs: number): Promise<World> {
  const admin = database.admin;
  const technicians: string[] = [];
  for (let i = 0; i < 20; i++) technicians.push((await seedUser(admin, 'technician')).userId);
  const dispatcher = (await seedUser(admin, 'dispatcher')).userId;
  await admin.begin(async (tx) => {
    await tx`set local session_replication_role = replica`; // no status triggers, no history rows: the lists do not read them
    await tx`insert into kastell.companies (name) select 'Company ' || n from generate_series(1, 100) n`;
    await tx`insert into kastell.sites (company_id, name, city) select c.company_id, 'Site ' || s, 'Bern' from kastell.companies c, generate_series(1, 3) s`;
    await tx`insert into kastell.assets (company_id, site_id, name) select s.company_id, s.site_id, 'Asset ' || n
      from kastell.sites s, generate_series(1, 2) n`;
    await tx`
      with c as (select company_id, row_number() over (order by company_id) - 1 as ci from kastell.companies),
           s as (select site_id, company_id, row_number() over (partition by company_id order by site_id) - 1 as si from kastell.sites)
      insert into kastell.jobs (company_id, site_id, title, status, planned_start, created_at)
      select c.company_id, s.site_id, 'Job ' || n,
             (array['new','scheduled','in_progress','on_hold','work_done','awaiting_signoff','signed','closed','cancelled'])[1 + n % 9],
             case when n % 7 = 0 then null else now() + ((n % 61) - 30) * interval '1 day' + (n % 24) * interval '1 hour' end,
             now() - (n % 90) * interval '1 day'
      from generate_series(0, ${jobs - 1}) n
      join c on c.ci = n % 100
      join s on s.company_id = c.company_id and s.si = (n / 100) % 3`;
    await tx`
      with j as (select job_id, company_id, row_number() over (order by job_id) - 1 as n from kastell.jobs),
           t as (select technician_id, ordinality - 1 as ti from unnest(${technicians}::uuid[]) with ordinality as u(technician_id, ordinality))
      insert into kastell.job_assignments (job_id, technician_id, company_id)
      select j.job_id, t.technician_id, j.company_id from j join t on t.ti = j.n % 20
      union all
      select j.job_id, t.technician_id, j.company_id from j join t on t.ti = (j.n + 7) % 20 where j.n % 5 = 0`;
    await tx`
      insert into kastell.job_assets (job_id, asset_id, company_id)
      select distinct on (j.job_id) j.job_id, a.asset_id, j.company_id
      from kastell.jobs j join kastell.assets a on a.site_id = j.site_id
      where ('x' || substr(j.job_id::text, 35, 2))::bit(8)::int % 2 = 0
      order by j.job_id, a.asset_id`;
  });
  await admin`analyze`;
  const [company] = await admin`select company_id from kastell.companies order by name limit 1`;
  const customer = await seedUser(admin, 'customer_member', company!.company_id);
  const [counts] = await admin`select
    (select count(*)::int from kastell.job_assignments where technician_id = ${technicians[0]!}) as tech,
    (select count(*)::int from kastell.jobs where company_id = ${company!.company_id}) as customer`;
  return { technician: technicians[0]!, customer: { userId: customer.userId, companyId: company!.company_id }, dispatcher,
    techniciansJobs: counts!.tech, customersJobs: counts!.customer };
}

/** The same call on both sides; only who runs it differs. */
type Side = (userId: string, work: (tx: Tx) => Promise<unknown>) => Promise<unknown>;

/**
 * Both sides in turns, one call each (the order swapped every time), for `seconds`: on a shared, loaded machine drift
 * (another process, a VM, caches) then hits both sides alike, which blocks of seconds per side do not achieve.
 */
async function timeBoth(sides: { rls: Side; off: Side }, userId: string, work: (tx: Tx) => Promise<unknown>, seconds: number) {
  for (let i = 0; i < 20; i++) for (const side of [sides.rls, sides.off]) await side(userId, work); // warm plans and buffers
  const spent = { rls: 0, off: 0 };
  let n = 0;
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    for (const which of n % 2 === 0 ? (['off', 'rls'] as const) : (['rls', 'off'] as const)) {
      const started = performance.now();
      await sides[which](userId, work);
      spent[which] += performance.now() - started;
    }
    n += 1;
  }
  return { n, rlsMs: spent.rls / n, offMs: spent.off / n };
}

export async function runJobLists(cluster: Cluster, appPassword: string, options: JobListsOptions): Promise<void> {
  const { print } = options;
  const database = await cloneTemplate(cluster, appPassword);
  try {
    const world = await seedWorld(database, options.jobs);
    print(`jobs bench: ${options.jobs} jobs, the technician has ${world.techniciansJobs}, the customer's company ${world.customersJobs}`);
    const app = connectDatabase(database.appUrl, { max: 1 });
    const bare = postgres(cluster.adminUrl(database.name), { max: 1, onnotice: () => {}, connection: { search_path: 'kastell' } });
    const rls: Side = (userId, work) => app.withPrincipal({ userId }, work);
    const off: Side = (userId, work) => bare.begin(async (tx) => { await assumePrincipal(tx, { userId }); return work(tx); });

    // the scope as the route derives it from the session (jobScopeOf), and the technician's "today" order
    const techScope = jobScopeOf({ userId: world.technician, companyId: null, permissions: new Map([['jobs.read', 'company']]) });
    const customerScope = jobScopeOf({ userId: world.customer.userId, companyId: world.customer.companyId, permissions: new Map([['jobs.read', 'company']]) });
    const lists = [
      { name: "technician's", userId: world.technician, scope: techScope, filter: { todayFirst: true } as JobListFilter },
      { name: "customer's", userId: world.customer.userId, scope: customerScope, filter: {} as JobListFilter },
    ];
    for (const list of lists) {
      // both sides must answer the same rows
      const a = (await rls(list.userId, (tx) => listJobs(tx, list.scope, list.filter))) as { jobId: string }[];
      const b = (await off(list.userId, (tx) => listJobs(tx, list.scope, list.filter))) as { jobId: string }[];
      if (a.map((j) => j.jobId).join() !== b.map((j) => j.jobId).join()) throw new Error(`${list.name} list: RLS answers ${a.length} rows, RLS off ${b.length}`);
      if (options.explain) await explainBoth(cluster, database, list.userId, list.scope, list.filter, list.name, print);
      const runs: Awaited<ReturnType<typeof timeBoth>>[] = [];
      for (let round = 0; round < options.rounds; round++) {
        const run = await timeBoth({ rls, off }, list.userId, (tx) => listJobs(tx, list.scope, list.filter), options.listSeconds);
        runs.push(run);
        print(`jobs bench: ${list.name} list round ${round + 1}: ${run.n} pairs, RLS on ${run.rlsMs.toFixed(2)} ms, off ${run.offMs.toFixed(2)} ms per list`);
      }
      const mean = (key: 'rlsMs' | 'offMs') => runs.reduce((sum, r) => sum + r[key] * r.n, 0) / runs.reduce((sum, r) => sum + r.n, 0);
      print(`RESULT ${list.name} job list (${a.length} rows of ${options.jobs}) through RLS ${(1000 / mean('rlsMs')).toFixed(0)}/s vs RLS off ${(1000 / mean('offMs')).toFixed(0)}/s: ratio ${(mean('offMs') / mean('rlsMs')).toFixed(2)} (goal >= 0.85)`);
    }
    await app.close();
    await bare.end();

    await runListHttp(database, world, options);
  } finally {
    await database.drop();
  }
}

/** listJobs' statement as it is sent (postgres.js debug), explained as kastell_app under the identity and as the superuser. */
async function explainBoth(cluster: Cluster, database: BenchDatabase, userId: string, scope: JobScope, filter: JobListFilter, name: string, print: (line: string) => void) {
  let sent: { text: string; params: unknown[] } | undefined;
  const spy = postgres(cluster.adminUrl(database.name), { max: 1, onnotice: () => {}, connection: { search_path: 'kastell' },
    debug: (_connection, text, params) => { if (/from jobs j/.test(text)) sent ??= { text, params: params as unknown[] }; } });
  try {
    await spy.begin((tx) => listJobs(tx, scope, filter));
    for (const rlsOn of [true, false]) {
      const plan = await spy.begin(async (tx) => {
        if (rlsOn) {
          await tx`set local role kastell_app`;
          await assumePrincipal(tx, { userId });
        }
        return tx.unsafe(`explain (analyze, costs off, summary on) ${sent!.text}`, sent!.params as postgres.ParameterOrJSON<never>[]);
      });
      print(`--- ${name} list, RLS ${rlsOn ? 'on' : 'off'}\n${plan.map((r) => r['QUERY PLAN']).join('\n')}`);
    }
  } finally {
    await spy.end();
  }
}

/** GET /api/v1/jobs over real HTTP, 50 connections: p99 of the technician and the customer against a dispatcher and /healthz. */
async function runListHttp(database: BenchDatabase, world: World, options: JobListsOptions) {
  const config = parseConfig({
    KASTELL_DATABASE_URL: database.appUrl,
    KASTELL_HTTP_PORT: String(await freePort()),
    KASTELL_DATA_DIR: mkdtempSync(join(tmpdir(), 'kastell-bench-')),
    KASTELL_LOG_LEVEL: 'silent',
    KASTELL_JOBS: 'off',
  });
  const server = await startServer(config, createLogger({ level: 'silent' }));
  try {
    const cookie = async (userId: string) => `__Host-kastell-session=${await seedSession(database.admin, userId, '1 hour')}`;
    const targets = [
      { name: '/healthz', path: '/healthz', cookie: '' },
      { name: 'dispatcher', path: '/api/v1/jobs', cookie: await cookie(world.dispatcher) },
      { name: 'technician', path: '/api/v1/jobs', cookie: await cookie(world.technician) },
      { name: 'customer', path: '/api/v1/jobs', cookie: await cookie(world.customer.userId) },
    ];
    const connections = 50;
    const latencies = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const rows = new Map<string, number>();
    let errors = 0;
    for (let round = 0; round < options.rounds; round++) {
      for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
        let measuring = false;
        let stop = false;
        const seen = latencies.get(target.name)!;
        const workers = Array.from({ length: connections }, async () => {
          while (!stop) {
            const started = performance.now();
            const response = await fetch(server.url + target.path, { headers: target.cookie ? { cookie: target.cookie } : {} });
            const body = await response.text();
            const took = performance.now() - started;
            if (!measuring) continue;
            if (response.status !== 200) errors += 1;
            else {
              seen.push(took);
              if (!rows.has(target.name) && body.startsWith('[')) rows.set(target.name, (JSON.parse(body) as unknown[]).length);
            }
          }
        });
        await new Promise((r) => setTimeout(r, 500));
        measuring = true;
        await new Promise((r) => setTimeout(r, (options.httpSeconds * 1000) / options.rounds));
        measuring = false;
        stop = true;
        await Promise.all(workers);
      }
    }
    const p = (name: string, q: number) => percentile([...latencies.get(name)!].sort((a, b) => a - b), q);
    for (const name of latencies.keys()) {
      options.print(`jobs bench: GET ${name === '/healthz' ? '/healthz' : `/api/v1/jobs as ${name} (${rows.get(name)} rows)`}: ${latencies.get(name)!.length} answers, p50 ${p(name, 50).toFixed(1)} ms, p99 ${p(name, 99).toFixed(1)} ms`);
    }
    for (const name of ['technician', 'customer']) {
      options.print(`RESULT GET /api/v1/jobs p99 at ${connections} connections as the ${name} (${rows.get(name)} rows) ${p(name, 99).toFixed(0)} ms vs as a dispatcher (${rows.get('dispatcher')} rows) ${p('dispatcher', 99).toFixed(0)} ms: ratio ${(p('dispatcher', 99) / p(name, 99)).toFixed(2)}; /healthz p99 ${p('/healthz', 99).toFixed(0)} ms${errors ? ` — ${errors} ERRORS` : ''}`);
    }
  } finally {
    await server.close();
  }
}
