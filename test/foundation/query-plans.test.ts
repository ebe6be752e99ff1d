// Query plans don't decay (issue 15 part 5). The hot lists — jobs, documents,
// messages, audit — run through the application's own query functions
// (app/*/queries.ts), as the application's login role under RLS with the
// identity set as withPrincipal sets it, on 20,000 rows each (seeded with
// generate_series as the owner role, then ANALYZE). Every statement they send
// (captured from postgres.js) is explained with its own parameters, and the
// plan tree is walked: a sequential scan of a table holding 5,000 rows or
// more fails the test — an index must serve each of these lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import postgres from 'postgres';
import { assumePrincipal, type Tx } from '../../app/db/client.ts';
import { findEvents } from '../../app/audit/queries.ts';
import { listDocumentsOf } from '../../app/documents/queries.ts';
import { jobScopeOf, listJobs, findJob } from '../../app/jobs/queries.ts';
import { findConversation, listUnreadByJob, unreadScopeOf } from '../../app/messages/queries.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedUser } from '../harness/seed.ts';

const rows = 20_000;
const big = 5_000;

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; Schema?: string; Plans?: PlanNode[] };

type Described = PlanNode & { 'Index Name'?: string; 'Plan Rows'?: number; 'Join Type'?: string };
/** The plan as one line per node: what a failure prints. */
const outline = (node: Described, depth = 0): string =>
  [`${'  '.repeat(depth)}${node['Node Type']}${node['Join Type'] ? ` ${node['Join Type']}` : ''}${node['Relation Name'] ? ` on ${node['Relation Name']}` : ''}${node['Index Name'] ? ` using ${node['Index Name']}` : ''} (rows ${node['Plan Rows']})`,
    ...(node.Plans ?? []).map((child) => outline(child, depth + 1))].join('\n      ');

function seqScans(node: PlanNode, found: string[] = []): string[] {
  if (node['Node Type'] === 'Seq Scan' && node['Relation Name']) found.push(`${node.Schema ?? 'kastell'}.${node['Relation Name']}`);
  for (const child of node.Plans ?? []) seqScans(child, found);
  return found;
}

test('the hot list queries are served by indexes at 20,000 rows, under RLS as the application runs them', async (t) => {
  const database = await createTestDatabase();
  const { admin } = database;
  const technicians: string[] = [];
  for (let i = 0; i < 100; i++) technicians.push((await seedUser(admin, 'technician')).userId);
  const dispatcher = await seedUser(admin, 'dispatcher');
  const owner = await seedUser(admin, 'owner');
  await admin.begin(async (tx) => {
    await tx`set local session_replication_role = replica`; // no status or append-only triggers: rows as they would be after years
    await tx`insert into kastell.companies (name) select 'Company ' || n from generate_series(1, 100) n`;
    await tx`insert into kastell.sites (company_id, name, city) select c.company_id, 'Site ' || s, 'Bern' from kastell.companies c, generate_series(1, 3) s`;
    await tx`
      with c as (select company_id, row_number() over (order by company_id) - 1 as ci from kastell.companies),
           s as (select site_id, company_id, row_number() over (partition by company_id order by site_id) - 1 as si from kastell.sites)
      insert into kastell.jobs (company_id, site_id, title, status, planned_start, created_at)
      select c.company_id, s.site_id, 'Job ' || n,
             (array['new','scheduled','in_progress','on_hold','work_done','closed'])[1 + n % 6],
             case when n % 7 = 0 then null else now() + ((n % 61) - 30) * interval '1 day' end, now() - (n % 400) * interval '1 day'
      from generate_series(0, ${rows - 1}) n join c on c.ci = n % 100 join s on s.company_id = c.company_id and s.si = (n / 100) % 3`;
    await tx`
      with j as (select job_id, company_id, row_number() over (order by job_id) - 1 as n from kastell.jobs)
      insert into kastell.job_assignments (job_id, technician_id, company_id)
      select j.job_id, (${technicians}::uuid[])[1 + j.n % 100], j.company_id from j`;
    await tx`
      with j as (select job_id, company_id, row_number() over (order by job_id) - 1 as n from kastell.jobs)
      insert into kastell.job_messages (job_id, company_id, internal, body, author_id, author_side, created_at)
      select j.job_id, j.company_id, j.n % 4 = 0, 'Message ' || j.n, null, case when j.n % 4 = 0 then 'operator' else 'customer' end,
             now() - (j.n % 400) * interval '1 day'
      from j`;
    await tx`
      with j as (select job_id, company_id, row_number() over (order by job_id) - 1 as n from kastell.jobs)
      insert into kastell.documents (owner_company_id, company_id, job_id, title, kind)
      select j.company_id, case when j.n % 2 = 1 then j.company_id end, case when j.n % 2 = 0 then j.job_id end, 'Document ' || j.n, 'other' from j`;
    await tx`insert into kastell.document_versions (document_id, owner_company_id, file_name)
      select document_id, owner_company_id, 'file.pdf' from kastell.documents`;
    await tx`
      with j as (select job_id, company_id, row_number() over (order by job_id) - 1 as n from kastell.jobs)
      insert into audit.events (occurred_at, actor_type, actor_id, action, entity_type, entity_id, company_id, outcome)
      select now() - (j.n % 400) * interval '1 day', 'user', (${technicians}::uuid[])[1 + j.n % 100], 'job.updated', 'job', j.job_id::text, j.company_id, 'success'
      from j`;
  });
  await admin`analyze`;
  const [company] = await admin`select company_id from kastell.companies order by name limit 1`;
  const customer = await seedUser(admin, 'customer_member', company!.company_id);
  const [job] = await admin`select job_id from kastell.jobs where company_id = ${company!.company_id} order by job_id limit 1`;
  const [techJob] = await admin`select job_id from kastell.job_assignments where technician_id = ${technicians[0]!} order by job_id limit 1`;
  const sizes = new Map((await admin<{ name: string; rows: number }[]>`
    select n.nspname || '.' || c.relname as name, c.reltuples::bigint::int as rows from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r' and n.nspname in ('kastell', 'audit')`).map((r) => [r.name, r.rows]));
  assert.ok((sizes.get('kastell.jobs') ?? 0) >= big && (sizes.get('audit.events_default') ?? 0) >= big, `the seeded tables are big and analysed: ${JSON.stringify([...sizes].filter(([, n]) => n > 1000))}`);

  // the application's login role, the connection options of app/db/client.ts, every statement it sends recorded
  let sent: { text: string; params: unknown[] }[] = [];
  const app = postgres(database.appUrl, { max: 1, onnotice: () => {}, connection: { application_name: 'kastell', search_path: 'kastell' },
    debug: (_connection, text, params) => { sent.push({ text, params: params as unknown[] }); } });
  t.after(() => app.end());

  const userOf = { customer: customer.userId, technician: technicians[0]!, dispatcher: dispatcher.userId, owner: owner.userId };
  const customerScope = jobScopeOf({ userId: customer.userId, companyId: company!.company_id, permissions: new Map([['jobs.read', 'company']]) });
  const technicianScope = jobScopeOf({ userId: technicians[0]!, companyId: null, permissions: new Map([['jobs.read', 'company']]) });
  const dispatcherScope = jobScopeOf({ userId: dispatcher.userId, companyId: null, permissions: new Map([['jobs.read', 'global']]) });
  const cases: { name: string; as: keyof typeof userOf; run: (tx: Tx) => Promise<unknown> }[] = [
    { name: "customer's job list", as: 'customer', run: (tx) => listJobs(tx, customerScope) },
    { name: "technician's job list, today first", as: 'technician', run: (tx) => listJobs(tx, technicianScope, { todayFirst: true }) },
    { name: "dispatcher's job list", as: 'dispatcher', run: (tx) => listJobs(tx, dispatcherScope) },
    { name: "dispatcher's job list of one company", as: 'dispatcher', run: (tx) => listJobs(tx, dispatcherScope, { companyId: company!.company_id }) },
    { name: "dispatcher's job list of one technician", as: 'dispatcher', run: (tx) => listJobs(tx, dispatcherScope, { technicianIds: [technicians[1]!] }) },
    { name: 'a job (customer)', as: 'customer', run: (tx) => findJob(tx, job!.job_id) },
    { name: "a job's documents (customer)", as: 'customer', run: (tx) => listDocumentsOf(tx, 'job', job!.job_id) },
    { name: "a company's documents (customer)", as: 'customer', run: (tx) => listDocumentsOf(tx, 'company', company!.company_id) },
    { name: "a job's conversation (customer)", as: 'customer', run: (tx) => findConversation(tx, job!.job_id) },
    { name: "a job's conversation (technician)", as: 'technician', run: (tx) => findConversation(tx, techJob!.job_id) },
    { name: 'unread messages by job (customer)', as: 'customer', run: (tx) => listUnreadByJob(tx, unreadScopeOf({ companyId: company!.company_id, permissions: new Map([['messages.read', 'company']]) })) },
    { name: 'audit events, newest first', as: 'owner', run: (tx) => findEvents(tx, { limit: 100 }) },
    { name: "audit events of one actor", as: 'owner', run: (tx) => findEvents(tx, { actor: technicians[2]!, limit: 100 }) },
    { name: 'audit events of one entity', as: 'owner', run: (tx) => findEvents(tx, { entityType: 'job', entityId: job!.job_id, limit: 100 }) },
    { name: 'audit events of one week', as: 'owner', run: (tx) => findEvents(tx, { from: '2026-06-01', to: '2026-06-07', limit: 100 }) },
  ];
  const problems: string[] = [];
  let explained = 0;
  for (const { name, as, run } of cases) {
    sent = [];
    // as withPrincipal runs it; the presenter may refuse the seeded rows (a message body that is no sealed field), the SQL has run
    await app.begin(async (tx) => { await assumePrincipal(tx, { userId: userOf[as] }); await run(tx); }).catch(() => {});
    const statements = sent.filter((s) => !/set_config\('kastell\.user_id'/.test(s.text) && /^\s*(select|with)\b/i.test(s.text));
    assert.ok(statements.length > 0, `${name}: no statement captured`);
    for (const statement of statements) {
      const [row] = await app.begin(async (tx) => {
        await assumePrincipal(tx, { userId: userOf[as] });
        return tx.unsafe(`explain (format json) ${statement.text}`, statement.params as postgres.ParameterOrJSON<never>[]);
      });
      explained += 1;
      const plan = (row!['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan;
      const scanned = seqScans(plan).filter((relation) => (sizes.get(relation) ?? 0) >= big);
      if (scanned.length) problems.push(`${name}: sequential scan of ${[...new Set(scanned)].join(', ')} in\n    ${statement.text.replace(/\s+/g, ' ').slice(0, 200)}\n      ${outline(plan)}`);
    }
  }
  assert.ok(explained >= cases.length);
  assert.deepEqual(problems, [], `sequential scans of big tables:\n  ${problems.join('\n  ')}`);
});
