// Service reports in SQL. What may change when is sql/0012's to decide (the
// trigger refuses an edit of a frozen report, a second signature, a move out
// of order); these functions ask, audit what happened, and read back.
import type { z } from 'zod';
import type { Audit } from '../db/audit-event.ts';
import { openField, sealField, uuidv7 } from '../crypto/fields.ts';
import type { Tx } from '../db/client.ts';
import { notify } from '../notifications/notify.ts';
import type { ReportPdfInput } from './render-pdf.ts';
import type { draftSchema, Report, ReportStatus } from './schema.ts';

type Row = { report_id: string; job_id: string; company_id: string; version: number; status: ReportStatus; work_done: string;
  language: Report['language']; frozen_at: Date | null; pdf_sha256: Buffer | null; pdf_object_key: string | null; signed_at: Date | null;
  signer_name: string | null; signed_how: Report['signedHow']; sealed_sha256: Buffer | null; sealed_object_key: string | null;
  refused_at: Date | null; refusal_comment: string | null; created_at: Date; updated_at: Date };

const columns = `report_id, job_id, company_id, version, status, work_done, language, frozen_at, pdf_sha256, pdf_object_key,
  signed_at, signer_name, signed_how, sealed_sha256, sealed_object_key, refused_at, refusal_comment, created_at, updated_at`;

const iso = (value: Date | null) => (value ? value.toISOString() : null);
const hex = (value: Buffer | null) => (value ? value.toString('hex') : null);

export interface ReportDetail extends Report {
  /** object keys: what the routes serve, never shown to clients */
  pdfObjectKey: string | null;
  sealedObjectKey: string | null;
}

async function present(tx: Tx, row: Row): Promise<ReportDetail> {
  const measurements = await tx<{ measurement_id: string; quantity: string; value: string; unit: string }[]>`
    select measurement_id, quantity, value, unit from report_measurements where report_id = ${row.report_id} order by position`;
  const photos = await tx<{ document_id: string; title: string | null }[]>`
    select p.document_id, d.title from report_photos p left join documents d on d.document_id = p.document_id
    where p.report_id = ${row.report_id} order by p.position`;
  return {
    reportId: row.report_id,
    jobId: row.job_id,
    companyId: row.company_id,
    version: row.version,
    status: row.status,
    workDone: openField('service_reports', 'work_done', row.report_id, row.work_done),
    language: row.language,
    measurements: measurements.map((m) => ({ quantity: m.quantity, value: Number(openField('report_measurements', 'value', m.measurement_id, m.value)), unit: m.unit })),
    photos: photos.map((p) => ({ documentId: p.document_id, title: p.title ?? '' })),
    frozenAt: iso(row.frozen_at),
    pdfSha256: hex(row.pdf_sha256),
    signedAt: iso(row.signed_at),
    signerName: row.signer_name,
    signedHow: row.signed_how,
    sealedSha256: hex(row.sealed_sha256),
    refusedAt: iso(row.refused_at),
    refusalComment: openField('service_reports', 'refusal_comment', row.report_id, row.refusal_comment),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    pdfObjectKey: row.pdf_object_key,
    sealedObjectKey: row.sealed_object_key,
  };
}

/** The public shape (no object keys). */
export function publicReport(report: ReportDetail): Report {
  const { pdfObjectKey: _pdf, sealedObjectKey: _sealed, ...rest } = report;
  return rest;
}

export async function findReport(tx: Tx, reportId: string, forUpdate = false): Promise<ReportDetail | undefined> {
  const [row] = forUpdate
    ? await tx<Row[]>`select ${tx.unsafe(columns)} from service_reports where report_id = ${reportId} for update`
    : await tx<Row[]>`select ${tx.unsafe(columns)} from service_reports where report_id = ${reportId}`;
  return row ? present(tx, row) : undefined;
}

/** Every visible version of a job's report, newest first (customers see none of the drafts: RLS). */
export async function listReportsOfJob(tx: Tx, jobId: string): Promise<ReportDetail[]> {
  const rows = await tx<Row[]>`select ${tx.unsafe(columns)} from service_reports where job_id = ${jobId} order by version desc`;
  return Promise.all(rows.map((row) => present(tx, row)));
}

/** One measurement, its value sealed under the row's own id (made here). */
async function insertMeasurement(tx: Tx, reportId: string, companyId: string, position: number, quantity: string, value: string, unit: string): Promise<void> {
  const measurementId = uuidv7();
  await tx`insert into report_measurements (measurement_id, report_id, company_id, position, quantity, value, unit)
    values (${measurementId}, ${reportId}, ${companyId}, ${position}, ${quantity}, ${sealField('report_measurements', 'value', measurementId, companyId, value)}, ${unit})`;
}

/**
 * A new draft for a visible job: version 1, or the next one after a signed or
 * refused report (which the database then marks superseded); the text and
 * measurements of the last version are carried over so an amendment starts
 * from what was there. The report's language is that of whoever raised the
 * job's request, else the organisation's. Undefined when the job is not
 * visible; sql/0012 refuses a second open report and a job not in progress.
 */
export async function createReport(tx: Tx, audit: Audit, jobId: string): Promise<ReportDetail | undefined> {
  const [job] = await tx<{ company_id: string; language: Report['language'] }[]>`
    select j.company_id, coalesce(
      (select u.locale from service_requests r join users u on u.user_id = r.raised_by where r.request_id = j.request_id),
      (select o.default_locale from organisation o)) as language
    from jobs j where j.job_id = ${jobId}`;
  if (!job) return undefined;
  const [last] = await tx<{ report_id: string; version: number; work_done: string }[]>`
    select report_id, version, work_done from service_reports where job_id = ${jobId} order by version desc limit 1`;
  // the text of the last version, opened under its row and sealed again under this one (the additional data binds the row)
  const reportId = uuidv7();
  const text = last ? openField('service_reports', 'work_done', last.report_id, last.work_done) : '';
  await tx`
    insert into service_reports (report_id, job_id, company_id, version, work_done, language, created_by)
    values (${reportId}, ${jobId}, ${job.company_id}, ${(last?.version ?? 0) + 1}, ${sealField('service_reports', 'work_done', reportId, job.company_id, text)},
            ${job.language}, app.current_user_id())`;
  if (last) {
    // each value opened under its row and sealed again under the new one
    const carried = await tx<{ measurement_id: string; position: number; quantity: string; value: string; unit: string }[]>`
      select measurement_id, position, quantity, value, unit from report_measurements where report_id = ${last.report_id} order by position`;
    for (const m of carried) await insertMeasurement(tx, reportId, job.company_id, m.position, m.quantity, openField('report_measurements', 'value', m.measurement_id, m.value), m.unit);
  }
  await audit(tx, { action: 'report.created', entityType: 'service_report', entityId: reportId, companyId: job.company_id,
    detail: { job: jobId, version: (last?.version ?? 0) + 1 } });
  return findReport(tx, reportId);
}

/**
 * Saves the draft as the page or client holds it: the text and the whole
 * list of measurements. Undefined when not visible or not writable by the
 * caller (RLS); sql/0012 refuses it once the report is frozen (55000).
 */
export async function saveDraft(tx: Tx, audit: Audit, reportId: string, draft: z.infer<typeof draftSchema>): Promise<ReportDetail | undefined> {
  const [owner] = await tx<{ company_id: string }[]>`select company_id from service_reports where report_id = ${reportId}`;
  if (!owner) return undefined;
  const [row] = await tx<{ company_id: string }[]>`
    update service_reports set work_done = ${sealField('service_reports', 'work_done', reportId, owner.company_id, draft.workDone)}, language = coalesce(${draft.language ?? null}, language)
    where report_id = ${reportId} returning company_id`;
  if (!row) return undefined;
  await tx`delete from report_measurements where report_id = ${reportId}`;
  for (const [index, m] of draft.measurements.entries()) await insertMeasurement(tx, reportId, row.company_id, index + 1, m.quantity, String(m.value), m.unit);
  await audit(tx, { action: 'report.draft_saved', entityType: 'service_report', entityId: reportId, companyId: row.company_id,
    detail: { measurements: draft.measurements.length, characters: draft.workDone.length } });
  return findReport(tx, reportId);
}

/** Attaches a photo: a document of the report's job (the foreign key holds that). */
/** undefined: no such report or document of its job (for the caller); 'not_clean': the photo has no clean version yet. */
export async function attachPhoto(tx: Tx, audit: Audit, reportId: string, documentId: string): Promise<ReportDetail | 'not_clean' | undefined> {
  const report = await findReport(tx, reportId);
  if (!report) return undefined;
  const [document] = await tx<{ clean: boolean }[]>`
    select exists (select 1 from document_versions v where v.document_id = d.document_id and v.status = 'clean') as clean
    from documents d where d.document_id = ${documentId} and d.job_id = ${report.jobId}`;
  if (!document) return undefined;
  // a photo still being scanned (or refused) is not one the report can show: the PDF would leave it out
  if (!document.clean) return 'not_clean';
  await tx`
    insert into report_photos (report_id, document_id, job_id, company_id, position)
    values (${reportId}, ${documentId}, ${report.jobId}, ${report.companyId},
            (select coalesce(max(position), 0) + 1 from report_photos where report_id = ${reportId}))
    on conflict (report_id, document_id) do nothing`;
  await audit(tx, { action: 'report.photo_attached', entityType: 'service_report', entityId: reportId, companyId: report.companyId,
    detail: { document: documentId } });
  return findReport(tx, reportId);
}

/** Records the frozen PDF; the database refuses it unless the report is a draft and the caller its technician. */
export async function markFrozen(tx: Tx, audit: Audit, reportId: string, pdf: { objectKey: string; sha256: Buffer }): Promise<boolean> {
  const [row] = await tx<{ company_id: string; job_id: string }[]>`
    update service_reports set status = 'frozen', frozen_at = now(), frozen_by = app.current_user_id(),
      pdf_object_key = ${pdf.objectKey}, pdf_sha256 = ${pdf.sha256}
    where report_id = ${reportId} and status = 'draft' returning company_id, job_id`;
  if (!row) return false;
  await audit(tx, { action: 'report.frozen', entityType: 'service_report', entityId: reportId, companyId: row.company_id,
    detail: { job: row.job_id, pdfSha256: pdf.sha256.toString('hex') } });
  await notify(tx, { kind: 'report_awaiting_signoff', jobId: row.job_id, audience: ['customer'] });
  return true;
}

export interface Signature {
  signerName: string;
  how: 'own_device' | 'on_site';
  ipHash: Buffer | null;
  userAgentHash: Buffer | null;
  shownSha256: Buffer;
  sealed: { objectKey: string; sha256: Buffer };
}

/**
 * The conditional update that signs: only a frozen report whose PDF is the
 * one shown. False when it is not (signed already, refused, or another PDF).
 * The sealed PDF's SHA-256 goes into the audit event, so the chain proves a
 * stored PDF unchanged (`kastell report verify`).
 */
export async function markSigned(tx: Tx, audit: Audit, reportId: string, signature: Signature): Promise<boolean> {
  const [row] = await tx<{ company_id: string; job_id: string }[]>`
    update service_reports set status = 'signed', signed_at = now(), signed_by = app.current_user_id(),
      signer_name = ${signature.signerName}, signed_how = ${signature.how}, signer_ip_hash = ${signature.ipHash},
      signer_ua_hash = ${signature.userAgentHash}, shown_sha256 = ${signature.shownSha256},
      sealed_object_key = ${signature.sealed.objectKey}, sealed_sha256 = ${signature.sealed.sha256}
    where report_id = ${reportId} and status = 'frozen' and pdf_sha256 = ${signature.shownSha256}
    returning company_id, job_id`;
  if (!row) return false;
  await audit(tx, { action: 'report.signed', entityType: 'service_report', entityId: reportId, companyId: row.company_id,
    detail: { job: row.job_id, how: signature.how, shownSha256: signature.shownSha256.toString('hex'), sealedSha256: signature.sealed.sha256.toString('hex') } });
  await notify(tx, { kind: 'report_signed_or_refused', jobId: row.job_id, audience: ['technicians', 'operator'] });
  return true;
}

export async function markRefused(tx: Tx, audit: Audit, reportId: string, refusal: { comment: string; shownSha256: Buffer; how: 'own_device' | 'on_site' }): Promise<boolean> {
  const [owner] = await tx<{ company_id: string }[]>`select company_id from service_reports where report_id = ${reportId}`;
  if (!owner) return false;
  const [row] = await tx<{ company_id: string; job_id: string }[]>`
    update service_reports set status = 'refused', refused_at = now(), refused_by = app.current_user_id(),
      refusal_comment = ${sealField('service_reports', 'refusal_comment', reportId, owner.company_id, refusal.comment)}, signed_how = ${refusal.how}
    where report_id = ${reportId} and status = 'frozen' and pdf_sha256 = ${refusal.shownSha256}
    returning company_id, job_id`;
  if (!row) return false;
  await audit(tx, { action: 'report.refused', entityType: 'service_report', entityId: reportId, companyId: row.company_id,
    detail: { job: row.job_id, how: refusal.how } });
  await notify(tx, { kind: 'report_signed_or_refused', jobId: row.job_id, audience: ['technicians', 'operator'] });
  return true;
}

/** What the PDF shows, read in the freezing technician's transaction (RLS: their assigned job's company, site and assets). */
export async function loadPdfInput(tx: Tx, report: ReportDetail): Promise<Omit<ReportPdfInput, 'photos'> & { photoKeys: { title: string; objectKey: string }[] } | undefined> {
  const [found] = await tx<{ title: string; description: string | null; company: string | null; site: string | null; site_id: string | null; street: string | null;
    postal_code: string | null; city: string | null; organisation: string }[]>`
    select j.title, j.description, c.name as company, s.name as site, s.site_id, s.street, s.postal_code, s.city,
      (select o.name from organisation o) as organisation
    from jobs j left join companies c on c.company_id = j.company_id left join sites s on s.site_id = j.site_id
    where j.job_id = ${report.jobId}`;
  if (!found) return undefined;
  const job = { ...found, ...openSiteAddress(found) };
  const assets = await tx<{ name: string; serial_number: string | null }[]>`
    select a.name, a.serial_number from job_assets ja join assets a on a.asset_id = ja.asset_id where ja.job_id = ${report.jobId} order by a.name`;
  const people = await tx<{ user_id: string; display_name: string }[]>`select user_id, display_name from app.job_technician_names(${report.jobId})`;
  const nameOf = (id: string) => people.find((p) => p.user_id === id)?.display_name ?? '—';
  const visits = (await tx<{ visit_id: string; technician_id: string; check_in_at: Date; check_out_at: Date | null; notes: string | null }[]>`
    select visit_id, technician_id, check_in_at, check_out_at, notes from visits where job_id = ${report.jobId} order by check_in_at`)
    .map((v) => ({ ...v, notes: openField('visits', 'notes', v.visit_id, v.notes) }));
  const photoKeys = await tx<{ title: string; object_key: string }[]>`
    select d.title, v.object_key from report_photos p
    join documents d on d.document_id = p.document_id
    join lateral (select object_key from document_versions dv where dv.document_id = d.document_id and dv.status = 'clean'
                  order by dv.created_at desc limit 1) v on true
    where p.report_id = ${report.reportId} order by p.position`;
  return {
    language: report.language,
    organisation: job.organisation,
    company: job.company ?? '—',
    site: { name: job.site ?? '—', address: [job.street, [job.postal_code, job.city].filter(Boolean).join(' ')].filter(Boolean).join(', ') },
    assets: assets.map((a) => ({ name: a.name, serial: a.serial_number })),
    job: { jobId: report.jobId, title: job.title, description: job.description },
    report: { reportId: report.reportId, version: report.version, frozenAt: new Date(), workDone: report.workDone },
    technicians: people.map((p) => p.display_name),
    visits: visits.map((v) => ({ technician: nameOf(v.technician_id), checkInAt: v.check_in_at, checkOutAt: v.check_out_at, notes: v.notes })),
    measurements: report.measurements,
    photoKeys: photoKeys.map((p) => ({ title: p.title, objectKey: p.object_key })),
  };
}

function openSiteAddress(row: { site_id: string | null; street: string | null; postal_code: string | null; city: string | null }) {
  if (!row.site_id) return { street: null, postal_code: null, city: null };
  return {
    street: openField('sites', 'street', row.site_id, row.street),
    postal_code: openField('sites', 'postal_code', row.site_id, row.postal_code),
    city: openField('sites', 'city', row.site_id, row.city),
  };
}
