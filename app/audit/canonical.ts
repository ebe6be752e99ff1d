// The canonical encoding every link hashes: one JSON text with a fixed field
// set and recursively sorted keys. The sequencer, `kastell audit verify` and
// the offline export verifier all use this one function.
import { createHash } from 'node:crypto';

export interface ChainedEvent {
  eventId: string;
  occurredAt: string; // UTC, microseconds: 2026-01-31T23:59:59.123456Z
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  entityType: string | null;
  entityId: string | null;
  companyId: string | null;
  outcome: string;
  ipHmac: string | null; // hex
  userAgentHmac: string | null; // hex
  requestId: string | null;
  detail: Record<string, unknown>;
}

export const genesisHash = Buffer.alloc(32);

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function linkHash(prevHash: Buffer, event: ChainedEvent): Buffer {
  return createHash('sha256').update(prevHash).update(canonicalJson(event)).digest();
}

/** A row from audit.pending_events() or audit.chain_slice(). */
export interface EventRow {
  event_id: string;
  occurred_at_text: string;
  actor_type: string;
  actor_id: string | null;
  actor_label: string | null;
  action: string;
  entity_type: string | null;
  entity_id: string | null;
  company_id: string | null;
  outcome: string;
  ip_hmac: Buffer | null;
  user_agent_hmac: Buffer | null;
  request_id: string | null;
  detail: Record<string, unknown>;
}

export function eventFromRow(row: EventRow): ChainedEvent {
  return {
    eventId: row.event_id,
    occurredAt: row.occurred_at_text,
    actorType: row.actor_type,
    actorId: row.actor_id,
    actorLabel: row.actor_label,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    companyId: row.company_id,
    outcome: row.outcome,
    ipHmac: row.ip_hmac?.toString('hex') ?? null,
    userAgentHmac: row.user_agent_hmac?.toString('hex') ?? null,
    requestId: row.request_id,
    detail: row.detail,
  };
}
