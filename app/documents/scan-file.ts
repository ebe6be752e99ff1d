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
