import { z } from 'zod';
import { solutionSchema } from '../auth/bot-challenge.ts';
import { emailAddress, text } from '../http/text-schema.ts';

/** Only the syntax is judged here: the answer is the same for every well-formed address. */
export const resetRequestSchema = z.strictObject({
  email: emailAddress('issue.enterYourEmail'),
  /** the bot challenge's solution: asked only past the threshold (app/auth/bot-challenge.ts) */
  altcha: solutionSchema,
});

/** Length only at the edge; the whole password policy runs in the handler (app/auth/password-policy.ts). */
export const newPasswordSchema = text({ error: 'issue.enterNewPassword' }).min(1, 'issue.enterNewPassword').max(4096, 'issue.tooLong');

export const resetFormSchema = z.strictObject({ newPassword: newPasswordSchema });

export const resetCompleteSchema = z.strictObject({
  token: text({ error: 'issue.invalid' }).regex(/^[A-Za-z0-9_-]{43}$/, 'issue.invalid'),
  newPassword: newPasswordSchema,
});

export const resetRequestedSchema = z.object({ accepted: z.literal(true) });
export const resetCompletedSchema = z.object({ changed: z.literal(true) });
