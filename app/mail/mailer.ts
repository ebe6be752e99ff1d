// E-mail over SMTP (nodemailer): invites, unlock links, lockout alerts,
// new-device notices. STARTTLS is used whenever the relay offers it
// (smtps:// for implicit TLS). Without KASTELL_SMTP_URL nothing is sent and
// a warning says so — the mail's content (which may hold a link) is never logged.
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';

export interface Mail {
  to: string | string[];
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<boolean>;
  close(): void;
}

export function createMailer(smtpUrl: string | undefined, from: string, log: Logger): Mailer {
  if (!smtpUrl) {
    return {
      async send(mail) {
        log.warn({ event: 'mail.not_sent', subject: mail.subject }, 'no KASTELL_SMTP_URL configured: e-mail not sent');
        return false;
      },
      close() {},
    };
  }
  const transport: Transporter = nodemailer.createTransport(smtpUrl);
  return {
    async send(mail) {
      try {
        await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
        log.info({ event: 'mail.sent', subject: mail.subject }, 'e-mail sent');
        return true;
      } catch (error) {
        log.error({ event: 'mail.failed', subject: mail.subject, err: { message: (error as Error).message } }, 'e-mail failed');
        return false;
      }
    },
    close: () => transport.close(),
  };
}
