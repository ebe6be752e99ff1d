// The audit trail at run time: the auditor that routes write with, the
// sequencer, checkpoints, and the daily jobs (verification with alerting,
// export, partitions ahead).
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { Mailer } from '../mail/mailer.ts';
import { createCheckpoint, latestArchivedCheckpoint } from './checkpoint.ts';
import { exportDay, shipExport } from './export.ts';
import { createS3Store } from '../storage/s3.ts';
import { loadAuditKeys, type AuditKeys } from './keys.ts';
import { applyAuditRetention } from './retention.ts';
import type { Auditor } from '../http/context.ts';
import { createAuditor } from './record.ts';
import { createSequencer, type Sequencer } from './sequencer.ts';
import { verifyAndRecord, type VerifyOptions, type VerifyResult } from './verify.ts';

export interface AuditService {
  auditor: Auditor;
  keys: AuditKeys;
  sequencer: Sequencer;
  checkpoint(): ReturnType<typeof createCheckpoint>;
  verify(progress?: Pick<VerifyOptions, 'onTotal' | 'onProgress'>): Promise<VerifyResult>;
  /** Exports a day into `dir`, verifies it, and ships it to the archive bucket when one is configured. */
  exportDay(day: string, dir?: string): Promise<Awaited<ReturnType<typeof exportDay>> & { shipped: string[] }>;
  stop(): Promise<void>;
}

export async function startAuditService(options: {
  config: Config; db: Database; log: Logger; mailer: Mailer; sequencer?: boolean;
}): Promise<AuditService> {
  const { config, db, log, mailer } = options;
  const keys = await loadAuditKeys(config.audit);
  const auditor = createAuditor(keys.hmacKey);
  const archiveDir = config.audit.archiveDir;
  let lastCheckpointAt = 0;
  const sequencer = createSequencer(db, log, {
    intervalMs: options.sequencer === false ? 2 ** 30 : config.audit.chainIntervalMs,
    // a signed checkpoint at most once a minute while the chain grows
    onChained: async () => {
      if (Date.now() - lastCheckpointAt < 60_000) return;
      lastCheckpointAt = Date.now();
      await createCheckpoint(db, keys, archiveDir);
    },
  });

  async function knownCheckpoints() {
    const known: NonNullable<VerifyOptions['checkpoints']> = [];
    const [latest] = await db.withPrincipal(null, (tx) => tx`select seq, hash from audit.latest_checkpoint()`);
    if (latest) known.push({ seq: Number(latest.seq), hash: (latest.hash as Buffer).toString('hex'), source: 'the database' });
    const archived = latestArchivedCheckpoint(archiveDir);
    if (archived) known.push({ seq: archived.seq, hash: archived.hash, source: `${archiveDir}/checkpoints.jsonl` });
    return known;
  }

  async function verify(progress: Pick<VerifyOptions, 'onTotal' | 'onProgress'> = {}) {
    await sequencer.runOnce();
    const result = await verifyAndRecord(db, {
      unchainedBoundSeconds: config.audit.unchainedBoundSeconds,
      checkpoints: await knownCheckpoints(),
      ...progress,
    });
    if (!result.ok) await alertChainBroken(result);
    return result;
  }

  async function alertChainBroken(result: VerifyResult) {
    log.fatal({ event: 'audit.chain.broken', firstBadSeq: result.firstBadSeq, problem: result.problem }, 'AUDIT CHAIN BROKEN');
    const to = (await db.withPrincipal(null, (tx) => tx`select app.security_officer_emails() as email`)).map((r) => r.email as string);
    await mailer.send({
      to,
      subject: '[Kastell] CRITICAL: audit chain verification failed',
      text: `The audit chain failed verification.\n\nFirst bad link: ${result.firstBadSeq ?? 'n/a'}\nProblem: ${result.problem}\n\n` +
        'Treat this as a security incident: see ops/incident-response.md.\n',
    }).catch((error: Error) => log.error({ err: error }, 'alert mail failed'));
  }

  const archiveBucket = config.audit.archiveS3 ? createS3Store(config.audit.archiveS3) : undefined;
  async function exportAndShip(day: string, dir = archiveDir) {
    const exported = await exportDay(db, keys, day, dir);
    // only an export that verified leaves the box; a failed one stays for inspection
    const shipped = archiveBucket && exported.verified.ok ? await shipExport(archiveBucket, dir, day, archiveDir) : [];
    if (shipped.length > 0) log.info({ event: 'audit.export.shipped', day, bucket: config.audit.archiveS3!.bucket, objects: shipped.length }, 'audit export shipped');
    return { ...exported, shipped };
  }

  const jobs: ScheduledTask[] = [];
  if (config.jobs) {
    jobs.push(cron.schedule('15 2 * * *', () => void verify().catch((e: Error) => log.error({ err: e }, 'daily verification failed to run'))));
    jobs.push(cron.schedule('30 0 * * *', () => void (async () => {
      await db.withPrincipal(null, (tx) => tx`select audit.ensure_partitions(3)`);
      await sequencer.runOnce();
      await createCheckpoint(db, keys, archiveDir);
      const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      const { verified } = await exportAndShip(yesterday);
      if (!verified.ok) log.error({ event: 'audit.export.unverified', problem: verified.problem }, 'audit export failed verification');
      for (const outcome of await applyAuditRetention(db)) {
        log.info({ event: 'audit.retention', ...outcome }, outcome.dropped ? 'audit month retired' : 'audit month kept');
      }
    })().catch((e: Error) => log.error({ err: e }, 'daily audit export failed'))));
  }

  return {
    auditor,
    keys,
    sequencer,
    checkpoint: () => createCheckpoint(db, keys, archiveDir),
    verify,
    exportDay: exportAndShip,
    async stop() {
      for (const job of jobs) await job.stop();
      await sequencer.stop();
    },
  };
}
