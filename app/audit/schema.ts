import { z } from 'zod';
import { text } from '../http/text-schema.ts';

export const auditFilterSchema = z.strictObject({
  actor: z.uuid({ error: 'actor must be a user id' }).optional(),
  action: z.string().regex(/^[a-z_.]+$/, 'action looks like company.created').max(100).optional(),
  entityType: z.string().regex(/^[a-z_]+$/, 'entity type looks like company').max(50).optional(),
  entityId: text().max(100).optional(),
  from: z.iso.date({ error: 'from must be a date (YYYY-MM-DD)' }).optional(),
  to: z.iso.date({ error: 'to must be a date (YYYY-MM-DD)' }).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(200),
  format: z.enum(['csv', 'json']).optional(),
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

export const auditEventSchema = z.object({
  eventId: z.uuid(),
  occurredAt: z.iso.datetime(),
  actorType: z.string(),
  actorId: z.uuid().nullable(),
  actorLabel: z.string().nullable(),
  action: z.string(),
  entityType: z.string().nullable(),
  entityId: z.string().nullable(),
  companyId: z.uuid().nullable(),
  outcome: z.string(),
  requestId: z.uuid().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditEventView = z.infer<typeof auditEventSchema>;

/** The latest signed chain head as published for outside witnesses. */
export const checkpointSchema = z.object({
  seq: z.number(), hash: z.string(), time: z.string(), statement: z.string(), signature: z.string(), publicKey: z.string(),
});
export type PublishedCheckpoint = z.infer<typeof checkpointSchema>;

export const verificationSchema = z.object({ ok: z.boolean(), checkedLinks: z.number(), headSeq: z.number().nullable(), firstBadSeq: z.number().nullable(),
  problem: z.string().nullable(), durationMs: z.number(), at: z.iso.datetime() });
export type Verification = z.infer<typeof verificationSchema>;
