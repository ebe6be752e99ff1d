// A mail to every security officer (app.security_officer_emails()): how the
// documents feature raises its alerts (malware in an upload, unusual download
// volume) beside the log event the appliance's monitoring reads. A failed
// mail is logged, never thrown: the alert's log event and audit event stand.
import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import type { Mailer } from '../mail/mailer.ts';

export async function mailSecurityOfficers(deps: { db: Database; mailer: Mailer; log: Logger }, mail: { subject: string; text: string }): Promise<void> {
  try {
    const to = (await deps.db.withPrincipal(null, (tx) => tx`select app.security_officer_emails() as email`)).map((r) => r.email as string);
    await deps.mailer.send({ to, subject: `[Kastell] ${mail.subject}`, text: mail.text });
  } catch (error) {
    deps.log.error({ err: error as Error, subject: mail.subject }, 'security alert mail failed');
  }
}
