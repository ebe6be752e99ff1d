// Share links: SQL and presenter. The token leaves once, in the creation
// answer; only its SHA-256 is stored (sql/0011_documents.sql).
import { z } from 'zod';
import type { Audit } from '../db/audit-event.ts';
import type { Tx } from '../db/client.ts';
import { text } from '../http/text-schema.ts';

export const shareLinkInputSchema = z.strictObject({
  expiresInDays: z.number().int().min(1).max(90).optional(),
  password: text().min(12, 'issue.tooShort').max(128).optional(),
  maxDownloads: z.number().int().min(1).max(10000).optional(),
});

export type ShareLinkInput = z.infer<typeof shareLinkInputSchema>;

/** The document page's form: text fields (blank ones arrive as absent), numbers as typed. */
export const shareLinkFormSchema = z.strictObject({
  // above the installation's longest lifetime: the route says so with the number (share.tooLong)
  // numbers arrive as text: a control character gets the free-text refusal first
  expiresInDays: text().pipe(z.coerce.number<string>({ error: 'issue.shareDays' }).int('issue.shareDays').min(1, 'issue.shareDays')).optional(),
  password: text().min(12, 'issue.tooShort').max(128).optional(),
  maxDownloads: text().pipe(z.coerce.number<string>({ error: 'issue.shareDownloads' }).int('issue.shareDownloads').min(1, 'issue.shareDownloads').max(10000, 'issue.shareDownloads')).optional(),
});

export const shareLinkSchema = z.object({
  shareLinkId: z.uuid(),
  documentId: z.uuid(),
  createdBy: z.uuid(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  maxDownloads: z.number().int().nullable(),
  downloads: z.number().int(),
  revokedAt: z.iso.datetime().nullable(),
  state: z.enum(['active', 'expired', 'revoked', 'used_up']),
});
export type ShareLink = z.infer<typeof shareLinkSchema>;

type Row = { share_link_id: string; document_id: string; created_by: string; created_at: Date; expires_at: Date;
  max_downloads: number | null; downloads: number; revoked_at: Date | null };
const columns = 'share_link_id, document_id, created_by, created_at, expires_at, max_downloads, downloads, revoked_at';

export const presentShareLink = (row: Row): ShareLink => ({
  shareLinkId: row.share_link_id,
  documentId: row.document_id,
  createdBy: row.created_by,
  createdAt: row.created_at.toISOString(),
  expiresAt: row.expires_at.toISOString(),
  maxDownloads: row.max_downloads,
  downloads: row.downloads,
  revokedAt: row.revoked_at?.toISOString() ?? null,
  state: row.revoked_at ? 'revoked' : row.expires_at <= new Date() ? 'expired'
    : row.max_downloads !== null && row.downloads >= row.max_downloads ? 'used_up' : 'active',
});

export async function listShareLinks(tx: Tx, documentId: string): Promise<ShareLink[]> {
  const rows = await tx<Row[]>`select ${tx.unsafe(columns)} from share_links where document_id = ${documentId} order by created_at desc`;
  return rows.map(presentShareLink);
}

export async function createShareLink(tx: Tx, audit: Audit, input: { documentId: string; companyId: string; userId: string; tokenHash: Buffer;
  days: number; passwordHash: string | null; maxDownloads: number | null }): Promise<ShareLink> {
  const [row] = await tx<Row[]>`
    insert into share_links (document_id, owner_company_id, token_hash, created_by, expires_at, password_hash, max_downloads)
    values (${input.documentId}, ${input.companyId}, ${input.tokenHash}, ${input.userId}, now() + make_interval(days => ${input.days}),
      ${input.passwordHash}, ${input.maxDownloads})
    returning ${tx.unsafe(columns)}`;
  await audit(tx, { action: 'share_link.created', entityType: 'share_link', entityId: row!.share_link_id, companyId: input.companyId,
    detail: { documentId: input.documentId, days: input.days, password: input.passwordHash !== null, maxDownloads: input.maxDownloads } });
  return presentShareLink(row!);
}

export async function revokeShareLink(tx: Tx, audit: Audit, shareLinkId: string, userId: string): Promise<ShareLink | undefined> {
  const [row] = await tx<(Row & { owner_company_id: string })[]>`
    update share_links set revoked_at = coalesce(revoked_at, now()), revoked_by = ${userId}
    where share_link_id = ${shareLinkId} returning ${tx.unsafe(columns)}, owner_company_id`;
  if (row) await audit(tx, { action: 'share_link.revoked', entityType: 'share_link', entityId: shareLinkId, companyId: row.owner_company_id,
    detail: { documentId: row.document_id } });
  return row && presentShareLink(row);
}

export type FoundLink = { share_link_id: string; document_id: string; owner_company_id: string; created_by: string; expires_at: Date;
  password_hash: string | null; max_downloads: number | null; downloads: number; locked_until: Date | null; revoked_at: Date | null };

export async function findShareLink(tx: Tx, tokenHash: Buffer): Promise<FoundLink | undefined> {
  const [row] = await tx<FoundLink[]>`select * from app.find_share_link(${tokenHash})`;
  return row;
}

export async function recordShareLinkFailure(tx: Tx, shareLinkId: string): Promise<void> {
  await tx`select app.share_link_failed(${shareLinkId})`;
}

/** Counts one download; false when the limit is reached (or the link was revoked or expired meanwhile). */
export async function countShareDownload(tx: Tx, shareLinkId: string): Promise<boolean> {
  const [row] = await tx`select app.count_share_download(${shareLinkId}) as downloads`;
  return row?.downloads !== null && row?.downloads !== undefined;
}
