// Why the pipeline refused a version. The reason is recorded in English (the
// row, the audit trail, the API) and shown to the uploader in their language:
// each reason is made here and recognised here (its pattern comes from the
// same text), so the recorded words and the translation cannot drift apart.
// A reason with a detail (a type, a signature, a limit) has one `{detail}`.
import type { Translate } from '../i18n/index.ts';
import type { MessageKey } from '../i18n/messages.ts';

const refusals = {
  polyglot: () => 'the file is also a ZIP archive (a polyglot): not accepted',
  typeNotAccepted: (mime: string) => `files of type ${mime} are not accepted (PDF, JPEG, PNG, WebP or plain text only)`,
  typeUnknown: () => 'this file type is not accepted (PDF, JPEG, PNG, WebP or plain text only)',
  empty: () => 'the file is empty',
  markup: () => 'HTML, SVG, XML and scripts are not accepted',
  malware: (signature: string) => `malware found (${signature})`,
  pixels: (maxPixels: string) => `the image has more than ${maxPixels} pixels`,
  imageUnreadable: () => 'the image cannot be read (damaged or not what it claims to be)',
  heic: () => 'HEIC photos cannot be read here: send JPEG (on iPhone: Settings → Camera → Formats → Most Compatible)',
  pdfUnreadable: (detail: string) => `qpdf cannot read this PDF (${detail})`,
  pdfActiveLeft: (keys: string) => `active content could not be removed (${keys})`,
  scannerLimits: (signature: string) => `the file is beyond the virus scanner's limits (${signature})`,
  scannerStreamLimit: () => "the file is larger than the virus scanner's stream limit",
} as const;

export type RefusalKind = keyof typeof refusals;

/** The recorded (English) text of a refusal. */
export function refusal<K extends RefusalKind>(kind: K, ...detail: Parameters<(typeof refusals)[K]>): string {
  return (refusals[kind] as (...values: string[]) => string)(...(detail as string[]));
}

// Each refusal's text around its detail: what comes before it and after it.
const marker = '\u0000';
const shapes = (Object.keys(refusals) as RefusalKind[]).map((kind) => {
  const text = (refusals[kind] as (value: string) => string)(marker);
  const [before = '', after = ''] = text.split(marker);
  return { kind, before, after, hasDetail: text.includes(marker) };
});

/** Which refusal a recorded reason is, with its detail; undefined for a text made elsewhere (held versions, older rows). */
export function recogniseRefusal(reason: string): { kind: RefusalKind; detail: string } | undefined {
  for (const { kind, before, after, hasDetail } of shapes) {
    if (!hasDetail) {
      if (reason === before) return { kind, detail: '' };
    } else if (reason.length > before.length + after.length && reason.startsWith(before) && reason.endsWith(after)) {
      return { kind, detail: reason.slice(before.length, reason.length - after.length) };
    }
  }
  return undefined;
}

/**
 * A version's reason as its uploader reads it: a refusal in their language;
 * a pending version's reason (the scanner gave no verdict: down, too slow)
 * as one sentence saying it will be tried again; anything else as recorded.
 */
export function reasonText(t: Translate, status: string, reason: string): string {
  if (status === 'pending') return t('documents.reason.scanPending');
  const known = recogniseRefusal(reason);
  if (!known) return reason;
  const key: MessageKey = `documents.reason.${known.kind}`; // the compiler checks every refusal has a message
  return t(key, { detail: known.detail });
}
