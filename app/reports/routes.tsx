// Service reports: pages and /api/v1 routes. The job's technician writes a
// draft (saved as they type), attaches photos (documents of the job, through
// the upload pipeline) and freezes it: the PDF is rendered, stored under a
// key nothing overwrites, and its SHA-256 recorded; the job then awaits
// sign-off. The customer signs on their own device, or on the technician's
// phone on site; signing draws the signature into the frozen PDF, seals it
// (PAdES) and records both hashes in one conditional update. What may
// happen when is sql/0012's to decide.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { Hono, type Context } from 'hono';
import postgres from 'postgres';
import sharp from 'sharp';
import { z } from 'zod';
import { auditFor } from '../audit/record.ts';
import type { Tx } from '../db/client.ts';
import { processUpload } from '../documents/process-upload.ts';
import { createDocument, findDocument } from '../documents/queries.ts';
import { documentSchema } from '../documents/schema.ts';
import { receiveUpload } from '../documents/receive-upload.ts';
import { serveVersion } from '../documents/serve-version.ts';
import type { FeatureDeps } from '../feature.ts';
import type { AppEnv, SessionUser } from '../http/context.ts';
import { HttpError, notFound, type Issue } from '../http/errors.ts';
import { requirePermission } from '../http/guards.ts';
import { renderPage } from '../http/layout.tsx';
import { idParam, issuesOf, readFormFields, requiredText } from '../http/validate.ts';
import { translator } from '../i18n/index.ts';
import { changeJobStatus, findJob } from '../jobs/queries.ts';
import { formatWhen } from '../jobs/views.tsx';
import {
  attachPhoto, createReport, findReport, listReportsOfJob, loadPdfInput, markFrozen, markRefused, markSigned, publicReport, saveDraft,
  type ReportDetail,
} from './queries.ts';
import { renderReportPdf, signatureBox } from './render-pdf.ts';
import { attachPhotoSchema, draftFormSchema, draftSchema, refuseSchema, reportSchema, signSchema } from './schema.ts';
import { loadSealKey, signAndSealPdf, type SealKey } from './seal.ts';
import { ReportPage, SignPage } from './views.tsx';

const scripts = {
  'report-draft.js': readFileSync(new URL('./assets/report-draft.js', import.meta.url)),
  'report-sign.js': readFileSync(new URL('./assets/report-sign.js', import.meta.url)),
  // the package's UMD build (its `require` export): it defines window.SignaturePad
  'signature_pad.js': readFileSync(createRequire(import.meta.url).resolve('signature_pad')),
};

/** The report photo upload streams its own body like the document uploads (app/documents/routes.tsx streamsOwnBody). */
export const reportPhotoPath = /^(\/api\/v1)?\/reports\/[^/]+\/photos$/;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();
const newObjectKey = (reportId: string) => `reports/${reportId}/${randomBytes(16).toString('hex')}.pdf`;

/** The database's refusal (sql/0012) says what is not possible: pass its words on as a 409. */
async function refused<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof postgres.PostgresError && (error.code === '55000' || error.code === '23505')) {
      const message = error.code === '23505' ? 'this job has a report being written or awaiting sign-off already' : error.message;
      throw new HttpError(409, 'report_refused', `This is not possible now: ${message}.`);
    }
    throw error;
  }
}

/** Sign-off on the customer's own device (reports.sign), or on the technician's on site (reports.write): the same routes for both. */
const signOffWays = [
  { how: 'own_device', permission: 'reports.sign', sign: 'sign', refuse: 'refuse', where: 'on your own device' },
  { how: 'on_site', permission: 'reports.write', sign: 'sign-on-site', refuse: 'refuse-on-site', where: "on the technician's device (the signer named)" },
] as const;

const decided = () => new HttpError(409, 'report_decided', 'This report was signed or refused already, or its PDF is not the one shown.');

export function reportRoutes(deps: FeatureDeps): Hono<AppEnv> {
  const { db, api, store, config } = deps;
  const pages = new Hono<AppEnv>();
  let sealKey: Promise<SealKey> | undefined;
  const seal = () => (sealKey ??= loadSealKey({
    keyPem: config.reports.sealKeyPem, certificatePem: config.reports.sealCertificatePem, keysDir: config.reports.keysDir,
    organisation: 'Kastell',
  }));
  // made at first run, not at the first signature: the certificate is published from the start
  void seal().catch((error: Error) => deps.log.error({ err: error }, 'the report-sealing key could not be loaded or made'));

  for (const [name, body] of Object.entries(scripts)) {
    pages.get(`/assets/reports/${name}`, (c) => {
      c.header('Cache-Control', 'public, max-age=3600');
      return c.body(body, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
    });
  }
  // the installation's report-sealing certificate, published
  pages.get('/report-seal.pem', async (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body((await seal()).certificatePem, 200, { 'Content-Type': 'application/x-pem-file' });
  });

  // ---- the work, shared by API and pages ----
  async function freeze(c: Context<AppEnv>, user: SessionUser, reportId: string): Promise<ReportDetail | undefined> {
    const audit = auditFor(c);
    return refused(db.withPrincipal(user, async (tx) => {
      const report = await findReport(tx, reportId, true);
      if (!report) return undefined;
      if (report.status !== 'draft') throw new HttpError(409, 'report_frozen', 'This report is frozen already: write a new version to change it.');
      const input = await loadPdfInput(tx, report);
      if (!input) return undefined;
      const photos = await Promise.all(input.photoKeys.map(async (p) => ({ title: p.title, bytes: await buffer(await store.get(p.objectKey)) })));
      const pdf = await renderReportPdf({ ...input, photos });
      const objectKey = newObjectKey(reportId);
      await store.put(objectKey, Readable.from([pdf]), pdf.length, report.companyId);
      if (!(await markFrozen(tx, audit, reportId, { objectKey, sha256: sha256(pdf) }))) throw new HttpError(409, 'report_frozen', 'This report is frozen already.');
      // the work is done and waits for the customer
      const job = await findJob(tx, report.jobId);
      if (job?.status === 'in_progress') {
        await changeJobStatus(tx, audit, report.jobId, { status: 'work_done' });
        await changeJobStatus(tx, audit, report.jobId, { status: 'awaiting_signoff' });
      }
      return findReport(tx, reportId);
    }));
  }

  /** Reads, and locks, the frozen report the signer was shown; a 409 when it is decided or another PDF. */
  async function lockShown(tx: Tx, reportId: string, shownSha256: string): Promise<ReportDetail | undefined> {
    const seen = await findReport(tx, reportId);
    if (!seen) return undefined;
    if (seen.status !== 'frozen' || seen.pdfSha256 !== shownSha256) throw decided();
    // a parallel sign-off waits here; after the winner commits the row no longer passes (decided)
    const locked = await findReport(tx, reportId, true);
    if (!locked || locked.status !== 'frozen' || locked.pdfSha256 !== shownSha256) throw decided();
    return locked;
  }

  async function sign(c: Context<AppEnv>, user: SessionUser, reportId: string, how: 'own_device' | 'on_site', input: z.infer<typeof signSchema>) {
    const png = await signaturePng(input.signature);
    const audit = auditFor(c);
    const auditor = c.get('auditor');
    const userAgent = c.req.header('user-agent');
    const ip = c.get('clientIp');
    const key = await seal();
    return refused(db.withPrincipal(user, async (tx) => {
      const report = await lockShown(tx, reportId, input.shownSha256);
      if (!report) return undefined;
      const frozen = await buffer(await store.get(report.pdfObjectKey!));
      // fail closed: a stored PDF that is not the one recorded is never signed
      if (sha256(frozen).toString('hex') !== report.pdfSha256) throw new HttpError(500, 'report_pdf_changed', 'The stored PDF does not match its recorded hash.');
      const t = translator(report.language);
      const when = formatWhen(new Date().toISOString());
      const sealed = await signAndSealPdf(frozen, key, {
        png, box: signatureBox,
        lines: [input.signerName, `${t('reports.pdf.signedOn', { when })} · ${t(`reports.how.${how}`)}`],
      }, 'Service report signed off');
      const objectKey = newObjectKey(reportId);
      await store.put(objectKey, Readable.from([Buffer.from(sealed)]), sealed.length, report.companyId);
      const signed = await markSigned(tx, audit, reportId, {
        signerName: input.signerName, how,
        ipHash: ip ? auditor.hmac(ip) : null, userAgentHash: userAgent ? auditor.hmac(userAgent) : null,
        shownSha256: Buffer.from(input.shownSha256, 'hex'), sealed: { objectKey, sha256: sha256(sealed) },
      });
      if (!signed) throw decided();
      return findReport(tx, reportId);
    }));
  }

  async function refuse(c: Context<AppEnv>, user: SessionUser, reportId: string, how: 'own_device' | 'on_site', input: z.infer<typeof refuseSchema>) {
    const audit = auditFor(c);
    return refused(db.withPrincipal(user, async (tx) => {
      if (!(await lockShown(tx, reportId, input.shownSha256))) return undefined;
      if (!(await markRefused(tx, audit, reportId, { comment: input.comment, shownSha256: Buffer.from(input.shownSha256, 'hex'), how }))) throw decided();
      return findReport(tx, reportId);
    }));
  }

  async function uploadPhoto(c: Context<AppEnv>, user: SessionUser, reportId: string)
    : Promise<{ report?: ReportDetail; issues?: Issue[]; status?: 'pending' | 'rejected'; documentId?: string }> {
    const report = await db.withPrincipal(user, (tx) => findReport(tx, reportId));
    if (!report) throw notFound();
    if (report.status !== 'draft') throw new HttpError(409, 'report_frozen', 'This report is frozen: write a new version to add photos.');
    const upload = await receiveUpload(c, { quarantineDir: config.documents.quarantineDir, limitFor: () => config.documents.maxBytes.photo });
    const parsed = photoFieldsSchema.safeParse({ title: upload.fields.title });
    if (!parsed.success) {
      await rm(upload.file.path, { force: true });
      return { issues: issuesOf(parsed.error, c.req.path.startsWith('/api/') ? undefined : c.get('t')) };
    }
    const result = await processUpload(deps, c, user, upload, {
      companyId: report.companyId,
      createDocument: (tx) => createDocument(tx, auditFor(c), { parent: 'job', parentId: report.jobId, companyId: report.companyId,
        title: parsed.data.title ?? upload.file.name.slice(0, 200), kind: 'photo', userId: user.userId }),
    });
    // not clean: the document exists (a retry would make a second one), the caller gets its id and state
    if (result.status !== 'clean') return { status: result.status, documentId: result.documentId };
    const attached = await refused(db.withPrincipal(user, (tx) => attachPhoto(tx, auditFor(c), reportId, result.documentId)));
    return { report: attached === 'not_clean' ? undefined : attached };
  }

  const photoNotClean = () => new HttpError(409, 'photo_not_clean', 'This photo has no clean version yet (it is being scanned, or was refused): attach it once it is clean.');
  const open = (found: ReportDetail | 'not_clean' | undefined) => (found === 'not_clean' ? Promise.reject(photoNotClean()) : found ? publicReport(found) : Promise.reject(notFound()));

  // ---- JSON API ----
  api.add({
    method: 'get', permission: 'reports.read', path: '/jobs/:jobId/reports', summary: "List a job's report versions, newest first (customers: frozen ones)", tag: 'reports',
    response: z.array(reportSchema),
    handler: async (c, { user }) => {
      const jobId = idParam(c, 'jobId');
      return db.withPrincipal(user, async (tx) => {
        if (!(await findJob(tx, jobId))) throw notFound();
        return (await listReportsOfJob(tx, jobId)).map(publicReport);
      });
    },
  });
  api.add({
    method: 'post', permission: 'reports.write', path: '/jobs/:jobId/reports', summary: "Start the job's report, or its next version after a decided one", tag: 'reports', status: 201,
    response: reportSchema,
    handler: async (c, { user }) => open(await refused(db.withPrincipal(user, (tx) => createReport(tx, auditFor(c), idParam(c, 'jobId'))))),
  });
  api.add({
    method: 'get', permission: 'reports.read', path: '/reports/:reportId', summary: 'Read one report version', tag: 'reports',
    response: reportSchema,
    handler: async (c, { user }) => open(await db.withPrincipal(user, (tx) => findReport(tx, idParam(c, 'reportId')))),
  });
  api.add({
    method: 'put', permission: 'reports.write', path: '/reports/:reportId/draft', summary: "Save a draft's text and measurements (as a whole)", tag: 'reports',
    body: draftSchema, response: reportSchema,
    handler: async (c, { body, user }) => open(await refused(db.withPrincipal(user, (tx) => saveDraft(tx, auditFor(c), idParam(c, 'reportId'), body)))),
  });
  api.add({
    method: 'post', permission: 'reports.write', path: '/reports/:reportId/attached-photos', summary: 'Attach a photo that is a document of the same job', tag: 'reports',
    body: attachPhotoSchema, response: reportSchema,
    handler: async (c, { body, user }) => open(await refused(db.withPrincipal(user, (tx) => attachPhoto(tx, auditFor(c), idParam(c, 'reportId'), body.documentId)))),
  });
  api.add({
    method: 'post', permission: 'reports.write', path: '/reports/:reportId/freeze', summary: 'Freeze the draft: render its PDF, record its SHA-256, ask for sign-off', tag: 'reports',
    response: reportSchema,
    handler: async (c, { user }) => open(await freeze(c, user, idParam(c, 'reportId'))),
  });
  for (const way of signOffWays) {
    api.add({
      method: 'post', permission: way.permission, path: `/reports/:reportId/${way.sign}`, summary: `Sign off the frozen report ${way.where}`, tag: 'reports',
      body: signSchema, response: reportSchema,
      handler: async (c, { body, user }) => open(await sign(c, user, idParam(c, 'reportId'), way.how, body)),
    });
    api.add({
      method: 'post', permission: way.permission, path: `/reports/:reportId/${way.refuse}`, summary: `Refuse the frozen report ${way.where}, with a comment (the job returns to in progress)`, tag: 'reports',
      body: refuseSchema, response: reportSchema,
      handler: async (c, { body, user }) => open(await refuse(c, user, idParam(c, 'reportId'), way.how, body)),
    });
  }
  // multipart, streamed: outside api.add (like the document uploads)
  api.router.post('/reports/:reportId/photos', async (c) => {
    const user = requirePermission(c, 'reports.write');
    const outcome = await uploadPhoto(c, user, idParam(c, 'reportId'));
    if (outcome.issues) throw new HttpError(422, 'invalid_input', 'Some fields are not valid: see issues.', outcome.issues);
    if (!outcome.report) {
      // the photo is a document of the job now, whatever its state: answer with it, so that a retry does not upload it twice
      const document = outcome.documentId ? await db.withPrincipal(user, (tx) => findDocument(tx, outcome.documentId!)) : undefined;
      const pending = outcome.status === 'pending';
      return c.json({
        error: {
          code: pending ? 'photo_pending' : 'photo_rejected',
          message: pending
            ? `The photo is stored as document ${outcome.documentId} but not scanned yet: it is retried; once it is clean, attach it with POST /api/v1/reports/${idParam(c, 'reportId')}/attached-photos {"documentId": "${outcome.documentId}"}. Do not upload it again.`
            : `The photo was refused: ${document?.versions[0]?.reason ?? 'see the document'}.`,
          requestId: c.get('requestId') ?? '',
        },
        document: document ? documentSchema.parse(document) : null,
      }, pending ? 202 : 422);
    }
    return c.json(reportSchema.parse(publicReport(outcome.report)), 201);
  });

  // ---- PDFs: read under RLS, audited in the same transaction ----
  for (const which of ['pdf', 'signed.pdf'] as const) {
    pages.get(`/reports/:reportId/${which}`, async (c) => {
      const user = requirePermission(c, 'reports.read');
      const reportId = idParam(c, 'reportId');
      const found = await db.withPrincipal(user, async (tx) => {
        const report = await findReport(tx, reportId);
        const objectKey = which === 'pdf' ? report?.pdfObjectKey : report?.sealedObjectKey;
        if (!report || !objectKey) return undefined;
        await auditFor(c)(tx, { action: 'report.read', entityType: 'service_report', entityId: reportId, companyId: report.companyId, detail: { which } });
        return { report, objectKey };
      });
      if (!found) throw notFound();
      // stored encrypted (app/crypto/encrypting-store.ts): the plain PDF, whose SHA-256 the report row and the audit trail name
      const bytes = await buffer(await store.get(found.objectKey));
      const body = Readable.from([bytes]);
      const size = bytes.length;
      const name = `report-${found.report.jobId.slice(-8)}-v${found.report.version}${which === 'pdf' ? '' : '-signed'}.pdf`;
      return serveVersion(c, { type: 'application/pdf', size, fileName: name, body: body as Readable }, 'attachment');
    });
  }

  // ---- pages ----
  const reportPage = async (c: Context<AppEnv>, jobId: string, issues: Issue[], status: 200 | 409 | 422 = 200) => {
    const user = requirePermission(c, 'reports.read');
    const data = await db.withPrincipal(user, async (tx) => {
      const job = await findJob(tx, jobId);
      return job ? { job, reports: await listReportsOfJob(tx, jobId) } : undefined;
    });
    if (!data) throw notFound();
    return renderPage(c, `${c.get('t')('reports.title')}: ${data.job.title}`, <ReportPage c={c} user={user} job={data.job} reports={data.reports} issues={issues} />, status);
  };
  const reportPageOf = async (c: Context<AppEnv>, user: SessionUser, reportId: string, issues: Issue[], status: 409 | 422) => {
    const report = await db.withPrincipal(user, (tx) => findReport(tx, reportId));
    if (!report) throw notFound();
    return reportPage(c, report.jobId, issues, status);
  };
  /** A refusal by the database or a decided report shows on the page instead of an error page. */
  const onPage = async (c: Context<AppEnv>, user: SessionUser, reportId: string, work: () => Promise<unknown>, done: string) => {
    try {
      if (!(await work())) throw notFound();
    } catch (error) {
      if (error instanceof HttpError && error.status === 409) {
        const message = error.code === 'report_decided' ? c.get('t')('reports.alreadyDecided') : error.message;
        return reportPageOf(c, user, reportId, [{ path: '(body)', message }], 409);
      }
      throw error;
    }
    return c.redirect(done, 303);
  };

  pages.get('/jobs/:jobId/report', (c) => reportPage(c, idParam(c, 'jobId'), []));

  pages.post('/jobs/:jobId/reports', async (c) => {
    const user = requirePermission(c, 'reports.write');
    const jobId = idParam(c, 'jobId');
    await readFormFields(c);
    try {
      if (!(await refused(db.withPrincipal(user, (tx) => createReport(tx, auditFor(c), jobId))))) throw notFound();
    } catch (error) {
      if (error instanceof HttpError && error.status === 409) return reportPage(c, jobId, [{ path: '(body)', message: error.message }], 409);
      throw error;
    }
    return c.redirect(`/jobs/${jobId}/report`, 303);
  });

  pages.post('/reports/:reportId/draft', async (c) => {
    const user = requirePermission(c, 'reports.write');
    const reportId = idParam(c, 'reportId');
    const parsed = draftFormSchema.safeParse(draftFromForm(await readFormFields(c)));
    if (!parsed.success) return reportPageOf(c, user, reportId, issuesOf(parsed.error, c.get('t')), 422);
    const jobId = await jobOf(user, reportId);
    return onPage(c, user, reportId, () => refused(db.withPrincipal(user, (tx) => saveDraft(tx, auditFor(c), reportId, parsed.data))), `/jobs/${jobId}/report`);
  });

  pages.post('/reports/:reportId/photos', async (c) => {
    const user = requirePermission(c, 'reports.write');
    const reportId = idParam(c, 'reportId');
    const outcome = await uploadPhoto(c, user, reportId);
    if (outcome.issues) return reportPageOf(c, user, reportId, outcome.issues, 422);
    if (!outcome.report) return reportPageOf(c, user, reportId, [{ path: 'file', message: c.get('t')(outcome.status === 'pending' ? 'documents.status.pending' : 'documents.status.rejected') }], 422);
    return c.redirect(`/jobs/${outcome.report.jobId}/report`, 303);
  });

  pages.post('/reports/:reportId/freeze', async (c) => {
    const user = requirePermission(c, 'reports.write');
    const reportId = idParam(c, 'reportId');
    await readFormFields(c);
    const jobId = await jobOf(user, reportId);
    return onPage(c, user, reportId, () => freeze(c, user, reportId), `/jobs/${jobId}/report`);
  });

  for (const { how, permission, sign: path, refuse: refusePath } of signOffWays) {
    const signPage = async (c: Context<AppEnv>, reportId: string, issues: Issue[], values: Record<string, string | undefined>, status: 200 | 409 | 422 = 200) => {
      const user = requirePermission(c, permission);
      const report = await db.withPrincipal(user, (tx) => findReport(tx, reportId));
      if (!report) throw notFound();
      if (report.status !== 'frozen') return c.redirect(`/jobs/${report.jobId}/report`, 303);
      return renderPage(c, c.get('t')('reports.signTitle'), <SignPage c={c} report={report} paths={{ sign: path, refuse: refusePath }} issues={issues} values={values} />, status);
    };
    pages.get(`/reports/:reportId/${path}`, (c) => signPage(c, idParam(c, 'reportId'), [], {}));
    pages.post(`/reports/:reportId/${path}`, async (c) => {
      const user = requirePermission(c, permission);
      const reportId = idParam(c, 'reportId');
      const fields = await readFormFields(c);
      const parsed = signSchema.safeParse(fields);
      if (!parsed.success) return signPage(c, reportId, issuesOf(parsed.error, c.get('t')), fields, 422);
      const jobId = await jobOf(user, reportId);
      return onPage(c, user, reportId, () => sign(c, user, reportId, how, parsed.data), `/jobs/${jobId}/report`);
    });
    pages.post(`/reports/:reportId/${refusePath}`, async (c) => {
      const user = requirePermission(c, permission);
      const reportId = idParam(c, 'reportId');
      const fields = await readFormFields(c);
      const parsed = refuseSchema.safeParse(fields);
      if (!parsed.success) return signPage(c, reportId, issuesOf(parsed.error, c.get('t')), fields, 422);
      const jobId = await jobOf(user, reportId);
      return onPage(c, user, reportId, () => refuse(c, user, reportId, how, parsed.data), `/jobs/${jobId}/report`);
    });
  }

  async function jobOf(user: SessionUser, reportId: string): Promise<string> {
    const report = await db.withPrincipal(user, (tx) => findReport(tx, reportId));
    if (!report) throw notFound();
    return report.jobId;
  }

  return pages;
}

const photoFieldsSchema = z.strictObject({ title: requiredText('issue.enterTitle', 200).optional() });

/** The drawn signature: a PNG of bounded size, re-encoded (nothing but pixels reaches the PDF). */
async function signaturePng(dataUrl: string): Promise<Buffer> {
  const bytes = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
  try {
    const image = sharp(bytes, { limitInputPixels: 4000 * 2000 });
    const { format, width = 0, height = 0 } = await image.metadata();
    if (format !== 'png' || width < 20 || height < 10) throw new Error('not a drawn signature');
    return await image.png().toBuffer();
  } catch {
    throw new HttpError(422, 'invalid_input', 'Some fields are not valid: see issues.', [{ path: 'signature', message: 'The signature is not a PNG image of a drawn signature.' }]);
  }
}

/** The draft form's fields: workDone, language and rows m.N.quantity / m.N.value / m.N.unit (an empty row is left out). */
function draftFromForm(fields: Record<string, string | undefined>) {
  const rows = new Map<number, Record<string, string | undefined>>();
  for (const [name, value] of Object.entries(fields)) {
    const match = /^m\.(\d{1,3})\.(quantity|value|unit)$/.exec(name);
    if (!match) continue;
    const row = rows.get(Number(match[1])) ?? {};
    row[match[2]!] = value;
    rows.set(Number(match[1]), row);
  }
  const { workDone, language } = fields;
  const unknown = Object.keys(fields).filter((name) => !/^m\.\d{1,3}\.(quantity|value|unit)$/.test(name) && !['workDone', 'language'].includes(name));
  return {
    workDone: workDone ?? '', language,
    measurements: [...rows.entries()].sort(([a], [b]) => a - b).map(([, row]) => row).filter((row) => row.quantity || row.value || row.unit),
    ...Object.fromEntries(unknown.map((name) => [name, fields[name]])),
  };
}
