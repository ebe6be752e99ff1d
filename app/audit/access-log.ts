// Access transparency: who read a company's documents, when and how, from
// the audit trail's `document.read` events. RLS (events_read in
// sql/0008_audit.sql) gives a customer admin only the access events of their
// own company; the query repeats that filter for the planner. Who read is
// told by what the event recorded (the reader's side and role, or the share
// link) and by what the viewer may see: a customer sees their own people by
// name and operator staff by role only (the users policy hides operator
// names from customers).
import { z } from 'zod';
import type { Tx } from '../db/client.ts';

export const accessQuerySchema = z.strictObject({
  from: z.iso.date({ error: 'from must be a date (YYYY-MM-DD)' }).optional(),
  to: z.iso.date({ error: 'to must be a date (YYYY-MM-DD)' }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export type AccessQuery = z.infer<typeof accessQuerySchema>;

export const documentAccessSchema = z.object({
  eventId: z.uuid(),
  occurredAt: z.iso.datetime(),
  /** operator staff, one of the company's own people, or someone holding a share link */
  reader: z.object({
    kind: z.enum(['operator', 'customer', 'share_link']),
    /** the reader's name when the viewer may see it (never an operator's for a customer) */
    name: z.string().nullable(),
    userId: z.uuid().nullable(),
    role: z.string().nullable(),
    shareLinkId: z.uuid().nullable(),
    /** for a share link: who created it, when the viewer may see them */
    sharedBy: z.string().nullable(),
  }),
  how: z.enum(['download', 'preview', 'share_link']),
  documentId: z.uuid().nullable(),
  /** null when the document was deleted since */
  documentTitle: z.string().nullable(),
  versionId: z.string().nullable(),
});
export type DocumentAccess = z.infer<typeof documentAccessSchema>;

type AccessRow = {
  event_id: string; occurred_at: Date; actor_type: string; actor_id: string | null; entity_id: string | null; detail: Record<string, unknown>;
  title: string | null; reader_name: string | null; link_creator: string | null;
};

const text = (value: unknown) => (typeof value === 'string' ? value : null);

export const presentAccess = (row: AccessRow): DocumentAccess => {
  const shareLinkId = text(row.detail.shareLinkId);
  const side = text(row.detail.side);
  const kind = shareLinkId ? 'share_link' as const
    // events from before the side was recorded: a reader the viewer cannot see is operator staff
    : side === 'customer' || (side === null && row.reader_name !== null) ? 'customer' as const : 'operator' as const;
  const visible = kind !== 'share_link' && row.reader_name !== null;
  return {
    eventId: row.event_id,
    occurredAt: row.occurred_at.toISOString(),
    reader: {
      kind,
      name: visible ? row.reader_name : null,
      userId: visible ? row.actor_id : null,
      role: kind === 'share_link' ? null : text(row.detail.role),
      shareLinkId,
      sharedBy: shareLinkId ? row.link_creator : null,
    },
    how: shareLinkId ? 'share_link' : text(row.detail.how) === 'preview' ? 'preview' : 'download',
    documentId: text(row.detail.documentId),
    documentTitle: row.title,
    versionId: row.entity_id,
  };
};

/** Reads of documents, newest first: of `companyId` (a customer's own), or of every company RLS lets the viewer see. */
export async function findDocumentAccess(tx: Tx, companyId: string | null, query: AccessQuery): Promise<DocumentAccess[]> {
  const rows = await tx<AccessRow[]>`
    select e.event_id, e.occurred_at, e.actor_type, e.actor_id, e.entity_id, e.detail,
           d.title, u.display_name as reader_name, lc.display_name as link_creator
    from audit.events e
    left join documents d on d.document_id = (e.detail->>'documentId')::uuid
    left join users u on u.user_id = e.actor_id
    left join share_links l on l.share_link_id = (e.detail->>'shareLinkId')::uuid
    left join users lc on lc.user_id = l.created_by
    where e.action = 'document.read' and e.outcome = 'success'
      ${companyId ? tx`and e.company_id = ${companyId}` : tx``}
      ${query.from ? tx`and e.occurred_at >= ${query.from}::date` : tx``}
      ${query.to ? tx`and e.occurred_at < ${query.to}::date + 1` : tx``}
    order by e.occurred_at desc, e.event_id desc
    limit ${query.limit}`;
  return rows.map(presentAccess);
}

/** Why a share link was refused (app/documents/share-link-routes.tsx); `unknown` tokens name no company and never reach this list. */
export const refusalReasons = ['expired', 'revoked', 'wrong_password', 'locked', 'used_up', 'creator_lost_access'] as const;

export const refusedShareLinkSchema = z.object({
  eventId: z.uuid(),
  occurredAt: z.iso.datetime(),
  shareLinkId: z.uuid().nullable(),
  /** expired, revoked, wrong password, locked (after too many wrong passwords), download limit reached (used_up), the creator lost access; or another recorded word */
  reason: z.string(),
  /** who created the link, when the viewer may see them */
  sharedBy: z.string().nullable(),
  documentId: z.uuid().nullable(),
  /** null when the document (or the link) was deleted since */
  documentTitle: z.string().nullable(),
});
export type RefusedShareLink = z.infer<typeof refusedShareLinkSchema>;

type RefusedRow = { event_id: string; occurred_at: Date; entity_id: string | null; detail: Record<string, unknown>; document_id: string | null; title: string | null; link_creator: string | null };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const presentRefusal = (row: RefusedRow): RefusedShareLink => ({
  eventId: row.event_id,
  occurredAt: row.occurred_at.toISOString(),
  shareLinkId: row.entity_id && uuidPattern.test(row.entity_id) ? row.entity_id : null,
  reason: text(row.detail.reason) ?? 'unknown',
  sharedBy: row.link_creator,
  documentId: row.document_id ?? text(row.detail.documentId),
  documentTitle: row.title,
});

/**
 * Refused accesses to share links, newest first: of `companyId`'s links (a
 * customer's own; RLS, events_read in sql/0024, gives a customer admin no
 * other company's), or of every company RLS lets the viewer see.
 */
export async function findRefusedShareLinks(tx: Tx, companyId: string | null, query: AccessQuery): Promise<RefusedShareLink[]> {
  const rows = await tx<RefusedRow[]>`
    select e.event_id, e.occurred_at, e.entity_id, e.detail, d.document_id, d.title, lc.display_name as link_creator
    from audit.events e
    left join share_links l on l.share_link_id::text = e.entity_id
    left join documents d on d.document_id = coalesce(l.document_id, case when e.detail->>'documentId' ~ '^[0-9a-f-]{36}$' then (e.detail->>'documentId')::uuid end)
    left join users lc on lc.user_id = l.created_by
    where e.action = 'share_link.refused'
      ${companyId ? tx`and e.company_id = ${companyId}` : tx`and e.company_id is not null`}
      ${query.from ? tx`and e.occurred_at >= ${query.from}::date` : tx``}
      ${query.to ? tx`and e.occurred_at < ${query.to}::date + 1` : tx``}
    order by e.occurred_at desc, e.event_id desc
    limit ${query.limit}`;
  return rows.map(presentRefusal);
}
