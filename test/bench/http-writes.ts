// Audited against unaudited writes through the real HTTP write path: a real
// Kastell server (startServer), 32 clients creating companies over
// POST /api/v1/companies with a session cookie. "Unaudited" is the same
// server with the auditor's record/recordAs made no-ops, so the difference
// is exactly the audit statement (and the sequencer chaining behind it).
// While the audited run is under load, a probe commits an event every 25 ms
// and times how long until the sequencer has chained it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Auditor } from '../../app/http/context.ts';
import { createAuditor } from '../../app/audit/record.ts';
import { parseConfig } from '../../app/config.ts';
import { connectDatabase } from '../../app/db/client.ts';
import { createLogger } from '../../app/log.ts';
import { startServer } from '../../app/server.ts';
import { freePort, type Cluster } from '../harness/postgres.ts';
import { seedSession, seedUser } from '../harness/seed.ts';
import { cloneTemplate, percentile } from './database.ts';

export interface WriteRun {
  audited: boolean;
  /** audited runs: events signed by the writer and links sealed by the sequencer, or neither (the unsigned baseline) */
  signed: boolean;
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  chainDelaysMs: number[];
}

const noopAuditor = (real: Auditor): Auditor => ({ ...real, record: async () => '', recordAs: async () => '' });
// The unsigned baseline: the same audit statement with no signature (and so no
// Ed25519 check and no seal in the sequencer, which chains such an event unsealed).
const unsignedAuditor = () => createAuditor(Buffer.alloc(32, 2), () => ({ keyId: null, signature: null }));

export async function runHttpWrites(cluster: Cluster, appPassword: string, options: { audited: boolean; signed?: boolean; clients: number; seconds: number; warmupSeconds: number }): Promise<WriteRun> {
  const signed = options.audited && options.signed !== false;
  const database = await cloneTemplate(cluster, appPassword);
  const config = parseConfig({
    KASTELL_DATABASE_URL: database.appUrl,
    KASTELL_HTTP_PORT: String(await freePort()),
    KASTELL_DATA_DIR: mkdtempSync(join(tmpdir(), 'kastell-bench-')),
    KASTELL_LOG_LEVEL: 'silent',
    KASTELL_JOBS: 'off',
  });
  const server = await startServer(config, createLogger({ level: 'silent' }));
  if (!options.audited) server.audit.auditor = noopAuditor(server.audit.auditor);
  else if (!signed) server.audit.auditor = unsignedAuditor();
  const user = await seedUser(database.admin, 'dispatcher');
  const token = await seedSession(database.admin, user.userId, '1 hour');
  const headers = { 'content-type': 'application/json', origin: new URL(server.url).origin, cookie: `__Host-kastell-session=${token}` };

  let measuring = false;
  let stop = false;
  let requests = 0;
  let errors = 0;
  let counter = 0;
  const clients = Array.from({ length: options.clients }, async () => {
    while (!stop) {
      const response = await fetch(`${server.url}/api/v1/companies`, { method: 'POST', headers, body: JSON.stringify({ name: `Bench ${counter++}` }) });
      await response.arrayBuffer();
      if (!measuring) continue;
      if (response.status === 201) requests += 1;
      else errors += 1;
    }
  });

  // Commit-to-chained probe (audited runs only): commit, then watch the chain.
  const chainDelaysMs: number[] = [];
  const probeDb = connectDatabase(database.appUrl, { max: 2 });
  const probeAuditor = signed ? server.audit.auditor : unsignedAuditor();
  const probe = (async () => {
    if (!options.audited) return;
    const waiting = new Map<string, number>();
    let lastProbe = 0;
    while (!stop || waiting.size > 0) {
      const now = performance.now();
      if (!stop && measuring && now - lastProbe >= 25) {
        lastProbe = now;
        const id = await probeDb.withPrincipal(null, (tx) => probeAuditor.recordAs(tx, { type: 'system', label: 'probe' }, { action: 'bench.probe' }));
        waiting.set(id, performance.now()); // committed: withPrincipal resolved after COMMIT
      }
      if (waiting.size > 0) {
        const ids = [...waiting.keys()]; // watched as the superuser: the app role cannot read audit.chain
        const chained = await database.admin<{ event_id: string }[]>`select event_id::text from audit.chain where event_id = any(${ids}::uuid[])`;
        const seen = performance.now();
        for (const row of chained) {
          chainDelaysMs.push(seen - waiting.get(row.event_id)!);
          waiting.delete(row.event_id);
        }
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();

  await new Promise((r) => setTimeout(r, options.warmupSeconds * 1000));
  measuring = true;
  const started = performance.now();
  await new Promise((r) => setTimeout(r, options.seconds * 1000));
  measuring = false;
  const seconds = (performance.now() - started) / 1000;
  stop = true;
  await Promise.all(clients);
  await probe;
  await probeDb.close();
  await server.close();
  await database.drop();
  return { audited: options.audited, signed, requests, errors, seconds, perSecond: requests / seconds, chainDelaysMs: chainDelaysMs.sort((a, b) => a - b) };
}

export { percentile };
