// Crypto-shredding of one company (README "Keys and encryption"): the one
// code path of `kastell company shred` and the owner's shred page. The
// event is recorded first, in the caller's transaction; the key files are
// destroyed before that transaction commits, so a failed destroy rolls the
// event back and a committed event always has its keys gone.
import type { Tx } from '../db/client.ts';
import type { Keyring } from './keyring.ts';

export interface ShredEvent {
  action: 'company.shredded';
  entityType: 'company';
  entityId: string;
  companyId: string;
  detail: { keys: string; versions: number };
}

/** Destroys every version of the company's data key; returns the key ids destroyed. */
export async function shredCompany(tx: Tx, keyring: Keyring, companyId: string, record: (tx: Tx, event: ShredEvent) => Promise<unknown>): Promise<string[]> {
  const ids = keyring.list().filter((k) => k.owner === companyId).map((k) => k.keyId);
  await record(tx, { action: 'company.shredded', entityType: 'company', entityId: companyId, companyId, detail: { keys: ids.join(','), versions: ids.length } });
  return keyring.shred(companyId);
}
