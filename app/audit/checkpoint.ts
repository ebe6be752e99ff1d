// Signed chain heads. Published over HTTP, appended to the archive, logged
// (and so shipped to Loki when one is configured) and, with an archive
// bucket, written to it at once: a truncated tail is detectable by anyone
// holding a later checkpoint. The statement also names how far the unsigned
// stretch from before event signatures reaches (sql/0021), so a superuser
// cannot widen it later.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Database } from '../db/client.ts';
import type { DocumentStore } from '../storage/store.ts';
import { signText, verifyTextSignature, type AuditKeys } from './keys.ts';

export interface Checkpoint {
  seq: number;
  hash: string; // hex
  time: string;
  statement: string;
  signature: string;
}

export interface CheckpointStatement { seq: number; hash: string; time: string; unsignedThrough: number | null }

export function checkpointStatement(seq: number, hashHex: string, time: string, unsignedThrough: number): string {
  return `kastell-audit-checkpoint v2\nseq: ${seq}\nhash: ${hashHex}\ntime: ${time}\nunsigned-through: ${unsignedThrough}\n`;
}

/** v1 (before event signatures) and v2 statements. */
export function parseCheckpointStatement(statement: string): CheckpointStatement | undefined {
  const v2 = /^kastell-audit-checkpoint v2\nseq: (\d+)\nhash: ([0-9a-f]{64})\ntime: (\S+)\nunsigned-through: (\d+)\n$/.exec(statement);
  if (v2) return { seq: Number(v2[1]), hash: v2[2]!, time: v2[3]!, unsignedThrough: Number(v2[4]) };
  const v1 = /^kastell-audit-checkpoint v1\nseq: (\d+)\nhash: ([0-9a-f]{64})\ntime: (\S+)\n$/.exec(statement);
  return v1 ? { seq: Number(v1[1]), hash: v1[2]!, time: v1[3]!, unsignedThrough: null } : undefined;
}

/** The statement of a checkpoint when its signature verifies with the installation's public key. */
export async function trustedStatement(checkpoint: Pick<Checkpoint, 'statement' | 'signature'>, publicKeyArmored: string): Promise<CheckpointStatement | undefined> {
  const parsed = parseCheckpointStatement(checkpoint.statement);
  if (!parsed) return undefined;
  return (await verifyTextSignature(publicKeyArmored, checkpoint.statement, checkpoint.signature)) ? parsed : undefined;
}

export const checkpointObjectPrefix = 'kastell-audit/checkpoints/';
export const latestCheckpointObject = 'kastell-audit/checkpoint-latest.json';

/** Where each checkpoint goes besides the database (archive file, log, bucket). */
export interface CheckpointSinks {
  archiveDir: string;
  bucket?: DocumentStore | undefined;
  log?: { info(object: object, message: string): void } | undefined;
}

/** Signs the current head (if it moved since the last checkpoint), records it and ships it. */
export async function createCheckpoint(db: Database, keys: AuditKeys, sinks: CheckpointSinks): Promise<Checkpoint | undefined> {
  const [head] = await db.withPrincipal(null, (tx) => tx`select seq, hash, audit.unsigned_through() as unsigned_through from audit.chain_head()`);
  const seq = Number(head!.seq);
  if (seq === 0) return undefined;
  const [latest] = await db.withPrincipal(null, (tx) => tx`select seq from audit.latest_checkpoint()`);
  if (latest && Number(latest.seq) === seq) return undefined;
  const time = new Date().toISOString();
  const hashHex = (head!.hash as Buffer).toString('hex');
  const statement = checkpointStatement(seq, hashHex, time, Number(head!.unsigned_through));
  const signature = await signText(keys.signingKey, statement);
  await db.withPrincipal(null, (tx) => tx`select audit.record_checkpoint(${seq}, ${head!.hash}, ${statement}, ${signature})`);
  const checkpoint = { seq, hash: hashHex, time, statement, signature };
  const line = JSON.stringify(checkpoint);
  mkdirSync(sinks.archiveDir, { recursive: true, mode: 0o700 });
  appendFileSync(join(sinks.archiveDir, 'checkpoints.jsonl'), line + '\n', { mode: 0o600 });
  sinks.log?.info({ event: 'audit.checkpoint', checkpoint }, 'audit checkpoint signed');
  if (sinks.bucket) {
    // one object per checkpoint (never overwritten: object lock can keep them), and the latest under a fixed name
    await sinks.bucket.put(`${checkpointObjectPrefix}${String(seq).padStart(12, '0')}.json`, Readable.from([Buffer.from(line)]), Buffer.byteLength(line));
    await sinks.bucket.put(latestCheckpointObject, Readable.from([Buffer.from(line)]), Buffer.byteLength(line));
  }
  return checkpoint;
}

/** The highest checkpoint written to the archive (outside the database). */
export function latestArchivedCheckpoint(archiveDir: string): Checkpoint | undefined {
  const file = join(archiveDir, 'checkpoints.jsonl');
  if (!existsSync(file)) return undefined;
  let best: Checkpoint | undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const checkpoint = JSON.parse(line) as Checkpoint;
    if (!best || checkpoint.seq > best.seq) best = checkpoint;
  }
  return best;
}

/** The latest checkpoint in the archive bucket (off the box), if any. */
export async function latestShippedCheckpoint(bucket: DocumentStore): Promise<Checkpoint | undefined> {
  if (!(await bucket.stat(latestCheckpointObject))) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of await bucket.get(latestCheckpointObject)) chunks.push(Buffer.from(chunk as Buffer));
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Checkpoint;
}
