// JSON logs (pino) to stdout — the journal in production — and optionally to
// an off-box Loki. Secrets never reach logs: redaction, and postgres.js keeps
// query parameters out of its error messages.
import pino, { type Logger } from 'pino';

export type { Logger };

export const redactedPaths = [
  'password', '*.password', 'newPassword', '*.newPassword', 'token', '*.token',
  'req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]',
  'databaseUrl', 'adminDatabaseUrl', '*.secretKey', '*.passwordHash', 'passwordHash',
  'hmacKey', '*.hmacKey', '*.*.hmacKey', '*.*.*.hmacKey',
];

/** `destination` 2: stderr (the CLI, whose stdout is its answer); else stdout. */
export function createLogger(options: { level: string; lokiUrl?: string | undefined; destination?: 1 | 2 }): Logger {
  const redact = { paths: redactedPaths, censor: '[redacted]' };
  if (!options.lokiUrl) return options.destination === 2 ? pino({ level: options.level, redact }, pino.destination(2)) : pino({ level: options.level, redact });
  const transport = pino.transport({
    targets: [
      { target: 'pino/file', options: { destination: 1 }, level: options.level },
      { target: 'pino-loki', options: { host: options.lokiUrl, labels: { app: 'kastell' }, batching: true, interval: 5 }, level: options.level },
    ],
  });
  return pino({ level: options.level, redact }, transport);
}
