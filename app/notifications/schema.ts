import { z } from 'zod';
import { choice } from '../requests/schema.ts';
import { locales } from '../i18n/index.ts';

/** What a notification can be about; sql/0013's kastell.notification_kinds has the same rows. */
export const notificationKinds = ['request_status_changed', 'job_scheduled', 'message_received', 'report_awaiting_signoff', 'report_signed_or_refused'] as const;
export type NotificationKind = (typeof notificationKinds)[number];

/**
 * Who is told (app.notify in sql/0013): the customer company's users, the job's technicians, or the operator
 * (the technicians and the operators who run the work). The actor is never told.
 */
export const audiences = ['customer', 'technicians', 'operator'] as const;
export type Audience = (typeof audiences)[number];

export const notificationSchema = z.object({
  notificationId: z.uuid(),
  kind: z.enum(notificationKinds),
  jobId: z.uuid().nullable(),
  requestId: z.uuid().nullable(),
  /** the job's or request's title, when the recipient may still read it */
  title: z.string().nullable(),
  read: z.boolean(),
  createdAt: z.iso.datetime(),
});
export type Notification = z.infer<typeof notificationSchema>;

export const notificationListSchema = z.object({ unread: z.number().int(), notifications: z.array(notificationSchema) });
export const unreadSchema = z.object({ unread: z.number().int() });

export const preferenceSchema = z.strictObject({ kind: z.enum(notificationKinds), inApp: z.boolean(), email: z.boolean() });
export const preferencesSchema = z.object({
  /** every kind, on unless switched off */
  preferences: z.array(preferenceSchema),
  /** the language of the e-mails; null: the organisation's */
  emailLocale: z.enum(locales).nullable(),
});
export type Preferences = z.infer<typeof preferencesSchema>;

/** Kinds left out stay as they are; emailLocale null goes back to the organisation's language. */
export const preferencesInputSchema = z.strictObject({
  preferences: z.array(preferenceSchema).max(notificationKinds.length).default([]),
  // a choice, as text first: a control character gets the same refusal as in free text
  emailLocale: choice(z.enum(locales)).nullable().optional(),
});
