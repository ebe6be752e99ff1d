import { Client } from 'minio';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
    async put(key, body: Readable, size?: number) {
      assertObjectKey(key);
      // keys are random; the check makes an overwrite of a kept PDF an error, not a silent replace
      if (key.startsWith(keptPrefix) && (await client.statObject(bucket, key).then(() => true, () => false))) throw new KeptObjectError(key, 'overwrite');
      if (size !== undefined) {
        await client.putObject(bucket, key, body, size);
      } else {
        // Unknown length: spool to a private temp file rather than let the
        // client buffer parts in memory or resume via ListMultipartUploads.
        const dir = await mkdtemp(join(tmpdir(), 'kastell-upload-'));
        const file = join(dir, 'body');
        try {
          await pipeline(body, createWriteStream(file, { mode: 0o600 }));
          await client.putObject(bucket, key, createReadStream(file), (await stat(file)).size);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
      const info = await client.statObject(bucket, key);
      return { size: info.size };
    },
    async get(key) {
      assertObjectKey(key);
      return client.getObject(bucket, key);
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
