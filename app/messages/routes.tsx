// Messages on a job: /api/v1 routes and the form on the job's page (the
// section itself is views.tsx, shown by app/jobs). Customers and operators
// write to each other; operators and the job's technicians also leave
// internal notes, which sql/0013's read policy keeps from every customer.
import type { FeatureDeps } from '../feature.ts';
import { Hono } from 'hono';
import type { Database } from '../db/client.ts';
import { auditFor } from '../audit/record.ts';
import type { AppEnv, SessionUser } from '../http/context.ts';
import { HttpError, notFound } from '../http/errors.ts';
import { requirePermission } from '../http/guards.ts';
import { renderPage } from '../http/layout.tsx';
import { idParam, issuesOf, readFormFields } from '../http/validate.ts';
import { findConversation, listUnreadByJob, markConversationRead, postMessage, unreadScopeOf } from './queries.ts';
import { conversationSchema, messageInputSchema, messageSchema, unreadByJobSchema, type Conversation } from './schema.ts';
import { MessageForm } from './views.tsx';

const noteNotForCustomers = () => new HttpError(403, 'forbidden', 'Only the operator side writes internal notes.');

/**
 * The job page's conversation for `user` (undefined without messages.read); showing it marks it read, as a mail
 * reader does — the unread count is of what the user has not been shown.
 */
export async function conversationForJobPage(db: Database, user: SessionUser, jobId: string): Promise<Conversation | undefined> {
  if (!user.permissions.has('messages.read')) return undefined;
  return db.withPrincipal(user, async (tx) => {
    const shown = await findConversation(tx, jobId);
    if (shown && shown.unread > 0) await markConversationRead(tx, jobId);
    return shown;
  });
}

export function messageRoutes({ db, api }: FeatureDeps): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();

  api.add({
    method: 'get', permission: 'messages.read', path: '/jobs/:jobId/messages', summary: "Read a job's messages (a customer: without internal notes) and the unread count", tag: 'messages',
    response: conversationSchema,
    handler: async (c, { user }) => (await db.withPrincipal(user, (tx) => findConversation(tx, idParam(c, 'jobId')))) ?? Promise.reject(notFound()),
  });
  api.add({
    method: 'post', permission: 'messages.write', path: '/jobs/:jobId/messages', summary: 'Write on a job (internal: a note only the operator side reads)', tag: 'messages', status: 201,
    body: messageInputSchema, response: messageSchema,
    handler: async (c, { body, user }) => {
      if (body.internal && user.side !== 'operator') throw noteNotForCustomers();
      return (await db.withPrincipal(user, (tx) => postMessage(tx, auditFor(c), idParam(c, 'jobId'), body, user))) ?? Promise.reject(notFound());
    },
  });
  api.add({
    method: 'post', permission: 'messages.read', path: '/jobs/:jobId/messages/read', summary: "Mark a job's messages read", tag: 'messages',
    response: conversationSchema,
    handler: async (c, { user }) => (await db.withPrincipal(user, (tx) => markConversationRead(tx, idParam(c, 'jobId')))) ?? Promise.reject(notFound()),
  });
  api.add({
    method: 'get', permission: 'messages.read', path: '/messages/unread', summary: 'Unread messages per job', tag: 'messages',
    response: unreadByJobSchema,
    handler: (c, { user }) => db.withPrincipal(user, (tx) => listUnreadByJob(tx, unreadScopeOf(user))),
  });

  pages.post('/jobs/:jobId/messages', async (c) => {
    const user = requirePermission(c, 'messages.write');
    const jobId = idParam(c, 'jobId');
    const fields = await readFormFields(c);
    const parsed = messageInputSchema.safeParse({ body: fields.body, internal: fields.internal === '1' });
    if (!parsed.success) {
      if (!(await db.withPrincipal(user, (tx) => findConversation(tx, jobId)))) throw notFound();
      const t = c.get('t');
      return renderPage(c, t('messages.title'), (
        <><p><a href={`/jobs/${jobId}`}>←</a></p>
          <MessageForm c={c} user={user} jobId={jobId} issues={issuesOf(parsed.error, t)} draft={fields.body} /></>
      ), 422);
    }
    if (parsed.data.internal && user.side !== 'operator') throw noteNotForCustomers();
    if (!(await db.withPrincipal(user, (tx) => postMessage(tx, auditFor(c), jobId, parsed.data, user)))) throw notFound();
    return c.redirect(`/jobs/${jobId}#messages`, 303);
  });

  return pages;
}
