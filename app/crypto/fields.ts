// Encrypted columns: AES-256-GCM `v2:keyId:iv:tag:ct` under the owning
// company's data key (app/crypto/keyring.ts), with additional data binding
// the value to its table, column and row — a ciphertext copied to another
// row or column does not open. Queries seal before they write and open in
// their presenters, after RLS has chosen the rows.
//
// A value that is not `v2:` is a row written before encryption (or by a
// test seed): it is returned as it is, and `kastell keys reencrypt` seals it.
import { randomBytes } from 'node:crypto';
import { KeyUnavailableError, type Keyring } from './keyring.ts';

/** Every encrypted column: the re-encryption worker, `kastell keys status` and the database scan test walk this list. */
export const encryptedColumns = [
  { table: 'job_messages', column: 'body', id: 'message_id' },
  { table: 'visits', column: 'notes', id: 'visit_id' },
  { table: 'service_reports', column: 'work_done', id: 'report_id' },
  { table: 'service_reports', column: 'refusal_comment', id: 'report_id' },
  { table: 'report_measurements', column: 'value', id: 'measurement_id' },
  { table: 'sites', column: 'street', id: 'site_id' },
  { table: 'sites', column: 'postal_code', id: 'site_id' },
  { table: 'sites', column: 'city', id: 'site_id' },
] as const;

export type EncryptedColumn = (typeof encryptedColumns)[number];
type Table = EncryptedColumn['table'];
type ColumnOf<T extends Table> = Extract<EncryptedColumn, { table: T }>['column'];

export const fieldAad = (table: string, column: string, rowId: string) => `kastell:${table}.${column}:${rowId}`;
/** The additional data of a user's TOTP secret (confirmed or pending): bound to that user. */
export const totpAad = (userId: string) => `totp:${userId}`;

// The process's keyring, installed by createApp (and the CLI). Queries are
// plain functions of a transaction, so the keyring is reached from here
// rather than threaded through every call.
let installed: Keyring | undefined;
export function installFieldKeyring(keyring: Keyring): void { installed = keyring; }
function keyring(): Keyring {
  if (!installed) throw new Error('no keyring installed: createApp() installs one');
  return installed;
}

/** Seals a value of `table.column` in row `rowId` owned by `companyId`; null stays null. */
export function sealField<T extends Table>(table: T, column: ColumnOf<T>, rowId: string, companyId: string, plain: string): string;
export function sealField<T extends Table>(table: T, column: ColumnOf<T>, rowId: string, companyId: string, plain: string | null | undefined): string | null;
export function sealField(table: string, column: string, rowId: string, companyId: string, plain: string | null | undefined): string | null {
  if (plain === null || plain === undefined) return null;
  return keyring().seal(companyId, plain, fieldAad(table, column, rowId));
}

export function openField<T extends Table>(table: T, column: ColumnOf<T>, rowId: string, value: string): string;
export function openField<T extends Table>(table: T, column: ColumnOf<T>, rowId: string, value: string | null): string | null;
export function openField(table: string, column: string, rowId: string, value: string | null): string | null {
  if (value === null || !value.startsWith('v2:')) return value;
  return keyring().open(value, fieldAad(table, column, rowId));
}

/** A UUIDv7 (RFC 9562) made here, so a row's id is known before it is written and sealed into. */
export function uuidv7(): string {
  const b = randomBytes(16);
  const ms = BigInt(Date.now());
  for (let i = 0; i < 6; i++) b[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * A stored row (column names as keys, e.g. to_jsonb of a table row) with its
 * encrypted columns opened: for exports that read rows whole (the
 * data-subject export's PresentPersonRow hook). A value whose key was
 * destroyed (crypto-shredding) becomes null.
 */
export function openStoredRow<R extends Record<string, unknown>>(table: string, row: R): R {
  const columns = columnsByTable.get(table);
  if (!columns) return row;
  const out: Record<string, unknown> = { ...row };
  for (const c of columns) {
    const value = out[c.column];
    const id = out[c.id];
    if (typeof value !== 'string' || typeof id !== 'string') continue;
    try {
      out[c.column] = openField(c.table, c.column as never, id, value);
    } catch (error) {
      if (error instanceof KeyUnavailableError) out[c.column] = null;
      else throw error;
    }
  }
  return out as R;
}

/** encryptedColumns by table, made once (openStoredRow is called per row). */
const columnsByTable = new Map<string, EncryptedColumn[]>();
for (const c of encryptedColumns) columnsByTable.set(c.table, [...(columnsByTable.get(c.table) ?? []), c]);
