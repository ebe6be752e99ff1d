// Service requests: raised by customers, triaged, accepted (a job is made
// from it, app/jobs/queries.ts) or declined by the operator, withdrawn by the
// customer. The allowed moves are checked by sql/0010's trigger as well.
import type { z } from 'zod';
import type { Audit } from '../db/audit-event.ts';
import type { Tx } from '../db/client.ts';
import { notify } from '../notifications/notify.ts';
import type { RequestStatus, ServiceRequest, requestInputSchema } from './schema.ts';

type Row = { request_id: string; company_id: string; site_id: string; asset_id: string | null; title: string;
  description: string | null; urgency: ServiceRequest['urgency']; status: RequestStatus; decline_reason: string | null;
  raised_by: string | null; job_ids: string[] | null; created_at: Date; updated_at: Date };

const columns = `r.request_id, r.company_id, r.site_id, r.asset_id, r.title, r.description, r.urgency, r.status, r.decline_reason,
  r.raised_by, r.created_at, r.updated_at,
  array(select j.job_id from jobs j where j.request_id = r.request_id order by j.job_id) as job_ids`;

export const presentRequest = (row: Row): ServiceRequest => ({
  requestId: row.request_id,
  companyId: row.company_id,
  siteId: row.site_id,
  assetId: row.asset_id,
  title: row.title,
  description: row.description,
  urgency: row.urgency,
  status: row.status,
  declineReason: row.decline_reason,
  raisedBy: row.raised_by,
  jobIds: row.job_ids ?? [],
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

export async function listRequests(tx: Tx): Promise<ServiceRequest[]> {
  const rows = await tx<Row[]>`select ${tx.unsafe(columns)} from service_requests r order by r.created_at desc, r.request_id limit 500`;
  return rows.map(presentRequest);
}

export async function findRequest(tx: Tx, requestId: string): Promise<ServiceRequest | undefined> {
  const [row] = await tx<Row[]>`select ${tx.unsafe(columns)} from service_requests r where r.request_id = ${requestId}`;
  return row && presentRequest(row);
}

/** Undefined when the site (or the asset at it) is not one the caller sees. */
export async function createRequest(tx: Tx, audit: Audit, input: z.infer<typeof requestInputSchema>): Promise<ServiceRequest | undefined> {
  const [site] = await tx<{ company_id: string }[]>`select company_id from sites where site_id = ${input.siteId}`;
  if (!site) return undefined;
  if (input.assetId) {
    const [asset] = await tx`select 1 from assets where asset_id = ${input.assetId} and site_id = ${input.siteId}`;
    if (!asset) return undefined;
  }
  const [inserted] = await tx<{ request_id: string }[]>`
    insert into service_requests (company_id, site_id, asset_id, title, description, urgency, raised_by)
    values (${site.company_id}, ${input.siteId}, ${input.assetId ?? null}, ${input.title}, ${input.description ?? null},
            ${input.urgency}, app.current_user_id())
    returning request_id`;
  await audit(tx, { action: 'request.created', entityType: 'service_request', entityId: inserted!.request_id, companyId: site.company_id,
    detail: { urgency: input.urgency } });
  return findRequest(tx, inserted!.request_id);
}

/** Moves a request; undefined when it is not visible (or not changeable) for the caller. */
export async function setRequestStatus(tx: Tx, audit: Audit, requestId: string, status: RequestStatus, reason?: string): Promise<ServiceRequest | undefined> {
  const current = await findRequest(tx, requestId);
  if (!current || current.status === status) return current; // unchanged: nothing to record
  const [row] = await tx<{ company_id: string; from: RequestStatus }[]>`
    update service_requests r set status = ${status}, decline_reason = coalesce(${reason ?? null}, decline_reason)
    from (select status from service_requests where request_id = ${requestId}) as before
    where r.request_id = ${requestId}
    returning r.company_id, before.status as from`;
  if (!row) return undefined;
  await audit(tx, { action: `request.${status}`, entityType: 'service_request', entityId: requestId, companyId: row.company_id,
    detail: { from: row.from, to: status } });
  // the other side hears of it: the operator of a withdrawal, the customer of the rest
  await notify(tx, { kind: 'request_status_changed', requestId, audience: [status === 'withdrawn' ? 'operator' : 'customer'] });
  return findRequest(tx, requestId);
}

/** Sites (with their company) and assets the caller sees, for the request form. */
export async function listRequestTargets(tx: Tx): Promise<{ sites: { siteId: string; label: string }[]; assets: { assetId: string; label: string }[] }> {
  const sites = await tx<{ site_id: string; name: string; company: string | null }[]>`
    select s.site_id, s.name, c.name as company from sites s left join companies c on c.company_id = s.company_id
    order by c.name, s.name, s.site_id limit 500`;
  const assets = await tx<{ asset_id: string; name: string; site: string }[]>`
    select a.asset_id, a.name, s.name as site from assets a join sites s on s.site_id = a.site_id
    order by s.name, a.name, a.asset_id limit 500`;
  return {
    sites: sites.map((s) => ({ siteId: s.site_id, label: s.company ? `${s.company} — ${s.name}` : s.name })),
    assets: assets.map((a) => ({ assetId: a.asset_id, label: `${a.site} — ${a.name}` })),
  };
}
