// A real S3 API server on 127.0.0.1 for the MinIO adapter. MinIO's server
// binary cannot be installed here; @20minutes/s3rver 4.x (the maintained fork
// of s3rver, Node 20) is the best S3-compatible server available: it checks
// SigV4 signatures (header and presigned; wrong secret → SignatureDoesNotMatch)
// but NOT payload digests (Content-MD5, x-amz-content-sha256), unsigned
// requests, policies, versioning or object lock, and has no
// ListMultipartUploads or AbortMultipartUpload — README "Documents" has the
// measured table (test/harness/s3-stand-in-probe.ts).
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from '@20minutes/s3rver';
import { freePort } from './postgres.ts';

export interface RunningS3 { endpoint: string; accessKey: string; secretKey: string; bucket: string }

export async function startS3Server(bucket: string): Promise<RunningS3> {
  const { dispose, ...s3 } = await launchS3Server(bucket);
  after(dispose);
  return s3;
}

/** The same without node:test (the benchmarks): the caller calls dispose(). */
export async function launchS3Server(bucket: string): Promise<RunningS3 & { dispose(): Promise<void> }> {
  const directory = mkdtempSync(join(tmpdir(), 'kastell-s3-'));
  const port = await freePort();
  const server = new S3rver({ port, address: '127.0.0.1', directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
  await server.run();
  const dispose = async () => {
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  };
  return { endpoint: `http://127.0.0.1:${port}`, accessKey: 'S3RVER', secretKey: 'S3RVER', bucket, dispose };
}
