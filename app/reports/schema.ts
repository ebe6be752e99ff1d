import { z } from 'zod';
import { text } from '../http/text-schema.ts';
import { requiredText } from '../http/validate.ts';
import { choice } from '../requests/schema.ts';

export const reportStatuses = ['draft', 'frozen', 'signed', 'refused', 'superseded'] as const;
export type ReportStatus = (typeof reportStatuses)[number];
export const reportLanguages = ['en', 'de', 'fr', 'it'] as const;

/** A number typed into a field, with a comma as some languages write it. */
// eslint-disable-next-line security/detect-unsafe-regex -- bounded repeats, no nesting that can backtrack
const typedNumber = choice(z.string().trim().regex(/^-?\d{1,12}([.,]\d{1,6})?$/, 'issue.enterNumber')).transform((v) => Number(v.replace(',', '.')));

/** One typed row: what was measured, its value (a JSON number, or as typed), its unit. */
export const measurementSchema = z.strictObject({
  quantity: requiredText('issue.enterQuantity', 200),
  value: z.union([z.number().finite(), typedNumber]),
  unit: requiredText('issue.enterUnit', 50),
});

/** What a draft holds; a save replaces the text and the measurements as a whole (the page sends all it shows). */
export const draftSchema = z.strictObject({
  workDone: text({ multiline: true }).max(20000, 'issue.tooLong').default(''),
  measurements: z.array(measurementSchema).max(200).default([]),
  language: choice(z.enum(reportLanguages)).optional(),
});

/** The draft page's form: every value arrives as text, so a bad one is named by its own message (not a union's). */
export const draftFormSchema = draftSchema.extend({
  measurements: z.array(measurementSchema.extend({ value: typedNumber })).max(200).default([]),
});

export const attachPhotoSchema = z.strictObject({
  documentId: choice(z.uuid()),
});

const sha256Hex = choice(z.string().regex(/^[0-9a-f]{64}$/, 'issue.invalid'));

/** Sign-off: the signer's typed name, the drawn signature (PNG data URL from signature_pad) and the hash of the PDF they were shown. */
export const signSchema = z.strictObject({
  signerName: requiredText('issue.enterSignerName', 200),
  signature: choice(z.string().max(400_000).regex(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/, 'issue.drawSignature')),
  shownSha256: sha256Hex,
});

export const refuseSchema = z.strictObject({
  comment: requiredText('issue.enterComment', 2000),
  shownSha256: sha256Hex,
});

export const reportSchema = z.object({
  reportId: z.uuid(),
  jobId: z.uuid(),
  companyId: z.uuid(),
  version: z.number().int(),
  status: z.enum(reportStatuses),
  workDone: z.string(),
  language: z.enum(reportLanguages),
  measurements: z.array(z.object({ quantity: z.string(), value: z.number(), unit: z.string() })),
  photos: z.array(z.object({ documentId: z.uuid(), title: z.string() })),
  frozenAt: z.iso.datetime().nullable(),
  /** hex SHA-256 of the PDF shown for sign-off */
  pdfSha256: z.string().nullable(),
  signedAt: z.iso.datetime().nullable(),
  signerName: z.string().nullable(),
  signedHow: z.enum(['own_device', 'on_site']).nullable(),
  /** hex SHA-256 of the sealed PDF, as in the report.signed audit event */
  sealedSha256: z.string().nullable(),
  refusedAt: z.iso.datetime().nullable(),
  refusalComment: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Report = z.infer<typeof reportSchema>;
