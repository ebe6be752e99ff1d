// Refusals are recorded in English and read back into the uploader's
// language: every kind is recognised from its own text (with its detail),
// has a message in every language that shows the detail, and a text made
// elsewhere is shown as recorded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { reasonText, recogniseRefusal, refusal, type RefusalKind } from '../../app/documents/reasons.ts';
import { locales, translator } from '../../app/i18n/index.ts';

const kinds: RefusalKind[] = ['polyglot', 'typeNotAccepted', 'typeUnknown', 'empty', 'markup', 'malware', 'pixels', 'imageUnreadable', 'heic',
  'pdfUnreadable', 'pdfActiveLeft', 'scannerLimits', 'scannerStreamLimit'];
const withDetail = new Set<RefusalKind>(['typeNotAccepted', 'malware', 'pixels', 'pdfUnreadable', 'pdfActiveLeft', 'scannerLimits']);

test('every refusal is recognised from its recorded text, with its detail', () => {
  fc.assert(fc.property(fc.constantFrom(...kinds), fc.string({ minLength: 1, maxLength: 60 }), (kind, detail) => {
    const text = (refusal as (k: RefusalKind, d?: string) => string)(kind, detail);
    const known = recogniseRefusal(text);
    assert.equal(known?.kind, kind, text);
    if (withDetail.has(kind)) assert.equal(known?.detail, detail);
  }), { numRuns: 3000 });
});

test('every refusal has a message in every language, showing its detail', () => {
  for (const locale of locales) {
    const t = translator(locale);
    for (const kind of kinds) {
      const recorded = (refusal as (k: RefusalKind, d?: string) => string)(kind, 'DETAIL-7');
      const shown = reasonText(t, 'rejected', recorded);
      assert.ok(!shown.startsWith('documents.'), `${locale} ${kind}: a message, not its key`);
      if (withDetail.has(kind)) assert.match(shown, /DETAIL-7/, `${locale} ${kind}`);
      if (locale !== 'en') assert.notEqual(shown, recorded, `${locale} ${kind}: translated`);
    }
  }
});

test('a held version says it will be tried again; a reason made elsewhere is shown as recorded', () => {
  const de = translator('de');
  assert.match(reasonText(de, 'pending', 'the virus scanner cannot be reached (ENOENT)'), /Virenscanner konnte die Datei noch nicht prüfen/);
  assert.equal(reasonText(de, 'rejected', 'some reason of an older release'), 'some reason of an older release');
});
