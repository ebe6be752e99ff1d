// The S3 adapter (app/storage/s3.ts): a GET handed on in ~1 MiB chunks
// (inChunksOf: the decryption behind it runs far slower on socket-sized
// ones); a PUT in parts, the next filling while one is sent.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { createS3Store, inChunksOf, s3ReadBytes } from '../../app/storage/s3.ts';
import { startS3Server } from '../harness/s3.ts';

const s3 = await startS3Server('kastell-read-chunks');
const store = createS3Store({ kind: 's3', region: 'us-east-1', ...s3 });

/** The chunks as the stream emits them ('data'; async iteration would merge what is buffered). */
const chunksOf = (stream: Readable) => new Promise<Buffer[]>((resolve, reject) => {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => resolve(chunks)).on('error', reject);
});

test('a GET comes in chunks of at least 1 MiB but the last, with every byte in order', async () => {
  const bytes = randomBytes(3 * s3ReadBytes + 12_345);
  await store.put('documents/read-chunks/a', Readable.from([bytes]));
  const chunks = await chunksOf(await store.get('documents/read-chunks/a'));
  assert.ok(Buffer.concat(chunks).equals(bytes));
  assert.equal(chunks.length, 4);
  for (const chunk of chunks.slice(0, -1)) assert.ok(chunk.length >= s3ReadBytes, `${chunk.length} bytes`);
});

test('inChunksOf: small pieces gathered, an error passes through, nothing held back at the end', async () => {
  const out = await chunksOf(Readable.from([Buffer.from('ab'), Buffer.from('cd'), Buffer.from('e')]).pipe(inChunksOf(3)));
  assert.deepEqual(out.map(String), ['abcd', 'e']);
  const missing = await store.get('documents/read-chunks/absent').then(async (stream) => { for await (const _ of stream) { /* drain */ } }, (error: Error) => error);
  assert.ok(missing instanceof Error, 'a missing object is an error');
});

test('a body that fails after two parts: the put fails, no object appears, and the parts came in order', async () => {
  const part = Buffer.alloc(8 * 1024 * 1024 + 100, 'x');
  const failing = Readable.from((async function* () {
    yield part;
    yield part;
    throw new Error('the upload broke off');
  })());
  await assert.rejects(store.put('documents/read-chunks/broken', failing), /broke off/);
  assert.equal(await store.stat('documents/read-chunks/broken'), undefined);
  // and whole: three parts and a tail, in order
  const bytes = randomBytes(3 * 8 * 1024 * 1024 + 777);
  await store.put('documents/read-chunks/whole', Readable.from((function* () { for (let at = 0; at < bytes.length; at += 65_536) yield bytes.subarray(at, at + 65_536); })()));
  assert.ok(Buffer.concat(await chunksOf(await store.get('documents/read-chunks/whole'))).equals(bytes));
});
