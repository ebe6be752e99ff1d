// "My profile": the display name, and the e-mail address — changed in sudo
// mode, confirmed by a link mailed to the new address (24 hours, single
// use), with a notice to the old address once it changed.
import type { FeatureDeps } from '../feature.ts';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { auditFor } from '../audit/record.ts';
import { hashToken, newToken, tokenPattern } from '../crypto/tokens.ts';
import { httpErrorFromPostgres } from '../db/errors.ts';
import type { AppEnv, SessionUser } from '../http/context.ts';
import { inSudoMode, requireSudo, requireUser } from '../http/guards.ts';
import { HttpError, type Issue } from '../http/errors.ts';
import { CsrfField, Field, FormErrors, renderPage } from '../http/layout.tsx';
import { issuesOf, readFormFields } from '../http/validate.ts';
import { isLocale, translator, type Translate } from '../i18n/index.ts';
import { confirmEmailChange, requestEmailChange, setDisplayName } from './queries.ts';
import { displayNameSchema, emailChangeSchema, emailConfirmSchema, profileSchema } from './schema.ts';

const english = translator('en');

export function profileRoutes(deps: FeatureDeps): Hono<AppEnv> {
  const { db, config, api, mailer, log } = deps;
  const pages = new Hono<AppEnv>();

  const send = (what: string, mail: { to: string[]; subject: string; text: string }) =>
    mailer.send(mail).catch((error: Error) => {
      log.error({ err: { message: error.message }, event: `profile.${what}_mail_failed` }, 'could not send a profile mail');
      return false;
    });

  /** Stores the request and mails the link to the new address; the taken-address refusal in `say`'s words. */
  async function askForEmail(c: Context<AppEnv>, user: SessionUser, email: string, say: Translate): Promise<void> {
    const { token, hash } = newToken();
    try {
      await db.withPrincipal({ userId: user.userId }, (tx) => requestEmailChange(tx, auditFor(c), user.userId, email, hash));
    } catch (error) {
      if (httpErrorFromPostgres(error)?.status === 409) {
        throw new HttpError(409, 'email_taken', say('profile.emailTaken'), [{ path: 'email', message: say('profile.emailTaken') }]);
      }
      throw error;
    }
    const t = c.get('t');
    await send('confirm', { to: [email], subject: t('mail.emailConfirm.subject'), text: t('mail.emailConfirm.text', { link: `${config.publicUrl}/confirm-email/${token}` }) });
  }

  /** The new address takes effect; the old one is told. undefined when the link is not live. */
  async function confirm(c: Context<AppEnv>, token: string) {
    if (!tokenPattern.test(token)) return undefined;
    let row;
    try {
      row = await db.withPrincipal(null, (tx) => confirmEmailChange(tx, (userId) => (t, event) => c.get('auditor').recordForUser(t, c, userId, event), hashToken(token)));
    } catch (error) {
      const mapped = httpErrorFromPostgres(error);
      if (mapped?.status === 404 || mapped?.status === 409) return undefined;
      throw error;
    }
    const [account] = await db.withPrincipal({ userId: row.user_id }, (tx) => tx<{ locale: string | null }[]>`select locale from kastell.users where user_id = ${row.user_id}`);
    const t = translator(isLocale(account?.locale) ? account.locale : c.get('locale'));
    await send('changed', { to: [row.old_email], subject: t('mail.emailChanged.subject'), text: t('mail.emailChanged.text', { old: row.old_email, new: row.new_email }) });
    return row;
  }

  pages.get('/profile', (c) => profilePage(c, requireUser(c), []));

  pages.post('/profile/name', async (c) => {
    const user = requireUser(c);
    const parsed = displayNameSchema.safeParse(await readFormFields(c));
    if (!parsed.success) return profilePage(c, user, issuesOf(parsed.error, c.get('t')), 422);
    await db.withPrincipal({ userId: user.userId }, (tx) => setDisplayName(tx, auditFor(c), user.userId, parsed.data.displayName));
    return profilePage(c, { ...user, displayName: parsed.data.displayName }, [], 200, c.get('t')('profile.nameSaved'));
  });

  pages.post('/profile/email', async (c) => {
    const user = requireUser(c);
    if (!inSudoMode(user, config)) return c.redirect('/security/reauth?next=/profile', 303);
    const fields = await readFormFields(c);
    const parsed = emailChangeSchema.safeParse(fields);
    if (!parsed.success) return profilePage(c, user, issuesOf(parsed.error, c.get('t')), 422);
    try {
      await askForEmail(c, user, parsed.data.email, c.get('t'));
    } catch (error) {
      if (error instanceof HttpError && error.status === 409) return profilePage(c, user, error.issues, 409);
      throw error;
    }
    return profilePage(c, user, [], 200, c.get('t')('profile.emailSent', { email: parsed.data.email }));
  });

  // GET only shows a button (mail scanners follow links; only a POST confirms).
  pages.get('/confirm-email/:token', (c) => {
    const t = c.get('t');
    return renderPage(c, t('confirmEmail.title'), (
      <form method="post" action={`/confirm-email/${c.req.param('token')}`}>
        <p>{t('confirmEmail.intro')}</p>
        <CsrfField token={c.get('csrfToken')} />
        <button type="submit">{t('confirmEmail.submit')}</button>
      </form>
    ));
  });

  pages.post('/confirm-email/:token', async (c) => {
    const t = c.get('t');
    const row = await confirm(c, c.req.param('token'));
    if (!row) return renderPage(c, t('confirmEmail.title'), <p class="errors" role="alert">{t('confirmEmail.invalid')}</p>, 410);
    return renderPage(c, t('confirmEmail.title'), <p role="status" class="notice">{t('confirmEmail.done', { email: row.new_email })}</p>);
  });

  api.add({
    method: 'put', path: '/me/profile', summary: 'Change one\'s own display name', tag: 'security', permission: 'signed-in',
    body: displayNameSchema, response: profileSchema,
    handler: async (c, { body, user }) => {
      await db.withPrincipal({ userId: user.userId }, (tx) => setDisplayName(tx, auditFor(c), user.userId, body.displayName));
      return { displayName: body.displayName, email: user.email };
    },
  });

  api.add({
    method: 'post', path: '/me/email', summary: 'Ask to change one\'s own e-mail address (needs recent re-authentication): a confirmation link goes to the new address; the old one is told once it changed', tag: 'security', permission: 'signed-in',
    body: emailChangeSchema, response: z.object({ confirmationSent: z.literal(true) }),
    handler: async (c, { body }) => {
      const user = requireSudo(c, config);
      await askForEmail(c, user, body.email, english);
      return { confirmationSent: true as const };
    },
  });

  api.add({
    method: 'post', path: '/auth/email-confirm', summary: 'Confirm a new e-mail address with the token of the link mailed to it', tag: 'auth', permission: 'public',
    body: emailConfirmSchema, response: z.object({ email: z.string() }),
    handler: async (c, { body }) => {
      const row = await confirm(c, body.token);
      if (!row) throw new HttpError(410, 'link_invalid', 'This confirmation link is invalid, used, replaced by a newer one or expired.');
      return { email: row.new_email };
    },
  });

  return pages;
}

function profilePage(c: Context<AppEnv>, user: SessionUser, issues: Issue[], status: 200 | 409 | 422 = 200, notice?: string) {
  const t = c.get('t');
  const labels = { displayName: t('profile.name'), email: t('profile.newEmail') };
  return renderPage(c, t('profile.title'), (
    <>
      {notice ? <p role="status" class="notice">{notice}</p> : null}
      <FormErrors issues={issues} t={t} labels={labels} />
      <form method="post" action="/profile/name" novalidate>
        <CsrfField token={c.get('csrfToken')} />
        <Field name="displayName" form="name" label={t('profile.name')} value={user.displayName} required maxlength={200} autocomplete="name" />
        <button type="submit">{t('profile.saveName')}</button>
      </form>
      <h2>{t('profile.email')}</h2>
      <p>{user.email}</p>
      <p>{t('profile.emailSudo')}.</p>
      <form method="post" action="/profile/email" novalidate>
        <CsrfField token={c.get('csrfToken')} />
        <Field name="email" form="email" label={t('profile.newEmail')} type="email" required maxlength={254} autocomplete="email" hint={t('profile.emailHint')} />
        <button type="submit">{t('profile.changeEmail')}</button>
      </form>
    </>
  ), status);
}
