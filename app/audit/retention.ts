// Retention: audit months are kept seven years; older ones leave only
// through audit.drop_expired_month() (sql/schema.sql), which refuses a month whose
// links are not all in a verified export and records the removal as an event.
import type { Database } from '../db/client.ts';
import { buildSignedEvent, type EventSigner } from './record.ts';

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
export async function applyAuditRetention(db: Database, signer: EventSigner, now = new Date()): Promise<RetentionOutcome[]> {
  const months = await db.withPrincipal(null, (tx) => tx<{ month: string }[]>`select to_char(m, 'YYYY-MM-DD') as month from audit.partition_months() m`);
  const limit = retentionLimit(now);
  const outcomes: RetentionOutcome[] = [];
  for (const { month } of months) {
    const end = new Date(`${month}T00:00:00Z`);
    end.setUTCMonth(end.getUTCMonth() + 1);
    if (end > limit) continue;
    try {
      // the removal's own event is signed like every other: what the month holds, then the drop, which checks the event says so
      const [row] = await db.withPrincipal(null, async (tx) => {
        const [held] = await tx<{ first_seq: string | null; last_seq: string | null; links: string }[]>`select * from audit.expired_month_links(${month}::date)`;
        const num = (v: string | null) => (v === null ? null : Number(v));
        const signed = buildSignedEvent(signer, { type: 'system', label: 'retention' }, {
          action: 'audit.retention.dropped', entityType: 'audit_month', entityId: month.slice(0, 7),
          detail: { first_seq: num(held!.first_seq), last_seq: num(held!.last_seq), links: Number(held!.links) },
        }, () => Buffer.alloc(0));
        return tx<{ links: string }[]>`select audit.drop_expired_month(${month}::date, ${signed.event.eventId}, ${signed.at},
          ${tx.json(signed.event.detail as never)}, ${signed.keyId}, ${signed.signature}) as links`;
      });
      outcomes.push({ month: month.slice(0, 7), dropped: true, links: Number(row!.links) });
    } catch (error) {
      outcomes.push({ month: month.slice(0, 7), dropped: false, refused: (error as Error).message });
    }
  }
  return outcomes;
}
