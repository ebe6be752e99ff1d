// The messages section of a job's page: the conversation, unread marker,
// and the form (with "internal note" for the operator's side).
import type { Context } from 'hono';
import type { AppEnv, SessionUser } from '../http/context.ts';
import type { Issue } from '../http/errors.ts';
import { CsrfField, FormErrors } from '../http/layout.tsx';
import type { Translate } from '../i18n/index.ts';
import type { Conversation, Message } from './schema.ts';

/** 2026-12-01 09:30 UTC, as the job page shows times. */
const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

function authorOf(t: Translate, user: SessionUser, m: Message): string {
  if (m.authorId === user.userId) return t('messages.you');
  if (m.authorName) return m.authorName;
  return m.authorSide === 'operator' ? t('messages.serviceTeam') : t('messages.customer');
}

/** Nothing when the caller may not read messages (`conversation` undefined). */
export function JobMessages(props: { c: Context<AppEnv>; user: SessionUser; conversation: Conversation | undefined; issues?: Issue[]; draft?: string }) {
  const { c, user, conversation } = props;
  if (!conversation) return null;
  const t = c.get('t');
  const canWrite = user.permissions.has('messages.write');
  return (
    <section id="messages" aria-labelledby="messages-title">
      <h2 id="messages-title">{t('messages.title')}</h2>
      {conversation.messages.length === 0 ? <p>{t('messages.none')}</p> : (
        <ol class="messages">
          {conversation.messages.map((m) => (
            <li class={m.internal ? 'internal' : undefined}>
              <p><strong>{authorOf(t, user, m)}</strong> · <time datetime={m.createdAt}>{when(m.createdAt)}</time>
                {m.internal ? <> · <em>{t('messages.internalNote')}</em></> : null}</p>
              <p class="prose">{m.body}</p>
            </li>
          ))}
        </ol>
      )}
      {canWrite ? <MessageForm c={c} user={user} jobId={conversation.jobId} issues={props.issues ?? []} draft={props.draft} /> : null}
    </section>
  );
}

export function MessageForm(props: { c: Context<AppEnv>; user: SessionUser; jobId: string; issues: Issue[]; draft?: string | undefined }) {
  const t = props.c.get('t');
  return (
    <form method="post" action={`/jobs/${props.jobId}/messages`} novalidate>
      <FormErrors issues={props.issues} t={t} labels={{ body: t('messages.body') }} />
      <CsrfField token={props.c.get('csrfToken')} />
      <p class="field"><label for="message-body">{t('messages.body')}</label>
        <textarea id="message-body" name="body" rows={4} maxlength={5000} required>{props.draft ?? ''}</textarea></p>
      {props.user.side === 'operator' ? (
        <p class="field check"><label><input type="checkbox" name="internal" value="1" /> {t('messages.internal')}</label>
          <small>{t('messages.internalHint')}</small></p>
      ) : null}
      <button type="submit">{t('messages.send')}</button>
    </form>
  );
}
