// What a write hands to the audit trail. The trail itself (app/audit) writes
// it in the caller's transaction; the core only knows this shape.
import type { Tx } from './client.ts';

export interface AuditEvent {
  action: string;
  entityType?: string;
  entityId?: string | null;
  companyId?: string | null;
  outcome?: 'success' | 'failure' | 'denied';
  detail?: Record<string, string | number | boolean | null>;
}

export interface AuditActor {
  type: 'user' | 'system' | 'anonymous';
  id?: string | null;
  label?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

/** An audit writer bound to its actor: what every write function in a feature's queries takes. */
export type Audit = (tx: Tx, event: AuditEvent) => Promise<string>;
