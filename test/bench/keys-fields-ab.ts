// One-off A/B of opening sealed fields (`node --import tsx test/bench/keys-fields-ab.ts`; not in
// `npm run bench`): 1,000 message bodies of the keys bench's size, opened per value, variants
// alternating in one process (ROUNDS, default 7; median ms per 1,000):
//   keyring   Keyring.open as it is (app/crypto/keyring.ts)
//   keyring-0 Keyring.open before the scratch buffer (split, a Buffer per part, concat)
//   bare      createDecipheriv on buffers decoded beforehand: Node's per-value cipher cost, the floor
//   bare-keyobject  the same with a KeyObject made once
//   decode    only the string work (split, three base64url decodes, AAD buffer) without a cipher
// Pass --cpu-prof to node to see where `keyring` spends it.
import { createDecipheriv, createSecretKey, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedKek } from '../harness/seed.ts';
import { fieldAad, uuidv7 } from '../../app/crypto/fields.ts';
import { Keyring, parseSealed } from '../../app/crypto/keyring.ts';

const rounds = Number(process.env.ROUNDS ?? 7);
const ring = new Keyring({ storeDir: join(mkdtempSync(join(tmpdir(), 'kastell-fields-ab-')), 'keys'), loadKeks: fixedKek(randomBytes(32)) });
const owner = '0193aaaa-0000-7000-8000-0000000000b1';
const values = Array.from({ length: 1000 }, (_, i) => {
  const id = uuidv7();
  const body = `Message ${i}: the technician arrives at ${8 + (i % 9)}:00, please leave the gate open and call the number on the door. `.repeat(2);
  const aad = fieldAad('job_messages', 'body', id);
  return { id, body, aad, sealed: ring.seal(owner, body, aad) };
});
const key = ring.active(owner).key;
const keyObject = createSecretKey(key);
const decoded = values.map((v) => {
  const [, , iv, tag, ct] = v.sealed.split(':');
  return { iv: Buffer.from(iv!, 'base64url'), tag: Buffer.from(tag!, 'base64url'), ct: Buffer.from(ct!, 'base64url'), aad: Buffer.from(v.aad) };
});

const variants: Record<string, () => number> = {
  keyring: () => { let n = 0; for (const v of values) n += ring.open(v.sealed, v.aad).length; return n; },
  'keyring-0': () => { // Keyring.open before this change: split, a Buffer per part, concat
    let n = 0;
    for (const v of values) {
      const parts = parseSealed(v.sealed)!;
      const [, , iv, tag, ct] = parts;
      const decipher = createDecipheriv('aes-256-gcm', ring.byKeyId(parts[1]!).key, Buffer.from(iv!, 'base64url'));
      decipher.setAAD(Buffer.from(v.aad));
      decipher.setAuthTag(Buffer.from(tag!, 'base64url'));
      n += Buffer.concat([decipher.update(Buffer.from(ct!, 'base64url')), decipher.final()]).toString('utf8').length;
    }
    return n;
  },
  bare: () => {
    let n = 0;
    for (const d of decoded) {
      const decipher = createDecipheriv('aes-256-gcm', key, d.iv);
      decipher.setAAD(d.aad);
      decipher.setAuthTag(d.tag);
      n += decipher.update(d.ct).length;
      decipher.final();
    }
    return n;
  },
  'bare-keyobject': () => {
    let n = 0;
    for (const d of decoded) {
      const decipher = createDecipheriv('aes-256-gcm', keyObject, d.iv, { authTagLength: 16 });
      decipher.setAAD(d.aad);
      decipher.setAuthTag(d.tag);
      n += decipher.update(d.ct).length;
      decipher.final();
    }
    return n;
  },
  decode: () => {
    let n = 0;
    for (const v of values) {
      const [, , iv, tag, ct] = v.sealed.split(':');
      n += Buffer.from(iv!, 'base64url').length + Buffer.from(tag!, 'base64url').length + Buffer.from(ct!, 'base64url').length + Buffer.from(v.aad).length;
    }
    return n;
  },
};
const only = process.argv.slice(2);
const names = Object.keys(variants).filter((n) => only.length === 0 || only.includes(n));
const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
for (const n of names) for (let i = 0; i < 50; i++) variants[n]!(); // warm-up
// interleaved call by call, the order rotating, so load from elsewhere hits every variant alike
for (let r = 0; r < rounds * 40; r++) {
  for (let k = 0; k < names.length; k++) {
    const n = names[(r + k) % names.length]!;
    const t = performance.now();
    variants[n]!();
    times[n]!.push(performance.now() - t);
  }
}
const quantile = (a: number[], q: number) => [...a].sort((x, y) => x - y)[Math.floor(a.length * q)]!;
for (const n of names) console.log(`${n.padEnd(15)} median ${quantile(times[n]!, 0.5).toFixed(2)} ms per 1,000, p10 ${quantile(times[n]!, 0.1).toFixed(2)} (${times[n]!.length} calls)`);
