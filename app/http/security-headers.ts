// Security headers with an explicit CSP Level 3 and a fresh nonce per
// request (Hono's secureHeaders() sends no CSP by default).
import { randomBytes } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from './context.ts';

export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}' 'strict-dynamic'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "manifest-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** The headers every answer carries whatever it is (also the early 503 in front of the framework, overload.ts). */
export const fixedSecurityHeaders: Readonly<Record<string, string>> = {
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains; preload',
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Permissions-Policy':
    'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()',
};
/** Set unless the route set its own. Referrer-Policy same-origin, not no-referrer: with no-referrer browsers send
 * "Origin: null" on form posts (the public share-link page sets no-referrer itself). */
export const defaultSecurityHeaders: Readonly<Record<string, string>> = { 'Referrer-Policy': 'same-origin', 'Cache-Control': 'no-store' };

export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  const nonce = randomBytes(16).toString('base64');
  c.set('nonce', nonce);
  await next();
  const h = c.res.headers;
  if (!h.has('Content-Security-Policy')) h.set('Content-Security-Policy', contentSecurityPolicy(nonce));
  for (const [name, value] of Object.entries(fixedSecurityHeaders)) h.set(name, value);
  for (const [name, value] of Object.entries(defaultSecurityHeaders)) if (!h.has(name)) h.set(name, value);
});
