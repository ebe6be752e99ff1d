// The scheduled purge: what has outlived its retention (app/retention/policy.ts)
// is listed (a dry run) and then deleted exactly as listed, in batches, one
// transaction per batch, each deletion an audit event in that transaction.
// The database decides again what still qualifies (sql/0020
// app.retention_purge): a row that changed since the dry run (a contract
// with a new version) is kept and said so; nothing younger is ever deleted.
// Stored objects of deleted documents leave the store after the commit, so a
// rolled-back batch never loses a file its rows still name: the delete queued
// them (sql/0024) and the object sweep (app/documents/sweep-objects.ts)
// removes them, right after the batch and again later if the store failed.
import type { AuditActor } from '../db/audit-event.ts';
import type { Database } from '../db/client.ts';
import type { Auditor } from '../http/context.ts';
import type { Logger } from '../log.ts';
import type { DocumentStore } from '../storage/store.ts';
import { sweepObjects } from '../documents/sweep-objects.ts';
import { cutoffFor, formatPeriod, purgedResources, retentionResources, type RetentionPolicy, type RetentionResource } from './policy.ts';

export interface RetentionItem {
  resource: RetentionResource;
  entityId: string;
  companyId: string | null;
  agedAt: string;
}

export interface RetentionPlan {
  /** the moment the cutoffs were computed from (ISO) */
  at: string;
  cutoffs: Partial<Record<RetentionResource, string>>;
  items: RetentionItem[];
}

export interface RetentionStatusLine {
  resource: RetentionResource;
  keep: string;
  from: string;
  cutoff: string;
  due: number;
  oldest: string | null;
  purged: boolean;
}

const PAGE = 1000;
const retentionActor: AuditActor = { type: 'system', label: 'retention' };

/** Everything past retention at `now`, per resource, in id order. Deletes nothing. */
export async function planRetention(db: Database, policy: RetentionPolicy, now = new Date()): Promise<RetentionPlan> {
  const plan: RetentionPlan = { at: now.toISOString(), cutoffs: {}, items: [] };
  for (const resource of purgedResources) {
    const cutoff = cutoffFor(policy[resource], now);
    plan.cutoffs[resource] = cutoff.toISOString();
    let after: string | null = null;
    for (;;) {
      const rows = await db.withPrincipal(null, (tx) => tx<{ entity_id: string; company_id: string | null; aged_at: Date }[]>`
        select entity_id, company_id, aged_at from app.retention_candidates(${resource}, ${cutoff}, ${after}::uuid, ${PAGE})`);
      for (const row of rows) plan.items.push({ resource, entityId: row.entity_id, companyId: row.company_id, agedAt: row.aged_at.toISOString() });
      if (rows.length < PAGE) break;
      after = rows.at(-1)!.entity_id;
    }
  }
  return plan;
}

/** Per resource: its retention, the cutoff, how many rows are due and the oldest. */
export async function retentionStatus(db: Database, policy: RetentionPolicy, now = new Date()): Promise<RetentionStatusLine[]> {
  const plan = await planRetention(db, policy, now);
  const lines: RetentionStatusLine[] = purgedResources.map((resource) => {
    const items = plan.items.filter((i) => i.resource === resource);
    return {
      resource, keep: formatPeriod(policy[resource]), from: retentionResources[resource].from, cutoff: plan.cutoffs[resource]!,
      due: items.length, oldest: items.reduce<string | null>((o, i) => (o === null || i.agedAt < o ? i.agedAt : o), null), purged: true,
    };
  });
  const reportCutoff = cutoffFor(policy.service_reports, now);
  const [reports] = await db.withPrincipal(null, (tx) => tx<{ n: string }[]>`select app.reports_past_retention(${reportCutoff}) as n`);
  lines.push({ resource: 'service_reports', keep: formatPeriod(policy.service_reports), from: retentionResources.service_reports.from,
    cutoff: reportCutoff.toISOString(), due: Number(reports!.n), oldest: null, purged: false });
  return lines;
}

export interface RetentionRunResult {
  deleted: RetentionItem[];
  /** listed by the dry run but no longer past retention (changed meanwhile): kept */
  kept: RetentionItem[];
  objectsRemoved: number;
  /** object keys whose removal failed after their rows were deleted (logged; they stay queued for the object sweep) */
  objectsLeft: string[];
}

export interface RetentionDeps {
  db: Database;
  store: DocumentStore;
  auditor: Auditor;
  log: Logger;
}

/** Deletes exactly the plan's items that still qualify, `batchSize` per transaction. */
export async function applyRetention(deps: RetentionDeps, plan: RetentionPlan, options: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<RetentionRunResult> {
  const batchSize = options.batchSize ?? 500;
  const result: RetentionRunResult = { deleted: [], kept: [], objectsRemoved: 0, objectsLeft: [] };
  let done = 0;
  for (const resource of purgedResources) {
    const items = plan.items.filter((i) => i.resource === resource);
    const cutoff = plan.cutoffs[resource];
    if (items.length === 0 || !cutoff) continue;
    for (let start = 0; start < items.length; start += batchSize) {
      const batch = items.slice(start, start + batchSize);
      const { deleted, keys } = await deps.db.withPrincipal(null, async (tx) => {
        const rows = await tx<{ entity_id: string; company_id: string | null; aged_at: Date; object_keys: string[] }[]>`
          select entity_id, company_id, aged_at, object_keys from app.retention_purge(${resource}, ${new Date(cutoff)}, ${batch.map((i) => i.entityId)}::uuid[])`;
        for (const row of rows) {
          await deps.auditor.recordAs(tx, retentionActor, {
            action: 'retention.deleted',
            entityType: retentionResources[resource].entity,
            entityId: row.entity_id,
            companyId: row.company_id,
            detail: { resource, agedAt: row.aged_at.toISOString(), cutoff, objects: row.object_keys.length },
          });
        }
        return { deleted: new Set(rows.map((r) => r.entity_id)), keys: rows.flatMap((r) => r.object_keys) };
      });
      for (const item of batch) (deleted.has(item.entityId) ? result.deleted : result.kept).push(item);
      // through the object queue (sql/0024) that the delete filled: a store that fails leaves the rows for the next sweep
      const swept = await sweepObjects(deps, { keys });
      result.objectsRemoved += swept.removed;
      const removed = new Set(swept.removedKeys);
      for (const key of keys) {
        if (removed.has(key)) continue;
        deps.log.error({ event: 'retention.object_left', key }, 'a purged document\'s object is not removed yet: it stays queued for the object sweep');
        result.objectsLeft.push(key);
      }
      done += batch.length;
      options.onProgress?.(done, plan.items.length);
    }
  }
  if (result.deleted.length > 0 || result.kept.length > 0) {
    deps.log.info({ event: 'retention.run', deleted: result.deleted.length, kept: result.kept.length, objectsRemoved: result.objectsRemoved }, 'retention purge ran');
  }
  return result;
}
