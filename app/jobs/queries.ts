// Jobs, their assets, technicians and status history. Status moves are
// checked by the database (sql/0010: the transition table and the guards of
// each state); this file only asks for them and audits what happened.
import type { z } from 'zod';
import type { Audit } from '../db/audit-event.ts';
import type { Tx } from '../db/client.ts';
import { notify } from '../notifications/notify.ts';
import type { Job, JobDetail, JobStatus, jobInputSchema, jobStatusChangeSchema } from './schema.ts';

type Row = { job_id: string; company_id: string; site_id: string; request_id: string | null; title: string; description: string | null;
  status: JobStatus; status_reason: string | null; planned_start: Date | null; actual_start: Date | null; report_frozen_at: Date | null;
  asset_ids: string[] | null; technicians: { userId: string; displayName: string | null }[] | null; created_at: Date; updated_at: Date };
type HistoryRow = { from_status: JobStatus | null; to_status: JobStatus; reason: string | null; changed_by: string | null; changed_at: Date };

// Every filter repeats what the policy enforces; the sub-selects run under
// the same RLS (a customer sees no operator's name, so displayName is null).
const jobColumns = `j.job_id, j.company_id, j.site_id, j.request_id, j.title, j.description, j.status, j.status_reason,
  j.planned_start, j.actual_start, j.report_frozen_at, j.created_at, j.updated_at,
  array(select ja.asset_id from job_assets ja where ja.job_id = j.job_id order by ja.asset_id) as asset_ids`;
const columns = `${jobColumns},
  (select coalesce(json_agg(json_build_object('userId', a.technician_id, 'displayName', u.display_name) order by a.assigned_at), '[]')
   from job_assignments a left join users u on u.user_id = a.technician_id where a.job_id = j.job_id) as technicians`;
// A customer's list: the users policy would hide every name anyway, and
// asking it per row is most of what RLS costs that list (npm run bench -- jobs).
const customerColumns = `${jobColumns},
  (select coalesce(json_agg(json_build_object('userId', a.technician_id, 'displayName', null) order by a.assigned_at), '[]')
   from job_assignments a where a.job_id = j.job_id) as technicians`;

const iso = (value: Date | null) => (value ? value.toISOString() : null);

export const presentJob = (row: Row): Job => ({
  jobId: row.job_id,
  companyId: row.company_id,
  siteId: row.site_id,
  requestId: row.request_id,
  title: row.title,
  description: row.description,
  status: row.status,
  statusReason: row.status_reason,
  plannedStart: iso(row.planned_start),
  actualStart: iso(row.actual_start),
  reportFrozenAt: iso(row.report_frozen_at),
  assetIds: row.asset_ids ?? [],
  technicians: (row.technicians ?? []).map((t) => ({ userId: t.userId, displayName: t.displayName })),
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

export const presentHistoryEntry = (row: HistoryRow): JobDetail['history'][number] => ({
  fromStatus: row.from_status,
  toStatus: row.to_status,
  reason: row.reason,
  changedBy: row.changed_by,
  changedAt: row.changed_at.toISOString(),
});

/**
 * Who the caller is, as the policies of sql/0010 see it, written out so the
 * planner can use an index (the policy's OR of helpers cannot): a customer's
 * company, a technician's own assignments, nothing for a global reader.
 */
export type JobScope = { companyId?: string | undefined; assignedTo?: string | undefined };

export function jobScopeOf(user: { userId: string; companyId: string | null; permissions: Map<string, string> }): JobScope {
  const scope = user.permissions.get('jobs.read');
  if (scope === 'global') return {};
  if (user.companyId) return { companyId: user.companyId };
  return { assignedTo: user.userId };
}

/** What the list is narrowed to (never widened: RLS still applies); days are UTC. */
export type JobListFilter = {
  status?: JobStatus | undefined;
  /** assigned to each of these technicians */
  technicianIds?: string[] | undefined;
  companyId?: string | undefined;
  /** planned start at or after the start of this day */
  from?: string | undefined;
  /** planned start before the end of this day */
  to?: string | undefined;
  /** jobs planned today (UTC) first: the technician's "today" view */
  todayFirst?: boolean | undefined;
};

export const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

export async function listJobs(tx: Tx, scope: JobScope, filter: JobListFilter = {}): Promise<Job[]> {
  // an array of the technician's job ids (one index scan of job_assignments) that jobs' primary key then serves; as an
  // exists() join the planner read every job through the policy instead (test/foundation/query-plans.test.ts)
  const assigned = (technicianId: string) => tx`and j.job_id = any(array(select a.job_id from job_assignments a where a.technician_id = ${technicianId}))`;
  const none = tx``;
  const today = tx`(j.planned_start >= (now() at time zone 'UTC')::date::timestamp at time zone 'UTC' and j.planned_start < ((now() at time zone 'UTC')::date + 1)::timestamp at time zone 'UTC')`;
  const rows = await tx<Row[]>`
    select ${tx.unsafe(scope.companyId ? customerColumns : columns)} from jobs j
    where true
      ${scope.companyId ? tx`and j.company_id = ${scope.companyId}` : none}
      ${scope.assignedTo ? assigned(scope.assignedTo) : none}
      ${filter.status ? tx`and j.status = ${filter.status}` : none}
      ${filter.companyId ? tx`and j.company_id = ${filter.companyId}` : none}
      ${(filter.technicianIds ?? []).reduce((rest, id) => tx`${rest} ${assigned(id)}`, none)}
      ${filter.from ? tx`and j.planned_start >= ${filter.from}::date::timestamp at time zone 'UTC'` : none}
      ${filter.to ? tx`and j.planned_start < ${dayAfter(filter.to)}::date::timestamp at time zone 'UTC'` : none}
    order by ${filter.todayFirst ? tx`${today} is true desc, case when ${today} then j.planned_start end,` : none}
      coalesce(j.planned_start, j.created_at) desc, j.job_id
    limit 500`;
  return rows.map(presentJob);
}

export async function listJobsOfRequest(tx: Tx, requestId: string): Promise<Job[]> {
  const rows = await tx<Row[]>`select ${tx.unsafe(columns)} from jobs j where j.request_id = ${requestId} order by j.job_id`;
  return rows.map(presentJob);
}

export async function findJob(tx: Tx, jobId: string): Promise<JobDetail | undefined> {
  const [row] = await tx<Row[]>`select ${tx.unsafe(columns)} from jobs j where j.job_id = ${jobId}`;
  if (!row) return undefined;
  const history = await tx<HistoryRow[]>`
    select from_status, to_status, reason, changed_by, changed_at from job_status_history
    where job_id = ${jobId} order by changed_at, history_id`;
  // the names of the job's assets the caller may read (RLS on assets); null for one they may not
  const assets = await tx<{ asset_id: string; name: string | null }[]>`
    select ja.asset_id, a.name from job_assets ja left join assets a on a.asset_id = ja.asset_id
    where ja.job_id = ${jobId} order by a.name nulls last, ja.asset_id`;
  return { ...presentJob(row), assets: assets.map((a) => ({ assetId: a.asset_id, name: a.name })), history: history.map(presentHistoryEntry) };
}

/**
 * A job for a visible site; from a request of the same company, which becomes
 * accepted. Undefined when the site, request or an asset is not one the
 * caller sees (or belongs to another company).
 */
export async function createJob(tx: Tx, audit: Audit, input: z.infer<typeof jobInputSchema>): Promise<JobDetail | undefined> {
  const [site] = await tx<{ company_id: string }[]>`select company_id from sites where site_id = ${input.siteId}`;
  if (!site) return undefined;
  if (input.requestId) {
    const [request] = await tx<{ status: string }[]>`
      select status from service_requests where request_id = ${input.requestId} and company_id = ${site.company_id}`;
    if (!request) return undefined;
  }
  if (input.assetIds.length > 0) {
    const [found] = await tx<{ n: number }[]>`
      select count(*)::int as n from assets where asset_id in ${tx(input.assetIds)} and company_id = ${site.company_id}`;
    if (found!.n !== new Set(input.assetIds).size) return undefined;
  }
  const [job] = await tx<{ job_id: string }[]>`
    insert into jobs (company_id, site_id, request_id, title, description, planned_start, created_by)
    values (${site.company_id}, ${input.siteId}, ${input.requestId ?? null}, ${input.title}, ${input.description ?? null},
            ${input.plannedStart ?? null}, app.current_user_id())
    returning job_id`;
  const jobId = job!.job_id;
  for (const assetId of new Set(input.assetIds)) {
    await tx`insert into job_assets (job_id, asset_id, company_id) values (${jobId}, ${assetId}, ${site.company_id})`;
  }
  await audit(tx, { action: 'job.created', entityType: 'job', entityId: jobId, companyId: site.company_id,
    detail: { request: input.requestId ?? null, assets: input.assetIds.length } });
  if (input.requestId) {
    const [accepted] = await tx`
      update service_requests set status = 'accepted'
      where request_id = ${input.requestId} and status in ('submitted', 'triaged') returning 1`;
    if (accepted) {
      await audit(tx, { action: 'request.accepted', entityType: 'service_request', entityId: input.requestId, companyId: site.company_id,
        detail: { job: jobId } });
      await notify(tx, { kind: 'request_status_changed', requestId: input.requestId, audience: ['customer'] });
    }
  }
  return findJob(tx, jobId);
}

/**
 * Asks the database to move the job; sql/0010 refuses a move that is not in
 * the transition table or whose guard fails (55000), or that only a
 * dispatcher may make (42501). Undefined when the job is not visible.
 * Starting work records the actual start if none is recorded yet.
 */
export async function changeJobStatus(tx: Tx, audit: Audit, jobId: string, change: z.infer<typeof jobStatusChangeSchema>): Promise<JobDetail | undefined> {
  const [before] = await tx<{ status: JobStatus }[]>`select status from jobs where job_id = ${jobId}`;
  if (!before) return undefined;
  // asking for the state it is in changes nothing (and keeps its reason)
  if (before.status === change.status && change.plannedStart === undefined) return findJob(tx, jobId);
  const [row] = await tx<{ company_id: string }[]>`
    update jobs set
      status = ${change.status},
      status_reason = ${change.reason ?? null},
      planned_start = coalesce(${change.plannedStart ?? null}::timestamptz, planned_start),
      actual_start = case when ${change.status} = 'in_progress' then coalesce(actual_start, now()) else actual_start end
    where job_id = ${jobId}
    returning company_id`;
  if (!row) return undefined;
  await audit(tx, { action: 'job.status_changed', entityType: 'job', entityId: jobId, companyId: row.company_id,
    detail: { from: before.status, to: change.status } });
  if (change.status === 'scheduled') await notify(tx, { kind: 'job_scheduled', jobId, audience: ['customer', 'technicians'] });
  return findJob(tx, jobId);
}

/** Assigns a technician (sql/0010 refuses anyone else); undefined when the job is not visible. */
export async function assignTechnician(tx: Tx, audit: Audit, jobId: string, technicianId: string): Promise<JobDetail | undefined> {
  const [job] = await tx<{ company_id: string }[]>`select company_id from jobs where job_id = ${jobId}`;
  if (!job) return undefined;
  const [row] = await tx`
    insert into job_assignments (job_id, technician_id, company_id, assigned_by)
    values (${jobId}, ${technicianId}, ${job.company_id}, app.current_user_id())
    on conflict (job_id, technician_id) do nothing
    returning 1`;
  if (row) {
    await audit(tx, { action: 'job.technician_assigned', entityType: 'job', entityId: jobId, companyId: job.company_id,
      detail: { technician: technicianId } });
  }
  return findJob(tx, jobId);
}

/**
 * Takes a technician off a job; undefined when the job is not visible or the
 * technician is not on it. sql/0014 refuses (55000) taking the last
 * technician off a scheduled or in-progress job.
 */
export async function removeTechnician(tx: Tx, audit: Audit, jobId: string, technicianId: string): Promise<JobDetail | undefined> {
  const [row] = await tx<{ company_id: string }[]>`
    delete from job_assignments where job_id = ${jobId} and technician_id = ${technicianId} returning company_id`;
  if (!row) return undefined;
  await audit(tx, { action: 'job.technician_removed', entityType: 'job', entityId: jobId, companyId: row.company_id,
    detail: { technician: technicianId } });
  return findJob(tx, jobId);
}

/** The operator users who hold the technician role, for the assignment form. */
export async function listTechnicians(tx: Tx): Promise<{ userId: string; displayName: string }[]> {
  const rows = await tx<{ user_id: string; display_name: string }[]>`
    select u.user_id, u.display_name from users u
    join memberships m on m.user_id = u.user_id join roles r on r.role_id = m.role_id
    where r.role_key = 'technician' and u.status = 'active'
    order by u.display_name, u.user_id`;
  return rows.map((r) => ({ userId: r.user_id, displayName: r.display_name }));
}

/** The states a job in `status` may move to (kastell.job_status_transitions); for a technician only their own moves. */
export async function listNextStatuses(tx: Tx, status: JobStatus, technicianOnly: boolean): Promise<JobStatus[]> {
  const rows = await tx<{ to_status: JobStatus }[]>`
    select to_status from job_status_transitions
    where from_status = ${status} and (${!technicianOnly} or by_technician)
    order by to_status`;
  return rows.map((r) => r.to_status);
}
