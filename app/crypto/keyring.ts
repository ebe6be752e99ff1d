// The key hierarchy (README "Keys and encryption"): a key-encryption key
// (KEK) that never enters the database, and data keys — one per customer
// company, one for the operator — each wrapped by the KEK and kept as one
// small file in the key store directory, which is neither in the database
// nor under any data backup. Destroying a company's files destroys its key
// everywhere Kastell keeps it: every copy of its data (database, WAL,
// pgBackRest, restic, the object store) is ciphertext under that key.
//
// A data key file `<owner>.v<version>.json`:
//   { "keyId": "k…", "owner": "<company uuid>" | "operator", "version": 1,
//     "kekId": "kek1", "wrapped": "v2:kek1:iv:tag:ct", "createdAt": "…" }
// `wrapped` is AES-256-GCM under the KEK with additional data binding the
// key id and owner, so a wrapped key moved to another file does not unwrap.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, watch, writeFileSync, writeSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

export const OPERATOR = 'operator';

export interface Kek { kekId: string; key: Buffer }

export interface DataKey {
  keyId: string;
  owner: string;
  version: number;
  kekId: string;
  key: Buffer;
  createdAt: string;
}

export class KeyUnavailableError extends Error {
  constructor(readonly keyId: string, message = `data key "${keyId}" is not in the key store (destroyed, or the key store is not this installation's)`) {
    super(message);
  }
}

/**
 * The owner was crypto-shredded: its tombstone in the key store refuses a
 * new key, so a later write cannot make a fresh v1 and start storing
 * readable data for it again. Answers 410 like a destroyed key.
 */
export class OwnerShreddedError extends KeyUnavailableError {
  constructor(readonly owner: string) {
    super('', `company ${owner} was crypto-shredded: no new data key is made for it`);
  }
}

export interface KeyringOptions {
  /** where the data key files live (outside the database and every data backup) */
  storeDir: string;
  /** the current KEK and any older ones still able to unwrap (KEK rotation); read on first use, and again when a file names a KEK not loaded */
  loadKeks: () => { kek: Kek; previous: Kek[] };
  /** how long a loaded key is trusted before the file is looked at again (another process may have shredded it) */
  recheckMs?: number;
}

const ownerPattern = /^(operator|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const fileName = (owner: string, version: number) => `${owner}.v${version}.json`;
/** A data key file's name (fileName's form). */
const keyFile = /^(.+)\.v(\d+)\.json$/;

const gcmOptions = { authTagLength: 16 } as const;

function gcmSeal(key: Buffer, keyId: string, plain: Buffer, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv, gcmOptions);
  cipher.setAAD(Buffer.from(aad));
  const ct = cipher.update(plain);
  const last = cipher.final(); // empty for GCM
  const body = last.length > 0 ? Buffer.concat([ct, last]) : ct;
  return `v2:${keyId}:${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${body.toString('base64url')}`;
}

function gcmOpen(key: Buffer, parts: string[], aad: string): Buffer {
  const [, , iv, tag, ct] = parts;
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv!, 'base64url'), gcmOptions);
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(tag!, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct!, 'base64url')), decipher.final()]);
}

/** `v2:keyId:iv:tag:ct` split, or undefined when the value is not one. */
export function parseSealed(sealed: string): string[] | undefined {
  const parts = sealed.split(':');
  if (parts.length !== 5 || parts[0] !== 'v2' || !parts[1] || !parts[2] || !parts[3]) return undefined;
  return parts;
}

// The hot path of every list (a presenter opens each sealed value of each
// row): the iv and tag are decoded into two buffers made once, ciphertext and
// additional data into one reused scratch buffer, so opening a value
// allocates little besides the cipher and its output (no Buffer per part, no
// split array, no concat). Synchronous, so one set per process is enough;
// the scratch buffer grows for a large value.
const ivBuffer = Buffer.alloc(12);
const tagBuffer = Buffer.alloc(16);
let scratch = Buffer.allocUnsafe(16 * 1024);
const ivChars = 16; // 12 bytes, base64url
const tagChars = 22; // 16 bytes, base64url

/** The colon positions of `v2:keyId:iv:tag:ct`, or undefined when the value is not one (same rules as parseSealed). */
function sealedLayout(sealed: string): { keyId: string; iv: number; tag: number; ct: number } | undefined {
  if (!sealed.startsWith('v2:')) return undefined;
  const a = sealed.indexOf(':', 3);
  const b = a < 0 ? -1 : sealed.indexOf(':', a + 1);
  const c = b < 0 ? -1 : sealed.indexOf(':', b + 1);
  if (c < 0 || a === 3 || b === a + 1 || c === b + 1 || sealed.indexOf(':', c + 1) >= 0) return undefined;
  return { keyId: sealed.slice(3, a), iv: a + 1, tag: b + 1, ct: c + 1 };
}

function gcmOpenSealed(key: Buffer, sealed: string, at: { iv: number; tag: number; ct: number }, aad: string): string {
  // a value this code sealed has a 12-byte iv and a 16-byte tag; anything else is refused (a short tag would weaken the check)
  if (at.tag - at.iv - 1 !== ivChars || at.ct - at.tag - 1 !== tagChars
    || ivBuffer.write(sealed.slice(at.iv, at.tag - 1), 'base64url') !== 12 || tagBuffer.write(sealed.slice(at.tag, at.ct - 1), 'base64url') !== 16) {
    throw new Error('sealed value: iv or tag of the wrong length');
  }
  const need = Math.ceil(((sealed.length - at.ct) * 3) / 4) + aad.length * 3;
  if (scratch.length < need) scratch = Buffer.allocUnsafe(need);
  const ctLength = scratch.write(sealed.slice(at.ct), 0, 'base64url');
  const aadLength = scratch.write(aad, ctLength, 'utf8');
  const decipher = createDecipheriv('aes-256-gcm', key, ivBuffer, gcmOptions);
  decipher.setAAD(scratch.subarray(ctLength, ctLength + aadLength));
  decipher.setAuthTag(tagBuffer);
  const plain = decipher.update(scratch.subarray(0, ctLength));
  decipher.final(); // throws unless the tag checks; GCM releases nothing here
  return plain.toString('utf8');
}

const wrapAad = (keyId: string, owner: string, version: number) => `kastell:data-key:${keyId}:${owner}:v${version}`;

/** Writes a file so that it is either the old or the new content after a crash. */
function writeAtomic(path: string, content: string): void {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
}

/** A key file's bytes overwritten with zeros and synced, then the file unlinked. */
function overwriteAndUnlink(path: string): void {
  try {
    const size = statSync(path).size;
    const fd = openSync(path, 'r+');
    try { writeSync(fd, Buffer.alloc(size), 0, size, 0); fsyncSync(fd); } finally { closeSync(fd); }
    unlinkSync(path);
  } catch (err) {
    // another process destroyed it first (a shred and a creator racing over one key file)
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

export class Keyring {
  readonly storeDir: string;
  private keks = new Map<string, Buffer>();
  private loadedKek: Kek | undefined;
  private byId = new Map<string, { key: DataKey; file: string; checkedAt: number }>();
  private recheckMs: number;
  private loadKeks: KeyringOptions['loadKeks'];

  constructor(options: KeyringOptions) {
    this.storeDir = options.storeDir;
    this.loadKeks = options.loadKeks;
    this.recheckMs = options.recheckMs ?? 30_000;
  }

  private reload(): Kek {
    const fresh = this.loadKeks();
    for (const k of [fresh.kek, ...fresh.previous]) {
      if (k.key.length !== 32) throw new Error(`The key-encryption key "${k.kekId}" must be 32 bytes.`);
      this.keks.set(k.kekId, k.key);
    }
    return (this.loadedKek = fresh.kek);
  }

  private get currentKek(): Kek { return this.loadedKek ?? this.reload(); }

  get kekId(): string { return this.currentKek.kekId; }

  private readFile(file: string): DataKey {
    const raw = JSON.parse(readFileSync(join(this.storeDir, file), 'utf8')) as Omit<DataKey, 'key'> & { wrapped: string };
    const parts = parseSealed(raw.wrapped);
    if (parts && !this.keks.has(parts[1]!)) this.reload();
    const kek = parts && this.keks.get(parts[1]!);
    if (!parts || !kek) throw new Error(`data key ${raw.keyId} is wrapped by KEK "${parts?.[1]}", which is not loaded`);
    const key = gcmOpen(kek, parts, wrapAad(raw.keyId, raw.owner, raw.version));
    return { keyId: raw.keyId, owner: raw.owner, version: raw.version, kekId: parts[1]!, key, createdAt: raw.createdAt };
  }

  /** Every data key file, without unwrapping. */
  list(): { keyId: string; owner: string; version: number; kekId: string; file: string; createdAt: string }[] {
    const out = [];
    if (!existsSync(this.storeDir)) return [];
    for (const file of readdirSync(this.storeDir)) {
      const m = keyFile.exec(file);
      if (!m) continue;
      let text: string;
      try {
        text = readFileSync(join(this.storeDir, file), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // destroyed by another process meanwhile
        throw err;
      }
      if (/^\0*$/.test(text)) continue; // zeroed by a destroy in another process, not yet unlinked: no key any more
      const raw = JSON.parse(text) as { keyId: string; owner: string; version: number; wrapped: string; createdAt: string };
      out.push({ keyId: raw.keyId, owner: raw.owner, version: raw.version, kekId: raw.wrapped.split(':')[1]!, file, createdAt: raw.createdAt });
    }
    return out.sort((a, b) => a.owner.localeCompare(b.owner) || a.version - b.version);
  }

  /** Unwrapped keys kept in memory: at most this many (the oldest loaded goes first; it is unwrapped again when next asked for). */
  static readonly cachedKeys = 10_000;

  /**
   * Another process (the CLI's shred or rotation) changing the key store
   * empties this one's caches at once (inotify), so a running server stops
   * opening a shredded company's values when its key file goes, not only at
   * the next recheck; the recheck stays for where watching is not possible.
   */
  private watcher: FSWatcher | undefined;
  private watchStore(): void {
    if (this.watcher || !existsSync(this.storeDir)) return;
    try {
      this.watcher = watch(this.storeDir, { persistent: false }, () => { this.byId.clear(); this.currentCache.clear(); });
      this.watcher.on('error', () => { this.watcher?.close(); this.watcher = undefined; });
    } catch {
      this.watcher = undefined; // no inotify here: the recheck alone
    }
  }

  private remember(key: DataKey, file: string): DataKey {
    this.watchStore();
    this.byId.delete(key.keyId);
    this.byId.set(key.keyId, { key, file, checkedAt: Date.now() });
    if (this.byId.size > Keyring.cachedKeys) this.byId.delete(this.byId.keys().next().value!);
    return key;
  }

  /** The data key with this id; throws KeyUnavailableError when no file holds it (shredded). */
  byKeyId(keyId: string): DataKey {
    const hit = this.byId.get(keyId);
    if (hit) {
      if (Date.now() - hit.checkedAt < this.recheckMs) return hit.key;
      if (existsSync(join(this.storeDir, hit.file))) { hit.checkedAt = Date.now(); return hit.key; }
      this.byId.delete(keyId);
      throw new KeyUnavailableError(keyId);
    }
    const found = this.list().find((k) => k.keyId === keyId);
    if (!found) throw new KeyUnavailableError(keyId);
    return this.remember(this.readFile(found.file), found.file);
  }

  /** The owner's newest key, made (version 1) when it has none; race-free across processes (exclusive create). */
  current(owner: string): DataKey {
    if (!ownerPattern.test(owner)) throw new Error(`not a key owner: ${owner}`);
    const mine = this.list().filter((k) => k.owner === owner);
    const newest = mine.at(-1);
    if (newest) {
      const hit = this.byId.get(newest.keyId);
      return hit && Date.now() - hit.checkedAt < this.recheckMs ? hit.key : this.byKeyId(newest.keyId);
    }
    return this.create(owner, 1);
  }

  /** A cached answer for current(): the hot path of every seal. */
  private currentCache = new Map<string, { key: DataKey; at: number }>();
  active(owner: string): DataKey {
    const hit = this.currentCache.get(owner);
    if (hit && Date.now() - hit.at < this.recheckMs) return hit.key;
    const key = this.current(owner);
    this.currentCache.set(owner, { key, at: Date.now() });
    return key;
  }

  /** `<owner>.shredded`: written by shred() before any key file goes, and kept (it holds no key). */
  private tombstone(owner: string): string { return join(this.storeDir, `${owner}.shredded`); }

  isShredded(owner: string): boolean { return existsSync(this.tombstone(owner)); }

  /** Throws OwnerShreddedError (410) for a shredded owner: before work that would write its data, e.g. an upload's body. */
  refuseIfShredded(owner: string): void {
    if (this.isShredded(owner)) throw new OwnerShreddedError(owner);
  }

  private create(owner: string, version: number): DataKey {
    this.refuseIfShredded(owner);
    const keyId = `k${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`;
    const key = randomBytes(32);
    const createdAt = new Date().toISOString();
    const file = fileName(owner, version);
    mkdirSync(this.storeDir, { recursive: true, mode: 0o700 });
    this.reload(); // a KEK rotation another process started: wrap under the next KEK already
    const body = JSON.stringify({ keyId, owner, version, wrapped: gcmSeal(this.currentKek.key, this.currentKek.kekId, key, wrapAad(keyId, owner, version)), createdAt }) + '\n';
    try {
      writeFileSync(join(this.storeDir, file), body, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return this.readFile(file); // another process made it first
    }
    fsyncDir(this.storeDir);
    // a shred that ran meanwhile: it wrote its tombstone before listing keys, so either it saw this file or this sees the tombstone
    if (this.isShredded(owner)) {
      if (existsSync(join(this.storeDir, file))) overwriteAndUnlink(join(this.storeDir, file));
      fsyncDir(this.storeDir);
      throw new OwnerShreddedError(owner);
    }
    this.currentCache.delete(owner);
    return this.remember({ keyId, owner, version, kekId: this.currentKek.kekId, key, createdAt }, file);
  }

  /** A new version of the owner's key; older versions stay until re-encryption retires them. */
  rotate(owner: string): DataKey {
    const newest = this.list().filter((k) => k.owner === owner).at(-1);
    const key = this.create(owner, (newest?.version ?? 0) + 1);
    this.currentCache.delete(owner);
    return key;
  }

  /** Rewraps every data key file under the current KEK (atomic per file; run again after a crash). */
  rewrapAll(onProgress?: (done: number, total: number) => void): number {
    const files = this.list();
    let done = 0;
    for (const f of files) {
      if (f.kekId !== this.currentKek.kekId) {
        const k = this.readFile(f.file);
        writeAtomic(join(this.storeDir, f.file), JSON.stringify({
          keyId: k.keyId, owner: k.owner, version: k.version,
          wrapped: gcmSeal(this.currentKek.key, this.currentKek.kekId, k.key, wrapAad(k.keyId, k.owner, k.version)), createdAt: k.createdAt,
        }) + '\n');
      }
      onProgress?.(++done, files.length);
    }
    // again until a pass finds nothing to rewrap: another process may have made a key meanwhile
    const left = this.list().filter((f) => f.kekId !== this.currentKek.kekId);
    if (left.length > 0) return files.length + this.rewrapAll();
    if (existsSync(this.storeDir)) fsyncDir(this.storeDir);
    return files.length;
  }

  /** Destroys one key file: overwritten, synced, unlinked, directory synced. */
  destroy(keyId: string): void {
    const found = this.list().find((k) => k.keyId === keyId);
    if (!found) return;
    overwriteAndUnlink(join(this.storeDir, found.file));
    fsyncDir(this.storeDir);
    this.byId.delete(keyId);
    this.currentCache.delete(found.owner);
  }

  /**
   * Destroys every version of one owner's key (crypto-shredding), and any
   * temporary copy a KEK rewrap cut off by a crash left (`<file>.<hex>.tmp`,
   * writeAtomic): wrapped, but under a KEK that survives. The tombstone goes
   * first, so no key is made for the owner from then on. Returns the key ids destroyed.
   */
  shred(owner: string): string[] {
    if (owner === OPERATOR || !ownerPattern.test(owner)) throw new Error(`not a company: ${owner}`);
    mkdirSync(this.storeDir, { recursive: true, mode: 0o700 });
    try {
      writeFileSync(this.tombstone(owner), JSON.stringify({ owner, shreddedAt: new Date().toISOString() }) + '\n', { mode: 0o600, flag: 'wx' });
      fsyncDir(this.storeDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // shredded before: the first time stays
    }
    const ids = this.list().filter((k) => k.owner === owner).map((k) => k.keyId);
    for (const id of ids) this.destroy(id);
    if (existsSync(this.storeDir)) {
      for (const name of readdirSync(this.storeDir)) {
        if (name.startsWith(`${owner}.v`) && name.endsWith('.tmp')) overwriteAndUnlink(join(this.storeDir, name));
      }
      fsyncDir(this.storeDir);
    }
    return ids;
  }

  /** AES-256-GCM `v2:keyId:iv:tag:ct` under the owner's current key, `aad` bound. */
  seal(owner: string, plain: string, aad: string): string {
    const key = this.active(owner);
    return gcmSeal(key.key, key.keyId, Buffer.from(plain, 'utf8'), aad);
  }

  open(sealed: string, aad: string): string {
    const at = sealedLayout(sealed);
    if (!at) throw new Error('not a v2 sealed value');
    return gcmOpenSealed(this.byKeyId(at.keyId).key, sealed, at, aad);
  }
}

/**
 * The KEK: `config.kek` (KASTELL_KEK, a systemd credential on the appliance),
 * else the file `keysDir/kek.key`, made on first use — unless `kekFile` is
 * false (KASTELL_KEK_FILE=off: the appliance, whose KEK is only ever a
 * credential) or the key store already holds data keys. A KEK made then
 * would open none of them, and keys made under it none the server could
 * read: a CLI run without the credential stops here instead.
 */
export function loadKeks(config: { kek: Kek | undefined; previousKeks: Kek[]; keysDir: string; storeDir?: string; kekFile?: boolean }): { kek: Kek; previous: Kek[] } {
  if (config.kek) return { kek: config.kek, previous: config.previousKeks };
  const file = join(config.keysDir, 'kek.key');
  const next = join(config.keysDir, 'kek.next');
  if (config.kekFile === false) {
    throw new Error('KASTELL_KEK is not set, and this installation keeps its KEK only as a credential (KASTELL_KEK_FILE=off). '
      + 'On the appliance run the CLI as `sudo kastell …`, which loads the credential.');
  }
  if (!existsSync(file) && config.storeDir && existsSync(config.storeDir) && readdirSync(config.storeDir).some((name) => keyFile.test(name))) {
    throw new Error(`The key store ${config.storeDir} holds data keys, but there is no KEK: KASTELL_KEK is not set and ${file} does not exist. `
      + 'A new KEK would open none of them. Set KASTELL_KEK (on the appliance: `sudo kastell …`), or restore kek.key from its backup.');
  }
  if (!existsSync(file)) {
    mkdirSync(config.keysDir, { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, `kek1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const read = (path: string): Kek => {
    const [kekId, b64] = readFileSync(path, 'utf8').trim().split(':');
    return { kekId: kekId!, key: Buffer.from(b64!, 'base64') };
  };
  const current = read(file);
  // a KEK rotation in progress (kastell keys rotate --kek): the next KEK wraps, the current one still unwraps
  if (existsSync(next)) return { kek: read(next), previous: [current, ...config.previousKeks] };
  return { kek: current, previous: config.previousKeks };
}

/** KEK rotation for the file KEK: write kek.next, rewrap every data key, then make kek.next the KEK. Resumable. */
export function rotateFileKek(keysDir: string, storeDir: string, onProgress?: (done: number, total: number) => void): { from: string; to: string; rewrapped: number } {
  const file = join(keysDir, 'kek.key');
  const next = join(keysDir, 'kek.next');
  const [fromId] = readFileSync(file, 'utf8').trim().split(':');
  if (!existsSync(next)) {
    const n = Number(/(\d+)$/.exec(fromId!)?.[1] ?? '1') + 1;
    writeFileSync(next, `kek${n}:${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    fsyncDir(keysDir);
  }
  const keks = loadKeks({ kek: undefined, previousKeks: [], keysDir });
  const ring = new Keyring({ storeDir, loadKeks: () => keks });
  const rewrapped = ring.rewrapAll(onProgress);
  renameSync(next, file);
  fsyncDir(keysDir);
  return { from: fromId!, to: keks.kek.kekId, rewrapped };
}

/** The installation's keyring from configuration; touches nothing on disk until first used. */
export function keyringFromConfig(config: { keys: { kek: Kek | undefined; previousKeks: Kek[]; keysDir: string; storeDir: string; kekFile?: boolean } }): Keyring {
  return new Keyring({ storeDir: config.keys.storeDir, loadKeks: () => loadKeks(config.keys) });
}
