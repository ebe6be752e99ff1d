// One upload from quarantine to a decided version: the version row is
// written (pending) with its audit event, the pipeline runs, and only a
// clean outcome is stored (under a random key) and marked clean. Malware is
// audited as denied and mailed to the security officers. When the scanner
// cannot decide, the version stays pending with the reason and the
// quarantined file is kept under held/ for a later attempt (retry-held.ts).
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from 'hono';
import { auditFor } from '../audit/record.ts';
import type { Config } from '../config.ts';
import type { Audit } from '../db/audit-event.ts';
import type { Principal, Tx } from '../db/client.ts';
import type { FeatureDeps } from '../feature.ts';
import type { AppEnv, SessionUser } from '../http/context.ts';
import { mailSecurityOfficers } from './alert-officers.ts';
import { runPipeline, type PipelineOutcome, type PipelineSettings } from './pipeline.ts';
import { createVersion, decideVersion, markVersionClean } from './queries.ts';
import type { ReceivedUpload } from './receive-upload.ts';
import { sanitiseFileName } from './schema.ts';

export type SettleDeps = Pick<FeatureDeps, 'db' | 'store' | 'log' | 'mailer'>;

/** A new object's key: random, under its document. */
export const newObjectKey = (documentId: string) => `documents/${documentId}/${randomBytes(16).toString('hex')}`;

export const pipelineSettings = (config: Config, workDir: string): PipelineSettings => ({
  clamdSocket: config.documents.clamdSocket, clamdTimeoutMs: config.documents.clamdTimeoutMs, maxPixels: config.documents.maxPixels, workDir,
});

/** Where a version the scanner could not judge waits for the retry. */
export const heldDir = (config: Config) => join(config.documents.quarantineDir, 'held');

/**
 * Writes the pipeline's outcome for a pending version, as its uploader
 * (`principal`: the policy document_versions_decide lets only them decide
 * it): clean → stored under a random key and marked clean; rejected →
 * marked with the reason (malware: logged and mailed); still no verdict →
 * marked held with the reason, unless `recordHeld` is false (a retry that
 * got no verdict either leaves the row as it was).
 */
export async function settleVersion(deps: SettleDeps, principal: Principal, audit: Audit,
  version: { documentId: string; versionId: string; uploader: string }, outcome: PipelineOutcome, options: { recordHeld: boolean })
  : Promise<'clean' | 'rejected' | 'pending'> {
  const { db, store, log } = deps;
  const { documentId, versionId } = version;
  if (outcome.status === 'clean') {
    let objectKey = outcome.storedKey;
    if (objectKey === undefined) {
      objectKey = newObjectKey(documentId);
      // encrypted under the owning company's data key on its way to the store (app/crypto/encrypting-store.ts)
      const [owner] = await db.withPrincipal(principal, (tx) => tx<{ owner_company_id: string }[]>`
        select owner_company_id from documents where document_id = ${documentId}`);
      await store.put(objectKey, createReadStream(outcome.path), outcome.size, owner?.owner_company_id);
    }
    const marked = await db.withPrincipal(principal, (tx) => markVersionClean(tx, audit, versionId, { objectKey, type: outcome.type, size: outcome.size, sha256: outcome.sha256 }));
    if (!marked) await store.remove(objectKey);
    return marked ? 'clean' : 'pending';
  }
  if (outcome.status === 'pending') {
    if (options.recordHeld) await db.withPrincipal(principal, (tx) => decideVersion(tx, audit, versionId, 'pending', outcome.reason));
    return 'pending';
  }
  const decided = await db.withPrincipal(principal, (tx) => decideVersion(tx, audit, versionId, 'rejected', outcome.reason, outcome.signature));
  // malware is alerted about even when the row was not the caller's to decide any more
  if (outcome.signature) {
    log.warn({ event: 'document.malware_detected', versionId, signature: outcome.signature, userId: principal.userId }, 'malware in an upload');
    await mailSecurityOfficers(deps, {
      subject: 'Malware found in an upload',
      text: `ClamAV found ${outcome.signature} in an upload by ${version.uploader} (document ${documentId}, version ${versionId}).\n` +
        'The file was rejected and never stored. The audit trail has the event document.malware_detected.\n',
    });
  }
  return decided ? 'rejected' : 'pending';
}

export async function processUpload(deps: FeatureDeps, c: Context<AppEnv>, user: SessionUser, upload: ReceivedUpload,
  target: { companyId: string; documentId?: string; createDocument?: (tx: Tx) => Promise<string> })
  : Promise<{ documentId: string; versionId: string; status: 'clean' | 'rejected' | 'pending' }> {
  const { db, config, log } = deps;
  const audit = auditFor(c);
  const fileName = sanitiseFileName(upload.file.name);
  const work = await mkdtemp(join(config.documents.quarantineDir, 'work-'));
  let adopted = false;
  try {
    const { documentId, versionId } = await db.withPrincipal(user, async (tx) => {
      const documentId = target.documentId ?? (await target.createDocument!(tx));
      const versionId = await createVersion(tx, audit, { documentId, companyId: target.companyId, fileName, userId: user.userId, uploadSize: upload.file.size });
      return { documentId, versionId };
    });
    const outcome = await runPipeline(upload.file.path, join(work, 'output'), pipelineSettings(config, work), upload.streamed);
    const status = await settleVersion(deps, user, audit, { documentId, versionId, uploader: user.email }, outcome, { recordHeld: true });
    // the staged object is the version's now (settleVersion removed it if the row would not take it)
    if (outcome.status === 'clean' && outcome.storedKey !== undefined) adopted = true;
    if (outcome.status === 'pending') {
      log.warn({ event: 'document.version_held', versionId, reason: outcome.reason }, 'upload held: no verdict from the scanner');
      await mkdir(heldDir(config), { recursive: true, mode: 0o700 });
      await rename(upload.file.path, join(heldDir(config), versionId));
    }
    return { documentId, versionId, status };
  } finally {
    await rm(work, { recursive: true, force: true });
    // a staged object no clean version took is removed (rejected, held, or an error on the way)
    if (adopted) await rm(upload.file.path, { force: true });
    else await upload.discard();
  }
}
