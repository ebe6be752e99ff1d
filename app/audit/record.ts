// Writes an audit event inside the caller's transaction: the action and its
// event commit together or not at all. IP and user agent are kept only as
// keyed hashes (HMAC-SHA-256, key outside the database). Every event is
// signed here, by the writer, with the audit event key (event-key.ts): the
// event's id and time are chosen here so the signature covers them.
import { createHmac } from 'node:crypto';
import type { Context } from 'hono';
import type { Tx } from '../db/client.ts';
import type { Audit, AuditActor, AuditEvent } from '../db/audit-event.ts';
import type { AppEnv, Auditor } from '../http/context.ts';
import type { ChainedEvent } from './canonical.ts';
import { microsecondIso, signEvent, uuidv7, type EventKey } from './event-key.ts';

/** The signer the auditor uses; the bench swaps in one that does not sign (nulls) to measure what signing costs. */
export type EventSigner = (event: ChainedEvent) => { keyId: string | null; signature: Buffer | null };

export const signerFor = (key: EventKey): EventSigner => (event) => ({ keyId: key.keyId, signature: signEvent(key, event) });

/** A signed event ready for audit.append_signed (or the retention drop). */
export function buildSignedEvent(signer: EventSigner, actor: AuditActor, event: AuditEvent, hmac: (value: string) => Buffer, now = new Date()) {
  const ipHmac = actor.ip ? hmac(actor.ip) : null;
  const userAgentHmac = actor.userAgent ? hmac(actor.userAgent) : null;
  const chained: ChainedEvent = {
    eventId: uuidv7(now.getTime()),
    occurredAt: microsecondIso(now),
    actorType: actor.type,
    actorId: actor.id ?? null,
    actorLabel: actor.label ?? null,
    action: event.action,
    entityType: event.entityType ?? null,
    entityId: event.entityId ?? null,
    companyId: event.companyId ?? null,
    outcome: event.outcome ?? 'success',
    ipHmac: ipHmac?.toString('hex') ?? null,
    userAgentHmac: userAgentHmac?.toString('hex') ?? null,
    requestId: actor.requestId ?? null,
    // as the database gives it back: JSON, undefined values gone
    detail: JSON.parse(JSON.stringify(event.detail ?? {})) as Record<string, unknown>,
  };
  return { event: chained, at: now, ipHmac, userAgentHmac, ...signer(chained) };
}

export function createAuditor(hmacKey: Buffer, signer: EventSigner): Auditor {
  const hmac = (value: string) => createHmac('sha256', hmacKey).update(value).digest();
  const recordAs = async (tx: Tx, actor: AuditActor, event: AuditEvent) => {
    const signed = buildSignedEvent(signer, actor, event, hmac);
    const e = signed.event;
    await tx`select audit.append_signed(
      ${e.eventId}, ${signed.at}, ${e.actorType}, ${e.actorId}, ${e.actorLabel}, ${e.action},
      ${e.entityType}, ${e.entityId}, ${e.companyId}, ${e.outcome},
      ${signed.ipHmac}, ${signed.userAgentHmac}, ${e.requestId}, ${tx.json(e.detail as never)},
      ${signed.keyId}, ${signed.signature})`;
    return e.eventId;
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
