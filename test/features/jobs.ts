// app/jobs: jobs (made by the operator, from a request or not), their assets, technicians and status history,
// and the technicians' visits; app.assigned_jobs() is the technician's scope.
import assert from 'node:assert/strict';
import type postgres from 'postgres';
import { seedAsset, seedSession, seedSite, seedUser } from '../harness/seed.ts';
import type { TestClient } from '../harness/server.ts';
import { companyScoped, created, redirectId, rolledBack, type FeatureKit } from './kit.ts';
import { siteOf } from './requests.ts';

/**
 * The RLS world's service work (seeded by `rls.seed`): users.technician is assigned `jobA` (scheduled) in A and
 * must see exactly that job, its company, its site and its asset; `otherJobA` is at another site of A; B's job has
 * an assignment and a visit of the dispatcher.
 */
const seeded = { otherAssetA: '', jobA: '', otherJobA: '', jobB: '', visitA: '' };

/** A new job at the site with the technician on it (seeded as the superuser), to take the technician off again. */
async function jobWithTechnician(admin: postgres.Sql, siteId: string, technicianId: string): Promise<string> {
  const [job] = await admin`insert into kastell.jobs (company_id, site_id, title)
    select company_id, site_id, 'Second opinion' from kastell.sites where site_id = ${siteId} returning job_id, company_id`;
  await admin`insert into kastell.job_assignments (job_id, technician_id, company_id) values (${job!.job_id}, ${technicianId}, ${job!.company_id})`;
  return job!.job_id as string;
}

/** The audit scenarios' dispatcher and technician, signed in by the first scenario. */
const as = {} as { dispatcher: TestClient; technician: TestClient };

export const jobs: FeatureKit = {
  feature: 'jobs',
  rls: {
    seed: async ({ admin, users, world }) => {
      const { A, B, siteA, siteB, assetA, assetB } = world;
      const otherSiteA = await seedSite(admin, A, 'Alpha depot');
      seeded.otherAssetA = await seedAsset(admin, A, otherSiteA, 'Alpha crane');
      const seedJob = async (company: string, site: string, title: string) =>
        (await admin`insert into kastell.jobs (company_id, site_id, title) values (${company}, ${site}, ${title}) returning job_id`)[0]!.job_id as string;
      seeded.jobA = await seedJob(A, siteA, 'Repair pump');
      seeded.otherJobA = await seedJob(A, otherSiteA, 'Inspect crane');
      seeded.jobB = await seedJob(B, siteB, 'Beta repair');
      await admin`insert into kastell.job_assets (job_id, asset_id, company_id)
        values (${seeded.jobA}, ${assetA}, ${A}), (${seeded.otherJobA}, ${seeded.otherAssetA}, ${A}), (${seeded.jobB}, ${assetB}, ${B})`;
      await admin`insert into kastell.job_assignments (job_id, technician_id, company_id) values (${seeded.jobA}, ${users.technician.userId}, ${A})`;
      await admin.begin(async (tx) => {
        // past the triggers (the seeding superuser holds no jobs.update): jobA scheduled; B's job gets an
        // assignment row of the dispatcher (not a technician; harmless: the scope needs company-scoped jobs.read)
        await tx`set local session_replication_role = replica`;
        await tx`update kastell.jobs set status = 'scheduled', planned_start = now() where job_id = ${seeded.jobA}`;
        await tx`insert into kastell.job_assignments (job_id, technician_id, company_id) values (${seeded.jobB}, ${users.dispatcher.userId}, ${B})`;
        // and one on the other (new) job of A, with no visit: to be taken off again
        await tx`insert into kastell.job_assignments (job_id, technician_id, company_id) values (${seeded.otherJobA}, ${users.dispatcher.userId}, ${A})`;
      });
      const [visitA] = await admin`insert into kastell.visits (job_id, technician_id, company_id, check_out_at)
        values (${seeded.jobA}, ${users.technician.userId}, ${A}, now() + interval '1 hour') returning visit_id`;
      seeded.visitA = visitA!.visit_id;
      await admin`insert into kastell.visits (job_id, technician_id, company_id, check_out_at)
        values (${seeded.jobB}, ${users.dispatcher.userId}, ${B}, now() + interval '1 hour')`;
    },
    cases: (w) => {
      const { admin, as: asRole, users, world } = w;
      const { A, B, siteA, assetA } = world;
      const { otherAssetA, jobA, otherJobA, jobB, visitA } = seeded;
      return {
        // global readers see both companies; customers and the assigned technician A; the external auditor nothing
        reads: {
          jobs: companyScoped(w, 'jobs'),
          job_assets: companyScoped(w, 'job_assets'),
          job_assignments: companyScoped(w, 'job_assignments'),
          job_status_history: companyScoped(w, 'job_status_history'),
          visits: companyScoped(w, 'visits'),
          job_status_transitions: {
            read: async (role) => (await asRole(role, (tx) => tx`select count(*)::int as n from job_status_transitions`))[0]!.n,
            expect: () => 18,
          },
        },
        // each rolled back, so every role starts from the same rows
        writes: [
          { name: 'create a job in A', work: rolledBack((tx) => tx`insert into jobs (company_id, site_id, title, created_by) values (${A}, ${siteA}, 'J', app.current_user_id()) returning 1`),
            allowed: ['owner', 'admin', 'dispatcher'] },
          { name: 'start the scheduled job of A', work: rolledBack((tx) => tx`update jobs set status = 'in_progress', actual_start = now() where job_id = ${jobA} returning 1`),
            allowed: ['owner', 'admin', 'dispatcher', 'technician'] },
          { name: 'cancel the job of A', work: rolledBack((tx) => tx`update jobs set status = 'cancelled', status_reason = 'R' where job_id = ${jobA} returning 1`),
            allowed: ['owner', 'admin', 'dispatcher'] },
          { name: 'reschedule the job of A', work: rolledBack((tx) => tx`update jobs set planned_start = now() + interval '1 day' where job_id = ${jobA} returning 1`),
            allowed: ['owner', 'admin', 'dispatcher'] },
          { name: 'rename the job of A', work: rolledBack((tx) => tx`update jobs set title = 'Renamed' where job_id = ${jobA} returning 1`),
            allowed: ['owner', 'admin', 'dispatcher'] },
          { name: 'change the other job of A', work: rolledBack((tx) => tx`update jobs set title = title where job_id = ${otherJobA} returning 1`),
            allowed: ['owner', 'admin', 'dispatcher'] },
          { name: 'change the job of B', work: rolledBack((tx) => tx`update jobs set title = title where job_id = ${jobB} returning 1`),
            allowed: ['owner', 'admin', 'dispatcher'] },
          { name: 'assign the technician to the job of B', work: rolledBack((tx) => tx`insert into job_assignments (job_id, technician_id, company_id, assigned_by) values (${jobB}, ${users.technician.userId}, ${B}, app.current_user_id()) returning 1`),
            allowed: ['owner', 'admin', 'dispatcher'] },
          { name: 'take the one technician off the scheduled job of A (sql/0014 keeps the last one)', work: rolledBack((tx) => tx`delete from job_assignments where job_id = ${jobA} returning 1`),
            allowed: [] },
          { name: 'take the technician off the new other job of A', work: rolledBack((tx) => tx`delete from job_assignments where job_id = ${otherJobA} returning 1`),
            allowed: ['owner', 'admin', 'dispatcher'] },
          { name: 'add an asset to the job of A', work: rolledBack((tx) => tx`insert into job_assets (job_id, asset_id, company_id) values (${jobA}, ${otherAssetA}, ${A}) returning 1`),
            allowed: ['owner', 'admin', 'dispatcher'] },
          { name: 'check in on the job of A as oneself', work: rolledBack((tx) => tx`insert into visits (job_id, technician_id, company_id, recorded_by) values (${jobA}, app.current_user_id(), ${A}, app.current_user_id()) returning 1`),
            allowed: ['technician'] },
          { name: "record the assigned technician's visit on the job of A", work: rolledBack((tx) => tx`insert into visits (job_id, technician_id, company_id, recorded_by) values (${jobA}, ${users.technician.userId}, ${A}, app.current_user_id()) returning 1`),
            allowed: ['owner', 'admin', 'dispatcher', 'technician'] },
          { name: 'check in on the job of B', work: rolledBack((tx) => tx`insert into visits (job_id, technician_id, company_id, recorded_by) values (${jobB}, app.current_user_id(), ${B}, app.current_user_id()) returning 1`),
            allowed: ['dispatcher'] }, // the one seeded as "assigned" there
          { name: 'change the visit of A', work: rolledBack((tx) => tx`update visits set notes = 'N' where visit_id = ${visitA} returning 1`),
            allowed: ['owner', 'admin', 'dispatcher', 'technician'] },
          { name: 'rewrite the status history', work: rolledBack((tx) => tx`update job_status_history set reason = 'forged' returning 1`), allowed: [] },
          { name: 'delete the status history', work: rolledBack((tx) => tx`delete from job_status_history returning 1`), allowed: [] },
          { name: 'add to the status history', work: rolledBack((tx) => tx`insert into job_status_history (job_id, company_id, to_status) values (${jobA}, ${A}, 'closed') returning 1`), allowed: [] },
          { name: 'change the transition table', work: rolledBack((tx) => tx`insert into job_status_transitions (from_status, to_status) values ('new', 'signed') returning 1`), allowed: [] },
          { name: 'delete a job', work: rolledBack((tx) => tx`delete from jobs where job_id = ${jobA} returning 1`), allowed: [] },
        ],
        checks: {
          'the assigned technician sees exactly its job, with its company, site and asset, and nothing else of A': async () => {
            const seen = await asRole('technician', async (tx) => ({
              jobs: (await tx`select job_id from jobs`).map((r) => r.job_id),
              sites: (await tx`select site_id from sites`).map((r) => r.site_id),
              assets: (await tx`select asset_id from assets`).map((r) => r.asset_id),
              companies: (await tx`select company_id from companies`).map((r) => r.company_id),
              visits: (await tx`select visit_id from visits`).map((r) => r.visit_id),
            }));
            assert.deepEqual(seen, { jobs: [jobA], sites: [siteA], assets: [assetA], companies: [A], visits: [visitA] });
          },
          'a technician assigned nothing sees no job, company, site, asset or visit': async () => {
            const idle = await seedUser(admin, 'technician');
            for (const table of ['jobs', 'job_assets', 'job_assignments', 'job_status_history', 'visits', 'service_requests', 'companies', 'sites', 'assets']) {
              assert.equal((await asRole(idle, (tx) => tx`select 1 from ${tx(table)}`)).length, 0, table);
            }
          },
        },
      };
    },
  },
  isolation: {
    bodies: {
      'post /jobs': { body: (ids) => ({ siteId: ids.siteId, title: 'Intruder job', assetIds: [ids.assetId] }), idsInBody: true },
      'post /jobs/:jobId/status': { body: () => ({ status: 'on_hold', reason: 'Isolation check' }) },
      'post /jobs/:jobId/technicians': { body: (ids) => ({ technicianId: ids.technicianId }), idsInBody: true },
      'post /jobs/:jobId/visits': { body: (ids) => ({ technicianId: ids.technicianId, notes: 'Intruder visit' }), idsInBody: true },
      'post /visits/:visitId/check-out': { body: () => ({ notes: 'Pwned' }) },
    },
    // a job from the company's request (the requests kit's), with two assigned technicians and an open visit of the first;
    // technicianId is the second
    ids: async (admin, { companyId }) => {
      const { label, siteId } = await siteOf(admin, companyId);
      const [request] = await admin`select request_id from kastell.service_requests where company_id = ${companyId}`;
      const [job] = await admin`insert into kastell.jobs (company_id, site_id, request_id, title)
        values (${companyId}, ${siteId}, ${request!.request_id}, ${`${label} job`}) returning job_id`;
      const onSite = await seedUser(admin, 'technician');
      const next = await seedUser(admin, 'technician');
      await admin`insert into kastell.job_assignments (job_id, technician_id, company_id)
        values (${job!.job_id}, ${onSite.userId}, ${companyId}), (${job!.job_id}, ${next.userId}, ${companyId})`;
      const [visit] = await admin`insert into kastell.visits (job_id, technician_id, company_id, notes)
        values (${job!.job_id}, ${onSite.userId}, ${companyId}, ${`${label} visit`}) returning visit_id`;
      return { jobId: job!.job_id, visitId: visit!.visit_id, technicianId: next.userId };
    },
    pages: (ids) => ({
      reads: [`/jobs/${ids.jobId}`],
      writes: [['/jobs', { siteId: ids.siteId!, title: 'Pwned' }], [`/jobs/${ids.jobId}/status`, { status: 'cancelled', reason: 'Pwned' }],
        [`/jobs/${ids.jobId}/technicians`, { technicianId: ids.technicianId! }], [`/jobs/${ids.jobId}/technicians/${ids.technicianId}/remove`, {}],
        [`/jobs/${ids.jobId}/visits`, {}],
        [`/visits/${ids.visitId}/check-out`, {}]],
      lists: [{ path: '/jobs' }],
    }),
    unchanged: {
      read: async (admin, ids) => {
        const [job] = await admin`select status, title from kastell.jobs where job_id = ${ids.jobId!}`;
        const [visit] = await admin`select check_out_at from kastell.visits where visit_id = ${ids.visitId!}`;
        // the reports kit's jobs, each seeded with its report, aside
        const [counts] = await admin`select (select count(*)::int from kastell.jobs j where company_id = ${ids.companyId!}
            and (j.job_id = ${ids.jobId!} or not exists (select 1 from kastell.service_reports r where r.job_id = j.job_id))) as jobs,
          (select count(*)::int from kastell.job_assignments where company_id = ${ids.companyId!}) as assignments`;
        return { job: [job?.status, job?.title], visit: visit?.check_out_at, ...counts };
      },
      expect: { job: ['new', 'Beta job'], visit: null, jobs: 1, assignments: 2 },
    },
  },
  audit: {
    // a dispatcher and a technician of their own (seeded sessions), in a company seeded here, with a request to make a job from
    scenarios: {
      'POST /api/v1/jobs': {
        action: 'job.created',
        run: async (w) => {
          const [company] = await w.t.admin`insert into kastell.companies (name) values ('Jobs AG') returning company_id`;
          const [site] = await w.t.admin`insert into kastell.sites (company_id, name) values (${company!.company_id}, 'Boiler room') returning site_id`;
          w.ids.jobsSite = site!.site_id;
          const [request] = await w.t.admin`insert into kastell.service_requests (company_id, site_id, title)
            values (${company!.company_id}, ${w.ids.jobsSite!}, 'Boiler noisy') returning request_id`;
          const dispatcher = await seedUser(w.t.admin, 'dispatcher');
          const technician = await seedUser(w.t.admin, 'technician');
          w.ids.technician = technician.userId;
          as.dispatcher = w.server.client().withSession(await seedSession(w.t.admin, dispatcher.userId, '30 minutes'));
          as.technician = w.server.client().withSession(await seedSession(w.t.admin, technician.userId, '12 hours'));
          const r = await as.dispatcher.postJson('/api/v1/jobs', { siteId: w.ids.jobsSite, requestId: request!.request_id, title: 'Service boiler' });
          w.ids.job = created(r, 'jobId');
          return r;
        },
      },
      'POST /api/v1/jobs/:jobId/technicians': {
        action: 'job.technician_assigned',
        run: (w) => as.dispatcher.postJson(`/api/v1/jobs/${w.ids.job}/technicians`, { technicianId: w.ids.technician }),
      },
      'DELETE /api/v1/jobs/:jobId/technicians/:technicianId': {
        action: 'job.technician_removed',
        run: async (w) => {
          w.ids.removalJob = await jobWithTechnician(w.t.admin, w.ids.jobsSite!, w.ids.technician!);
          return as.dispatcher.request('DELETE', `/api/v1/jobs/${w.ids.removalJob}/technicians/${w.ids.technician}`);
        },
      },
      'POST /api/v1/jobs/:jobId/status': {
        action: 'job.status_changed',
        run: (w) => as.dispatcher.postJson(`/api/v1/jobs/${w.ids.job}/status`, { status: 'scheduled', plannedStart: '2026-12-03T08:00:00Z' }),
      },
      'POST /api/v1/jobs/:jobId/visits': {
        action: 'visit.checked_in',
        run: async (w) => {
          const r = await as.technician.postJson(`/api/v1/jobs/${w.ids.job}/visits`, { notes: 'On site' });
          w.ids.visit = created(r, 'visitId');
          return r;
        },
      },
      'POST /api/v1/visits/:visitId/check-out': {
        action: 'visit.checked_out',
        run: (w) => as.technician.postJson(`/api/v1/visits/${w.ids.visit}/check-out`, { notes: 'Done for today' }),
      },
      'POST /jobs': {
        action: 'job.created',
        run: async (w) => {
          const r = await as.dispatcher.postForm('/jobs', { siteId: w.ids.jobsSite!, title: 'Yearly inspection' });
          w.ids.pageJob = redirectId(r);
          return r;
        },
      },
      'POST /jobs/:jobId/technicians': {
        action: 'job.technician_assigned',
        run: (w) => as.dispatcher.postForm(`/jobs/${w.ids.pageJob}/technicians`, { technicianId: w.ids.technician! }),
      },
      'POST /jobs/:jobId/technicians/:technicianId/remove': {
        action: 'job.technician_removed',
        run: async (w) => {
          const job = await jobWithTechnician(w.t.admin, w.ids.jobsSite!, w.ids.technician!);
          return as.dispatcher.postForm(`/jobs/${job}/technicians/${w.ids.technician}/remove`, {});
        },
      },
      'POST /jobs/:jobId/status': {
        action: 'job.status_changed',
        run: (w) => as.dispatcher.postForm(`/jobs/${w.ids.pageJob}/status`, { status: 'scheduled', plannedStart: '2026-12-04T09:30' }),
      },
      'POST /jobs/:jobId/visits': {
        action: 'visit.checked_in',
        run: async (w) => {
          const r = await as.technician.postForm(`/jobs/${w.ids.pageJob}/visits`, {});
          const [visit] = await w.t.admin`select visit_id from kastell.visits where job_id = ${w.ids.pageJob!} and check_out_at is null`;
          w.ids.pageVisit = visit?.visit_id ?? '';
          return r;
        },
      },
      'POST /visits/:visitId/check-out': {
        action: 'visit.checked_out',
        run: (w) => as.technician.postForm(`/visits/${w.ids.pageVisit}/check-out`, { notes: 'Checked all valves' }),
      },
    },
  },
};
