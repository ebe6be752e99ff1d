// Opening sealed values on the list path (Keyring.open, app/crypto/keyring.ts)
// decodes into buffers reused from one value to the next: values of every
// size (empty, multi-byte, larger than the scratch buffer) open in any order,
// each to its own text; a changed byte of iv, tag, ciphertext or additional
// data fails; a value whose tag was cut short (a 4-byte GCM tag Node would
// otherwise accept) or whose parts are malformed is refused, not opened.
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Keyring } from '../../app/crypto/keyring.ts';

const X = '0193aaaa-0000-7000-8000-0000000000c1';
const ring = () => new Keyring({ storeDir: join(mkdtempSync(join(tmpdir(), 'kastell-field-open-')), 'keys'), loadKeks: () => ({ kek: { kekId: 'kek1', key: Buffer.alloc(32, 7) }, previous: [] }) });

test('values of every size open to their own text, interleaved, through the reused buffers', () => {
  const r = ring();
  const texts = ['', 'a', 'Grüße, Müller — 東京 🚒', 'x'.repeat(40_000), 'short again', 'é'.repeat(9_000), ''];
  const sealed = texts.map((t, i) => r.seal(X, t, `kastell:visits.notes:${i}`));
  for (let round = 0; round < 3; round++) {
    for (const i of [6, 3, 0, 5, 1, 4, 2]) assert.equal(r.open(sealed[i]!, `kastell:visits.notes:${i}`), texts[i]);
  }
});

test('a changed iv, tag, ciphertext or additional data fails; a short tag or a malformed value is refused', () => {
  const r = ring();
  const aad = 'kastell:job_messages.body:0193aaaa-0000-7000-8000-000000000001';
  const good = r.seal(X, 'please leave the gate open', aad);
  assert.equal(r.open(good, aad), 'please leave the gate open');
  const [v, keyId, iv, tag, ct] = good.split(':') as [string, string, string, string, string];
  const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
  for (const bad of [
    [v, keyId, flip(iv, 3), tag, ct], [v, keyId, iv, flip(tag, 5), ct], [v, keyId, iv, tag, flip(ct, 10)],
  ]) assert.throws(() => r.open(bad.join(':'), aad), /unable to authenticate|Unsupported state/);
  assert.throws(() => r.open(good, aad + 'x'), /unable to authenticate|Unsupported state/);
  // the same plaintext sealed with a 4-byte tag under the right key: GCM accepts such tags unless told the length
  const key = r.active(X).key;
  const iv4 = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv4, { authTagLength: 4 });
  c.setAAD(Buffer.from(aad));
  const ct4 = Buffer.concat([c.update('forged'), c.final()]);
  const short = ['v2', keyId, iv4.toString('base64url'), c.getAuthTag().toString('base64url'), ct4.toString('base64url')].join(':');
  assert.throws(() => r.open(short, aad), /wrong length/);
  for (const malformed of [`v2:${keyId}:${iv}:${tag}`, `v2:${keyId}:${iv}:${tag}:${ct}:extra`, `v2::${iv}:${tag}:${ct}`, `v2:${keyId}:${iv}x:${tag}:${ct}`,
    `v2:${keyId}:${iv.slice(0, 15)}!:${tag}:${ct}`, `v1:${keyId}:${iv}:${tag}:${ct}`]) {
    assert.throws(() => r.open(malformed, aad), /not a v2 sealed value|wrong length/, malformed);
  }
});
