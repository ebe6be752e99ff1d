// The HTTP side of the overload bounds (README "Limits under overload"):
// requests in flight, and upload bodies being received. A request past a
// bound is answered 503 with Retry-After before any work is done for it (no
// database query, no body read); the health endpoints are never counted, so
// /healthz and /readyz keep answering while the rest is shed.
import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import { createMiddleware } from 'hono/factory';
import { parse as parseCookie } from 'hono/utils/cookie';
import { localeCookie, negotiateLocale, translator, type Locale } from '../i18n/index.ts';
import { Bound, overloaded, type BoundLimits } from './bound.ts';
import type { AppEnv } from './context.ts';
import { errorBody } from './errors.ts';
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
 * The first line of shedding, in front of the framework: while the in-flight
 * bound has neither a free slot nor room in its queue, a request is answered
 * 503 right in Node's request listener — no Request object, no middleware, no
 * router, no error handler. Measured (`npm run bench -- overload`), going
 * through all of them cost a shed request about as much CPU as the bench's
 * served one, ten to twenty times a bare Node server's 503, so at ten times
 * the load it can serve the process spent its core refusing and the refused
 * waited for seconds in the kernel's queues. The answer is the house's:
 * the JSON error (code `busy`, a request id) under `/api/`, a short page in
 * the reader's language (cookie, then Accept-Language) otherwise, the same
 * security headers, `Retry-After: 1`; a request with a body is answered with
 * `Connection: close` so its body is not read. The health endpoints pass.
 * Such requests are not logged one by one (that would cost what is saved):
 * `shedEarly` counts them and `onShed` is told at most once a second.
 */
export function shedBeforeFramework(bound: Bound, onShed?: (count: number) => void): { wrap: (listener: RequestListener) => RequestListener; shedEarly: () => number } {
  let shedEarly = 0;
  let unreported = 0;
  let reportTimer: NodeJS.Timeout | undefined;
  const report = () => {
    reportTimer = undefined;
    onShed?.(unreported);
    unreported = 0;
  };
  const wrap = (listener: RequestListener): RequestListener => (request, response) => {
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    if (bound.hasRoom() || isHealthPath(path)) return listener(request, response);
    bound.rejected++;
    shedEarly++;
    unreported++;
    if (onShed && !reportTimer) reportTimer = setTimeout(report, 1000).unref();
    const requestId = randomUUID();
    const api = path.startsWith('/api/');
    const body = api ? busyJson(requestId) : busyPage(negotiateLocale(parseCookie(request.headers.cookie ?? '', localeCookie)[localeCookie], request.headers['accept-language']));
    const hasBody = request.headers['transfer-encoding'] !== undefined || (request.headers['content-length'] ?? '0') !== '0';
    response.writeHead(503, {
      ...busyHeaders,
      'Content-Type': api ? 'application/json' : 'text/html; charset=UTF-8',
      'Content-Length': body.byteLength,
      'X-Request-Id': requestId,
      ...(hasBody ? { Connection: 'close' } : {}),
    });
    response.end(body);
  };
  return { wrap, shedEarly: () => shedEarly };
}

/** The house's security headers, with a policy for a page that loads nothing but the stylesheet. */
const busyHeaders: Record<string, string> = {
  ...fixedSecurityHeaders,
  ...defaultSecurityHeaders,
  'Retry-After': '1',
  'Content-Security-Policy': "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

const busy = overloaded();
const busyJson = (requestId: string) => Buffer.from(JSON.stringify(errorBody(busy, requestId)));

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const busyPages = new Map<Locale, Buffer>();
function busyPage(locale: Locale): Buffer {
  let page = busyPages.get(locale);
  if (!page) {
    const t = translator(locale);
    page = Buffer.from('<!doctype html>' +
      `<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>${escapeHtml(t('error.title'))} · Kastell</title><link rel="stylesheet" href="/assets/app.css"></head>` +
      `<body><main><h1>${escapeHtml(t('error.title'))}</h1><p role="alert">${escapeHtml(t('error.code.busy'))}</p>` +
      `<p><a href="/">${escapeHtml(t('error.back'))}</a></p></main></body></html>`);
    busyPages.set(locale, page);
  }
  return page;
}
