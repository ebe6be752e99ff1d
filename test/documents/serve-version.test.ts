// A download leaves in chunks of about responseChunkBytes (each chunk costs
// promises and a socket write), pulled with one chunk read ahead of the
// reader and no more, the bytes are the object's, and cancelling stops the
// source.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { responseChunkBytes, toResponseStream } from '../../app/documents/serve-version.ts';

test('64 KiB source chunks leave as 1 MiB chunks, byte for byte', async () => {
  const object = randomBytes(3 * responseChunkBytes + 1000);
  const source = Readable.from(Array.from({ length: Math.ceil(object.length / 65536) }, (_, i) => object.subarray(i * 65536, (i + 1) * 65536)), { objectMode: false });
  const sizes: number[] = [];
  const hash = createHash('sha256');
  for await (const chunk of toResponseStream(source)) {
    sizes.push(chunk.length);
    hash.update(chunk);
  }
  assert.deepEqual(sizes, [responseChunkBytes, responseChunkBytes, responseChunkBytes, 1000]);
  assert.equal(hash.digest('hex'), createHash('sha256').update(object).digest('hex'));
});

test('one chunk is read ahead of the reader, no more; a cancel destroys the source', async () => {
  let produced = 0;
  const source = new Readable({ highWaterMark: 65536, read() { produced += 65536; this.push(Buffer.alloc(65536)); } });
  const stream = toResponseStream(source);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(produced >= responseChunkBytes, `the first chunk is ready before it is asked for (${produced})`);
  assert.ok(produced <= responseChunkBytes + 2 * 65536, `but no more than one chunk (${produced})`);
  const reader = stream.getReader();
  const first = await reader.read();
  assert.equal(first.value!.length, responseChunkBytes);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(produced <= 2 * responseChunkBytes + 2 * 65536, `one chunk read, one ahead (${produced})`);
  await reader.cancel();
  assert.ok(source.destroyed);
});
