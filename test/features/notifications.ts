// app/notifications: notifications (written by app.notify() only, each readable by its recipient alone), the kinds,
// and each user's switches per kind.
import { type FeatureKit } from './kit.ts';

export const notifications: FeatureKit = {
  feature: 'notifications',
  rls: {
    // one notification and one switched-off kind for every user of the world, B's admin included
    seed: async ({ admin, allUsers, world }) => {
      const [jobA] = await admin`select job_id from kastell.jobs where title = 'Repair pump'`;
      for (const user of allUsers) {
        const company = user.companyId ?? world.A;
        const [job] = company === world.A ? [jobA] : await admin`select job_id from kastell.jobs where company_id = ${company} limit 1`;
        await admin`insert into kastell.notifications (user_id, kind, company_id, job_id, in_app, mail_status)
          values (${user.userId}, 'job_scheduled', ${company}, ${job!.job_id}, true, 'sent')`;
        await admin`insert into kastell.notification_preferences (user_id, kind, email) values (${user.userId}, 'message_received', false)`;
      }
    },
    cases: (w) => {
      const { as, users, roles, world } = w;
      const own = (table: string) => ({
        read: async (role: (typeof roles)[number]) => (await as(role, (tx) => tx`select user_id from ${tx(table)}`)).map((r) => r.user_id),
        expect: (role: (typeof roles)[number]) => [users[role].userId],
        noRowsWithoutPrincipal: true as const,
      });
      return {
        reads: {
          notifications: own('notifications'),
          notification_preferences: own('notification_preferences'),
          notification_kinds: {
            read: async (role) => (await as(role, (tx) => tx`select count(*)::int as n from notification_kinds`))[0]!.n,
            expect: () => 5,
          },
        },
        writes: [
          { name: 'write a notification', allowed: [],
            work: (tx) => tx`insert into notifications (user_id, kind, company_id, job_id, in_app, mail_status)
              select app.current_user_id(), 'job_scheduled', company_id, job_id, true, 'none' from jobs limit 1 returning 1` },
          { name: 'mark own notifications read', allowed: roles, work: (tx) => tx`update notifications set read_at = now() returning 1` },
          { name: "mark B admin's notification read", allowed: [], outcome: 'no rows',
            work: (tx) => tx`update notifications set read_at = now() where user_id = ${world.adminOfB.userId} returning 1` },
          { name: "mark a notification sent (the mail worker's)", allowed: [], work: (tx) => tx`update notifications set mail_status = 'pending' returning 1` },
          { name: 'switch a kind off for oneself', allowed: roles,
            work: (tx) => tx`insert into notification_preferences (kind, in_app, email) values ('job_scheduled', false, false)
              on conflict (user_id, kind) do update set email = false returning 1` },
          { name: "switch B admin's kinds", allowed: [], outcome: 'no rows',
            work: (tx) => tx`update notification_preferences set email = true where user_id = ${world.adminOfB.userId} returning 1` },
          { name: 'add a kind', allowed: [], work: (tx) => tx`insert into notification_kinds (kind, permission_key) values ('x', 'jobs.read') returning 1` },
        ],
      };
    },
  },
  isolation: {
    // a notification of the company's admin about the company's job
    ids: async (admin, { companyId, userId }) => {
      const [job] = await admin`select job_id from kastell.jobs where company_id = ${companyId} order by job_id limit 1`;
      const [n] = await admin`insert into kastell.notifications (user_id, kind, company_id, job_id, in_app, mail_status)
        values (${userId}, 'message_received', ${companyId}, ${job!.job_id}, true, 'none') returning notification_id`;
      return { notificationId: n!.notification_id };
    },
    pages: (ids) => ({
      reads: [`/notifications/${ids.notificationId}`],
      writes: [[`/notifications/${ids.notificationId}/read`, {}]],
      lists: [{ path: '/notifications' }, { path: '/notifications/preferences' }],
    }),
    unchanged: {
      read: async (admin, ids) => (await admin`select read_at from kastell.notifications where notification_id = ${ids.notificationId!}`).map((r) => r.read_at),
      expect: [null],
    },
  },
  audit: {
    scenarios: {
      'PUT /api/v1/notifications/preferences': {
        action: 'notifications.preferences_changed',
        run: (w) => w.owner.request('PUT', '/api/v1/notifications/preferences', { json: { preferences: [{ kind: 'job_scheduled', inApp: true, email: false }], emailLocale: 'de' } }),
      },
      'POST /notifications/preferences': {
        action: 'notifications.preferences_changed',
        run: (w) => w.owner.postForm('/notifications/preferences', { 'message_received.inApp': '1', emailLocale: 'fr' }),
      },
    },
    exempt: {
      'POST /api/v1/notifications/:notificationId/read': "marks the caller's own notification read; no business data changes",
      'POST /api/v1/notifications/read-all': "marks the caller's own notifications read; no business data changes",
      'POST /notifications/:notificationId/read': "marks the caller's own notification read; no business data changes",
      'POST /notifications/read-all': "marks the caller's own notifications read; no business data changes",
    },
  },
};
