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
import { createConnection } from 'node:net';

export type ScanResult =
  | { verdict: 'clean' }
  | { verdict: 'infected'; signature: string }
  | { verdict: 'too_large'; reason: string }
  | { verdict: 'unavailable'; reason: string };

export async function scanFile(path: string, socketPath: string, timeoutMs: number): Promise<ScanResult> {
  return new Promise((resolve) => {
    let answer = '';
    let settled = false;
    const finish = (result: ScanResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      file.destroy();
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ verdict: 'unavailable', reason: `the virus scanner did not answer within ${timeoutMs} ms` }), timeoutMs);
    const socket = createConnection(socketPath);
    const file = createReadStream(path, { highWaterMark: 256 * 1024 });
    socket.on('error', (error) => finish({ verdict: 'unavailable', reason: `the virus scanner cannot be reached (${(error as NodeJS.ErrnoException).code ?? error.message})` }));
    socket.on('data', (data) => { answer += data.toString('latin1'); });
    socket.on('end', () => finish(verdictOf(answer)));
    socket.on('close', () => finish(verdictOf(answer)));
    socket.on('connect', () => {
      socket.write('zINSTREAM\0');
      file.on('data', (chunk) => {
        const buffer = chunk as Buffer;
        const length = Buffer.alloc(4);
        length.writeUInt32BE(buffer.length);
        socket.write(length);
        if (!socket.write(buffer)) {
          file.pause();
          socket.once('drain', () => file.resume());
        }
      });
      file.on('end', () => socket.write(Buffer.alloc(4)));
      file.on('error', (error) => finish({ verdict: 'unavailable', reason: `the quarantined file cannot be read (${error.message})` }));
    });
  });
}

function verdictOf(answer: string): ScanResult {
  const line = answer.replace(/\0/g, '').trim();
  if (line === 'stream: OK') return { verdict: 'clean' };
  const found = /^stream: (.+) FOUND$/.exec(line);
  if (found) {
    const signature = found[1]!.slice(0, 100);
    if (signature.startsWith('Heuristics.Limits.Exceeded')) return { verdict: 'too_large', reason: `the file is beyond the virus scanner's limits (${signature})` };
    return { verdict: 'infected', signature };
  }
  if (/size limit exceeded/i.test(line)) return { verdict: 'too_large', reason: "the file is larger than the virus scanner's stream limit" };
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
