// The key hierarchy on its own (no database): data keys are KEK-wrapped files
// bound to their id and owner; a company's key rotates to a new version while
// older values still open; the file KEK rotates by rewrapping every data key,
// and a rotation cut off half way is finished by running it again; a shred
// leaves no file of the company and its values do not open.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KeyUnavailableError, OwnerShreddedError, Keyring, loadKeks, rotateFileKek } from '../../app/crypto/keyring.ts';

const X = '0193aaaa-0000-7000-8000-0000000000a1';
const Y = '0193aaaa-0000-7000-8000-0000000000a2';

function fileRing() {
  const dir = mkdtempSync(join(tmpdir(), 'kastell-keyring-'));
  const keysDir = join(dir, 'keys');
  const storeDir = join(keysDir, 'data-keys');
  const ring = () => new Keyring({ storeDir, loadKeks: () => loadKeks({ kek: undefined, previousKeks: [], keysDir }) });
  return { keysDir, storeDir, ring };
}

test('a company key rotates to a new version; values of the old one still open', () => {
  const { ring } = fileRing();
  const r = ring();
  const v1 = r.seal(X, 'first', 'aad');
  const rotated = r.rotate(X);
  assert.equal(rotated.version, 2);
  const v2 = r.seal(X, 'second', 'aad');
  assert.notEqual(v1.split(':')[1], v2.split(':')[1]);
  assert.equal(v2.split(':')[1], rotated.keyId);
  const fresh = ring();
  assert.equal(fresh.open(v1, 'aad'), 'first');
  assert.equal(fresh.open(v2, 'aad'), 'second');
  assert.throws(() => fresh.open(v1, 'other'), /unable to authenticate|Unsupported state/);
});

test('a wrapped key moved to another owner\'s file does not unwrap', () => {
  const { ring, storeDir } = fileRing();
  const r = ring();
  r.current(X);
  r.current(Y);
  const xFile = join(storeDir, `${X}.v1.json`);
  const yFile = join(storeDir, `${Y}.v1.json`);
  const y = JSON.parse(readFileSync(yFile, 'utf8'));
  writeFileSync(yFile, JSON.stringify({ ...y, wrapped: JSON.parse(readFileSync(xFile, 'utf8')).wrapped }));
  assert.throws(() => ring().byKeyId(y.keyId), /unable to authenticate|Unsupported state/);
});

test('the file KEK rotates: every data key rewrapped, values open, and a cut-off rotation finishes when run again', () => {
  const { ring, keysDir, storeDir } = fileRing();
  const r = ring();
  const values = [X, Y, 'operator'].map((owner) => ({ owner, sealed: r.seal(owner, `secret of ${owner}`, owner) }));
  const before = readFileSync(join(keysDir, 'kek.key'), 'utf8');
  const done = rotateFileKek(keysDir, storeDir);
  assert.deepEqual([done.from, done.to, done.rewrapped], ['kek1', 'kek2', 3]);
  assert.notEqual(readFileSync(join(keysDir, 'kek.key'), 'utf8'), before);
  assert.ok(!existsSync(join(keysDir, 'kek.next')));
  assert.ok(ring().list().every((k) => k.kekId === 'kek2'));
  for (const v of values) assert.equal(ring().open(v.sealed, v.owner), `secret of ${v.owner}`);

  // a crash after kek.next was written and one file rewrapped: both KEKs unwrap, and running it again finishes
  let n = 0;
  assert.throws(() => rotateFileKek(keysDir, storeDir, () => { if (++n === 1) throw new Error('killed'); }), /killed/);
  assert.ok(existsSync(join(keysDir, 'kek.next')));
  const kekIds = new Set(ring().list().map((k) => k.kekId));
  assert.deepEqual([...kekIds].sort(), ['kek2', 'kek3']);
  for (const v of values) assert.equal(ring().open(v.sealed, v.owner), `secret of ${v.owner}`, 'readable mid-rotation');
  const again = rotateFileKek(keysDir, storeDir);
  assert.equal(again.to, 'kek3');
  assert.ok(ring().list().every((k) => k.kekId === 'kek3'));
  for (const v of values) assert.equal(ring().open(v.sealed, v.owner), `secret of ${v.owner}`);
});

test('a shred destroys every version of the company\'s key and nothing else', () => {
  const { ring, storeDir } = fileRing();
  const r = ring();
  const x1 = r.seal(X, 'x one', 'a');
  r.rotate(X);
  const x2 = r.seal(X, 'x two', 'a');
  const y = r.seal(Y, 'y', 'a');
  // what a KEK rewrap cut off by a crash leaves: a temporary copy of a wrapped key (writeAtomic)
  const leftover = readdirSync(storeDir).find((f) => f.startsWith(`${X}.v1`))!;
  writeFileSync(join(storeDir, `${leftover}.0a1b2c3d.tmp`), readFileSync(join(storeDir, leftover)));
  writeFileSync(join(storeDir, `${Y}.v1.json.0a1b2c3d.tmp`), 'another company\'s');
  assert.equal(r.shred(X).length, 2);
  assert.deepEqual(readdirSync(storeDir).filter((f) => f.startsWith(X)), [`${X}.shredded`], 'no key file nor temporary copy of X left: only its tombstone');
  assert.ok(readdirSync(storeDir).includes(`${Y}.v1.json.0a1b2c3d.tmp`), "Y's untouched");
  assert.throws(() => r.open(x1, 'a'), KeyUnavailableError, 'the shredding process forgets it at once');
  assert.throws(() => ring().open(x2, 'a'), KeyUnavailableError);
  assert.equal(ring().open(y, 'a'), 'y');
  assert.throws(() => r.shred('operator'), /not a company/);
});

test('a shredded company gets no new key: its tombstone refuses one in every process, and holds no key', () => {
  const { ring, storeDir } = fileRing();
  const r = ring();
  const before = r.seal(X, 'x', 'a');
  const ids = r.shred(X);
  const tombstone = readFileSync(join(storeDir, `${X}.shredded`), 'utf8');
  assert.deepEqual(Object.keys(JSON.parse(tombstone)).sort(), ['owner', 'shreddedAt']);
  assert.ok(!tombstone.includes('wrapped') && !tombstone.includes(ids[0]!), 'neither the wrapped key nor its id');
  for (const keyring of [r, ring()]) {
    assert.throws(() => keyring.seal(X, 'written after the shred', 'a'), OwnerShreddedError, 'no fresh v1 for a later write');
    assert.throws(() => keyring.rotate(X), OwnerShreddedError);
    assert.throws(() => keyring.refuseIfShredded(X), OwnerShreddedError);
    assert.throws(() => keyring.open(before, 'a'), KeyUnavailableError);
  }
  assert.equal(ring().list().filter((k) => k.owner === X).length, 0, 'no key file made');
  assert.equal(ring().open(ring().seal(Y, 'y', 'a'), 'a'), 'y', 'other companies unaffected');
  ring().refuseIfShredded(Y);
  assert.deepEqual(ring().shred(X), [], 'shredding again destroys nothing more');
  assert.equal(readFileSync(join(storeDir, `${X}.shredded`), 'utf8'), tombstone, 'and keeps the first time');
});

test('a key made while another process shreds the company is destroyed by its maker: the tombstone is checked again after the write', () => {
  const { keysDir, storeDir } = fileRing();
  let shredMeanwhile = false;
  // create() reads the KEKs again between its first look for a tombstone and its write: the shred lands there
  const racing = new Keyring({ storeDir, loadKeks: () => {
    if (shredMeanwhile) writeFileSync(join(storeDir, `${X}.shredded`), '{}\n');
    return loadKeks({ kek: undefined, previousKeks: [], keysDir });
  } });
  racing.seal(Y, 'y', 'a');
  shredMeanwhile = true;
  assert.throws(() => racing.seal(X, 'x', 'a'), OwnerShreddedError);
  assert.deepEqual(readdirSync(storeDir).filter((f) => f.startsWith(X)), [`${X}.shredded`], 'the key file it wrote is gone again');
});

test('a key file zeroed by a destroy in another process, not yet unlinked, counts as gone', () => {
  const { ring, storeDir } = fileRing();
  const sealed = ring().seal(X, 'x', 'a');
  const file = readdirSync(storeDir).find((f) => f.startsWith(`${X}.v1`))!;
  writeFileSync(join(storeDir, file), Buffer.alloc(readFileSync(join(storeDir, file)).length));
  assert.deepEqual(ring().list(), []);
  assert.throws(() => ring().open(sealed, 'a'), KeyUnavailableError);
});

test('without KASTELL_KEK no KEK file is made where it would open nothing: KASTELL_KEK_FILE=off, or a key store that already holds keys', () => {
  const { keysDir, storeDir, ring } = fileRing();
  ring().seal(X, 'made under the file KEK', 'aad');
  // the appliance: the KEK is only a credential
  const credentialOnly = new Keyring({ storeDir, loadKeks: () => loadKeks({ kek: undefined, previousKeks: [], keysDir, storeDir, kekFile: false }) });
  assert.throws(() => credentialOnly.seal(X, 'x', 'aad'), /KASTELL_KEK_FILE=off.*sudo kastell/);
  // the KEK file gone (e.g. a CLI run elsewhere, or a lost file): no new KEK over keys it cannot open
  const kekFile = join(keysDir, 'kek.key');
  const saved = readFileSync(kekFile);
  rmSync(kekFile);
  const withoutKek = new Keyring({ storeDir, loadKeks: () => loadKeks({ kek: undefined, previousKeks: [], keysDir, storeDir }) });
  assert.throws(() => withoutKek.seal(X, 'x', 'aad'), /holds data keys, but there is no KEK/);
  assert.ok(!existsSync(kekFile), 'no KEK made');
  writeFileSync(kekFile, saved);
  assert.equal(ring().open(ring().seal(X, 'again', 'aad'), 'aad'), 'again', 'the restored KEK file opens them');
  // an empty store on a fresh embedded default: the KEK file is made
  const fresh = fileRing();
  const first = new Keyring({ storeDir: fresh.storeDir, loadKeks: () => loadKeks({ kek: undefined, previousKeks: [], keysDir: fresh.keysDir, storeDir: fresh.storeDir }) });
  assert.equal(first.open(first.seal(Y, 'fresh', 'aad'), 'aad'), 'fresh');
  assert.ok(existsSync(join(fresh.keysDir, 'kek.key')));
});

test("a running process forgets a key another process shredded as soon as its file goes, not only at the next recheck", async () => {
  const { ring } = fileRing();
  const server = ring(); // recheck 30 s: only the store's change can make it forget sooner
  const sealed = server.seal(X, 'x', 'a');
  assert.equal(server.open(sealed, 'a'), 'x', 'cached');
  assert.equal(ring().shred(X).length, 1, 'the CLI, another keyring on the same store');
  // the change arrives as an inotify event: wait for it (bounded), never a timing threshold
  const deadline = Date.now() + 10_000;
  let forgotten = false;
  while (!forgotten && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    try { server.open(sealed, 'a'); } catch (error) { forgotten = error instanceof KeyUnavailableError; }
  }
  assert.ok(forgotten, 'the server no longer opens the shredded value');
});
