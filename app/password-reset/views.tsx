// The reset pages: ask for a link, choose a new password, and the answers.
import type { Context } from 'hono';
import type { AppEnv } from '../http/context.ts';
import type { Issue } from '../http/errors.ts';
import { CsrfField, Field, FormErrors, renderPage } from '../http/layout.tsx';
import { BotChallengeWidget } from '../auth/bot-challenge-widget.tsx';
import { resetLinkMinutes } from './queries.ts';

type Status = 200 | 410 | 422 | 428 | 429 | 503;

/** `sent`: the one answer for every well-formed address, known or not; `challenge`: the bot challenge is asked. */
export function forgotPage(c: Context<AppEnv>, issues: Issue[], email: string | undefined, sent: boolean, status: Status = 200, challenge = false) {
  const t = c.get('t');
  return renderPage(c, t('reset.title'), (
    <>
      {sent ? <p role="status" class="notice">{t('reset.sent', { minutes: String(resetLinkMinutes) })}</p> : null}
      <form method="post" action="/forgot-password" novalidate>
        <FormErrors issues={issues} t={t} labels={{ email: t('reset.email') }} />
        <p>{t('reset.intro')}</p>
        <CsrfField token={c.get('csrfToken')} />
        <Field name="email" label={t('reset.email')} type="email" value={sent ? undefined : email} required autocomplete="username" maxlength={254} />
        {challenge ? <BotChallengeWidget c={c} endpoint="password-reset" /> : null}
        <button type="submit">{t('reset.submit')}</button>
      </form>
      <p><a href="/sign-in">{t('reset.signIn')}</a></p>
    </>
  ), status);
}

export function choosePage(c: Context<AppEnv>, token: string, email: string, issues: Issue[], status: Status = 200) {
  const t = c.get('t');
  return renderPage(c, t('reset.chooseTitle'), (
    <form method="post" action={`/reset-password/${token}`} novalidate>
      <FormErrors issues={issues} t={t} labels={{ newPassword: t('reset.newPassword') }} />
      <p>{t('reset.chooseIntro', { email })}</p>
      <CsrfField token={c.get('csrfToken')} />
      <p class="field">
        <label for="reset-email">{t('reset.email')}</label>
        {/* no name: shown (and offered to password managers), never submitted */}
        <input id="reset-email" type="email" value={email} autocomplete="username" readonly />
      </p>
      <Field name="newPassword" label={t('reset.newPassword')} type="password" required autocomplete="new-password" minlength={12} hint={t('password.hint')} />
      <button type="submit">{t('reset.change')}</button>
    </form>
  ), status);
}

export function resetDonePage(c: Context<AppEnv>) {
  const t = c.get('t');
  return renderPage(c, t('reset.chooseTitle'), (
    <>
      <p role="status" class="notice">{t('reset.done')}</p>
      <p><a href="/sign-in">{t('reset.signIn')}</a></p>
    </>
  ));
}

export function invalidResetPage(c: Context<AppEnv>) {
  const t = c.get('t');
  return renderPage(c, t('reset.chooseTitle'), (
    <>
      <p class="errors" role="alert">{t('reset.invalid')}</p>
      <p><a href="/forgot-password">{t('reset.again')}</a></p>
    </>
  ), 410);
}
