// ClamAV through clamd's socket, INSTREAM (clamd(8)): "zINSTREAM\0", then
// chunks each prefixed with its length (4 bytes, network order), a zero
// length to end; clamd answers "stream: OK", "stream: <name> FOUND" or
// "... ERROR". The protocol is small and documented; the npm clients either
// wrap clamscan binaries and temp files (clamscan) or are unmaintained
// (clamdjs), so it is spoken here directly.
//
// Fails closed: anything but an explicit OK is not clean. A scanner that is
// down, slow or refuses the size is 'unavailable' (the version stays pending
// and is retried); a file beyond clamd's limits is reported FOUND
// (Heuristics.Limits.Exceeded) because the appliance sets AlertExceedsMax.
import { createReadStream } from 'node:fs';
import { createConnection, type IpcNetConnectOpts } from 'node:net';
import { refusal } from './reasons.ts';

export type ScanResult =
  | { verdict: 'clean' }
  | { verdict: 'infected'; signature: string }
  | { verdict: 'too_large'; reason: string }
  | { verdict: 'unavailable'; reason: string };

/**
 * One INSTREAM scan fed chunk by chunk: the upload's one pass (one-pass.ts)
 * feeds it while the body arrives; scanFile feeds it from a file. write()
 * resolves when clamd can take more (backpressure) and never rejects: a scan
 * that failed is settled and takes nothing more. The timeout runs while
 * clamd does not take the bytes given (a full socket) and while its answer
 * is awaited after the end, not while the uploader's bytes are on their way.
 * (clamd closes a connection idle for its ReadTimeout, 120 s by default: an
 * upload stalled that long is then held, not cleaned.)
 */
export interface ScanStream {
  write(chunk: Buffer): Promise<void>;
  /** Sends the end (a zero length) and waits for the verdict. */
  end(): Promise<ScanResult>;
  /** Ends the scan without a verdict (the upload failed). */
  abort(): void;
  /** Whether a verdict (or a failure) is there already: feeding more is of no use. */
  readonly settled: boolean;
  /** The bytes handed to clamd. */
  readonly bytes: number;
}

export function openScan(socketPath: string, timeoutMs: number): ScanStream {
  let answer = '';
  let settled = false;
  let bytes = 0;
  let timer: NodeJS.Timeout | undefined;
  let resolveResult!: (result: ScanResult) => void;
  const result = new Promise<ScanResult>((resolve) => { resolveResult = resolve; });
  const waiting = new Set<() => void>();
  const finish = (outcome: ScanResult) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.destroy();
    for (const wake of waiting) wake();
    waiting.clear();
    resolveResult(outcome);
  };
  const arm = (what: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => finish({ verdict: 'unavailable', reason: `the virus scanner did not ${what} within ${timeoutMs} ms` }), timeoutMs);
  };
  // 1 MiB of room in the socket: with the default 16 KiB every 64 KiB chunk waited for a drain (clamd took a 256 MiB
  // stream ~30 % slower in 64 KiB chunks than in 256 KiB ones); at most this much more is held per upload
  const socket = createConnection({ path: socketPath, writableHighWaterMark: 1024 * 1024 } as IpcNetConnectOpts);
  socket.on('error', (error) => finish(answer
    ? verdictOf(answer) // clamd said why before it closed (a stream beyond its StreamMaxLength)
    : { verdict: 'unavailable', reason: `the virus scanner cannot be reached (${(error as NodeJS.ErrnoException).code ?? error.message})` }));
  socket.on('data', (data) => { answer += data.toString('latin1'); });
  socket.on('end', () => finish(verdictOf(answer)));
  socket.on('close', () => finish(verdictOf(answer)));
  socket.write('zINSTREAM\0');
  const drained = () => new Promise<void>((resolve) => {
    const wake = () => { waiting.delete(wake); socket.off('drain', wake); clearTimeout(timer); resolve(); };
    waiting.add(wake);
    socket.once('drain', wake);
    arm('take the file');
  });
  return {
    get settled() { return settled; },
    get bytes() { return bytes; },
    async write(chunk) {
      if (settled || chunk.length === 0) return;
      bytes += chunk.length;
      const length = Buffer.allocUnsafe(4);
      length.writeUInt32BE(chunk.length);
      socket.cork();
      socket.write(length);
      const room = socket.write(chunk);
      socket.uncork();
      if (!room && !settled) await drained();
    },
    async end() {
      if (!settled) {
        socket.write(Buffer.alloc(4));
        arm('answer');
      }
      return result;
    },
    abort() { finish({ verdict: 'unavailable', reason: 'the upload ended before the scan' }); },
  };
}

export async function scanFile(path: string, socketPath: string, timeoutMs: number): Promise<ScanResult> {
  const scan = openScan(socketPath, timeoutMs);
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
      await scan.write(chunk as Buffer);
      if (scan.settled) break;
    }
  } catch (error) {
    scan.abort();
    return { verdict: 'unavailable', reason: `the quarantined file cannot be read (${(error as Error).message})` };
  }
  return scan.end();
}

function verdictOf(answer: string): ScanResult {
  const line = answer.replace(/\0/g, '').trim();
  if (line === 'stream: OK') return { verdict: 'clean' };
  const found = /^stream: (.+) FOUND$/.exec(line);
  if (found) {
    const signature = found[1]!.slice(0, 100);
    if (signature.startsWith('Heuristics.Limits.Exceeded')) return { verdict: 'too_large', reason: refusal('scannerLimits', signature) };
    return { verdict: 'infected', signature };
  }
  if (/size limit exceeded/i.test(line)) return { verdict: 'too_large', reason: refusal('scannerStreamLimit') };
  return { verdict: 'unavailable', reason: line ? `the virus scanner refused the file (${line.slice(0, 100)})` : 'the virus scanner closed the connection without a verdict' };
}

export type ScannerVersion =
  | { reachable: true; engine: string; signatureVersion: number | null; signaturesDate: Date | null; answer: string }
  | { reachable: false; reason: string };

/**
 * clamd's VERSION command (zVERSION\0): "ClamAV 1.4.2/27450/Mon Nov 25 09:36:19 2024" — the engine, the
 * daily signature database's version and its build time. Without a daily database clamd answers the engine
 * alone ("ClamAV 1.4.2"): the age of its signatures is then unknown.
 */
export async function askScannerVersion(socketPath: string, timeoutMs: number): Promise<ScannerVersion> {
  return new Promise((resolve) => {
    let answer = '';
    let settled = false;
    const finish = (result: ScannerVersion) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ reachable: false, reason: `the virus scanner did not answer within ${timeoutMs} ms` }), timeoutMs);
    const socket = createConnection(socketPath);
    socket.on('error', (error) => finish({ reachable: false, reason: `the virus scanner cannot be reached (${(error as NodeJS.ErrnoException).code ?? error.message})` }));
    socket.on('connect', () => socket.write('zVERSION\0'));
    socket.on('data', (data) => { answer += data.toString('latin1'); });
    const done = () => finish(parseScannerVersion(answer));
    socket.on('end', done);
    socket.on('close', done);
  });
}

export function parseScannerVersion(raw: string): ScannerVersion {
  const line = raw.replace(/\0/g, '').trim();
  // eslint-disable-next-line security/detect-unsafe-regex -- the version part cannot hold '/', so the optional tail cannot backtrack
  const match = /^ClamAV ([^\s/]+)(?:\/(\d+)\/(.+))?$/.exec(line);
  if (!match) return { reachable: false, reason: line ? `the virus scanner gave an answer that is not a version (${line.slice(0, 100)})` : 'the virus scanner closed the connection without an answer' };
  // clamd prints the database time with ctime(3) in the server's local zone; the appliance runs in UTC
  const date = match[3] ? new Date(`${match[3].trim()} UTC`) : null;
  return {
    reachable: true,
    engine: match[1]!,
    signatureVersion: match[2] ? Number(match[2]) : null,
    signaturesDate: date && !Number.isNaN(date.getTime()) ? date : null,
    answer: line.slice(0, 200),
  };
}
