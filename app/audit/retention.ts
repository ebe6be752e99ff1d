// Retention: audit months are kept seven years; older ones leave only
// through audit.drop_expired_month() (sql/schema.sql), which refuses a month whose
// links are not all in a verified export and records the removal as an event.
import type { Database } from '../db/client.ts';

export interface RetentionOutcome {
  month: string; // YYYY-MM
  dropped: boolean;
  links?: number;
  refused?: string;
}

export function retentionLimit(now = new Date()): Date {
  const limit = new Date(now);
  limit.setUTCFullYear(limit.getUTCFullYear() - 7);
  return limit;
}

/** Tries every month whose end lies more than seven years back; the database decides. */
export async function applyAuditRetention(db: Database, now = new Date()): Promise<RetentionOutcome[]> {
  const months = await db.withPrincipal(null, (tx) => tx<{ month: string }[]>`select to_char(m, 'YYYY-MM-DD') as month from audit.partition_months() m`);
  const limit = retentionLimit(now);
  const outcomes: RetentionOutcome[] = [];
  for (const { month } of months) {
    const end = new Date(`${month}T00:00:00Z`);
    end.setUTCMonth(end.getUTCMonth() + 1);
    if (end > limit) continue;
    try {
      const [row] = await db.withPrincipal(null, (tx) => tx<{ links: string }[]>`select audit.drop_expired_month(${month}::date) as links`);
      outcomes.push({ month: month.slice(0, 7), dropped: true, links: Number(row!.links) });
    } catch (error) {
      outcomes.push({ month: month.slice(0, 7), dropped: false, refused: (error as Error).message });
    }
  }
  return outcomes;
}
