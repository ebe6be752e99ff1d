// Offline verification of an export with nothing but the public key:
// signature over the manifest, the chain inside the file line by line, and
// the file against the manifest's count, last hash and SHA-256, and (format
// 2) every event's Ed25519 signature against the event keys the signed
// manifest names: an event Kastell did not write fails offline too.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { linkHash } from './canonical.ts';
import type { ExportLine, ExportManifest } from './export-format.ts';
import { verifyTextSignature } from './keys.ts';
import { checkEventSignature } from './event-key.ts';

export interface ExportCheck {
  ok: boolean;
  day: string;
  lines: number;
  problem: string | null;
}

const files = (day: string) => ({
  events: `kastell-audit-${day}.jsonl`,
  manifest: `kastell-audit-${day}.manifest.json`,
  signature: `kastell-audit-${day}.manifest.json.asc`,
});

export function exportDaysIn(dir: string): string[] {
  return readdirSync(dir)
    .map((f) => /^kastell-audit-(\d{4}-\d{2}-\d{2})\.manifest\.json$/.exec(f)?.[1])
    .filter((d): d is string => Boolean(d))
    .sort();
}

export async function verifyExport(dir: string, day: string, publicKeyArmored: string): Promise<ExportCheck> {
  const names = files(day);
  const fail = (problem: string, lines = 0): ExportCheck => ({ ok: false, day, lines, problem });
  for (const name of Object.values(names)) {
    if (!existsSync(join(dir, name))) return fail(`${name} is missing`);
  }
  const manifestText = readFileSync(join(dir, names.manifest), 'utf8');
  if (!(await verifyTextSignature(publicKeyArmored, manifestText, readFileSync(join(dir, names.signature), 'utf8')))) {
    return fail('the manifest signature does not verify with this public key');
  }
  const manifest = JSON.parse(manifestText) as ExportManifest;
  if (manifest.unsealed) return fail(`the exporter found the chain unsealed: ${manifest.unsealed}`);
  const signed = manifest.format === 'kastell-audit-export/2';
  const unsignedThrough = manifest.unsignedThrough ?? 0;
  const eventKeys = new Map<string, KeyObject>();
  if (signed) for (const [id, pem] of Object.entries(manifest.eventKeys ?? {})) eventKeys.set(id, createPublicKey(pem));
  const sha = createHash('sha256');
  let lineNo = 0;
  let prev: Buffer | undefined;
  let expectedSeq = manifest.firstSeq;
  const input = createInterface({ input: createReadStream(join(dir, names.events)), crlfDelay: Infinity });
  for await (const text of input) {
    lineNo += 1;
    sha.update(text + '\n');
    let line: ExportLine;
    try {
      line = JSON.parse(text) as ExportLine;
    } catch {
      return fail(`line ${lineNo} is not JSON`, lineNo);
    }
    if (line.seq !== expectedSeq) return fail(`line ${lineNo}: expected link ${expectedSeq}, found ${line.seq} (a line was dropped, added or moved)`, lineNo);
    const prevHash = prev ?? Buffer.from(manifest.firstPrevHash ?? '', 'hex');
    if (line.prevHash !== prevHash.toString('hex')) return fail(`line ${lineNo} (link ${line.seq}) does not continue the line before`, lineNo);
    const hash = linkHash(prevHash, line.event);
    if (hash.toString('hex') !== line.hash) return fail(`line ${lineNo} (link ${line.seq}): the event does not match its hash (altered)`, lineNo);
    if (signed && line.seq > unsignedThrough) {
      const verdict = checkEventSignature(eventKeys, line.event, line.keyId ?? null, line.signature ? Buffer.from(line.signature, 'base64') : null);
      if (verdict !== 'valid') {
        return fail(`line ${lineNo} (link ${line.seq}): ${verdict === 'unsigned' ? 'the event carries no signature' : verdict === 'unknown-key'
          ? `the event is signed with key ${line.keyId}, which the signed manifest does not name` : 'the event signature does not verify'}: not written by Kastell (forged)`, lineNo);
      }
    }
    prev = hash;
    expectedSeq = (expectedSeq ?? 0) + 1;
  }
  if (lineNo !== manifest.count) return fail(`the file has ${lineNo} lines, the signed manifest says ${manifest.count} (truncated or padded)`, lineNo);
  if ((prev?.toString('hex') ?? null) !== manifest.lastHash) return fail('the last line does not end at the signed last hash (tail cut)', lineNo);
  if (sha.digest('hex') !== manifest.eventsSha256) return fail('the file does not match the SHA-256 in the signed manifest', lineNo);
  return { ok: true, day, lines: lineNo, problem: null };
}

/** All exports in a directory, each checked, and consecutive days linked to each other. */
export async function verifyExportDirectory(dir: string, publicKeyArmored: string): Promise<ExportCheck[]> {
  const results: ExportCheck[] = [];
  let previous: ExportManifest | undefined;
  for (const day of exportDaysIn(dir)) {
    const result = await verifyExport(dir, day, publicKeyArmored);
    const manifest = JSON.parse(readFileSync(join(dir, files(day).manifest), 'utf8')) as ExportManifest;
    if (result.ok && previous?.lastSeq != null && manifest.firstSeq != null && manifest.firstSeq !== previous.lastSeq + 1) {
      results.push({ ...result, ok: false, problem: `starts at link ${manifest.firstSeq}, but the previous export ended at ${previous.lastSeq}` });
    } else if (result.ok && previous?.lastHash && manifest.firstPrevHash && manifest.firstPrevHash !== previous.lastHash) {
      results.push({ ...result, ok: false, problem: 'does not continue the previous export' });
    } else {
      results.push(result);
    }
    if (manifest.lastSeq != null) previous = manifest;
  }
  return results;
}
