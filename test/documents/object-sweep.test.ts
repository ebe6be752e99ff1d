// Stored objects of deleted document versions leave the store (sql/0024,
// app/documents/sweep-objects.ts): a company deleted with its documents on
// local disk and on s3rver → its objects are queued by the cascade, and
// after a sweep none is left in the store; a sweep that stops half-way
// (the process died after the store, before the database) is done again by
// the next one; a store that is down leaves the queue as it was; the queue
// is the system's alone.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger } from '../../app/log.ts';
import { sweepObjects } from '../../app/documents/sweep-objects.ts';
import { createDocumentStore } from '../../app/storage/open-store.ts';
import type { DocumentStore } from '../../app/storage/store.ts';
import { runCli, testAuditor } from '../audit/support.ts';
import { startClamd } from '../harness/clamd.ts';
import { createTestDatabase, testDataDir } from '../harness/database.ts';
import { freePort } from '../harness/postgres.ts';
import { startS3Server } from '../harness/s3.ts';
import { seedAsset, seedCompany, seedSession, seedSite, seedUser, testSecretKey, testSecretKeyId } from '../harness/seed.ts';
import { startTestServer, type TestClient } from '../harness/server.ts';
import { makePdf, upload } from './support.ts';

const clamd = await startClamd();
const s3 = await startS3Server('kastell-object-sweep-test');
const t = await createTestDatabase();
const dataDir = testDataDir(t.name);
const s3Env = { KASTELL_STORAGE: 's3', KASTELL_S3_ENDPOINT: s3.endpoint, KASTELL_S3_BUCKET: s3.bucket, KASTELL_S3_ACCESS_KEY: s3.accessKey, KASTELL_S3_SECRET_KEY: s3.secretKey };
const servers = {
  local: await startTestServer(t, { KASTELL_CLAMD_SOCKET: clamd.socket }),
  s3: await startTestServer(t, { KASTELL_CLAMD_SOCKET: clamd.socket, ...s3Env }),
};
const stores: Record<'local' | 's3', DocumentStore> = {
  local: createDocumentStore({ kind: 'local', dir: join(dataDir, 'documents') }),
  s3: createDocumentStore({ kind: 's3', endpoint: s3.endpoint, bucket: s3.bucket, accessKey: s3.accessKey, secretKey: s3.secretKey, region: 'us-east-1' }),
};
const log = createLogger({ level: 'silent' });
const admin = await seedUser(t.admin, 'admin');
const clientOf = (kind: 'local' | 's3', session: string) => servers[kind].client().withSession(session);
const adminSession = await seedSession(t.admin, admin.userId, '30 minutes');

/** A company with a document on itself, its site and its asset (a text, a PDF, and a new version), uploaded through the routes. */
async function companyWithDocuments(kind: 'local' | 's3', name: string): Promise<{ companyId: string; keys: string[] }> {
  const companyId = await seedCompany(t.admin, name);
  const site = await seedSite(t.admin, companyId, `${name} plant`);
  const asset = await seedAsset(t.admin, companyId, site, `${name} pump`);
  const client: TestClient = clientOf(kind, adminSession);
  const documents: string[] = [];
  for (const [path, file] of [
    [`/api/v1/companies/${companyId}/documents`, { name: 'notes.txt', bytes: Buffer.from(`notes of ${name}`) }],
    [`/api/v1/sites/${site}/documents`, { name: 'contract.pdf', bytes: makePdf() }],
    [`/api/v1/assets/${asset}/documents`, { name: 'manual.txt', bytes: Buffer.from(`manual of ${name}`) }],
  ] as const) {
    const r = await upload(client, path, { title: file.name, kind: 'other' }, file);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json().versions[0].status, 'clean', r.text);
    documents.push(r.json().documentId);
  }
  const again = await upload(client, `/api/v1/documents/${documents[0]}/versions`, {}, { name: 'notes-2.txt', bytes: Buffer.from('second version') });
  assert.equal(again.status, 201, again.text);
  const rows = await t.admin`select object_key from kastell.document_versions where owner_company_id = ${companyId} order by 1`;
  assert.equal(rows.length, 4);
  return { companyId, keys: rows.map((r) => r.object_key as string) };
}

const present = async (store: DocumentStore, keys: string[]) => (await Promise.all(keys.map(async (k) => ((await store.stat(k)) ? k : null)))).filter(Boolean);
const queued = async () => (await t.admin`select object_key from kastell.object_removals order by 1`).map((r) => r.object_key as string);
const deleteCompany = async (kind: 'local' | 's3', companyId: string) => {
  const r = await clientOf(kind, adminSession).request('DELETE', `/api/v1/companies/${companyId}`);
  assert.equal(r.status, 200, r.text);
};

for (const kind of ['local', 's3'] as const) {
  test(`${kind}: a company deleted with its documents → the cascade queues every object, and after a sweep none of them is in the store`, async () => {
    const { companyId, keys } = await companyWithDocuments(kind, `Gone ${kind} AG`);
    const kept = await companyWithDocuments(kind, `Kept ${kind} AG`);
    assert.deepEqual(await present(stores[kind], keys), keys, 'stored before');
    await deleteCompany(kind, companyId);
    assert.equal((await t.admin`select count(*)::int as n from kastell.document_versions where owner_company_id = ${companyId}`)[0]!.n, 0, 'the rows cascaded away');
    assert.deepEqual(await queued(), keys, 'each deleted object queued, nothing else');
    assert.deepEqual(await present(stores[kind], keys), keys, 'the delete itself removes nothing from the store');

    const swept = await sweepObjects({ db: t.db, store: stores[kind], auditor: testAuditor, log }, { batchSize: 3 });
    assert.equal(swept.removed, 4);
    assert.equal(swept.failed, undefined);
    assert.deepEqual(await present(stores[kind], keys), [], 'no object of the company is left');
    assert.deepEqual(await queued(), []);
    assert.deepEqual(await present(stores[kind], kept.keys), kept.keys, "the other company's objects stay");
    const events = await t.admin`select entity_id, company_id, actor_type, actor_label, detail->>'objectKey' as key from audit.events
      where action = 'document.object_removed' and company_id = ${companyId} order by 5`;
    assert.deepEqual(events.map((e) => e.key), keys, 'one audit event per object');
    assert.ok(events.every((e) => e.actor_type === 'system' && e.actor_label === 'object sweep' && e.company_id === companyId));
    // the sweep again: nothing to do
    assert.equal((await sweepObjects({ db: t.db, store: stores[kind], auditor: testAuditor, log })).removed, 0);
  });
}

test('a document deleted through the route leaves the store at once (the same queue, one audit event per object)', async () => {
  const { keys } = await companyWithDocuments('local', 'Direct AG');
  const [doc] = await t.admin`select document_id from kastell.document_versions where object_key = ${keys[0]!}`;
  const all = (await t.admin`select object_key from kastell.document_versions where document_id = ${doc!.document_id}`).map((r) => r.object_key as string);
  const r = await clientOf('local', adminSession).request('DELETE', `/api/v1/documents/${doc!.document_id}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(await present(stores.local, all), []);
  assert.deepEqual(await queued(), []);
  const [events] = await t.admin`select count(*)::int as n from audit.events where action = 'document.object_removed' and detail->>'objectKey' = any (${all})`;
  assert.equal(events!.n, all.length);
});

test('a sweep that stopped after the store and before the database (a crash) is done again by the next, without harm', async () => {
  const { companyId, keys } = await companyWithDocuments('s3', 'Crash AG');
  await deleteCompany('s3', companyId);
  // the store removes two objects, then the process "dies" on the third: that call never returns
  let calls = 0;
  const dying: DocumentStore = { ...stores.s3, remove: async (key) => {
    calls += 1;
    if (calls === 3) return new Promise<void>(() => {});
    await stores.s3.remove(key);
  } };
  void sweepObjects({ db: t.db, store: dying, auditor: testAuditor, log }, { batchSize: 10 });
  while (calls < 3) await new Promise((r) => setTimeout(r, 20));
  assert.equal((await present(stores.s3, keys)).length, 2, 'two objects gone from the store');
  assert.deepEqual(await queued(), keys, 'no queue row deleted before the store confirmed the whole batch');

  const resumed = await sweepObjects({ db: t.db, store: stores.s3, auditor: testAuditor, log });
  assert.equal(resumed.removed, 4, 'objects already gone count as removed');
  assert.deepEqual(await present(stores.s3, keys), []);
  assert.deepEqual(await queued(), []);
  const [events] = await t.admin`select count(*)::int as n from audit.events where action = 'document.object_removed' and company_id = ${companyId}`;
  assert.equal(events!.n, 4, 'one event per object, none twice');
});

test('a store that is down leaves the queue intact (the error and a later retry time recorded); the CLI says so and exits 1', async () => {
  const { companyId, keys } = await companyWithDocuments('s3', 'Down AG');
  await deleteCompany('s3', companyId);
  const down = createDocumentStore({ kind: 's3', endpoint: `http://127.0.0.1:${await freePort()}`, bucket: s3.bucket, accessKey: s3.accessKey, secretKey: s3.secretKey, region: 'us-east-1' });
  const result = await sweepObjects({ db: t.db, store: down, auditor: testAuditor, log });
  assert.equal(result.removed, 0);
  assert.ok(result.failed, 'the failure is returned');
  assert.deepEqual(await queued(), keys, 'every row stays');
  assert.deepEqual(await present(stores.s3, keys), keys, 'every object is still there');
  const rows = await t.admin`select attempts, last_error, not_before > now() as later from kastell.object_removals where object_key = ${result.failed!.objectKey}`;
  assert.equal(rows[0]!.attempts, 1);
  assert.ok(rows[0]!.last_error);
  assert.equal(rows[0]!.later, true, 'tried again later, not at once');

  const cliEnv = { KASTELL_DATABASE_URL: t.appUrl, KASTELL_DATA_DIR: dataDir, KASTELL_SECRET_KEY: testSecretKey.toString('base64'), KASTELL_SECRET_KEY_ID: testSecretKeyId };
  const failing = await runCli(['documents', 'sweep-objects'], { ...cliEnv, ...s3Env, KASTELL_S3_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
  assert.equal(failing.code, 1, failing.stdout + failing.stderr);
  assert.match(failing.stderr, /stays queued/);
  assert.deepEqual(await queued(), keys);
  // the store back: the CLI removes them all (a failed row's retry time is past once it is due; here made due at once)
  await t.admin`update kastell.object_removals set not_before = now() - interval '1 second'`;
  const ok = await runCli(['documents', 'sweep-objects'], { ...cliEnv, ...s3Env });
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^4 objects removed/);
  assert.deepEqual(await present(stores.s3, keys), []);
  assert.deepEqual(await queued(), []);
});

test('the queue is the system\'s: the application role neither reads nor writes it, and the functions refuse a signed-in user', async () => {
  await assert.rejects(t.db.withPrincipal(null, (tx) => tx`select count(*) from kastell.object_removals`), { code: '42501' });
  await assert.rejects(t.db.withPrincipal(null, (tx) => tx`insert into kastell.object_removals (object_key, version_id) values (${`documents/${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}/${'a'.repeat(32)}`}, ${admin.userId})`), { code: '42501' });
  await assert.rejects(t.db.withPrincipal(null, (tx) => tx`delete from kastell.object_removals`), { code: '42501' });
  await assert.rejects(t.db.withPrincipal({ userId: admin.userId }, (tx) => tx`select * from app.object_removals_due(10, null)`), { code: '42501' });
  await assert.rejects(t.db.withPrincipal({ userId: admin.userId }, (tx) => tx`select * from app.object_removals_done(${[admin.userId]}::uuid[])`), { code: '42501' });
  // the versions still there keep their objects
  const { keys } = await companyWithDocuments('local', 'Untouched AG');
  await sweepObjects({ db: t.db, store: stores.local, auditor: testAuditor, log });
  assert.deepEqual(await present(stores.local, keys), keys);
});
