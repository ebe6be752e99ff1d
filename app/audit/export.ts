// Daily export: that day's links with their events as JSON Lines, a
// manifest (count, first/last sequence and hash, previous checkpoint, the
// file's SHA-256) and an OpenPGP detached signature over the manifest — the
// large file is covered by its hash, never signed itself.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { once } from 'node:events';
import type { Database } from '../db/client.ts';
import type { DocumentStore } from '../storage/store.ts';
import { eventFromRow, type EventRow } from './canonical.ts';
import type { ExportLine, ExportManifest } from './export-format.ts';
import { signText, type AuditKeys } from './keys.ts';
import { verifyExport } from './verify-export.ts';
import { sealMatches } from './event-key.ts';

export const exportFiles = (day: string) => ({
  events: `kastell-audit-${day}.jsonl`,
  manifest: `kastell-audit-${day}.manifest.json`,
  signature: `kastell-audit-${day}.manifest.json.asc`,
});

/** Writes the export of `day` (UTC) into `dir`, verifies it, and records it. */
export async function exportDay(db: Database, keys: AuditKeys, day: string, dir: string, options: { unsignedThrough?: number } = {}) {
  const from = new Date(`${day}T00:00:00.000Z`);
  const to = new Date(from.getTime() + 86_400_000);
  const files = exportFiles(day);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const [range] = await db.withPrincipal(null, (tx) => tx`select * from audit.seq_range(${from}, ${to})`);
  const [checkpoint] = await db.withPrincipal(null, (tx) => tx`select seq, hash from audit.latest_checkpoint()`);
  const [state] = await db.withPrincipal(null, (tx) => tx`select audit.unsigned_through() as n`);
  const unsignedThrough = Math.min(Number(state!.n), options.unsignedThrough ?? Infinity);
  const eventKeys: Record<string, string> = {};
  // the order of the lines is vouched for by the manifest's signature: only sealed links go under it
  let unsealed: string | null = null;

  const out = createWriteStream(join(dir, files.events), { mode: 0o600 });
  const sha = createHash('sha256');
  let count = 0;
  let firstPrevHash: string | null = null;
  let lastHash: string | null = null;
  if (range!.first_seq !== null) {
    let after = Number(range!.first_seq) - 1;
    const last = Number(range!.last_seq);
    while (after < last) {
      const rows = await db.withPrincipal(null, (tx) =>
        tx<(EventRow & { seq: string; prev_hash: Buffer; hash: Buffer; key_id: string | null; signature: Buffer | null;
          link_key_id: string | null; mac: Buffer | null; chained_at_text: string })[]>`select * from audit.chain_slice(${after}, ${5000})`);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (Number(row.seq) > last) break;
        const line: ExportLine = {
          seq: Number(row.seq), prevHash: row.prev_hash.toString('hex'), hash: row.hash.toString('hex'), event: eventFromRow(row),
          keyId: row.key_id, signature: row.signature?.toString('base64') ?? null,
        };
        if (row.key_id && keys.events.publicKeyPems.has(row.key_id)) eventKeys[row.key_id] = keys.events.publicKeyPems.get(row.key_id)!;
        if (unsealed === null && line.seq > unsignedThrough && !sealMatches(row.link_key_id ? keys.events.linkKeys.get(row.link_key_id) : undefined,
          line.seq, line.prevHash, line.hash, row.chained_at_text, row.mac?.toString('hex') ?? null)) {
          unsealed = `link ${line.seq} carries no valid seal of Kastell's sequencer (run kastell audit verify)`;
        }
        const text = JSON.stringify(line) + '\n';
        sha.update(text);
        if (!out.write(text)) await once(out, 'drain');
        firstPrevHash ??= line.prevHash;
        lastHash = line.hash;
        count += 1;
      }
      after = Number(rows[rows.length - 1]!.seq);
    }
  }
  out.end();
  await once(out, 'finish');

  const manifest: ExportManifest = {
    format: 'kastell-audit-export/2',
    day,
    count,
    firstSeq: range!.first_seq === null ? null : Number(range!.first_seq),
    lastSeq: range!.last_seq === null ? null : Number(range!.last_seq),
    firstPrevHash,
    lastHash,
    previousCheckpoint: checkpoint ? { seq: Number(checkpoint.seq), hash: (checkpoint.hash as Buffer).toString('hex') } : null,
    eventsFile: files.events,
    eventsSha256: sha.digest('hex'),
    createdAt: new Date().toISOString(),
    unsignedThrough,
    eventKeys,
    ...(unsealed ? { unsealed } : {}),
  };
  const manifestText = JSON.stringify(manifest, null, 2) + '\n';
  writeFileSync(join(dir, files.manifest), manifestText, { mode: 0o600 });
  writeFileSync(join(dir, files.signature), await signText(keys.signingKey, manifestText), { mode: 0o600 });
  writeFileSync(join(dir, 'public-key.asc'), keys.publicKeyArmored);

  const check = await verifyExport(dir, day, keys.publicKeyArmored);
  const manifestSha = createHash('sha256').update(readFileSync(join(dir, files.manifest))).digest();
  await db.withPrincipal(null, (tx) => tx`select audit.record_export(${day}, ${manifest.firstSeq}, ${manifest.lastSeq},
    ${count}, ${dir}, ${manifestSha}, ${check.ok})`);
  return { manifest, verified: check };
}

export const archivePrefix = 'kastell-audit/';

/**
 * Copies a verified export (and the signed checkpoints so far) to an S3
 * bucket off the box, under kastell-audit/. Returns the object keys written.
 */
export async function shipExport(store: DocumentStore, dir: string, day: string, archiveDir: string): Promise<string[]> {
  const files = exportFiles(day);
  const paths = [...[files.events, files.manifest, files.signature, 'public-key.asc'].map((name) => join(dir, name)),
    join(archiveDir, 'checkpoints.jsonl')].filter((path) => existsSync(path));
  const keys: string[] = [];
  for (const path of paths) {
    const key = archivePrefix + basename(path);
    await store.put(key, createReadStream(path), statSync(path).size);
    keys.push(key);
  }
  return keys;
}
