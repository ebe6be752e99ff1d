// Server-side sessions: the cookie carries an opaque token; the database
// keeps its SHA-256 and decides idle/lifetime expiry (app.resume_session).
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Database, Tx } from '../db/client.ts';
import type { AppEnv, SessionUser } from '../http/context.ts';
import { forbidden, unauthenticated } from '../http/errors.ts';
import { hashToken, newToken, tokenPattern } from './tokens.ts';

export const sessionCookie = '__Host-kastell-session';

/** Idle timeout by role (SPEC §3; rationale in README "Sessions"). */
export function idleTimeoutFor(roleKey: string | null, side: string): string {
  if (roleKey === 'technician') return '12 hours';
  if (side === 'customer') return '30 minutes';
  return '15 minutes';
}

export function sessionMiddleware(db: Database) {
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set('user', null);
    c.set('sessionTokenHash', null);
    const token = getCookie(c, sessionCookie);
    if (token && tokenPattern.test(token)) {
      const hash = hashToken(token);
      const [row] = await db.withPrincipal(null, (tx) => tx`select * from app.resume_session(${hash})`);
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
        });
      } else {
        deleteCookie(c, sessionCookie, { path: '/', secure: true });
      }
    }
    await next();
  });
}

/** Starts a session in the caller's transaction and sets the cookie. */
export async function startSession(
  c: Context<AppEnv>,
  tx: Tx,
  user: { userId: string; roleKey: string | null; side: string },
): Promise<void> {
  const { token, hash } = newToken();
  await tx`select app.start_session(${user.userId}, ${hash}, ${idleTimeoutFor(user.roleKey, user.side)}::interval,
                                    ${c.get('clientIp')}, ${c.req.header('user-agent') ?? ''})`;
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

export function requireUser(c: Context<AppEnv>): SessionUser {
  const user = c.get('user');
  if (!user) throw unauthenticated();
  return user;
}

/** Application-level check on top of RLS (defence in depth). */
export function requirePermission(c: Context<AppEnv>, permission: string): SessionUser {
  const user = requireUser(c);
  if (!user.permissions.has(permission)) throw forbidden();
  return user;
}
