// Re-encryption under load: rotate a company's key while messages keep
// arriving through the API, run `kastell keys reencrypt`, kill it (SIGKILL)
// after its first batch and run it again; afterwards `kastell keys status`
// shows no row and no object under the old version, every value opens, and
// no message is lost. A frozen report's text is re-sealed too, while the
// application role still cannot change it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import postgres from 'postgres';
import { parseConfig } from '../../app/config.ts';
import { decryptObject } from '../../app/crypto/encrypting-store.ts';
import { encryptedColumns, fieldAad } from '../../app/crypto/fields.ts';
import { keyringFromConfig } from '../../app/crypto/keyring.ts';
import { createDocumentStore } from '../../app/storage/open-store.ts';
import { runCli } from '../audit/support.ts';
import { startClamd } from '../harness/clamd.ts';
import { createTestDatabase, testDataDir } from '../harness/database.ts';
import { seedCompany, seedSession, seedUser, testEventKeyPem, type SeededUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';
import { upload } from '../documents/support.ts';

const clamd = await startClamd();
const t = await createTestDatabase();
const server = await startTestServer(t, { KASTELL_CLAMD_SOCKET: clamd.socket, KASTELL_CLAMD_TIMEOUT_MS: '10000' });
const dataDir = testDataDir(t.name);
const env = { KASTELL_DATABASE_URL: t.appUrl, KASTELL_DATA_DIR: dataDir };
const X = await seedCompany(t.admin, 'Xaver AG');
const Y = await seedCompany(t.admin, 'Ypsilon GmbH');
const dispatcher = await seedUser(t.admin, 'dispatcher');
const tech = await seedUser(t.admin, 'technician');
const clientOf = async (user: SeededUser) => server.client().withSession(await seedSession(t.admin, user.userId, '60 minutes'));
const root = new URL('../..', import.meta.url).pathname;

/** The CLI's reencrypt in a child process, SIGKILLed as soon as it reports its first batch; resolves with what it printed. */
function reencryptKilledAfterFirstBatch(): Promise<{ signal: string | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'app/cli/main.ts'), 'keys', 'reencrypt', '--batch', '5'], {
      cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', KASTELL_LOG_LEVEL: 'warn', KASTELL_AUDIT_EVENT_KEY: testEventKeyPem, ...env },
    });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (/^batch: /m.test(stdout)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => resolve({ signal, stdout }));
  });
}

test('a rotation under load: re-encrypted in batches, killed midway and resumed, nothing lost', async () => {
  const d = await clientOf(dispatcher);
  const tc = await clientOf(tech);
  const site = await d.postJson(`/api/v1/companies/${X}/sites`, { name: 'Plant', street: 'Xaverweg 1', postalCode: '8000', city: 'Zürich', country: 'ch' });
  assert.equal(site.status, 201, site.text);
  await d.postJson(`/api/v1/companies/${Y}/sites`, { name: 'Y plant', street: 'Ypsilonweg 2', country: 'ch' });
  const job = (await d.postJson('/api/v1/jobs', { siteId: site.json().siteId, title: 'Repair pump' })).json().jobId as string;
  assert.equal((await d.postJson(`/api/v1/jobs/${job}/technicians`, { technicianId: tech.userId })).status, 200);
  assert.equal((await d.postJson(`/api/v1/jobs/${job}/status`, { status: 'scheduled', plannedStart: '2026-12-02T08:00:00Z' })).status, 200);
  assert.equal((await tc.postJson(`/api/v1/jobs/${job}/status`, { status: 'in_progress' })).status, 200);
  assert.equal((await tc.postJson(`/api/v1/jobs/${job}/visits`, { notes: 'Key under the flower pot' })).status, 201);
  const report = (await tc.postJson(`/api/v1/jobs/${job}/reports`, {})).json().reportId as string;
  assert.equal((await tc.request('PUT', `/api/v1/reports/${report}/draft`, { json: { workDone: 'Replaced the valve', measurements: [{ quantity: 'Pressure', value: 4.2, unit: 'bar' }] } })).status, 200);
  const frozen = await tc.postJson(`/api/v1/reports/${report}/freeze`, {});
  assert.equal(frozen.status, 200, frozen.text);
  for (let i = 0; i < 3; i++) {
    const doc = await upload(d, `/api/v1/companies/${X}/documents`, { title: `Contract ${i}`, kind: 'contract' }, { name: 'c.txt', bytes: Buffer.from(`contract ${i} of Xaver\n`) });
    assert.equal(doc.status, 201, doc.text);
  }
  const sent: string[] = [];
  const post = async () => {
    const body = `message ${sent.length} to Xaver`;
    const r = await d.postJson(`/api/v1/jobs/${job}/messages`, { body });
    assert.equal(r.status, 201, r.text);
    sent.push(body);
  };
  for (let i = 0; i < 120; i++) await post();

  const config = parseConfig(env);
  const ring = () => keyringFromConfig(config);
  const v1 = ring().list().find((k) => k.owner === X)!;
  assert.equal(v1.version, 1);
  const status = await runCli(['keys', 'status'], env);
  assert.equal(status.code, 0, status.stderr);
  // 120 messages, street + postal code + city, the visit's notes, the report's text, its measurement: 126; objects: 3 documents and the frozen report's PDF
  assert.match(status.stdout, new RegExp(`^${v1.keyId}  ${X}  v1 \\(current\\)  wrapped by kek1  made \\S+  rows 126  objects 4$`, 'm'));

  // writes continue from here to the last run
  let writing = true;
  const writer = (async () => { while (writing) await post(); })();

  const rotated = await runCli(['keys', 'rotate', '--company', X], env);
  assert.equal(rotated.code, 0, rotated.stderr);
  const v2 = ring().list().find((k) => k.owner === X && k.version === 2)!;

  const killed = await reencryptKilledAfterFirstBatch();
  assert.equal(killed.signal, 'SIGKILL', killed.stdout);
  const midway = await runCli(['keys', 'status'], env);
  const left = Number(new RegExp(`^${v1.keyId}  ${X}  v1  wrapped by kek1  made \\S+  rows (\\d+)`, 'm').exec(midway.stdout)?.[1]);
  assert.ok(left > 0, `the kill came before the end: ${midway.stdout}`);

  const resumed = await runCli(['keys', 'reencrypt', '--batch', '25'], env);
  assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
  assert.match(resumed.stdout, /re-sealed in \d+ batches/);
  writing = false;
  await writer;
  // the server trusts its cached key version for up to 30 s after a rotation made by another process: a last run takes what it still sealed under v1
  const last = await runCli(['keys', 'reencrypt'], env);
  assert.equal(last.code, 0, last.stderr + last.stdout);

  const after = await runCli(['keys', 'status'], env);
  assert.match(after.stdout, new RegExp(`^${v1.keyId}  ${X}  v1  wrapped by kek1  made \\S+  rows 0  objects 0$`, 'm'), after.stdout);
  assert.match(after.stdout, new RegExp(`^${v2.keyId}  ${X}  v2 \\(current\\)  wrapped by kek1  made \\S+  rows ${126 + sent.length - 120}  objects 4$`, 'm'), after.stdout);

  // every value opens, and every message sent is there
  const now = ring();
  const store = createDocumentStore(config.storage);
  const opened: Record<string, string[]> = {};
  for (const c of encryptedColumns) {
    const rows = await t.admin.unsafe(`select ${c.id}::text as id, ${c.column} as value from kastell.${c.table} where ${c.column} is not null and ${c.column} <> ''`);
    for (const r of rows) {
      assert.match(r.value as string, new RegExp(`^v2:(${v2.keyId}|${ring().list().find((k) => k.owner === Y)?.keyId}):`), `${c.table}.${c.column} sealed under a current key`);
      (opened[`${c.table}.${c.column}`] ??= []).push(now.open(r.value as string, fieldAad(c.table, c.column, r.id as string)));
    }
  }
  assert.deepEqual(opened['job_messages.body']!.sort(), [...sent].sort(), 'every message sent is there and opens');
  // and the API shows the newest as sent
  const shown = (await d.get(`/api/v1/jobs/${job}/messages`)).json().messages.map((m: { body: string }) => m.body);
  assert.ok(shown.length > 0 && shown.every((b: string) => sent.includes(b)));
  const shownReport = (await tc.get(`/api/v1/reports/${report}`)).json();
  assert.equal(shownReport.workDone, 'Replaced the valve');
  assert.deepEqual(shownReport.measurements, [{ quantity: 'Pressure', value: 4.2, unit: 'bar' }]);
  // the frozen report's PDF: re-sealed under v2, the same plain bytes as the report row's SHA-256
  const [pdf] = await t.admin<{ pdf_object_key: string; pdf_sha256: Buffer }[]>`select pdf_object_key, pdf_sha256 from kastell.service_reports where report_id = ${report}`;
  const storedPdf = await buffer(await store.get(pdf!.pdf_object_key));
  assert.ok(storedPdf.toString('latin1').startsWith(`kastell-object v1 ${v2.keyId}\n`), 'the report PDF is under v2');
  const plainPdf = await buffer(await decryptObject(now, pdf!.pdf_object_key, await store.get(pdf!.pdf_object_key)));
  assert.equal(createHash('sha256').update(plainPdf).digest('hex'), pdf!.pdf_sha256.toString('hex'));
  const objects = await t.admin<{ object_key: string }[]>`select object_key from kastell.document_versions where object_key is not null order by object_key`;
  const texts = await Promise.all(objects.map(async (o) => (await buffer(await decryptObject(now, o.object_key, await store.get(o.object_key)))).toString()));
  assert.deepEqual(texts.sort(), ['contract 0 of Xaver\n', 'contract 1 of Xaver\n', 'contract 2 of Xaver\n']);

  // audited: one event per batch, in the batch's transaction
  const [events] = await t.admin`select count(*)::int as n, sum((detail->>'rows')::int)::int as rows from audit.events where action = 'keys.rows_resealed'`;
  assert.ok(events!.n >= 2 && events!.rows >= 126, JSON.stringify(events));
  const [objectEvents] = await t.admin`select sum((detail->>'objects')::int)::int as n from audit.events where action = 'keys.objects_resealed'`;
  assert.equal(objectEvents!.n, 4);
});

test('the application role still cannot change a frozen report\'s text', async () => {
  const app = postgres(t.appUrl, { max: 1, onnotice: () => {} });
  try {
    const [r] = await t.admin`select report_id::text as id, work_done from kastell.service_reports where status <> 'draft'`;
    // as the report's technician, with the setting the re-seal uses
    await assert.rejects(app.begin(async (tx) => {
      await tx`select set_config('kastell.user_id', ${tech.userId}, true), set_config('kastell.resealing', ${r!.id}, true)`;
      await tx`update kastell.service_reports set work_done = 'changed' where report_id = ${r!.id}`;
    }), /frozen report is never edited|permission denied/);
    // the re-seal function writes only a v2 value under another key
    await assert.rejects(app.begin((tx) => tx`select app.reseal_fields('service_reports', 'work_done', array[${r!.id}]::uuid[], array[${r!.work_done}]::text[], array['changed'])`), /a re-seal writes a v2 value/);
    await assert.rejects(app.begin((tx) => tx`select app.reseal_fields('visits', 'notes', array[gen_random_uuid()], array['x'], array[null]::text[])`), /a re-seal writes a v2 value/);
    // and only for the system
    await assert.rejects(app.begin(async (tx) => {
      await tx`select set_config('kastell.user_id', ${tech.userId}, true)`;
      await tx`select app.reseal_fields('service_reports', 'work_done', array[${r!.id}]::uuid[], array[${r!.work_done}]::text[], array['v2:kOther:a:b:c'])`;
    }), /runs as the system/);
  } finally {
    await app.end();
  }
});
