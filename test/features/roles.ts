// app/roles: a company's custom roles (tables roles and role_permissions are the users kit's).
import { seedCompany, seedSession, seedUser } from '../harness/seed.ts';
import type { AuditWorld, FeatureKit } from './kit.ts';

/** A customer admin's browser (custom roles belong to a company; the owner composes none). */
async function customerAdmin(w: AuditWorld) {
  if (!w.ids.rolesAdminToken) {
    const company = await seedCompany(w.t.admin, `Roles ${Math.random().toString(36).slice(2, 8)}`);
    const admin = await seedUser(w.t.admin, 'customer_admin', company);
    w.ids.rolesAdminToken = await seedSession(w.t.admin, admin.userId, '1 hour');
  }
  return w.server.client().withSession(w.ids.rolesAdminToken);
}

export const roles: FeatureKit = {
  feature: 'roles',
  isolation: {
    bodies: {
      'post /custom-roles': { body: () => ({ name: `Role ${Math.random()}`, permissions: ['sites.read'] }) },
      'patch /custom-roles/:roleId': { body: () => ({ name: 'Renamed' }) },
    },
    ids: async (admin, company) => {
      const [row] = await admin`insert into kastell.roles (company_id, name, side) values (${company.companyId}, ${'Kit ' + Math.random()}, 'customer') returning role_id`;
      return { roleId: row!.role_id };
    },
  },
  audit: {
    scenarios: {
      'POST /roles': { action: 'custom_role.created', run: async (w) => (await customerAdmin(w)).postForm('/roles', { name: 'Page role', 'p:sites.read': 'on' }) },
      'POST /roles/:roleId': {
        action: 'custom_role.updated',
        run: async (w) => {
          const [row] = await w.t.admin`select role_id from kastell.roles where name = 'Page role'`;
          w.ids.pageRole = row!.role_id;
          return (await customerAdmin(w)).postForm(`/roles/${w.ids.pageRole}`, { name: 'Page role 2', 'p:sites.read': 'on', 'p:assets.read': 'on' });
        },
      },
      'POST /roles/:roleId/delete': { action: 'custom_role.deleted', run: async (w) => (await customerAdmin(w)).postForm(`/roles/${w.ids.pageRole}/delete`, {}) },
      'POST /api/v1/custom-roles': {
        action: 'custom_role.created',
        run: async (w) => {
          const res = await (await customerAdmin(w)).postJson('/api/v1/custom-roles', { name: 'API role', permissions: ['sites.read'] });
          w.ids.apiRole = res.json().roleId;
          return res;
        },
      },
      'PATCH /api/v1/custom-roles/:roleId': { action: 'custom_role.updated', run: async (w) => (await customerAdmin(w)).request('PATCH', `/api/v1/custom-roles/${w.ids.apiRole}`, { json: { name: 'API role 2' } }) },
      'DELETE /api/v1/custom-roles/:roleId': { action: 'custom_role.deleted', run: async (w) => (await customerAdmin(w)).request('DELETE', `/api/v1/custom-roles/${w.ids.apiRole}`) },
    },
  },
};
