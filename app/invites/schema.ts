import { solutionSchema } from '../auth/bot-challenge.ts';
import { z } from 'zod';
import { passwordSchema } from '../auth/password.ts';
import { locales } from '../i18n/index.ts';
import { emailAddress, text } from '../http/text-schema.ts';
import { requiredText } from '../http/validate.ts';

export const inviteInputSchema = z.strictObject({
  email: emailAddress('issue.enterEmail'),
  roleId: z.uuid({ error: 'issue.chooseRole' }),
  companyId: z.uuid({ message: 'issue.chooseCompany' }).optional(),
  /** the language of the invitation e-mail (and of the new account); else the inviter's page language */
  locale: text().pipe(z.enum(locales, { error: 'issue.chooseLanguage' })).optional(),
  /** an external auditor's membership length in days (1 to KASTELL_AUDITOR_MAX_DAYS, at most 90); only for that role */
  accessDays: z.number({ error: 'issue.accessDays' }).int('issue.accessDays').min(1, 'issue.accessDays').max(90, 'issue.accessDays').optional(),
});

/** The form's fields as text; numbers go through text() first. */
export const inviteFormSchema = inviteInputSchema.extend({
  accessDays: text().pipe(z.coerce.number<string>({ error: 'issue.accessDays' }).int('issue.accessDays').min(1, 'issue.accessDays').max(90, 'issue.accessDays')).optional(),
});

export const inviteSchema = z.object({
  inviteId: z.uuid(),
  email: z.string(),
  roleId: z.uuid(),
  companyId: z.uuid().nullable(),
  expiresAt: z.iso.datetime(),
  acceptedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
  locale: z.enum(locales),
  /** external auditors: how many days the membership lasts from acceptance */
  membershipDays: z.number().int().nullable(),
  sentCount: z.number().int(),
  lastSentAt: z.iso.datetime(),
});
export type Invite = z.infer<typeof inviteSchema>;

/**
 * On creation and resend: whether the invitation went out by e-mail. The
 * link (with its token) is shown to the inviter only when no mail relay is
 * configured (KASTELL_SMTP_URL unset) or sending failed, to pass on by hand.
 */
export const createdInviteSchema = inviteSchema.extend({ mailed: z.boolean(), link: z.url().optional() });

export const acceptInviteSchema = z.strictObject({
  displayName: requiredText('issue.enterYourName', 200),
  password: passwordSchema,
  /** the bot challenge's solution: asked only past the threshold (app/auth/bot-challenge.ts) */
  altcha: solutionSchema,
});

export const roleSchema = z.object({
  roleId: z.uuid(),
  roleKey: z.string().nullable(),
  name: z.string(),
  side: z.enum(['operator', 'customer', 'guest']),
  companyId: z.uuid().nullable(),
});
export type Role = z.infer<typeof roleSchema>;
