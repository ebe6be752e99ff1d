// The audit trail at run time: the auditor that routes write with, the
// sequencer, checkpoints, and the daily jobs (verification with alerting,
// export, partitions ahead).
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { Mailer } from '../mail/mailer.ts';
import { createCheckpoint, latestArchivedCheckpoint, latestShippedCheckpoint, trustedStatement, type Checkpoint, type CheckpointSinks } from './checkpoint.ts';
import { microsecondIso } from './event-key.ts';
import { exportDay, shipExport } from './export.ts';
import { loadAuditKeys, type AuditKeys } from './keys.ts';
import { applyAuditRetention } from './retention.ts';
import type { Auditor } from '../http/context.ts';
import { createAuditor, signerFor } from './record.ts';
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
  const auditor = createAuditor(keys.hmacKey, signerFor(keys.events.current));
  const archiveDir = config.audit.archiveDir;
  // the S3 client only where an archive bucket is configured: the CLI starts faster without it
  const archiveBucket = config.audit.archiveS3 ? (await import('../storage/s3.ts')).createS3Store(config.audit.archiveS3) : undefined;
  const sinks: CheckpointSinks = { archiveDir, bucket: archiveBucket, log };
  const checkpointMs = config.audit.checkpointSeconds * 1000;
  let lastCheckpointAt = 0;
  let checkpointing: Promise<unknown> | undefined;
  // one checkpoint at a time; a failed one is logged and tried again at the next turn
  const checkpointNow = () => {
    checkpointing ??= createCheckpoint(db, keys, sinks)
      .catch((error: Error) => log.error({ err: error, event: 'audit.checkpoint.failed' }, 'audit checkpoint failed'))
      .finally(() => { lastCheckpointAt = Date.now(); checkpointing = undefined; });
    return checkpointing;
  };
  const sequencer = createSequencer(db, log, {
    intervalMs: options.sequencer === false ? 2 ** 30 : config.audit.chainIntervalMs,
    keys: keys.events,
    // a signed checkpoint at most every KASTELL_AUDIT_CHECKPOINT_SECONDS while the chain grows
    onChained: async () => {
      if (Date.now() - lastCheckpointAt < checkpointMs) return;
      await checkpointNow();
    },
  });
  // and at the latest that long after the chain last moved, so a quiet tail is signed too
  const checkpointTimer = options.sequencer === false ? undefined : setInterval(() => void checkpointNow(), checkpointMs);
  checkpointTimer?.unref();

  async function knownCheckpoints() {
    const known: NonNullable<VerifyOptions['checkpoints']> = [];
    const signedHeads: VerifyOptions['seals']['signedHeads'] = [];
    const [state] = await db.withPrincipal(null, (tx) => tx`select audit.unsigned_through() as unsigned_through`);
    let unsignedThrough = Number(state!.unsigned_through);
    const consider = async (checkpoint: Pick<Checkpoint, 'seq' | 'hash' | 'statement' | 'signature'>, source: string) => {
      known.push({ seq: checkpoint.seq, hash: checkpoint.hash, source });
      // only a statement signed by the installation's key says when, and how far the unsigned stretch reaches
      const trusted = await trustedStatement(checkpoint, keys.publicKeyArmored);
      if (!trusted || trusted.seq !== checkpoint.seq || trusted.hash !== checkpoint.hash) return;
      if (trusted.unsignedThrough !== null) {
        unsignedThrough = Math.min(unsignedThrough, trusted.unsignedThrough);
        signedHeads.push({ seq: trusted.seq, time: microsecondIso(new Date(trusted.time)) });
      }
    };
    const [latest] = await db.withPrincipal(null, (tx) => tx`select seq, hash, statement, signature from audit.latest_checkpoint()`);
    if (latest) await consider({ seq: Number(latest.seq), hash: (latest.hash as Buffer).toString('hex'), statement: latest.statement, signature: latest.signature }, 'the database');
    const archived = latestArchivedCheckpoint(archiveDir);
    if (archived) await consider(archived, `${archiveDir}/checkpoints.jsonl`);
    if (archiveBucket) {
      const shipped = await latestShippedCheckpoint(archiveBucket).catch((error: Error) => {
        log.warn({ err: error, event: 'audit.checkpoint.unreadable' }, 'the archive bucket could not be read: verifying against the other checkpoints');
        return undefined;
      });
      if (shipped) await consider(shipped, `the archive bucket ${config.audit.archiveS3!.bucket}`);
    }
    return { known, seals: {
      unsignedThrough,
      linkKeys: [...keys.events.linkKeys] as Array<[string, Uint8Array]>,
      publicKeyPems: [...keys.events.publicKeyPems],
      signedHeads,
    } };
  }

  async function verify(progress: Pick<VerifyOptions, 'onTotal' | 'onProgress'> = {}) {
    await sequencer.runOnce();
    const { known, seals } = await knownCheckpoints();
    const result = await verifyAndRecord(db, {
      unchainedBoundSeconds: config.audit.unchainedBoundSeconds,
      checkpoints: known,
      seals,
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

  async function exportAndShip(day: string, dir = archiveDir) {
    const { seals } = await knownCheckpoints();
    const exported = await exportDay(db, keys, day, dir, { unsignedThrough: seals.unsignedThrough });
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
      await checkpointNow();
      const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      const { verified } = await exportAndShip(yesterday);
      if (!verified.ok) log.error({ event: 'audit.export.unverified', problem: verified.problem }, 'audit export failed verification');
      for (const outcome of await applyAuditRetention(db, signerFor(keys.events.current))) {
        log.info({ event: 'audit.retention', ...outcome }, outcome.dropped ? 'audit month retired' : 'audit month kept');
      }
    })().catch((e: Error) => log.error({ err: e }, 'daily audit export failed'))));
  }

  return {
    auditor,
    keys,
    sequencer,
    checkpoint: () => createCheckpoint(db, keys, sinks),
    verify,
    exportDay: exportAndShip,
    async stop() {
      for (const job of jobs) await job.stop();
      if (checkpointTimer) clearInterval(checkpointTimer);
      await sequencer.stop();
      await checkpointing;
    },
  };
}
