// Mails of the identity features: unlock links, lockout alerts, new-device
// sign-in notices. Sent without holding up the request; failures are logged.
import { translator, type Locale } from '../i18n/index.ts';
import type { Identity } from './identity.ts';
import { newToken } from '../crypto/tokens.ts';

export const unlockLinkHours = 1;

/** At most one unlock link per account per 15 minutes (app.create_unlock_token). */
export async function sendUnlockLink(id: Identity, account: { user_id: string; email: string }, locale: Locale): Promise<void> {
  try {
    const { token, hash } = newToken();
    const [row] = await id.db.withPrincipal(null, (tx) =>
      tx`select app.create_unlock_token(${account.user_id}, ${hash}, ${`${unlockLinkHours} hours`}::interval) as created`);
    if (!row?.created) return;
    const t = translator(locale);
    const link = `${id.config.publicUrl}/unlock/${token}`;
    await id.mailer.send({ to: [account.email], subject: t('mail.unlock.subject'), text: t('mail.unlock.text', { hours: String(unlockLinkHours), link }) });
  } catch (error) {
    id.log.error({ err: { message: (error as Error).message }, event: 'auth.unlock_link.failed' }, 'could not send unlock link');
  }
}

/** 20 failures: the user (in the page's language) and every security officer (in English, like the logs) are told. */
export async function sendLockoutAlert(id: Identity, account: { user_id: string; email: string }, what: 'password' | 'second_factor', locale: Locale): Promise<void> {
  try {
    const officers = await id.db.withPrincipal(null, (tx) => tx`select app.security_officer_emails() as email`);
    id.log.warn({ event: 'auth.lockout.alert', userId: account.user_id, what }, 'account locked for 24 hours');
    const t = translator(locale);
    await id.mailer.send({ to: [account.email], subject: t('mail.locked.subject'), text: t('mail.locked.text', { kind: t(`mail.locked.${what}`) }) });
    const kind = translator('en')(`mail.locked.${what}`);
    if (officers.length > 0) {
      await id.mailer.send({
        to: officers.map((o) => o.email as string),
        subject: 'Kastell alert: an account is locked after 20 failed attempts',
        text: `The account ${account.email} (user ${account.user_id}) has had 20 failed sign-in attempts (${kind}) within 24 hours and is locked for 24 hours.\nCheck the audit log and the failed-sign-in events for the source addresses.`,
      });
    }
  } catch (error) {
    id.log.error({ err: { message: (error as Error).message }, event: 'auth.lockout_alert.failed' }, 'could not send lockout alert');
  }
}
