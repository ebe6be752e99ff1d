import { z } from 'zod';
import { text } from '../http/text-schema.ts';
import { requiredText } from '../http/validate.ts';

export const requestStatuses = ['submitted', 'triaged', 'accepted', 'declined', 'withdrawn'] as const;
export const urgencies = ['low', 'normal', 'high', 'urgent'] as const;

const description = text({ multiline: true }).trim().min(1).max(5000, 'issue.tooLong').optional();
/** A choice (an id, a state) arrives as text: a control character in it gets the same refusal as in free text. */
export const choice = <T extends z.ZodType<unknown, string>>(schema: T) => text().pipe(schema);

/** A customer (or an operator on their behalf) raises a request for a site of one company; the company is the site's. */
export const requestInputSchema = z.strictObject({
  siteId: choice(z.uuid({ error: 'issue.chooseSite' })),
  assetId: choice(z.uuid()).optional(),
  title: requiredText('issue.enterTitle', 200),
  description,
  urgency: choice(z.enum(urgencies)).default('normal'),
});

export const declineSchema = z.strictObject({
  reason: requiredText('issue.enterReason', 2000),
});

/** What the API may ask for; 'accepted' comes from making a job of the request. A decline needs its reason. */
export const requestStatusChangeSchema = z.strictObject({
  status: choice(z.enum(['triaged', 'declined', 'withdrawn'])),
  reason: requiredText('issue.enterReason', 2000).optional(),
}).refine((change) => change.status !== 'declined' || change.reason !== undefined, { path: ['reason'], message: 'issue.enterReason' });

export const requestSchema = z.object({
  requestId: z.uuid(),
  companyId: z.uuid(),
  siteId: z.uuid(),
  assetId: z.uuid().nullable(),
  title: z.string(),
  description: z.string().nullable(),
  urgency: z.enum(urgencies),
  status: z.enum(requestStatuses),
  declineReason: z.string().nullable(),
  raisedBy: z.uuid().nullable(),
  /** the jobs made from this request (visible to the customer) */
  jobIds: z.array(z.uuid()),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type ServiceRequest = z.infer<typeof requestSchema>;
export type RequestStatus = (typeof requestStatuses)[number];
