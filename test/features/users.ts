// app/users: people, their memberships and roles, and the permission catalogue roles draw from.
import assert from 'node:assert/strict';
import { seedUser } from '../harness/seed.ts';
import { roleIdOf } from '../harness/world.ts';
import type { FeatureKit } from './kit.ts';

export const users: FeatureKit = {
  feature: 'users',
  rls: {
    cases: ({ admin, as, attempt, users, roles, visibleUsers, world }) => ({
      reads: {
        permissions: {
          read: async (role) => (await as(role, (tx) => tx`select count(*)::int as n from permissions`))[0]!.n,
          expect: () => 54,
        },
        roles: {
          read: async (role) => (await as(role, (tx) => tx`select count(*)::int as n from roles`))[0]!.n,
          // the ten system roles; B's custom role only for global role readers
          expect: (role) => (['owner', 'admin', 'security_officer', 'dispatcher'].includes(role) ? 11 : 10),
        },
        role_permissions: {
          read: async (role) => (await as(role, (tx) => tx`select count(distinct role_id)::int as n from role_permissions`))[0]!.n,
          expect: () => 10,
        },
        users: {
          read: async (role) => (await as(role, (tx) => tx`select user_id from users order by 1`)).map((r) => r.user_id),
          expect: visibleUsers,
          noRowsWithoutPrincipal: true,
        },
        memberships: {
          read: async (role) => (await as(role, (tx) => tx`select user_id from memberships order by 1`)).map((r) => r.user_id),
          expect: visibleUsers,
          noRowsWithoutPrincipal: true,
        },
      },
      writes: [
        { name: 'rename another user', work: (tx) => tx`update users set display_name = display_name where user_id = ${world.adminOfB.userId} returning 1`, allowed: ['owner', 'admin'] },
        { name: 'rename a customer member of A', work: (tx) => tx`update users set display_name = display_name where user_id = ${users.customer_member.userId} returning 1`, allowed: ['owner', 'admin', 'customer_admin', 'customer_member'] },
        { name: "change B's admin role", work: (tx) => tx`update memberships set role_id = role_id where user_id = ${world.adminOfB.userId} returning 1`, allowed: ['owner', 'admin'] },
        { name: 'create a custom role in A', work: (tx) => tx`insert into roles (company_id, name, side) values (${world.A}, ${'R' + Math.random()}, 'customer') returning 1`, allowed: ['customer_admin'] },
        { name: "grant a permission to B's custom role", work: (tx) => tx`insert into role_permissions (role_id, permission_key, scope) values (${world.customRoleB}, 'sites.read', 'company') on conflict do nothing returning 1`, allowed: [] },
      ],
      checks: {
        "B's customer admin may compose its own custom role, but not at global scope nor with operator-only permissions": async () => {
          const ok = await attempt(world.adminOfB, (tx) => tx`insert into role_permissions (role_id, permission_key, scope) values (${world.customRoleB}, 'sites.read', 'company') returning 1`);
          assert.equal(ok, 'ok');
          assert.equal(await attempt(world.adminOfB, (tx) => tx`insert into role_permissions (role_id, permission_key, scope) values (${world.customRoleB}, 'assets.read', 'global') returning 1`), 'denied');
          assert.equal(await attempt(world.adminOfB, (tx) => tx`insert into role_permissions (role_id, permission_key, scope) values (${world.customRoleB}, 'keys.rotate', 'company') returning 1`), 'denied');
        },
        'nobody writes the permission catalogue or system roles through the app': async () => {
          for (const role of roles) {
            assert.equal(await attempt(role, (tx) => tx`insert into permissions (permission_key, description) values ('x.y', 'x') returning 1`), 'denied', role);
            assert.notEqual(await attempt(role, (tx) => tx`update roles set name = 'Boss' where role_key = 'customer_viewer' returning 1`), 'ok', role);
          }
        },
        'removing a membership: owner and admin anyone\'s, a customer admin only in their company, an owner\'s only by the owner, nobody their own': async () => {
          // each attempt rolls back: the world stays as it is
          const removes = async (role: Parameters<typeof as>[0], userId: string) => {
            const marker = new Error('rollback');
            let count = -1;
            await as(role, async (tx) => { count = (await tx`delete from memberships where user_id = ${userId} returning 1`).count; throw marker; })
              .catch((error: unknown) => { if (error !== marker) throw error; });
            return count;
          };
          assert.equal(await removes('owner', world.adminOfB.userId), 1);
          assert.equal(await removes('admin', world.adminOfB.userId), 1);
          assert.equal(await removes('customer_admin', users.customer_member.userId), 1);
          assert.equal(await removes('customer_admin', world.adminOfB.userId), 0, 'not in another company');
          assert.equal(await removes('admin', users.owner.userId), 0, 'an owner only by the owner');
          for (const role of roles) assert.equal(await removes(role, users[role].userId), 0, `${role}: not their own`);
          for (const role of ['dispatcher', 'support', 'technician', 'security_officer', 'customer_member', 'customer_viewer', 'external_auditor'] as const) {
            assert.equal(await removes(role, users.customer_viewer.userId === users[role].userId ? users.customer_member.userId : users.customer_viewer.userId), 0, role);
          }
        },
        'a membership cannot put a customer into an operator role or another company’s custom role': async () => {
          const ownerRole = await roleIdOf(admin, 'owner');
          const result = await attempt('customer_admin', (tx) => tx`update memberships set role_id = ${ownerRole} where user_id = ${users.customer_member.userId} returning 1`);
          assert.equal(result, 'denied');
          const custom = await attempt('customer_admin', (tx) => tx`update memberships set role_id = ${world.customRoleB} where user_id = ${users.customer_member.userId} returning 1`);
          assert.notEqual(custom, 'ok');
        },
      },
    }),
  },
  isolation: {
    bodies: {
      'put /users/:userId/role': { body: (_, world) => ({ roleId: world.memberRoleId }) },
      'post /users/:userId/sessions/end': { body: () => ({}) },
      'post /users/:userId/disable': { body: () => ({}) },
      'post /users/:userId/enable': { body: () => ({}) },
    },
  },
  audit: {
    // the owner is in sudo mode from signing in (auth kit)
    scenarios: {
      'POST /users/:userId/disable': {
        action: 'user.disabled',
        run: async (w) => { w.ids.member = (await seedUser(w.t.admin, 'support')).userId; return w.owner.postForm(`/users/${w.ids.member}/disable`, {}); },
      },
      'POST /users/:userId/enable': { action: 'user.enabled', run: (w) => w.owner.postForm(`/users/${w.ids.member}/enable`, {}) },
      'POST /users/:userId/end-sessions': { action: 'sessions.ended_by_admin', run: (w) => w.owner.postForm(`/users/${w.ids.member}/end-sessions`, {}) },
      'POST /api/v1/users/:userId/sessions/end': { action: 'sessions.ended_by_admin', run: (w) => w.owner.postJson(`/api/v1/users/${w.ids.member}/sessions/end`, {}) },
      'POST /users/:userId/reset-factors': { action: 'user.factors_reset', run: (w) => w.owner.postForm(`/users/${w.ids.member}/reset-factors`, {}) },
      'POST /users/:userId/role': {
        action: 'user.role_changed',
        run: async (w) => w.owner.postForm(`/users/${w.ids.member}/role`, { roleId: await roleIdOf(w.t.admin, 'dispatcher') }),
      },
      'POST /api/v1/users/:userId/disable': { action: 'user.disabled', run: (w) => w.owner.postJson(`/api/v1/users/${w.ids.member}/disable`, {}) },
      'POST /api/v1/users/:userId/enable': { action: 'user.enabled', run: (w) => w.owner.postJson(`/api/v1/users/${w.ids.member}/enable`, {}) },
      'POST /users/:userId/remove-membership': {
        action: 'user.membership_removed',
        run: async (w) => w.owner.postForm(`/users/${(await seedUser(w.t.admin, 'support')).userId}/remove-membership`, {}),
      },
      'DELETE /api/v1/users/:userId/membership': {
        action: 'user.membership_removed',
        run: async (w) => w.owner.request('DELETE', `/api/v1/users/${(await seedUser(w.t.admin, 'support')).userId}/membership`),
      },
      'PUT /api/v1/users/:userId/role': {
        action: 'user.role_changed',
        run: async (w) => w.owner.request('PUT', `/api/v1/users/${w.ids.member}/role`, { json: { roleId: await roleIdOf(w.t.admin, 'support') } }),
      },
    },
  },
};
