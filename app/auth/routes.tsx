// Sign-in, second factor, enrolment, unlock links and passkey sign-in:
// pages and their JSON API equivalents.
import type { FeatureDeps } from '../feature.ts';
import { readFileSync } from 'node:fs';
import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { auditFor } from '../audit/record.ts';
import type { AppEnv } from '../http/context.ts';
import { HttpError, type Issue } from '../http/errors.ts';
import { CsrfField, Field, FormErrors, renderPage } from '../http/layout.tsx';
import { issuesOf, readFormFields } from '../http/validate.ts';
import { accountOf, endpointOf } from '../http/rate-limit.ts';
import { busy } from './hash-limiter.ts';
import type { BackupCode } from './backup-codes.ts';
import { beginTotpEnrolment, confirmTotpEnrolment, pendingEnrolment } from './factors.ts';
import { createIdentity } from './identity.ts';
import { botChallengeEndpoints, type BotChallengeEndpoint } from './bot-challenge.ts';
import { BotChallengeWidget } from './bot-challenge-widget.tsx';
import { accountSubject } from './lockout.ts';
import { signInOptions, signInWithPasskey } from './passkeys.ts';
import { endSession } from './session.ts';
import { challengeCookie, completeSecondFactor, factorSchema, findAccountById, finishChallenge, admitSignIn, pendingChallenge, signIn, signInSchema, unlockCookie, type SignInOutcome } from './sign-in.ts';
import { hashToken, newToken, tokenPattern } from '../crypto/tokens.ts';

const passkeyScript = readFileSync(new URL('./assets/passkeys.js', import.meta.url));
const botChallengeScript = readFileSync(new URL('./assets/bot-challenge.js', import.meta.url));


const webauthnResponse = z.record(z.string(), z.unknown());

/** The <script> that drives passkey buttons (nonce'd: CSP allows nothing else). */
export function PasskeyScript({ c }: { c: Context<AppEnv> }) {
  return <script src="/assets/passkeys.js" nonce={c.get('nonce')} defer />;
}

function throwForOutcome(outcome: SignInOutcome | { kind: 'locked'; retryAfterSeconds: number } | { kind: 'network' } | { kind: 'failed' }): void {
  if (outcome.kind === 'locked') {
    throw new HttpError(429, 'locked', 'Too many attempts: try again later, use the unlock link sent by e-mail, or sign in with a passkey.', [], {
      'Retry-After': String(outcome.retryAfterSeconds),
    });
  }
  if (outcome.kind === 'network') throw new HttpError(403, 'admin_network_only', 'This account can only sign in from the administration network (WireGuard).');
  if (outcome.kind === 'failed') throw new HttpError(401, 'sign_in_failed', 'The e-mail address or password is not correct.');
}

/**
 * Mounted before the request limits (app/app.tsx): a sign-in, page or API,
 * takes its place in its hashing lane here, before any database work, and
 * gives it back when it ends; one whose lane is full is answered 503 at once.
 * Under a flood most answers are 503s, and each costs no round trip (issue 10
 * part 8); those without a device cookie are answered earlier still, in
 * front of the framework (refuseSignInEarlyWhileHashingFull).
 */
export function refuseSignInWhileHashingFull(deps: FeatureDeps): MiddlewareHandler<AppEnv> {
  const id = createIdentity(deps);
  return async (c, next) => {
    if (endpointOf(c.req.method, c.req.path) !== 'sign-in') return next();
    const email = (await accountOf(c, 'sign-in')) ?? '';
    const reservation = admitSignIn(c, id, email);
    if (reservation) {
      try {
        return await next();
      } finally {
        reservation.release();
      }
    }
    const refusal = busy();
    if (c.req.path.startsWith('/api/')) throw refusal;
    for (const [k, v] of Object.entries(refusal.headers)) c.header(k, v);
    return signInPage(c, [{ path: '(body)', message: c.get('t')('signIn.busy') }], email || undefined, 503);
  };
}

export function authRoutes(deps: FeatureDeps): Hono<AppEnv> {
  const { api } = deps;
  const id = createIdentity(deps);
  const { db } = id;
  const pages = new Hono<AppEnv>();

  pages.get('/assets/passkeys.js', (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(passkeyScript, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
  });

  pages.get('/assets/bot-challenge.js', (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(botChallengeScript, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
  });

  /** The challenge is shown when it is asked now (the endpoint or this IP; with an address, that address too). */
  const challengeShown = (c: Context<AppEnv>, email: string | undefined) =>
    id.challenges.due(c, 'sign-in', email ? [accountSubject(email).key] : []);

  pages.get('/sign-in', async (c) => signInPage(c, [], undefined, 200, await challengeShown(c, undefined)));

  pages.post('/sign-in', async (c) => {
    const fields = await readFormFields(c);
    const parsed = signInSchema.safeParse(fields);
    if (!parsed.success) return signInPage(c, issuesOf(parsed.error, c.get('t')), fields.email, 422, await challengeShown(c, undefined));
    const t = c.get('t');
    let outcome: SignInOutcome;
    try {
      outcome = await signIn(c, id, parsed.data);
    } catch (error) {
      if (error instanceof HttpError && error.status === 503) {
        for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
        return signInPage(c, [{ path: '(body)', message: t('signIn.busy') }], fields.email, 503, await challengeShown(c, parsed.data.email));
      }
      if (error instanceof HttpError && error.status === 428) {
        return signInPage(c, [{ path: '(body)', message: t(error.code === 'challenge_failed' ? 'challenge.invalid' : 'challenge.required') }], fields.email, 428, true);
      }
      throw error;
    }
    const shown = () => challengeShown(c, parsed.data.email);
    switch (outcome.kind) {
      case 'signed_in':
        return c.redirect('/', 303);
      case 'second_factor':
        return c.redirect('/sign-in/factor', 303);
      case 'enrol':
        return c.redirect('/sign-in/enrol', 303);
      case 'network':
        return signInPage(c, [{ path: '(body)', message: t('signIn.network') }], fields.email, 403);
      case 'locked':
        c.header('Retry-After', String(outcome.retryAfterSeconds));
        return signInPage(c, [{ path: '(body)', message: `${t('signIn.failed')} ${t('signIn.locked', { minutes: String(Math.ceil(outcome.retryAfterSeconds / 60)) })}` }], fields.email, 429, await shown());
      default:
        return signInPage(c, [{ path: '(body)', message: t('signIn.failed') }], fields.email, 401, await shown());
    }
  });

  pages.get('/sign-in/factor', async (c) => {
    if (!(await pendingChallenge(c, id))) return c.redirect('/sign-in', 303);
    return factorPage(c, []);
  });

  pages.post('/sign-in/factor', async (c) => {
    const t = c.get('t');
    const parsed = factorSchema.safeParse(await readFormFields(c));
    if (!parsed.success) return factorPage(c, issuesOf(parsed.error, c.get('t')), 422);
    const outcome = await completeSecondFactor(c, id, parsed.data.code);
    if (outcome.kind === 'signed_in') return c.redirect('/', 303);
    if (outcome.kind === 'expired') return signInPage(c, [{ path: '(body)', message: t('factor.expired') }], undefined, 401);
    if (outcome.kind === 'locked') {
      c.header('Retry-After', String(outcome.retryAfterSeconds));
      return factorPage(c, [{ path: '(body)', message: t('signIn.locked', { minutes: String(Math.ceil(outcome.retryAfterSeconds / 60)) }) }], 429);
    }
    return factorPage(c, [{ path: '(body)', message: t('factor.failed') }], 401);
  });

  pages.get('/sign-in/enrol', async (c) => {
    const challenge = await pendingChallenge(c, id);
    if (!challenge) return c.redirect('/sign-in', 303);
    const account = await findAccountById(id, challenge.userId);
    if (!account || account.has_totp) return c.redirect('/sign-in/factor', 303);
    const enrolment = await beginTotpEnrolment(id, challenge.userId, account.email, challenge.hash);
    return enrolPage(c, '/sign-in/enrol', enrolment, []);
  });

  pages.post('/sign-in/enrol', async (c) => {
    const t = c.get('t');
    const challenge = await pendingChallenge(c, id);
    if (!challenge) return signInPage(c, [{ path: '(body)', message: t('factor.expired') }], undefined, 401);
    const parsed = factorSchema.safeParse(await readFormFields(c));
    const account = await findAccountById(id, challenge.userId);
    if (!account) return c.redirect('/sign-in', 303);
    const codes = parsed.success ? await confirmTotpEnrolment(id, auditFor(c), challenge.userId, challenge.hash, parsed.data.code) : null;
    if (!codes) {
      const enrolment = await pendingEnrolment(id, challenge.userId, account.email, challenge.hash);
      if (!enrolment) return c.redirect('/sign-in/enrol', 303);
      return enrolPage(c, '/sign-in/enrol', enrolment, [{ path: '(body)', message: t('enrol.failed') }], 422);
    }
    await finishChallenge(c, id, challenge.hash, challenge.userId, 'password+totp');
    return backupCodesPage(c, codes);
  });

  // Unlock links: GET shows a button (mail scanners follow links; only a POST redeems).
  pages.get('/unlock/:token', (c) => {
    const t = c.get('t');
    return renderPage(c, t('unlock.title'), (
      <form method="post" action={`/unlock/${c.req.param('token')}`}>
        <p>{t('unlock.intro')}</p>
        <CsrfField token={c.get('csrfToken')} />
        <button type="submit">{t('unlock.submit')}</button>
      </form>
    ));
  });

  pages.post('/unlock/:token', async (c) => {
    const t = c.get('t');
    const token = c.req.param('token');
    const bypass = newToken();
    const row = tokenPattern.test(token)
      ? await db.withPrincipal(null, async (tx) => {
        const [redeemed] = await tx`select * from app.redeem_unlock_token(${hashToken(token)}, ${bypass.hash}, '30 minutes'::interval)`;
        if (redeemed) await c.get('auditor').record(tx, c, { action: 'auth.unlock.redeemed', entityType: 'user', entityId: redeemed.user_id });
        return redeemed;
      })
      : undefined;
    if (!row) return renderPage(c, t('unlock.title'), <p role="alert">{t('unlock.invalid')}</p>, 410);
    c.get('log').info({ event: 'auth.unlock.redeemed', ip: c.get('clientIp'), userId: row.user_id }, 'unlock link redeemed');
    setCookie(c, unlockCookie, bypass.token, { path: '/', secure: true, httpOnly: true, sameSite: 'Strict', maxAge: 30 * 60 });
    return c.redirect('/sign-in', 303);
  });

  pages.post('/sign-out', async (c) => {
    await endSession(c, db);
    deleteCookie(c, challengeCookie, { path: '/', secure: true });
    return c.redirect('/sign-in', 303);
  });

  api.add({
    method: 'post',
    path: '/auth/sign-in',
    summary: 'Sign in with e-mail and password; sets the session cookie, or a challenge cookie when a second factor is needed',
    tag: 'auth',
    permission: 'public',
    body: signInSchema,
    response: z.object({ signedIn: z.boolean(), next: z.enum(['none', 'second_factor', 'enrol']) }),
    handler: async (c, { body }) => {
      const outcome = await signIn(c, id, body);
      throwForOutcome(outcome);
      if (outcome.kind === 'second_factor') return { signedIn: false, next: 'second_factor' as const };
      if (outcome.kind === 'enrol') return { signedIn: false, next: 'enrol' as const };
      return { signedIn: true, next: 'none' as const };
    },
  });

  api.add({
    method: 'get',
    path: '/auth/challenge',
    summary: 'A proof-of-work bot challenge (altcha protocol, SHA-256) for sign-in, a password-reset request or an invitation acceptance. '
      + 'Asked only past the failure threshold (then those routes answer 428 challenge_required): find the number n ≤ maxnumber with '
      + 'SHA-256(salt + n) = challenge and send base64(JSON {algorithm, challenge, number, salt, signature}) in the field "altcha". '
      + 'Single-use, valid until expiresAt; `required` says whether the endpoint or this client IP is past the threshold now (an address may be too).',
    tag: 'auth',
    permission: 'public',
    query: z.strictObject({ for: z.enum(botChallengeEndpoints) }),
    response: z.object({
      algorithm: z.literal('SHA-256'), challenge: z.string(), maxnumber: z.number().int(), salt: z.string(), signature: z.string(),
      expiresAt: z.string(), required: z.boolean(),
    }),
    handler: async (c, { query }) => {
      const endpoint = query.for as BotChallengeEndpoint;
      const issued = await id.challenges.issue(endpoint);
      return { ...issued, algorithm: 'SHA-256' as const, required: await id.challenges.due(c, endpoint, []) };
    },
  });

  api.add({
    method: 'post',
    path: '/auth/second-factor',
    summary: 'Answer the second-factor challenge with a TOTP code or a backup code',
    tag: 'auth',
    permission: 'public',
    body: factorSchema,
    response: z.object({ signedIn: z.literal(true) }),
    handler: async (c, { body }) => {
      const outcome = await completeSecondFactor(c, id, body.code);
      if (outcome.kind === 'expired') throw new HttpError(401, 'challenge_expired', 'Sign in with your password first (the challenge expired).');
      throwForOutcome(outcome.kind === 'failed' ? { kind: 'failed' } : outcome.kind === 'locked' ? outcome : { kind: 'signed_in' } as SignInOutcome);
      return { signedIn: true as const };
    },
  });

  api.add({
    method: 'post',
    path: '/auth/passkey/options',
    summary: 'WebAuthn options for a passwordless passkey sign-in (sets a challenge cookie)',
    tag: 'auth',
    permission: 'public',
    body: z.strictObject({}),
    response: z.record(z.string(), z.unknown()),
    handler: async (c) => (await signInOptions(c, id)) as unknown as Record<string, unknown>,
  });

  api.add({
    method: 'post',
    path: '/auth/passkey/verify',
    summary: 'Sign in with a passkey assertion (user verification required); sets the session cookie',
    tag: 'auth',
    permission: 'public',
    body: z.strictObject({ response: webauthnResponse }),
    response: z.object({ signedIn: z.literal(true) }),
    handler: async (c, { body }) => {
      const outcome = await signInWithPasskey(c, id, body.response as never);
      throwForOutcome(outcome);
      deleteCookie(c, challengeCookie, { path: '/', secure: true });
      return { signedIn: true as const };
    },
  });

  api.add({
    method: 'post',
    path: '/auth/sign-out',
    summary: 'End the current session',
    tag: 'auth',
    permission: 'public',
    response: z.object({ signedOut: z.literal(true) }),
    handler: async (c) => {
      await endSession(c, db);
      return { signedOut: true as const };
    },
  });


  return pages;
}

type Status = 200 | 401 | 403 | 410 | 422 | 428 | 429 | 503;

function signInPage(c: Context<AppEnv>, issues: Issue[], email: string | undefined, status: Status = 200, challenge = false) {
  const t = c.get('t');
  return renderPage(
    c,
    t('signIn.title'),
    <>
      <form method="post" action="/sign-in" novalidate>
        <FormErrors issues={issues} t={t} labels={{ email: t('signIn.email'), password: t('signIn.password') }} />
        <CsrfField token={c.get('csrfToken')} />
        <Field name="email" label={t('signIn.email')} type="email" value={email} required autocomplete="username webauthn" />
        <Field name="password" label={t('signIn.password')} type="password" required autocomplete="current-password" />
        {challenge ? <BotChallengeWidget c={c} endpoint="sign-in" /> : null}
        <button type="submit">{t('signIn.submit')}</button>
      </form>
      <p><a href="/forgot-password">{t('reset.forgotLink')}</a></p>
      <p>{t('signIn.or')}</p>
      <p>
        <button type="button" data-passkey="sign-in" hidden aria-describedby="passkey-status"
          data-working={t('signIn.passkeyWorking')} data-failed={t('signIn.passkeyFailed')}>{t('signIn.passkey')}</button>
      </p>
      <p id="passkey-status" role="status" aria-live="polite"></p>
      <PasskeyScript c={c} />
    </>,
    status,
  );
}

function factorPage(c: Context<AppEnv>, issues: Issue[], status: Status = 200) {
  const t = c.get('t');
  return renderPage(c, t('factor.title'), (
    <>
      <form method="post" action="/sign-in/factor" novalidate>
        <FormErrors issues={issues} t={t} labels={{ code: t('factor.code') }} />
        <p>{t('factor.intro')}</p>
        <CsrfField token={c.get('csrfToken')} />
        <Field name="code" label={t('factor.code')} required autocomplete="one-time-code" />
        <button type="submit">{t('factor.submit')}</button>
      </form>
      <p>
        <button type="button" data-passkey="sign-in" hidden aria-describedby="passkey-status"
          data-working={t('signIn.passkeyWorking')} data-failed={t('signIn.passkeyFailed')}>{t('signIn.passkey')}</button>
      </p>
      <p id="passkey-status" role="status" aria-live="polite"></p>
      <PasskeyScript c={c} />
    </>
  ), status);
}

export function enrolPage(c: Context<AppEnv>, action: string, enrolment: { secret: string; qrSvg: string }, issues: Issue[], status: Status = 200) {
  const t = c.get('t');
  const qr = `data:image/svg+xml;base64,${Buffer.from(enrolment.qrSvg).toString('base64')}`;
  return renderPage(c, t('enrol.title'), (
    <form method="post" action={action} novalidate>
      <FormErrors issues={issues} t={t} labels={{ code: t('enrol.code') }} />
      <p>{t('enrol.intro')}</p>
      <p><img src={qr} alt={`${t('enrol.key')}: ${enrolment.secret}`} width="220" height="220" /></p>
      <p>{t('enrol.key')}: <code data-totp-secret={enrolment.secret}>{enrolment.secret.replace(/(.{4})/g, '$1 ').trim()}</code></p>
      <CsrfField token={c.get('csrfToken')} />
      <Field name="code" label={t('enrol.code')} required autocomplete="one-time-code" />
      <button type="submit">{t('enrol.submit')}</button>
    </form>
  ), status);
}

export function backupCodesPage(c: Context<AppEnv>, codes: BackupCode[]) {
  const t = c.get('t');
  return renderPage(c, t('backupCodes.title'), (
    <>
      <p>{t('backupCodes.intro')}</p>
      <ol class="backup-codes">{codes.map((code) => <li><code>{code.code}</code></li>)}</ol>
      <p><a href="/">{t('backupCodes.continue')}</a></p>
    </>
  ));
}
