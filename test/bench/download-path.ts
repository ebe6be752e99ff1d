// The download path alone, without the database or the rest of the server
// (`node --import tsx test/bench/download-path.ts`; MIB=256, ROUNDS=3,
// HEAVY=1): one object encrypted as the store keeps it (1 MiB frames, local
// disk), served several ways and fetched by curl in its own process, in
// alternating rounds — a bare file → node:http pipe (the documents
// benchmark's baseline), the decrypted stream piped to node:http, the
// stream as Hono answers it (serve-version's toResponseStream), the same
// with more chunks read ahead, and decrypting into nothing (the ceiling).
// Medians and ratios to the bare pipe. No thresholds: it reports.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedKek } from '../harness/seed.ts';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Keyring } from '../../app/crypto/keyring.ts';
import { encryptingStore } from '../../app/crypto/encrypting-store.ts';
import { createLocalDiskStore } from '../../app/storage/local-disk.ts';
import { toResponseStream } from '../../app/documents/serve-version.ts';

const MiB = 2 ** 20;
// HEAVY=1: a server-sized heap (~80 MiB of live objects) and the benchmark child's 10 ms memoryUsage() sampler
const retained: unknown[] = [];
if (process.env.HEAVY) {
  for (let i = 0; i < 400_000; i++) retained.push({ i, s: `row ${i} `.repeat(20), a: [i, i + 1] });
  setInterval(() => process.memoryUsage(), 10).unref();
}
const size = Number(process.env.MIB ?? 256) * MiB;
const dir = mkdtempSync(join(tmpdir(), 'kastell-dl-'));
const plainFile = join(dir, 'plain');
await pipeline(Readable.from((function* () { const block = randomBytes(MiB); for (let i = 0; i < size / MiB; i++) yield block; })()), createWriteStream(plainFile));
const ring = new Keyring({ storeDir: join(dir, 'keys'), loadKeks: fixedKek(randomBytes(32)) });
const store = encryptingStore(createLocalDiskStore(join(dir, 'store')), ring);
const key = `documents/${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}/${'a'.repeat(32)}`;
await store.put(key, createReadStream(plainFile), size, '0193aaaa-0000-7000-8000-000000000001');

type Handler = (res: import('node:http').ServerResponse) => Promise<void>;
const nodeCases: Record<string, Handler> = {
  'bare file → res': async (res) => { res.setHeader('content-length', size); await pipeline(createReadStream(plainFile), res); },
  'bare decrypt → res': async (res) => { res.setHeader('content-length', size); await pipeline(await store.get(key), res); },
};
const servers: Record<string, string> = {};
for (const [name, handle] of Object.entries(nodeCases)) {
  const s = createServer((_req, res) => { handle(res).catch(() => res.destroy()); });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers[name] = `http://127.0.0.1:${(s.address() as { port: number }).port}/`;
}
const app = new Hono();
app.get('/current', async (c) => { c.header('Content-Length', String(size)); return c.body(toResponseStream(await store.get(key))); });
const hono = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
await new Promise((r) => hono.once('listening', r));
const honoUrl = `http://127.0.0.1:${(hono.address() as { port: number }).port}`;
servers['Hono toResponseStream (serve-version)'] = `${honoUrl}/current`;
// the same with one chunk read ahead (decrypting the next while the socket sends this one)
function readAhead(body: Readable, ahead: number): ReadableStream<Uint8Array> {
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close(); else controller.enqueue(next.value);
    },
    async cancel() { await chunks.return?.(); body.destroy(); },
  }, { highWaterMark: ahead });
}
app.get('/ahead1', async (c) => { c.header('Content-Length', String(size)); return c.body(readAhead(await store.get(key), 1)); });
app.get('/ahead4', async (c) => { c.header('Content-Length', String(size)); return c.body(readAhead(await store.get(key), 4)); });
servers['Hono, 1 chunk read ahead'] = `${honoUrl}/ahead1`;
servers['Hono, 4 chunks read ahead'] = `${honoUrl}/ahead4`;

const sinkDecrypt = async () => { const t0 = performance.now(); let n = 0; for await (const c of await store.get(key)) n += (c as Buffer).length; if (n !== size) throw new Error('size'); return size / MiB / ((performance.now() - t0) / 1000); };
const curl = (url: string) => new Promise<number>((resolve, reject) => {
  import('node:child_process').then(({ execFile }) => execFile('curl', ['-s', '-o', '/dev/null', '-w', '%{speed_download} %{size_download}', url], (err, out) => {
    if (err) return reject(err);
    const [speed, bytes] = out.split(' ').map(Number);
    if (bytes !== size) return reject(new Error(`${url}: ${bytes} bytes`));
    resolve(speed! / MiB);
  }));
});
const rounds = Number(process.env.ROUNDS ?? 3);
const results: Record<string, number[]> = {};
console.log(execFileSync('uptime').toString().trim());
for (let r = 0; r < rounds; r++) {
  for (const [name, url] of Object.entries(servers)) (results[name] ??= []).push(await curl(url));
  (results['decrypt → nothing (ceiling)'] ??= []).push(await sinkDecrypt());
}
console.log(execFileSync('uptime').toString().trim());
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const bare = median(results['bare file → res']!);
for (const [name, xs] of Object.entries(results)) console.log(`${name.padEnd(40)} median ${median(xs).toFixed(0).padStart(4)} MiB/s (${xs.map((x) => x.toFixed(0)).join(', ')}) ratio ${(median(xs) / bare).toFixed(2)}`);
process.exit(0);
