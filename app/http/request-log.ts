// First middleware: a request id, the client IP (forwarding headers only from
// trusted proxies), a child logger, and one log line per request.
import { randomUUID } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createMiddleware } from 'hono/factory';
import type { Logger } from 'pino';
import { createProxyList, resolveClientIp } from './client-ip.ts';
import type { AppEnv, Auditor } from './context.ts';

/** Tokens in paths (set-up and invite links) never reach the logs. */
const maskTokens = (path: string) => path.replace(/[A-Za-z0-9_-]{43}/g, '[token]');

export function requestLog(log: Logger, trustedProxies: string[], auditor: Auditor) {
  const proxies = createProxyList(trustedProxies);
  return createMiddleware<AppEnv>(async (c, next) => {
    const requestId = randomUUID();
    c.set('requestId', requestId);
    c.set('auditor', auditor);
    c.header('X-Request-Id', requestId);
    let socketAddress = '0.0.0.0';
    try {
      socketAddress = getConnInfo(c).remote.address ?? socketAddress;
    } catch {
      // app.request() in tests has no socket
    }
    c.set('clientIp', resolveClientIp(socketAddress, c.req.header('x-forwarded-for'), proxies));
    const requestLog = log.child({ reqId: requestId });
    c.set('log', requestLog);
    const started = performance.now();
    await next();
    requestLog.info({ method: c.req.method, path: maskTokens(c.req.path), status: c.res.status,
      ms: Math.round(performance.now() - started), ip: c.get('clientIp') }, 'request');
  });
}
