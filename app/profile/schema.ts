import { z } from 'zod';
import { emailAddress, text } from '../http/text-schema.ts';
import { requiredText } from '../http/validate.ts';

export const displayNameSchema = z.strictObject({ displayName: requiredText('issue.enterYourName', 200) });
export const emailChangeSchema = z.strictObject({ email: emailAddress('issue.enterEmail') });
export const emailConfirmSchema = z.strictObject({ token: text({ error: 'issue.invalid' }).regex(/^[A-Za-z0-9_-]{43}$/, 'issue.invalid') });
export const profileSchema = z.object({ displayName: z.string(), email: z.string() });
