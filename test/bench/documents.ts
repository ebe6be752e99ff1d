// `npm run bench -- documents`: the document store's figures, each against a
// baseline measured in the same run.
//   1. A large upload (KASTELL_BENCH_DOC_MIB, default 1024 MiB) and its
//      download through the real HTTP routes — POST /api/v1/companies/:id/
//      documents (multipart, streamed by the client with node:http +
//      pipeline) and GET /documents/:id/download — on local disk and on the
//      S3 server (s3rver), against a bare node:http → file pipe; the server
//      (Kastell or bare) runs in a child process of its own
//      (documents-server.ts) that samples its own process.memoryUsage().rss,
//      so the extra RSS is the server's alone. The file is plain text (the
//      one allowed type of any size the pipeline does not rewrite), so every
//      step runs: receive to quarantine, detect-type (the UTF-8 check reads
//      it all), clamd INSTREAM (StreamMaxLength set above the size), copy,
//      SHA-256, store.put.
//   2. The time of each pipeline step for a ~10 MB JPEG photo (sharp) and a
//      ~10 MB PDF (pdfkit, scanned-looking pages), each against reading the
//      file once.
// No thresholds: it reports.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import PDFDocument from 'pdfkit';
import sharp from 'sharp';
import { detectType } from '../../app/documents/detect-type.ts';
import { runPipeline } from '../../app/documents/pipeline.ts';
import { reencodeImage } from '../../app/documents/reencode-image.ts';
import { sanitisePdf } from '../../app/documents/sanitise-pdf.ts';
import { openScan, scanFile } from '../../app/documents/scan-file.ts';
import { encryptObject } from '../../app/crypto/encrypting-store.ts';
import type { Keyring } from '../../app/crypto/keyring.ts';
import { launchClamd } from '../harness/clamd.ts';
import { freePort, startCluster } from '../harness/postgres.ts';
import type { RunningS3 } from '../harness/s3.ts';
import type { FromS3Server } from './documents-s3-server.ts';
import { seedCompany, seedSession, seedUser } from '../harness/seed.ts';
import { TestClient } from '../harness/server.ts';
import { prepareTemplate } from '../harness/template.ts';
import { cloneTemplate, percentile } from './database.ts';
import type { FromServer, ToServer } from './documents-server.ts';

const MiB = 2 ** 20;
const mibText = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;
const rate = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);

export async function runDocuments(options: { mib: number; stepRounds: number; print: (line: string) => void }): Promise<void> {
  const { print } = options;
  const work = await mkdtemp(join(tmpdir(), 'kastell-bench-documents-'));
  const clamd = await launchClamd({ maxMiB: Math.max(1100, options.mib + 64) });
  try {
    await runTransfer(work, clamd.socket, options.mib, print);
    if (options.stepRounds > 0) await runSteps(work, clamd.socket, options.stepRounds, print);
  } finally {
    await clamd.dispose();
    await rm(work, { recursive: true, force: true });
  }
}

// ---- 1. upload and download through the HTTP routes ----

// for timing the store format's encryption alone (a fixed key; the keyring's lookups are not what is measured)
const benchKey = { keyId: 'bench', key: Buffer.alloc(32, 7) };
const benchKeyring = { active: () => benchKey, byKeyId: () => benchKey } as unknown as Keyring;

interface ServerChild {
  url: string;
  ask(type: 'baseline' | 'peak'): Promise<{ rss: number; js: number; at?: number; jsAt?: number }>;
  stop(): Promise<void>;
}

// e.g. KASTELL_BENCH_DOC_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the servers
const serverNodeArgs = (process.env.KASTELL_BENCH_DOC_NODE_ARGS ?? '').split(' ').filter(Boolean);

// KASTELL_BENCH_DOC_BEFORE=/path/to/another/checkout: its Kastell server runs too, right before this one's, on the same
// bytes, database and clamd (an A/B in one run; that checkout needs its node_modules and the same migrations)
const beforeCheckout = process.env.KASTELL_BENCH_DOC_BEFORE;

async function startChild(mode: 'kastell' | 'bare', env: Record<string, string>, checkout?: string): Promise<ServerChild> {
  const script = checkout ? join(checkout, 'test/bench/documents-server.ts') : fileURLToPath(new URL('./documents-server.ts', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--expose-gc', ...serverNodeArgs, '--import', 'tsx', script, mode], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env }, ...(checkout ? { cwd: checkout } : {}),
  });
  const next = <T extends FromServer['type']>(type: T) => new Promise<Extract<FromServer, { type: T }>>((resolve, reject) => {
    const onMessage = (message: FromServer) => {
      if (message.type !== type) return;
      child.off('message', onMessage); child.off('exit', onExit);
      resolve(message as Extract<FromServer, { type: T }>);
    };
    const onExit = (code: number | null) => { child.off('message', onMessage); reject(new Error(`the ${mode} server exited (${code}) before answering ${type}`)); };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
  const ready = await next('ready');
  return {
    url: ready.url,
    ask: (type) => { const answer = next(type); child.send({ type } satisfies ToServer); return answer; },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** s3rver in a child process of its own (documents-s3-server.ts), not in the load generator's event loop. */
async function startS3Process(bucket: string): Promise<RunningS3 & { dispose(): Promise<void> }> {
  const script = fileURLToPath(new URL('./documents-s3-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, bucket], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const s3 = await new Promise<RunningS3>((resolve, reject) => {
    child.once('message', (message: FromS3Server) => resolve(message.s3));
    child.once('exit', (code) => reject(new Error(`the S3 server exited (${code}) before it was ready`)));
  });
  return {
    ...s3,
    dispose: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      await exited;
    },
  };
}

/** Printable ASCII in lines of 64 (the pipeline's text check passes it: UTF-8, no control characters, no markup). */
async function makeTextFile(path: string, bytes: number): Promise<void> {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:-';
  const block = Buffer.alloc(MiB);
  const random = randomBytes(MiB);
  for (let i = 0; i < MiB; i++) block[i] = (i + 1) % 65 === 0 ? 0x0a : alphabet.charCodeAt(random[i]! % alphabet.length);
  let left = bytes;
  let n = 0;
  await pipeline(Readable.from((function* () {
    while (left > 0) {
      const chunk = Buffer.from(block.subarray(0, Math.min(left, MiB)));
      chunk.write(`block ${n++} `.padEnd(16, ' '), 0, 'latin1'); // each MiB differs
      left -= chunk.length;
      yield chunk;
    }
  })()), createWriteStream(path));
}

interface Timed { status: number; sentMs: number; totalMs: number; body: string }

/** POSTs `file` as the multipart form a browser sends (CSRF field first), streamed from disk by pipeline. */
async function uploadMultipart(url: string, headers: Record<string, string>, fields: Record<string, string>, file: string, size: number): Promise<Timed> {
  const boundary = `----kastellbench${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join('') +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const started = performance.now();
  return new Promise<Timed>((resolve, reject) => {
    let sentMs = NaN;
    const req = request(url, {
      method: 'POST', agent: false,
      headers: { ...headers, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + size + tail.length) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, sentMs, totalMs: performance.now() - started, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const body = Readable.from((async function* () {
      yield head;
      for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) yield chunk as Buffer;
      yield tail;
    })(), { objectMode: false });
    pipeline(body, req).then(() => { sentMs = performance.now() - started; }, reject);
  });
}

async function downloadAll(url: string, headers: Record<string, string>): Promise<{ status: number; bytes: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let bytes = 0;
      const sink = new Writable({ write(chunk: Buffer, _encoding, done) { bytes += chunk.length; done(); } });
      pipeline(res, sink).then(() => resolve({ status: res.statusCode!, bytes, ms: performance.now() - started }), reject);
    });
    req.on('error', reject);
    req.end();
  });
}

interface SideResult {
  upSentMs: number; upTotalMs: number; downMs: number;
  /** RSS: after warm-up and GC, peak while uploading, after the upload and GC, peak while downloading */
  baseline: number; upPeak: number; afterUpload: number; downPeak: number;
  /** the same for heapUsed + external */
  js: { baseline: number; upPeak: number; afterUpload: number; downPeak: number };
  /** seconds into the upload at which the RSS and the heapUsed+external peaks were reached */
  upPeakAt: number; upJsPeakAt: number;
}

async function measureSide(server: ServerChild, transfer: (phase: 'up' | 'down') => Promise<{ sentMs?: number; ms: number }>): Promise<SideResult> {
  const baseline = await server.ask('baseline');
  const upStarted = Date.now();
  const up = await transfer('up');
  const upPeak = await server.ask('peak');
  const afterUpload = await server.ask('baseline');
  const down = await transfer('down');
  const downPeak = await server.ask('peak');
  return {
    upSentMs: up.sentMs ?? up.ms, upTotalMs: up.ms, downMs: down.ms,
    baseline: baseline.rss, upPeak: upPeak.rss, afterUpload: afterUpload.rss, downPeak: downPeak.rss,
    js: { baseline: baseline.js, upPeak: upPeak.js, afterUpload: afterUpload.js, downPeak: downPeak.js },
    upPeakAt: (upPeak.at! - upStarted) / 1000, upJsPeakAt: (upPeak.jsAt! - upStarted) / 1000,
  };
}

async function runTransfer(work: string, clamdSocket: string, mib: number, print: (line: string) => void): Promise<void> {
  const size = mib * MiB;
  const source = join(work, 'source.txt');
  const small = join(work, 'warm-up.txt');
  await makeTextFile(source, size);
  await makeTextFile(small, MiB);
  const sourceHash = createHash('sha256');
  await pipeline(createReadStream(source), sourceHash);
  const expectedSha = sourceHash.digest('hex');

  const cluster = await startCluster();
  const s3 = await startS3Process('kastell-bench-documents');
  try {
    const { appPassword } = await prepareTemplate(cluster);
    const database = await cloneTemplate(cluster, appPassword);
    try {
      const company = await seedCompany(database.admin, 'Bench Documents AG');
      const member = await seedUser(database.admin, 'customer_member', company);
      print(`# documents: ${mibText(size)} text file, PostgreSQL ${cluster.version}, node ${process.version}; servers in child processes, RSS sampled there every 10 ms`);
      const results: Array<{ store: string; bare: SideResult; kastell: SideResult; before: SideResult | undefined }> = [];
      for (const store of ['local', 's3'] as const) {
        // the bare pipe right before each Kastell side, so drift hits both alike
        const bare = await startChild('bare', { BENCH_BARE_DIR: join(work, `bare-${store}`) });
        let bareSide: SideResult;
        try {
          await uploadMultipart(`${bare.url}/upload`, {}, { _csrf: 'x' }, small, MiB);
          await downloadAll(`${bare.url}/download`, {});
          bareSide = await measureSide(bare, async (phase) => {
            if (phase === 'up') {
              const r = await uploadMultipart(`${bare.url}/upload`, {}, { _csrf: 'x', title: 'Bench file', kind: 'other' }, source, size);
              if (r.status !== 201) throw new Error(`bare upload answered ${r.status}`);
              return { sentMs: r.sentMs, ms: r.totalMs };
            }
            const r = await downloadAll(`${bare.url}/download`, {});
            if (r.status !== 200) throw new Error(`bare download answered ${r.status}`);
            return { ms: r.ms };
          });
        } finally {
          await bare.stop();
        }

        const runKastell = async (checkout: string | undefined): Promise<SideResult> => {
          const dataDir = join(work, `kastell-${store}`);
          await mkdir(dataDir, { recursive: true });
          const kastell = await startChild('kastell', {
            KASTELL_DATABASE_URL: database.appUrl,
            KASTELL_HTTP_PORT: String(await freePort()),
            KASTELL_DATA_DIR: dataDir,
            KASTELL_SECRET_KEY: Buffer.alloc(32, 3).toString('base64'),
            KASTELL_HIBP_URL: 'off',
            KASTELL_JOBS: 'off',
            KASTELL_RATE_LIMIT_PER_MINUTE: '1000000',
            KASTELL_UPLOAD_MAX_MIB: String(Math.min(4095, Math.max(1024, mib + 16))),
            KASTELL_CLAMD_SOCKET: clamdSocket,
            KASTELL_CLAMD_TIMEOUT_MS: '3600000',
            ...(store === 's3' ? { KASTELL_STORAGE: 's3', KASTELL_S3_ENDPOINT: s3.endpoint, KASTELL_S3_BUCKET: s3.bucket, KASTELL_S3_ACCESS_KEY: s3.accessKey, KASTELL_S3_SECRET_KEY: s3.secretKey } : {}),
          }, checkout);
          let kastellSide: SideResult;
          try {
            // a session of its own per server: a run before this one may have rotated the first one's CSRF token
            const client = new TestClient(kastell.url).withSession(await seedSession(database.admin, member.userId, '60 minutes'));
            await client.get('/sign-in'); // the CSRF cookie
            const headers = () => ({ origin: new URL(kastell.url).origin, cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') });
            const fields = () => ({ _csrf: client.cookies.get('__Host-kastell-csrf') ?? '', title: 'Bench file', kind: 'other' });
            const uploadOne = async (file: string, bytes: number) => {
              const r = await uploadMultipart(`${kastell.url}/api/v1/companies/${company}/documents`, headers(), fields(), file, bytes);
              if (r.status !== 201) throw new Error(`upload answered ${r.status}: ${r.body.slice(0, 300)}`);
              const document = JSON.parse(r.body) as { documentId: string; versions: Array<{ status: string; sha256?: string; rejectionReason?: string }> };
              if (document.versions[0]?.status !== 'clean') throw new Error(`the upload is ${document.versions[0]?.status}, not clean: ${r.body.slice(0, 300)}`);
              return { ...r, documentId: document.documentId, version: document.versions[0] };
            };
            // warm-up: every module of both routes loaded before the baseline
            const warm = await uploadOne(small, MiB);
            await downloadAll(`${kastell.url}/documents/${warm.documentId}/download`, headers());
            let documentId = '';
            kastellSide = await measureSide(kastell, async (phase) => {
              if (phase === 'up') {
                const r = await uploadOne(source, size);
                documentId = r.documentId;
                const sha = (r.version as Record<string, unknown>).sha256;
                if (typeof sha === 'string' && sha !== expectedSha) throw new Error(`stored SHA-256 ${sha} is not the file's ${expectedSha}`);
                return { sentMs: r.sentMs, ms: r.totalMs };
              }
              const r = await downloadAll(`${kastell.url}/documents/${documentId}/download`, headers());
              if (r.status !== 200 || r.bytes !== size) throw new Error(`download answered ${r.status} with ${r.bytes} bytes`);
              return { ms: r.ms };
            });
          } finally {
            await kastell.stop();
            await rm(dataDir, { recursive: true, force: true });
          }

          return kastellSide;
        };
        const beforeSide = beforeCheckout ? await runKastell(beforeCheckout) : undefined;
        const kastellSide = await runKastell(undefined);
        results.push({ store, bare: bareSide, kastell: kastellSide, before: beforeSide });
        const k = kastellSide;
        const b = bareSide;
        print(`documents ${store}: bare pipe up ${rate(size, b.upTotalMs).toFixed(0)} MiB/s, down ${rate(size, b.downMs).toFixed(0)} MiB/s (RSS +${mibText(b.upPeak - b.baseline)} up, +${mibText(b.downPeak - b.afterUpload)} down)`);
        print(`documents ${store}: Kastell body received in ${(k.upSentMs / 1000).toFixed(1)} s (${rate(size, k.upSentMs).toFixed(0)} MiB/s), 201 clean after ${(k.upTotalMs / 1000).toFixed(1)} s (${rate(size, k.upTotalMs).toFixed(0)} MiB/s), download ${(k.downMs / 1000).toFixed(1)} s (${rate(size, k.downMs).toFixed(0)} MiB/s)`);
        print(`documents ${store}: Kastell RSS baseline ${mibText(k.baseline)}, upload peak ${mibText(k.upPeak)}, after upload (GC) ${mibText(k.afterUpload)}, download peak ${mibText(k.downPeak)}; ` +
          `heapUsed+external ${mibText(k.js.baseline)}, ${mibText(k.js.upPeak)}, ${mibText(k.js.afterUpload)}, ${mibText(k.js.downPeak)}; ` +
          `the upload's peaks at ${k.upPeakAt.toFixed(1)} s (RSS) and ${k.upJsPeakAt.toFixed(1)} s (heap+external) of ${(k.upTotalMs / 1000).toFixed(1)} s, the body received at ${(k.upSentMs / 1000).toFixed(1)} s`);
      }
      // where the end-to-end upload time goes: the server's own steps, timed here on the same file
      const copy = join(work, 'copy.txt');
      const stepMs = {
        'detect-type': await timeOf(() => detectType(source)),
        'scan (clamd)': await timeOf(async () => {
          const scan = await scanFile(source, clamdSocket, 3_600_000);
          if (scan.verdict !== 'clean') throw new Error(`clamd said ${JSON.stringify(scan)}`);
        }),
        // the same INSTREAM in its two halves: clamd taking the bytes (what the one pass waits for while receiving)
        // and its verdict after the last one (what the 201 waits for after the body)
        ...await (async () => {
          const scan = openScan(clamdSocket, 3_600_000);
          const started = performance.now();
          for await (const chunk of createReadStream(source, { highWaterMark: 64 * 1024 })) await scan.write(chunk as Buffer);
          const sent = performance.now();
          const verdict = await scan.end();
          if (verdict.verdict !== 'clean') throw new Error(`clamd said ${JSON.stringify(verdict)}`);
          return { 'clamd taking the bytes': sent - started, 'clamd verdict after the last byte': performance.now() - sent };
        })(),
        'encrypt (store format, into nothing)': await timeOf(() => pipeline(encryptObject(benchKeyring, '0193aaaa-0000-7000-8000-000000000001', 'documents/bench', createReadStream(source, { highWaterMark: 1024 * 1024 })),
          new Writable({ write(_chunk, _encoding, done) { done(); } }))),
        copy: await timeOf(() => copyFile(source, copy)),
        'SHA-256': await timeOf(() => pipeline(createReadStream(copy), createHash('sha256'))),
      };
      await rm(copy, { force: true });
      print(`documents: the upload's steps on the same ${mibText(size)} file, run here one after another (what the upload cost before the one pass fed them while the body arrived): ${Object.entries(stepMs).map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`).join(', ')}`);
      for (const { store, bare: b, kastell: k, before } of results) {
        if (before) {
          print(`RESULT documents ${store} ${mibText(size)} before (${beforeCheckout}), same run: upload receive ratio ${(b.upTotalMs / before.upSentMs).toFixed(2)}, end-to-end ratio ${(b.upTotalMs / before.upTotalMs).toFixed(2)} (201 clean after ${(before.upTotalMs / 1000).toFixed(1)} s); ` +
            `download ratio ${(b.downMs / before.downMs).toFixed(2)}; extra RSS +${mibText(before.upPeak - before.baseline)} up, +${mibText(before.downPeak - before.afterUpload)} down`);
        }
        print(`RESULT documents ${store} ${mibText(size)} upload: receive ratio ${(b.upTotalMs / k.upSentMs).toFixed(2)}, end-to-end (to the 201 clean: one pass while receiving, then file-type, the verdict, the store) ratio ${(b.upTotalMs / k.upTotalMs).toFixed(2)} of the bare node:http → file pipe (goal >= 0.50)`);
        print(`RESULT documents ${store} ${mibText(size)} download: ratio ${(b.downMs / k.downMs).toFixed(2)} of the bare file → node:http pipe (goal >= 0.70)`);
        print(`RESULT documents ${store} extra RSS over the server's baseline: upload +${mibText(k.upPeak - k.baseline)}, download +${mibText(k.downPeak - k.afterUpload)} (each over the baseline after GC right before it; goal <= 64 MiB; heapUsed+external +${mibText(k.js.upPeak - k.js.baseline)} up, +${mibText(k.js.downPeak - k.js.afterUpload)} down; the bare pipe's RSS +${mibText(b.upPeak - b.baseline)} up, +${mibText(b.downPeak - b.afterUpload)} down)`);
      }
    } finally {
      await database.drop();
    }
  } finally {
    await s3.dispose();
    await cluster.stop();
  }
}

// ---- 2. each pipeline step for a 10 MB photo and a 10 MB PDF ----

const target = 10_000_000;

async function makePhoto(path: string): Promise<void> {
  // a noisy picture compresses like a detailed photo; grow it until it is ~10 MB
  let width = 4000;
  let height = 3000;
  for (let attempt = 0; attempt < 3; attempt++) {
    const jpeg = await sharp({ create: { width, height, channels: 3, background: '#6080a0', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
      .jpeg({ quality: 92 }).toBuffer();
    await writeFile(path, jpeg);
    if (Math.abs(jpeg.length - target) < target * 0.1) return;
    const scale = Math.sqrt(target / jpeg.length);
    width = Math.round(width * scale);
    height = Math.round(height * scale);
  }
}

async function makeScannedPdf(path: string): Promise<void> {
  // A4 pages at 150 dpi, each a "scan" (a JPEG) with a line of text, until ~10 MB
  const document = new PDFDocument({ size: 'A4', autoFirstPage: false, info: { Title: 'Bench scan' } });
  const done = pipeline(document, createWriteStream(path));
  let images = 0;
  for (let page = 0; images < target * 0.97; page++) {
    const scan = await sharp({ create: { width: 1240, height: 1754, channels: 3, background: '#f0f0f0', noise: { type: 'gaussian', mean: 200, sigma: 25 } } })
      .jpeg({ quality: 80 }).toBuffer();
    images += scan.length;
    document.addPage();
    document.image(scan, 0, 0, { width: 595.28, height: 841.89 });
    document.fontSize(12).text(`Service report page ${page + 1}: Wartung der Pumpe, Messwerte und Unterschrift.`, 40, 40);
  }
  document.end();
  await done;
}

async function timeOf(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

async function runSteps(work: string, clamdSocket: string, rounds: number, print: (line: string) => void): Promise<void> {
  const photo = join(work, 'photo.jpg');
  const pdf = join(work, 'scan.pdf');
  await makePhoto(photo);
  await makeScannedPdf(pdf);
  const steps = join(work, 'steps');
  await mkdir(steps, { recursive: true });
  for (const [name, file] of [['photo (JPEG)', photo], ['PDF', pdf]] as const) {
    const size = (await stat(file)).size;
    const detected = await detectType(file);
    if (!detected.ok) throw new Error(`${name}: ${detected.reason}`);
    const times: Record<string, number[]> = { read: [], detect: [], scan: [], sanitise: [], hash: [], pipeline: [] };
    const output = join(steps, 'output');
    for (let round = 0; round <= rounds; round++) {
      const sample: Record<string, number> = {};
      sample.read = await timeOf(() => pipeline(createReadStream(file), new Writable({ write(_chunk, _encoding, done) { done(); } })));
      sample.detect = await timeOf(() => detectType(file));
      sample.scan = await timeOf(async () => {
        const scan = await scanFile(file, clamdSocket, 120_000);
        if (scan.verdict !== 'clean') throw new Error(`${name}: clamd said ${JSON.stringify(scan)}`);
      });
      sample.sanitise = await timeOf(() => detected.type === 'application/pdf' ? sanitisePdf(file, output, steps) : reencodeImage(file, output, detected.type, 100_000_000));
      sample.hash = await timeOf(() => pipeline(createReadStream(output), createHash('sha256')));
      sample.pipeline = await timeOf(async () => {
        const outcome = await runPipeline(file, output, { clamdSocket, clamdTimeoutMs: 120_000, maxPixels: 100_000_000, workDir: steps });
        if (outcome.status !== 'clean') throw new Error(`${name}: ${JSON.stringify(outcome)}`);
      });
      if (round === 0) continue; // warm-up
      for (const [step, ms] of Object.entries(sample)) times[step]!.push(ms);
    }
    const median = (step: string) => percentile([...times[step]!].sort((a, b) => a - b), 50);
    const read = median('read');
    const label = { detect: 'detect-type', scan: 'scan (clamd)', sanitise: detected.type === 'application/pdf' ? 'sanitise (qpdf)' : 're-encode (sharp)', hash: 'SHA-256 of the output', pipeline: 'whole pipeline' } as Record<string, string>;
    const outSize = (await stat(output)).size;
    print(`RESULT documents step ${name} ${(size / 1e6).toFixed(1)} MB (output ${(outSize / 1e6).toFixed(1)} MB), median of ${rounds}: reading it once ${read.toFixed(1)} ms; ` +
      ['detect', 'scan', 'sanitise', 'hash', 'pipeline'].map((step) => `${label[step]} ${median(step).toFixed(0)} ms (${(median(step) / read).toFixed(1)}× read)`).join(', '));
  }
}
