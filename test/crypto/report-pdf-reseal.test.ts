// Report PDFs under re-encryption: a frozen report's PDF (a kept object: no
// put overwrites it) is re-sealed under the company's new key version with
// the same plain bytes; when the plain PDF's SHA-256 is not the one the
// report row names, the worker stops and leaves the stored object as it was.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { parseConfig } from '../../app/config.ts';
import { decryptObject } from '../../app/crypto/encrypting-store.ts';
import { keyringFromConfig } from '../../app/crypto/keyring.ts';
import { createDocumentStore } from '../../app/storage/open-store.ts';
import { KeptObjectError } from '../../app/storage/store.ts';
import { runCli } from '../audit/support.ts';
import { createTestDatabase, testDataDir } from '../harness/database.ts';
import { seedCompany, seedSession, seedUser, type SeededUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);
const dataDir = testDataDir(t.name);
const env = { KASTELL_DATABASE_URL: t.appUrl, KASTELL_DATA_DIR: dataDir };
const X = await seedCompany(t.admin, 'Xaver AG');
const dispatcher = await seedUser(t.admin, 'dispatcher');
const tech = await seedUser(t.admin, 'technician');
const clientOf = async (user: SeededUser) => server.client().withSession(await seedSession(t.admin, user.userId, '60 minutes'));

test('a frozen report\'s PDF is re-sealed with the same bytes, and only when they are the ones its row names', async () => {
  const d = await clientOf(dispatcher);
  const tc = await clientOf(tech);
  const site = (await d.postJson(`/api/v1/companies/${X}/sites`, { name: 'Plant', street: 'Xaverweg 1', country: 'ch' })).json().siteId;
  const job = (await d.postJson('/api/v1/jobs', { siteId: site, title: 'Repair pump' })).json().jobId as string;
  assert.equal((await d.postJson(`/api/v1/jobs/${job}/technicians`, { technicianId: tech.userId })).status, 200);
  assert.equal((await d.postJson(`/api/v1/jobs/${job}/status`, { status: 'scheduled', plannedStart: '2026-12-02T08:00:00Z' })).status, 200);
  assert.equal((await tc.postJson(`/api/v1/jobs/${job}/status`, { status: 'in_progress' })).status, 200);
  const report = (await tc.postJson(`/api/v1/jobs/${job}/reports`, {})).json().reportId as string;
  assert.equal((await tc.request('PUT', `/api/v1/reports/${report}/draft`, { json: { workDone: 'Replaced the valve', measurements: [] } })).status, 200);
  assert.equal((await tc.postJson(`/api/v1/reports/${report}/freeze`, {})).status, 200);

  const config = parseConfig(env);
  const store = createDocumentStore(config.storage);
  const [row] = await t.admin<{ pdf_object_key: string; pdf_sha256: Buffer }[]>`select pdf_object_key, pdf_sha256 from kastell.service_reports where report_id = ${report}`;
  const key = row!.pdf_object_key;
  const headOf = async () => (await buffer(await store.get(key))).subarray(0, 40).toString('latin1').split('\n')[0];
  const v1 = keyringFromConfig(config).list().find((k) => k.owner === X)!;
  assert.equal(await headOf(), `kastell-object v1 ${v1.keyId}`);
  // kept: a put does not overwrite it
  await assert.rejects(store.put(key, Readable.from([Buffer.from('other')])), KeptObjectError);

  assert.equal((await runCli(['keys', 'rotate', '--company', X], env)).code, 0);
  const v2 = keyringFromConfig(config).list().find((k) => k.owner === X && k.version === 2)!;

  // the row names other bytes (triggers off, as only a superuser can): the worker refuses, the object stays under v1
  await t.admin.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`update kastell.service_reports set pdf_sha256 = ${Buffer.alloc(32)} where report_id = ${report}`;
  });
  const refused = await runCli(['keys', 'reencrypt'], env);
  assert.notEqual(refused.code, 0, refused.stdout);
  assert.match(refused.stderr, /plain PDF's SHA-256 is not the one the report names/);
  assert.equal(await headOf(), `kastell-object v1 ${v1.keyId}`, 'left as it was');

  await t.admin.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`update kastell.service_reports set pdf_sha256 = ${row!.pdf_sha256} where report_id = ${report}`;
  });
  const done = await runCli(['keys', 'reencrypt'], env);
  assert.equal(done.code, 0, done.stderr + done.stdout);
  assert.equal(await headOf(), `kastell-object v1 ${v2.keyId}`, 're-sealed under v2');
  const plain = await buffer(await decryptObject(keyringFromConfig(config), key, await store.get(key)));
  assert.equal(createHash('sha256').update(plain).digest('hex'), row!.pdf_sha256.toString('hex'), 'the same PDF');
  // nothing left under v1
  const status = await runCli(['keys', 'status'], env);
  assert.match(status.stdout, new RegExp(`^${v1.keyId}  ${X}  v1  wrapped by kek1  made \\S+  rows 0  objects 0$`, 'm'), status.stdout);
});
