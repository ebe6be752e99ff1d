// The HTTP side of the overload bounds (README "Limits under overload"):
// requests in flight, and upload bodies being received. A request past a
// bound is answered 503 with Retry-After before any work is done for it (no
// database query, no body read); the health endpoints are never counted, so
// /healthz and /readyz keep answering while the rest is shed.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener } from 'node:http';
import { createMiddleware } from 'hono/factory';
import { parse as parseCookie } from 'hono/utils/cookie';
import { localeCookie, negotiateLocale, translator, type Locale } from '../i18n/index.ts';
import type { MessageKey } from '../i18n/messages.ts';
import { Bound, overloaded, type BoundLimits } from './bound.ts';
import type { AppEnv } from './context.ts';
import { errorBody, type HttpError } from './errors.ts';
import { defaultSecurityHeaders, fixedSecurityHeaders } from './security-headers.ts';

/** Never shed: a load balancer must see the process alive (and, for /readyz, whether its database answers). */
export const isHealthPath = (path: string) => path === '/healthz' || path === '/readyz';

/** Holds a slot of `bound` while the handler runs (a response streamed after it returned no longer counts). */
function holding(bound: Bound, applies: (method: string, path: string) => boolean) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!applies(c.req.method, c.req.path)) return next();
    const release = await bound.acquire(); // a 503 (HttpError) goes to the one error handler
    try {
      await next();
    } finally {
      release();
    }
  });
}

export function shedRequests(limits: BoundLimits): { bound: Bound; middleware: ReturnType<typeof holding> } {
  const bound = new Bound(limits);
  return { bound, middleware: holding(bound, (_method, path) => !isHealthPath(path)) };
}

/**
 * Upload bodies stream to quarantine and to clamd: a bound on how many are
 * received at once. The refusal closes the connection, so the body it did not
 * read is not read either.
 */
export function boundUploads(limits: BoundLimits, isUpload: (method: string, path: string) => boolean) {
  const bound = new Bound(limits, () => {
    const error = overloaded('Too many uploads are being received right now. Try again in a moment.');
    error.headers.Connection = 'close';
    return error;
  });
  return { bound, middleware: holding(bound, isUpload) };
}

/**
 * A refusal a feature makes in front of the framework, for a request it can
 * judge from its method, path and headers alone (the sign-in whose hashing
 * lane is full: app/auth/sign-in.ts). Answered like a shed request, with the
 * feature's error under `/api/` and its sentence on the page, and a link back.
 */
export interface EarlyRefusal {
  /** a name for the once-a-second count in the log */
  name: string;
  refuses: (request: IncomingMessage, path: string) => boolean;
  /** the API's answer: its status, code, message and headers (Retry-After) */
  error: HttpError;
  /** the page's heading and sentence, and where its link goes */
  page: { title: MessageKey; message: MessageKey; link: { href: string; text: MessageKey } };
}

/** Past the in-flight bound: the answer the framework's own 503 gives. */
const shed: EarlyRefusal = {
  name: 'shed',
  refuses: () => true,
  error: overloaded(),
  page: { title: 'error.title', message: 'error.code.busy', link: { href: '/', text: 'error.back' } },
};

/**
 * The first line of shedding, in front of the framework: while the in-flight
 * bound has neither a free slot nor room in its queue, a request is answered
 * 503 right in Node's request listener — no Request object, no middleware, no
 * router, no error handler; so is one a feature's `EarlyRefusal` refuses.
 * Measured (`npm run bench -- overload`, `-- signin`), going through all of
 * them cost a refused request about as much CPU as the bench's served one,
 * ten to twenty times a bare Node server's 503, so at ten times the load it
 * can serve the process spent its core refusing and the refused waited for
 * seconds in the kernel's queues. The answer is the house's: the JSON error
 * (a request id) under `/api/`, a short page in the reader's language
 * (cookie, then Accept-Language) otherwise, the same security headers,
 * `Retry-After`. A body of at most 16 KiB (Content-Length) is read and
 * dropped after the answer, so the connection stays open for the client's
 * next request; a longer or chunked one is answered with `Connection: close`
 * and not read. The health endpoints pass. Such requests are not logged one
 * by one (that would cost what is saved): `answeredEarly` counts them by
 * name and `onAnswered` is told the counts at most once a second.
 */
export function answerBeforeFramework(bound: Bound, refusals: EarlyRefusal[], onAnswered?: (counts: Record<string, number>) => void): {
  wrap: (listener: RequestListener) => RequestListener;
  answeredEarly: (name?: string) => number;
} {
  const answered = new Map<string, number>();
  let unreported: Record<string, number> = {};
  let reportTimer: NodeJS.Timeout | undefined;
  const report = () => {
    reportTimer = undefined;
    onAnswered?.(unreported);
    unreported = {};
  };
  const wrap = (listener: RequestListener): RequestListener => (request, response) => {
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    if (isHealthPath(path)) return listener(request, response);
    const refusal = bound.hasRoom() ? refusals.find((r) => r.refuses(request, path)) : shed;
    if (!refusal) return listener(request, response);
    if (refusal === shed) bound.rejected++;
    answered.set(refusal.name, (answered.get(refusal.name) ?? 0) + 1);
    unreported[refusal.name] = (unreported[refusal.name] ?? 0) + 1;
    if (onAnswered && !reportTimer) reportTimer = setTimeout(report, 1000).unref();
    const requestId = randomUUID();
    const api = path.startsWith('/api/');
    const body = api ? Buffer.from(JSON.stringify(errorBody(refusal.error, requestId)))
      : pageOf(refusal, negotiateLocale(parseCookie(request.headers.cookie ?? '', localeCookie)[localeCookie], request.headers['accept-language']));
    const length = Number(request.headers['content-length'] ?? '0');
    const drained = request.headers['transfer-encoding'] === undefined && length <= 16 * 1024;
    response.writeHead(refusal.error.status, {
      ...earlyHeaders,
      ...refusal.error.headers,
      'Content-Type': api ? 'application/json' : 'text/html; charset=UTF-8',
      'Content-Length': body.byteLength,
      'X-Request-Id': requestId,
      ...(drained ? {} : { Connection: 'close' }),
    });
    response.end(body); // Node reads and drops an unread body once the answer is sent
  };
  return { wrap, answeredEarly: (name = shed.name) => answered.get(name) ?? 0 };
}

/** The house's security headers, with a policy for a page that loads nothing but the stylesheet. */
const earlyHeaders: Record<string, string> = {
  ...fixedSecurityHeaders,
  ...defaultSecurityHeaders,
  'Content-Security-Policy': "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const pages = new Map<string, Buffer>();
function pageOf(refusal: EarlyRefusal, locale: Locale): Buffer {
  const key = `${refusal.name} ${locale}`;
  let page = pages.get(key);
  if (!page) {
    const t = translator(locale);
    const { title, message, link } = refusal.page;
    page = Buffer.from('<!doctype html>' +
      `<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>${escapeHtml(t(title))} · Kastell</title><link rel="stylesheet" href="/assets/app.css"></head>` +
      `<body><main><h1>${escapeHtml(t(title))}</h1><p role="alert">${escapeHtml(t(message))}</p>` +
      `<p><a href="${link.href}">${escapeHtml(t(link.text))}</a></p></main></body></html>`);
    pages.set(key, page);
  }
  return page;
}
