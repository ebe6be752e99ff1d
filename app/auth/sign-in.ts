// Password sign-in. Misses cost the same time as hits, and every answer is
// the same generic one, so neither reveals whether an account exists.
import type { Context } from 'hono';
import { z } from 'zod';
import type { Database } from '../db/client.ts';
import type { AppEnv } from '../http/context.ts';
import { decoyPasswordHash, verifyPassword } from './password.ts';
import { startSession } from './session.ts';

export const signInSchema = z.strictObject({
  email: z.string({ error: 'enter your e-mail address' }).trim().min(3, 'enter your e-mail address').max(254),
  password: z.string({ error: 'enter your password' }).min(1, 'enter your password').max(1024),
});
export type SignInInput = z.infer<typeof signInSchema>;

export async function signIn(c: Context<AppEnv>, db: Database, input: SignInInput): Promise<boolean> {
  const log = c.get('log');
  const [account] = await db.withPrincipal(null, (tx) => tx`select * from app.find_sign_in(${input.email})`);
  const passwordOk = account?.password_hash
    ? await verifyPassword(account.password_hash, input.password)
    : (await verifyPassword(await decoyPasswordHash(), input.password), false);
  if (!account || !passwordOk || account.status !== 'active') {
    log.warn({ event: 'auth.signin.failed', ip: c.get('clientIp') }, 'sign-in failed');
    await db.withPrincipal(null, (tx) => c.get('auditor').record(tx, c, {
      action: 'auth.signin.failed', entityType: 'user', entityId: account?.user_id ?? null, outcome: 'failure',
      detail: { reason: !account ? 'unknown_account' : account.status !== 'active' ? 'disabled' : 'wrong_password' },
    }));
    return false;
  }
  // A new session id at every sign-in; a session this browser held before ends.
  const previous = c.get('sessionTokenHash');
  await db.withPrincipal(null, async (tx) => {
    if (previous) await tx`select app.end_session(${previous}, 'sign_out')`;
    await startSession(c, tx, { userId: account.user_id, roleKey: account.role_key, side: account.side });
    await c.get('auditor').recordAs(tx, { type: 'user', id: account.user_id, ip: c.get('clientIp'), userAgent: c.req.header('user-agent'), requestId: c.get('requestId') },
      { action: 'auth.signin.succeeded', entityType: 'user', entityId: account.user_id });
  });
  log.info({ event: 'auth.signin.succeeded', ip: c.get('clientIp'), userId: account.user_id }, 'signed in');
  return true;
}
