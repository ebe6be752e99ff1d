// Messages on a job and how far each user has read them. What a caller sees
// is the policies' (sql/0013): a customer never reads an internal note, so
// no count or list here can show one; a technician only their jobs'.
import type { Audit } from '../db/audit-event.ts';
import { openField, sealField, uuidv7 } from '../crypto/fields.ts';
import type { Tx } from '../db/client.ts';
import type { SessionUser } from '../http/context.ts';
import { notify } from '../notifications/notify.ts';
import type { Conversation, Message, messageInputSchema } from './schema.ts';
import type { z } from 'zod';

type Row = { message_id: string; job_id: string; internal: boolean; body: string; author_id: string | null;
  author_side: Message['authorSide']; author_name: string | null; created_at: Date };

export const presentMessage = (row: Row): Message => ({
  messageId: row.message_id,
  jobId: row.job_id,
  internal: row.internal,
  body: openField('job_messages', 'body', row.message_id, row.body),
  authorId: row.author_id,
  authorSide: row.author_side,
  authorName: row.author_name,
  createdAt: row.created_at.toISOString(),
});

/** The job's company when the caller sees the job (the jobs policy decides). */
async function visibleJob(tx: Tx, jobId: string): Promise<{ company_id: string } | undefined> {
  const [job] = await tx<{ company_id: string }[]>`select company_id from jobs where job_id = ${jobId}`;
  return job;
}

/**
 * Whose messages a count may cover, as the policy sees it, written out so the planner can use an index (the policy's
 * OR of helpers cannot; test/foundation/query-plans.test.ts): a customer's company. Never widens what RLS shows.
 */
export type UnreadScope = { companyId?: string | undefined };

export function unreadScopeOf(user: { companyId: string | null; permissions: Map<string, string> }): UnreadScope {
  return user.permissions.get('messages.read') !== 'global' && user.companyId ? { companyId: user.companyId } : {};
}

const unreadOf = (tx: Tx, jobId: string | null, scope: UnreadScope = {}) => tx<{ job_id: string; unread: number }[]>`
  select m.job_id, count(*)::int as unread
  from job_messages m
  left join job_message_reads r on r.job_id = m.job_id and r.user_id = app.current_user_id()
  where (${jobId}::uuid is null or m.job_id = ${jobId})
    ${scope.companyId ? tx`and m.company_id = ${scope.companyId}` : tx``}
    and m.author_id is distinct from app.current_user_id()
    and (r.read_up_to is null or m.created_at > r.read_up_to)
  group by m.job_id
  order by m.job_id`;

/** Undefined when the job is not visible to the caller. */
export async function findConversation(tx: Tx, jobId: string): Promise<Conversation | undefined> {
  if (!(await visibleJob(tx, jobId))) return undefined;
  const rows = await tx<Row[]>`
    select m.message_id, m.job_id, m.internal, m.body, m.author_id, m.author_side, u.display_name as author_name, m.created_at
    from job_messages m left join users u on u.user_id = m.author_id
    where m.job_id = ${jobId}
    order by m.created_at, m.message_id
    limit 1000`;
  const [counted] = await unreadOf(tx, jobId);
  return { jobId, unread: counted?.unread ?? 0, messages: rows.map(presentMessage) };
}

/** Per job with unread messages, how many. */
export async function listUnreadByJob(tx: Tx, scope: UnreadScope = {}): Promise<{ jobId: string; unread: number }[]> {
  return (await unreadOf(tx, null, scope)).map((r) => ({ jobId: r.job_id, unread: r.unread }));
}

/** Everything on the job the caller was shown counts as read; undefined when the job is not visible. */
export async function markConversationRead(tx: Tx, jobId: string): Promise<Conversation | undefined> {
  if (!(await visibleJob(tx, jobId))) return undefined;
  await tx`
    insert into job_message_reads (job_id, company_id, read_up_to)
    select m.job_id, m.company_id, max(m.created_at) from job_messages m where m.job_id = ${jobId} group by m.job_id, m.company_id
    on conflict (user_id, job_id) do update set read_up_to = greatest(job_message_reads.read_up_to, excluded.read_up_to)`;
  return findConversation(tx, jobId);
}

/**
 * Posts a message (an internal note when `internal`: the policy refuses one from a customer) and tells the job's
 * people: the customer company (not of a note) and the operator side. Undefined when the job is not visible.
 * The answer is what the author wrote, not the row read back: a role may write a job's messages without reading
 * them (the read policy would hide the new row; the fuzz run's 500, test/fuzz/findings.test.ts).
 */
export async function postMessage(tx: Tx, audit: Audit, jobId: string, input: z.infer<typeof messageInputSchema>,
  author: Pick<SessionUser, 'userId' | 'displayName' | 'companyId'>): Promise<Message | undefined> {
  const job = await visibleJob(tx, jobId);
  if (!job) return undefined;
  const messageId = uuidv7();
  await tx`
    insert into job_messages (message_id, job_id, company_id, internal, body)
    values (${messageId}, ${jobId}, ${job.company_id}, ${input.internal}, ${sealField('job_messages', 'body', messageId, job.company_id, input.body)})`;
  // the text stays out of the audit trail and the notifications (retention scrubs message contents)
  await audit(tx, { action: input.internal ? 'message.note_added' : 'message.posted', entityType: 'job_message', entityId: messageId,
    companyId: job.company_id, detail: { job: jobId } });
  await notify(tx, { kind: 'message_received', jobId, audience: input.internal ? ['operator'] : ['customer', 'operator'] });
  // author_id, author_side and created_at were the column defaults (sql/0013): the principal withPrincipal set, and
  // now(), the transaction's start
  const [stamp] = await tx<{ now: Date }[]>`select now()`;
  return {
    messageId, jobId, internal: input.internal, body: input.body, authorId: author.userId,
    authorSide: author.companyId === null ? 'operator' : 'customer', authorName: author.displayName, createdAt: stamp!.now.toISOString(),
  };
}
