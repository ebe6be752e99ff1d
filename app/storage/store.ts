// The interface every document store has, streamed both ways; open-store.ts
// picks the adapter (local disk or S3).
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  size: number;
}

export interface DocumentStore {
  kind: 'local' | 's3';
  /**
   * Streams the body in (S3: in parts of s3PartSize, one in flight while the next fills); `size` is a hint neither adapter needs.
   * `owner`: the company whose data key encrypts it (app/crypto/encrypting-store.ts); the operator's when absent.
   */
  put(key: string, body: Readable, size?: number, owner?: string): Promise<ObjectInfo>;
  get(key: string): Promise<Readable>;
  /**
   * Replaces an existing object whole (local: written aside and renamed; S3: one put): a reader sees the old
   * object or the new one. The one way a kept report PDF is rewritten — by the re-encryption worker, with the
   * same plain bytes (it checks their SHA-256 against the report row while streaming; app/crypto/reencrypt.ts).
   */
  replace(key: string, body: Readable, owner?: string): Promise<ObjectInfo>;
  stat(key: string): Promise<ObjectInfo | undefined>;
  remove(key: string): Promise<void>;
  /** For /readyz: throws when the store cannot be reached. */
  ping(): Promise<void>;
}

/**
 * Report PDFs (frozen and sealed) are kept: no adapter's put overwrites, and
 * none deletes, an object under this prefix, so a stored PDF stays the one its
 * hash in the database and the audit chain names. Only replace() rewrites one:
 * re-encryption under a new key version, same plain bytes, hash checked.
 */
export const keptPrefix = 'reports/';

export class KeptObjectError extends Error {
  constructor(key: string, action: 'overwrite' | 'delete') {
    super(`${key} is kept: the application does not ${action} report PDFs`);
  }
}

/** Object keys are ours (UUIDs and fixed words), never user file names. */
export function assertObjectKey(key: string): void {
  if (!/^[a-z0-9][a-z0-9/_.-]{0,250}$/.test(key) || key.includes('..')) {
    throw new Error(`invalid object key: ${key}`);
  }
}
