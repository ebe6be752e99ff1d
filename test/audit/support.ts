// Shared by the audit tests in this folder: append events the way the
// application does, run the real `kastell` CLI, tamper with export files.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { buildSignedEvent, createAuditor, signerFor } from '../../app/audit/record.ts';
import type { AuditActor, AuditEvent } from '../../app/db/audit-event.ts';
import { eventKeyFromPem, type EventKey, type EventKeyring } from '../../app/audit/event-key.ts';
import { testEventKeyPem } from '../harness/seed.ts';
import type { SealContext } from '../../app/audit/verify-page.ts';
import type postgres from 'postgres';
import type { Database } from '../../app/db/client.ts';

const root = new URL('../../', import.meta.url).pathname;

/** This test process's audit event key (test/harness/seed.ts): test servers and runCli use it too. */
export { testEventKeyPem };
export const testEventKey = eventKeyFromPem(testEventKeyPem);
export const testKeyring: EventKeyring = {
  current: testEventKey,
  publicKeys: new Map([[testEventKey.keyId, testEventKey.publicKey]]),
  publicKeyPems: new Map([[testEventKey.keyId, testEventKey.publicKeyPem]]),
  linkKeys: new Map([[testEventKey.keyId, testEventKey.linkKey]]),
};
/** What verifyChain needs to check seals, for a database migrated fresh (nothing unsigned). */
export const testSeals = (signedHeads: SealContext['signedHeads'] = []): SealContext => ({
  unsignedThrough: 0,
  linkKeys: [[testEventKey.keyId, testEventKey.linkKey]],
  publicKeyPems: [[testEventKey.keyId, testEventKey.publicKeyPem]],
  signedHeads,
});

export const testAuditor = createAuditor(Buffer.alloc(32, 7), signerFor(testEventKey));

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
  // a data directory of its own unless the caller gives one, removed when the CLI ends
  const scratch = env.KASTELL_DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), 'kastell-cli-'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'app/cli/main.ts'), ...args], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '', KASTELL_LOG_LEVEL: 'warn', ...(scratch ? { KASTELL_DATA_DIR: scratch } : {}),
        KASTELL_AUDIT_EVENT_KEY: testEventKeyPem,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
      resolve({ code: code ?? 1, stdout, stderr });
    });
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

/**
 * Many signed events at once, straight into audit.events as the superuser
 * (what the application would have written one by one): for the tests and
 * benchmarks that need tens of thousands.
 */
export async function insertSignedEvents(admin: postgres.Sql, count: number, make: (i: number) => { actor: AuditActor; event: AuditEvent }, key: EventKey = testEventKey): Promise<void> {
  const signer = signerFor(key);
  const hash = (value: string) => createHash('sha256').update(value).digest();
  for (let from = 0; from < count; from += 5000) {
    const rows = Array.from({ length: Math.min(5000, count - from) }, (_, k) => {
      const { actor, event } = make(from + k);
      return buildSignedEvent(signer, actor, event, hash);
    });
    const col = <T>(pick: (r: (typeof rows)[number]) => T) => rows.map(pick);
    await admin`insert into audit.events (event_id, occurred_at, actor_type, actor_id, actor_label, action, entity_type, entity_id, company_id,
                                          outcome, ip_hmac, user_agent_hmac, request_id, detail, key_id, signature)
      select u.id, u.at, u.actor_type, u.actor_id, u.actor_label, u.action, u.entity_type, u.entity_id, u.company_id, u.outcome,
             decode(u.ip, 'hex'), decode(u.ua, 'hex'), u.request_id, u.detail::jsonb, u.key_id, decode(u.sig, 'hex')
      from unnest(${col((r) => r.event.eventId)}::uuid[], ${col((r) => r.event.occurredAt)}::timestamptz[], ${col((r) => r.event.actorType)}::text[],
                  ${col((r) => r.event.actorId)}::uuid[], ${col((r) => r.event.actorLabel)}::text[], ${col((r) => r.event.action)}::text[],
                  ${col((r) => r.event.entityType)}::text[], ${col((r) => r.event.entityId)}::text[], ${col((r) => r.event.companyId)}::uuid[],
                  ${col((r) => r.event.outcome)}::text[], ${col((r) => r.event.ipHmac)}::text[], ${col((r) => r.event.userAgentHmac)}::text[],
                  ${col((r) => r.event.requestId)}::uuid[], ${col((r) => JSON.stringify(r.event.detail))}::text[], ${col((r) => r.keyId)}::text[],
                  ${col((r) => r.signature?.toString('hex') ?? null)}::text[])
        as u(id, at, actor_type, actor_id, actor_label, action, entity_type, entity_id, company_id, outcome, ip, ua, request_id, detail, key_id, sig)`;
  }
}
