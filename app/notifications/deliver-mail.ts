// Sends the e-mails of notifications. The notifications table is the outbox:
// app.notify() leaves a 'pending' row in the action's transaction and
// announces it with pg_notify, which PostgreSQL delivers only on commit — so
// a mail goes out only for an action that happened, and promptly. A sweep
// each minute sends what a missed announcement, a restart or a failed
// attempt left behind (app.claim_notification_mails re-claims stale claims;
// five failures give a mail up). Simpler than sending after each route's
// commit, and nothing depends on a feature remembering to.
// A mail carries the kind and a link, never what a message says.
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { isLocale, translator } from '../i18n/index.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { NotificationKind } from './schema.ts';

export const notificationMailChannel = 'kastell_notification_mail';
const batchSize = 20;
const sweepMs = 60_000;

type Claimed = { notification_id: string; email: string; locale: string; kind: NotificationKind; job_id: string | null; request_id: string | null };

export interface NotificationMailer {
  /** Sends every pending mail now; answers how many went out. */
  deliverPending(): Promise<number>;
  stop(): Promise<void>;
}

export function notificationMail(config: Config, mail: Claimed) {
  const t = translator(isLocale(mail.locale) ? mail.locale : 'en');
  const link = mail.job_id ? `${config.publicUrl}/jobs/${mail.job_id}` : `${config.publicUrl}/requests/${mail.request_id}`;
  return {
    to: [mail.email],
    subject: t(`notifications.mail.subject.${mail.kind}`),
    text: t('notifications.mail.text', { what: t(`notifications.kind.${mail.kind}`), link, preferences: `${config.publicUrl}/notifications/preferences` }),
  };
}

export async function startNotificationMailer(options: { config: Config; db: Database; mailer: Mailer; log: Logger }): Promise<NotificationMailer> {
  const { config, db, mailer, log } = options;
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = false;

  async function deliverBatch(): Promise<{ claimed: number; sent: number }> {
    const claimed = await db.withPrincipal(null, (tx) => tx<Claimed[]>`select * from app.claim_notification_mails(${batchSize})`);
    let sent = 0;
    for (const mail of claimed) {
      let ok = false;
      try {
        ok = await mailer.send(notificationMail(config, mail));
      } catch (error) {
        log.warn({ err: { message: (error as Error).message }, event: 'notification.mail.failed', notificationId: mail.notification_id }, 'notification mail not sent');
      }
      await db.withPrincipal(null, (tx) => tx`select app.finish_notification_mail(${mail.notification_id}, ${ok})`);
      if (ok) sent += 1;
    }
    return { claimed: claimed.length, sent };
  }

  function deliverPending(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      try {
        do {
          again = false;
          let batch;
          do {
            batch = await deliverBatch();
            total += batch.sent;
          } while (batch.claimed === batchSize && !stopped);
        } while (again && !stopped);
      } finally {
        running = undefined;
      }
      return total;
    })();
    return running;
  }

  const kick = () => {
    if (!stopped) void deliverPending().catch((error: Error) => log.error({ err: { message: error.message }, event: 'notification.mail.error' }, 'notification mails not delivered'));
  };
  const listening = await db.sql.listen(notificationMailChannel, kick, kick); // on (re)connect too: catch up
  const sweep = setInterval(kick, sweepMs);
  sweep.unref();

  return {
    deliverPending,
    async stop() {
      stopped = true;
      clearInterval(sweep);
      await listening.unlisten();
      await running?.catch(() => undefined);
    },
  };
}
