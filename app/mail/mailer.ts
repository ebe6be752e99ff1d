// Outgoing e-mail over SMTP (nodemailer; STARTTLS when the relay offers it).
// Without KASTELL_SMTP_URL, messages are logged as not sent — never dropped silently.
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';

export interface Mail {
  to: string[];
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<boolean>;
}

export function createMailer(options: { smtpUrl: string | undefined; from: string; log: Logger }): Mailer {
  const transport = options.smtpUrl ? nodemailer.createTransport(options.smtpUrl) : undefined;
  return {
    async send(mail) {
      if (mail.to.length === 0) return false;
      if (!transport) {
        options.log.warn({ event: 'mail.not_configured', subject: mail.subject, recipients: mail.to.length }, 'no SMTP relay configured: mail not sent');
        return false;
      }
      await transport.sendMail({ from: options.from, to: mail.to, subject: mail.subject, text: mail.text });
      return true;
    },
  };
}
