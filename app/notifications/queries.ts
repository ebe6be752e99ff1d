// A user's own notifications and preferences. RLS (sql/0013) lets a user
// read and mark only their own rows; the filters repeat it for the planner.
import type { Audit } from '../db/audit-event.ts';
import type { Tx } from '../db/client.ts';
import { isLocale, type Locale } from '../i18n/index.ts';
import { notificationKinds, type Notification, type NotificationKind, type Preferences, type preferencesInputSchema } from './schema.ts';
import type { z } from 'zod';

type Row = { notification_id: string; kind: NotificationKind; job_id: string | null; request_id: string | null; title: string | null;
  read_at: Date | null; created_at: Date };

export const presentNotification = (row: Row): Notification => ({
  notificationId: row.notification_id,
  kind: row.kind,
  jobId: row.job_id,
  requestId: row.request_id,
  title: row.title,
  read: row.read_at !== null,
  createdAt: row.created_at.toISOString(),
});

/** The newest 100 shown in the app; the title only when the job or request is still visible (its own RLS). */
export async function listNotifications(tx: Tx): Promise<Notification[]> {
  const rows = await tx<Row[]>`
    select n.notification_id, n.kind, n.job_id, n.request_id, coalesce(j.title, r.title) as title, n.read_at, n.created_at
    from notifications n
    left join jobs j on j.job_id = n.job_id
    left join service_requests r on r.request_id = n.request_id
    where n.user_id = app.current_user_id() and n.in_app
    order by n.created_at desc, n.notification_id desc
    limit 100`;
  return rows.map(presentNotification);
}

export async function countUnreadNotifications(tx: Tx): Promise<number> {
  const [row] = await tx<{ n: number }[]>`
    select count(*)::int as n from notifications where user_id = app.current_user_id() and in_app and read_at is null`;
  return row!.n;
}

/** Marks one of the caller's notifications read; false when it is not theirs (or does not exist). */
export async function markNotificationRead(tx: Tx, notificationId: string): Promise<Notification | undefined> {
  const [row] = await tx<{ notification_id: string }[]>`
    update notifications set read_at = coalesce(read_at, now())
    where notification_id = ${notificationId} and user_id = app.current_user_id()
    returning notification_id`;
  if (!row) return undefined;
  const [shown] = await tx<Row[]>`
    select n.notification_id, n.kind, n.job_id, n.request_id, coalesce(j.title, r.title) as title, n.read_at, n.created_at
    from notifications n left join jobs j on j.job_id = n.job_id left join service_requests r on r.request_id = n.request_id
    where n.notification_id = ${notificationId}`;
  return presentNotification(shown!);
}

export async function markAllNotificationsRead(tx: Tx): Promise<number> {
  await tx`update notifications set read_at = now() where user_id = app.current_user_id() and read_at is null`;
  return countUnreadNotifications(tx);
}

/** Every kind with the caller's switches (no row: both on) and the e-mail language. */
export async function findPreferences(tx: Tx): Promise<Preferences> {
  const rows = await tx<{ kind: NotificationKind; in_app: boolean | null; email: boolean | null }[]>`
    select k.kind, p.in_app, p.email from notification_kinds k
    left join notification_preferences p on p.kind = k.kind and p.user_id = app.current_user_id()`;
  const byKind = new Map(rows.map((r) => [r.kind, r]));
  const [user] = await tx<{ locale: string | null }[]>`select locale from users where user_id = app.current_user_id()`;
  return {
    preferences: notificationKinds.map((kind) => ({ kind, inApp: byKind.get(kind)?.in_app ?? true, email: byKind.get(kind)?.email ?? true })),
    emailLocale: isLocale(user?.locale) ? user.locale : null,
  };
}

export async function savePreferences(tx: Tx, audit: Audit, userId: string, input: z.infer<typeof preferencesInputSchema>): Promise<Preferences> {
  for (const p of input.preferences) {
    await tx`
      insert into notification_preferences (kind, in_app, email) values (${p.kind}, ${p.inApp}, ${p.email})
      on conflict (user_id, kind) do update set in_app = excluded.in_app, email = excluded.email`;
  }
  if (input.emailLocale !== undefined) {
    await tx`update users set locale = ${input.emailLocale satisfies Locale | null} where user_id = ${userId}`;
  }
  const saved = await findPreferences(tx);
  const off = saved.preferences.filter((p) => !p.inApp || !p.email).map((p) => `${p.kind}:${p.inApp ? '' : 'app'}${p.email ? '' : 'mail'}`);
  await audit(tx, { action: 'notifications.preferences_changed', entityType: 'user', entityId: userId,
    detail: { off: off.join(' ') || null, emailLocale: saved.emailLocale } });
  return saved;
}
