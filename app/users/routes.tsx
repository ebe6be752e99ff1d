// Admin users page: who has which role, status and factors; change role,
// disable/enable, end sessions, reset lost factors (forces re-enrolment).
// Role change, disable and factor reset need sudo mode; each ends the
// user's sessions (triggers, see sql/schema.sql), so the change applies at once.
import type { FeatureDeps } from '../feature.ts';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { auditFor } from '../audit/record.ts';
import type { Database } from '../db/client.ts';
import { inSudoMode, requirePermission, requireSudo } from '../http/guards.ts';
import type { PermissionKey } from '../http/permissions.ts';
import type { AppEnv, SessionUser } from '../http/context.ts';
import { forbidden, notFound } from '../http/errors.ts';
import { CsrfField, renderPage } from '../http/layout.tsx';
import { countedKey } from '../i18n/index.ts';
import { idParam, parseOrThrow, readFormFields } from '../http/validate.ts';
import { changeRole, endSessionsOf, listRoleOptions, listUsers, removeMembership, resetFactors, setUserStatus } from './queries.ts';
import { roleChangeSchema, userSchema, type RoleOption, type User } from './schema.ts';

export function userRoutes(deps: FeatureDeps): Hono<AppEnv> {
  const { db, config, api } = deps;
  const pages = new Hono<AppEnv>();

  pages.get('/users', async (c) => {
    const user = requirePermission(c, 'users.read');
    const [users, roles] = await db.withPrincipal({ userId: user.userId }, async (tx) => [await listUsers(tx), await listRoleOptions(tx)] as const);
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

  action('disable', 'users.disable', true, async (c, actor, userId) => setStatus(c, db, actor, userId, 'disabled'));
  action('enable', 'users.disable', true, async (c, actor, userId) => setStatus(c, db, actor, userId, 'active'));
  action('end-sessions', 'sessions.end', false, async (c, actor, userId) => {
    await db.withPrincipal({ userId: actor.userId }, (tx) => endSessionsOf(tx, auditFor(c), userId));
  });
  action('reset-factors', 'users.update', true, async (c, actor, userId) => {
    await db.withPrincipal({ userId: actor.userId }, (tx) => resetFactors(tx, auditFor(c), userId));
  });
  action('remove-membership', 'users.update', true, async (c, actor, userId) => removeFrom(c, db, actor, userId));
  action('role', 'users.update', true, async (c, actor, userId) => {
    const { roleId } = parseOrThrow(roleChangeSchema, await readFormFields(c));
    await setRole(c, db, actor, userId, roleId);
  });

  api.add({
    method: 'get',
    path: '/users',
    summary: 'Users visible to the caller, with role, status and factors',
    tag: 'users',
    permission: 'users.read',
    response: z.object({ users: z.array(userSchema) }),
    handler: async (c, { user }) => ({ users: await db.withPrincipal({ userId: user.userId }, listUsers) }),
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
      await setRole(c, db, actor, idParam(c, 'userId'), body.roleId);
      return { changed: true as const };
    },
  });

  for (const [path, status] of [['disable', 'disabled'], ['enable', 'active']] as const) {
    api.add({
      method: 'post',
      path: `/users/:userId/${path}`,
      summary: status === 'disabled'
        ? 'Disable a user (needs recent re-authentication): every session ends, sign-in is refused'
        : 'Enable a disabled user again (needs recent re-authentication)',
      tag: 'users',
      permission: 'users.disable',
      body: z.strictObject({}),
      response: z.object({ status: z.enum(['active', 'disabled']) }),
      handler: async (c, { user: actor }) => {
        requireSudo(c, config);
        await setStatus(c, db, actor, idParam(c, 'userId'), status);
        return { status };
      },
    });
  }

  api.add({
    method: 'delete',
    path: '/users/:userId/membership',
    summary: 'Remove a user\'s membership (needs recent re-authentication): the account stays, holds no role and signs in to nothing; its sessions end',
    tag: 'users',
    permission: 'users.update',
    response: z.object({ removed: z.literal(true) }),
    handler: async (c, { user: actor }) => {
      requireSudo(c, config);
      await removeFrom(c, db, actor, idParam(c, 'userId'));
      return { removed: true as const };
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
      return { ended: await db.withPrincipal({ userId: actor.userId }, (tx) => endSessionsOf(tx, auditFor(c), idParam(c, 'userId'))) };
    },
  });

  return pages;
}

/** Nobody disables or enables themselves. */
async function setStatus(c: Context<AppEnv>, db: Database, actor: SessionUser, userId: string, status: 'active' | 'disabled') {
  if (userId === actor.userId) throw forbidden();
  const updated = await db.withPrincipal({ userId: actor.userId }, (tx) => setUserStatus(tx, auditFor(c), userId, status));
  if (!updated) throw notFound();
}

/** Nobody removes their own membership (RLS says so too). */
async function removeFrom(c: Context<AppEnv>, db: Database, actor: SessionUser, userId: string) {
  if (userId === actor.userId) throw forbidden();
  if (!(await db.withPrincipal({ userId: actor.userId }, (tx) => removeMembership(tx, auditFor(c), userId)))) throw notFound();
}

async function setRole(c: Context<AppEnv>, db: Database, actor: SessionUser, userId: string, roleId: string) {
  const outcome = await db.withPrincipal({ userId: actor.userId }, (tx) => changeRole(tx, auditFor(c), actor.permissions.has('roles.manage'), userId, roleId));
  if (outcome === 'forbidden') throw forbidden();
  if (outcome === 'not-found') throw notFound();
}

function usersPage(c: Context<AppEnv>, users: User[], roles: RoleOption[]) {
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
                  {roles.filter((r) => (u.companyId === null ? r.side !== 'customer' : r.side === 'customer' && (r.companyId === null || r.companyId === u.companyId))).map((r) => (
                    <option value={r.roleId} selected={r.roleId === u.roleId}>{r.name}</option>
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
              </form>{' '}
              <form method="post" action={`/users/${u.userId}/remove-membership`} class="inline">
                <CsrfField token={csrf} />
                <button type="submit" class="danger">{t('users.removeMembership')}</button>
              </form>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  ));
}
