// Server-side sessions: the cookie carries an opaque token; the database
// keeps its SHA-256 and decides idle/lifetime expiry (app.resume_session),
// resolving the permission set once and caching it on the session until a
// role or permission change clears it.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { AuditEvent } from '../db/audit-event.ts';
import type { Config } from '../config.ts';
import type { Database, Tx } from '../db/client.ts';
import type { AppEnv, SessionUser } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import type { Identity } from './identity.ts';
import { hashToken, newToken, tokenPattern } from '../crypto/tokens.ts';

export const sessionCookie = '__Host-kastell-session';

/**
 * Idle timeout by role (SPEC §3; rationale in README "Sessions"): admin-side
 * 15 min, customer 30 min, technician 12 h, each configurable.
 */
export function idleTimeoutFor(roleKey: string | null, side: string, config?: Config): string {
  const idle = config?.identity.idleMinutes ?? { admin: 15, customer: 30, technician: 720 };
  if (roleKey === 'technician') return `${idle.technician} minutes`;
  if (side === 'customer') return `${idle.customer} minutes`;
  return `${idle.admin} minutes`;
}

export function sessionMiddleware(db: Database, identity?: Pick<Identity, 'networkAllows'>) {
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set('user', null);
    c.set('sessionTokenHash', null);
    const token = getCookie(c, sessionCookie);
    if (token && tokenPattern.test(token)) {
      const hash = hashToken(token);
      const [row] = await db.withPrincipal(null, (tx) => tx`select * from app.resume_session(${hash})`);
      if (row && identity && !identity.networkAllows(row.role_key, c.get('clientIp'))) {
        // an admin-side session used from outside the admin networks ends
        await db.withPrincipal(null, (tx) => tx`select app.end_session(${hash}, 'network')`);
        deleteCookie(c, sessionCookie, { path: '/', secure: true });
        throw new HttpError(403, 'admin_network_only', 'This account can only be used from the administration network (WireGuard).');
      }
      if (row) {
        c.set('sessionTokenHash', hash);
        c.set('user', {
          sessionId: row.session_id,
          userId: row.user_id,
          email: row.email,
          displayName: row.display_name,
          roleKey: row.role_key,
          roleName: row.role_name,
          side: row.side,
          companyId: row.company_id,
          permissions: new Map(
            (row.permissions as string[]).map((entry) => entry.split(':') as [string, 'own' | 'company' | 'global']),
          ),
          reauthAt: row.reauth_at ? new Date(row.reauth_at) : null,
          authMethod: row.auth_method ?? null,
        });
      } else {
        deleteCookie(c, sessionCookie, { path: '/', secure: true });
      }
    }
    await next();
  });
}

/** Starts a session in the caller's transaction and sets the cookie (a new id at every sign-in). */
export async function startSession(
  c: Context<AppEnv>,
  tx: Tx,
  user: { userId: string; roleKey: string | null; side: string },
  authMethod = 'password',
  config?: Config,
): Promise<void> {
  const { token, hash } = newToken();
  const previous = c.get('sessionTokenHash');
  if (previous) await tx`select app.end_session(${previous}, 'sign_out')`;
  await tx`select app.start_session(${user.userId}, ${hash}, ${idleTimeoutFor(user.roleKey, user.side, config)}::interval,
                                    ${c.get('clientIp')}, ${c.req.header('user-agent') ?? ''}, ${authMethod})`;
  await c.get('auditor').recordForUser(tx, c, user.userId, { action: 'auth.signin.succeeded', entityType: 'user', entityId: user.userId, detail: { method: authMethod } });
  c.set('sessionTokenHash', hash);
  setCookie(c, sessionCookie, token, { path: '/', secure: true, httpOnly: true, sameSite: 'Strict' });
}

/**
 * A new session id for this browser after a privilege change (re-authentication)
 * or after a change that ended every session (password, factor): the others
 * stay ended, this browser carries on under a fresh id. `event`, when the
 * renewal is the action itself (re-authentication), is recorded with it.
 */
export async function renewSession(c: Context<AppEnv>, db: Database, user: SessionUser, reauth: boolean, config?: Config, event?: AuditEvent): Promise<void> {
  const previous = c.get('sessionTokenHash');
  const { token, hash } = newToken();
  await db.withPrincipal(null, async (tx) => {
    const [live] = previous ? await tx`select 1 from app.resume_session(${previous})` : [];
    if (live && previous) {
      await tx`select app.rotate_session(${previous}, ${hash}, ${reauth})`;
    } else {
      await tx`select app.start_session(${user.userId}, ${hash}, ${idleTimeoutFor(user.roleKey, user.side, config)}::interval,
                                        ${c.get('clientIp')}, ${c.req.header('user-agent') ?? ''}, ${user.authMethod ?? 'password'})`;
    }
    if (event) await c.get('auditor').record(tx, c, event);
  });
  c.set('sessionTokenHash', hash);
  setCookie(c, sessionCookie, token, { path: '/', secure: true, httpOnly: true, sameSite: 'Strict' });
}

export async function endSession(c: Context<AppEnv>, db: Database): Promise<void> {
  const hash = c.get('sessionTokenHash');
  const user = c.get('user');
  if (hash) {
    await db.withPrincipal(null, async (tx) => {
      await tx`select app.end_session(${hash}, 'sign_out')`;
      if (user) await c.get('auditor').record(tx, c, { action: 'auth.signout', entityType: 'session', entityId: user.sessionId });
    });
  }
  deleteCookie(c, sessionCookie, { path: '/', secure: true });
}

/**
 * Records a failure event (an attempt that changed nothing) in a transaction
 * of its own. Never for a change: a change records its event inside the
 * transaction that makes it (SPEC: the action and its event commit together).
 */
export async function auditAction(c: Context<AppEnv>, db: Database, event: AuditEvent): Promise<void> {
  const user = c.get('user');
  await db.withPrincipal(user ? { userId: user.userId } : null, (tx) => c.get('auditor').record(tx, c, event));
}
