// app/invites: invitations into a role.
import { newToken } from '../../app/crypto/tokens.ts';
import { roleIdOf } from '../harness/world.ts';
import { created, type FeatureKit } from './kit.ts';

export const invites: FeatureKit = {
  feature: 'invites',
  rls: {
    // the world has B's open invite; here one into A by A's customer admin
    seed: async ({ admin, users, world }) => {
      await admin`insert into kastell.invites (email, role_id, company_id, token_hash, invited_by, expires_at)
        values ('new.a@example.test', ${world.memberRoleId}, ${world.A}, ${newToken().hash}, ${users.customer_admin.userId}, now() + interval '1 day')`;
    },
    cases: ({ as, world }) => ({
      reads: {
        invites: {
          read: async (role) => (await as(role, (tx) => tx`select company_id from invites order by 1`)).map((r) => r.company_id),
          expect: (role) => (['owner', 'admin'].includes(role) ? [world.A, world.B].sort() : role === 'customer_admin' ? [world.A] : []),
          noRowsWithoutPrincipal: true,
        },
      },
      writes: [
        { name: 'invite into A', work: (tx) => tx`insert into invites (email, role_id, company_id, token_hash, invited_by, expires_at) values ('x@example.test', ${world.memberRoleId}, ${world.A}, ${newToken().hash}, app.current_user_id(), now() + interval '1 day') returning 1`, allowed: ['owner', 'admin', 'customer_admin'] },
        { name: 'invite into B', work: (tx) => tx`insert into invites (email, role_id, company_id, token_hash, invited_by, expires_at) values ('y@example.test', ${world.memberRoleId}, ${world.B}, ${newToken().hash}, app.current_user_id(), now() + interval '1 day') returning 1`, allowed: ['owner', 'admin'] },
      ],
    }),
  },
  isolation: {
    bodies: {
      'post /invites': { body: (ids, world) => ({ email: 'intruder@example.test', roleId: world.memberRoleId, companyId: ids.companyId }), idsInBody: true },
    },
    pages: (ids) => ({
      writes: [[`/invites/${ids.inviteId}/revoke`, {}]],
      lists: [{ path: '/invites' }],
    }),
  },
  audit: {
    scenarios: {
      'POST /api/v1/invites': {
        action: 'invite.created',
        run: async (w) => {
          const r = await w.owner.postJson('/api/v1/invites', { email: 'api.invitee@example.test', roleId: await roleIdOf(w.t.admin, 'dispatcher') });
          w.ids.invite = created(r, 'inviteId');
          return r;
        },
      },
      'POST /api/v1/invites/:inviteId/revoke': { action: 'invite.revoked', run: (w) => w.owner.postJson(`/api/v1/invites/${w.ids.invite}/revoke`, {}) },
      'POST /invites': {
        action: 'invite.created',
        run: async (w) => {
          const r = await w.owner.postForm('/invites', { email: 'page.invitee@example.test', roleId: await roleIdOf(w.t.admin, 'dispatcher') });
          w.ids.acceptPath = /href="[^"]*(\/invites\/accept\/[A-Za-z0-9_-]{43})"/.exec(r.text)?.[1] ?? /(\/invites\/accept\/[A-Za-z0-9_-]{43})/.exec(r.text)?.[1] ?? '';
          return r;
        },
      },
      'POST /invites/accept/:token': {
        action: 'invite.accepted',
        run: (w) => w.anonymous.postForm(w.ids.acceptPath!, { displayName: 'Invitee', password: 'a long enough passphrase 77' }),
      },
      'POST /invites/:inviteId/revoke': {
        action: 'invite.revoked',
        run: async (w) => {
          const r = await w.owner.postJson('/api/v1/invites', { email: 'to.revoke@example.test', roleId: await roleIdOf(w.t.admin, 'dispatcher') });
          return w.owner.postForm(`/invites/${created(r, 'inviteId')}/revoke`, {});
        },
      },
    },
  },
};
