// app/invites: invitations into a role.
import assert from 'node:assert/strict';
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
    cases: ({ as, world, admin, users }) => ({
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
      checks: {
        'an external auditor reads no personal data from any table (and with the membership expired, nothing)': async () => {
          const auditor = users.external_auditor;
          const tables = await admin<{ name: string; own: boolean }[]>`
            select c.relname as name, exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'user_id' and not a.attisdropped) as own
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'kastell' and c.relkind in ('r', 'p') order by 1`;
          assert.ok(tables.length > 30, `the query finds the tables (${tables.length})`);
          // reference data, the same for everyone, naming no person
          const reference = new Set(['organisation', 'permissions', 'roles', 'role_permissions', 'job_status_transitions', 'notification_kinds', 'notifiable_breaches']);
          const seen = async () => {
            const found: Record<string, number> = {};
            for (const { name, own } of tables) {
              if (reference.has(name)) continue;
              // the auditor's own rows (their account, sessions, factors) are theirs, not someone's personal data
              const rows = await as(auditor, (tx) => own
                ? tx`select count(*)::int as n from ${tx(name)} where user_id is distinct from ${auditor.userId}`
                : tx`select count(*)::int as n from ${tx(name)}`).then((r) => r[0]!.n as number, (e: Error) => (/permission denied/.test(e.message) ? 0 : Promise.reject(e)));
              if (rows > 0) found[name] = rows;
            }
            return found;
          };
          assert.deepEqual(await seen(), {}, 'tables in which the auditor sees rows of other people');
          // not vacuous: the world has rows in the tables that hold personal data
          for (const name of ['users', 'memberships', 'sessions', 'invites', 'job_messages', 'documents', 'service_requests', 'password_history']) {
            const [row] = await admin`select count(*)::int as n from ${admin('kastell')}.${admin(name)}`;
            assert.ok(row!.n > 0, `the world has rows in ${name}`);
          }
          // and what the role is for: evidence and audit exports
          assert.deepEqual([...(await as(auditor, (tx) => tx`select app.has_global('audit.export') as a, app.has_global('evidence.read') as e`))].map((r) => [r.a, r.e]), [[true, true]]);
          const [{ expires_at: was }] = await admin`select expires_at from kastell.memberships where user_id = ${auditor.userId}` as unknown as [{ expires_at: Date }];
          await admin`update kastell.memberships set expires_at = now() - interval '1 second' where user_id = ${auditor.userId}`;
          try {
            assert.deepEqual([...(await as(auditor, (tx) => tx`select app.has_global('audit.export') as a, app.has_global('evidence.read') as e`))].map((r) => [r.a, r.e]), [[false, false]],
              'an expired membership holds no permission');
            assert.deepEqual(await seen(), {});
          } finally {
            await admin`update kastell.memberships set expires_at = ${was} where user_id = ${auditor.userId}`;
          }
        },
      },
    }),
  },
  isolation: {
    bodies: {
      'post /invites': { body: (ids, world) => ({ email: 'intruder@example.test', roleId: world.memberRoleId, companyId: ids.companyId }), idsInBody: true },
      'post /invites/:inviteId/resend': { body: () => ({}) },
    },
    pages: (ids) => ({
      writes: [[`/invites/${ids.inviteId}/resend`, {}], [`/invites/${ids.inviteId}/revoke`, {}]],
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
      'POST /api/v1/invites/:inviteId/resend': { action: 'invite.resent', run: (w) => w.owner.postJson(`/api/v1/invites/${w.ids.invite}/resend`, {}) },
      'POST /invites/:inviteId/resend': { action: 'invite.resent', run: (w) => w.owner.postForm(`/invites/${w.ids.invite}/resend`, {}) },
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
