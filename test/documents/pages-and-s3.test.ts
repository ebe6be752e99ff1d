// The document pages (phone first, four languages) and the same upload and
// download path on the S3 store (s3rver standing in for MinIO).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startClamd } from '../harness/clamd.ts';
import { createTestDatabase } from '../harness/database.ts';
import { startS3Server } from '../harness/s3.ts';
import { seedCompany, seedSession, seedSite, seedUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';
import { download, makeJpegWithGps, makePdf, upload } from './support.ts';

const clamd = await startClamd();
const s3 = await startS3Server('kastell-documents-test');
const t = await createTestDatabase();
const server = await startTestServer(t, {
  KASTELL_CLAMD_SOCKET: clamd.socket,
  KASTELL_STORAGE: 's3', KASTELL_S3_ENDPOINT: s3.endpoint, KASTELL_S3_BUCKET: s3.bucket, KASTELL_S3_ACCESS_KEY: s3.accessKey, KASTELL_S3_SECRET_KEY: s3.secretKey,
});
const company = await seedCompany(t.admin, 'Alpha AG');
const site = await seedSite(t.admin, company, 'Alpha plant');
const member = await seedUser(t.admin, 'customer_member', company);
const viewer = await seedUser(t.admin, 'customer_viewer', company);
const client = server.client().withSession(await seedSession(t.admin, member.userId, '30 minutes'));

test('the site page links its documents; the list page offers an upload field that phones answer with JPEG', async () => {
  const sitePage = await client.get(`/sites/${site}`);
  assert.match(sitePage.text, new RegExp(`href="/sites/${site}/documents"`));
  const page = await client.get(`/sites/${site}/documents`);
  assert.equal(page.status, 200);
  assert.match(page.text, /<input id="document-file" name="file" type="file" required="" accept="application\/pdf,image\/jpeg,[^"]*"/);
  assert.match(page.text, /enctype="multipart\/form-data"/);
  assert.ok(page.text.indexOf('name="_csrf"') < page.text.indexOf('name="file"'), 'the CSRF field comes before the file');
  for (const [locale, word] of [['de', 'Dokumente'], ['fr', 'Téléverser'], ['it', 'Carica']] as const) {
    const localised = await client.request('GET', `/sites/${site}/documents`, { headers: { 'accept-language': locale } });
    assert.match(localised.text, new RegExp(word), locale);
  }
});

test('upload a photo and a PDF through the page form on S3, then see them clean, rename, replace, download, delete', async () => {
  const photo = await upload(client, `/sites/${site}/documents`, { title: 'Pump photo', kind: 'photo' }, { name: 'IMG_0001.jpg', bytes: await makeJpegWithGps(), type: 'image/jpeg' });
  assert.equal(photo.status, 303, photo.text);
  const photoId = /\/documents\/([0-9a-f-]{36})$/.exec(photo.headers.get('location')!)![1]!;
  const pdf = await upload(client, `/sites/${site}/documents`, { title: 'Wartungsvertrag', kind: 'contract' }, { name: 'Vertrag Müller.pdf', bytes: makePdf() });
  const pdfId = /\/documents\/([0-9a-f-]{36})$/.exec(pdf.headers.get('location')!)![1]!;

  const list = await client.get(`/sites/${site}/documents`);
  assert.match(list.text, /Pump photo/);
  assert.match(list.text, /Wartungsvertrag/);
  const [stored] = await t.admin`select object_key from kastell.document_versions where document_id = ${pdfId}`;
  assert.match(stored!.object_key, /^documents\/[0-9a-f-]{36}\/[0-9a-f]{32}$/, 'stored under a random key, not the file name');

  const got = await download(client, `/documents/${pdfId}/download`);
  assert.equal(got.status, 200);
  assert.equal(got.headers.get('content-disposition'), `attachment; filename="Vertrag Muller.pdf"; filename*=UTF-8''Vertrag%20M%C3%BCller.pdf`);
  assert.ok(got.bytes.subarray(0, 5).equals(Buffer.from('%PDF-')));
  const preview = await download(client, `/documents/${photoId}/download?preview=1`);
  assert.match(preview.headers.get('content-disposition')!, /^inline; /);
  assert.equal(preview.headers.get('content-security-policy'), "sandbox; default-src 'none'");
  const pdfPreview = await download(client, `/documents/${pdfId}/download?preview=1`);
  assert.match(pdfPreview.headers.get('content-disposition')!, /^attachment; /, 'only images are shown inline');
  const reads = await t.admin`select detail->>'how' as how from audit.events where action = 'document.read' and company_id = ${company} order by occurred_at`;
  assert.deepEqual(reads.map((r) => r.how), ['download', 'preview', 'preview']);

  assert.equal((await client.postForm(`/documents/${pdfId}`, { title: 'Wartungsvertrag 2027', kind: 'contract' })).status, 303);
  const replaced = await upload(client, `/documents/${pdfId}/versions`, {}, { name: 'Vertrag v2.pdf', bytes: makePdf(true) });
  assert.equal(replaced.status, 303, replaced.text);
  const documentPage = await client.get(`/documents/${pdfId}`);
  assert.match(documentPage.text, /Wartungsvertrag 2027/);
  assert.match(documentPage.text, /Vertrag v2\.pdf/);
  assert.match(documentPage.text, /Vertrag Müller\.pdf/);
  const api = (await client.get(`/api/v1/documents/${pdfId}`)).json();
  assert.equal(api.versions.length, 2, 'the old version stays');
  assert.equal(api.current.fileName, 'Vertrag v2.pdf');

  // a viewer reads but may not upload or delete
  const viewing = server.client().withSession(await seedSession(t.admin, viewer.userId, '30 minutes'));
  assert.equal((await download(viewing, `/documents/${pdfId}/download`)).status, 200);
  assert.equal((await upload(viewing, `/documents/${pdfId}/versions`, {}, { name: 'x.txt', bytes: Buffer.from('x') })).status, 403);
  assert.equal((await viewing.request('DELETE', `/api/v1/documents/${pdfId}`)).status, 403);
  // the member may not delete either (customer_member has no documents.delete)
  assert.equal((await client.postForm(`/documents/${pdfId}/delete`, {})).status, 403);
  const adminOfA = await seedUser(t.admin, 'customer_admin', company);
  const admin = server.client().withSession(await seedSession(t.admin, adminOfA.userId, '30 minutes'));
  const keys = (await t.admin`select object_key from kastell.document_versions where document_id = ${pdfId}`).map((r) => r.object_key as string);
  assert.equal((await admin.request('DELETE', `/api/v1/documents/${pdfId}`)).status, 200);
  const { createDocumentStore } = await import('../../app/storage/open-store.ts');
  const store = createDocumentStore({ kind: 's3', region: 'us-east-1', ...s3 });
  for (const key of keys) assert.equal(await store.stat(key), undefined, `${key} removed from the bucket`);
  assert.equal((await download(client, `/documents/${pdfId}/download`)).status, 404);
});

test('a pending version by one person is not shown to another, nor downloadable', async () => {
  await clamd.stop();
  try {
    const held = await upload(client, `/api/v1/sites/${site}/documents`, { title: 'Held', kind: 'other' }, { name: 'held.txt', bytes: Buffer.from('wait') });
    const documentId = held.json().documentId;
    const viewing = server.client().withSession(await seedSession(t.admin, viewer.userId, '30 minutes'));
    const seen = (await viewing.get(`/api/v1/documents/${documentId}`)).json();
    assert.deepEqual(seen.versions, [], 'the viewer sees the document but not the pending version');
    assert.equal(held.json().versions[0].status, 'pending', 'the uploader sees it pending');
  } finally {
    await clamd.start();
  }
});

// The one pass (app/documents/one-pass.ts) writes a text upload to the bucket while it arrives, under a key no row names.
test('on S3, a long text is stored while it arrives: one object, the row names it, the bytes come back; refused after 64 KiB: nothing left in the bucket', async () => {
  const { Client } = await import('minio');
  const url = new URL(s3.endpoint);
  const raw = new Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: s3.accessKey, secretKey: s3.secretKey, region: 'us-east-1', pathStyle: true });
  const objectsOf = async (documentId: string) => {
    const names: string[] = [];
    for await (const item of raw.listObjectsV2(s3.bucket, `documents/${documentId}/`, true)) names.push((item as { name: string }).name);
    return names.sort();
  };
  // 3 MiB: past one 1 MiB encryption frame, below one 8 MiB part (one PUT); 9 MiB: two parts
  for (const mib of [3, 9]) {
    const bytes = Buffer.from('Messprotokoll: Druck 4,2 bar, Temperatur 61 °C.\n'.repeat(Math.ceil(mib * 1024 * 1024 / 50)));
    const created = await upload(client, `/api/v1/sites/${site}/documents`, { title: `Protokoll ${mib}`, kind: 'other' }, { name: 'protokoll.txt', bytes });
    assert.equal(created.json().current?.status, 'clean', created.text);
    const documentId = created.json().documentId;
    const [row] = await t.admin`select object_key from kastell.document_versions where document_id = ${documentId}`;
    assert.deepEqual(await objectsOf(documentId), [row!.object_key]);
    const got = await download(client, `/documents/${documentId}/download`);
    assert.ok(got.bytes.equals(bytes), `${mib} MiB come back as sent`);
  }
  const refused = await upload(client, `/api/v1/sites/${site}/documents`, { title: 'Kaputt', kind: 'other' },
    { name: 'kaputt.txt', bytes: Buffer.concat([Buffer.alloc(9 * 1024 * 1024, 'a'), Buffer.from([0x00])]) });
  assert.equal(refused.json().versions[0].status, 'rejected');
  assert.deepEqual(await objectsOf(refused.json().documentId), []);
});
