// Self-service password reset (SPEC §3 Identity): "Forgot password" asks
// for an address and answers the same whether or not an account has it —
// same status, body and headers, and the same work before the answer (one
// lookup, one audit event; the mail goes out after the answer). The e-mailed
// link (sql/0017: stored hashed, 30 minutes, void once used, once the user
// signs in, or when a newer link is sent) lets the user choose a password
// that passes the whole policy. The reset starts no session and leaves the
// second factors alone: the user signs in afterwards with the new password
// and still completes their factor. Every session ends (users trigger), the
// user gets a notice, and each step is audited. Requests are limited per
// client IP (app/http/rate-limit.ts) and per address typed (the lockout's
// counter on `reset:<address>`: 5 → 1 min, 10 → 15 min, 20 → 24 h).
import type { FeatureDeps } from '../feature.ts';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { checkPasswordPolicy, describePolicyReasons } from '../auth/password-policy.ts';
import { hashPassword } from '../auth/password.ts';
import { claimAttempt, type Subject } from '../auth/lockout.ts';
import { createBotChallenges } from '../auth/bot-challenge.ts';
import { hashToken, newToken, tokenPattern } from '../crypto/tokens.ts';
import { httpErrorFromPostgres } from '../db/errors.ts';
import type { AppEnv } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { issuesOf, readFormFields } from '../http/validate.ts';
import { isLocale, translator, type Locale, type Translate } from '../i18n/index.ts';
import { completeReset, findReset, organisationName, passwordHistory, requestReset, resetLinkMinutes, type ResetAccount } from './queries.ts';
import { resetCompletedSchema, resetCompleteSchema, resetFormSchema, resetRequestedSchema, resetRequestSchema } from './schema.ts';
import { choosePage, forgotPage, invalidResetPage, resetDonePage } from './views.tsx';

/** Reset requests are counted per address typed, like sign-in failures (app/auth/lockout.ts). */
export const resetSubject = (email: string): Subject => ({ key: `reset:${email.trim().toLowerCase()}`, scale: 1 });

const english = translator('en');

export function passwordResetRoutes(deps: FeatureDeps): Hono<AppEnv> {
  const { db, config, api, mailer, log } = deps;
  const pages = new Hono<AppEnv>();
  const challenges = createBotChallenges(deps);
  const challengeShown = (c: Context<AppEnv>, email: string | undefined) => challenges.due(c, 'password-reset', email ? [resetSubject(email).key] : []);

  const mailLocale = (c: Context<AppEnv>, account: ResetAccount): Locale => (isLocale(account.locale) ? account.locale : c.get('locale'));

  /** Sent after the answer: the requester waits for no SMTP round trip, so a known address answers as fast as an unknown one. */
  function sendLater(what: string, work: () => Promise<unknown>): void {
    void work().catch((error: Error) => log.error({ err: { message: error.message }, event: `auth.password_reset.${what}_mail_failed` }, 'could not send a password-reset mail'));
  }

  /** 'locked' (the same for every address) or 'accepted'; past the threshold a solved bot challenge first (428). */
  async function askForLink(c: Context<AppEnv>, email: string, solution: string | undefined): Promise<{ locked: number } | 'accepted'> {
    await challenges.require(c, 'password-reset', [resetSubject(email).key], solution || undefined);
    // every request counts toward the challenge: the answer cannot tell a failure from a success
    await challenges.failed(c, 'password-reset');
    const claimed = await claimAttempt(db, [resetSubject(email)]);
    if (!claimed.ok) return { locked: claimed.retryAfterSeconds };
    const { token, hash } = newToken();
    const account = await db.withPrincipal(null, (tx) => requestReset(tx, (t, event) => c.get('auditor').record(t, c, event), email, hash));
    if (account) {
      const t = translator(mailLocale(c, account));
      const link = `${config.publicUrl}/reset-password/${token}`;
      sendLater('link', () => mailer.send({ to: [account.email], subject: t('mail.reset.subject'),
        text: t('mail.reset.text', { email: account.email, minutes: String(resetLinkMinutes), link }) }));
      c.get('log').info({ event: 'auth.password_reset.requested', userId: account.user_id }, 'password reset link sent');
    }
    return 'accepted';
  }

  async function liveReset(token: string): Promise<ResetAccount | undefined> {
    if (!tokenPattern.test(token)) return undefined;
    return db.withPrincipal(null, (tx) => findReset(tx, hashToken(token)));
  }

  /** The policy's refusals in `say`'s words, or [] once the password is set. 'gone' when the link died meanwhile. */
  async function choosePassword(c: Context<AppEnv>, token: string, account: ResetAccount, newPassword: string, say: Translate): Promise<string[] | 'gone'> {
    const [organisation, history] = await db.withPrincipal(null, async (tx) => [await organisationName(tx), await passwordHistory(tx, account.user_id)] as const);
    const reasons = await checkPasswordPolicy(config, newPassword, {
      email: account.email, displayName: account.display_name, organisationName: organisation, previousHashes: history,
    });
    if (reasons.length > 0) return describePolicyReasons(say, reasons);
    const passwordHash = await hashPassword(newPassword);
    try {
      await db.withPrincipal(null, (tx) => completeReset(tx, (t, event) => c.get('auditor').recordForUser(t, c, account.user_id, event), hashToken(token), passwordHash));
    } catch (error) {
      if (httpErrorFromPostgres(error)?.status === 404) return 'gone';
      throw error;
    }
    c.get('log').info({ event: 'auth.password_reset.completed', userId: account.user_id }, 'password reset');
    const t = translator(mailLocale(c, account));
    sendLater('notice', () => mailer.send({ to: [account.email], subject: t('mail.passwordChanged.subject'), text: t('mail.passwordChanged.text', { email: account.email }) }));
    return [];
  }

  pages.get('/forgot-password', async (c) => forgotPage(c, [], undefined, false, 200, await challengeShown(c, undefined)));

  pages.post('/forgot-password', async (c) => {
    const fields = await readFormFields(c);
    const parsed = resetRequestSchema.safeParse(fields);
    if (!parsed.success) return forgotPage(c, issuesOf(parsed.error, c.get('t')), fields.email, false, 422, await challengeShown(c, undefined));
    let outcome: Awaited<ReturnType<typeof askForLink>>;
    try {
      outcome = await askForLink(c, parsed.data.email, parsed.data.altcha);
    } catch (error) {
      if (error instanceof HttpError && error.status === 428) {
        const message = c.get('t')(error.code === 'challenge_failed' ? 'challenge.invalid' : 'challenge.required');
        return forgotPage(c, [{ path: '(body)', message }], parsed.data.email, false, 428, true);
      }
      throw error;
    }
    if (outcome !== 'accepted') {
      c.header('Retry-After', String(outcome.locked));
      return forgotPage(c, [{ path: '(body)', message: c.get('t')('reset.locked', { minutes: String(Math.ceil(outcome.locked / 60)) }) }], parsed.data.email, false, 429, await challengeShown(c, parsed.data.email));
    }
    return forgotPage(c, [], undefined, true, 200, await challengeShown(c, parsed.data.email));
  });

  // GET only shows the form (mail scanners follow links; only the POST redeems).
  pages.get('/reset-password/:token', async (c) => {
    const token = c.req.param('token');
    const account = await liveReset(token);
    return account ? choosePage(c, token, account.email, []) : invalidResetPage(c);
  });

  pages.post('/reset-password/:token', async (c) => {
    const token = c.req.param('token');
    const account = await liveReset(token);
    if (!account) return invalidResetPage(c);
    const parsed = resetFormSchema.safeParse(await readFormFields(c));
    if (!parsed.success) return choosePage(c, token, account.email, issuesOf(parsed.error, c.get('t')), 422);
    let outcome: string[] | 'gone';
    try {
      outcome = await choosePassword(c, token, account, parsed.data.newPassword, c.get('t'));
    } catch (error) {
      if (error instanceof HttpError && error.status === 503) {
        for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
        return choosePage(c, token, account.email, [{ path: '(body)', message: c.get('t')('signIn.busy') }], 503);
      }
      throw error;
    }
    if (outcome === 'gone') return invalidResetPage(c);
    if (outcome.length > 0) return choosePage(c, token, account.email, outcome.map((message) => ({ path: 'newPassword', message })), 422);
    return resetDonePage(c);
  });

  api.add({
    method: 'post',
    path: '/auth/password-reset',
    summary: 'Ask for a password-reset link by e-mail; the answer is the same whether or not an account has the address',
    tag: 'auth',
    permission: 'public',
    body: resetRequestSchema,
    response: resetRequestedSchema,
    handler: async (c, { body }) => {
      const outcome = await askForLink(c, body.email, body.altcha);
      if (outcome !== 'accepted') {
        throw new HttpError(429, 'rate_limited', `This address has asked for many links already. Try again in ${outcome.locked} seconds.`, [], { 'Retry-After': String(outcome.locked) });
      }
      return { accepted: true as const };
    },
  });

  api.add({
    method: 'post',
    path: '/auth/password-reset/complete',
    summary: 'Choose a new password with the token of a reset link (the whole password policy applies); ends every session, starts none',
    tag: 'auth',
    permission: 'public',
    body: resetCompleteSchema,
    response: resetCompletedSchema,
    handler: async (c, { body }) => {
      const gone = () => new HttpError(410, 'reset_link_invalid', 'This reset link is invalid, used, replaced by a newer one or expired. Ask for a new one.');
      const account = await liveReset(body.token);
      if (!account) throw gone();
      const outcome = await choosePassword(c, body.token, account, body.newPassword, english);
      if (outcome === 'gone') throw gone();
      if (outcome.length > 0) {
        throw new HttpError(422, 'password_refused', 'The new password is not accepted: see issues.', outcome.map((message) => ({ path: 'newPassword', message })));
      }
      return { changed: true as const };
    },
  });

  return pages;
}
