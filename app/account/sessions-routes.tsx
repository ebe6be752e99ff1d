// "My sessions": device, IP and last activity of each live session; end
// one, or every other. Admins (sessions.end) end a user's sessions from
// the users page. Ending is server-side: the token stops working at once.
import type { FeatureDeps } from '../feature.ts';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { requireUser } from '../http/guards.ts';
import type { Database } from '../db/client.ts';
import type { AppEnv, SessionUser } from '../http/context.ts';
import { notFound } from '../http/errors.ts';
import { CsrfField, renderPage } from '../http/layout.tsx';
import { idParam } from '../http/validate.ts';
import { translator, type Translate } from '../i18n/index.ts';

const english = translator('en');

const sessionSchema = z.object({
  sessionId: z.uuid(),
  device: z.string(),
  ip: z.string().nullable(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  current: z.boolean(),
});

/** A short device description from the user agent (no fingerprinting, just words a person recognises). */
export function describeDevice(userAgent: string | null, say: Translate = english): string {
  const ua = userAgent ?? '';
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : '';
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : '';
  const words = browser && os ? say('sessions.deviceOn', { browser, os }) : browser || os;
  return words || (ua ? ua.slice(0, 60) : say('sessions.unknownDevice'));
}

async function listOwnSessions(db: Database, user: SessionUser, say: Translate = english) {
  const rows = await db.withPrincipal({ userId: user.userId }, (tx) => tx`
    select session_id, user_agent, ip, created_at, last_seen_at from kastell.sessions
    where user_id = ${user.userId} and ended_at is null and expires_at > now()
    order by last_seen_at desc`);
  return rows.map((r) => ({
    sessionId: r.session_id as string,
    device: describeDevice(r.user_agent, say),
    ip: r.ip as string | null,
    createdAt: new Date(r.created_at).toISOString(),
    lastSeenAt: new Date(r.last_seen_at).toISOString(),
    current: r.session_id === user.sessionId,
  }));
}

export function sessionRoutes({ db, api }: FeatureDeps): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();

  pages.get('/security/sessions', async (c) => sessionsPage(c, await listOwnSessions(db, requireUser(c), c.get('t'))));

  pages.post('/security/sessions/:sessionId/end', async (c) => {
    const user = requireUser(c);
    const sessionId = idParam(c, 'sessionId');
    await endOwnSession(c, db, user, sessionId);
    return c.redirect(sessionId === user.sessionId ? '/sign-in' : '/security/sessions', 303);
  });

  pages.post('/security/sessions/end-others', async (c) => {
    const user = requireUser(c);
    await endOtherSessions(c, db, user);
    return c.redirect('/security/sessions', 303);
  });

  api.add({
    method: 'get', permission: 'signed-in',
    path: '/me/sessions',
    summary: 'The signed-in user\'s live sessions',
    tag: 'security',
    response: z.object({ sessions: z.array(sessionSchema) }),
    handler: async (_c, { user }) => ({ sessions: await listOwnSessions(db, user) }),
  });

  api.add({
    method: 'delete', permission: 'signed-in',
    path: '/me/sessions/:sessionId',
    summary: 'End one of one\'s own sessions',
    tag: 'security',
    response: z.object({ ended: z.literal(true) }),
    handler: async (c, { user }) => {
      await endOwnSession(c, db, user, idParam(c, 'sessionId'));
      return { ended: true as const };
    },
  });

  api.add({
    method: 'post', permission: 'signed-in',
    path: '/me/sessions/end-others',
    summary: 'End every session of the signed-in user except this one',
    tag: 'security',
    body: z.strictObject({}),
    response: z.object({ ended: z.number().int() }),
    handler: async (c, { user }) => {
      return { ended: await endOtherSessions(c, db, user) };
    },
  });

  return pages;
}

async function endOwnSession(c: Context<AppEnv>, db: Database, user: SessionUser, sessionId: string): Promise<void> {
  const ended = await db.withPrincipal({ userId: user.userId }, async (tx) => {
    const [own] = await tx`select 1 from kastell.sessions where session_id = ${sessionId} and user_id = ${user.userId} and ended_at is null`;
    if (!own) return false;
    const [row] = await tx`select app.end_session_by_id(${sessionId}, 'ended_by_user') as ok`;
    if (row?.ok === true) await c.get('auditor').record(tx, c, { action: 'session.ended', entityType: 'session', entityId: sessionId });
    return row?.ok === true;
  });
  if (!ended) throw notFound();
}

async function endOtherSessions(c: Context<AppEnv>, db: Database, user: SessionUser): Promise<number> {
  return db.withPrincipal({ userId: user.userId }, async (tx) => {
    const [row] = await tx`select app.end_sessions_of(${user.userId}, 'ended_by_user', ${user.sessionId}) as n`;
    await c.get('auditor').record(tx, c, { action: 'sessions.ended', entityType: 'user', entityId: user.userId, detail: { count: Number(row?.n ?? 0) } });
    return Number(row?.n ?? 0);
  });
}

function sessionsPage(c: Context<AppEnv>, sessions: Awaited<ReturnType<typeof listOwnSessions>>) {
  const t = c.get('t');
  return renderPage(c, t('sessions.title'), (
    <>
      <table>
        <thead>
          <tr><th scope="col">{t('sessions.device')}</th><th scope="col">{t('sessions.ip')}</th><th scope="col">{t('sessions.started')}</th><th scope="col">{t('sessions.lastSeen')}</th><th scope="col"><span class="visually-hidden">{t('sessions.end')}</span></th></tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr data-session-id={s.sessionId}>
              <td>{s.device}{s.current ? ` (${t('sessions.current')})` : ''}</td>
              <td>{s.ip ?? ''}</td>
              <td><time datetime={s.createdAt}>{s.createdAt.slice(0, 16).replace('T', ' ')}</time></td>
              <td><time datetime={s.lastSeenAt}>{s.lastSeenAt.slice(0, 16).replace('T', ' ')}</time></td>
              <td>
                <form method="post" action={`/security/sessions/${s.sessionId}/end`} class="inline">
                  <CsrfField token={c.get('csrfToken')} />
                  <button type="submit" aria-label={`${t('sessions.end')}: ${s.device}, ${s.ip ?? ''}`}>{t('sessions.end')}</button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="post" action="/security/sessions/end-others">
        <CsrfField token={c.get('csrfToken')} />
        <button type="submit">{t('sessions.endOthers')}</button>
      </form>
    </>
  ));
}
