// Reading the audit trail: events (RLS decides which the caller sees: a
// customer admin only their company's access events), the latest signed
// checkpoint and the latest chain verification. Writing it is
// audit.append's job (record.ts); the one write here is the export's own
// event.
import type { Audit } from '../db/audit-event.ts';
import type { Tx } from '../db/client.ts';
import type { AuditEventView, AuditFilter, PublishedCheckpoint, Verification } from './schema.ts';

type EventRow = {
  event_id: string; occurred_at: Date; actor_type: string; actor_id: string | null; actor_label: string | null; action: string;
  entity_type: string | null; entity_id: string | null; company_id: string | null; outcome: string; request_id: string | null;
  detail: Record<string, unknown>;
};
/** bigint columns arrive as strings */
type CheckpointRow = { seq: string; hash: Buffer; statement: string; signature: string };
type VerificationRow = {
  ok: boolean; checked_links: string; head_seq: string | null; first_bad_seq: string | null; problem: string | null;
  duration_ms: number; created_at: Date;
};

export const presentEvent = (row: EventRow): AuditEventView => ({
  eventId: row.event_id,
  occurredAt: row.occurred_at.toISOString(),
  actorType: row.actor_type,
  actorId: row.actor_id,
  actorLabel: row.actor_label,
  action: row.action,
  entityType: row.entity_type,
  entityId: row.entity_id,
  companyId: row.company_id,
  outcome: row.outcome,
  requestId: row.request_id,
  detail: row.detail,
});

/** `publicKey`: the armored key that checks the signature, published with it. */
export const presentCheckpoint = (row: CheckpointRow, publicKey: string): PublishedCheckpoint => ({
  seq: Number(row.seq),
  hash: row.hash.toString('hex'),
  time: /time: (\S+)/.exec(row.statement)![1]!,
  statement: row.statement,
  signature: row.signature,
  publicKey,
});

export const presentVerification = (row: VerificationRow): Verification => ({
  ok: row.ok,
  checkedLinks: Number(row.checked_links),
  headSeq: row.head_seq === null ? null : Number(row.head_seq),
  firstBadSeq: row.first_bad_seq === null ? null : Number(row.first_bad_seq),
  problem: row.problem,
  durationMs: row.duration_ms,
  at: row.created_at.toISOString(),
});

export async function findEvents(tx: Tx, filter: Omit<AuditFilter, 'format'>): Promise<AuditEventView[]> {
  const rows = await tx<EventRow[]>`
    select event_id, occurred_at, actor_type, actor_id, actor_label, action, entity_type, entity_id,
           company_id, outcome, request_id, detail
    from audit.events
    where true
      ${filter.actor ? tx`and actor_id = ${filter.actor}` : tx``}
      ${filter.action ? tx`and action = ${filter.action}` : tx``}
      ${filter.entityType ? tx`and entity_type = ${filter.entityType}` : tx``}
      ${filter.entityId ? tx`and entity_id = ${filter.entityId}` : tx``}
      ${filter.from ? tx`and occurred_at >= ${filter.from}::date` : tx``}
      ${filter.to ? tx`and occurred_at < ${filter.to}::date + 1` : tx``}
    order by occurred_at desc, event_id desc
    limit ${filter.limit}`;
  return rows.map(presentEvent);
}

/** The events of an export, with the export's own event (what was taken, how many, in which format) in the same transaction. */
export async function exportEvents(tx: Tx, audit: Audit, filter: AuditFilter, format: 'csv' | 'json'): Promise<AuditEventView[]> {
  const events = await findEvents(tx, filter);
  await audit(tx, { action: 'audit.exported', entityType: 'audit_log',
    detail: { format, count: events.length, filter: JSON.stringify({ ...filter, format: undefined }) } });
  return events;
}

export async function findLatestCheckpoint(tx: Tx, publicKey: string): Promise<PublishedCheckpoint | undefined> {
  const [row] = await tx<CheckpointRow[]>`select seq, hash, statement, signature from audit.latest_checkpoint()`;
  return row && presentCheckpoint(row, publicKey);
}

export async function findLatestVerification(tx: Tx): Promise<Verification | undefined> {
  const [row] = await tx<VerificationRow[]>`
    select ok, checked_links, head_seq, first_bad_seq, problem, duration_ms, created_at
    from audit.verifications order by created_at desc limit 1`;
  return row && presentVerification(row);
}
