// The trust page's shapes: notifiable breaches as the security officer
// enters them, and the figures (each with its status, the time it was
// measured and the control it comes from) that /trust and /trust.json show.
import { z } from 'zod';
import { text } from '../http/text-schema.ts';
import { optionalText, requiredText } from '../http/validate.ts';
import { choice } from '../requests/schema.ts';

/** A calendar day, not in the future (a breach and its notifications have happened). */
const pastDay = choice(z.iso.date({ error: 'issue.enterDate' }))
  .refine((day) => day <= new Date().toISOString().slice(0, 10), 'issue.dateInFuture');

export const breachInputSchema = z.strictObject({
  title: requiredText('issue.enterTitle', 200),
  description: text({ multiline: true }).trim().min(1).max(4000, 'issue.tooLong').optional(),
  occurredOn: pastDay.optional(),
  discoveredOn: pastDay,
  authority: optionalText(200),
  authorityNotifiedOn: pastDay.optional(),
  subjectsNotifiedOn: pastDay.optional(),
}).refine((b) => !b.occurredOn || b.occurredOn <= b.discoveredOn, { path: ['occurredOn'], message: 'issue.occurredAfterDiscovery' })
  .refine((b) => !b.authorityNotifiedOn || b.authorityNotifiedOn >= b.discoveredOn, { path: ['authorityNotifiedOn'], message: 'issue.notifiedBeforeDiscovery' })
  .refine((b) => !b.subjectsNotifiedOn || b.subjectsNotifiedOn >= b.discoveredOn, { path: ['subjectsNotifiedOn'], message: 'issue.notifiedBeforeDiscovery' });
export type BreachInput = z.infer<typeof breachInputSchema>;

/** Later: who was told, and when. What was entered about the breach itself stays as entered. */
export const breachNotificationSchema = z.strictObject({
  authority: optionalText(200),
  authorityNotifiedOn: pastDay.optional(),
  subjectsNotifiedOn: pastDay.optional(),
});
export type BreachNotification = z.infer<typeof breachNotificationSchema>;

/** What the public sees of a breach: as entered, without who entered it. */
export const publicBreachSchema = z.object({
  title: z.string(),
  description: z.string().nullable(),
  occurredOn: z.iso.date().nullable(),
  discoveredOn: z.iso.date(),
  authority: z.string().nullable(),
  authorityNotifiedOn: z.iso.date().nullable(),
  subjectsNotifiedOn: z.iso.date().nullable(),
  enteredAt: z.iso.datetime(),
});
export type PublicBreach = z.infer<typeof publicBreachSchema>;

export const breachSchema = publicBreachSchema.extend({
  breachId: z.uuid(),
  enteredBy: z.uuid().nullable(),
  updatedAt: z.iso.datetime(),
});
export type Breach = z.infer<typeof breachSchema>;

/**
 * ok: measured, fresh and good. warning: measured, but short of its target.
 * stale: the control has not run as often as it should (the value is old).
 * failing: the control ran and failed, or cannot run. absent: the control has
 * never recorded a result. not_measured: this installation does not measure it.
 */
export const figureStatuses = ['ok', 'warning', 'stale', 'failing', 'absent', 'not_measured'] as const;
export type FigureStatus = (typeof figureStatuses)[number];

export interface FigureBase {
  status: FigureStatus;
  /** when the control measured it (ISO 8601, UTC); null when it never did */
  measuredAt: string | null;
  /** the control, by a stable name */
  control: string;
  /** where the figure is read from */
  source: string;
  /** why the status is not ok, as a short code (the page says it in its language) and in plain English words */
  code: string | null;
  reason: string | null;
}

export interface TrustFigures {
  auditVerification: FigureBase & { checkedLinks: number | null; headSeq: number | null; firstBadSeq: number | null };
  checkpoint: FigureBase & { seq: number | null; chainHeadSeq: number; unsignedLinks: number | null;
    /** a cut of links chained longer ago than this is detected (KASTELL_AUDIT_CHECKPOINT_SECONDS + chaining delay) */
    windowSeconds: number;
    /** each checkpoint also goes to the archive bucket off the box */
    shippedOffBox: boolean };
  restoreDrill: FigureBase & {
    result: 'pass' | 'fail' | null; rtoSeconds: number | null; rtoTargetSeconds: number | null;
    dataAgeSeconds: number | null; rpoTargetSeconds: number | null; auditLinks: number | null; checksPassed: string[];
    /** the drill's own words for a failure (the step that failed), as it wrote them */
    drillReason: string | null;
  };
  backup: FigureBase & { result: 'pass' | 'fail' | null; type: string | null; ageSeconds: number | null; maxAgeSeconds: number };
  mfa: FigureBase & { roles: Array<{ role: string; roleName: string | null; side: string; accounts: number; withFactor: number; share: number | null; required: boolean }> };
  passkeys: FigureBase & { accounts: number; withPasskey: number; share: number | null };
  headers: FigureBase & {
    url: string; checks: Array<{ header: string; ok: boolean; value: string | null }>;
    tls: boolean; certificateExpiresAt: string | null;
  };
  scanner: FigureBase & { engine: string | null; signatureVersion: number | null; signaturesDate: string | null; ageSeconds: number | null };
  advisories: FigureBase & {
    open: number | null;
    counts: { info: number; low: number; moderate: number; high: number; critical: number; total: number } | null;
    /** how long ago the release's check ran */
    ageSeconds: number | null;
    /** the fingerprint of the release key whose signature over advisories.json verified, and where that key was read */
    signedBy: string | null;
    signingKey: string | null;
  };
}
export type FigureId = keyof TrustFigures;
export const figureIds = ['auditVerification', 'checkpoint', 'restoreDrill', 'backup', 'mfa', 'passkeys', 'headers', 'scanner', 'advisories'] as const satisfies readonly FigureId[];

export interface TrustReport {
  format: 'kastell-trust v1';
  installation: string;
  generatedAt: string;
  /** figures are computed on request and kept this long */
  cacheSeconds: number;
  figures: TrustFigures;
  breaches: PublicBreach[];
  /** where to get the key that signs /trust.json (the audit signing key) */
  publicKey: string;
  signature: string;
}
