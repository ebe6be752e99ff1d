// Starts Kastell: database (configured, or the embedded default), migration
// check, first-run link, HTTP server; stops cleanly.
import { getRequestListener } from '@hono/node-server';
import { createServer, type Server } from 'node:http';
import type { Config } from './config.ts';
import { connectDatabase } from './db/client.ts';
import { pendingMigrations } from './db/migrate.ts';
import { resolveDatabase } from './db/resolve-database.ts';
import { startAuditService, type AuditService } from './audit/service.ts';
import { scheduleHeldRetry } from './documents/retry-held.ts';
import { scheduleObjectSweep } from './documents/sweep-objects.ts';
import { scheduleRetention } from './retention/schedule.ts';
import type { ApiRegistry } from './http/api.ts';
import { createApp, type OverloadBounds } from './app.tsx';
import { answerBeforeFramework } from './http/overload.ts';
import { createMailer } from './mail/mailer.ts';
import { startNotificationMailer, type NotificationMailer } from './notifications/deliver-mail.ts';
import type { Logger } from './log.ts';
import { createSetupLink, ownerExists } from './setup/setup-link.ts';
import { createDocumentStore } from './storage/open-store.ts';
import { encryptingStore } from './crypto/encrypting-store.ts';
import { keyringFromConfig } from './crypto/keyring.ts';
import { scheduleReencrypt } from './crypto/reencrypt.ts';
import { keyringBoxFromConfig } from './crypto/secret-box.ts';

export interface RunningServer {
  url: string;
  setupLink: string | undefined;
  close: () => Promise<void>;
  audit: AuditService;
  /** the declared /api/v1 routes (tests walk them) */
  api: ApiRegistry;
  /** sends notification e-mails after their transaction commits */
  notificationMail: NotificationMailer;
  /** the overload bounds (README "Limits under overload"): tests read their counts */
  bounds: OverloadBounds;
  /** requests answered 503 in front of the framework, by refusal name (app/http/overload.ts answerBeforeFramework; default: shed) */
  answeredEarly: (name?: string) => number;
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const { appUrl, embedded } = await resolveDatabase(config, log);
  const { max, queue, waitMs } = config.overload.database;
  const db = connectDatabase(appUrl, { max, wait: { queue, waitMs } });
  const stopDatabase = async () => {
    await db.close();
    await embedded?.stop();
  };
  try {
    const pending = await pendingMigrations(db.sql);
    if (pending.length > 0) {
      throw new Error(`The database is behind this version of Kastell (pending: ${pending.join(', ')}). Run "kastell migrate" first.`);
    }
  } catch (error) {
    await stopDatabase();
    throw error;
  }
  // documents and report PDFs are encrypted per company before they reach the store
  const keyring = keyringFromConfig(config);
  const store = encryptingStore(createDocumentStore(config.storage), keyring);
  const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, log });
  const audit = await startAuditService({ config, db, log, mailer });
  const { app, api, bounds, earlyRefusals } = createApp({ config, db, store, log, audit, mailer, keyring });
  const notificationMail = await startNotificationMailer({ config, db, mailer, log });
  const heldRetry = config.jobs ? scheduleHeldRetry({ config, db, store, log, mailer, auditor: audit.auditor, keyring }) : undefined;
  const objectSweep = config.jobs ? scheduleObjectSweep({ db, store, log, auditor: audit.auditor }) : undefined;
  const retention = config.jobs && config.retentionSchedule ? scheduleRetention({ db, store, log, auditor: audit.auditor, policy: config.retention }) : undefined;
  const reencryption = config.jobs ? scheduleReencrypt({
    db, keyring, box: keyringBoxFromConfig(config, keyring), store: store.inner, log,
    audit: (tx, event) => audit.auditor.recordAs(tx, { type: 'system', label: 'scheduled re-encryption' }, event).then(() => {}),
  }) : undefined;
  // past the in-flight bound (or refused by a feature's early rule) a request is answered in front of the
  // framework: it costs what a bare 503 costs
  const early = answerBeforeFramework(bounds.http, earlyRefusals,
    (counts) => log.warn({ answered: counts }, 'requests answered 503 before the framework in the last second'));
  // what @hono/node-server's serve() does, with the early answers in front of its adapter
  const server: Server = createServer(early.wrap(getRequestListener(app.fetch, { hostname: config.http.host })));
  await new Promise<void>((resolve) => server.listen(config.http.port, config.http.host, () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const url = `http://${config.http.host}:${port}`;
  log.info({ url }, 'Kastell is listening');

  let setupLink: string | undefined;
  if (!(await ownerExists(db))) {
    setupLink = (await createSetupLink(db, config)).url;
  }
  return {
    url,
    setupLink,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections?.();
      });
      await notificationMail.stop();
      await heldRetry?.stop();
      await objectSweep?.stop();
      await retention?.stop();
      await reencryption?.stop();
      await audit.stop();
      await stopDatabase();
    },
    audit,
    api,
    notificationMail,
    bounds,
    answeredEarly: early.answeredEarly,
  };
}
