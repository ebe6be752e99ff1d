// One upload from quarantine to a decided version: the version row is
// written (pending) with its audit event, the pipeline runs, and only a
// clean outcome is stored (under a random key) and marked clean. Malware is
// audited as denied and mailed to the security officers. When the scanner
// cannot decide, the version stays pending with the reason and the
// quarantined file is kept under held/ for a later attempt.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from 'hono';
import { auditFor } from '../audit/record.ts';
import type { FeatureDeps } from '../feature.ts';
import type { AppEnv, SessionUser } from '../http/context.ts';
import { mailSecurityOfficers } from './alert-officers.ts';
import { runPipeline } from './pipeline.ts';
import { createVersion, decideVersion, markVersionClean } from './queries.ts';
import type { ReceivedUpload } from './receive-upload.ts';
import { sanitiseFileName } from './schema.ts';

export async function processUpload(deps: FeatureDeps, c: Context<AppEnv>, user: SessionUser, upload: ReceivedUpload,
  target: { companyId: string; documentId?: string; createDocument?: (tx: Parameters<Parameters<FeatureDeps['db']['withPrincipal']>[1]>[0]) => Promise<string> })
  : Promise<{ documentId: string; versionId: string; status: 'clean' | 'rejected' | 'pending' }> {
  const { db, store, config, log } = deps;
  const audit = auditFor(c);
  const fileName = sanitiseFileName(upload.file.name);
  const work = await mkdtemp(join(config.documents.quarantineDir, 'work-'));
  try {
    const { documentId, versionId } = await db.withPrincipal(user, async (tx) => {
      const documentId = target.documentId ?? (await target.createDocument!(tx));
      const versionId = await createVersion(tx, audit, { documentId, companyId: target.companyId, fileName, userId: user.userId, uploadSize: upload.file.size });
      return { documentId, versionId };
    });
    const outcome = await runPipeline(upload.file.path, join(work, 'output'), {
      clamdSocket: config.documents.clamdSocket, clamdTimeoutMs: config.documents.clamdTimeoutMs,
      maxPixels: config.documents.maxPixels, workDir: work,
    });
    if (outcome.status === 'clean') {
      const objectKey = `documents/${documentId}/${randomBytes(16).toString('hex')}`;
      await store.put(objectKey, createReadStream(outcome.path), outcome.size);
      const marked = await db.withPrincipal(user, (tx) => markVersionClean(tx, audit, versionId, { objectKey, type: outcome.type, size: outcome.size, sha256: outcome.sha256 }));
      if (!marked) await store.remove(objectKey);
      return { documentId, versionId, status: marked ? 'clean' : 'pending' };
    }
    await db.withPrincipal(user, (tx) => decideVersion(tx, audit, versionId, outcome.status, outcome.reason, outcome.status === 'rejected' ? outcome.signature : undefined));
    if (outcome.status === 'pending') {
      log.warn({ event: 'document.version_held', versionId, reason: outcome.reason }, 'upload held: no verdict from the scanner');
      const held = join(config.documents.quarantineDir, 'held');
      await mkdir(held, { recursive: true, mode: 0o700 });
      await rename(upload.file.path, join(held, versionId));
    } else if (outcome.signature) {
      log.warn({ event: 'document.malware_detected', versionId, signature: outcome.signature, userId: user.userId }, 'malware in an upload');
      await mailSecurityOfficers(deps, {
        subject: 'Malware found in an upload',
        text: `ClamAV found ${outcome.signature} in an upload by ${user.email} (document ${documentId}, version ${versionId}).\n` +
          'The file was rejected and never stored. The audit trail has the event document.malware_detected.\n',
      });
    }
    return { documentId, versionId, status: outcome.status };
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(upload.file.path, { force: true });
  }
}
