// Custom roles of a customer company (SPEC §1): its customer admin (holder of
// custom_roles.manage at company scope) lists, creates, renames, recomposes
// and deletes them — on /roles and under /api/v1/custom-roles — and assigns
// them to the company's people on the users page (PUT /api/v1/users/:id/role).
// Operators compose none: a custom role belongs to one company.
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { auditFor } from '../audit/record.ts';
import type { FeatureDeps } from '../feature.ts';
import type { AppEnv, SessionUser } from '../http/context.ts';
import { HttpError, notFound } from '../http/errors.ts';
import { requirePermission } from '../http/guards.ts';
import { idParam, parseOrThrow, readFormFields } from '../http/validate.ts';
import { createCustomRole, deleteCustomRole, listCustomRoles, updateCustomRole } from './queries.ts';
import { createCustomRoleSchema, customerPermissionKeys, customRoleSchema, updateCustomRoleSchema } from './schema.ts';
import { rolesPage } from './views.tsx';

/** The caller's company, when they compose its roles. */
function companyOf(c: Context<AppEnv>): { user: SessionUser; companyId: string } {
  const user = requirePermission(c, 'custom_roles.manage');
  if (!user.companyId || user.permissions.get('custom_roles.manage') !== 'company') {
    throw new HttpError(403, 'company_only', 'Custom roles belong to a customer company: its customer admin composes them.');
  }
  return { user, companyId: user.companyId };
}

const inUse = () => new HttpError(409, 'role_in_use', 'People still hold this role: give them another role first, then delete it.');

/** The form's checkboxes are named p:<permission>. */
function permissionsFromForm(fields: Record<string, string | undefined>): string[] {
  return customerPermissionKeys.filter((key) => fields[`p:${key}`] !== undefined);
}

export function roleRoutes(deps: FeatureDeps): Hono<AppEnv> {
  const { db, api } = deps;
  const pages = new Hono<AppEnv>();
  const as = (user: SessionUser) => ({ userId: user.userId });

  pages.get('/roles', async (c) => {
    const { user, companyId } = companyOf(c);
    return rolesPage(c, await db.withPrincipal(as(user), (tx) => listCustomRoles(tx, companyId)));
  });
  pages.post('/roles', async (c) => {
    const { user, companyId } = companyOf(c);
    const fields = await readFormFields(c);
    const body = parseOrThrow(createCustomRoleSchema, { name: fields.name ?? '', permissions: permissionsFromForm(fields) });
    await db.withPrincipal(as(user), (tx) => createCustomRole(tx, auditFor(c), companyId, body));
    return c.redirect('/roles', 303);
  });
  pages.post('/roles/:roleId', async (c) => {
    const { user, companyId } = companyOf(c);
    const roleId = idParam(c, 'roleId');
    const fields = await readFormFields(c);
    const body = parseOrThrow(updateCustomRoleSchema, { name: fields.name ?? '', permissions: permissionsFromForm(fields) });
    const updated = await db.withPrincipal(as(user), (tx) => updateCustomRole(tx, auditFor(c), companyId, roleId, body));
    if (!updated) throw notFound();
    return c.redirect('/roles', 303);
  });
  pages.post('/roles/:roleId/delete', async (c) => {
    const { user, companyId } = companyOf(c);
    const outcome = await db.withPrincipal(as(user), (tx) => deleteCustomRole(tx, auditFor(c), companyId, idParam(c, 'roleId')));
    if (outcome === 'not-found') throw notFound();
    if (outcome === 'in-use') throw inUse();
    return c.redirect('/roles', 303);
  });

  api.add({
    method: 'get', path: '/custom-roles', permission: 'custom_roles.manage', actsOn: 'callers-company', tag: 'roles',
    summary: 'Your company’s custom roles with their permissions and how many people hold each',
    response: z.object({ roles: z.array(customRoleSchema), assignablePermissions: z.array(z.string()) }),
    handler: async (c) => {
      const { user, companyId } = companyOf(c);
      return { roles: await db.withPrincipal(as(user), (tx) => listCustomRoles(tx, companyId)), assignablePermissions: [...customerPermissionKeys] };
    },
  });
  api.add({
    method: 'post', path: '/custom-roles', permission: 'custom_roles.manage', actsOn: 'callers-company', tag: 'roles', status: 201,
    summary: 'Create a custom role from customer-scope permissions',
    body: createCustomRoleSchema, response: customRoleSchema,
    handler: async (c, { body }) => {
      const { user, companyId } = companyOf(c);
      return db.withPrincipal(as(user), (tx) => createCustomRole(tx, auditFor(c), companyId, body));
    },
  });
  api.add({
    method: 'patch', path: '/custom-roles/:roleId', permission: 'custom_roles.manage', actsOn: 'callers-company', tag: 'roles',
    summary: 'Rename a custom role and/or replace its permissions; its holders’ next request is judged by them',
    body: updateCustomRoleSchema, response: customRoleSchema,
    handler: async (c, { body }) => {
      const { user, companyId } = companyOf(c);
      const updated = await db.withPrincipal(as(user), (tx) => updateCustomRole(tx, auditFor(c), companyId, idParam(c, 'roleId'), body));
      if (!updated) throw notFound();
      return updated;
    },
  });
  api.add({
    method: 'delete', path: '/custom-roles/:roleId', permission: 'custom_roles.manage', actsOn: 'callers-company', tag: 'roles',
    summary: 'Delete a custom role nobody holds',
    response: z.object({ deleted: z.literal(true) }),
    handler: async (c) => {
      const { user, companyId } = companyOf(c);
      const outcome = await db.withPrincipal(as(user), (tx) => deleteCustomRole(tx, auditFor(c), companyId, idParam(c, 'roleId')));
      if (outcome === 'not-found') throw notFound();
      if (outcome === 'in-use') throw inUse();
      return { deleted: true as const };
    },
  });

  return pages;
}
