// The appliance's evidence files, as ops/kastell-backup and
// ops/kastell-restore-drill write them (one JSON object each, replaced
// atomically by mv): backup.json after every successful backup,
// restore-drill.json after every drill, pass or fail. Read as they are; a
// file that is missing says "never recorded", one that cannot be read or
// parsed says so — neither is guessed at.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const drillSchema = z.object({
  status: z.enum(['pass', 'fail']),
  reason: z.string().default(''),
  finished_at: z.iso.datetime(),
  rto_seconds: z.number().nullable().optional(),
  rto_target_seconds: z.number().nullable().optional(),
  data_age_seconds: z.number().nullable().optional(),
  rpo_target_seconds: z.number().nullable().optional(),
  audit_verify: z.string().optional(),
  audit_links: z.number().optional(),
  checks_passed: z.array(z.string()).default([]),
});
export type DrillEvidence = z.infer<typeof drillSchema>;

const backupSchema = z.object({
  status: z.enum(['pass', 'fail']),
  id: z.string().optional(),
  type: z.string().optional(),
  finished_at: z.iso.datetime(),
});
export type BackupEvidence = z.infer<typeof backupSchema>;

export type Evidence<T> = { state: 'absent'; path: string } | { state: 'unreadable'; path: string; reason: string } | { state: 'read'; path: string; value: T };

async function readEvidence<T>(path: string, schema: z.ZodType<T>): Promise<Evidence<T>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { state: 'absent', path };
    return { state: 'unreadable', path, reason: `cannot be read (${code ?? 'error'})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { state: 'unreadable', path, reason: 'is not valid JSON' };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { state: 'unreadable', path, reason: `does not hold what the script writes (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')})` };
  return { state: 'read', path, value: parsed.data };
}

export const drillEvidencePath = (dir: string) => join(dir, 'restore-drill.json');
export const backupEvidencePath = (dir: string) => join(dir, 'backup.json');

export const readDrillEvidence = (dir: string) => readEvidence(drillEvidencePath(dir), drillSchema);
export const readBackupEvidence = (dir: string) => readEvidence(backupEvidencePath(dir), backupSchema);
