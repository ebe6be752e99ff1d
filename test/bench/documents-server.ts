// The server side of the documents benchmark, in a child process of its own
// so that its RSS is the server's alone (the load generator, s3rver and
// clamd live elsewhere): `kastell` runs the real Kastell server from the
// KASTELL_* variables it is given; `bare` is the baseline, a bare node:http
// server piping a POST body into a file and that file back out on GET.
// It samples process.memoryUsage().rss every 10 ms and answers the parent
// over IPC: { type: 'baseline' } (after two GCs) and { type: 'peak' }.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export type ToServer = { type: 'baseline' } | { type: 'peak' } | { type: 'stop' };
/** rss: process.memoryUsage().rss; js: heapUsed + external (what JavaScript holds, Buffers included) */
/** at, jsAt: when (Date.now()) each peak was reached */
export type FromServer = { type: 'ready'; url: string } | { type: 'baseline'; rss: number; js: number } | { type: 'peak'; rss: number; js: number; at: number; jsAt: number };

const mode = process.argv[2];
const send = (message: FromServer) => process.send!(message);

let peak = 0;
let peakJs = 0;
let peakAt = 0;
let peakJsAt = 0;
const sample = () => {
  const usage = process.memoryUsage();
  if (usage.rss > peak) { peak = usage.rss; peakAt = Date.now(); }
  if (usage.heapUsed + usage.external > peakJs) { peakJs = usage.heapUsed + usage.external; peakJsAt = Date.now(); }
};
setInterval(sample, 10).unref();

let close: () => Promise<void>;
if (mode === 'bare') {
  const dir = process.env.BENCH_BARE_DIR!;
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'body');
  const server = createServer((req, res) => {
    const done = (status: number) => (error?: Error) => { res.statusCode = error ? 500 : status; res.end(error?.message); };
    if (req.method === 'POST') {
      pipeline(req, createWriteStream(file)).then(() => done(201)(), done(500));
    } else {
      stat(file).then((info) => {
        res.setHeader('content-length', info.size);
        res.setHeader('content-type', 'application/octet-stream');
        return pipeline(createReadStream(file), res);
      }).catch((error: Error) => { if (!res.headersSent) done(500)(error); else res.destroy(); });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  close = async () => { await new Promise((resolve) => server.close(resolve)); await rm(dir, { recursive: true, force: true }); };
  send({ type: 'ready', url: `http://127.0.0.1:${address.port}` });
} else {
  const { parseConfig } = await import('../../app/config.ts');
  const { createLogger } = await import('../../app/log.ts');
  const { startServer } = await import('../../app/server.ts');
  const server = await startServer(parseConfig(process.env), createLogger({ level: process.env.BENCH_SERVER_LOG ?? 'silent' }));
  close = () => server.close();
  send({ type: 'ready', url: server.url });
}

process.on('message', (message: ToServer) => {
  void (async () => {
    if (message.type === 'baseline') {
      global.gc?.();
      await sleep(50);
      global.gc?.();
      await sleep(200);
      const usage = process.memoryUsage();
      peak = usage.rss;
      peakJs = usage.heapUsed + usage.external;
      send({ type: 'baseline', rss: peak, js: peakJs });
    } else if (message.type === 'peak') {
      sample();
      send({ type: 'peak', rss: peak, js: peakJs, at: peakAt, jsAt: peakJsAt });
    } else {
      await close();
      process.exit(0);
    }
  })();
});
