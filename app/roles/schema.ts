import { z } from 'zod';
import type { PermissionKey } from '../http/permissions.ts';
import { text } from '../http/text-schema.ts';

/**
 * The customer-scope permissions a custom role may hold: the catalogue's
 * customer_assignable ones (test/identity/custom-roles.test.ts holds this
 * list against the database, whose trigger refuses anything else).
 */
export const customerPermissionKeys = [
  'roles.read', 'custom_roles.manage', 'users.read', 'users.invite', 'users.update', 'users.disable', 'profile.update',
  'companies.read', 'companies.update',
  'sites.read', 'sites.create', 'sites.update', 'sites.delete',
  'assets.read', 'assets.create', 'assets.update', 'assets.delete',
  'requests.read', 'requests.create', 'requests.update',
  'jobs.read', 'visits.read', 'reports.read', 'reports.sign',
  'documents.read', 'documents.upload', 'documents.delete',
  'messages.read', 'messages.write', 'notifications.read',
  'share_links.create', 'share_links.revoke', 'access_log.read',
] as const satisfies readonly PermissionKey[];
export type CustomerPermissionKey = (typeof customerPermissionKeys)[number];

/** Permissions about the holder's own things are held at 'own' scope; the rest at the company's. */
export const scopeOf = (key: CustomerPermissionKey): 'own' | 'company' => (key === 'profile.update' || key === 'notifications.read' ? 'own' : 'company');

const roleName = text({ error: 'issue.enterName' }).trim().min(1, 'issue.enterName').max(100, 'issue.tooLong');
const permissionList = z.array(z.enum(customerPermissionKeys, { message: 'issue.customerPermission' }))
  .min(1, 'issue.choosePermission').max(customerPermissionKeys.length);

export const createCustomRoleSchema = z.strictObject({ name: roleName, permissions: permissionList });
export const updateCustomRoleSchema = z.strictObject({ name: roleName.optional(), permissions: permissionList.optional() });

export const customRoleSchema = z.object({
  roleId: z.uuid(),
  name: z.string(),
  companyId: z.uuid(),
  permissions: z.array(z.string()),
  members: z.number().int(),
});
export type CustomRole = z.infer<typeof customRoleSchema>;
