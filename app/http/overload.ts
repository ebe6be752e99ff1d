// The HTTP side of the overload bounds (README "Limits under overload"):
// requests in flight, and upload bodies being received. A request past a
// bound is answered 503 with Retry-After before any work is done for it (no
// database query, no body read); the health endpoints are never counted, so
// /healthz and /readyz keep answering while the rest is shed.
import { createMiddleware } from 'hono/factory';
import { Bound, overloaded, type BoundLimits } from './bound.ts';
import type { AppEnv } from './context.ts';

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
