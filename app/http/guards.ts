// The checks a route makes before it works: signed in, holding a permission
// (on top of RLS: defence in depth), recently re-authenticated (sudo mode).
import type { Context } from 'hono';
import type { Config } from '../config.ts';
import type { AppEnv, SessionUser } from './context.ts';
import { forbidden, HttpError, unauthenticated } from './errors.ts';
import type { PermissionKey } from './permissions.ts';

export function requireUser(c: Context<AppEnv>): SessionUser {
  const user = c.get('user');
  if (!user) throw unauthenticated();
  return user;
}

/** Application-level check on top of RLS (defence in depth). */
export function requirePermission(c: Context<AppEnv>, permission: PermissionKey): SessionUser {
  const user = requireUser(c);
  if (!user.permissions.has(permission)) throw forbidden();
  return user;
}

/** Sudo mode: a sensitive change needs a sign-in or re-authentication within the last few minutes. */
export function inSudoMode(user: SessionUser, config: Config): boolean {
  return user.reauthAt !== null && Date.now() - user.reauthAt.getTime() < config.identity.sudoMinutes * 60_000;
}

export function requireSudo(c: Context<AppEnv>, config: Config): SessionUser {
  const user = requireUser(c);
  if (!inSudoMode(user, config)) {
    throw new HttpError(403, 'reauth_required', 'Confirm it is you: sign in again at /security/reauth, then repeat this change.');
  }
  return user;
}
