// CORS for the JSON API, for the origins in KASTELL_CORS_ORIGINS only (none
// by default). A preflight from a listed origin is answered with what the
// API needs (the methods, Content-Type, Idempotency-Key), with credentials;
// from any other origin it gets 403 and no Access-Control-* header at all,
// so the browser refuses the request. Actual API responses carry
// Access-Control-Allow-Origin (that one origin, never `*`) and
// Allow-Credentials only for a listed origin. Pages are never CORS-enabled.
// The CSRF check (csrf.ts) accepts a listed origin on API writes, which must
// still be application/json — so they always come after a preflight.
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from './context.ts';
import { HttpError } from './errors.ts';

const allowMethods = 'GET, POST, PUT, PATCH, DELETE';
const allowHeaders = 'Content-Type, Idempotency-Key';
const exposeHeaders = 'Retry-After, Idempotency-Replayed, X-Request-Id';

export const isApiPath = (path: string) => path === '/api/v1' || path.startsWith('/api/v1/');

export function corsPolicy(allowedOrigins: readonly string[]) {
  const allowed = new Set(allowedOrigins);
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!isApiPath(c.req.path)) return next();
    const origin = c.req.header('origin');
    const listed = origin !== undefined && allowed.has(origin);
    if (c.req.method === 'OPTIONS' && c.req.header('access-control-request-method')) {
      c.header('Vary', 'Origin');
      if (!listed) throw new HttpError(403, 'cors_origin_rejected', 'This origin may not call the API from a browser (KASTELL_CORS_ORIGINS).');
      return c.body(null, 204, {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Methods': allowMethods,
        'Access-Control-Allow-Headers': allowHeaders,
        'Access-Control-Max-Age': '600',
      });
    }
    await next();
    c.header('Vary', 'Origin', { append: true });
    if (listed) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Allow-Credentials', 'true');
      c.header('Access-Control-Expose-Headers', exposeHeaders);
    }
  });
}
