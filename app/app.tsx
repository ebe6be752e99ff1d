// The composition root: the one file that knows every feature. Global
// middleware in the order STYLE.md gives, then each feature built from the
// same dependencies object, then the one place errors become responses.
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import { accountRoutes } from './account/routes.tsx';
import { sessionRoutes } from './account/sessions-routes.tsx';
import { assetRoutes } from './assets/routes.tsx';
import { auditRoutes } from './audit/routes.tsx';
import type { AuditService } from './audit/service.ts';
import { createIdentity } from './auth/identity.ts';
import { configureHashing } from './auth/password.ts';
import { authRoutes, refuseSignInWhileHashingFull } from './auth/routes.tsx';
import { refuseSignInEarlyWhileHashingFull } from './auth/sign-in.ts';
import { sessionMiddleware } from './auth/session.ts';
import { companyRoutes } from './companies/routes.tsx';
import type { Config } from './config.ts';
import { acceptsNullOrigin, documentRoutes, streamsOwnBody } from './documents/routes.tsx';
import { installFieldKeyring } from './crypto/fields.ts';
import { keyringFromConfig, type Keyring } from './crypto/keyring.ts';
import { keyRoutes } from './keys/routes.tsx';
import { keyringBoxFromConfig } from './crypto/secret-box.ts';
import type { Database } from './db/client.ts';
import type { FeatureDeps } from './feature.ts';
import { homeRoutes } from './home/routes.tsx';
import { ApiRegistry } from './http/api.ts';
import type { AppEnv } from './http/context.ts';
import { corsPolicy } from './http/cors.ts';
import { csrfProtection } from './http/csrf.ts';
import { answerError, answerNotFound } from './http/error-response.tsx';
import { HttpError } from './http/errors.ts';
import { createIdempotencyStore } from './http/idempotency.ts';
import { localeMiddleware, switchLocale } from './http/locale.ts';
import { boundUploads, shedRequests, type EarlyRefusal } from './http/overload.ts';
import type { Bound } from './http/bound.ts';
import { rateLimit, userRateLimit } from './http/rate-limit.ts';
import { requestLog } from './http/request-log.ts';
import { securityHeaders } from './http/security-headers.ts';
import { inviteRoutes } from './invites/routes.tsx';
import { jobRoutes } from './jobs/routes.tsx';
import { messageRoutes } from './messages/routes.tsx';
import { passwordResetRoutes } from './password-reset/routes.tsx';
import { profileRoutes } from './profile/routes.tsx';
import { notificationRoutes } from './notifications/routes.tsx';
import { createMailer, type Mailer } from './mail/mailer.ts';
import { reportPhotoPath, reportRoutes } from './reports/routes.tsx';
import { requestRoutes } from './requests/routes.tsx';
import { roleRoutes } from './roles/routes.tsx';
import { setupRoutes } from './setup/routes.tsx';
import { siteRoutes } from './sites/routes.tsx';
import { privacyRoutes } from './retention/routes.tsx';
import { trustRoutes } from './trust/routes.tsx';
import { evidenceRoutes } from './evidence/routes.tsx';
import type { DocumentStore } from './storage/store.ts';
import { userRoutes } from './users/routes.tsx';

export interface AppDeps {
  config: Config;
  db: Database;
  store: DocumentStore;
  log: Logger;
  mailer?: Mailer;
  audit: AuditService;
  keyring?: Keyring;
}

/** Every feature, in the order their routes are matched. */
const features = [
  homeRoutes, authRoutes, passwordResetRoutes, accountRoutes, profileRoutes, sessionRoutes, userRoutes, roleRoutes, setupRoutes,
  companyRoutes, siteRoutes, assetRoutes, documentRoutes, inviteRoutes, auditRoutes, requestRoutes, jobRoutes, reportRoutes,
  messageRoutes, notificationRoutes, trustRoutes, privacyRoutes, evidenceRoutes, keyRoutes,
];

/** Uploads stream their body to quarantine and enforce the limit per kind themselves (app/documents/receive-upload.ts). */
const streamsUpload = (method: string, path: string) => streamsOwnBody(method, path) || (method === 'POST' && reportPhotoPath.test(path));

const stylesheet = readFileSync(new URL('./http/assets/app.css', import.meta.url));

/** The overload bounds of one app (their counts: tests read them). */
export interface OverloadBounds {
  http: Bound;
  uploads: Bound;
  database: Bound | undefined;
}

export function createApp(appDeps: AppDeps): { app: Hono<AppEnv>; api: ApiRegistry; bounds: OverloadBounds; earlyRefusals: EarlyRefusal[] } {
  const { config, db, store, log, audit } = appDeps;
  configureHashing(config.identity.argon2Concurrency, config.identity.argon2Queue, config.identity.argon2Nice);
  // the key hierarchy: data keys per company and the operator's, wrapped by the KEK (app/crypto/keyring.ts)
  const keyring = appDeps.keyring ?? keyringFromConfig(config);
  installFieldKeyring(keyring);
  const box = keyringBoxFromConfig(config, keyring);
  const mailer = appDeps.mailer ?? createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, log });
  const apiRouter = new Hono<AppEnv>();
  const api = new ApiRegistry(apiRouter, createIdempotencyStore(db, box, keyring));
  const deps: FeatureDeps = { config, db, store, log, mailer, audit, box, api, keyring };

  const app = new Hono<AppEnv>();
  app.use('*', requestLog(log, config.trustedProxies, audit.auditor));
  app.use('*', securityHeaders);
  app.use('*', corsPolicy(config.corsOrigins));
  const limitBody = bodyLimit({
    maxSize: 1024 * 1024,
    onError: () => { throw new HttpError(413, 'too_large', 'The request body is larger than 1 MiB.'); },
  });
  app.use('*', (c, next) => (streamsUpload(c.req.method, c.req.path) ? next() : limitBody(c, next)));
  app.use('*', localeMiddleware);
  app.use('*', csrfProtection(config.publicOrigin, streamsUpload, acceptsNullOrigin, config.corsOrigins));
  // overload: past the bound on requests in flight, a 503 before any database work (README "Limits under overload")
  const shed = shedRequests(config.overload.http);
  app.use('*', shed.middleware);
  // a sign-in whose hashing lane is full: its 503 before the request limits' round trip
  app.use('*', refuseSignInWhileHashingFull(deps));
  app.use('*', rateLimit(db, { perIp: config.identity.rateLimitPerMinute, perAccount: config.identity.accountRateLimitPerMinute }));
  app.use('*', sessionMiddleware(db, createIdentity(deps)));
  app.use('*', userRateLimit(db, config.limits));
  // a signed-in user's upload takes a slot before its body is read
  const uploads = boundUploads(config.overload.uploads, streamsUpload);
  app.use('*', uploads.middleware);

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const checks = { database: 'ok', storage: 'ok' };
    await db.ping().catch(() => { checks.database = 'unreachable'; });
    await store.ping().catch(() => { checks.storage = 'unreachable'; });
    const ready = checks.database === 'ok' && checks.storage === 'ok';
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
  });
  app.get('/assets/app.css', (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(stylesheet, 200, { 'Content-Type': 'text/css; charset=utf-8' });
  });
  app.post('/locale', switchLocale(config.publicOrigin));

  for (const feature of features) app.route('/', feature(deps));
  apiRouter.get('/openapi.json', (c) => c.json(api.openApiDocument({ title: 'Kastell API', version: '1' })));
  app.route('/api/v1', apiRouter);

  app.notFound(answerNotFound);
  app.onError(answerError(log));
  // answered in Node's request listener, in front of all of the above (app/server.ts)
  const earlyRefusals = [refuseSignInEarlyWhileHashingFull(box)];
  return { app, api, bounds: { http: shed.bound, uploads: uploads.bound, database: db.poolBound }, earlyRefusals };
}
