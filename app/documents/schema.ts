import { z } from 'zod';
import { documentKinds } from '../config.ts';
import { text } from '../http/text-schema.ts';
import { requiredText } from '../http/validate.ts';

export const documentKindSchema = z.enum(documentKinds, { error: 'issue.documentKind' });
/** As input: text first (a control character gets that message), then one of the kinds. */
const documentKindInput = text({ error: 'issue.documentKind' }).pipe(documentKindSchema);

/** The text fields of an upload form (the file itself is streamed, never in a schema). */
export const documentInputSchema = z.strictObject({
  title: requiredText('issue.enterTitle', 200),
  kind: documentKindInput,
});
export const documentPatchSchema = z.strictObject({
  title: documentInputSchema.shape.title.optional(),
  kind: documentKindInput.optional(),
});

export const versionSchema = z.object({
  versionId: z.uuid(),
  documentId: z.uuid(),
  fileName: z.string(),
  status: z.enum(['pending', 'clean', 'rejected']),
  reason: z.string().nullable(),
  detectedType: z.string().nullable(),
  size: z.number().int().nullable(),
  sha256: z.string().nullable(),
  uploadedBy: z.uuid().nullable(),
  createdAt: z.iso.datetime(),
});
export type Version = z.infer<typeof versionSchema>;

export const documentSchema = z.object({
  documentId: z.uuid(),
  companyId: z.uuid(),
  parent: z.object({ type: z.enum(['company', 'site', 'asset', 'job']), id: z.uuid() }),
  title: z.string(),
  kind: documentKindSchema,
  createdAt: z.iso.datetime(),
  /** the newest clean version, if any */
  current: versionSchema.nullable(),
  versions: z.array(versionSchema),
});
export type Document = z.infer<typeof documentSchema>;
export type ParentType = Document['parent']['type'];

/**
 * A file name as people see it: NFC, no path, no control characters, at most 200 characters.
 * Invisible format characters go too (Cf: bidi overrides that show `Rechnung\u202Efdp.exe` as
 * "Rechnungexe.pdf", zero-width spaces), and line or paragraph separators become `_`.
 */
export function sanitiseFileName(name: string): string {
  const base = name.normalize('NFC').split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/\p{Cf}/gu, '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\p{Zl}\p{Zp}"<>:|?*]/gu, '_').replace(/^[.\s]+/, '').trim();
  const limited = [...cleaned].slice(0, 200).join('');
  return limited || 'file';
}
