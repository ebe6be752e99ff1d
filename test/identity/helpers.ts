// Test helpers for the identity features: a real SMTP server and a local
// stand-in for the HIBP range API.
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { after } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { freePort } from '../harness/postgres.ts';

export interface ReceivedMail {
  to: string[];
  raw: string;
}

export async function startSmtp() {
  const mails: ReceivedMail[] = [];
  const waiters: Array<() => void> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        // undo quoted-printable soft breaks so links can be matched
        const raw = Buffer.concat(chunks).toString('utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '=');
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        for (const wake of waiters.splice(0)) wake();
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    /** Resolves with the first mail that matches (the test runner's timeout bounds the wait). */
    /** The first mail that matches; fails (instead of hanging the file) when none arrives within 60 s. */
    async waitFor(match: (mail: ReceivedMail) => boolean, timeoutMs = 60_000): Promise<ReceivedMail> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = mails.find(match);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching mail within ${timeoutMs / 1000} s; received: ${mails.map((m) => m.to.join(',')).join(' | ') || 'none'}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => { clearTimeout(timer); resolve(); });
        });
      }
    },
  };
}

/** The real range API: GET /range/{5 hex} → "SUFFIX:COUNT" lines, padded with count-0 lines. */
export async function startHibp(breached: string[]) {
  const hashes = breached.map((p) => createHash('sha1').update(p).digest('hex').toUpperCase());
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const match = /^\/range\/([0-9A-F]{5})$/.exec(req.url ?? '');
    if (!match) {
      res.writeHead(400).end();
      return;
    }
    const lines = hashes.filter((h) => h.startsWith(match[1]!)).map((h) => `${h.slice(5)}:4242`);
    for (let i = 0; i < 5; i++) lines.push(`${randomBytes(18).toString('hex').slice(0, 35).toUpperCase()}:0`);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${port}`, requests };
}

export function linkIn(raw: string, path: string): string {
  const match = new RegExp(`https?://[^\\s]+${path}/[A-Za-z0-9_-]{43}`).exec(raw);
  if (!match) throw new Error(`no ${path} link in the mail:\n${raw}`);
  return match[0];
}
