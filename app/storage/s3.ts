import { Client } from 'minio';
import type { Readable } from 'node:stream';
import type { Config } from '../config.ts';
import { assertObjectKey, type DocumentStore } from './store.ts';

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
      await client.putObject(bucket, key, body);
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
      await client.removeObject(bucket, key);
    },
    async ping() {
      if (!(await client.bucketExists(bucket))) throw new Error(`bucket ${bucket} does not exist`);
    },
  };
}
