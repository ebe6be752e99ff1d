// The page frame: server-rendered, no JavaScript needed, usable on a phone,
// landmarks and labels for screen readers (WCAG 2.1 AA).
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { AppEnv } from './context.ts';
import { csrfField } from './csrf.ts';
import type { Issue } from './errors.ts';
import { locales, type Translate } from '../i18n/index.ts';

const languageNames = { en: 'English', de: 'Deutsch', fr: 'Français', it: 'Italiano' } as const;

export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name={csrfField} value={token} />;
}

/** A POST form with one button: deleting never happens on a GET. */
export function DeleteButton({ c, action }: { c: Context<AppEnv>; action: string }) {
  return (
    <form method="post" action={action}>
      <CsrfField token={c.get('csrfToken')} />
      <button type="submit" class="danger">{c.get('t')('form.delete')}</button>
    </form>
  );
}

/** Issues name fields by path; `labels` (from the form itself) says what each field is called on the page. */
export function FormErrors({ issues, t, labels }: { issues: Issue[]; t: Translate; labels: Record<string, string> }) {
  if (issues.length === 0) return null;
  const label = (path: string) => labels[path] ?? path;
  return (
    <div class="errors" role="alert" id="form-errors" tabindex={-1}>
      <p>{t('form.errors')}</p>
      <ul>
        {issues.map((issue) => (
          <li>
            {issue.path === '(body)' ? '' : `${label(issue.path)}: `}
            {issue.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function Field(props: {
  name: string;
  label: string;
  type?: string;
  value?: string | undefined;
  required?: boolean;
  autocomplete?: string;
  hint?: string;
  maxlength?: number;
  minlength?: number;
  /** distinguishes fields of several forms on one page (ids must be unique) */
  form?: string;
}) {
  const id = props.form ? `${props.form}-${props.name}` : `field-${props.name}`;
  return (
    <p class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value ?? ''}
        required={props.required ?? false}
        autocomplete={props.autocomplete}
        maxlength={props.maxlength}
        minlength={props.minlength}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
      />
      {props.hint ? <small id={`${id}-hint`}>{props.hint}</small> : null}
    </p>
  );
}

export function renderPage(c: Context<AppEnv>, title: string, body: Child, status: 200 | 201 | 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 428 | 429 | 500 | 503 = 200) {
  const t = c.get('t');
  const user = c.get('user');
  const can = (permission: string) => user?.permissions.has(permission) ?? false;
  return c.html(
    '<!doctype html>' +
      (
        <html lang={c.get('locale')}>
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>{`${title} · ${t('app.name')}`}</title>
            <link rel="stylesheet" href="/assets/app.css" />
          </head>
          <body>
            <a class="skip" href="#main">{t('nav.skip')}</a>
            <header>
              <nav aria-label={t('nav.main')}>
                <a href="/" class="brand">{t('app.name')}</a>
                {user ? (
                  <>
                    {can('jobs.read') ? <a href="/jobs">{t('nav.jobs')}</a> : null}
                    {can('requests.read') ? <a href="/requests">{t('nav.requests')}</a> : null}
                    {can('companies.read') ? <a href="/companies">{t('nav.companies')}</a> : null}
                    {can('users.invite') ? <a href="/invites">{t('nav.invites')}</a> : null}
                    {can('users.read') ? <a href="/users">{t('nav.users')}</a> : null}
                    {user?.companyId && user.permissions.get('custom_roles.manage') === 'company' ? <a href="/roles">{t('nav.roles')}</a> : null}
                    {can('audit.read') ? <a href="/audit">{t('nav.audit')}</a> : null}
                    {can('keys.read') ? <a href="/keys">{t('nav.keys')}</a> : null}
                    {can('access_log.read') && !can('audit.read') ? <a href="/access-log">{t('nav.accessLog')}</a> : null}
                    {can('notifications.read') ? <a href="/notifications">{t('nav.notifications')}</a> : null}
                    <a href="/security">{t('nav.security')}</a>
                    <form method="post" action="/sign-out" class="inline">
                      <CsrfField token={c.get('csrfToken')} />
                      <button type="submit">{t('nav.signOut')}</button>
                    </form>
                  </>
                ) : (
                  <a href="/sign-in">{t('nav.signIn')}</a>
                )}
              </nav>
            </header>
            <main id="main">
              <h1>{title}</h1>
              {body}
            </main>
            <footer>
              <form method="post" action="/locale" class="inline">
                <CsrfField token={c.get('csrfToken')} />
                <label for="locale">{t('nav.language')}</label>{' '}
                <select id="locale" name="locale">
                  {locales.map((l) => (
                    <option value={l} selected={l === c.get('locale')}>
                      {languageNames[l]}
                    </option>
                  ))}
                </select>{' '}
                <button type="submit">{t('nav.languageSubmit')}</button>
              </form>
            </footer>
          </body>
        </html>
      ).toString(),
    status,
  );
}
