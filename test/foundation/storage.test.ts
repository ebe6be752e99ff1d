// The document store: the same behaviour on local disk and on an S3 API.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import { createDocumentStore } from '../../app/storage/open-store.ts';
import type { DocumentStore } from '../../app/storage/store.ts';
import { startS3Server } from '../harness/s3.ts';

const s3 = await startS3Server('kastell-test');
const stores: Record<string, DocumentStore> = {
  local: createDocumentStore({ kind: 'local', dir: mkdtempSync(join(tmpdir(), 'kastell-docs-')) }),
  s3: createDocumentStore({ kind: 's3', region: 'us-east-1', ...s3 }),
};

for (const [name, store] of Object.entries(stores)) {
  test(`${name}: put, stat, get, remove stream a document`, async () => {
    await store.ping();
    const key = 'documents/0190f0f0-0000-7000-8000-000000000001/v1';
    const info = await store.put(key, Readable.from([Buffer.from('Service report '), Buffer.from('v1')]));
    assert.equal(info.size, 'Service report v1'.length);
    assert.deepEqual(await store.stat(key), { size: info.size });
    assert.equal(await text(await store.get(key)), 'Service report v1');
    const sized = await store.put(`${key}-sized`, Readable.from([Buffer.from('12345')]), 5);
    assert.equal(sized.size, 5);
    await store.remove(key);
    assert.equal(await store.stat(key), undefined);
  });

  test(`${name}: object keys cannot escape the store`, async () => {
    for (const key of ['../etc/passwd', '/absolute', 'a/../../b', 'Upper.pdf', '']) {
      await assert.rejects(store.put(key, Readable.from([Buffer.from('x')])), /invalid object key/, key);
    }
  });
}

test('local: a failed upload leaves no partial file behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kastell-docs-'));
  const store = createDocumentStore({ kind: 'local', dir });
  const failing = new Readable({ read() { this.destroy(new Error('client went away')); } });
  await assert.rejects(store.put('documents/x/v1', failing), /client went away/);
  assert.deepEqual(readdirSync(join(dir, 'documents', 'x')), []);
});

test('s3: ping fails loudly for a missing bucket', async () => {
  const missing = createDocumentStore({ kind: 's3', region: 'us-east-1', ...s3, bucket: 'no-such-bucket' });
  await assert.rejects(missing.ping(), /does not exist/);
});

test('/readyz reports the S3 store: ready with the bucket, 503 without it', async () => {
  const { createTestDatabase } = await import('../harness/database.ts');
  const { startTestServer } = await import('../harness/server.ts');
  const database = await createTestDatabase();
  const env = { KASTELL_STORAGE: 's3', KASTELL_S3_ENDPOINT: s3.endpoint, KASTELL_S3_ACCESS_KEY: s3.accessKey, KASTELL_S3_SECRET_KEY: s3.secretKey };
  const good = await startTestServer(database, { ...env, KASTELL_S3_BUCKET: s3.bucket });
  assert.equal((await good.client().get('/readyz')).status, 200);
  const bad = await startTestServer(database, { ...env, KASTELL_S3_BUCKET: 'missing-bucket' });
  const response = await bad.client().get('/readyz');
  assert.equal(response.status, 503);
  assert.deepEqual(response.json().checks, { database: 'ok', storage: 'unreachable' });
});
