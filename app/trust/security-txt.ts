// /.well-known/security.txt (RFC 9116), made by the running server: Contact
// from configuration, Expires computed here (so it is renewed for as long as
// the server runs, and never more than a year ahead, as §2.5.5 asks),
// Preferred-Languages the portal's four, Policy the responsible-disclosure
// page, Canonical this very URL, Encryption absent (the audit key signs; it
// has no encryption subkey). Signed with the OpenPGP cleartext framework
// (§2.3) by the installation's audit signing key.
import type { Config } from '../config.ts';

/** How far ahead Expires lies: well within RFC 9116's "less than a year", renewed daily. */
export const securityTxtValidDays = 90;

/** Expires: the start of the UTC day `securityTxtValidDays` ahead, so the text (and its signature) is stable for a day. */
export function securityTxtExpiry(now: Date): Date {
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(day + securityTxtValidDays * 86_400_000);
}

export const disclosurePath = '/responsible-disclosure';
export const securityTxtPath = '/.well-known/security.txt';

export function securityTxt(config: Config, now: Date): string {
  const expires = securityTxtExpiry(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return [
    `# Security contact for ${config.publicUrl} (RFC 9116). Figures of the controls: ${config.publicUrl}/trust`,
    ...config.trust.securityContacts.map((contact) => `Contact: ${contact}`),
    `Expires: ${expires}`,
    'Preferred-Languages: en, de, fr, it',
    `Policy: ${config.publicUrl}${disclosurePath}`,
    `Canonical: ${config.publicUrl}${securityTxtPath}`,
    '',
  ].join('\n');
}
