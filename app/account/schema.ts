import { z } from 'zod';

export const sessionSchema = z.object({
  sessionId: z.uuid(),
  device: z.string(),
  ip: z.string().nullable(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  current: z.boolean(),
});
export type Session = z.infer<typeof sessionSchema>;
