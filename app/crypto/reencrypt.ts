// Re-encryption (README "Keys and encryption"): every encrypted column
// (fields.ts encryptedColumns) and every stored object (document versions,
// report PDFs frozen and sealed) re-sealed
// under its owner's current key version, in batches. A row batch is one
// transaction with its audit event; each value is swapped only while it is
// still the one read (sql/0022 app.reseal_fields), so a write made meanwhile
// wins. Nothing records progress: a run selects what is still under another
// key, so a run cut off (crash, kill) is resumed by running it again.
//
// Values whose key was destroyed (crypto-shredding) cannot be opened: they
// are left as they are and counted apart by keyCounts().
//
// TOTP secrets (sql/0027) are the operator's: each factor's confirmed and
// pending secret not under the operator's current key — an older version,
// or the installation key they were sealed under before keys per company —
// is opened with the box that still knows that key and sealed anew.
import { createHash } from 'node:crypto';
import { scheduleOneAtATime } from '../schedule.ts';
import type { Database, Tx } from '../db/client.ts';
import type { DocumentStore } from '../storage/store.ts';
import { decryptObject, encryptObject } from './encrypting-store.ts';
import { encryptedColumns, fieldAad, totpAad } from './fields.ts';
import { KeyUnavailableError, OPERATOR, type Keyring } from './keyring.ts';
import type { SecretBox } from './secret-box.ts';

export interface ReencryptEvent {
  action: 'keys.rows_resealed' | 'keys.objects_resealed';
  entityType: 'data_key';
  entityId: string;
  detail: Record<string, string | number>;
}

export interface ReencryptDeps {
  db: Database;
  keyring: Keyring;
  /** opens TOTP secrets, those under the old installation key too (createKeyringBox) */
  box: Pick<SecretBox, 'open'>;
  /** the store adapter under the encrypting wrapper (objects are read and written as stored) */
  store: DocumentStore;
  /** records one audit event in the batch's transaction */
  audit: (tx: Tx, event: ReencryptEvent) => Promise<void>;
}

export interface ReencryptProgress {
  onTotal?: (total: number) => void;
  onBatch?: (done: number, batch: { what: string; count: number }) => void;
  batchSize?: number;
}

/** Each owner's newest key id, and every key id the key store still holds. */
function keySets(keyring: Keyring): { current: Set<string>; known: Set<string> } {
  const list = keyring.list();
  const newest = new Map<string, string>();
  for (const k of list) newest.set(k.owner, k.keyId); // list() is sorted by owner, then version
  return { current: new Set(newest.values()), known: new Set(list.map((k) => k.keyId)) };
}

/** TOTP secrets (confirmed and pending) per key id. */
export async function totpKeyCounts(db: Database): Promise<Map<string, number>> {
  const rows = await db.withPrincipal(null, (tx) => tx<{ key_id: string; n: string }[]>`select key_id, n from app.totp_key_counts()`);
  return new Map(rows.map((r) => [r.key_id, Number(r.n)]));
}

/** Rows per key id ('' = not sealed yet), over every encrypted column. */
export async function rowKeyCounts(db: Database): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  await db.withPrincipal(null, async (tx) => {
    for (const c of encryptedColumns) {
      const rows = await tx<{ key_id: string; n: string }[]>`select key_id, n from app.encrypted_key_counts(${c.table}, ${c.column})`;
      for (const r of rows) counts.set(r.key_id, (counts.get(r.key_id) ?? 0) + Number(r.n));
    }
  });
  return counts;
}

const magic = 'kastell-object v1 ';

/** The key id on a stored object's first line; '' for an object stored before encryption. */
async function objectKeyId(store: DocumentStore, key: string): Promise<string> {
  const stream = await store.get(key);
  try {
    let head = Buffer.alloc(0);
    for await (const chunk of stream) {
      head = Buffer.concat([head, chunk as Buffer]);
      if (head.length >= magic.length + 64 || head.includes(0x0a)) break;
    }
    const text = head.subarray(0, magic.length + 64).toString('latin1');
    const m = /^kastell-object v1 (\S+)\n/.exec(text);
    return m ? m[1]! : '';
  } finally {
    stream.destroy();
  }
}

/** One stored object the worker looks after: a document version's, or a report PDF (frozen or sealed). */
export interface StoredObject {
  objectKey: string;
  /** the company whose key seals it, or the operator */
  owner: string;
  kind: 'document' | 'report';
  /** report PDFs: the SHA-256 of the plain PDF the report row names (checked before the object is replaced) */
  sha256?: Buffer;
}

/** Stored objects (documents and report PDFs) per key id ('' = stored before encryption), read from each object's first line. */
export async function objectKeyCounts(db: Database, store: DocumentStore): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for await (const o of storedObjects(db, 500)) {
    const id = await objectKeyId(store, o.objectKey).catch(() => '(missing)');
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Every stored object: document versions, then report PDFs, each in id order, a page at a time. */
export async function* storedObjects(db: Database, batch: number): AsyncGenerator<StoredObject> {
  let after: string | null = null;
  for (;;) {
    const page: { version_id: string; owner_company_id: string | null; object_key: string }[] = await db.withPrincipal(null, (tx) =>
      tx<{ version_id: string; owner_company_id: string | null; object_key: string }[]>`
        select version_id, owner_company_id, object_key from app.reseal_objects(${after}, ${batch})`);
    if (page.length === 0) break;
    for (const v of page) yield { objectKey: v.object_key, owner: v.owner_company_id ?? OPERATOR, kind: 'document' };
    after = page.at(-1)!.version_id;
  }
  after = null;
  for (;;) {
    type ReportObjects = { report_id: string; company_id: string; pdf_object_key: string; pdf_sha256: Buffer; sealed_object_key: string | null; sealed_sha256: Buffer | null };
    const page: ReportObjects[] = await db.withPrincipal(null, (tx) =>
      tx<ReportObjects[]>`select report_id, company_id, pdf_object_key, pdf_sha256, sealed_object_key, sealed_sha256 from app.reseal_report_objects(${after}, ${batch})`);
    if (page.length === 0) return;
    for (const r of page) {
      yield { objectKey: r.pdf_object_key, owner: r.company_id, kind: 'report', sha256: r.pdf_sha256 };
      if (r.sealed_object_key && r.sealed_sha256) yield { objectKey: r.sealed_object_key, owner: r.company_id, kind: 'report', sha256: r.sealed_sha256 };
    }
    after = page.at(-1)!.report_id;
  }
}

/** The SHA-256 of an object's plain bytes (read and decrypted whole; report PDFs are small). */
async function plainSha256(keyring: Keyring, store: DocumentStore, key: string): Promise<Buffer> {
  const hash = createHash('sha256');
  for await (const chunk of await decryptObject(keyring, key, await store.get(key))) hash.update(chunk as Buffer);
  return hash.digest();
}

/** Re-seals one object under its owner's current key: a report PDF only when its plain bytes are the ones its report names. */
async function resealObject(keyring: Keyring, store: DocumentStore, o: StoredObject): Promise<void> {
  if (o.kind === 'document') {
    const plain = await decryptObject(keyring, o.objectKey, await store.get(o.objectKey));
    // written aside and renamed (local disk) or put whole (S3): a reader sees the old object or the new one
    await store.put(o.objectKey, encryptObject(keyring, o.owner, o.objectKey, plain));
    return;
  }
  // a kept report PDF: checked first (the whole plain PDF against the report row's SHA-256), then replaced whole.
  // Only replace() writes a kept object, and only after this check, so the bytes it reads again are the ones checked.
  if (!(await plainSha256(keyring, store, o.objectKey)).equals(o.sha256!)) {
    throw new Error(`${o.objectKey}: the plain PDF's SHA-256 is not the one the report names; the stored object was left as it was`);
  }
  const plain = await decryptObject(keyring, o.objectKey, await store.get(o.objectKey));
  await store.replace(o.objectKey, encryptObject(keyring, o.owner, o.objectKey, plain));
}

/** This process's re-encryption: running now (since when), and how its last run ended (the owner's progress page shows it). */
export const reencryptionWorker: {
  running: boolean;
  startedAt: string | null;
  lastRun: { startedAt: string; finishedAt: string; rows: number; objects: number; error: string | null } | null;
} = { running: false, startedAt: null, lastRun: null };

/** Re-seals everything under an old key version (or not sealed yet); returns what it did. */
export async function reencrypt(deps: ReencryptDeps, progress: ReencryptProgress = {}): Promise<{ rows: number; objects: number; batches: number }> {
  const startedAt = new Date().toISOString();
  Object.assign(reencryptionWorker, { running: true, startedAt });
  let done: { rows: number; objects: number; batches: number } | undefined;
  try {
    return (done = await reencryptRun(deps, progress));
  } catch (error) {
    reencryptionWorker.lastRun = { startedAt, finishedAt: new Date().toISOString(), rows: 0, objects: 0, error: (error as Error).message };
    throw error;
  } finally {
    if (done) reencryptionWorker.lastRun = { startedAt, finishedAt: new Date().toISOString(), rows: done.rows, objects: done.objects, error: null };
    Object.assign(reencryptionWorker, { running: false, startedAt: null });
  }
}

async function reencryptRun(deps: ReencryptDeps, progress: ReencryptProgress): Promise<{ rows: number; objects: number; batches: number }> {
  const batchSize = progress.batchSize ?? 200;
  const { db, keyring } = deps;
  let { current, known } = keySets(keyring);
  const stale = (id: string) => id === '' || (known.has(id) && !current.has(id));

  // the total shown by the progress bar: rows now under an old version, and every object (headers are read as the run goes)
  const counts = await rowKeyCounts(db);
  let total = 0;
  for (const [id, n] of counts) if (stale(id)) total += n;
  const operatorNow = keyring.active(OPERATOR).keyId;
  for (const [id, n] of await totpKeyCounts(db)) if (id !== operatorNow) total += n;
  const objects: StoredObject[] = [];
  for await (const o of storedObjects(db, 1000)) objects.push(o);
  progress.onTotal?.(total + objects.length);

  let done = 0;
  let rows = 0;
  let batches = 0;
  // the key store is read again at most every 5 s (every file is read: with many companies, not once per batch)
  let keysReadAt = performance.now();
  const refreshKeys = () => {
    if (performance.now() - keysReadAt < 5000) return;
    ({ current, known } = keySets(keyring)); // a rotation made meanwhile counts from then on
    keysReadAt = performance.now();
  };
  for (const c of encryptedColumns) {
    // each batch starts after the last row of the one before (a value that changed behind it meanwhile is the next run's)
    let after: string | null = null;
    for (;;) {
      refreshKeys();
      const resealed: number = await db.withPrincipal(null, async (tx) => {
        const all = await tx<{ row_id: string; company_id: string; value: string }[]>`
          select row_id, company_id, value from app.reseal_candidates(${c.table}, ${c.column}, ${[...current]}, ${[...known]}, ${batchSize}, ${after}::uuid)`;
        if (all.length === 0) return -1;
        after = all.at(-1)!.row_id;
        // a shredded company gets no new key (its tombstone): its values not sealed yet are left, not the whole run stopped
        const shredded = new Map<string, boolean>();
        const page = all.filter((r) => {
          if (!shredded.has(r.company_id)) shredded.set(r.company_id, keyring.isShredded(r.company_id));
          return !shredded.get(r.company_id);
        });
        if (page.length === 0) return 0;
        const sealed = page.map((r) => {
          const aad = fieldAad(c.table, c.column, r.row_id);
          let plain: string;
          try {
            plain = r.value.startsWith('v2:') ? keyring.open(r.value, aad) : r.value;
          } catch (error) {
            throw new Error(`${c.table}.${c.column} of row ${r.row_id} does not open (${(error as Error).message}): nothing of this batch was written`);
          }
          return keyring.seal(r.company_id, plain, aad);
        });
        // one statement per batch: each value swapped only while it is still the one read
        const [result] = await tx<{ swapped: number }[]>`
          select app.reseal_fields(${c.table}, ${c.column}, ${page.map((r) => r.row_id)}::uuid[], ${page.map((r) => r.value)}::text[], ${sealed}::text[]) as swapped`;
        const swapped = result!.swapped;
        await deps.audit(tx, {
          action: 'keys.rows_resealed', entityType: 'data_key', entityId: `${c.table}.${c.column}`,
          detail: { table: c.table, column: c.column, rows: swapped, changed_meanwhile: page.length - swapped, first: page[0]!.row_id, last: page.at(-1)!.row_id },
        });
        return page.length;
      });
      if (resealed < 0) break;
      batches++;
      rows += resealed;
      done += resealed;
      progress.onBatch?.(done, { what: `${c.table}.${c.column}`, count: resealed });
    }
  }

  let objectsResealed = 0;
  for (let i = 0; i < objects.length; i += batchSize) {
    const page = objects.slice(i, i + batchSize);
    const resealedKeys: string[] = [];
    refreshKeys();
    for (const o of page) {
      const keyId = await objectKeyId(deps.store, o.objectKey).catch(() => undefined);
      if (keyId === undefined || !stale(keyId)) continue; // gone meanwhile, or under a current (or destroyed) key
      if (keyring.isShredded(o.owner)) continue; // not encrypted yet, and its company shredded: no key to seal it under
      await resealObject(keyring, deps.store, o);
      resealedKeys.push(o.objectKey);
    }
    if (resealedKeys.length > 0) {
      await db.withPrincipal(null, (tx) => deps.audit(tx, {
        action: 'keys.objects_resealed', entityType: 'data_key', entityId: 'objects',
        detail: { objects: resealedKeys.length, report_pdfs: page.filter((o) => o.kind === 'report' && resealedKeys.includes(o.objectKey)).length, first: resealedKeys[0]!, last: resealedKeys.at(-1)! },
      }));
      batches++;
      objectsResealed += resealedKeys.length;
    }
    done += page.length;
    progress.onBatch?.(done, { what: 'objects', count: resealedKeys.length });
  }
  // TOTP secrets last (a secret that does not open stops the run: the columns and objects are done by then):
  // every factor with a secret not under the operator's current key (sql/0027)
  let afterUser: string | null = null;
  for (;;) {
    refreshKeys();
    const operatorKey = keyring.active(OPERATOR).keyId;
    const resealed: number = await db.withPrincipal(null, async (tx) => {
      const page = await tx<{ user_id: string; secret_enc: string | null; pending_secret_enc: string | null }[]>`
        select user_id, secret_enc, pending_secret_enc from app.totp_reseal_candidates(${operatorKey}, ${afterUser}::uuid, ${batchSize})`;
      if (page.length === 0) return -1;
      afterUser = page.at(-1)!.user_id;
      const again = (value: string | null, userId: string): string | null => {
        if (value === null) return null;
        if (value.split(':')[1] === operatorKey) return value;
        try {
          return keyring.seal(OPERATOR, deps.box.open(value, totpAad(userId)), totpAad(userId));
        } catch (error) {
          throw new Error(`the TOTP secret of user ${userId} does not open (${(error as Error).message}): nothing of this batch was written`);
        }
      };
      const secrets = page.map((r) => again(r.secret_enc, r.user_id));
      const pending = page.map((r) => again(r.pending_secret_enc, r.user_id));
      const [result] = await tx<{ swapped: number }[]>`
        select app.reseal_totp(${page.map((r) => r.user_id)}::uuid[], ${page.map((r) => r.secret_enc)}::text[], ${secrets}::text[],
          ${page.map((r) => r.pending_secret_enc)}::text[], ${pending}::text[]) as swapped`;
      await deps.audit(tx, {
        action: 'keys.rows_resealed', entityType: 'data_key', entityId: 'totp_factors',
        detail: { table: 'totp_factors', column: 'secret_enc, pending_secret_enc', rows: result!.swapped, changed_meanwhile: page.length - result!.swapped, first: page[0]!.user_id, last: page.at(-1)!.user_id },
      });
      return page.length;
    });
    if (resealed < 0) break;
    batches++;
    rows += resealed;
    done += resealed;
    progress.onBatch?.(done, { what: 'totp_factors', count: resealed });
  }
  return { rows, objects: objectsResealed, batches };
}

/**
 * The hourly run inside the server (KASTELL_JOBS=on), at minute 20: after a
 * rotation it re-seals what the rotation left under the old version, and
 * what a running process still sealed under it in the 30 s its key cache
 * trusts the old version. A run still going when the next is due is not
 * started twice.
 */
export function scheduleReencrypt(deps: ReencryptDeps & { log: { error(obj: object, msg: string): void; info(obj: object, msg: string): void } }): { stop(): Promise<void> } {
  return scheduleOneAtATime('20 * * * *',
    () => reencrypt(deps).then((r) => { if (r.rows + r.objects > 0) deps.log.info(r, 're-encryption run'); }),
    (error) => deps.log.error({ err: error }, 're-encryption failed to run'));
}

/**
 * Opens a sample of sealed values of every encrypted column (up to `perColumn`
 * each, spread over the rows): `kastell keys check-fields`, which the restore
 * drill runs against its scratch copy of the database. A value whose key was
 * destroyed (a shredded company) counts apart; any other failure (a value
 * that does not authenticate, a key store that is not this installation's)
 * is listed.
 */
export async function checkFields(db: Database, keyring: Keyring, perColumn: number): Promise<{ opened: number; shredded: number; sampled: number; failed: string[] }> {
  const out = { opened: 0, shredded: 0, sampled: 0, failed: [] as string[] };
  await db.withPrincipal(null, async (tx) => {
    for (const c of encryptedColumns) {
      const rows = await tx<{ row_id: string; value: string }[]>`select row_id, value from app.encrypted_sample(${c.table}, ${c.column}, ${perColumn})`;
      for (const r of rows) {
        out.sampled++;
        try {
          keyring.open(r.value, fieldAad(c.table, c.column, r.row_id));
          out.opened++;
        } catch (error) {
          if (error instanceof KeyUnavailableError) out.shredded++;
          else out.failed.push(`${c.table}.${c.column} of row ${r.row_id}: ${(error as Error).message}`);
        }
      }
    }
  });
  return out;
}

