// Signed chain heads. Published over HTTP and appended to the archive so a
// truncated tail is detectable by anyone holding an earlier checkpoint.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../db/client.ts';
import { signText, type AuditKeys } from './keys.ts';

export interface Checkpoint {
  seq: number;
  hash: string; // hex
  time: string;
  statement: string;
  signature: string;
}

export function checkpointStatement(seq: number, hashHex: string, time: string): string {
  return `kastell-audit-checkpoint v1\nseq: ${seq}\nhash: ${hashHex}\ntime: ${time}\n`;
}

export function parseCheckpointStatement(statement: string): { seq: number; hash: string; time: string } | undefined {
  const match = /^kastell-audit-checkpoint v1\nseq: (\d+)\nhash: ([0-9a-f]{64})\ntime: (\S+)\n$/.exec(statement);
  return match ? { seq: Number(match[1]), hash: match[2]!, time: match[3]! } : undefined;
}

/** Signs the current head (if it moved since the last checkpoint) and records it. */
export async function createCheckpoint(db: Database, keys: AuditKeys, archiveDir: string): Promise<Checkpoint | undefined> {
  const [head] = await db.withPrincipal(null, (tx) => tx`select seq, hash from audit.chain_head()`);
  const seq = Number(head!.seq);
  if (seq === 0) return undefined;
  const [latest] = await db.withPrincipal(null, (tx) => tx`select seq from audit.latest_checkpoint()`);
  if (latest && Number(latest.seq) === seq) return undefined;
  const time = new Date().toISOString();
  const hashHex = (head!.hash as Buffer).toString('hex');
  const statement = checkpointStatement(seq, hashHex, time);
  const signature = await signText(keys.signingKey, statement);
  await db.withPrincipal(null, (tx) => tx`select audit.record_checkpoint(${seq}, ${head!.hash}, ${statement}, ${signature})`);
  const checkpoint = { seq, hash: hashHex, time, statement, signature };
  mkdirSync(archiveDir, { recursive: true, mode: 0o700 });
  appendFileSync(join(archiveDir, 'checkpoints.jsonl'), JSON.stringify(checkpoint) + '\n', { mode: 0o600 });
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
