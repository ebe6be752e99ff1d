// The upload pipeline end to end through HTTP, with a real clamd (EICAR
// database written by the harness), real qpdf and sharp, on local disk.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { findActiveContent } from '../../app/documents/sanitise-pdf.ts';
import { eicar, startClamd } from '../harness/clamd.ts';
import { createTestDatabase, testDataDir } from '../harness/database.ts';
import { seedAsset, seedCompany, seedSession, seedSite, seedUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';
import { startSmtp } from '../identity/helpers.ts';
import { download, elfBinary, makeJpegWithGps, makePdf, makePng, makeWebp, makeZip, upload } from './support.ts';

const clamd = await startClamd();
const smtp = await startSmtp();
const t = await createTestDatabase();
const server = await startTestServer(t, { KASTELL_CLAMD_SOCKET: clamd.socket, KASTELL_CLAMD_TIMEOUT_MS: '5000', KASTELL_UPLOAD_LIMITS_MIB: 'photo=1',
  KASTELL_SMTP_URL: smtp.url });
const company = await seedCompany(t.admin, 'Alpha AG');
const site = await seedSite(t.admin, company, 'Alpha plant');
const asset = await seedAsset(t.admin, company, site, 'Alpha pump');
const member = await seedUser(t.admin, 'customer_member', company);
const officer = await seedUser(t.admin, 'security_officer', null, 'officer@example.test');
const client = server.client().withSession(await seedSession(t.admin, member.userId, '30 minutes'));

async function uploadAs(name: string, bytes: Buffer, kind = 'other', parent = `/api/v1/companies/${company}/documents`) {
  return upload(client, parent, { title: `Test ${name}`, kind }, { name, bytes });
}
/** The objects the local store holds under a document (ciphertext, one per stored version). */
const objectsOf = (documentId: string) => {
  const dir = join(testDataDir(t.name), 'documents', 'documents', documentId);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
};
/** ~200 KiB of plain text, past the 64 KiB after which the one pass stores a text upload while it arrives. */
const longText = (tail: string) => Buffer.from(`${'Wartungsprotokoll Pumpe 7, Messwerte in Ordnung.\n'.repeat(4000)}${tail}`);
async function versionOf(documentId: string) {
  const [row] = await t.admin`select * from kastell.document_versions where document_id = ${documentId} order by created_at desc limit 1`;
  return row!;
}

// asvs: V5.2.2 V5.4.3
// asvs: V3.2.1 V5.4.1
test('each allowed type is accepted, stored clean and downloadable as an attachment', async () => {
  const cases: Array<[string, Buffer, string, string?]> = [
    ['report.pdf', makePdf(), 'application/pdf'],
    ['photo.jpg', await makeJpegWithGps(), 'image/jpeg'],
    ['plan.png', await makePng(), 'image/png'],
    ['pic.webp', await makeWebp(), 'image/webp'],
    ['notes.txt', Buffer.from('Grüezi — Wartung am 3. März\nline two\n'), 'text/plain'],
    ['values.csv', Buffer.from('a;b\n1;2\n'), 'text/plain'],
    // saved with an extension of what the file is: opened from disk, a text file named .html never runs as a page
    ['minutes.html', Buffer.from('Minutes of the visit, no markup in the first bytes\n'), 'text/plain', 'minutes.html.txt'],
    ['camera.png', await makeJpegWithGps(), 'image/jpeg', 'camera.png.jpg'],
  ];
  for (const [name, bytes, type, saved = name] of cases) {
    const response = await uploadAs(name, bytes);
    assert.equal(response.status, 201, `${name}: ${response.text}`);
    const document = response.json();
    assert.equal(document.current?.status, 'clean', `${name}: ${response.text}`);
    assert.equal(document.current.detectedType, type, name);
    const got = await download(client, `/documents/${document.documentId}/download`);
    assert.equal(got.status, 200, name);
    assert.match(got.headers.get('content-disposition')!, new RegExp(`^attachment; filename="${saved}"; filename\\*=UTF-8''${saved}$`));
    assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(got.headers.get('content-security-policy'), "sandbox; default-src 'none'");
    assert.equal(got.bytes.length, document.current.size, name);
    const [audit] = await t.admin`select count(*)::int as n from audit.events where action = 'document.read' and company_id = ${company}
      and detail->>'documentId' = ${document.documentId}`;
    assert.equal(audit!.n, 1, `${name}: one document.read event`);
  }
});

// asvs: V1.3.4
test('a renamed executable, an SVG, an HTML file, a script and a PDF/ZIP polyglot are refused with a reason', async () => {
  const cases: Array<[string, Buffer, RegExp]> = [
    ['invoice.pdf', elfBinary(), /application\/x-elf.*not accepted/],
    ['logo.png', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), /HTML, SVG/],
    ['page.txt', Buffer.from('<!DOCTYPE html><html><body><script>alert(1)</script></body></html>'), /HTML, SVG/],
    ['notes.txt', Buffer.from('  <html><body>hi</body></html>'), /HTML, SVG/],
    ['run.txt', Buffer.from('#!/bin/sh\nrm -rf /\n'), /scripts/],
    ['contract.pdf', Buffer.concat([makePdf(), makeZip('payload.exe', Buffer.from('MZ evil'))]), /polyglot/],
    ['binary.txt', Buffer.from([0x41, 0x00, 0x42]), /not accepted/],
    ['latin1.txt', Buffer.from([0x47, 0x72, 0xfc, 0x65, 0x7a, 0x69]), /not accepted/],
  ];
  for (const [name, bytes, reason] of cases) {
    const response = await uploadAs(name, bytes);
    assert.equal(response.status, 201, `${name}: ${response.text}`);
    const document = response.json();
    assert.equal(document.current, null, `${name} must not become clean`);
    assert.equal(document.versions[0].status, 'rejected', name);
    assert.match(document.versions[0].reason, reason, name);
    assert.equal((await download(client, `/documents/${document.documentId}/download`)).status, 404, `${name}: nothing to download`);
    const version = await versionOf(document.documentId);
    assert.equal(version.object_key, null, `${name}: nothing stored`);
  }
});

test("a refusal is shown on the document's page in the uploader's language", async () => {
  const cases: Array<[string, Buffer, Record<string, RegExp>]> = [
    ['contract.pdf', Buffer.concat([makePdf(), makeZip('payload.exe', Buffer.from('MZ evil'))]), {
      de: /die Datei ist zugleich ein ZIP-Archiv/, fr: /le fichier est aussi une archive ZIP/, it: /il file è anche un archivio ZIP/ }],
    ['invoice.pdf', elfBinary(), {
      de: /Dateien vom Typ application\/x-elf werden nicht angenommen/, fr: /les fichiers de type application\/x-elf ne sont pas acceptés/, it: /i file di tipo application\/x-elf non sono accettati/ }],
    ['page.txt', Buffer.from('<!DOCTYPE html><html><body><script>alert(1)</script></body></html>'), {
      de: /HTML, SVG, XML und Skripte werden nicht angenommen/, fr: /HTML, SVG, XML et scripts ne sont pas acceptés/, it: /HTML, SVG, XML e script non sono accettati/ }],
  ];
  for (const [name, bytes, shown] of cases) {
    const page = await uploadAs(name, bytes, 'other', `/companies/${company}/documents`);
    assert.equal(page.status, 303, page.text);
    for (const [locale, message] of Object.entries(shown)) {
      const html = (await client.request('GET', page.headers.get('location')!, { headers: { 'accept-language': locale } })).text;
      assert.match(html, message, `${name}, ${locale}`);
      assert.doesNotMatch(html, /not accepted/, `${name}, ${locale}: no English left`);
    }
  }
});

test('EICAR is rejected, audited as denied, and the security officers get a mail alert', async () => {
  const response = await uploadAs('eicar.txt', Buffer.from(eicar));
  const document = response.json();
  assert.equal(document.versions[0].status, 'rejected');
  assert.match(document.versions[0].reason, /malware found \(Eicar-Test-Signature/);
  const [event] = await t.admin`select outcome, detail from audit.events where action = 'document.malware_detected'
    and entity_id = ${document.versions[0].versionId}`;
  assert.equal(event?.outcome, 'denied');
  assert.match(event!.detail.signature, /Eicar/);
  const mail = await smtp.waitFor((m) => m.to.includes(officer.email) && m.raw.includes('Malware found'), 20_000);
  assert.match(mail.raw, /Eicar-Test-Signature/);
  assert.match(mail.raw, new RegExp(document.versions[0].versionId));
  assert.ok(!smtp.mails.some((m) => m.to.includes(member.email)), 'the uploader is not among the recipients');
});

test('a PDF with JavaScript, OpenAction, AA, Launch, an embedded file and XFA comes out without them (qpdf JSON)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kastell-pdf-'));
  const before = join(dir, 'before.pdf');
  writeFileSync(before, makePdf(true));
  const jsonOf = (path: string) => JSON.parse(execFileSync('qpdf', ['--json-output', '--json-stream-data=none', path, '-']).toString());
  assert.deepEqual(findActiveContent(jsonOf(before)), ['/AA', '/EF', '/EmbeddedFile', '/EmbeddedFiles', '/JS', '/JavaScript', '/Launch', '/OpenAction', '/XFA'],
    'the sample has all of them');
  const response = await uploadAs('active.pdf', makePdf(true), 'manual');
  const document = response.json();
  assert.equal(document.current?.status, 'clean', response.text);
  const after = join(dir, 'after.pdf');
  writeFileSync(after, (await download(client, `/documents/${document.documentId}/download`)).bytes);
  const json = jsonOf(after);
  assert.deepEqual(findActiveContent(json), []);
  const text = JSON.stringify(json);
  for (const key of ['/JavaScript', '/OpenAction', '/AA', '/Launch', '/EmbeddedFile', '/XFA', 'app.alert']) assert.ok(!text.includes(`"${key}`) && !text.includes(key === 'app.alert' ? key : '\u0000'), key);
  assert.equal(execFileSync('qpdf', ['--show-npages', after]).toString().trim(), '1', 'the page is still there');
});

test('a JPEG with GPS EXIF comes out with no metadata, orientation applied', async () => {
  const original = await makeJpegWithGps();
  const meta = await sharp(original).metadata();
  assert.ok(meta.exif && meta.exif.includes(Buffer.from('KastellCam')), 'the sample carries EXIF');
  assert.equal(meta.orientation, 6, 'the sample is to be shown rotated');
  assert.ok(meta.exif.includes(Buffer.from([0x25, 0x88])) || meta.exif.includes(Buffer.from([0x88, 0x25])), 'the sample has a GPS IFD (tag 0x8825)');
  const response = await uploadAs('gps.jpg', original, 'photo', `/api/v1/sites/${site}/documents`);
  const document = response.json();
  assert.equal(document.current?.status, 'clean', response.text);
  const got = (await download(client, `/documents/${document.documentId}/download`)).bytes;
  const out = await sharp(got).metadata();
  assert.equal(out.exif, undefined);
  assert.equal(out.xmp, undefined);
  assert.equal(out.iptc, undefined);
  assert.equal(out.orientation, undefined);
  assert.ok(!got.includes(Buffer.from('Exif\0\0')) && !got.includes(Buffer.from('KastellCam')) && !got.includes(Buffer.from('Secret Model')), 'no EXIF bytes left');
  assert.deepEqual([out.width, out.height], [32, 64], 'rotated by its Orientation (6: 90°) before the tag was dropped');
});

// asvs: V5.2.1
test('an image beyond the pixel bound is refused, not expanded', async () => {
  const local = await startTestServer(t, { KASTELL_CLAMD_SOCKET: clamd.socket, KASTELL_IMAGE_MAX_PIXELS: '1000000' });
  const other = local.client().withSession(await seedSession(t.admin, member.userId, '30 minutes'));
  const big = await sharp({ create: { width: 2000, height: 1000, channels: 3, background: '#fff' } }).png({ compressionLevel: 9 }).toBuffer();
  const response = await upload(other, `/api/v1/assets/${asset}/documents`, { title: 'Bomb', kind: 'photo' }, { name: 'bomb.png', bytes: big });
  assert.equal(response.json().versions[0].status, 'rejected');
  assert.match(response.json().versions[0].reason, /more than 1000000 pixels/);
});

// asvs: V5.2.1
test('the size limit per kind is enforced while streaming: 413, nothing written', async () => {
  const [{ n: before }] = await t.admin`select count(*)::int as n from kastell.document_versions` as unknown as [{ n: number }];
  const response = await uploadAs('huge.jpg', Buffer.alloc(1024 * 1024 + 10, 0x41), 'photo');
  assert.equal(response.status, 413, response.text);
  assert.match(response.json().error.message, /larger than 1 MiB/);
  // the page says it with the kind's limit (not the 1 MiB body limit's words), in the uploader's language
  client.cookies.set('kastell-locale', 'de');
  try {
    const page = await uploadAs('huge.jpg', Buffer.alloc(2 * 1024 * 1024, 0x41), 'photo', `/companies/${company}/documents`);
    assert.equal(page.status, 413, page.text);
    assert.match(page.text, /Die Datei ist grösser als 1 MiB, die Grenze für diese Art von Dokument\./);
  } finally {
    client.cookies.delete('kastell-locale');
  }
  const [{ n: after }] = await t.admin`select count(*)::int as n from kastell.document_versions` as unknown as [{ n: number }];
  assert.equal(after, before);
  // the same bytes as kind "other" (1 GiB default) pass the limit: it is per kind; and 1 MiB is past the global body limit
  const other = await uploadAs('big.txt', Buffer.alloc(1024 * 1024 + 10, 0x41), 'other');
  assert.equal(other.status, 201, other.text);
  assert.equal(other.json().current?.status, 'clean');
});

test('an upload without the CSRF field first, or from another origin, is refused before anything is stored', async () => {
  const form = new FormData();
  form.append('title', 'x');
  form.append('kind', 'other');
  form.append('file', new Blob(['hello']), 'a.txt');
  const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const noToken = await fetch(`${client.baseUrl}/api/v1/companies/${company}/documents`, { method: 'POST', body: form, headers: { cookie, origin: new URL(client.baseUrl).origin } });
  assert.equal(noToken.status, 403);
  const foreign = await fetch(`${client.baseUrl}/api/v1/companies/${company}/documents`, { method: 'POST', body: form, headers: { cookie, origin: 'https://evil.example' } });
  assert.equal(foreign.status, 403);
});

// The one pass (app/documents/one-pass.ts) stores a text upload while it arrives, under a key no row names.
test('a clean text upload is stored once, while it arrived: the version names the one object, its bytes and hash are the file\'s', async () => {
  const bytes = longText('Ende.\n');
  const response = await uploadAs('protokoll.txt', bytes);
  assert.equal(response.status, 201, response.text);
  const document = response.json();
  assert.equal(document.current?.status, 'clean');
  const row = await versionOf(document.documentId);
  assert.deepEqual(objectsOf(document.documentId), [String(row.object_key).split('/').pop()]);
  assert.equal(Buffer.from(row.sha256).toString('hex'), createHash('sha256').update(bytes).digest('hex'));
  const got = await download(client, `/documents/${document.documentId}/download`);
  assert.equal(got.status, 200);
  assert.ok(got.bytes.equals(bytes));
});

test('a text upload refused once the store has it (EICAR, which is text; a control byte past 64 KiB) leaves no object in the store', async () => {
  // the harness's signature is the EICAR file's MD5: the whole file, short, staged at its end
  const infected = await uploadAs('infected.txt', Buffer.from(eicar));
  assert.equal(infected.json().versions[0].status, 'rejected');
  assert.match(infected.json().versions[0].reason, /Eicar/);
  assert.deepEqual(objectsOf(infected.json().documentId), []);
  const control = await uploadAs('control.txt', longText('\u0007bell\n'));
  assert.equal(control.json().versions[0].status, 'rejected');
  assert.deepEqual(objectsOf(control.json().documentId), []);
});

// asvs: V16.5.3
test('clamd stopped: nothing becomes clean; the version is held pending with the reason', async () => {
  await clamd.stop();
  try {
    const response = await uploadAs('while-down.txt', Buffer.from('harmless text'));
    const document = response.json();
    assert.equal(document.current, null);
    // a long text (stored while it arrived) is held too, and nothing of it stays in the store
    const long = (await uploadAs('long-while-down.txt', longText('held\n'))).json();
    assert.equal(long.versions[0].status, 'pending');
    assert.deepEqual(objectsOf(long.documentId), []);
    assert.equal(document.versions[0].status, 'pending');
    assert.match(document.versions[0].reason, /virus scanner cannot be reached/);
    assert.equal((await versionOf(document.documentId)).object_key, null);
    assert.equal((await download(client, `/documents/${document.documentId}/download`)).status, 404);
  } finally {
    await clamd.start();
  }
});
