// HEIC (iPhone photos): accepted only if sharp's libvips can decode it, else
// refused plainly. The prebuilt libvips of sharp decodes HEIF with AV1 only
// (AVIF): no HEVC decoder, no HEVC encoder. So a HEIC photo is refused with a
// reason the uploader reads in their language, and the upload fields do not
// ask for HEIC, so that phones send JPEG instead (iOS converts when the
// field's `accept` lists no HEIC).
//
// The HEIC file: this sharp cannot encode HEVC, so it is sharp's own AVIF
// (a real HEIF file) turned into a HEIC one — major brand `heic`, the image
// item `hvc1` with an `hvcC` property, which is what a phone's HEIC says.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { detectType } from '../../app/documents/detect-type.ts';
import { acceptedFiles } from '../../app/documents/views.tsx';
import { startClamd } from '../harness/clamd.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedCompany, seedSession, seedUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';
import { upload } from './support.ts';

const clamd = await startClamd();
const t = await createTestDatabase();
const server = await startTestServer(t, { KASTELL_CLAMD_SOCKET: clamd.socket, KASTELL_CLAMD_TIMEOUT_MS: '5000' });
const company = await seedCompany(t.admin, 'Alpha AG');
const member = await seedUser(t.admin, 'customer_member', company);
const client = server.client().withSession(await seedSession(t.admin, member.userId, '30 minutes'));

async function makeHeic(): Promise<Buffer> {
  const avif = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 40, b: 40 } } }).heif({ compression: 'av1' }).toBuffer();
  const heic = Buffer.from(avif);
  const swap = (from: string, to: string) => {
    let n = 0;
    for (let i = heic.indexOf(from); i >= 0; i = heic.indexOf(from, i + 4)) { heic.write(to, i, 'latin1'); n += 1; }
    return n;
  };
  assert.ok(swap('avif', 'heic') >= 1, 'brand');
  assert.equal(swap('av01', 'hvc1'), 1, 'item type');
  assert.equal(swap('av1C', 'hvcC'), 1, 'codec configuration');
  return heic;
}

test('this sharp neither decodes nor encodes HEVC (its HEIF loader takes AVIF only)', async () => {
  assert.deepEqual(sharp.format.heif.input.fileSuffix, ['.avif'], 'a libvips with HEVC would list .heic: then HEIC becomes JPEG and these tests change');
  await assert.rejects(sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).heif({ compression: 'hevc' }).toBuffer(), /Unsupported compression/);
});

test('a HEIC photo is detected as HEIC from its bytes, then refused with a reason in the uploader\'s language', async () => {
  const heic = await makeHeic();
  const dir = mkdtempSync(join(tmpdir(), 'kastell-heic-'));
  writeFileSync(join(dir, 'IMG_0001.HEIC'), heic);
  assert.deepEqual(await detectType(join(dir, 'IMG_0001.HEIC')), { ok: true, type: 'image/heic' });

  const api = await upload(client, `/api/v1/companies/${company}/documents`, { title: 'Phone photo', kind: 'photo' }, { name: 'IMG_0001.HEIC', bytes: heic, type: 'image/heic' });
  assert.equal(api.status, 201, api.text);
  const version = api.json().versions[0];
  assert.equal(version.status, 'rejected');
  assert.match(version.reason, /^HEIC photos cannot be read here: send JPEG/);
  const [row] = await t.admin`select status, object_key from kastell.document_versions where version_id = ${version.versionId}`;
  assert.deepEqual({ ...row }, { status: 'rejected', object_key: null }, 'nothing stored');

  const page = await upload(client, `/companies/${company}/documents`, { title: 'Phone photo 2', kind: 'photo' }, { name: 'IMG_0002.heic', bytes: heic, type: 'image/heic' });
  assert.equal(page.status, 303, page.text);
  const documentPath = page.headers.get('location')!;
  const expected = {
    en: /HEIC photos cannot be read here: send JPEG \(on iPhone: Settings → Camera → Formats → Most Compatible\)/,
    de: /HEIC-Fotos können hier nicht gelesen werden: bitte als JPEG senden \(iPhone: Einstellungen → Kamera → Formate → Maximale Kompatibilität\)/,
    fr: /Les photos HEIC ne peuvent pas être lues ici : envoyez-les en JPEG \(iPhone : Réglages → Appareil photo → Formats → Le plus compatible\)/,
    it: /Le foto HEIC non possono essere lette qui: inviale in JPEG \(iPhone: Impostazioni → Fotocamera → Formati → Più compatibile\)/,
  };
  for (const [locale, message] of Object.entries(expected)) {
    const shown = await client.request('GET', documentPath, { headers: { 'accept-language': locale } });
    assert.equal(shown.status, 200);
    assert.match(shown.text.replaceAll('&nbsp;', ' '), message, locale);
    if (locale !== 'en') assert.doesNotMatch(shown.text, /cannot be read here/, `${locale}: no English left`);
  }
});

test('the upload fields do not ask for HEIC, so phones send JPEG', async () => {
  assert.doesNotMatch(acceptedFiles, /heic|heif/i);
  const page = await client.get(`/companies/${company}/documents`);
  assert.match(page.text, /accept="application\/pdf,image\/jpeg,/);
  assert.doesNotMatch(page.text, /accept="[^"]*hei[cf]/i);
});
