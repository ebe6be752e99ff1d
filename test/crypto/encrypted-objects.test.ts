// Documents are encrypted under their company's data key before they reach
// the object store: no stored object holds an uploaded document's plain
// bytes; the download is the upload, byte for byte; a stored object that is
// truncated, has two frames swapped, one byte changed or was copied under
// another object key does not decrypt (the AWS Encryption SDK's framed
// messages, app/crypto/encrypting-store.ts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { encryptingStore, frameLength } from '../../app/crypto/encrypting-store.ts';
import { Keyring } from '../../app/crypto/keyring.ts';
import { createLocalDiskStore } from '../../app/storage/local-disk.ts';
import { startClamd } from '../harness/clamd.ts';
import { createTestDatabase, testDataDir } from '../harness/database.ts';
import { fixedKek, seedCompany, seedSession, seedUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';
import { download, upload } from '../documents/support.ts';

const clamd = await startClamd();
const t = await createTestDatabase();
const server = await startTestServer(t, { KASTELL_CLAMD_SOCKET: clamd.socket, KASTELL_CLAMD_TIMEOUT_MS: '10000' });
const dataDir = testDataDir(t.name);
const A = await seedCompany(t.admin, 'Alpha AG');
const member = await seedUser(t.admin, 'customer_member', A);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

test('an uploaded document is ciphertext in the store and the same bytes when downloaded', async () => {
  const secret = 'Contract clause 7: the alarm code is 4242-SECRET';
  const bytes = Buffer.from(`${secret}\n${'lorem ipsum '.repeat(20_000)}\n`);
  const client = server.client().withSession(await seedSession(t.admin, member.userId, '30 minutes'));
  const response = await upload(client, `/api/v1/companies/${A}/documents`, { title: 'Contract', kind: 'contract' }, { name: 'contract.txt', bytes });
  assert.equal(response.status, 201, response.text);
  const document = response.json();
  assert.equal(document.current.status, 'clean', response.text);
  const stored = filesUnder(join(dataDir, 'documents'));
  assert.ok(stored.length >= 1);
  for (const file of stored) {
    const content = readFileSync(file);
    assert.ok(!content.includes(secret), `${file} holds the plain text`);
    assert.ok(!content.includes('lorem ipsum lorem'), `${file} holds the plain text`);
    assert.match(content.subarray(0, 40).toString('latin1'), /^kastell-object v1 k[A-Za-z0-9]+\n/);
  }
  const back = await download(client, `/documents/${document.documentId}/download`);
  assert.equal(back.status, 200);
  assert.ok(back.bytes.equals(bytes), 'the download is the upload');
});

// asvs: V11.3.3
test('a truncated, reordered, altered or moved object does not decrypt', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kastell-objects-'));
  const ring = new Keyring({ storeDir: join(dir, 'keys'), loadKeks: fixedKek(randomBytes(32)) });
  const disk = createLocalDiskStore(join(dir, 'store'));
  const store = encryptingStore(disk, ring);
  const company = '0193aaaa-0000-7000-8000-000000000001';
  const plain = randomBytes(3 * frameLength + 1000);
  await store.put('documents/a/1', Readable.from([plain]), plain.length, company);
  assert.ok((await buffer(await store.get('documents/a/1'))).equals(plain), 'whole: it decrypts');
  const raw = await buffer(await disk.get('documents/a/1'));
  assert.ok(!raw.includes(plain.subarray(0, 64)));

  const readBack = async (bytes: Buffer, key = 'documents/a/2') => {
    await disk.put(key, Readable.from([bytes]));
    return buffer(await store.get(key));
  };
  // framed: [prefix line][header][frame: seq 4, iv 12, body frameLength, tag 16] × 3 [final frame]
  const frame = 4 + 12 + frameLength + 16;
  const final = 4 + 4 + 12 + 4 + 1000 + 16;
  const bodyStart = raw.length - 3 * frame - final;
  const swapped = Buffer.concat([raw.subarray(0, bodyStart), raw.subarray(bodyStart + frame, bodyStart + 2 * frame),
    raw.subarray(bodyStart, bodyStart + frame), raw.subarray(bodyStart + 2 * frame)]);
  assert.equal(swapped.length, raw.length);
  await assert.rejects(readBack(swapped), 'two frames swapped');
  await assert.rejects(readBack(raw.subarray(0, raw.length - final)), 'cut at a frame boundary');
  await assert.rejects(readBack(raw.subarray(0, raw.length - 10)), 'cut inside the final frame');
  const flipped = Buffer.from(raw);
  flipped[bodyStart + frame + 100] = flipped[bodyStart + frame + 100]! ^ 1;
  await assert.rejects(readBack(flipped), 'one byte changed');
  await assert.rejects(readBack(raw), /encrypted as another object/, 'copied under another object key');
  assert.ok((await readBack(raw, 'documents/a/1')).equals(plain), 'and the untouched copy still decrypts');
});

test('an object stored before encryption is passed through, however short', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kastell-objects-'));
  const ring = new Keyring({ storeDir: join(dir, 'keys'), loadKeks: fixedKek(randomBytes(32)) });
  const disk = createLocalDiskStore(join(dir, 'store'));
  const store = encryptingStore(disk, ring);
  for (const [i, bytes] of [Buffer.from('shared text'), Buffer.alloc(0), Buffer.from('a\nb'), randomBytes(200_000)].entries()) {
    await disk.put(`documents/old/${i}`, Readable.from([bytes]));
    assert.ok((await buffer(await store.get(`documents/old/${i}`))).equals(bytes), `object ${i}`);
  }
});
