// Builds the Hono application: global middleware in the order STYLE.md
// gives, the features, and the one place errors become responses.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { setCookie } from 'hono/cookie';
import type { Logger } from 'pino';
import { z } from 'zod';
import { assetRoutes } from '../assets/routes.tsx';
import { createIdentity } from '../auth/identity.ts';
import { configureHashing } from '../auth/password.ts';
import { auditRoutes } from '../audit/routes.tsx';
import type { AuditService } from '../audit/service.ts';
import { authRoutes } from '../auth/routes.tsx';
import { createLazySecretBox, loadSecretKey } from '../auth/secret-box.ts';
import { securityRoutes } from '../auth/security-routes.tsx';
import { requireUser, sessionMiddleware } from '../auth/session.ts';
import { createMailer, type Mailer } from '../mail/mailer.ts';
import { sessionRoutes } from '../sessions/routes.tsx';
import { userRoutes } from '../users/routes.tsx';
import { companyRoutes } from '../companies/routes.tsx';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { httpErrorFromPostgres } from '../db/errors.ts';
import { isLocale, localeCookie, localeMiddleware } from '../i18n/index.ts';
import { inviteRoutes } from '../invites/routes.tsx';
import { setupRoutes } from '../setup/routes.tsx';
import { siteRoutes } from '../sites/routes.tsx';
import type { DocumentStore } from '../storage/store.ts';
import { ApiRegistry } from './api.ts';
import { createIdempotencyStore } from './idempotency.ts';
import { createProxyList, resolveClientIp } from './client-ip.ts';
import type { AppEnv } from './context.ts';
import { csrfProtection } from './csrf.ts';
import { errorBody, HttpError } from './errors.ts';
import { rateLimit } from './rate-limit.ts';
import { renderPage } from './layout.tsx';
import { securityHeaders } from './security-headers.ts';
import { readFormFields } from './validate.ts';

export interface AppDeps {
  config: Config;
  db: Database;
  store: DocumentStore;
  log: Logger;
  mailer?: Mailer;
  audit: AuditService;
}

const stylesheet = readFileSync(new URL('./assets/app.css', import.meta.url));
/** Tokens in paths (set-up and invite links) never reach the logs. */
const maskTokens = (path: string) => path.replace(/[A-Za-z0-9_-]{43}/g, '[token]');

export function createApp(deps: AppDeps): { app: Hono<AppEnv>; api: ApiRegistry } {
  const { config, db, store, log, audit } = deps;
  const app = new Hono<AppEnv>();
  const trustedProxies = createProxyList(config.trustedProxies);
  configureHashing(config.identity.argon2Concurrency, config.identity.argon2Queue);
  const box = createLazySecretBox(() => loadSecretKey(config));
  const identity = createIdentity({
    db,
    config,
    log,
    mailer: deps.mailer ?? createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, log }),
    box,
  });

  app.use('*', async (c, next) => {
    const requestId = randomUUID();
    c.set('requestId', requestId);
    c.set('auditor', audit.auditor);
    c.header('X-Request-Id', requestId);
    let socketAddress = '0.0.0.0';
    try {
      socketAddress = getConnInfo(c).remote.address ?? socketAddress;
    } catch {
      // app.request() in tests has no socket
    }
    c.set('clientIp', resolveClientIp(socketAddress, c.req.header('x-forwarded-for'), trustedProxies));
    const requestLog = log.child({ reqId: requestId });
    c.set('log', requestLog);
    const started = performance.now();
    await next();
    requestLog.info({ method: c.req.method, path: maskTokens(c.req.path), status: c.res.status,
      ms: Math.round(performance.now() - started), ip: c.get('clientIp') }, 'request');
  });
  app.use('*', securityHeaders);
  app.use('*', bodyLimit({
    maxSize: 1024 * 1024,
    onError: () => { throw new HttpError(413, 'too_large', 'The request body is larger than 1 MiB.'); },
  }));
  app.use('*', localeMiddleware);
  app.use('*', csrfProtection(config.publicOrigin));
  app.use('*', rateLimit(config.identity.rateLimitPerMinute));
  app.use('*', sessionMiddleware(db, identity));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const checks = { database: 'ok', storage: 'ok' };
    await db.sql`select 1`.catch(() => { checks.database = 'unreachable'; });
    await store.ping().catch(() => { checks.storage = 'unreachable'; });
    const ready = checks.database === 'ok' && checks.storage === 'ok';
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
  });
  app.get('/assets/app.css', (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(stylesheet, 200, { 'Content-Type': 'text/css; charset=utf-8' });
  });
  app.post('/locale', async (c) => {
    const { locale } = await readFormFields(c);
    if (!isLocale(locale)) throw new HttpError(422, 'invalid_input', 'Choose one of en, de, fr, it.');
    setCookie(c, localeCookie, locale, { path: '/', secure: true, httpOnly: true, sameSite: 'Strict', maxAge: 365 * 86400 });
    return c.redirect(safeBack(c.req.header('referer'), config.publicOrigin), 303);
  });
  app.get('/', (c) => {
    const user = requireUser(c);
    const t = c.get('t');
    return renderPage(c, t('home.title'), (
      <>
        <p>{t('home.welcome', { name: user.displayName, role: user.roleName })}</p>
        {user.permissions.has('companies.read') ? <p><a href="/companies">{t('nav.companies')}</a></p> : null}
      </>
    ));
  });

  const apiRouter = new Hono<AppEnv>();
  const api = new ApiRegistry(apiRouter, createIdempotencyStore(db, box));
  app.route('/', authRoutes(identity, api));
  app.route('/', securityRoutes(identity, api));
  app.route('/', sessionRoutes(db, api));
  app.route('/', userRoutes(identity, api));
  app.route('/', setupRoutes(db));
  app.route('/', companyRoutes(db, api));
  app.route('/', siteRoutes(db, api));
  app.route('/', assetRoutes(db, api));
  app.route('/', inviteRoutes(db, api, config));
  app.route('/', auditRoutes(db, api, audit));
  apiRouter.get('/openapi.json', (c) => c.json(api.openApiDocument({ title: 'Kastell API', version: '1' })));
  app.route('/api/v1', apiRouter);

  app.notFound((c) => respondWithError(c, new HttpError(404, 'not_found', 'Nothing here: the address is wrong or you may not see it.')));
  app.onError((error, c) => {
    const known = error instanceof HttpError ? error : httpErrorFromPostgres(error);
    if (known) return respondWithError(c, known);
    (c.get('log') ?? log).error({ err: error }, 'unhandled error');
    return respondWithError(c, new HttpError(500, 'internal', 'Something went wrong on our side. Quote the reference when you report it.'));
  });
  return { app, api };
}

function wantsJson(c: Context<AppEnv>): boolean {
  return c.req.path.startsWith('/api/') || c.req.path === '/healthz' || c.req.path === '/readyz';
}

function respondWithError(c: Context<AppEnv>, error: HttpError) {
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  const requestId = c.get('requestId') ?? '';
  if (wantsJson(c)) return c.json(errorBody(error, requestId), error.status as 400);
  if (error.status === 401) return c.redirect('/sign-in', 303);
  const t = c.get('t');
  if (!t || !c.get('csrfToken')) return c.text(error.message, error.status as 400);
  return renderPage(c, t('error.title'), (
    <>
      <p role="alert">{error.message}</p>
      {error.issues.length ? <ul>{error.issues.map((i) => <li>{i.path}: {i.message}</li>)}</ul> : null}
      <p><a href="/">{t('error.back')}</a></p>
      <p><small>{t('error.requestId')}: {requestId}</small></p>
    </>
  ), error.status as 400);
}

const pathOnly = z.string().regex(/^\/(?!\/)[^\s]*$/);
function safeBack(referer: string | undefined, origin: string): string {
  if (!referer) return '/';
  try {
    const url = new URL(referer);
    if (url.origin !== origin) return '/';
    return pathOnly.safeParse(url.pathname).success ? url.pathname : '/';
  } catch {
    return '/';
  }
}
