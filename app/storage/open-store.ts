// Where documents live: local disk on the embedded default, MinIO (S3 API)
// in production. The one place that knows both adapters.
import type { Config } from '../config.ts';
import { createLocalDiskStore } from './local-disk.ts';
import { createS3Store } from './s3.ts';
import type { DocumentStore } from './store.ts';

export function createDocumentStore(config: Config['storage']): DocumentStore {
  return config.kind === 's3' ? createS3Store(config) : createLocalDiskStore(config.dir);
}
