// The object sweep: every stored object whose document version row is gone
// (deleted by hand, by a cascade from its company, site or asset, or by the
// retention purge) leaves the store. sql/0024 queues each such object key in
// the deleting transaction (kastell.object_removals); this removes the
// objects in batches and deletes a queue row only after the store confirmed
// the removal, with one `document.object_removed` audit event per object in
// that same transaction (actor: the system). An object already gone counts
// as removed (both adapters answer a missing key without error), so a sweep
// that crashed after the store and before the database is simply done again.
// A store that fails on an object leaves its row, with the error and a later
// time to retry (sql/0024 app.object_removal_failed), and ends the run: the
// rest waits for the next one. Runs every 10 minutes with KASTELL_JOBS=on
// (scheduleObjectSweep, started by app/server.ts), as
// `kastell documents sweep-objects`, and right after a document delete or a
// retention purge for exactly the objects it queued.
import type { AuditActor } from '../db/audit-event.ts';
import type { Database } from '../db/client.ts';
import type { Auditor } from '../http/context.ts';
import type { Logger } from '../log.ts';
import { scheduleOneAtATime } from '../schedule.ts';
import type { DocumentStore } from '../storage/store.ts';

export interface SweepDeps {
  db: Database;
  store: DocumentStore;
  auditor: Auditor;
  log: Logger;
}

export interface SweepResult {
  /** objects removed from the store and their queue rows deleted */
  removed: number;
  /** their keys */
  removedKeys: string[];
  /** the object the store failed on, if any (its row stays; the run stopped there) */
  failed?: { objectKey: string; error: string };
}

type QueuedRow = { removal_id: string; object_key: string; company_id: string | null; version_id: string; attempts: number };

const sweepActor: AuditActor = { type: 'system', label: 'object sweep' };

/**
 * Removes queued objects, `batchSize` per round, until none is due (or, with
 * `keys`, until those are done). Never throws for the store: a failure is
 * recorded on its row and returned.
 */
export async function sweepObjects(deps: SweepDeps, options: { batchSize?: number; keys?: string[] } = {}): Promise<SweepResult> {
  const { db, store, auditor, log } = deps;
  const batchSize = options.batchSize ?? 100;
  const result: SweepResult = { removed: 0, removedKeys: [] };
  if (options.keys && options.keys.length === 0) return result;
  const seen = new Set<string>();
  for (;;) {
    const due = (await db.withPrincipal(null, (tx) => tx<QueuedRow[]>`
      select removal_id, object_key, company_id, version_id, attempts from app.object_removals_due(${batchSize}, ${options.keys ?? null}::text[])`))
      .filter((row) => !seen.has(row.removal_id));
    if (due.length === 0) break;
    const confirmed: string[] = [];
    for (const row of due) {
      seen.add(row.removal_id);
      try {
        await store.remove(row.object_key);
        confirmed.push(row.removal_id);
      } catch (error) {
        const message = (error as Error).message || String(error);
        await db.withPrincipal(null, (tx) => tx`select app.object_removal_failed(${row.removal_id}, ${message})`);
        log.error({ err: error as Error, event: 'document.object_removal_failed', key: row.object_key, attempts: row.attempts + 1 },
          'a deleted document\'s object could not be removed from the store; it stays queued');
        result.failed = { objectKey: row.object_key, error: message };
        break;
      }
    }
    if (confirmed.length > 0) {
      const done = await db.withPrincipal(null, async (tx) => {
        const rows = await tx<QueuedRow[]>`select removal_id, object_key, company_id, version_id, attempts from app.object_removals_done(${confirmed}::uuid[])`;
        for (const row of rows) {
          await auditor.recordAs(tx, sweepActor, {
            action: 'document.object_removed', entityType: 'document_version', entityId: row.version_id, companyId: row.company_id,
            detail: { objectKey: row.object_key, attempts: row.attempts + 1 },
          });
        }
        return rows;
      });
      result.removed += done.length;
      result.removedKeys.push(...done.map((row) => row.object_key));
    }
    if (result.failed || due.length < batchSize) break;
  }
  if (result.removed > 0 || result.failed) log.info({ event: 'document.object_sweep', removed: result.removed, failed: result.failed?.objectKey ?? null }, 'object sweep ran');
  return result;
}

/** How many objects wait for the sweep, how many of them failed before, and since when the oldest waits. */
export async function objectsWaiting(db: Database): Promise<{ waiting: number; failed: number; oldest: Date | null }> {
  const [row] = await db.withPrincipal(null, (tx) => tx<{ waiting: string; failed: string; oldest: Date | null }[]>`
    select waiting, failed, oldest from app.object_removals_waiting()`);
  return { waiting: Number(row!.waiting), failed: Number(row!.failed), oldest: row!.oldest };
}

/** Every 10 minutes, one run at a time; stop() ends the schedule and waits for a run in flight. */
export function scheduleObjectSweep(deps: SweepDeps): { stop(): Promise<void> } {
  return scheduleOneAtATime('*/10 * * * *', () => sweepObjects(deps),
    (error) => deps.log.error({ err: error }, 'object sweep failed to run'));
}
