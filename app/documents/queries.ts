import type { Audit } from '../db/audit-event.ts';
import type { Tx } from '../db/client.ts';
import type { DocumentKind } from '../config.ts';
import type { Document, ParentType, Version } from './schema.ts';

type DocumentRow = { document_id: string; owner_company_id: string; company_id: string | null; site_id: string | null;
  asset_id: string | null; job_id: string | null; title: string; kind: DocumentKind; created_at: Date };
type VersionRow = { version_id: string; document_id: string; owner_company_id: string; file_name: string; status: Version['status'];
  reason: string | null; detected_type: string | null; size: string | null; sha256: Buffer | null; uploaded_by: string | null;
  created_at: Date; object_key: string | null };

const documentColumns = 'document_id, owner_company_id, company_id, site_id, asset_id, job_id, title, kind, created_at';
const versionColumns = 'version_id, document_id, owner_company_id, file_name, status, reason, detected_type, size, sha256, uploaded_by, created_at, object_key';

export const presentVersion = (row: VersionRow): Version => ({
  versionId: row.version_id,
  documentId: row.document_id,
  fileName: row.file_name,
  status: row.status,
  reason: row.reason,
  detectedType: row.detected_type,
  size: row.size === null ? null : Number(row.size),
  sha256: row.sha256 ? row.sha256.toString('hex') : null,
  uploadedBy: row.uploaded_by,
  createdAt: row.created_at.toISOString(),
});

export const presentDocument = (row: DocumentRow, versions: VersionRow[]): Document => {
  const parent = row.company_id ? { type: 'company' as const, id: row.company_id }
    : row.site_id ? { type: 'site' as const, id: row.site_id }
    : row.asset_id ? { type: 'asset' as const, id: row.asset_id } : { type: 'job' as const, id: row.job_id! };
  const presented = versions.map(presentVersion);
  return {
    documentId: row.document_id,
    companyId: row.owner_company_id,
    parent,
    title: row.title,
    kind: row.kind,
    createdAt: row.created_at.toISOString(),
    current: presented.find((v) => v.status === 'clean') ?? null,
    versions: presented,
  };
};

const parentColumn = { company: 'company_id', site: 'site_id', asset: 'asset_id', job: 'job_id' } as const;

async function withVersions(tx: Tx, rows: DocumentRow[]): Promise<Document[]> {
  if (rows.length === 0) return [];
  const versions = await tx<VersionRow[]>`select ${tx.unsafe(versionColumns)} from document_versions
    where document_id in ${tx(rows.map((r) => r.document_id))} order by created_at desc, version_id desc`;
  return rows.map((row) => presentDocument(row, versions.filter((v) => v.document_id === row.document_id)));
}

export async function listDocumentsOf(tx: Tx, parent: ParentType, parentId: string): Promise<Document[]> {
  const rows = await tx<DocumentRow[]>`select ${tx.unsafe(documentColumns)} from documents
    where ${tx(parentColumn[parent])} = ${parentId} order by title, document_id`;
  return withVersions(tx, rows);
}

export async function findDocument(tx: Tx, documentId: string): Promise<Document | undefined> {
  const rows = await tx<DocumentRow[]>`select ${tx.unsafe(documentColumns)} from documents where document_id = ${documentId}`;
  return (await withVersions(tx, rows))[0];
}

/** The company a visible parent belongs to, or undefined (absent or not visible). */
export async function findParentCompany(tx: Tx, parent: ParentType, parentId: string): Promise<string | undefined> {
  const [row] = parent === 'company' ? await tx`select company_id from companies where company_id = ${parentId}`
    : parent === 'site' ? await tx`select company_id from sites where site_id = ${parentId}`
    : parent === 'asset' ? await tx`select company_id from assets where asset_id = ${parentId}`
    : await tx`select company_id from jobs where job_id = ${parentId}`;
  return row?.company_id as string | undefined;
}

/** A new document's id (UUIDv7, as the column's default), when it must be known before the row is written. */
export async function newDocumentId(tx: Tx): Promise<string> {
  const [row] = await tx<{ id: string }[]>`select app.uuidv7() as id`;
  return row!.id;
}

export async function createDocument(tx: Tx, audit: Audit, input: { parent: ParentType; parentId: string; companyId: string;
  title: string; kind: DocumentKind; userId: string; documentId?: string }): Promise<string> {
  const [row] = await tx`
    insert into documents (document_id, owner_company_id, company_id, site_id, asset_id, job_id, title, kind, created_by)
    values (${input.documentId ?? tx`app.uuidv7()`}, ${input.companyId}, ${input.parent === 'company' ? input.parentId : null}, ${input.parent === 'site' ? input.parentId : null},
      ${input.parent === 'asset' ? input.parentId : null}, ${input.parent === 'job' ? input.parentId : null}, ${input.title}, ${input.kind}, ${input.userId})
    returning document_id`;
  await audit(tx, { action: 'document.created', entityType: 'document', entityId: row!.document_id, companyId: input.companyId,
    detail: { parent: input.parent, parentId: input.parentId, kind: input.kind } });
  return row!.document_id as string;
}

export async function createVersion(tx: Tx, audit: Audit, input: { documentId: string; companyId: string; fileName: string; userId: string; uploadSize: number }): Promise<string> {
  const [row] = await tx`
    insert into document_versions (document_id, owner_company_id, file_name, uploaded_by)
    values (${input.documentId}, ${input.companyId}, ${input.fileName}, ${input.userId})
    returning version_id`;
  await audit(tx, { action: 'document.version_uploaded', entityType: 'document_version', entityId: row!.version_id, companyId: input.companyId,
    detail: { documentId: input.documentId, size: input.uploadSize } });
  return row!.version_id as string;
}

export async function markVersionClean(tx: Tx, audit: Audit, versionId: string, result: { objectKey: string; type: string; size: number; sha256: Buffer }): Promise<boolean> {
  const [row] = await tx`
    update document_versions set status = 'clean', reason = null, object_key = ${result.objectKey}, detected_type = ${result.type},
      size = ${result.size}, sha256 = ${result.sha256}, decided_at = now()
    where version_id = ${versionId} and status = 'pending'
    returning owner_company_id, document_id`;
  if (row) await audit(tx, { action: 'document.version_clean', entityType: 'document_version', entityId: versionId, companyId: row.owner_company_id,
    detail: { documentId: row.document_id, type: result.type, size: result.size, sha256: result.sha256.toString('hex') } });
  return row !== undefined;
}

/** Rejected (with reason), or still pending with the reason it is held. Malware is audited as denied. */
/** False when the version was not pending, or not the caller's to decide (RLS). */
export async function decideVersion(tx: Tx, audit: Audit, versionId: string, status: 'rejected' | 'pending', reason: string, signature?: string): Promise<boolean> {
  const [row] = await tx`
    update document_versions set status = ${status}, reason = ${reason}, decided_at = ${status === 'rejected' ? tx`now()` : null}
    where version_id = ${versionId} and status = 'pending'
    returning owner_company_id, document_id`;
  if (!row) return false;
  const action = signature ? 'document.malware_detected' : status === 'rejected' ? 'document.version_rejected' : 'document.version_held';
  await audit(tx, { action, entityType: 'document_version', entityId: versionId, companyId: row.owner_company_id,
    outcome: status === 'rejected' ? (signature ? 'denied' : 'failure') : 'success',
    detail: { documentId: row.document_id, reason, ...(signature ? { signature } : {}) } });
  return true;
}

export async function updateDocument(tx: Tx, audit: Audit, documentId: string, patch: { title?: string | undefined; kind?: DocumentKind | undefined }): Promise<boolean> {
  const [row] = await tx`
    update documents set title = coalesce(${patch.title ?? null}, title), kind = coalesce(${patch.kind ?? null}, kind)
    where document_id = ${documentId} returning owner_company_id`;
  if (row) await audit(tx, { action: 'document.updated', entityType: 'document', entityId: documentId, companyId: row.owner_company_id,
    detail: { fields: Object.keys(patch).join(',') } });
  return row !== undefined;
}

/** Deletes the document and its versions; returns the object keys to remove from the store after commit. */
export async function deleteDocument(tx: Tx, audit: Audit, documentId: string): Promise<string[] | undefined> {
  const keys = await tx<{ object_key: string }[]>`select object_key from document_versions where document_id = ${documentId} and object_key is not null`;
  const [row] = await tx`delete from documents where document_id = ${documentId} returning owner_company_id`;
  if (!row) return undefined;
  await audit(tx, { action: 'document.deleted', entityType: 'document', entityId: documentId, companyId: row.owner_company_id,
    detail: { versions: keys.length } });
  return keys.map((k) => k.object_key);
}

/**
 * The clean version a download serves (the newest, or the one asked for),
 * found under RLS, and the `document.read` event written in the same
 * transaction: no audit, no download.
 */
export async function openVersionForRead(tx: Tx, audit: Audit, documentId: string, versionId: string | undefined, how: 'download' | 'preview')
  : Promise<{ objectKey: string; fileName: string; type: string; size: number; versionId: string; companyId: string } | undefined> {
  const [row] = await tx<VersionRow[]>`
    select ${tx.unsafe(versionColumns.split(', ').map((c) => `v.${c}`).join(', '))}
    from document_versions v join documents d on d.document_id = v.document_id
    where v.document_id = ${documentId} and v.status = 'clean' and v.object_key is not null
      ${versionId ? tx`and v.version_id = ${versionId}` : tx``}
    order by v.created_at desc, v.version_id desc limit 1`;
  if (!row) return undefined;
  await audit(tx, { action: 'document.read', entityType: 'document_version', entityId: row.version_id, companyId: row.owner_company_id,
    detail: { documentId, how } });
  return { objectKey: row.object_key!, fileName: row.file_name, type: row.detected_type!, size: Number(row.size), versionId: row.version_id,
    companyId: row.owner_company_id };
}
