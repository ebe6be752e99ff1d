// Writes an audit event inside the caller's transaction: the action and its
// event commit together or not at all. IP and user agent are kept only as
// keyed hashes (HMAC-SHA-256, key outside the database).
import { createHmac } from 'node:crypto';
import type { Context } from 'hono';
import type { Tx } from '../db/client.ts';
import type { Audit, AuditActor, AuditEvent } from '../db/audit-event.ts';
import type { AppEnv, Auditor } from '../http/context.ts';

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
  const requestActor = (c: Context<AppEnv>, userId: string | null): AuditActor => ({
    type: userId ? 'user' : 'anonymous',
    id: userId,
    ip: c.get('clientIp'),
    userAgent: c.req.header('user-agent') ?? null,
    requestId: c.get('requestId'),
  });
  return {
    hmac,
    recordAs,
    record: (tx, c, event) => recordAs(tx, requestActor(c, c.get('user')?.userId ?? null), event),
    recordForUser: (tx, c, userId, event) => recordAs(tx, requestActor(c, userId), event),
  };
}

/** An audit writer bound to a request: what write functions take, so pages and API record alike. */
export function auditFor(c: Context<AppEnv>): Audit {
  return (tx, event) => c.get('auditor').record(tx, c, event);
}
