// File names as people see them: what an uploader's name may not carry
// (paths, control and invisible format characters), and the extension a
// download is saved under, which matches what the file is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { sanitiseFileName } from '../../app/documents/schema.ts';
import { downloadName } from '../../app/documents/serve-version.ts';

test('bidi overrides, zero-width and separator characters do not survive', () => {
  // shown as "Rechnungexe.pdf" by a right-to-left override
  assert.equal(sanitiseFileName('Rechnung\u202Efdp.exe'), 'Rechnungfdp.exe');
  assert.equal(sanitiseFileName('in\u200Bvoice\u2066.pdf'), 'invoice.pdf');
  assert.equal(sanitiseFileName('a\u2028b\u2029c.txt'), 'a_b_c.txt');
  assert.equal(sanitiseFileName('../../etc/passwd'), 'passwd');
  assert.equal(sanitiseFileName('C:\\Users\\x\\Bericht März.pdf'), 'Bericht März.pdf');
  assert.equal(sanitiseFileName('Bericht Ma\u0308rz.pdf'), 'Bericht M\u00e4rz.pdf', 'NFC');
  assert.equal(sanitiseFileName('\u202E'), 'file');
});

test('no name comes out with a path, a control, format or separator character, or over 200 characters', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (name) => {
    const out = sanitiseFileName(name);
    assert.ok(out.length > 0);
    assert.ok([...out].length <= 200);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(out, /[\\/\u0000-\u001f\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]/u);
    assert.equal(out, out.normalize('NFC'));
  }), { numRuns: 2000 });
});

test('a download keeps its name when the extension matches the type, and gets one when not', () => {
  assert.equal(downloadName('Bericht.PDF', 'application/pdf'), 'Bericht.PDF');
  assert.equal(downloadName('photo.jpeg', 'image/jpeg'), 'photo.jpeg');
  assert.equal(downloadName('values.csv', 'text/plain'), 'values.csv');
  assert.equal(downloadName('minutes.html', 'text/plain'), 'minutes.html.txt');
  assert.equal(downloadName('IMG_0001.HEIC', 'image/jpeg'), 'IMG_0001.HEIC.jpg', 'HEIC re-encoded as JPEG');
  assert.equal(downloadName('run.exe', 'application/pdf'), 'run.exe.pdf');
  assert.equal(downloadName('README', 'text/plain'), 'README.txt');
  assert.equal(downloadName('.pdf', 'application/pdf'), '.pdf.pdf', 'a leading dot is no extension');
});
