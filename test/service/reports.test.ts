// Service reports end to end with the real pieces: a draft written and saved
// through the API and the pages, a photo through the upload pipeline (real
// clamd, sharp), the frozen PDF (pdfkit) whose hash is recorded, sign-off
// (exactly one of parallel attempts wins), the sealed PDF (PAdES, checked by
// its byte range and key), `kastell report verify` accepting it and
// rejecting one changed byte and an altered audit event, refusal and the
// next version, and the database refusing edits of a frozen report and a
// job signed without its report, in SQL under the application's role.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import postgres from 'postgres';
import sharp from 'sharp';
import type { Tx } from '../../app/db/client.ts';
import { checkSeal, certificateDer } from '../../app/reports/seal.ts';
import { runCli } from '../audit/support.ts';
import { download, upload } from '../documents/support.ts';
import { startClamd } from '../harness/clamd.ts';
import { createTestDatabase, testDataDir } from '../harness/database.ts';
import { seedAsset, seedCompany, seedSession, seedSite, seedUser, type SeededUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const clamd = await startClamd();
const server = await startTestServer(t, { KASTELL_CLAMD_SOCKET: clamd.socket, KASTELL_CLAMD_TIMEOUT_MS: '10000' });
const dataDir = testDataDir(t.name);
const A = await seedCompany(t.admin, 'Alpha AG');
const B = await seedCompany(t.admin, 'Beta GmbH');
const siteA = await seedSite(t.admin, A, 'Alpha plant');
const pumpA = await seedAsset(t.admin, A, siteA, 'Alpha pump');
const signerA = await seedUser(t.admin, 'customer_admin', A);
const memberA = await seedUser(t.admin, 'customer_member', A);
const customerOfB = await seedUser(t.admin, 'customer_admin', B);
const dispatcher = await seedUser(t.admin, 'dispatcher');
const tech = await seedUser(t.admin, 'technician');
const otherTech = await seedUser(t.admin, 'technician');

const clientOf = async (user: SeededUser) => server.client().withSession(await seedSession(t.admin, user.userId, '30 minutes'));
const as = <T>(user: SeededUser, work: (tx: Tx) => Promise<T>) => t.db.withPrincipal({ userId: user.userId }, work);
const sqlState = (work: Promise<unknown>) => work.then(() => 'ok', (e: unknown) => (e instanceof postgres.PostgresError ? e.code : String(e)));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const put = (c: Awaited<ReturnType<typeof clientOf>>, path: string, json: unknown) => c.request('PUT', path, { json });

/** A job in progress at site A with the pump, assigned to `tech`. */
async function jobInProgress(title: string): Promise<string> {
  const d = await clientOf(dispatcher);
  const job = (await d.postJson('/api/v1/jobs', { siteId: siteA, title, assetIds: [pumpA] })).json().jobId as string;
  assert.equal((await d.postJson(`/api/v1/jobs/${job}/technicians`, { technicianId: tech.userId })).status, 200);
  assert.equal((await d.postJson(`/api/v1/jobs/${job}/status`, { status: 'scheduled', plannedStart: '2026-12-02T08:00:00Z' })).status, 200);
  const started = await (await clientOf(tech)).postJson(`/api/v1/jobs/${job}/status`, { status: 'in_progress' });
  assert.equal(started.status, 200, started.text);
  return job;
}

async function signature(): Promise<string> {
  const png = await sharp({ create: { width: 300, height: 100, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([{ input: Buffer.from('<svg width="300" height="100"><path d="M5 80 C 60 5, 120 95, 295 20" stroke="black" stroke-width="3" fill="none"/></svg>') }])
    .png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

const ids = {} as { job: string; report: string; shown: string; sealedSha: string; sealedFile: string };

test('the technician writes a draft (API and page), attaches a photo through the pipeline and freezes it; the job awaits sign-off', async () => {
  ids.job = await jobInProgress('Repair pump');
  const tc = await clientOf(tech);
  const created = await tc.postJson(`/api/v1/jobs/${ids.job}/reports`, {});
  assert.equal(created.status, 201, created.text);

  ids.report = created.json().reportId;
  assert.equal(created.json().status, 'draft');
  assert.equal(created.json().version, 1);
  assert.equal((await tc.postJson(`/api/v1/jobs/${ids.job}/reports`, {})).status, 409, 'one open report per job');

  // a customer sees no draft
  const customer = await clientOf(signerA);
  assert.deepEqual((await customer.get(`/api/v1/jobs/${ids.job}/reports`)).json(), []);

  // bad input: a 422 and nothing written
  const bad = await put(tc, `/api/v1/reports/${ids.report}/draft`, { workDone: 'x', measurements: [{ quantity: 'Pressure', value: 'lots', unit: 'bar' }] });
  assert.equal(bad.status, 422, bad.text);
  assert.equal((await tc.get(`/api/v1/reports/${ids.report}`)).json().workDone, '');

  const saved = await put(tc, `/api/v1/reports/${ids.report}/draft`, {
    workDone: 'Replaced the shaft seal.\nChecked the pressure.', measurements: [{ quantity: 'Pressure', value: 4.2, unit: 'bar' }, { quantity: 'Leak rate', value: '0,0', unit: 'l/h' }],
  });
  assert.equal(saved.status, 200, saved.text);
  assert.deepEqual(saved.json().measurements, [{ quantity: 'Pressure', value: 4.2, unit: 'bar' }, { quantity: 'Leak rate', value: 0, unit: 'l/h' }]);

  // the page form (no JavaScript) saves the same way
  const page = await tc.get(`/jobs/${ids.job}/report`);
  assert.equal(page.status, 200);
  assert.match(page.text, /report-draft\.js/);
  assert.equal((await tc.get('/assets/reports/report-draft.js')).status, 200);
  const posted = await tc.postForm(`/reports/${ids.report}/draft`, {
    workDone: 'Replaced the shaft seal. Checked the pressure.', language: 'de',
    'm.1.quantity': 'Pressure', 'm.1.value': '4,2', 'm.1.unit': 'bar', 'm.2.quantity': '', 'm.2.value': '', 'm.2.unit': '',
  });
  assert.equal(posted.status, 303, posted.text);
  const afterForm = (await tc.get(`/api/v1/reports/${ids.report}`)).json();
  assert.equal(afterForm.language, 'de');
  assert.deepEqual(afterForm.measurements, [{ quantity: 'Pressure', value: 4.2, unit: 'bar' }]);

  // a photo: a document of the job, through the real pipeline, then on the report
  const photo = await sharp({ create: { width: 320, height: 200, channels: 3, background: '#2a6' } }).jpeg().toBuffer();
  const uploaded = await upload(tc, `/api/v1/reports/${ids.report}/photos`, { title: 'New seal' }, { name: 'seal.jpg', bytes: photo, type: 'image/jpeg' });
  assert.equal(uploaded.status, 201, uploaded.text);
  assert.deepEqual(uploaded.json().photos.map((p: { title: string }) => p.title), ['New seal']);
  const [document] = await t.admin`select job_id, kind from kastell.documents where document_id = ${uploaded.json().photos[0].documentId}`;
  assert.equal(document!.job_id, ids.job);
  assert.equal(document!.kind, 'photo');

  const frozen = await tc.postJson(`/api/v1/reports/${ids.report}/freeze`, {});
  assert.equal(frozen.status, 200, frozen.text);
  assert.equal(frozen.json().status, 'frozen');
  ids.shown = frozen.json().pdfSha256;
  assert.match(ids.shown, /^[0-9a-f]{64}$/);
  const job = (await tc.get(`/api/v1/jobs/${ids.job}`)).json();
  assert.equal(job.status, 'awaiting_signoff');
  assert.deepEqual(job.history.map((h: { toStatus: string }) => h.toStatus), ['new', 'scheduled', 'in_progress', 'work_done', 'awaiting_signoff']);

  const pdf = await download(customer, `/reports/${ids.report}/pdf`);
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  assert.equal(sha256(pdf.bytes), ids.shown, 'the PDF served is exactly the one whose hash was recorded');
  assert.match(pdf.bytes.subarray(0, 8).toString('latin1'), /^%PDF-1\./);
  assert.match(pdf.bytes.toString('latin1'), /\/Subtype \/Image/, 'the photo is in the PDF');
});

test('a frozen report is never edited: by every route, and in SQL under the technician', async () => {
  const tc = await clientOf(tech);
  assert.equal((await put(tc, `/api/v1/reports/${ids.report}/draft`, { workDone: 'changed' })).status, 409);
  assert.equal((await tc.postForm(`/reports/${ids.report}/draft`, { workDone: 'changed' })).status, 409);
  assert.equal((await tc.postJson(`/api/v1/reports/${ids.report}/freeze`, {})).status, 409);
  assert.equal(await sqlState(as(tech, (tx) => tx`update service_reports set work_done = 'changed' where report_id = ${ids.report}`)), '55000');
  assert.equal(await sqlState(as(tech, (tx) => tx`insert into report_measurements (report_id, company_id, position, quantity, value, unit)
    values (${ids.report}, ${A}, 9, 'Added later', 1, 'x')`)), '55000');
  assert.equal(await sqlState(as(tech, (tx) => tx`delete from report_photos where report_id = ${ids.report}`)), '55000');
  assert.equal(await sqlState(as(tech, (tx) => tx`update service_reports set pdf_sha256 = ${Buffer.alloc(32)} where report_id = ${ids.report}`)), '55000');
  // even the owner's superuser session cannot delete a report
  assert.equal(await sqlState(t.admin`delete from kastell.service_reports where report_id = ${ids.report}`), '42501');
  // signing is the customer's, and writes its own fields only as the signer
  assert.equal(await sqlState(as(tech, (tx) => tx`update service_reports set status = 'signed' where report_id = ${ids.report}`)), '42501');
  // nor may the customer write the signature's fields without signing
  assert.equal(await sqlState(as(signerA, (tx) => tx`update service_reports set signer_ip_hash = ${Buffer.alloc(32)} where report_id = ${ids.report}`)), '55000');
});

test('who may sign: not a member without reports.sign, not another company, not an unassigned technician', async () => {
  const body = { signerName: 'Mia Member', signature: await signature(), shownSha256: ids.shown };
  assert.equal((await (await clientOf(memberA)).postJson(`/api/v1/reports/${ids.report}/sign`, body)).status, 403);
  const other = await clientOf(customerOfB);
  assert.equal((await other.postJson(`/api/v1/reports/${ids.report}/sign`, body)).status, 404);
  assert.equal((await other.get(`/api/v1/reports/${ids.report}`)).status, 404);
  assert.equal((await download(other, `/reports/${ids.report}/pdf`)).status, 404);
  const stranger = await clientOf(otherTech);
  assert.equal((await stranger.postJson(`/api/v1/reports/${ids.report}/sign-on-site`, body)).status, 404);
  assert.equal((await stranger.get(`/api/v1/jobs/${ids.job}/reports`)).status, 404);
  // a signature over another PDF than the one frozen is refused
  const customer = await clientOf(signerA);
  assert.equal((await customer.postJson(`/api/v1/reports/${ids.report}/sign`, { ...body, shownSha256: '0'.repeat(64) })).status, 409);
  assert.equal((await customer.postJson(`/api/v1/reports/${ids.report}/sign`, { ...body, signature: 'data:image/png;base64,AAAA' })).status, 422);
});

// asvs: V2.3.4
test('parallel sign-offs: exactly one wins; the sealed PDF starts with the bytes shown and its seal verifies', async () => {
  const customer = await clientOf(signerA);
  const body = { signerName: 'Anna Alpha', signature: await signature(), shownSha256: ids.shown };
  const answers = await Promise.all(Array.from({ length: 8 }, () => customer.postJson(`/api/v1/reports/${ids.report}/sign`, body)));
  const statuses = answers.map((a) => a.status).sort();
  assert.deepEqual(statuses, [200, 409, 409, 409, 409, 409, 409, 409], answers.map((a) => a.text).join('\n'));
  const signed = answers.find((a) => a.status === 200)!.json();
  assert.equal(signed.status, 'signed');
  assert.equal(signed.signedHow, 'own_device');
  assert.equal(signed.signerName, 'Anna Alpha');
  const [row] = await t.admin`select signed_by, signer_ip_hash, signer_ua_hash, shown_sha256 from kastell.service_reports where report_id = ${ids.report}`;
  assert.equal(row!.signed_by, signerA.userId);
  assert.equal(row!.signer_ip_hash.length, 32, 'a keyed hash of the IP, not the IP');
  assert.equal(row!.signer_ua_hash.length, 32);
  assert.equal(row!.shown_sha256.toString('hex'), ids.shown);
  assert.equal((await customer.get(`/api/v1/jobs/${ids.job}`)).json().status, 'signed', 'the job follows its report');

  const frozen = await download(customer, `/reports/${ids.report}/pdf`);
  const sealed = await download(customer, `/reports/${ids.report}/signed.pdf`);
  assert.equal(sealed.status, 200);
  assert.equal(sha256(sealed.bytes), signed.sealedSha256);
  assert.ok(sealed.bytes.subarray(0, frozen.bytes.length).equals(frozen.bytes), 'the sealed PDF is the shown PDF plus an incremental update');
  const certificate = certificateDer((await customer.get('/report-seal.pem')).text);
  assert.deepEqual(await checkSeal(sealed.bytes, certificate), { ok: true, signedAt: (await checkSeal(sealed.bytes, certificate) as { signedAt: Date }).signedAt });
  const [event] = await t.admin`select detail from audit.events where action = 'report.signed' and entity_id = ${ids.report}`;
  assert.equal(event!.detail.sealedSha256, signed.sealedSha256, 'the sealed PDF\'s hash is in the audit event');
  assert.equal(event!.detail.shownSha256, ids.shown);
  ids.sealedSha = signed.sealedSha256;
  const dir = mkdtempSync(join(tmpdir(), 'kastell-report-'));
  ids.sealedFile = join(dir, 'signed.pdf');
  writeFileSync(ids.sealedFile, sealed.bytes);
  // signed is final: no second signature, no refusal
  assert.equal((await customer.postJson(`/api/v1/reports/${ids.report}/refuse`, { comment: 'no', shownSha256: ids.shown })).status, 409);
  assert.equal(await sqlState(as(signerA, (tx) => tx`update service_reports set signer_name = 'Someone else' where report_id = ${ids.report}`)), 'ok',
    'RLS hides a signed report from the signer\'s update (no row changes)');
  const [still] = await t.admin`select signer_name from kastell.service_reports where report_id = ${ids.report}`;
  assert.equal(still!.signer_name, 'Anna Alpha');
});

test('`kastell report verify` accepts the stored PDF, rejects it after one changed byte and after its audit event is altered', async () => {
  const env = { KASTELL_DATABASE_URL: t.appUrl, KASTELL_DATA_DIR: dataDir };
  const ok = await runCli(['report', 'verify', ids.sealedFile], env);
  assert.equal(ok.code, 0, ok.stderr + ok.stdout);
  assert.match(ok.stdout, new RegExp(`OK: .* ${ids.sealedSha}`));

  const bytes = (await import('node:fs')).readFileSync(ids.sealedFile);
  const changed = Buffer.from(bytes);
  // one byte of the frozen part (well before the signature's own bytes)
  changed[300] = changed[300]! ^ 0x01;
  const changedFile = `${ids.sealedFile}.changed.pdf`;
  writeFileSync(changedFile, changed);
  const rejected = await runCli(['report', 'verify', changedFile], env);
  assert.equal(rejected.code, 1, rejected.stdout);
  assert.match(rejected.stderr, /REJECTED: .*seal/);

  // the event altered (past the triggers, as only the superuser could): the chain breaks
  await t.admin.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`update audit.events set detail = detail || '{"how": "on_site"}' where action = 'report.signed' and entity_id = ${ids.report}`;
  });
  const altered = await runCli(['report', 'verify', ids.sealedFile], env);
  assert.equal(altered.code, 1, altered.stdout);
  assert.match(altered.stderr, /REJECTED: .*audit: the chain does not verify/);
  // and an event that no longer names the file
  await t.admin.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`update audit.events set detail = detail - 'how' || jsonb_build_object('sealedSha256', ${'0'.repeat(64)}::text) where action = 'report.signed' and entity_id = ${ids.report}`;
  });
  const renamed = await runCli(['report', 'verify', ids.sealedFile], env);
  assert.equal(renamed.code, 1, renamed.stdout);
  assert.match(renamed.stderr, /REJECTED/);
});

test('refused on site with a comment: the job returns to in progress; the next version supersedes it and starts from its text', async () => {
  const job = await jobInProgress('Check valves');
  const tc = await clientOf(tech);
  const report = (await tc.postJson(`/api/v1/jobs/${job}/reports`, {})).json().reportId;
  await put(tc, `/api/v1/reports/${report}/draft`, { workDone: 'Valves checked', measurements: [{ quantity: 'Torque', value: 12, unit: 'Nm' }] });
  const shown = (await tc.postJson(`/api/v1/reports/${report}/freeze`, {})).json().pdfSha256;
  // the sign page on the technician's phone, at phone size the form is there
  const signPage = await tc.get(`/reports/${report}/sign-on-site`);
  assert.equal(signPage.status, 200);
  assert.match(signPage.text, /signature-canvas/);
  assert.equal((await tc.postJson(`/api/v1/reports/${report}/refuse-on-site`, { comment: '', shownSha256: shown })).status, 422, 'a refusal needs a comment');
  const refusedAnswer = await tc.postJson(`/api/v1/reports/${report}/refuse-on-site`, { comment: 'Valve 3 still drips', shownSha256: shown });
  assert.equal(refusedAnswer.status, 200, refusedAnswer.text);
  assert.equal(refusedAnswer.json().status, 'refused');
  const jobNow = (await tc.get(`/api/v1/jobs/${job}`)).json();
  assert.equal(jobNow.status, 'in_progress');
  assert.equal(jobNow.statusReason, 'service report refused', 'the comment stays sealed on the report (sql/0025)');
  assert.equal(refusedAnswer.json().refusalComment, 'Valve 3 still drips');
  assert.match((await tc.request('GET', `/jobs/${job}`, { headers: { 'Accept-Language': 'de' } })).text, /der Servicerapport wurde abgelehnt/);
  assert.equal(jobNow.reportFrozenAt, null, 'work_done needs the next frozen version');

  const next = await tc.postJson(`/api/v1/jobs/${job}/reports`, {});
  assert.equal(next.status, 201, next.text);
  assert.equal(next.json().version, 2);
  assert.equal(next.json().workDone, 'Valves checked');
  assert.deepEqual(next.json().measurements, [{ quantity: 'Torque', value: 12, unit: 'Nm' }]);
  const versions = (await tc.get(`/api/v1/jobs/${job}/reports`)).json();
  assert.deepEqual(versions.map((r: { version: number; status: string }) => [r.version, r.status]), [[2, 'draft'], [1, 'superseded']]);
  // the on-site signature of version 2: signed under the technician's session, the signer named
  const shown2 = (await tc.postJson(`/api/v1/reports/${next.json().reportId}/freeze`, {})).json().pdfSha256;
  const onSite = await tc.postJson(`/api/v1/reports/${next.json().reportId}/sign-on-site`, { signerName: 'Carla Customer', signature: await signature(), shownSha256: shown2 });
  assert.equal(onSite.status, 200, onSite.text);
  assert.equal(onSite.json().signedHow, 'on_site');
  const [row] = await t.admin`select signed_by, signer_name from kastell.service_reports where report_id = ${next.json().reportId}`;
  assert.equal(row!.signed_by, tech.userId);
  assert.equal(row!.signer_name, 'Carla Customer');
});

// asvs: V2.3.1
test('the database: a job is signed only by signing its report, and a report is written only while its job is in progress', async () => {
  const d = await clientOf(dispatcher);
  const job = (await d.postJson('/api/v1/jobs', { siteId: siteA, title: 'Not started' })).json().jobId;
  assert.equal(await sqlState(as(dispatcher, (tx) => tx`update jobs set status = 'signed' where job_id = ${job}`)), '55000', 'new → signed');
  assert.equal(await sqlState(as(tech, (tx) => tx`insert into service_reports (job_id, company_id, version, language, created_by)
    values (${job}, ${A}, 1, 'en', ${tech.userId})`)), '55000', 'no report before the work starts');
  // awaiting sign-off past the triggers, with no signed report: a dispatcher cannot sign it
  await t.admin.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`update kastell.jobs set status = 'awaiting_signoff', actual_start = now(), report_frozen_at = now() where job_id = ${job}`;
  });
  assert.equal(await sqlState(as(dispatcher, (tx) => tx`update jobs set status = 'signed' where job_id = ${job}`)), '55000');
});

test('a photo the scanner holds: 202 with its document (pending), no duplicate on a retry, attachable only once clean', async () => {
  const job = await jobInProgress('Held photo');
  const report = (await (await clientOf(tech)).postJson(`/api/v1/jobs/${job}/reports`, {})).json().reportId as string;
  // the same database and data directory, with the scanner unreachable
  const { testSecretKey, testSecretKeyId } = await import('../harness/seed.ts');
  const blind = await startTestServer(t, { KASTELL_CLAMD_SOCKET: join(dataDir, 'no-clamd.sock'), KASTELL_CLAMD_TIMEOUT_MS: '2000' });
  const tc = blind.client().withSession(await seedSession(t.admin, tech.userId, '30 minutes'));
  const photo = await sharp({ create: { width: 320, height: 200, channels: 3, background: '#a62' } }).jpeg().toBuffer();
  const held = await upload(tc, `/api/v1/reports/${report}/photos`, { title: 'Held seal' }, { name: 'held.jpg', bytes: photo, type: 'image/jpeg' });
  assert.equal(held.status, 202, held.text);
  const body = held.json();
  assert.equal(body.error.code, 'photo_pending');
  assert.equal(body.document.parent.type, 'job');
  assert.equal(body.document.parent.id, job);
  assert.equal(body.document.versions[0].status, 'pending');
  assert.match(body.error.message, new RegExp(body.document.documentId));
  const documentId = body.document.documentId as string;
  const ofJob = async () => (await t.admin`select count(*)::int as n from kastell.documents where job_id = ${job}`)[0]!.n;
  assert.equal(await ofJob(), 1);

  // attaching it before it is clean is refused, and nothing is attached
  const early = await tc.postJson(`/api/v1/reports/${report}/attached-photos`, { documentId });
  assert.equal(early.status, 409, early.text);
  assert.equal(early.json().error.code, 'photo_not_clean');
  assert.deepEqual((await tc.get(`/api/v1/reports/${report}`)).json().photos, []);

  // the retry (scanner back) makes it clean; then the client attaches the same document
  const retried = await runCli(['documents', 'retry-held'], {
    KASTELL_CLAMD_SOCKET: clamd.socket, KASTELL_DATABASE_URL: t.appUrl, KASTELL_DATA_DIR: dataDir,
    KASTELL_SECRET_KEY: testSecretKey.toString('base64'), KASTELL_SECRET_KEY_ID: testSecretKeyId,
  });
  assert.equal(retried.code, 0, retried.stdout + retried.stderr);
  const attached = await tc.postJson(`/api/v1/reports/${report}/attached-photos`, { documentId });
  assert.equal(attached.status, 200, attached.text);
  assert.deepEqual(attached.json().photos.map((p: { documentId: string }) => p.documentId), [documentId]);
  assert.equal(await ofJob(), 1, 'still one document: nothing was uploaded twice');
});
