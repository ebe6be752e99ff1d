import { z } from 'zod';
import { text } from '../http/text-schema.ts';
import { optionalText, requiredText } from '../http/validate.ts';
import { choice } from '../requests/schema.ts';

export const jobStatuses = ['new', 'scheduled', 'in_progress', 'work_done', 'awaiting_signoff', 'signed', 'closed', 'on_hold', 'cancelled'] as const;
export type JobStatus = (typeof jobStatuses)[number];

const longText = (max: number) => text({ multiline: true }).trim().min(1).max(max, 'issue.tooLong').optional();
/** A date and time as a browser's datetime-local field or an API client sends it. */
const when = choice(z.iso.datetime({ offset: true, local: true, error: 'issue.enterDateTime' }));

/** A job for a site (the company is the site's), from a request or directly. */
export const jobInputSchema = z.strictObject({
  siteId: choice(z.uuid({ error: 'issue.chooseSite' })),
  requestId: choice(z.uuid()).optional(),
  title: requiredText('issue.enterTitle', 200),
  description: longText(5000),
  assetIds: z.array(choice(z.uuid())).max(50).default([]),
  plannedStart: when.optional(),
});

/** A status change; the database decides whether it is allowed (sql/0010). */
export const jobStatusChangeSchema = z.strictObject({
  status: choice(z.enum(jobStatuses)),
  reason: optionalText(2000),
  /** with 'scheduled': when the work is planned to start */
  plannedStart: when.optional(),
});

export const assignmentInputSchema = z.strictObject({
  technicianId: choice(z.uuid({ error: 'issue.chooseTechnician' })),
});

export const checkInSchema = z.strictObject({
  /** a dispatcher records a visit for an assigned technician; a technician's own when left out */
  technicianId: choice(z.uuid()).optional(),
  notes: longText(5000),
});
export const checkOutSchema = z.strictObject({
  notes: longText(5000),
});

export const historyEntrySchema = z.object({
  fromStatus: z.enum(jobStatuses).nullable(),
  toStatus: z.enum(jobStatuses),
  reason: z.string().nullable(),
  changedBy: z.uuid().nullable(),
  changedAt: z.iso.datetime(),
});

export const technicianSchema = z.object({
  userId: z.uuid(),
  /** null when the caller may not read the user (customers do not see operator users) */
  displayName: z.string().nullable(),
});

export const jobSchema = z.object({
  jobId: z.uuid(),
  companyId: z.uuid(),
  siteId: z.uuid(),
  requestId: z.uuid().nullable(),
  title: z.string(),
  description: z.string().nullable(),
  status: z.enum(jobStatuses),
  statusReason: z.string().nullable(),
  plannedStart: z.iso.datetime().nullable(),
  actualStart: z.iso.datetime().nullable(),
  reportFrozenAt: z.iso.datetime().nullable(),
  assetIds: z.array(z.uuid()),
  technicians: z.array(technicianSchema),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Job = z.infer<typeof jobSchema>;

export const jobDetailSchema = jobSchema.extend({
  /** the job's assets with their names; name null when the caller may not read the asset */
  assets: z.array(z.object({ assetId: z.uuid(), name: z.string().nullable() })),
  history: z.array(historyEntrySchema),
});
export type JobDetail = z.infer<typeof jobDetailSchema>;

/** A calendar day (UTC, as the portal shows times): 2026-12-01. */
const day = choice(z.iso.date({ error: 'issue.enterDate' }));

/**
 * The board's and the list's filters (GET /jobs, GET /api/v1/jobs). Each only
 * narrows what RLS already lets the caller see. `on` is one day of the planned
 * start; `from`/`to` a range of days (both inclusive, either open); `on` and a
 * range do not go together.
 */
export const jobListQuerySchema = z.strictObject({
  status: choice(z.enum(jobStatuses)).optional(),
  /** only jobs assigned to me (a technician's list is that anyway) */
  mine: choice(z.enum(['true', 'false'])).optional(),
  technicianId: choice(z.uuid({ error: 'issue.chooseTechnician' })).optional(),
  companyId: choice(z.uuid({ error: 'issue.chooseCompany' })).optional(),
  on: day.optional(),
  from: day.optional(),
  to: day.optional(),
}).refine((f) => f.on === undefined || (f.from === undefined && f.to === undefined), { path: ['on'], message: 'issue.dayOrRange' })
  .refine((f) => f.from === undefined || f.to === undefined || f.from <= f.to, { path: ['to'], message: 'issue.rangeReversed' });
export type JobListQuery = z.infer<typeof jobListQuerySchema>;

export const visitSchema = z.object({
  visitId: z.uuid(),
  jobId: z.uuid(),
  technicianId: z.uuid(),
  checkInAt: z.iso.datetime(),
  checkOutAt: z.iso.datetime().nullable(),
  notes: z.string().nullable(),
});
export type Visit = z.infer<typeof visitSchema>;
