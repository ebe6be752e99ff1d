// "My sessions": device, IP and last activity of each live session; end
// one, or every other. Admins (sessions.end) end a user's sessions from
// the users page. Ending is server-side: the token stops working at once.
import type { FeatureDeps } from '../feature.ts';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { auditFor } from '../audit/record.ts';
import { requireUser } from '../http/guards.ts';
import type { Database } from '../db/client.ts';
import type { AppEnv, SessionUser } from '../http/context.ts';
import { notFound } from '../http/errors.ts';
import { CsrfField, renderPage } from '../http/layout.tsx';
import { idParam } from '../http/validate.ts';
import { sessionSchema, type Session } from './schema.ts';
import { endOtherSessions, endOwnSession, listOwnSessions } from './sessions-queries.ts';

export function sessionRoutes({ db, api }: FeatureDeps): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();

  pages.get('/security/sessions', async (c) => {
    const user = requireUser(c);
    return sessionsPage(c, await db.withPrincipal({ userId: user.userId }, (tx) => listOwnSessions(tx, user)));
  });

  pages.post('/security/sessions/:sessionId/end', async (c) => {
    const user = requireUser(c);
    const sessionId = idParam(c, 'sessionId');
    await endSession(c, db, user, sessionId);
    return c.redirect(sessionId === user.sessionId ? '/sign-in' : '/security/sessions', 303);
  });

  pages.post('/security/sessions/end-others', async (c) => {
    const user = requireUser(c);
    await db.withPrincipal({ userId: user.userId }, (tx) => endOtherSessions(tx, auditFor(c), user.userId, user.sessionId));
    return c.redirect('/security/sessions', 303);
  });

  api.add({
    method: 'get', permission: 'signed-in',
    path: '/me/sessions',
    summary: 'The signed-in user\'s live sessions',
    tag: 'security',
    response: z.object({ sessions: z.array(sessionSchema) }),
    handler: async (_c, { user }) => ({ sessions: await db.withPrincipal({ userId: user.userId }, (tx) => listOwnSessions(tx, user)) }),
  });

  api.add({
    method: 'delete', permission: 'signed-in',
    path: '/me/sessions/:sessionId',
    summary: 'End one of one\'s own sessions',
    tag: 'security',
    response: z.object({ ended: z.literal(true) }),
    handler: async (c, { user }) => {
      await endSession(c, db, user, idParam(c, 'sessionId'));
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
      return { ended: await db.withPrincipal({ userId: user.userId }, (tx) => endOtherSessions(tx, auditFor(c), user.userId, user.sessionId)) };
    },
  });

  return pages;
}

/** Ends one of the user's own sessions; 404 when it is not theirs or already over. */
async function endSession(c: Context<AppEnv>, db: Database, user: SessionUser, sessionId: string): Promise<void> {
  const ended = await db.withPrincipal({ userId: user.userId }, (tx) => endOwnSession(tx, auditFor(c), user.userId, sessionId));
  if (!ended) throw notFound();
}

function sessionsPage(c: Context<AppEnv>, sessions: Session[]) {
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
