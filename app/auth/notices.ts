// Mails of the identity features: unlock links, lockout alerts, new-device
// sign-in notices. Sent without holding up the request; failures are logged.
import type { Locale } from '../i18n/index.ts';
import type { Identity } from './identity.ts';
import { newToken } from './tokens.ts';

export const unlockLinkHours = 1;

/** At most one unlock link per account per 15 minutes (app.create_unlock_token). */
export async function sendUnlockLink(id: Identity, account: { user_id: string; email: string }, locale: Locale): Promise<void> {
  try {
    const { token, hash } = newToken();
    const [row] = await id.db.withPrincipal(null, (tx) =>
      tx`select app.create_unlock_token(${account.user_id}, ${hash}, ${`${unlockLinkHours} hours`}::interval) as created`);
    if (!row?.created) return;
    const link = `${id.config.publicUrl}/unlock/${token}`;
    const de = locale === 'de';
    await id.mailer.send({
      to: [account.email],
      subject: de ? 'Kastell: Ihr Konto ist vorübergehend gesperrt' : 'Kastell: your account is temporarily locked',
      text: de
        ? `Zu viele fehlgeschlagene Anmeldeversuche haben Ihr Konto vorübergehend gesperrt.\n\nWaren Sie das, melden Sie sich über diesen Link trotzdem an (gültig ${unlockLinkHours} Stunde, einmal verwendbar):\n${link}\n\nMit einem Passkey können Sie sich auch jetzt anmelden. Waren Sie es nicht, ändern Sie Ihr Passwort.`
        : `Too many failed sign-in attempts have locked your account for a while.\n\nIf this was you, sign in anyway with this link (valid ${unlockLinkHours} hour, single use):\n${link}\n\nYou can also sign in with a passkey at any time. If this was not you, change your password after signing in.`,
    });
  } catch (error) {
    id.log.error({ err: { message: (error as Error).message }, event: 'auth.unlock_link.failed' }, 'could not send unlock link');
  }
}

/** 20 failures: the user and every security officer are told. */
export async function sendLockoutAlert(id: Identity, account: { user_id: string; email: string }, what: 'password' | 'second_factor'): Promise<void> {
  try {
    const officers = await id.db.withPrincipal(null, (tx) => tx`select app.security_officer_emails() as email`);
    const kind = what === 'password' ? 'passwords' : 'second-factor codes';
    id.log.warn({ event: 'auth.lockout.alert', userId: account.user_id, what }, 'account locked for 24 hours');
    await id.mailer.send({
      to: [account.email],
      subject: 'Kastell: your account is locked for 24 hours',
      text: `There have been 20 failed sign-in attempts (wrong ${kind}) on your account within 24 hours, so it is locked for 24 hours.\n\nYou can still sign in with a passkey, or with the unlock link we e-mail you. If these attempts were not yours, tell your security officer.`,
    });
    if (officers.length > 0) {
      await id.mailer.send({
        to: officers.map((o) => o.email as string),
        subject: 'Kastell alert: an account is locked after 20 failed attempts',
        text: `The account ${account.email} (user ${account.user_id}) has had 20 failed sign-in attempts (wrong ${kind}) within 24 hours and is locked for 24 hours.\nCheck the audit log and the failed-sign-in events for the source addresses.`,
      });
    }
  } catch (error) {
    id.log.error({ err: { message: (error as Error).message }, event: 'auth.lockout_alert.failed' }, 'could not send lockout alert');
  }
}
