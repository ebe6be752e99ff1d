// The retry of held versions: an upload the scanner could not judge (clamd
// down, or no verdict in time) stays pending, its file under
// quarantine/held/<version id>. This runs the whole pipeline on each again
// and decides the version — clean, or rejected (malware alerted as on
// upload) — or leaves it held when there is still no verdict. It acts as the
// version's uploader (app.held_version_uploader, sql/0016), so the same
// policies decide as on upload: an uploader who lost the right to upload
// leaves the version pending. The events are the system's
// ("held version retry"). Run every 10 minutes when KASTELL_JOBS=on
// (scheduleHeldRetry, started by app/server.ts), and by
// `kastell documents retry-held`. A held file of a company shredded since
// is plaintext nothing may read any more: removed unscanned.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { scheduleOneAtATime } from '../schedule.ts';
import type { Config } from '../config.ts';
import type { Audit } from '../db/audit-event.ts';
import type { Keyring } from '../crypto/keyring.ts';
import type { Auditor } from '../http/context.ts';
import { runPipeline } from './pipeline.ts';
import { heldDir, pipelineSettings, settleVersion, type SettleDeps } from './process-upload.ts';

export type RetryOutcome = { versionId: string; status: 'clean' | 'rejected' | 'pending' | 'gone' | 'shredded' | 'not_decidable' };

const versionFile = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function retryHeldVersions(deps: SettleDeps & { config: Config; auditor: Auditor; keyring: Keyring }): Promise<RetryOutcome[]> {
  const { db, config, log, auditor } = deps;
  const dir = heldDir(config);
  const names = (await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  })).filter((name) => versionFile.test(name)).sort();
  const audit: Audit = (tx, event) => auditor.recordAs(tx, { type: 'system', label: 'held version retry' }, event);
  const outcomes: RetryOutcome[] = [];
  for (const versionId of names) {
    const file = join(dir, versionId);
    try {
      const [row] = await db.withPrincipal(null, (tx) => tx`select app.held_version_uploader(${versionId}) as uploaded_by, app.held_version_company(${versionId}) as company_id`);
      const uploader = row?.uploaded_by as string | null;
      // before anything as the uploader, who may no longer see it (sql/0028)
      if (uploader && deps.keyring.isShredded(row!.company_id as string)) {
        await rm(file, { force: true });
        log.warn({ event: 'document.version_shredded', versionId }, 'held version removed: its company was crypto-shredded');
        outcomes.push({ versionId, status: 'shredded' });
        continue;
      }
      if (!uploader) {
        // decided meanwhile, or its document deleted: nothing is waiting for this file
        await rm(file, { force: true });
        outcomes.push({ versionId, status: 'gone' });
        continue;
      }
      const principal = { userId: uploader };
      const version = await db.withPrincipal(principal, async (tx) => {
        const [v] = await tx`select v.document_id, u.email from document_versions v left join users u on u.user_id = v.uploaded_by
          where v.version_id = ${versionId} and v.status = 'pending'`;
        return v as { document_id: string; email: string | null } | undefined;
      });
      if (!version) {
        log.warn({ event: 'document.version_retry_refused', versionId }, 'held version not retried: its uploader may no longer read it');
        outcomes.push({ versionId, status: 'not_decidable' });
        continue;
      }
      const work = await mkdtemp(join(config.documents.quarantineDir, 'work-'));
      try {
        const outcome = await runPipeline(file, join(work, 'output'), pipelineSettings(config, work));
        const status = await settleVersion(deps, principal, audit, { documentId: version.document_id, versionId, uploader: version.email ?? uploader }, outcome, { recordHeld: false });
        if (outcome.status !== 'pending' && status === 'pending') {
          log.warn({ event: 'document.version_retry_refused', versionId, outcome: outcome.status }, 'held version not decided: its uploader may no longer upload');
          outcomes.push({ versionId, status: 'not_decidable' });
          continue;
        }
        if (status !== 'pending') await rm(file, { force: true });
        log.info({ event: 'document.version_retried', versionId, status }, status === 'pending' ? 'held version: still no verdict' : 'held version decided');
        outcomes.push({ versionId, status });
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    } catch (error) {
      // one version's trouble (its file taken by another process's retry, the store down) does not stop the others
      log.error({ err: error as Error, versionId }, 'held version retry failed');
      outcomes.push({ versionId, status: 'pending' });
    }
  }
  return outcomes;
}

/** Every 10 minutes, one run at a time; stop() ends the schedule. */
export function scheduleHeldRetry(deps: Parameters<typeof retryHeldVersions>[0]): { stop(): Promise<void> } {
  return scheduleOneAtATime('*/10 * * * *', () => retryHeldVersions(deps),
    (error) => deps.log.error({ err: error }, 'held version retry failed to run'));
}
