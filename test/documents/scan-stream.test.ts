// The INSTREAM scan fed chunk by chunk (app/documents/scan-file.ts
// openScan), as the upload's one pass feeds it while the body arrives: a real
// clamd's verdicts, and scanners that misbehave — silent after the last byte,
// not reading at all, answering before the end. None of them gives clean.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openScan, type ScanStream } from '../../app/documents/scan-file.ts';
import { eicar, startClamd } from '../harness/clamd.ts';

const clamd = await startClamd();
const dir = mkdtempSync(join(tmpdir(), 'kastell-scan-stream-'));
const servers: Server[] = [];
after(() => { for (const server of servers) server.close(); });

/** A fake scanner on a unix socket that does `behave` with each connection. */
async function fakeScanner(name: string, behave: (socket: Socket) => void): Promise<string> {
  const path = join(dir, `${name}.sock`);
  const server = createServer((socket) => { socket.on('error', () => undefined); behave(socket); });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return path;
}

async function feed(scan: ScanStream, bytes: Buffer, chunk: number) {
  for (let at = 0; at < bytes.length && !scan.settled; at += chunk) await scan.write(bytes.subarray(at, at + chunk));
  return scan.end();
}

test('a real clamd judges a stream fed in small chunks: EICAR found, text clean, every byte counted', async () => {
  const infected = openScan(clamd.socket, 10_000);
  assert.deepEqual(await feed(infected, Buffer.from(eicar), 5), { verdict: 'infected', signature: 'Eicar-Test-Signature.UNOFFICIAL' });
  const text = Buffer.from('Wartung ok.\n'.repeat(50_000));
  const clean = openScan(clamd.socket, 10_000);
  assert.deepEqual(await feed(clean, text, 64 * 1024), { verdict: 'clean' });
  assert.equal(clean.bytes, text.length);
});

test('a scanner that takes every byte and never answers: unavailable after the timeout, never clean', async () => {
  const socket = await fakeScanner('silent', (s) => s.resume());
  const result = await feed(openScan(socket, 300), Buffer.alloc(200_000, 0x61), 16 * 1024);
  assert.equal(result.verdict, 'unavailable');
  assert.match((result as { reason: string }).reason, /did not answer within 300 ms/);
});

test('a scanner that stops reading: the writer is not stuck, the scan is unavailable', async () => {
  const socket = await fakeScanner('stuck', (s) => s.pause());
  const scan = openScan(socket, 300);
  const result = await feed(scan, Buffer.alloc(64 * 1024 * 1024, 0x61), 1024 * 1024);
  assert.equal(result.verdict, 'unavailable');
  assert.match((result as { reason: string }).reason, /did not take the file within 300 ms/);
  assert.ok(scan.bytes < 64 * 1024 * 1024, 'feeding stopped once the scan had failed');
});

test('a scanner that answers before the end (its stream limit) ends the scan: too large, and write() never throws', async () => {
  const socket = await fakeScanner('limit', (s) => {
    let seen = 0;
    s.on('data', (data: Buffer) => {
      seen += data.length;
      if (seen > 100_000) s.end('INSTREAM size limit exceeded. ERROR\0');
    });
  });
  const scan = openScan(socket, 5_000);
  const result = await feed(scan, Buffer.alloc(2_000_000, 0x61), 32 * 1024);
  assert.equal(result.verdict, 'too_large');
  await scan.write(Buffer.from('more')); // settled: takes nothing, resolves
});

test('nothing listening: unavailable', async () => {
  const result = await feed(openScan(join(dir, 'absent.sock'), 1_000), Buffer.from('text'), 4);
  assert.equal(result.verdict, 'unavailable');
  assert.match((result as { reason: string }).reason, /cannot be reached \(ENOENT\)/);
});
