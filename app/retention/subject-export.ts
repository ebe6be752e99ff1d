// Data-subject access and portability (GDPR Art. 15/20, revDSG Art. 25/28):
// everything Kastell holds that names a person — every row of every table
// with a column naming them (sql/0020 app.person_data, whose list of columns
// test/retention/subject-export.test.ts holds against the catalogue), the
// audit events about them or by them, and their files (the clean versions
// they uploaded, the sealed reports they signed) — as one ZIP: data.json
// plus files/. Secrets (password and token hashes, TOTP secrets) never
// leave, and other people in the same rows appear as "someone else".
// The collection is audited (person.exported) in its own transaction.
import { Zip, ZipPassThrough } from 'fflate';
import type { Writable } from 'node:stream';
import type { Database, Principal } from '../db/client.ts';
import type { AuditActor } from '../db/audit-event.ts';
import type { Auditor } from '../http/context.ts';
import type { DocumentStore } from '../storage/store.ts';
import { openStoredRow } from '../crypto/fields.ts';

export type PersonRow = Record<string, unknown>;

/** A file of the export: where it is stored and its name inside the archive. */
export interface PersonFile {
  path: string;
  objectKey: string;
  size: number | null;
}

export interface PersonExport {
  format: 'kastell-person-export/1';
  subject: { userId: string };
  generatedAt: string;
  /** rows by table, each row as stored (secrets removed, other people blanked) */
  tables: Record<string, PersonRow[]>;
  auditEvents: PersonRow[];
  files: Array<Omit<PersonFile, 'objectKey'> & { source: string }>;
}

/**
 * Turns a stored row into what the person reads. The default is the row as
 * stored with its encrypted fields opened (a shredded company's values read null).
 */
export type PresentPersonRow = (table: string, row: PersonRow) => PersonRow | Promise<PersonRow>;

export interface CollectedPersonData {
  data: PersonExport;
  files: PersonFile[];
}

function safeName(name: string): string {
  return name.normalize('NFC').replace(/[^\p{L}\p{N}._ -]+/gu, '_').slice(0, 120) || 'file';
}

/**
 * Reads everything about `userId` as `principal` (the person, or an operator
 * with global users.update; the database refuses anyone else) and records
 * `person.exported` in the same transaction; null when there is no such person.
 */
export async function collectPersonData(
  db: Database,
  auditor: Auditor,
  principal: Principal,
  actor: AuditActor,
  userId: string,
  present: PresentPersonRow = openStoredRow,
): Promise<CollectedPersonData | null> {
  return db.withPrincipal(principal, async (tx) => {
    const rows = await tx<{ table_name: string; row_data: PersonRow }[]>`select table_name, row_data from app.person_data(${userId})`;
    if (!rows.some((r) => r.table_name === 'users')) return null; // no such person
    const events = await tx<PersonRow[]>`select * from audit.events_naming(${userId})`;
    const tables: Record<string, PersonRow[]> = {};
    for (const { table_name, row_data } of rows) (tables[table_name] ??= []).push(await present(table_name, row_data));
    const files: PersonFile[] = [];
    for (const v of tables.document_versions ?? []) {
      if (v.uploaded_by === userId && v.status === 'clean' && typeof v.object_key === 'string') {
        files.push({ path: `files/documents/${String(v.version_id)}-${safeName(String(v.file_name))}`, objectKey: v.object_key, size: typeof v.size === 'number' ? v.size : null });
      }
    }
    for (const r of tables.service_reports ?? []) {
      if (r.signed_by === userId && typeof r.sealed_object_key === 'string') {
        files.push({ path: `files/signed-reports/${String(r.report_id)}-v${String(r.version)}-signed.pdf`, objectKey: r.sealed_object_key, size: null });
      }
    }
    await auditor.recordAs(tx, actor, {
      action: 'person.exported', entityType: 'user', entityId: userId,
      detail: { rows: rows.length, auditEvents: events.length, files: files.length, forSelf: principal.userId === userId },
    });
    const data: PersonExport = {
      format: 'kastell-person-export/1',
      subject: { userId },
      generatedAt: new Date().toISOString(),
      tables,
      auditEvents: events.map((e) => ({ ...e })),
      files: files.map((f) => ({ path: f.path, size: f.size, source: f.path.startsWith('files/documents/') ? 'document_versions' : 'service_reports' })),
    };
    return { data, files };
  });
}

/** Streams the ZIP (data.json, then each file, stored uncompressed) into `out`, honouring its back-pressure. */
export async function writePersonArchive(store: DocumentStore, collected: CollectedPersonData, out: Writable): Promise<void> {
  let waiting: Promise<void> | undefined;
  let failure: Error | undefined;
  const done = new Promise<void>((resolve, reject) => {
    const zip = new Zip((error, chunk, final) => {
      if (error) {
        failure = error;
        reject(error);
        return;
      }
      if (!out.write(chunk) && !waiting) waiting = new Promise((r) => out.once('drain', () => { waiting = undefined; r(); }));
      if (final) out.end(resolve);
    });
    void (async () => {
      const json = new ZipPassThrough('data.json');
      zip.add(json);
      json.push(new TextEncoder().encode(`${JSON.stringify(collected.data, null, 2)}\n`), true);
      for (const file of collected.files) {
        const entry = new ZipPassThrough(file.path);
        zip.add(entry);
        for await (const chunk of await store.get(file.objectKey)) {
          entry.push(chunk as Uint8Array);
          if (waiting) await waiting;
          if (failure) return;
        }
        entry.push(new Uint8Array(0), true);
      }
      zip.end();
    })().catch(reject);
  });
  await done;
}
