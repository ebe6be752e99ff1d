// Where documents live: local disk on the embedded default, MinIO (S3 API)
// in production. One interface, streamed both ways.
import type { Readable } from 'node:stream';
import type { Config } from '../config.ts';
import { createLocalDiskStore } from './local-disk.ts';
import { createS3Store } from './s3.ts';

export interface ObjectInfo {
  size: number;
}

export interface DocumentStore {
  kind: 'local' | 's3';
  /** Streams the body in; `size` when known saves the S3 store a spool to disk. */
  put(key: string, body: Readable, size?: number): Promise<ObjectInfo>;
  get(key: string): Promise<Readable>;
  stat(key: string): Promise<ObjectInfo | undefined>;
  remove(key: string): Promise<void>;
  /** For /readyz: throws when the store cannot be reached. */
  ping(): Promise<void>;
}

export function createDocumentStore(config: Config['storage']): DocumentStore {
  return config.kind === 's3' ? createS3Store(config) : createLocalDiskStore(config.dir);
}

/** Object keys are ours (UUIDs and fixed words), never user file names. */
export function assertObjectKey(key: string): void {
  if (!/^[a-z0-9][a-z0-9/_.-]{0,250}$/.test(key) || key.includes('..')) {
    throw new Error(`invalid object key: ${key}`);
  }
}
