// Key status (README "Keys and encryption"): every data key version with
// how many rows and stored objects still use it, and what uses no key the
// key store holds (not encrypted yet, a destroyed key, a missing object).
// The one function behind `kastell keys status` and the owner's rotation
// progress page (app/keys/routes.tsx).
import type { Database } from '../db/client.ts';
import type { DocumentStore } from '../storage/store.ts';
import type { Keyring } from './keyring.ts';
import { objectKeyCounts, rowKeyCounts, totpKeyCounts } from './reencrypt.ts';

export interface KeyVersionStatus {
  keyId: string;
  /** a company id, or 'operator' */
  owner: string;
  version: number;
  /** the owner's newest version: what seals everything new */
  current: boolean;
  kekId: string;
  createdAt: string;
  rows: number;
  objects: number;
}

export interface KeyStatus {
  kekId: string;
  storeDir: string;
  keys: KeyVersionStatus[];
  /** values and objects under no key the store holds: '' not encrypted yet, '(missing)' an object gone from the store, the old installation key, else a destroyed key id */
  others: { id: string; rows: number; objects: number; installationKey: boolean }[];
  /** per owner: rows and objects under its current version, and in all (what re-encryption has left to do is the difference) */
  progress: { owner: string; done: number; total: number }[];
}

/**
 * Counts every encrypted column in the database, the TOTP secrets (counted as rows) and every stored
 * object (documents and report PDFs) by key id. `store`: the adapter as stored (not the decrypting wrapper).
 * `installationKeyIds`: the old installation key's ids, so what it still seals is named as such, not as destroyed.
 */
export async function keyStatus(db: Database, store: DocumentStore, keyring: Keyring, installationKeyIds: string[] = []): Promise<KeyStatus> {
  const list = keyring.list();
  const rows = await rowKeyCounts(db);
  for (const [id, n] of await totpKeyCounts(db)) rows.set(id, (rows.get(id) ?? 0) + n);
  const objects = await objectKeyCounts(db, store);
  const newest = new Map(list.map((k) => [k.owner, k.keyId]));
  const keys = list.map((k) => ({
    keyId: k.keyId, owner: k.owner, version: k.version, current: newest.get(k.owner) === k.keyId, kekId: k.kekId, createdAt: k.createdAt,
    rows: rows.get(k.keyId) ?? 0, objects: objects.get(k.keyId) ?? 0,
  }));
  const known = new Set(list.map((k) => k.keyId));
  const others = [...new Set([...rows.keys(), ...objects.keys()])].filter((id) => !known.has(id)).sort()
    .map((id) => ({ id, rows: rows.get(id) ?? 0, objects: objects.get(id) ?? 0, installationKey: installationKeyIds.includes(id) }));
  const byOwner = new Map<string, { done: number; total: number }>();
  for (const k of keys) {
    const p = byOwner.get(k.owner) ?? { done: 0, total: 0 };
    p.total += k.rows + k.objects;
    if (k.current) p.done += k.rows + k.objects;
    byOwner.set(k.owner, p);
  }
  return {
    kekId: keyring.kekId, storeDir: keyring.storeDir, keys, others,
    progress: [...byOwner].map(([owner, p]) => ({ owner, ...p })),
  };
}

/** The lines `kastell keys status` prints. */
export function keyStatusLines(status: KeyStatus): string[] {
  const lines = [`KEK ${status.kekId}; key store ${status.storeDir}; ${status.keys.length} data key(s)`];
  for (const k of status.keys) {
    lines.push(`${k.keyId}  ${k.owner}  v${k.version}${k.current ? ' (current)' : ''}  wrapped by ${k.kekId}  made ${k.createdAt}  rows ${k.rows}  objects ${k.objects}`);
  }
  for (const o of status.others) {
    const what = o.id === '' ? '(not encrypted yet)' : o.id === '(missing)' ? '(object missing from the store)'
      : o.installationKey ? `${o.id}  (the old installation key: \`kastell keys reencrypt\` moves it)` : `${o.id}  (key destroyed)`;
    lines.push(`${what}  rows ${o.rows}  objects ${o.objects}`);
  }
  return lines;
}
