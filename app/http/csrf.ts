// CSRF: every unsafe request must carry an Origin equal to ours; form posts
// must also echo the double-submit token; API writes must be JSON (a
// cross-site form cannot send application/json without a preflight).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from './context.ts';
import { HttpError } from './errors.ts';
import { parseFormBody } from './form-body.ts';

export const csrfCookie = '__Host-kastell-csrf';
export const csrfField = '_csrf';
const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * `streamsOwnBody`: routes (uploads) whose multipart body is streamed by the
 * route, which checks the token as the body's first field; here they get the
 * Origin check and must be multipart, but their body is not read.
 */
export function csrfProtection(publicOrigin: string, streamsOwnBody: (method: string, path: string) => boolean = () => false,
  /** pages served with Referrer-Policy: no-referrer, whose forms browsers post with "Origin: null"; the token is still required */
  acceptsNullOrigin: (path: string) => boolean = () => false,
  /** KASTELL_CORS_ORIGINS: also accepted on API writes (which must be JSON, so a preflight came first; cors.ts) */
  apiOrigins: readonly string[] = []) {
  return createMiddleware<AppEnv>(async (c, next) => {
    let token = getCookie(c, csrfCookie);
    if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
      token = randomBytes(32).toString('base64url');
      setCookie(c, csrfCookie, token, { path: '/', secure: true, httpOnly: true, sameSite: 'Strict' });
    }
    c.set('csrfToken', token);
    if (!unsafe.has(c.req.method)) return next();

    const origin = c.req.header('origin');
    const corsOrigin = origin !== undefined && c.req.path.startsWith('/api/') && apiOrigins.includes(origin);
    if (origin !== publicOrigin && !corsOrigin && !(origin === 'null' && acceptsNullOrigin(c.req.path))) {
      throw new HttpError(403, 'origin_rejected',
        'This request did not come from this site (missing or foreign Origin header).');
    }
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (streamsOwnBody(c.req.method, c.req.path)) {
      if (type !== 'multipart/form-data') throw new HttpError(415, 'multipart_required', 'Send the file as multipart/form-data.');
      return next();
    }
    if (c.req.path.startsWith('/api/')) {
      // A bodiless write (DELETE, a revoke) has nothing to type; anything with a body must be JSON.
      const hasBody = Number(c.req.header('content-length') ?? 0) > 0 || c.req.header('transfer-encoding') !== undefined;
      if (type !== 'application/json' && (type !== '' || hasBody)) {
        throw new HttpError(415, 'json_required', 'Send the request body as application/json.');
      }
      return next();
    }
    if (type !== 'application/x-www-form-urlencoded' && type !== 'multipart/form-data') {
      throw new HttpError(415, 'form_required', 'Send this form as application/x-www-form-urlencoded.');
    }
    const form = await parseFormBody(c);
    const sent = typeof form[csrfField] === 'string' ? (form[csrfField] as string) : '';
    if (!sameToken(sent, token)) {
      throw new HttpError(403, 'csrf_rejected', 'This form has expired. Go back, reload the page and try again.');
    }
    return next();
  });
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
