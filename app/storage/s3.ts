import { Client } from 'minio';
import { pipeline, Transform, type Readable } from 'node:stream';
import type { Config } from '../config.ts';
import { assertObjectKey, keptPrefix, KeptObjectError, type DocumentStore } from './store.ts';

type S3Config = Extract<Config['storage'], { kind: 's3' }>;

export function createS3Store(config: S3Config): DocumentStore {
  const url = new URL(config.endpoint);
  const client = new Client({
    endPoint: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    useSSL: url.protocol === 'https:',
    accessKey: config.accessKey,
    secretKey: config.secretKey,
    region: config.region,
    pathStyle: true,
  });
  const bucket = config.bucket;
  return {
    kind: 's3',
    async put(key, body: Readable) {
      assertObjectKey(key);
      // keys are random; the check makes an overwrite of a kept PDF an error, not a silent replace
      if (key.startsWith(keptPrefix) && (await client.statObject(bucket, key).then(() => true, () => false))) throw new KeptObjectError(key, 'overwrite');
      await putInParts(client, bucket, key, body);
      const info = await client.statObject(bucket, key);
      return { size: info.size };
    },
    async replace(key, body: Readable) {
      assertObjectKey(key);
      // the whole object is one put (or one completed multipart upload): a body that errors leaves the old object
      await putInParts(client, bucket, key, body);
      return { size: (await client.statObject(bucket, key)).size };
    },
    async get(key) {
      assertObjectKey(key);
      // the response comes in socket reads (16–64 KiB); the decryption behind it runs at a third to a half of its
      // speed on chunks that small, well on 1 MiB ones (its frames): one copy to coalesce is the cheaper side
      const coalesced = inChunksOf(s3ReadBytes);
      pipeline(await client.getObject(bucket, key), coalesced, () => {}); // an error ends `coalesced` with it
      return coalesced;
    },
    async stat(key) {
      assertObjectKey(key);
      try {
        return { size: (await client.statObject(bucket, key)).size };
      } catch {
        return undefined;
      }
    },
    async remove(key) {
      assertObjectKey(key);
      if (key.startsWith(keptPrefix)) throw new KeptObjectError(key, 'delete');
      await client.removeObject(bucket, key);
    },
    async ping() {
      if (!(await client.bucketExists(bucket))) throw new Error(`bucket ${bucket} does not exist`);
    },
  };
}

/** The chunks a GET hands on: about one encryption frame (app/crypto/encrypting-store.ts frameLength). */
export const s3ReadBytes = 1024 * 1024;

/** Passes the bytes on in chunks of at least `bytes` (the last may be shorter); holds one chunk at most. */
export function inChunksOf(bytes: number): Transform {
  let parts: Buffer[] = [];
  let held = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      parts.push(chunk);
      held += chunk.length;
      if (held < bytes) return done();
      const out = parts.length === 1 ? parts[0]! : Buffer.concat(parts, held);
      parts = [];
      held = 0;
      done(null, out);
    },
    flush(done) {
      done(null, held > 0 ? Buffer.concat(parts, held) : undefined);
    },
  });
}

/**
 * S3 multipart part size: an upload holds two in memory at most (the part in
 * flight, the one filling, and the chunk that overflows it). minio-js's own putObject holds up to three
 * of its 64 MiB parts (+155 MiB RSS on a 1 GiB upload in the benchmark) and an
 * object below the part size whole; and before any multipart upload it asks
 * ListMultipartUploads to resume an unfinished one — our keys are new and
 * random, so there never is one. 8 MiB (S3's minimum is 5 MiB, except the
 * last part; at most 10,000 parts: objects up to 78 GiB).
 */
export const s3PartSize = 8 * 2 ** 20;

/**
 * Streams `body` to the object in parts of s3PartSize, one part in flight
 * while the next one fills (the body is not paused while a part is sent:
 * an upload being received with its store write, one-pass.ts, goes on);
 * below one part, one PUT. Memory: the part in flight and the one filling.
 */
async function putInParts(client: Client, bucket: string, key: string, body: Readable): Promise<void> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let uploadId: string | undefined;
  const etags: Array<{ part: number; etag: string }> = [];
  let inFlight: Promise<void> | undefined;
  const take = (bytes: number): Buffer => {
    const all = Buffer.concat(pending, pendingBytes);
    const part = all.subarray(0, bytes);
    pending = bytes < all.length ? [all.subarray(bytes)] : [];
    pendingBytes = all.length - bytes;
    return part;
  };
  const sendPart = async (part: Buffer, partNumber: number) => {
    const answer = await client.uploadPart({ bucketName: bucket, objectName: key, uploadID: uploadId!, partNumber, headers: {} }, part);
    etags.push({ part: partNumber, etag: answer.etag });
  };
  let parts = 0;
  const startPart = async (part: Buffer) => {
    await inFlight; // at most one in flight: a failed one throws here
    uploadId ??= await client.initiateNewMultipartUpload(bucket, key, {});
    const sending = sendPart(part, ++parts);
    sending.catch(() => undefined); // awaited before the next part or at the end
    inFlight = sending;
  };
  try {
    for await (const chunk of body) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      pending.push(buffer);
      pendingBytes += buffer.length;
      // the next part waits for the one in flight: memory stays at two parts
      while (pendingBytes >= s3PartSize) await startPart(take(s3PartSize));
    }
    if (uploadId === undefined && inFlight === undefined) {
      await client.putObject(bucket, key, take(pendingBytes));
      return;
    }
    if (pendingBytes > 0) await startPart(take(pendingBytes));
    await inFlight;
    etags.sort((a, b) => a.part - b.part);
    await client.completeMultipartUpload(bucket, key, uploadId!, etags);
  } catch (error) {
    await inFlight?.catch(() => undefined);
    if (uploadId !== undefined) await client.abortMultipartUpload(bucket, key, uploadId).catch(() => undefined);
    throw error;
  }
}
