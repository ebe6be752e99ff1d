// Notifications: the list (unread first in the count, newest first), marking
// read, and each user's switches per kind for in-app and e-mail, plus the
// language of the e-mails. Everything here is the caller's own (RLS in
// sql/0013: a user reads only their own notifications).
import type { FeatureDeps } from '../feature.ts';
import { Hono, type Context } from 'hono';
import { auditFor } from '../audit/record.ts';
import type { AppEnv } from '../http/context.ts';
import { notFound } from '../http/errors.ts';
import { requirePermission, requireUser } from '../http/guards.ts';
import { CsrfField, renderPage } from '../http/layout.tsx';
import { idParam, parseOrThrow, readFormFields } from '../http/validate.ts';
import { countedKey, locales } from '../i18n/index.ts';
import { listUnreadByJob, unreadScopeOf } from '../messages/queries.ts';
import {
  countUnreadNotifications, findPreferences, listNotifications, markAllNotificationsRead, markNotificationRead, savePreferences,
} from './queries.ts';
import { notificationKinds, notificationListSchema, notificationSchema, preferencesInputSchema, preferencesSchema, unreadSchema, type Notification } from './schema.ts';

const targetOf = (n: Pick<Notification, 'jobId' | 'requestId'>) => (n.jobId ? `/jobs/${n.jobId}` : `/requests/${n.requestId}`);
const languageNames = { en: 'English', de: 'Deutsch', fr: 'Français', it: 'Italiano' } as const;

export function notificationRoutes({ db, api }: FeatureDeps): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();

  api.add({
    method: 'get', permission: 'notifications.read', path: '/notifications', summary: 'Your notifications (newest 100) and how many are unread', tag: 'notifications',
    response: notificationListSchema,
    handler: (c, { user }) => db.withPrincipal(user, async (tx) => ({ unread: await countUnreadNotifications(tx), notifications: await listNotifications(tx) })),
  });
  api.add({
    method: 'post', permission: 'notifications.read', path: '/notifications/:notificationId/read', summary: 'Mark one of your notifications read', tag: 'notifications',
    response: notificationSchema,
    handler: async (c, { user }) => (await db.withPrincipal(user, (tx) => markNotificationRead(tx, idParam(c, 'notificationId')))) ?? Promise.reject(notFound()),
  });
  api.add({
    method: 'post', permission: 'signed-in', path: '/notifications/read-all', summary: 'Mark all your notifications read', tag: 'notifications',
    response: unreadSchema,
    handler: async (c, { user }) => ({ unread: await db.withPrincipal(user, markAllNotificationsRead) }),
  });
  api.add({
    method: 'get', permission: 'signed-in', path: '/notifications/preferences', summary: 'Which notifications you get in the app and by e-mail, and in which language', tag: 'notifications',
    response: preferencesSchema,
    handler: (c, { user }) => db.withPrincipal(user, findPreferences),
  });
  api.add({
    method: 'put', permission: 'signed-in', path: '/notifications/preferences', summary: 'Switch kinds of notification on or off (in the app, by e-mail), set the e-mail language', tag: 'notifications',
    body: preferencesInputSchema, response: preferencesSchema,
    handler: (c, { body, user }) => db.withPrincipal(user, (tx) => savePreferences(tx, auditFor(c), user.userId, body)),
  });

  pages.get('/notifications', async (c) => {
    const user = requirePermission(c, 'notifications.read');
    const t = c.get('t');
    const csrf = <CsrfField token={c.get('csrfToken')} />;
    const { unread, notifications, unreadMessages } = await db.withPrincipal(user, async (tx) => ({
      unread: await countUnreadNotifications(tx),
      notifications: await listNotifications(tx),
      unreadMessages: user.permissions.has('messages.read') ? await listUnreadByJob(tx, unreadScopeOf(user)) : [],
    }));
    return renderPage(c, t('notifications.title'), (
      <>
        <p>{t(countedKey(c.get('locale'), 'notifications.unread', unread), { count: String(unread) })} · <a href="/notifications/preferences">{t('notifications.preferences')}</a></p>
        {unread > 0 ? <form method="post" action="/notifications/read-all">{csrf}<button type="submit">{t('notifications.markAllRead')}</button></form> : null}
        {notifications.length === 0 ? <p>{t('notifications.none')}</p> : (
          <ul class="cards notifications">
            {notifications.map((n) => (
              <li class={n.read ? undefined : 'unread'}>
                {n.read ? null : <strong>{t('notifications.new')} </strong>}
                <a href={`/notifications/${n.notificationId}`}>{t(`notifications.kind.${n.kind}`)}</a>
                {n.title ? <> — {n.title}</> : null} · <time datetime={n.createdAt}>{`${n.createdAt.slice(0, 10)} ${n.createdAt.slice(11, 16)} UTC`}</time>
                {n.read ? null : (
                  <form method="post" action={`/notifications/${n.notificationId}/read`} class="inline"> {csrf}<button type="submit">{t('notifications.markRead')}</button></form>
                )}
              </li>
            ))}
          </ul>
        )}
        {unreadMessages.length > 0 ? (
          <>
            <h2>{t('notifications.unreadMessages')}</h2>
            <ul>{unreadMessages.map((u) => <li><a href={`/jobs/${u.jobId}#messages`}>{t(countedKey(c.get('locale'), 'notifications.unreadOnJob', u.unread), { count: String(u.unread) })}</a></li>)}</ul>
          </>
        ) : null}
      </>
    ));
  });

  pages.post('/notifications/:notificationId/read', async (c) => {
    const user = requirePermission(c, 'notifications.read');
    if (!(await db.withPrincipal(user, (tx) => markNotificationRead(tx, idParam(c, 'notificationId'))))) throw notFound();
    return c.redirect('/notifications', 303);
  });

  pages.post('/notifications/read-all', async (c) => {
    const user = requireUser(c);
    await db.withPrincipal(user, markAllNotificationsRead);
    return c.redirect('/notifications', 303);
  });

  const preferencesPage = async (c: Context<AppEnv>, saved: boolean) => {
    const user = requireUser(c);
    const t = c.get('t');
    const current = await db.withPrincipal(user, findPreferences);
    return renderPage(c, t('notifications.preferences'), (
      <form method="post" action="/notifications/preferences" novalidate>
        {saved ? <p class="notice" role="status">{t('notifications.saved')}</p> : null}
        <CsrfField token={c.get('csrfToken')} />
        <table>
          <thead><tr><th scope="col">{t('notifications.kind')}</th><th scope="col">{t('notifications.inApp')}</th><th scope="col">{t('notifications.email')}</th></tr></thead>
          <tbody>
            {current.preferences.map((p) => (
              <tr>
                <th scope="row">{t(`notifications.kind.${p.kind}`)}</th>
                <td><label><input type="checkbox" name={`${p.kind}.inApp`} value="1" checked={p.inApp} /> {t('notifications.inApp')}</label></td>
                <td><label><input type="checkbox" name={`${p.kind}.email`} value="1" checked={p.email} /> {t('notifications.email')}</label></td>
              </tr>
            ))}
          </tbody>
        </table>
        <p class="field"><label for="preferences-emailLocale">{t('notifications.emailLocale')}</label>
          <select id="preferences-emailLocale" name="emailLocale">
            <option value="" selected={current.emailLocale === null}>{t('notifications.organisationLocale')}</option>
            {locales.map((l) => <option value={l} selected={l === current.emailLocale}>{languageNames[l]}</option>)}
          </select></p>
        <button type="submit">{t('notifications.save')}</button>
      </form>
    ));
  };

  pages.get('/notifications/preferences', (c) => preferencesPage(c, c.req.query('saved') === '1'));

  // An unchecked box sends nothing: every kind is in the form, so a missing field means off.
  pages.post('/notifications/preferences', async (c) => {
    const user = requireUser(c);
    const fields = await readFormFields(c);
    // an empty choice is the organisation's language; anything else must be one of ours (a 422 otherwise)
    const input = parseOrThrow(preferencesInputSchema, {
      preferences: notificationKinds.map((kind) => ({ kind, inApp: fields[`${kind}.inApp`] === '1', email: fields[`${kind}.email`] === '1' })),
      emailLocale: fields.emailLocale ?? null,
    });
    await db.withPrincipal(user, (tx) => savePreferences(tx, auditFor(c), user.userId, input));
    return c.redirect('/notifications/preferences?saved=1', 303);
  });

  // Opening one marks it read and goes to what it is about (after /notifications/preferences, which it would match).
  pages.get('/notifications/:notificationId', async (c) => {
    const user = requirePermission(c, 'notifications.read');
    const opened = await db.withPrincipal(user, (tx) => markNotificationRead(tx, idParam(c, 'notificationId')));
    if (!opened) throw notFound();
    return c.redirect(targetOf(opened), 303);
  });

  return pages;
}
