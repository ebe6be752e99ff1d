import { z } from 'zod';

export const roleChangeSchema = z.strictObject({ roleId: z.uuid({ message: 'issue.chooseRole' }) });

export const userSchema = z.object({
  userId: z.uuid(),
  email: z.string(),
  displayName: z.string(),
  status: z.enum(['active', 'disabled']),
  role: z.string(),
  roleId: z.uuid(),
  companyId: z.uuid().nullable(),
  hasTotp: z.boolean(),
  passkeys: z.number().int(),
  liveSessions: z.number().int(),
});
export type User = z.infer<typeof userSchema>;
export type UserStatus = User['status'];

/** A role the users page offers: system roles (no company) to everyone, a company's custom roles to its users. */
export const roleOptionSchema = z.object({
  roleId: z.uuid(),
  name: z.string(),
  side: z.enum(['operator', 'customer', 'guest']),
  companyId: z.uuid().nullable(),
});
export type RoleOption = z.infer<typeof roleOptionSchema>;
