// Admin users page: who has which role, status and factors; change role,
// disable/enable, end sessions, reset lost factors (forces re-enrolment).
// Role change, disable and factor reset need sudo mode; each ends the
// user's sessions (triggers, see sql/schema.sql), so the change applies at once.
import type { FeatureDeps } from '../feature.ts';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { createIdentity, type Identity } from '../auth/identity.ts';
import { inSudoMode, requirePermission, requireSudo } from '../http/guards.ts';
import type { PermissionKey } from '../http/permissions.ts';
import type { AppEnv, SessionUser } from '../http/context.ts';
import { forbidden, notFound } from '../http/errors.ts';
import { CsrfField, renderPage } from '../http/layout.tsx';
import { countedKey } from '../i18n/index.ts';
import { idParam, parseOrThrow, readFormFields } from '../http/validate.ts';

const roleChangeSchema = z.strictObject({ roleId: z.uuid({ message: 'issue.chooseRole' }) });

const userSchema = z.object({
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

async function listUsers(id: Identity, user: SessionUser) {
  const rows = await id.db.withPrincipal({ userId: user.userId }, (tx) => tx`
    select u.user_id, u.email, u.display_name, u.status, r.name as role_name, r.role_id, m.company_id,
           exists (select 1 from kastell.totp_factors t where t.user_id = u.user_id and t.confirmed_at is not null) as has_totp,
           (select count(*) from kastell.passkeys p where p.user_id = u.user_id)::int as passkeys,
           (select count(*) from kastell.sessions s where s.user_id = u.user_id and s.ended_at is null and s.expires_at > now())::int as live_sessions
    from kastell.users u
    join kastell.memberships m on m.user_id = u.user_id
    join kastell.roles r on r.role_id = m.role_id
    order by lower(u.email)`);
  return rows.map((r) => ({
    userId: r.user_id, email: r.email, displayName: r.display_name, status: r.status, role: r.role_name, roleId: r.role_id,
    companyId: r.company_id, hasTotp: r.has_totp, passkeys: r.passkeys, liveSessions: r.live_sessions,
  })) as z.infer<typeof userSchema>[];
}

export function userRoutes(deps: FeatureDeps): Hono<AppEnv> {
  const { db, config, api } = deps;
  const id = createIdentity(deps);
  const pages = new Hono<AppEnv>();

  pages.get('/users', async (c) => {
    const user = requirePermission(c, 'users.read');
    const users = await listUsers(id, user);
    const roles = await db.withPrincipal({ userId: user.userId }, (tx) => tx`select role_id, name, side, company_id from kastell.roles order by side, name`);
    return usersPage(c, users, roles);
  });

  const action = (path: string, permission: PermissionKey, sudo: boolean, work: (c: Context<AppEnv>, actor: SessionUser, userId: string) => Promise<void>) => {
    pages.post(`/users/:userId/${path}`, async (c) => {
      const actor = requirePermission(c, permission);
      const userId = idParam(c, 'userId');
      if (sudo && !inSudoMode(actor, config)) {
        return c.redirect(`/security/reauth?next=/users`, 303);
      }
      await work(c, actor, userId);
      c.get('log').info({ event: `users.${path}`, actorId: actor.userId, userId }, `user ${path}`);
      return c.redirect('/users', 303);
    });
  };

  action('disable', 'users.disable', true, async (c, actor, userId) => setStatus(c, id, actor, userId, 'disabled'));
  action('enable', 'users.disable', true, async (c, actor, userId) => setStatus(c, id, actor, userId, 'active'));
  action('end-sessions', 'sessions.end', false, async (c, actor, userId) => { await endSessionsOf(c, id, actor, userId); });
  action('reset-factors', 'users.update', true, async (c, actor, userId) => {
    await db.withPrincipal({ userId: actor.userId }, async (tx) => {
      await tx`select app.reset_factors(${userId})`;
      await c.get('auditor').record(tx, c, { action: 'user.factors_reset', entityType: 'user', entityId: userId });
    });
  });
  action('role', 'users.update', true, async (c, actor, userId) => {
    const { roleId } = parseOrThrow(roleChangeSchema, await readFormFields(c));
    await changeRole(c, id, actor, userId, roleId);
  });

  api.add({
    method: 'get',
    path: '/users',
    summary: 'Users visible to the caller, with role, status and factors',
    tag: 'users',
    permission: 'users.read',
    response: z.object({ users: z.array(userSchema) }),
    handler: async (c, { user }) => ({ users: await listUsers(id, user) }),
  });

  api.add({
    method: 'put',
    path: '/users/:userId/role',
    summary: 'Change a user\'s role (needs recent re-authentication); ends the user\'s sessions',
    tag: 'users',
    permission: 'users.update',
    body: roleChangeSchema,
    response: z.object({ changed: z.literal(true) }),
    handler: async (c, { body, user: actor }) => {
      requireSudo(c, config);
      await changeRole(c, id, actor, idParam(c, 'userId'), body.roleId);
      return { changed: true as const };
    },
  });

  api.add({
    method: 'post',
    path: '/users/:userId/sessions/end',
    summary: 'End every session of a user',
    tag: 'users',
    permission: 'sessions.end',
    body: z.strictObject({}),
    response: z.object({ ended: z.number().int() }),
    handler: async (c, { user: actor }) => {
      return { ended: await endSessionsOf(c, id, actor, idParam(c, 'userId')) };
    },
  });

  return pages;
}

async function endSessionsOf(c: Context<AppEnv>, id: Identity, actor: SessionUser, userId: string): Promise<number> {
  return id.db.withPrincipal({ userId: actor.userId }, async (tx) => {
    const [row] = await tx`select app.end_sessions_of(${userId}, 'ended_by_admin', null) as n`;
    await c.get('auditor').record(tx, c, { action: 'sessions.ended_by_admin', entityType: 'user', entityId: userId, detail: { count: Number(row?.n ?? 0) } });
    return Number(row?.n ?? 0);
  });
}

async function setStatus(c: Context<AppEnv>, id: Identity, actor: SessionUser, userId: string, status: 'active' | 'disabled') {
  if (userId === actor.userId) throw forbidden();
  const updated = await id.db.withPrincipal({ userId: actor.userId }, async (tx) => {
    const rows = await tx`update kastell.users set status = ${status} where user_id = ${userId} returning 1`;
    if (rows.length > 0) await c.get('auditor').record(tx, c, { action: status === 'disabled' ? 'user.disabled' : 'user.enabled', entityType: 'user', entityId: userId });
    return rows;
  });
  if (updated.length === 0) throw notFound();
}

async function changeRole(c: Context<AppEnv>, id: Identity, actor: SessionUser, userId: string, roleId: string) {
  const updated = await id.db.withPrincipal({ userId: actor.userId }, async (tx) => {
    const [role] = await tx`select role_key from kastell.roles where role_id = ${roleId}`;
    if (!role) throw notFound();
    // only the owner (roles.manage) hands out the owner role
    if (role.role_key === 'owner' && !actor.permissions.has('roles.manage')) throw forbidden();
    const rows = await tx`update kastell.memberships set role_id = ${roleId} where user_id = ${userId} returning 1`;
    if (rows.length > 0) await c.get('auditor').record(tx, c, { action: 'user.role_changed', entityType: 'user', entityId: userId, detail: { role: role.role_key ?? 'custom' } });
    return rows;
  });
  if (updated.length === 0) throw notFound();
}

function usersPage(c: Context<AppEnv>, users: z.infer<typeof userSchema>[], roles: readonly Record<string, unknown>[]) {
  const t = c.get('t');
  const csrf = c.get('csrfToken');
  return renderPage(c, t('users.title'), (
    <table>
      <thead>
        <tr><th scope="col">{t('signIn.email')}</th><th scope="col">{t('users.role')}</th><th scope="col">{t('users.status')}</th><th scope="col">{t('users.factors')}</th><th scope="col"><span class="visually-hidden">{t('users.actions')}</span></th></tr>
      </thead>
      <tbody>
        {users.map((u) => (
          <tr data-user-id={u.userId}>
            <td>{u.displayName} &lt;{u.email}&gt;</td>
            <td>
              <form method="post" action={`/users/${u.userId}/role`} class="inline">
                <CsrfField token={csrf} />
                <label for={`role-${u.userId}`} class="visually-hidden">{t('users.changeRole')}</label>
                <select id={`role-${u.userId}`} name="roleId">
                  {roles.filter((r) => r.company_id === null || r.company_id === u.companyId).map((r) => (
                    <option value={String(r.role_id)} selected={r.role_id === u.roleId}>{String(r.name)}</option>
                  ))}
                </select>{' '}
                <button type="submit">{t('users.changeRole')}</button>
              </form>
            </td>
            <td>{t(`users.status.${u.status}`)}</td>
            <td>{[u.hasTotp ? 'TOTP' : '', u.passkeys ? t(countedKey(c.get('locale'), 'users.passkeys', u.passkeys), { count: String(u.passkeys) }) : ''].filter(Boolean).join(', ') || '—'}</td>
            <td>
              <form method="post" action={`/users/${u.userId}/${u.status === 'active' ? 'disable' : 'enable'}`} class="inline">
                <CsrfField token={csrf} />
                <button type="submit">{u.status === 'active' ? t('users.disable') : t('users.enable')}</button>
              </form>{' '}
              <form method="post" action={`/users/${u.userId}/end-sessions`} class="inline">
                <CsrfField token={csrf} />
                <button type="submit">{t('users.endSessions')} ({u.liveSessions})</button>
              </form>{' '}
              <form method="post" action={`/users/${u.userId}/reset-factors`} class="inline">
                <CsrfField token={csrf} />
                <button type="submit" class="danger">{t('users.resetFactors')}</button>
              </form>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  ));
}
