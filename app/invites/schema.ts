import { z } from 'zod';
import { passwordSchema } from '../auth/password.ts';
import { emailAddress } from '../http/text-schema.ts';
import { requiredText } from '../http/validate.ts';

export const inviteInputSchema = z.strictObject({
  email: emailAddress('issue.enterEmail'),
  roleId: z.uuid({ error: 'issue.chooseRole' }),
  companyId: z.uuid({ message: 'issue.chooseCompany' }).optional(),
});

export const inviteSchema = z.object({
  inviteId: z.uuid(),
  email: z.string(),
  roleId: z.uuid(),
  companyId: z.uuid().nullable(),
  expiresAt: z.iso.datetime(),
  acceptedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});
export type Invite = z.infer<typeof inviteSchema>;

/** Only on creation: the one time the link (with its token) is shown. */
export const createdInviteSchema = inviteSchema.extend({ link: z.url() });

export const acceptInviteSchema = z.strictObject({
  displayName: requiredText('issue.enterYourName', 200),
  password: passwordSchema,
});

export const roleSchema = z.object({
  roleId: z.uuid(),
  roleKey: z.string().nullable(),
  name: z.string(),
  side: z.enum(['operator', 'customer', 'guest']),
  companyId: z.uuid().nullable(),
});
export type Role = z.infer<typeof roleSchema>;
