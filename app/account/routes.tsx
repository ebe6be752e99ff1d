// "My security": password change, authenticator app, backup codes,
// passkeys, and re-authentication (sudo mode) before any of them.
import type { FeatureDeps } from '../feature.ts';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { auditFor } from '../audit/record.ts';
import type { AppEnv, SessionUser } from '../http/context.ts';
import { HttpError, type Issue } from '../http/errors.ts';
import { CsrfField, Field, FormErrors, renderPage } from '../http/layout.tsx';
import { text } from '../http/text-schema.ts';
import { idParam, issuesOf, readFormFields } from '../http/validate.ts';
import { beginTotpEnrolment, confirmTotpEnrolment, pendingEnrolment, regenerateBackupCodes } from '../auth/factors.ts';
import { createIdentity, type Identity } from '../auth/identity.ts';
import { registerPasskey, registrationOptions } from '../auth/passkeys.ts';
import { checkPasswordPolicy, describePolicyReasons } from '../auth/password-policy.ts';
import { hashPassword, verifyPassword } from '../auth/password.ts';
import { auditAction, renewSession } from '../auth/session.ts';
import { inSudoMode, requireSudo, requireUser } from '../http/guards.ts';
import { checkSecondFactor, findAccountById } from '../auth/sign-in.ts';
import { backupCodesPage, enrolPage, PasskeyScript } from '../auth/routes.tsx';
import { accountSubject, claimAttempt, withdrawAttempts } from '../auth/lockout.ts';

const meSchema = z.object({
  userId: z.uuid(),
  email: z.string(),
  displayName: z.string(),
  role: z.string().nullable(),
  side: z.enum(['operator', 'customer', 'guest']),
  companyId: z.uuid().nullable(),
  permissions: z.array(z.string()),
});

const reauthSchema = z.strictObject({
  password: text({ error: 'issue.enterPassword' }).min(1, 'issue.enterPassword').max(1024, 'issue.tooLong'),
  code: text().trim().max(40).optional(),
  next: z.string().regex(/^\/(?!\/)[A-Za-z0-9/_-]*$/).optional(),
});
const passwordChangeSchema = z.strictObject({
  newPassword: text({ error: 'issue.enterNewPassword' }).min(1, 'issue.enterNewPassword').max(4096, 'issue.tooLong'),
});

/** Sets a new password for the signed-in user after the policy; returns the policy's refusals. */
export async function changeOwnPassword(c: Context<AppEnv>, id: Identity, user: SessionUser, newPassword: string): Promise<string[]> {
  const [organisation] = await id.db.withPrincipal({ userId: user.userId }, (tx) => tx`select name from kastell.organisation`);
  const history = await id.db.withPrincipal(null, (tx) => tx`select app.password_history_of(${user.userId}) as hash`);
  const reasons = await checkPasswordPolicy(id.config, newPassword, {
    email: user.email,
    displayName: user.displayName,
    organisationName: organisation?.name,
    previousHashes: history.map((h) => h.hash as string),
  });
  if (reasons.length > 0) return describePolicyReasons(c.get('t'), reasons);
  const hash = await hashPassword(newPassword);
  // the trigger ends every session of the user (password_change); this browser gets a fresh one
  await id.db.withPrincipal({ userId: user.userId }, async (tx) => {
    await tx`select app.set_own_password(${hash})`;
    await c.get('auditor').record(tx, c, { action: 'user.password_changed', entityType: 'user', entityId: user.userId });
  });
  await renewSession(c, id.db, user, true, id.config);
  c.get('log').info({ event: 'auth.password.changed', userId: user.userId }, 'password changed');
  return [];
}

export function accountRoutes(deps: FeatureDeps): Hono<AppEnv> {
  const { db, config, api } = deps;
  const id = createIdentity(deps);
  const pages = new Hono<AppEnv>();

  /** Pages: not in sudo mode → the re-authentication page, then back. */
  const sudoOrRedirect = (c: Context<AppEnv>, back: string) => {
    const user = requireUser(c);
    return inSudoMode(user, config) ? null : c.redirect(`/security/reauth?next=${encodeURIComponent(back)}`, 303);
  };

  pages.get('/security', async (c) => securityPage(c, id, requireUser(c), []));

  pages.get('/security/reauth', (c) => reauthPage(c, [], c.req.query('next')));

  pages.post('/security/reauth', async (c) => {
    const user = requireUser(c);
    const t = c.get('t');
    const parsed = reauthSchema.safeParse(await readFormFields(c));
    if (!parsed.success) return reauthPage(c, issuesOf(parsed.error, c.get('t')), undefined, 422);
    const account = await findAccountById(id, user.userId);
    if (!account?.password_hash) throw new HttpError(403, 'forbidden', 'You are not allowed to do this.');
    // guessing the password here counts on the account like at sign-in
    const claimed = await claimAttempt(db, [accountSubject(account.email)]);
    if (!claimed.ok) return reauthPage(c, [{ path: '(body)', message: t('signIn.locked', { minutes: String(Math.ceil(claimed.retryAfterSeconds / 60)) }) }], parsed.data.next, 429);
    let ok = await verifyPassword(account.password_hash, parsed.data.password);
    if (ok && account.has_totp) {
      ok = (await checkSecondFactor(c, id, user.userId, null, parsed.data.code ?? '')) === 'ok';
    }
    if (!ok) {
      c.get('log').warn({ event: 'auth.signin.failed', ip: c.get('clientIp'), reason: 'reauth' }, 're-authentication failed');
      await auditAction(c, db, { action: 'auth.reauth.failed', entityType: 'user', entityId: user.userId, outcome: 'failure' });
      return reauthPage(c, [{ path: '(body)', message: t('reauth.failed') }], parsed.data.next, 401);
    }
    await withdrawAttempts(db, claimed.claims, true);
    await renewSession(c, db, user, true, config, { action: 'auth.reauthenticated', entityType: 'user', entityId: user.userId });
    return c.redirect(parsed.data.next ?? '/security', 303);
  });

  pages.post('/security/password', async (c) => {
    const redirect = sudoOrRedirect(c, '/security');
    if (redirect) return redirect;
    const user = requireUser(c);
    const parsed = passwordChangeSchema.safeParse(await readFormFields(c));
    if (!parsed.success) return securityPage(c, id, user, issuesOf(parsed.error, c.get('t')), 422);
    const problems = await changeOwnPassword(c, id, user, parsed.data.newPassword);
    if (problems.length > 0) return securityPage(c, id, user, problems.map((message) => ({ path: 'newPassword', message })), 422);
    return securityPage(c, id, user, [], 200, c.get('t')('security.passwordChanged'));
  });

  pages.get('/security/totp', async (c) => {
    const redirect = sudoOrRedirect(c, '/security/totp');
    if (redirect) return redirect;
    const user = requireUser(c);
    return enrolPage(c, '/security/totp', await beginTotpEnrolment(id, user.userId, user.email, null), []);
  });

  pages.post('/security/totp', async (c) => {
    const redirect = sudoOrRedirect(c, '/security/totp');
    if (redirect) return redirect;
    const user = requireUser(c);
    const { code } = await readFormFields(c);
    const codes = code ? await confirmTotpEnrolment(id, auditFor(c), user.userId, null, code) : null;
    if (!codes) {
      const enrolment = await pendingEnrolment(id, user.userId, user.email, null);
      if (!enrolment) return c.redirect('/security/totp', 303);
      return enrolPage(c, '/security/totp', enrolment, [{ path: '(body)', message: c.get('t')('enrol.failed') }], 422);
    }
    await renewSession(c, db, user, true, config); // factor change ended every session
    return backupCodesPage(c, codes);
  });

  pages.post('/security/backup-codes', async (c) => {
    const redirect = sudoOrRedirect(c, '/security');
    if (redirect) return redirect;
    const user = requireUser(c);
    const codes = await regenerateBackupCodes(id, auditFor(c), user.userId);
    return backupCodesPage(c, codes);
  });

  pages.post('/security/passkeys/:passkeyId/delete', async (c) => {
    const redirect = sudoOrRedirect(c, '/security');
    if (redirect) return redirect;
    const user = requireUser(c);
    const passkeyId = idParam(c, 'passkeyId');
    await db.withPrincipal({ userId: user.userId }, async (tx) => {
      const [row] = await tx`select app.delete_own_passkey(${passkeyId}) as deleted`;
      if (row?.deleted) await c.get('auditor').record(tx, c, { action: 'auth.passkey.removed', entityType: 'passkey', entityId: passkeyId });
    });
    await renewSession(c, db, user, true, config);
    return c.redirect('/security', 303);
  });

  api.add({
    method: 'get', permission: 'signed-in',
    path: '/me',
    summary: 'The signed-in user, their role and permissions',
    tag: 'security',
    response: meSchema,
    handler: async (_c, { user }) => {
      return {
        userId: user.userId,
        email: user.email,
        displayName: user.displayName,
        role: user.roleKey,
        side: user.side,
        companyId: user.companyId,
        permissions: [...user.permissions.keys()].sort(),
      };
    },
  });

  api.add({
    method: 'post',
    path: '/me/passkeys/options',
    summary: 'WebAuthn options to register a passkey for the signed-in user (needs recent re-authentication)',
    tag: 'security',
    permission: 'signed-in',
    body: z.strictObject({}),
    response: z.record(z.string(), z.unknown()),
    handler: async (c) => {
      const user = requireSudo(c, config);
      return (await registrationOptions(c, id, user)) as unknown as Record<string, unknown>;
    },
  });

  api.add({
    method: 'post',
    path: '/me/passkeys',
    summary: 'Register a passkey from a WebAuthn attestation (user verification required)',
    tag: 'security',
    permission: 'signed-in',
    status: 201,
    body: z.strictObject({ name: text().trim().min(1).max(100), response: z.record(z.string(), z.unknown()) }),
    response: z.object({ registered: z.literal(true) }),
    handler: async (c, { body }) => {
      const user = requireSudo(c, config);
      if (!(await registerPasskey(c, id, user, body.name, body.response as never))) {
        throw new HttpError(422, 'passkey_rejected', 'The passkey could not be verified. Try again.');
      }
      await renewSession(c, db, user, true, config);
      return { registered: true as const };
    },
  });

  api.add({
    method: 'post',
    path: '/me/password',
    summary: 'Change one\'s own password (needs recent re-authentication); ends every other session',
    tag: 'security',
    permission: 'signed-in',
    body: passwordChangeSchema,
    response: z.object({ changed: z.literal(true) }),
    handler: async (c, { body }) => {
      const user = requireSudo(c, config);
      const problems = await changeOwnPassword(c, id, user, body.newPassword);
      if (problems.length > 0) {
        throw new HttpError(422, 'password_refused', 'The new password is not accepted: see issues.', problems.map((message) => ({ path: 'newPassword', message })));
      }
      return { changed: true as const };
    },
  });

  return pages;
}

async function securityPage(c: Context<AppEnv>, id: Identity, user: SessionUser, issues: Issue[], status: 200 | 422 = 200, notice?: string) {
  const t = c.get('t');
  const { totp, codesLeft, passkeys } = await id.db.withPrincipal({ userId: user.userId }, async (tx) => ({
    totp: (await tx`select confirmed_at from kastell.totp_factors where user_id = ${user.userId} and confirmed_at is not null`)[0],
    codesLeft: Number((await tx`select count(*) as n from kastell.backup_codes where user_id = ${user.userId} and used_at is null`)[0]!.n),
    passkeys: await tx`select passkey_id, name, created_at, last_used_at from kastell.passkeys where user_id = ${user.userId} order by created_at`,
  }));
  return renderPage(c, t('security.title'), (
    <>
      {notice ? <p role="status">{notice}</p> : null}
      <p>{t('security.sudoNote', { minutes: String(id.config.identity.sudoMinutes) })}</p>
      <p><a href="/security/sessions">{t('security.sessions')}</a> · <a href="/profile">{t('profile.title')}</a></p>
      <h2>{t('privacy.title')}</h2>
      <p><a href="/me/export" download>{t('privacy.download')}</a></p>
      <p>{t('privacy.downloadHint')}</p>
      <h2>{t('security.password')}</h2>
      <form method="post" action="/security/password" novalidate>
        <FormErrors issues={issues} t={t} labels={{ newPassword: t('security.newPassword') }} />
        <CsrfField token={c.get('csrfToken')} />
        <Field name="newPassword" label={t('security.newPassword')} type="password" required autocomplete="new-password" hint={t('security.passwordHint')} />
        <button type="submit">{t('form.save')}</button>
      </form>
      <h2>{t('security.totp')}</h2>
      <p>{totp ? t('security.totpOn') : t('security.totpOff')}</p>
      <p><a href="/security/totp">{totp ? t('security.totpReplace') : t('security.totpSetUp')}</a></p>
      <h2>{t('security.backupCodes')}</h2>
      <p>{t('security.backupCodesLeft', { count: String(codesLeft) })}</p>
      <form method="post" action="/security/backup-codes">
        <CsrfField token={c.get('csrfToken')} />
        <button type="submit">{t('security.backupCodesNew')}</button>
      </form>
      <h2>{t('security.passkeys')}</h2>
      {passkeys.length === 0 ? <p>{t('security.passkeyNone')}</p> : (
        <ul>
          {passkeys.map((p) => (
            <li>
              {p.name}{' '}
              <form method="post" action={`/security/passkeys/${p.passkey_id}/delete`} class="inline">
                <CsrfField token={c.get('csrfToken')} />
                <button type="submit" class="danger">{t('security.remove')}</button>
              </form>
            </li>
          ))}
        </ul>
      )}
      {inSudoMode(user, id.config) ? (
        <>
          <Field name="passkeyName" label={t('security.passkeyName')} value={t('security.passkeyDefaultName')} maxlength={100} />
          <p>
            <button type="button" data-passkey="register" hidden aria-describedby="passkey-status"
              data-working={t('signIn.passkeyWorking')} data-failed={t('signIn.passkeyFailed')}>{t('security.passkeyAdd')}</button>
          </p>
          <p id="passkey-status" role="status" aria-live="polite"></p>
          <PasskeyScript c={c} />
        </>
      ) : (
        <p><a href="/security/reauth?next=/security">{t('security.passkeyAdd')}</a></p>
      )}
    </>
  ), status);
}

function reauthPage(c: Context<AppEnv>, issues: Issue[], next: string | undefined, status: 200 | 401 | 422 | 429 = 200) {
  const t = c.get('t');
  const safeNext = next && /^\/(?!\/)[A-Za-z0-9/_-]*$/.test(next) ? next : '/security';
  return renderPage(c, t('reauth.title'), (
    <form method="post" action="/security/reauth" novalidate>
      <FormErrors issues={issues} t={t} labels={{ password: t('signIn.password'), code: t('factor.code') }} />
      <p>{t('reauth.intro')}</p>
      <CsrfField token={c.get('csrfToken')} />
      <input type="hidden" name="next" value={safeNext} />
      <Field name="password" label={t('signIn.password')} type="password" required autocomplete="current-password" />
      <Field name="code" label={t('factor.code')} autocomplete="one-time-code" />
      <button type="submit">{t('factor.submit')}</button>
    </form>
  ), status);
}
