// Request limits per endpoint and client IP on what anyone can reach before
// signing in: sign-in, second factor, passkeys, unlock, set-up and
// invitation links, password reset. The lockout (app/auth/lockout.ts) counts wrong answers
// per account and per IP; this caps plain request volume, so a flood of
// well-formed requests from one address cannot tie up hashing, e-mail or
// the database. Fixed one-minute windows in memory: one Kastell process
// serves a host.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.ts';
import { HttpError } from './errors.ts';

const windowMs = 60_000;

/** The limited endpoints, by method and path; a token in the path counts as one endpoint. */
const endpoints: Array<{ name: string; methods: string[]; path: RegExp }> = [
  { name: 'sign-in', methods: ['POST'], path: /^(\/api\/v1\/auth)?\/sign-in$/ },
  { name: 'second-factor', methods: ['POST'], path: /^(\/sign-in\/(factor|enrol)|\/api\/v1\/auth\/second-factor)$/ },
  { name: 'passkey', methods: ['POST'], path: /^\/api\/v1\/auth\/passkey\/(options|verify)$/ },
  { name: 'unlock', methods: ['GET', 'POST'], path: /^\/unlock\/[^/]+$/ },
  { name: 'setup', methods: ['GET', 'POST'], path: /^\/setup\/[^/]+$/ },
  { name: 'invite', methods: ['GET', 'POST'], path: /^(\/api\/v1)?\/invites\/accept\/[^/]+$/ },
  { name: 'password-reset', methods: ['GET', 'POST'], path: /^(\/forgot-password|\/reset-password\/[^/]+|\/api\/v1\/auth\/password-reset(\/complete)?)$/ },
  { name: 'email-confirm', methods: ['GET', 'POST'], path: /^(\/confirm-email\/[^/]+|\/api\/v1\/auth\/email-confirm)$/ },
  { name: 'share-link', methods: ['GET', 'POST'], path: /^\/s\/[^/]+$/ },
];

export function endpointOf(method: string, path: string): string | undefined {
  return endpoints.find((e) => e.methods.includes(method) && e.path.test(path))?.name;
}

export function rateLimit(perMinute: number): MiddlewareHandler<AppEnv> {
  const windows = new Map<string, { start: number; count: number }>();
  return async (c, next) => {
    const endpoint = endpointOf(c.req.method, c.req.path);
    if (!endpoint) return next();
    const now = Date.now();
    if (windows.size > 100_000) {
      for (const [key, w] of windows) if (now - w.start >= windowMs) windows.delete(key);
    }
    const key = `${endpoint} ${c.get('clientIp')}`;
    let window = windows.get(key);
    if (!window || now - window.start >= windowMs) {
      window = { start: now, count: 0 };
      windows.set(key, window);
    }
    window.count += 1;
    if (window.count > perMinute) {
      const retryAfter = Math.max(1, Math.ceil((window.start + windowMs - now) / 1000));
      c.get('log').warn({ event: 'http.rate_limited', endpoint, ip: c.get('clientIp') }, 'request limit reached');
      throw new HttpError(429, 'rate_limited', `Too many requests to this page from your address. Try again in ${retryAfter} seconds.`, [],
        { 'Retry-After': String(retryAfter) });
    }
    return next();
  };
}
