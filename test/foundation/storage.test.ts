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

  // asvs: V5.3.2
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

test('s3: a wrong secret key is refused, nothing is stored or read with it', async () => {
  // @20minutes/s3rver checks SigV4 signatures (the old s3rver accepted any): the store's credentials are really used
  const right = createDocumentStore({ kind: 's3', region: 'us-east-1', ...s3 });
  const wrong = createDocumentStore({ kind: 's3', region: 'us-east-1', ...s3, secretKey: `${s3.secretKey}-wrong` });
  await assert.rejects(wrong.put('documents/wrong-secret/v1', Readable.from([Buffer.from('x')])), /signature/i);
  assert.equal(await right.stat('documents/wrong-secret/v1'), undefined);
  await right.put('documents/wrong-secret/v2', Readable.from([Buffer.from('kept')]));
  await assert.rejects(async () => text(await wrong.get('documents/wrong-secret/v2')), /signature/i);
  await right.remove('documents/wrong-secret/v2');
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

test('s3: a large object goes up in parts of at most s3PartSize, and comes back whole', async () => {
  // a recording proxy in front of s3rver: every request's method, query and body size
  const { createServer, request } = await import('node:http');
  const { createHash, randomBytes } = await import('node:crypto');
  const { s3PartSize } = await import('../../app/storage/s3.ts');
  const target = new URL(s3.endpoint);
  const seen: Array<{ method: string; query: string; bytes: number }> = [];
  const proxy = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => { bytes += chunk.length; });
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
    req.on('end', () => seen.push({ method: req.method!, query: new URL(req.url!, 'http://x').search, bytes }));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    const store = createDocumentStore({ kind: 's3', region: 'us-east-1', ...s3, endpoint: `http://127.0.0.1:${(proxy.address() as { port: number }).port}` });
    const size = 2 * s3PartSize + 12345;
    const random = randomBytes(size);
    const key = 'documents/0190f0f0-0000-7000-8000-000000000002/large';
    // 64 KiB chunks, as a file stream gives them
    const chunks = Array.from({ length: Math.ceil(size / 65536) }, (_, i) => random.subarray(i * 65536, (i + 1) * 65536));
    assert.equal((await store.put(key, Readable.from(chunks), size)).size, size);
    const puts = seen.filter((r) => r.method === 'PUT');
    assert.deepEqual(puts.map((r) => r.bytes), [s3PartSize, s3PartSize, 12345], 'three parts, none larger than s3PartSize');
    assert.ok(puts.every((r) => r.query.includes('partNumber=')), 'each a multipart part');
    assert.ok(!seen.some((r) => r.method === 'GET' && r.query.includes('uploads')), 'no ListMultipartUploads (s3rver has none; our keys are new)');
    const back = createHash('sha256');
    for await (const chunk of await store.get(key)) back.update(chunk as Buffer);
    assert.equal(back.digest('hex'), createHash('sha256').update(random).digest('hex'));
    // below one part: a single PUT
    seen.length = 0;
    await store.put(`${key}-small`, Readable.from([random.subarray(0, 1000)]));
    assert.deepEqual(seen.filter((r) => r.method === 'PUT').map((r) => [r.bytes, r.query]), [[1000, '']]);
  } finally {
    await new Promise((resolve) => proxy.close(resolve));
  }
});
