// app/reports: service reports (sql/0012_service_reports.sql): a draft the job's technician writes (text, measurements,
// photos that are documents of the job), frozen into a PDF whose SHA-256 is recorded, then signed (own device or on
// site) or refused; customers see a report once it is frozen, never a draft.
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type postgres from 'postgres';
import sharp from 'sharp';
import { parseConfig } from '../../app/config.ts';
import { renderReportPdf } from '../../app/reports/render-pdf.ts';
import { createDocumentStore } from '../../app/storage/open-store.ts';
import { upload } from '../documents/support.ts';
import { startClamd } from '../harness/clamd.ts';
import { testDataDir } from '../harness/database.ts';
import { seedCompany, seedSession, seedSite, seedUser, type SeededUser } from '../harness/seed.ts';
import { startTestServer, type TestClient } from '../harness/server.ts';
import { rows as documentRows } from './documents.ts';
import { created, customerRoles, rolledBack, type AuditWorld, type FeatureKit, type Ids, type RoleKey } from './kit.ts';

// ---- what every part shares -------------------------------------------------

/** A drawn signature as signature_pad sends it (a PNG data URL), and one frozen PDF (rendered by the app's template): made once. */
const made: { signature: string; pdf: Buffer; pdfSha256: string } = { signature: '', pdf: Buffer.alloc(0), pdfSha256: '' };
async function makeSamples(): Promise<void> {
  if (made.pdfSha256) return;
  const png = await sharp({ create: { width: 300, height: 100, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([{ input: Buffer.from('<svg width="300" height="100"><path d="M5 80 C 60 5, 120 95, 295 20" stroke="black" stroke-width="3" fill="none"/></svg>') }])
    .png().toBuffer();
  made.signature = `data:image/png;base64,${png.toString('base64')}`;
  made.pdf = await renderReportPdf({
    language: 'en', organisation: 'Kastell test', company: 'Company', site: { name: 'Plant', address: '' }, assets: [],
    job: { jobId: randomUUID(), title: 'Report job', description: null },
    report: { reportId: randomUUID(), version: 1, frozenAt: new Date(), workDone: 'Replaced the seal.' },
    technicians: [], visits: [], measurements: [], photos: [],
  });
  made.pdfSha256 = createHash('sha256').update(made.pdf).digest('hex');
}

const objectKey = (reportId: string) => `reports/${reportId}/${randomBytes(16).toString('hex')}.pdf`;

/** Seeds as the superuser past the triggers (which guard the report's and the job's life for every caller, the superuser's seeding included). */
const pastTriggers = <T>(admin: postgres.Sql, work: (tx: postgres.TransactionSql) => Promise<T>) =>
  admin.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    return work(tx);
  }) as Promise<T>;

/** A clean version of a photo document, its JPEG in the store (attachPhoto takes only clean photos; freeze reads them). */
async function seedCleanPhoto(admin: postgres.Sql, dataDir: string, documentId: string, companyId: string, userId: string): Promise<void> {
  const bytes = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#6a2' } }).jpeg().toBuffer();
  const objectKey = `documents/${documentId}/${randomBytes(16).toString('hex')}`;
  const store = createDocumentStore(parseConfig({ KASTELL_DATABASE_URL: 'postgres://localhost/unused', KASTELL_DATA_DIR: dataDir }).storage);
  await store.put(objectKey, Readable.from([bytes]), bytes.length);
  await pastTriggers(admin, (tx) => tx`insert into kastell.document_versions (document_id, owner_company_id, file_name, status, detected_type, size, sha256, object_key, uploaded_by, decided_at)
    values (${documentId}, ${companyId}, 'photo.jpg', 'clean', 'image/jpeg', ${bytes.length}, ${createHash('sha256').update(bytes).digest()}, ${objectKey}, ${userId}, now())`);
}

/** A job of the company at its first site in the given state (assigned to `technician` when given). */
async function seedJob(tx: postgres.TransactionSql, companyId: string, title: string, status: 'in_progress' | 'awaiting_signoff', technician?: string): Promise<string> {
  const [job] = await tx`insert into kastell.jobs (company_id, site_id, title, status, planned_start, actual_start, report_frozen_at)
    select ${companyId}, site_id, ${title}, ${status}, now(), now(), ${status === 'awaiting_signoff' ? new Date() : null}
    from kastell.sites where company_id = ${companyId} order by site_id limit 1 returning job_id`;
  if (technician) await tx`insert into kastell.job_assignments (job_id, technician_id, company_id) values (${job!.job_id}, ${technician}, ${companyId})`;
  return job!.job_id as string;
}

/** A frozen report (the sample PDF's hash recorded) on the job; its PDF is put into `store` when given. */
async function seedFrozen(tx: postgres.TransactionSql, jobId: string, companyId: string, by: string, version = 1): Promise<string> {
  const reportId = randomUUID();
  await tx`insert into kastell.service_reports (report_id, job_id, company_id, version, status, work_done, language, created_by,
      frozen_at, frozen_by, pdf_object_key, pdf_sha256)
    values (${reportId}, ${jobId}, ${companyId}, ${version}, 'frozen', 'Frozen work', 'en', ${by}, now(), ${by}, ${objectKey(reportId)}, ${Buffer.from(made.pdfSha256, 'hex')})`;
  return reportId;
}

const isCustomer = (role: RoleKey) => (customerRoles as readonly string[]).includes(role);

// ---- RLS --------------------------------------------------------------------

/**
 * The RLS world's reports, seeded below. On the jobs kit's `jobA` (assigned to users.technician): version 1 refused
 * (with the job document as its photo) and version 2 a draft. On a job of A awaiting sign-off that no one of the world
 * is assigned to: a frozen report. In B: a refused report on the jobs kit's job (with its photo) and a frozen one on a
 * job awaiting sign-off. One measurement on each.
 */
const seeded = { refusedA: '', draftA: '', frozenA: '', refusedB: '', frozenB: '', signJobA: '', signJobB: '' };
const labels: Record<string, string> = {};
const labelsOf = (ids: string[]) => ids.map((id) => labels[id] ?? id).sort();

export const reports: FeatureKit = {
  feature: 'reports',
  rls: {
    seed: async ({ admin, users, world }) => {
      await makeSamples();
      const { A, B } = world;
      const { jobA, jobB, jobDocA, jobDocB } = documentRows;
      await pastTriggers(admin, async (tx) => {
        const refused = async (jobId: string, companyId: string, by: string) => {
          const reportId = await seedFrozen(tx, jobId, companyId, by);
          await tx`update kastell.service_reports set status = 'refused', refused_at = now(), refused_by = ${by}, refusal_comment = 'Still leaking'
            where report_id = ${reportId}`;
          return reportId;
        };
        seeded.refusedA = await refused(jobA, A, users.technician.userId);
        const [draft] = await tx`insert into kastell.service_reports (job_id, company_id, version, work_done, language, created_by)
          values (${jobA}, ${A}, 2, 'Alpha draft', 'en', ${users.technician.userId}) returning report_id`;
        seeded.draftA = draft!.report_id;
        seeded.signJobA = await seedJob(tx, A, 'Alpha sign-off', 'awaiting_signoff');
        seeded.frozenA = await seedFrozen(tx, seeded.signJobA, A, users.admin.userId);
        seeded.refusedB = await refused(jobB, B, users.admin.userId);
        seeded.signJobB = await seedJob(tx, B, 'Beta sign-off', 'awaiting_signoff');
        seeded.frozenB = await seedFrozen(tx, seeded.signJobB, B, users.admin.userId);
        Object.assign(labels, { [seeded.refusedA]: 'A refused', [seeded.draftA]: 'A draft', [seeded.frozenA]: 'A frozen', [seeded.refusedB]: 'B refused', [seeded.frozenB]: 'B frozen' });
        for (const [reportId, companyId] of [[seeded.refusedA, A], [seeded.draftA, A], [seeded.frozenA, A], [seeded.refusedB, B], [seeded.frozenB, B]] as const) {
          await tx`insert into kastell.report_measurements (report_id, company_id, position, quantity, value, unit)
            values (${reportId}, ${companyId}, 1, 'Pressure', 4.2, 'bar')`;
        }
        await tx`insert into kastell.report_photos (report_id, document_id, job_id, company_id, position)
          values (${seeded.refusedA}, ${jobDocA}, ${jobA}, ${A}, 1), (${seeded.refusedB}, ${jobDocB}, ${jobB}, ${B}, 1)`;
      });
    },
    cases: (w) => {
      const { admin, as, attempt, users, world, globalReaders } = w;
      const { A, B } = world;
      const { refusedA, draftA, frozenA, refusedB, frozenB } = seeded;
      const { jobA, jobB, jobDocA, jobDocB } = documentRows;
      // reports.read: global readers every report; the job's technician its job's (drafts too); customers their
      // company's once frozen (not drafts); the external auditor none
      const visible = (role: RoleKey) => labelsOf(globalReaders.includes(role) ? [refusedA, draftA, frozenA, refusedB, frozenB]
        : role === 'technician' ? [refusedA, draftA] : isCustomer(role) ? [refusedA, frozenA] : []);
      const withPhoto = new Set(['A refused', 'B refused']);
      const reportIdsIn = (table: string) => async (role: RoleKey | SeededUser) =>
        labelsOf((await as(role, (tx) => tx`select report_id from ${tx(table)}`)).map((r) => r.report_id));
      const sign = (reportId: string, how: 'own_device' | 'on_site') => rolledBack((tx) => tx`update service_reports set status = 'signed', signed_at = now(),
        signed_by = app.current_user_id(), signer_name = 'Signer', signed_how = ${how}, shown_sha256 = pdf_sha256,
        sealed_object_key = ${objectKey(reportId)}, sealed_sha256 = ${Buffer.alloc(32, 7)} where report_id = ${reportId} returning 1`);
      const refuse = (reportId: string) => rolledBack((tx) => tx`update service_reports set status = 'refused', refused_at = now(),
        refused_by = app.current_user_id(), refusal_comment = 'Not done' where report_id = ${reportId} returning 1`);
      return {
        reads: {
          service_reports: { read: reportIdsIn('service_reports'), expect: visible, noRowsWithoutPrincipal: true },
          report_measurements: { read: reportIdsIn('report_measurements'), expect: visible, noRowsWithoutPrincipal: true },
          report_photos: { read: reportIdsIn('report_photos'), expect: (role) => visible(role).filter((l) => withPhoto.has(l)), noRowsWithoutPrincipal: true },
        },
        // each rolled back, so every role starts from the same rows
        writes: [
          { name: 'save the draft of A', work: rolledBack((tx) => tx`update service_reports set work_done = 'Saved' where report_id = ${draftA} returning 1`),
            allowed: ['owner', 'admin', 'technician'] },
          { name: 'add a measurement to the draft of A', allowed: ['owner', 'admin', 'technician'],
            work: rolledBack((tx) => tx`insert into report_measurements (report_id, company_id, position, quantity, value, unit) values (${draftA}, ${A}, 2, 'Torque', 12, 'Nm') returning 1`) },
          { name: 'replace the measurements of the draft of A', allowed: ['owner', 'admin', 'technician'],
            work: rolledBack((tx) => tx`delete from report_measurements where report_id = ${draftA} returning 1`) },
          { name: "attach the job's document to the draft of A", allowed: ['owner', 'admin', 'technician'],
            work: rolledBack((tx) => tx`insert into report_photos (report_id, document_id, job_id, company_id, position) values (${draftA}, ${jobDocA}, ${jobA}, ${A}, 1) returning 1`) },
          { name: "attach B's job document to the draft of A", allowed: [],
            work: rolledBack((tx) => tx`insert into report_photos (report_id, document_id, job_id, company_id, position) values (${draftA}, ${jobDocB}, ${jobB}, ${A}, 1) returning 1`) },
          { name: 'freeze the draft of A (as oneself)', allowed: ['owner', 'admin', 'technician'],
            work: rolledBack((tx) => tx`update service_reports set status = 'frozen', frozen_at = now(), frozen_by = app.current_user_id(),
              pdf_object_key = ${objectKey(draftA)}, pdf_sha256 = ${Buffer.alloc(32, 1)} where report_id = ${draftA} returning 1`) },
          { name: "freeze the draft of A in another's name", allowed: [],
            work: rolledBack((tx) => tx`update service_reports set status = 'frozen', frozen_at = now(), frozen_by = ${users.dispatcher.userId},
              pdf_object_key = ${objectKey(draftA)}, pdf_sha256 = ${Buffer.alloc(32, 1)} where report_id = ${draftA} returning 1`) },
          { name: 'edit the frozen report of A', allowed: [],
            work: rolledBack((tx) => tx`update service_reports set work_done = 'Changed' where report_id = ${frozenA} returning 1`) },
          { name: 'change the PDF hash of the frozen report of A', allowed: [],
            work: rolledBack((tx) => tx`update service_reports set pdf_sha256 = ${Buffer.alloc(32)} where report_id = ${frozenA} returning 1`) },
          { name: 'add a measurement to the frozen report of A', allowed: [],
            work: rolledBack((tx) => tx`insert into report_measurements (report_id, company_id, position, quantity, value, unit) values (${frozenA}, ${A}, 2, 'Torque', 12, 'Nm') returning 1`) },
          { name: 'remove the photo of the refused report of A', allowed: [],
            work: rolledBack((tx) => tx`delete from report_photos where report_id = ${refusedA} returning 1`) },
          { name: 'sign the frozen report of A on own device', allowed: ['owner', 'admin', 'customer_admin'], work: sign(frozenA, 'own_device') },
          // on site is the job's technician's (no one of the world is assigned to it): the operator's global reports.write
          { name: 'sign the frozen report of A on site', allowed: ['owner', 'admin'], work: sign(frozenA, 'on_site') },
          { name: 'refuse the frozen report of A', allowed: ['owner', 'admin', 'customer_admin'], work: refuse(frozenA) },
          { name: 'sign the frozen report of B', allowed: ['owner', 'admin'], work: sign(frozenB, 'own_device') },
          { name: 'refuse the frozen report of B', allowed: ['owner', 'admin'], work: refuse(frozenB) },
          { name: 'sign the draft of A', allowed: [], work: sign(draftA, 'own_device') },
          { name: 'sign the refused report of A', allowed: [], work: sign(refusedA, 'own_device') },
          { name: 'sign the frozen report of A in another\'s name', allowed: [],
            work: rolledBack((tx) => tx`update service_reports set status = 'signed', signed_at = now(), signed_by = ${users.customer_member.userId},
              signer_name = 'Signer', signed_how = 'own_device', shown_sha256 = pdf_sha256, sealed_object_key = ${objectKey(frozenA)},
              sealed_sha256 = ${Buffer.alloc(32, 7)} where report_id = ${frozenA} returning 1`) },
          { name: 'supersede the refused report of A', allowed: [],
            work: rolledBack((tx) => tx`update service_reports set status = 'superseded' where report_id = ${refusedA} returning 1`) },
          { name: 'rewrite the refusal of A', allowed: [],
            work: rolledBack((tx) => tx`update service_reports set refusal_comment = 'Forged' where report_id = ${refusedA} returning 1`) },
          { name: 'start a report on a job not in progress (B)', allowed: [],
            work: rolledBack((tx) => tx`insert into service_reports (job_id, company_id, version, language, created_by) values (${jobB}, ${B}, 2, 'en', app.current_user_id()) returning 1`) },
          { name: 'delete a report', allowed: [], work: rolledBack((tx) => tx`delete from service_reports returning 1`) },
        ],
        checks: {
          'reports: a technician not assigned sees no report, measurement or photo; a customer of B only B\'s frozen and decided ones': async () => {
            const idle = await seedUser(admin, 'technician');
            for (const table of ['service_reports', 'report_measurements', 'report_photos', 'documents', 'document_versions']) {
              assert.equal((await as(idle, (tx) => tx`select 1 from ${tx(table)}`)).length, 0, table);
            }
            assert.deepEqual(await reportIdsIn('service_reports')(world.adminOfB), ['B frozen', 'B refused']);
            assert.deepEqual(await reportIdsIn('report_photos')(world.adminOfB), ['B refused']);
          },
          'reports: the job\'s technician starts its report once the job is in progress; an unassigned technician, the dispatcher and customers cannot': async () => {
            const onJob = await seedUser(admin, 'technician');
            const jobId = await pastTriggers(admin, (tx) => seedJob(tx, A, 'Alpha report start', 'in_progress', onJob.userId));
            const start = rolledBack((tx) => tx`insert into service_reports (job_id, company_id, version, language, created_by) values (${jobId}, ${A}, 1, 'en', app.current_user_id()) returning 1`);
            const outcomes: Record<string, string> = {};
            for (const [name, who] of [['assigned technician', onJob], ['unassigned technician', users.technician], ['owner', users.owner], ['admin', users.admin],
              ['dispatcher', users.dispatcher], ['customer_admin', users.customer_admin], ['support', users.support]] as const) {
              outcomes[name] = await attempt(who, start);
            }
            assert.deepEqual(outcomes, { 'assigned technician': 'ok', 'unassigned technician': 'denied', owner: 'ok', admin: 'ok', dispatcher: 'denied', customer_admin: 'denied', support: 'denied' });
            // in another's name: refused even for the assigned technician
            assert.equal(await attempt(onJob, rolledBack((tx) => tx`insert into service_reports (job_id, company_id, version, language, created_by)
              values (${jobId}, ${A}, 1, 'en', ${users.owner.userId}) returning 1`)), 'denied');
          },
        },
      };
    },
  },

  // ---- isolation ------------------------------------------------------------
  isolation: {
    // on the company's job (the jobs kit's): a draft with a measurement, and a document of the job to attach; and one
    // frozen report (its PDF stored) on a job awaiting sign-off for each decision: sign, sign on site, refuse, refuse on site
    ids: async (admin, { companyId, userId }) => {
      await makeSamples();
      const [{ name }] = await admin`select current_database() as name` as unknown as [{ name: string }];
      const store = createDocumentStore(parseConfig({ KASTELL_DATABASE_URL: 'postgres://localhost/unused', KASTELL_DATA_DIR: testDataDir(name) }).storage);
      const [job] = await admin`select job_id, title from kastell.jobs where company_id = ${companyId} order by job_id limit 1`;
      const word = String(job!.title).split(' ')[0];
      const ids = await pastTriggers(admin, async (tx) => {
        const [draft] = await tx`insert into kastell.service_reports (job_id, company_id, version, work_done, language, created_by)
          values (${job!.job_id}, ${companyId}, 1, ${`${word} draft`}, 'en', ${userId}) returning report_id`;
        await tx`insert into kastell.report_measurements (report_id, company_id, position, quantity, value, unit) values (${draft!.report_id}, ${companyId}, 1, 'Pressure', 4, 'bar')`;
        const [document] = await tx`insert into kastell.documents (owner_company_id, job_id, title, kind, created_by)
          values (${companyId}, ${job!.job_id}, ${`${word} gauge`}, 'photo', ${userId}) returning document_id`;
        const frozen = async (what: string) => seedFrozen(tx, await seedJob(tx, companyId, `${word} ${what}`, 'awaiting_signoff'), companyId, userId);
        return {
          reportId: draft!.report_id as string, photoDocumentId: document!.document_id as string,
          signReportId: await frozen('sign'), onSiteReportId: await frozen('on site'), refuseReportId: await frozen('refuse'), refuseOnSiteReportId: await frozen('refuse on site'),
        };
      });
      await seedCleanPhoto(admin, testDataDir(name), ids.photoDocumentId, companyId, userId);
      for (const reportId of [ids.signReportId, ids.onSiteReportId, ids.refuseReportId, ids.refuseOnSiteReportId]) {
        const [row] = await admin`select pdf_object_key from kastell.service_reports where report_id = ${reportId}`;
        await store.put(row!.pdf_object_key, Readable.from([made.pdf]), made.pdf.length);
      }
      return ids;
    },
    bodies: {
      'put /reports/:reportId/draft': { body: () => ({ workDone: 'Isolation draft', measurements: [{ quantity: 'Pressure', value: 1, unit: 'bar' }] }) },
      'post /reports/:reportId/attached-photos': { body: (ids) => ({ documentId: ids.photoDocumentId }), idsInBody: true },
      'post /reports/:reportId/sign': { body: () => ({ signerName: 'Isolation signer', signature: made.signature, shownSha256: made.pdfSha256 }),
        pathIds: (ids) => ({ reportId: ids.signReportId! }) },
      'post /reports/:reportId/sign-on-site': { body: () => ({ signerName: 'Isolation signer', signature: made.signature, shownSha256: made.pdfSha256 }),
        pathIds: (ids) => ({ reportId: ids.onSiteReportId! }) },
      'post /reports/:reportId/refuse': { body: () => ({ comment: 'Isolation refusal', shownSha256: made.pdfSha256 }),
        pathIds: (ids) => ({ reportId: ids.refuseReportId! }) },
      'post /reports/:reportId/refuse-on-site': { body: () => ({ comment: 'Isolation refusal', shownSha256: made.pdfSha256 }),
        pathIds: (ids) => ({ reportId: ids.refuseOnSiteReportId! }) },
    },
    pages: (ids) => {
      const signed = { signerName: 'Pwned', signature: made.signature, shownSha256: made.pdfSha256 };
      const refusal = { comment: 'Pwned', shownSha256: made.pdfSha256 };
      return {
        reads: [`/jobs/${ids.jobId}/report`, `/reports/${ids.signReportId}/pdf`, `/reports/${ids.signReportId}/signed.pdf`, `/reports/${ids.signReportId}/sign`],
        writes: [[`/jobs/${ids.jobId}/reports`, {}], [`/reports/${ids.reportId}/draft`, { workDone: 'Pwned' }], [`/reports/${ids.reportId}/freeze`, {}],
          [`/reports/${ids.signReportId}/sign`, signed], [`/reports/${ids.onSiteReportId}/sign-on-site`, signed],
          [`/reports/${ids.refuseReportId}/refuse`, refusal], [`/reports/${ids.refuseOnSiteReportId}/refuse-on-site`, refusal]],
      };
    },
    unchanged: {
      read: async (admin, ids) => ({
        reports: (await admin`select status, work_done from kastell.service_reports where company_id = ${ids.companyId!} order by status, report_id`).map((r) => `${r.status}: ${r.work_done}`),
        measurements: (await admin`select count(*)::int as n from kastell.report_measurements where company_id = ${ids.companyId!}`)[0]!.n,
        photos: (await admin`select count(*)::int as n from kastell.report_photos where company_id = ${ids.companyId!}`)[0]!.n,
      }),
      expect: { reports: ['draft: Beta draft', ...Array(4).fill('frozen: Frozen work')], measurements: 1, photos: 0 },
    },
    // the routes outside the registry (pages, PDFs, the streamed photo uploads), for a customer of A and for a
    // technician assigned to nothing (who holds reports.write, so only RLS refuses): B's ids answer as nobody's
    checks: ({ admin, world, idsOfB, idsOfNobody, clientOf, assertNothingOfB, withoutRequestId }) => ({
      "reports: a customer of A and an unassigned technician see none of B's reports, add no photo to them, and B's ids answer as nobody's": async () => {
        const nobody = idsOfNobody();
        const paths = (ids: Ids) => [`/api/v1/jobs/${ids.jobId}/reports`, `/api/v1/reports/${ids.reportId}`, `/api/v1/reports/${ids.signReportId}`,
          `/jobs/${ids.jobId}/report`, `/reports/${ids.signReportId}/pdf`, `/reports/${ids.signReportId}/signed.pdf`,
          `/reports/${ids.signReportId}/sign`, `/reports/${ids.onSiteReportId}/sign-on-site`];
        const same = (text: string) => withoutRequestId(text).replace(/Reference: [0-9a-f-]{36}/, 'Reference: ').replace(/nonce="[^"]*"/g, '');
        const photo = { name: 'seal.jpg', bytes: await sharp({ create: { width: 64, height: 48, channels: 3, background: '#2a6' } }).jpeg().toBuffer(), type: 'image/jpeg' };
        for (const user of [await seedUser(admin, 'customer_admin', world.A), await seedUser(admin, 'technician')]) {
          const client = await clientOf(user);
          const ofB = paths(idsOfB);
          const ofNobody = paths(nobody);
          for (const [i, path] of ofB.entries()) {
            const b = await client.get(path);
            const none = await client.get(ofNobody[i]!);
            assert.ok([403, 404].includes(b.status), `${path}: ${b.status}`);
            assert.equal(b.status, none.status, path);
            assert.equal(same(b.text), same(none.text), path);
            assertNothingOfB(b.text, path);
          }
          for (const [pathOfB, pathOfNobody] of [[`/api/v1/reports/${idsOfB.reportId}/photos`, `/api/v1/reports/${nobody.reportId}/photos`],
            [`/reports/${idsOfB.reportId}/photos`, `/reports/${nobody.reportId}/photos`]] as const) {
            const b = await upload(client, pathOfB, { title: 'Pwned' }, photo);
            const none = await upload(client, pathOfNobody, { title: 'Pwned' }, photo);
            assert.ok([403, 404].includes(b.status), `${pathOfB}: ${b.status} ${b.text.slice(0, 200)}`);
            assert.equal(b.status, none.status, pathOfB);
            assert.equal(same(b.text), same(none.text), pathOfB);
            assertNothingOfB(b.text, pathOfB);
          }
        }
        const [documents] = await admin`select count(*)::int as n from kastell.documents where owner_company_id = ${world.B} and job_id is not null`;
        assert.equal(documents!.n, 1, 'no photo was added to a job of B');
      },
    }),
  },

  // ---- audit ----------------------------------------------------------------
  // A company of their own with a customer admin, a technician and jobs in progress seeded for them; the report of
  // the first job is written, refused and rewritten until it is signed; each later sign-off has a job of its own.
  // The photo uploads run on a second server with a clamd (the shared one has none, and holds every upload pending).
  audit: {
    scenarios: {
      'POST /api/v1/jobs/:jobId/reports': {
        action: 'report.created',
        run: async (w) => {
          await makeSamples();
          const companyId = await seedCompany(w.t.admin, 'Reports AG');
          await seedSite(w.t.admin, companyId, 'Reports plant');
          const customer = await seedUser(w.t.admin, 'customer_admin', companyId);
          const technician = await seedUser(w.t.admin, 'technician');
          Object.assign(w.ids, { reportsCompany: companyId, reportsTechnician: technician.userId });
          people.customer = w.server.client().withSession(await seedSession(w.t.admin, customer.userId, '30 minutes'));
          people.technicianToken = await seedSession(w.t.admin, technician.userId, '12 hours');
          people.technician = w.server.client().withSession(people.technicianToken);
          w.ids.reportJob = await pastTriggers(w.t.admin, (tx) => seedJob(tx, companyId, 'Repair boiler', 'in_progress', technician.userId));
          const r = await people.technician.postJson(`/api/v1/jobs/${w.ids.reportJob}/reports`, {});
          w.ids.report = created(r, 'reportId');
          return r;
        },
      },
      'PUT /api/v1/reports/:reportId/draft': {
        action: 'report.draft_saved',
        run: (w) => people.technician.request('PUT', `/api/v1/reports/${w.ids.report}/draft`,
          { json: { workDone: 'Replaced the burner nozzle.', measurements: [{ quantity: 'Flue temperature', value: 142, unit: '°C' }] } }),
      },
      'POST /reports/:reportId/draft': {
        action: 'report.draft_saved',
        run: (w) => people.technician.postForm(`/reports/${w.ids.report}/draft`,
          { workDone: 'Replaced the burner nozzle. Cleaned the flue.', 'm.1.quantity': 'Flue temperature', 'm.1.value': '141,5', 'm.1.unit': '°C' }),
      },
      'POST /api/v1/reports/:reportId/photos': { action: 'report.photo_attached', run: async (w) => upload(await scanning(w), `/api/v1/reports/${w.ids.report}/photos`, { title: 'Nozzle' }, await photo()) },
      'POST /reports/:reportId/photos': { action: 'report.photo_attached', run: async (w) => upload(await scanning(w), `/reports/${w.ids.report}/photos`, { title: 'Flue' }, await photo()) },
      'POST /api/v1/reports/:reportId/attached-photos': {
        action: 'report.photo_attached',
        run: async (w) => {
          // a document of the job uploaded earlier, with a clean version (only clean photos are attached)
          const [document] = await w.t.admin`insert into kastell.documents (owner_company_id, job_id, title, kind, created_by)
            values (${w.ids.reportsCompany!}, ${w.ids.reportJob!}, 'Old burner', 'photo', ${w.ids.reportsTechnician!}) returning document_id`;
          await seedCleanPhoto(w.t.admin, testDataDir(w.t.name), document!.document_id, w.ids.reportsCompany!, w.ids.reportsTechnician!);
          return people.technician.postJson(`/api/v1/reports/${w.ids.report}/attached-photos`, { documentId: document!.document_id });
        },
      },
      'POST /api/v1/reports/:reportId/freeze': {
        action: 'report.frozen',
        run: async (w) => {
          const r = await people.technician.postJson(`/api/v1/reports/${w.ids.report}/freeze`, {});
          w.ids.shown = created(r, 'pdfSha256');
          return r;
        },
      },
      'POST /api/v1/reports/:reportId/refuse': {
        action: 'report.refused',
        run: (w) => people.customer.postJson(`/api/v1/reports/${w.ids.report}/refuse`, { comment: 'The flue is still sooty', shownSha256: w.ids.shown }),
      },
      'POST /jobs/:jobId/reports': {
        action: 'report.created',
        run: async (w) => {
          const r = await people.technician.postForm(`/jobs/${w.ids.reportJob}/reports`, {});
          const [report] = await w.t.admin`select report_id from kastell.service_reports where job_id = ${w.ids.reportJob!} and status = 'draft'`;
          w.ids.report = report?.report_id ?? '';
          return r;
        },
      },
      'POST /reports/:reportId/freeze': {
        action: 'report.frozen',
        run: (w) => people.technician.postForm(`/reports/${w.ids.report}/freeze`, {}),
      },
      'POST /reports/:reportId/refuse-on-site': {
        action: 'report.refused',
        run: async (w) => people.technician.postForm(`/reports/${w.ids.report}/refuse-on-site`, { comment: 'Wants the invoice first', shownSha256: await shownOf(w, w.ids.report!) }),
      },
      'POST /api/v1/reports/:reportId/refuse-on-site': {
        action: 'report.refused',
        run: async (w) => {
          const next = await nextFrozen(w.ids.reportJob!);
          return people.technician.postJson(`/api/v1/reports/${next.reportId}/refuse-on-site`, { comment: 'Not the right boiler', shownSha256: next.shown });
        },
      },
      'POST /reports/:reportId/refuse': {
        action: 'report.refused',
        run: async (w) => {
          const next = await nextFrozen(w.ids.reportJob!);
          return people.customer.postForm(`/reports/${next.reportId}/refuse`, { comment: 'Missing the flue reading', shownSha256: next.shown });
        },
      },
      'POST /api/v1/reports/:reportId/sign': {
        action: 'report.signed',
        run: async (w) => {
          const next = await nextFrozen(w.ids.reportJob!);
          return people.customer.postJson(`/api/v1/reports/${next.reportId}/sign`, { signerName: 'Rita Reports', signature: made.signature, shownSha256: next.shown });
        },
      },
      'POST /reports/:reportId/sign': {
        action: 'report.signed',
        run: async (w) => {
          const next = await nextFrozen(await jobOfTheirOwn(w, 'Service burner'));
          return people.customer.postForm(`/reports/${next.reportId}/sign`, { signerName: 'Rita Reports', signature: made.signature, shownSha256: next.shown });
        },
      },
      'POST /api/v1/reports/:reportId/sign-on-site': {
        action: 'report.signed',
        run: async (w) => {
          const next = await nextFrozen(await jobOfTheirOwn(w, 'Check pump'));
          return people.technician.postJson(`/api/v1/reports/${next.reportId}/sign-on-site`, { signerName: 'Carla Customer', signature: made.signature, shownSha256: next.shown });
        },
      },
      'POST /reports/:reportId/sign-on-site': {
        action: 'report.signed',
        run: async (w) => {
          const next = await nextFrozen(await jobOfTheirOwn(w, 'Check valves'));
          return people.technician.postForm(`/reports/${next.reportId}/sign-on-site`, { signerName: 'Carla Customer', signature: made.signature, shownSha256: next.shown });
        },
      },
    },
  },
};

// ---- the audit scenarios' helpers ---------------------------------------------

const people = {} as { customer: TestClient; technician: TestClient; technicianToken: string };
const scanners = new WeakMap<AuditWorld, Promise<TestClient>>();

/** The technician on a second server of the same database and data folder, with a clamd: its uploads are scanned and stored clean. */
function scanning(w: AuditWorld): Promise<TestClient> {
  let client = scanners.get(w);
  if (!client) {
    client = (async () => {
      const clamd = await startClamd();
      const server = await startTestServer(w.t, { KASTELL_CLAMD_SOCKET: clamd.socket, KASTELL_CLAMD_TIMEOUT_MS: '10000' });
      return server.client().withSession(people.technicianToken);
    })();
    scanners.set(w, client);
  }
  return client;
}

const photo = async () => ({ name: 'burner.jpg', bytes: await sharp({ create: { width: 320, height: 200, channels: 3, background: '#a62' } }).jpeg().toBuffer(), type: 'image/jpeg' });

async function shownOf(w: AuditWorld, reportId: string): Promise<string> {
  const [report] = await w.t.admin`select encode(pdf_sha256, 'hex') as sha from kastell.service_reports where report_id = ${reportId}`;
  return report?.sha ?? '';
}

/** The job's next report, started and frozen by the technician through the API: its id and the hash of the PDF shown. */
async function nextFrozen(jobId: string): Promise<{ reportId: string; shown: string }> {
  const started = await people.technician.postJson(`/api/v1/jobs/${jobId}/reports`, {});
  assert.equal(started.status, 201, started.text);
  const reportId = created(started, 'reportId');
  await people.technician.request('PUT', `/api/v1/reports/${reportId}/draft`, { json: { workDone: 'Done again', measurements: [] } });
  const frozen = await people.technician.postJson(`/api/v1/reports/${reportId}/freeze`, {});
  assert.equal(frozen.status, 200, frozen.text);
  return { reportId, shown: created(frozen, 'pdfSha256') };
}

/** Another job of the scenarios' company in progress, assigned to their technician. */
const jobOfTheirOwn = (w: AuditWorld, title: string) =>
  pastTriggers(w.t.admin, (tx) => seedJob(tx, w.ids.reportsCompany!, title, 'in_progress', w.ids.reportsTechnician!));
