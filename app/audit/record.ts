// Writes an audit event inside the caller's transaction: the action and its
// event commit together or not at all. IP and user agent are kept only as
// keyed hashes (HMAC-SHA-256, key outside the database).
import { createHmac } from 'node:crypto';
import type { Context } from 'hono';
import type { Tx } from '../db/client.ts';
import type { AppEnv } from '../http/context.ts';

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

export interface Auditor {
  /** For a request: the signed-in user (or anonymous), IP, user agent, request id. */
  record(tx: Tx, c: Context<AppEnv>, event: AuditEvent): Promise<string>;
  /** For jobs and the CLI. */
  recordAs(tx: Tx, actor: AuditActor, event: AuditEvent): Promise<string>;
  hmac(value: string): Buffer;
}

export function createAuditor(hmacKey: Buffer): Auditor {
  const hmac = (value: string) => createHmac('sha256', hmacKey).update(value).digest();
  const recordAs = async (tx: Tx, actor: AuditActor, event: AuditEvent) => {
    const [row] = await tx`select audit.append(
      ${actor.type}, ${actor.id ?? null}, ${actor.label ?? null}, ${event.action},
      ${event.entityType ?? null}, ${event.entityId ?? null}, ${event.companyId ?? null}, ${event.outcome ?? 'success'},
      ${actor.ip ? hmac(actor.ip) : null}, ${actor.userAgent ? hmac(actor.userAgent) : null},
      ${actor.requestId ?? null}, ${tx.json(event.detail ?? {})}) as event_id`;
    return row!.event_id as string;
  };
  return {
    hmac,
    recordAs,
    record(tx, c, event) {
      const user = c.get('user');
      return recordAs(tx, {
        type: user ? 'user' : 'anonymous',
        id: user?.userId ?? null,
        ip: c.get('clientIp'),
        userAgent: c.req.header('user-agent') ?? null,
        requestId: c.get('requestId'),
      }, event);
    },
  };
}

/** An audit writer bound to a request: what write functions take, so pages and API record alike. */
export type Audit = (tx: Tx, event: AuditEvent) => Promise<string>;

export function auditFor(c: Context<AppEnv>): Audit {
  return (tx, event) => c.get('auditor').record(tx, c, event);
}
