import { z } from 'zod';
import { text } from '../http/text-schema.ts';

/** A message on a job; `internal` (a note only the operator's side reads) is for operators only. */
export const messageInputSchema = z.strictObject({
  body: text({ multiline: true, error: 'issue.enterMessage' }).trim().min(1, 'issue.enterMessage').max(5000, 'issue.tooLong'),
  internal: z.boolean().default(false),
});

export const messageSchema = z.object({
  messageId: z.uuid(),
  jobId: z.uuid(),
  internal: z.boolean(),
  body: z.string(),
  /** null once the author's account is gone */
  authorId: z.uuid().nullable(),
  authorSide: z.enum(['operator', 'customer']),
  /** null when the caller may not read the author (customers do not see operator users) */
  authorName: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export type Message = z.infer<typeof messageSchema>;

export const conversationSchema = z.object({
  jobId: z.uuid(),
  /** messages of others the caller has not read yet */
  unread: z.number().int(),
  messages: z.array(messageSchema),
});
export type Conversation = z.infer<typeof conversationSchema>;

export const unreadByJobSchema = z.array(z.object({ jobId: z.uuid(), unread: z.number().int() }));
