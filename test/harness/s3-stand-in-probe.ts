// What an S3 stand-in checks: starts each given s3rver build on 127.0.0.1 and
// probes it with the minio client and with raw SigV4-signed (and unsigned)
// HTTP requests; prints one Markdown table (README "Documents"). Not a test:
// it measures the stand-in, not Kastell.
//
//   node --import tsx test/harness/s3-stand-in-probe.ts [module-dir-or-name ...]
//
// default: the devDependency `@20minutes/s3rver`; give others as directories,
// e.g. /tmp/s3cmp/node_modules/s3rver after `npm install s3rver@3.7.1` there
import { createRequire } from 'node:module';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, CopyDestinationOptions, CopySourceOptions } from 'minio';
import { freePort } from './postgres.ts';

const require = createRequire(import.meta.url);
const accessKey = 'S3RVER';
const secretKey = 'S3RVER';
const region = 'us-east-1';
const bucket = 'probe';
const MiB = 2 ** 20;

type Outcome = string;
interface Probe { name: string; run(ctx: Ctx): Promise<Outcome> }
interface Ctx { endpoint: string; port: number; client: Client }

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

interface RawRequest {
  method: string;
  path: string; // "/bucket/key"
  query?: Record<string, string>;
  body?: Buffer;
  headers?: Record<string, string>;
  sign?: { secret?: string; access?: string; payloadHash?: string; date?: Date; tamper?: boolean } | false;
}

/** One AWS Signature Version 4 request (header auth), written from the AWS spec, path-style. */
async function raw(ctx: Ctx, request: RawRequest): Promise<{ status: number; text: string }> {
  const body = request.body ?? Buffer.alloc(0);
  const query = request.query ?? {};
  const headers: Record<string, string> = { host: `127.0.0.1:${ctx.port}`, ...(request.headers ?? {}) };
  if (request.sign !== false) {
    const sign = request.sign ?? {};
    const date = sign.date ?? new Date();
    const amzDate = date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const day = amzDate.slice(0, 8);
    headers['x-amz-date'] = amzDate;
    headers['x-amz-content-sha256'] = sign.payloadHash ?? sha256(body);
    const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
    const canonicalQuery = Object.keys(query).sort().map((k) => `${rfc3986(k)}=${rfc3986(query[k]!)}`).join('&');
    const canonicalPath = request.path.split('/').map(rfc3986).join('/');
    const canonical = [
      request.method,
      canonicalPath,
      canonicalQuery,
      names.map((h) => `${h}:${String(headers[Object.keys(headers).find((k) => k.toLowerCase() === h)!]).trim()}\n`).join(''),
      names.join(';'),
      headers['x-amz-content-sha256'],
    ].join('\n');
    const scope = `${day}/${region}/s3/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
    const key = hmac(hmac(hmac(hmac(`AWS4${sign.secret ?? secretKey}`, day), region), 's3'), 'aws4_request');
    let signature = createHmac('sha256', key).update(toSign).digest('hex');
    if (sign.tamper) signature = (signature[0] === '0' ? '1' : '0') + signature.slice(1);
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${sign.access ?? accessKey}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  }
  const qs = Object.keys(query).map((k) => `${rfc3986(k)}=${rfc3986(query[k]!)}`).join('&');
  const { host: _host, ...sent } = headers;
  const response = await fetch(`${ctx.endpoint}${request.path}${qs ? `?${qs}` : ''}`, {
    method: request.method,
    headers: sent,
    body: ['GET', 'HEAD'].includes(request.method) ? undefined : new Uint8Array(body),
  });
  return { status: response.status, text: await response.text() };
}

const code = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? '';
const verdict = (r: { status: number; text: string }) => (r.status < 300 ? `accepted (${r.status})` : `refused (${r.status} ${code(r.text)})`.replace(' )', ')'));
const caught = async (f: () => Promise<unknown>): Promise<Outcome> => {
  try {
    await f();
    return 'accepted';
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return `refused (${e.code ?? e.message?.slice(0, 60)})`;
  }
};
const read = async (stream: NodeJS.ReadableStream) => {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
};
const wrongClient = (ctx: Ctx, secret: string) =>
  new Client({ endPoint: '127.0.0.1', port: ctx.port, useSSL: false, accessKey, secretKey: secret, region, pathStyle: true });

const probes: Probe[] = [
  { name: 'minio client, right key: put + get', run: async ({ client }) => {
    await client.putObject(bucket, 'a.txt', Buffer.from('hello'));
    return (await read(await client.getObject(bucket, 'a.txt'))).toString() === 'hello' ? 'works' : 'wrong content';
  } },
  { name: 'minio client, wrong secret: putObject', run: (ctx) => caught(() => wrongClient(ctx, 'not-the-secret').putObject(bucket, 'w.txt', Buffer.from('x'))) },
  { name: 'minio client, wrong secret: getObject', run: (ctx) => caught(async () => read(await wrongClient(ctx, 'not-the-secret').getObject(bucket, 'a.txt'))) },
  { name: 'raw SigV4 PUT, wrong secret', run: async (ctx) => verdict(await raw(ctx, { method: 'PUT', path: `/${bucket}/raw1`, body: Buffer.from('x'), sign: { secret: 'nope' } })) },
  { name: 'raw SigV4 PUT, right key, signature altered', run: async (ctx) => verdict(await raw(ctx, { method: 'PUT', path: `/${bucket}/raw2`, body: Buffer.from('x'), sign: { tamper: true } })) },
  { name: 'raw SigV4 PUT, unknown access key', run: async (ctx) => verdict(await raw(ctx, { method: 'PUT', path: `/${bucket}/raw3`, body: Buffer.from('x'), sign: { access: 'NOBODY' } })) },
  { name: 'raw SigV4 PUT, right key (control)', run: async (ctx) => verdict(await raw(ctx, { method: 'PUT', path: `/${bucket}/raw4`, body: Buffer.from('x') })) },
  { name: 'raw SigV4 PUT, x-amz-date 1 h old', run: async (ctx) => verdict(await raw(ctx, { method: 'PUT', path: `/${bucket}/raw5`, body: Buffer.from('x'), sign: { date: new Date(Date.now() - 3600_000) } })) },
  { name: 'unsigned PUT', run: async (ctx) => verdict(await raw(ctx, { method: 'PUT', path: `/${bucket}/unsigned`, body: Buffer.from('x'), sign: false })) },
  { name: 'unsigned GET', run: async (ctx) => verdict(await raw(ctx, { method: 'GET', path: `/${bucket}/a.txt`, sign: false })) },
  { name: 'unsigned DELETE', run: async (ctx) => verdict(await raw(ctx, { method: 'DELETE', path: `/${bucket}/raw4`, sign: false })) },
  { name: 'signed PUT, Content-MD5 of another body', run: async (ctx) => verdict(await raw(ctx, {
    method: 'PUT', path: `/${bucket}/md5`, body: Buffer.from('body'), headers: { 'content-md5': createHash('md5').update('other').digest('base64') },
  })) },
  { name: 'signed PUT, x-amz-content-sha256 of another body', run: async (ctx) => verdict(await raw(ctx, {
    method: 'PUT', path: `/${bucket}/sha`, body: Buffer.from('body'), sign: { payloadHash: sha256('other') },
  })) },
  { name: 'ListMultipartUploads (GET ?uploads)', run: async (ctx) => verdict(await raw(ctx, { method: 'GET', path: `/${bucket}`, query: { uploads: '' } })) },
  { name: 'multipart: 2 × 8 MiB + 1 MiB parts, complete', run: async ({ client }) => {
    const parts = [Buffer.alloc(8 * MiB, 1), Buffer.alloc(8 * MiB, 2), Buffer.alloc(MiB, 3)];
    const id = await client.initiateNewMultipartUpload(bucket, 'mp', {});
    const etags = [];
    for (const [i, part] of parts.entries()) etags.push({ part: i + 1, etag: (await client.uploadPart({ bucketName: bucket, objectName: 'mp', uploadID: id, partNumber: i + 1, headers: {} }, part)).etag });
    await client.completeMultipartUpload(bucket, 'mp', id, etags);
    const got = await read(await client.getObject(bucket, 'mp'));
    return sha256(got) === sha256(Buffer.concat(parts)) ? 'works (content equal)' : `wrong content (${got.length} bytes)`;
  } },
  { name: 'multipart: non-last part of 1 MiB (< 5 MiB)', run: async ({ client }) => caught(async () => {
    const id = await client.initiateNewMultipartUpload(bucket, 'small', {});
    const etags = [];
    for (const n of [1, 2]) etags.push({ part: n, etag: (await client.uploadPart({ bucketName: bucket, objectName: 'small', uploadID: id, partNumber: n, headers: {} }, Buffer.alloc(MiB, n))).etag });
    await client.completeMultipartUpload(bucket, 'small', id, etags);
  }) },
  { name: 'multipart: complete with a wrong part ETag', run: async ({ client }) => caught(async () => {
    const id = await client.initiateNewMultipartUpload(bucket, 'badetag', {});
    await client.uploadPart({ bucketName: bucket, objectName: 'badetag', uploadID: id, partNumber: 1, headers: {} }, Buffer.alloc(MiB, 1));
    await client.completeMultipartUpload(bucket, 'badetag', id, [{ part: 1, etag: '"00000000000000000000000000000000"' }]);
  }) },
  { name: 'multipart: abort, then upload a part to it', run: async ({ client }) => {
    const id = await client.initiateNewMultipartUpload(bucket, 'aborted', {});
    await client.uploadPart({ bucketName: bucket, objectName: 'aborted', uploadID: id, partNumber: 1, headers: {} }, Buffer.alloc(MiB, 1));
    const abort = await caught(() => client.abortMultipartUpload(bucket, 'aborted', id));
    const after = await caught(() => client.uploadPart({ bucketName: bucket, objectName: 'aborted', uploadID: id, partNumber: 2, headers: {} }, Buffer.alloc(MiB, 2)));
    return `abort ${abort}; part after abort ${after}`;
  } },
  { name: 'presigned GET, valid', run: async (ctx) => { const r = await fetch(await ctx.client.presignedGetObject(bucket, 'a.txt', 60)); return verdict({ status: r.status, text: await r.text() }); } },
  { name: 'presigned GET, expired (1 s, used after 2 s)', run: async (ctx) => {
    const url = await ctx.client.presignedGetObject(bucket, 'a.txt', 1);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const r = await fetch(url);
    return verdict({ status: r.status, text: await r.text() });
  } },
  { name: 'presigned GET, signature altered', run: async (ctx) => {
    const url = new URL(await ctx.client.presignedGetObject(bucket, 'a.txt', 60));
    const s = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', (s[0] === '0' ? '1' : '0') + s.slice(1));
    const r = await fetch(url);
    return verdict({ status: r.status, text: await r.text() });
  } },
  { name: 'presigned GET URL used for a PUT', run: async (ctx) => {
    const r = await fetch(await ctx.client.presignedGetObject(bucket, 'a.txt', 60), { method: 'PUT', body: 'overwritten' });
    return verdict({ status: r.status, text: await r.text() });
  } },
  { name: 'bucket policy: set + get', run: async ({ client }) => caught(async () => {
    await client.setBucketPolicy(bucket, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] }] }));
    await client.getBucketPolicy(bucket);
  }) },
  { name: 'versioning: enable, put twice, list versions', run: async ({ client }) => {
    const set = await caught(() => client.setBucketVersioning(bucket, { Status: 'Enabled' }));
    let versions = 0;
    const listed = await caught(async () => {
      await client.putObject(bucket, 'v', Buffer.from('1'));
      await client.putObject(bucket, 'v', Buffer.from('2'));
      for await (const o of client.listObjects(bucket, 'v', true, { IncludeVersion: true })) if ((o as { name?: string }).name === 'v') versions++;
    });
    return `enable ${set}; list ${listed}, ${versions} version(s) of a twice-written key`;
  } },
  { name: 'object lock: make a locked bucket, get its lock config', run: async ({ client }) => caught(async () => {
    await client.makeBucket('locked', region, { ObjectLocking: true });
    await client.getObjectLockConfig('locked');
  }) },
  { name: 'Range GET (bytes 2–5)', run: async ({ client }) => {
    await client.putObject(bucket, 'range', Buffer.from('0123456789'));
    const got = (await read(await client.getPartialObject(bucket, 'range', 2, 4))).toString();
    return got === '2345' ? 'works' : `wrong (${JSON.stringify(got)})`;
  } },
  { name: 'Range GET beyond the end (bytes=100-)', run: async (ctx) => verdict(await raw(ctx, { method: 'GET', path: `/${bucket}/range`, headers: { range: 'bytes=100-' } })) },
  { name: 'copy object', run: async ({ client }) => {
    const r = await caught(() => client.copyObject(new CopySourceOptions({ Bucket: bucket, Object: 'range' }), new CopyDestinationOptions({ Bucket: bucket, Object: 'copied' })));
    if (!r.startsWith('accepted')) return r;
    return (await read(await client.getObject(bucket, 'copied'))).toString() === '0123456789' ? 'works' : 'wrong content';
  } },
];

async function probeServer(spec: string): Promise<{ label: string; results: Outcome[] }> {
  const path = require.resolve(spec);
  const S3rver = require(path) as new (options: object) => { run(): Promise<unknown>; close(): Promise<void> };
  const pkg = require(require.resolve(`${spec.replace(/\/$/, '')}/package.json`)) as { name: string; version: string };
  const directory = mkdtempSync(join(tmpdir(), 's3-probe-'));
  const port = await freePort();
  const server = new S3rver({ port, address: '127.0.0.1', directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
  await server.run();
  const ctx: Ctx = { endpoint: `http://127.0.0.1:${port}`, port, client: new Client({ endPoint: '127.0.0.1', port, useSSL: false, accessKey, secretKey, region, pathStyle: true }) };
  const results: Outcome[] = [];
  for (const probe of probes) {
    try {
      results.push(await probe.run(ctx));
    } catch (error) {
      results.push(`error: ${(error as Error).message.slice(0, 80)}`);
    }
  }
  await server.close();
  rmSync(directory, { recursive: true, force: true });
  return { label: `${pkg.name} ${pkg.version}`, results };
}

const specs = process.argv.slice(2);
const servers = [];
for (const spec of specs.length ? specs : ['@20minutes/s3rver']) servers.push(await probeServer(spec));
console.log(`| check (node ${process.version}) | ${servers.map((s) => s.label).join(' | ')} |`);
console.log(`|---|${servers.map(() => '---').join('|')}|`);
for (const [i, probe] of probes.entries()) console.log(`| ${probe.name} | ${servers.map((s) => s.results[i]).join(' | ')} |`);
