// Shared by the audit tests in this folder: append events the way the
// application does, run the real `kastell` CLI, tamper with export files.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditor } from '../../app/audit/record.ts';
import type postgres from 'postgres';
import type { Database } from '../../app/db/client.ts';

const root = new URL('../../', import.meta.url).pathname;

export const testAuditor = createAuditor(Buffer.alloc(32, 7));

export async function appendSystemEvents(db: Database, count: number, action = 'test.event'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(await db.withPrincipal(null, (tx) => testAuditor.recordAs(tx, { type: 'system', label: 'test' }, {
      action, entityType: 'test', entityId: String(i), detail: { i, text: 'Grüße ✓' },
    })));
  }
  return ids;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real CLI in a child process, with only the environment given (plus PATH). */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'app/cli/main.ts'), ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', KASTELL_LOG_LEVEL: 'warn', KASTELL_DATA_DIR: mkdtempSync(join(tmpdir(), 'kastell-cli-')), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs the sequencer until every committed event is chained. An event is
 * chainable only once every older transaction on the whole cluster has
 * finished (pg_snapshot_xmin), and other test files run beside this one, so
 * "the sequencer found nothing" is not "everything is chained": wait for
 * the latter (bounded, so a real skip fails instead of hanging).
 */
export async function chainEverything(sequencer: { runOnce(): Promise<number> }, admin: postgres.Sql): Promise<number> {
  let chained = 0;
  for (let attempt = 0; attempt < 600; attempt++) {
    chained += await sequencer.runOnce();
    const [row] = await admin`select count(*)::int as n from audit.events e where not exists (select 1 from audit.chain c where c.event_id = e.event_id)`;
    if (row!.n === 0) return chained;
    await sleep(100);
  }
  throw new Error('committed events stayed unchained for a minute');
}
