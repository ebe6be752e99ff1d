// The trust page's figures, computed on request from the controls that run —
// never typed in — and kept for a short while (KASTELL_TRUST_CACHE_SECONDS,
// 60 s) so a busy page costs one computation a minute. Each figure carries
// the time its control measured it, the control's name and where it was
// read; a figure that is old or failing says so (status + reason), it is
// never left out.
import { createHash } from 'node:crypto';
import type { FeatureDeps } from '../feature.ts';
import { signBytes } from '../audit/keys.ts';
import { askScannerVersion } from '../documents/scan-file.ts';
import { readAdvisoryReport } from './advisories.ts';
import { readReleaseKey } from './release-signature.ts';
import { readBackupEvidence, readDrillEvidence } from './evidence-files.ts';
import { findCheckpointSummary, findFactorAdoption, findVerificationSummary, listPublicBreaches } from './queries.ts';
import type { FigureBase, TrustFigures, TrustReport } from './schema.ts';
import { selfCheck } from './self-check.ts';

const hour = 3600;
const day = 24 * hour;
/** the verification runs daily (02:15 UTC): older than a day and a bit is a run that did not happen */
const verificationMaxAge = 26 * hour;
/** checkpoints: every KASTELL_AUDIT_CHECKPOINT_SECONDS while the chain moves, and daily */
const checkpointMaxAge = 26 * hour;
/** the drill runs monthly (kastell-restore-drill.timer) */
const drillMaxAge = 35 * day;
/** freshclam updates several times a day; the daily database is rebuilt daily */
const signaturesMaxAge = 3 * day;
/** a certificate this close to its end is a warning (Let's Encrypt renews 30 days before) */
const certificateWarnBefore = 14 * day;
/** advisories are published every day: a release checked more than 30 days ago says so */
const advisoriesMaxAge = 30 * day;

const ageOf = (at: Date, now: Date) => Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000));
const hours = (seconds: number) => `${Math.floor(seconds / hour)} h`;

type Deps = Pick<FeatureDeps, 'config' | 'db' | 'audit' | 'log'>;

export async function computeFigures(deps: Deps, now = new Date()): Promise<TrustFigures> {
  const { config, db } = deps;
  const base = (control: string, source: string): FigureBase => ({ status: 'ok', measuredAt: null, control, source, code: null, reason: null });

  const [fromDb, drill, backup, headers, scanner, advisoryReport] = await Promise.all([
    db.withPrincipal(null, async (tx) => ({
      verification: await findVerificationSummary(tx),
      checkpoint: await findCheckpointSummary(tx),
      adoption: await findFactorAdoption(tx),
    })),
    readDrillEvidence(config.trust.evidenceDir),
    readBackupEvidence(config.trust.evidenceDir),
    selfCheck(config.publicUrl),
    askScannerVersion(config.documents.clamdSocket, 5000),
    readAdvisoryReport(config.trust.releaseDir, readReleaseKey(config.trust.releaseDir, config.trust.releasePublicKey)),
  ]);

  // Audit-chain verification
  const v = fromDb.verification;
  const auditVerification: TrustFigures['auditVerification'] = {
    ...base('audit-chain-verification', 'audit.verifications (kastell audit verify; daily at 02:15 UTC)'),
    checkedLinks: v?.checkedLinks ?? null, headSeq: v?.headSeq ?? null, firstBadSeq: v?.firstBadSeq ?? null,
    measuredAt: v?.verifiedAt.toISOString() ?? null,
  };
  if (!v) Object.assign(auditVerification, { code: 'none', status: 'absent', reason: 'no verification of the audit chain has been recorded yet' });
  else if (!v.ok) Object.assign(auditVerification, { code: 'broken', status: 'failing', reason: `the audit chain failed verification${v.firstBadSeq === null ? '' : ` at link ${v.firstBadSeq}`}` });
  else if (ageOf(v.verifiedAt, now) > verificationMaxAge) Object.assign(auditVerification, { code: 'old', status: 'stale', reason: `the last verification is ${hours(ageOf(v.verifiedAt, now))} old; it should run daily` });

  // Latest signed checkpoint
  const cp = fromDb.checkpoint;
  const unsigned = cp.seq === null ? null : Math.max(0, cp.headSeq - cp.seq);
  const checkpoint: TrustFigures['checkpoint'] = {
    ...base('audit-checkpoint', 'audit.checkpoints (signed chain heads; GET /api/v1/audit/checkpoint)'),
    seq: cp.seq, chainHeadSeq: cp.headSeq, unsignedLinks: unsigned, measuredAt: cp.signedAt?.toISOString() ?? null,
    // the stated window (README "Audit trail"): checkpoint interval plus at most a second of chaining delay
    windowSeconds: config.audit.checkpointSeconds + Math.ceil(config.audit.chainIntervalMs / 1000),
    shippedOffBox: config.audit.archiveS3 !== undefined,
  };
  // links waiting much longer than the window for a checkpoint: the window is not being kept
  const tailMaxAge = Math.max(3 * checkpoint.windowSeconds, 300);
  if (cp.seq === null) Object.assign(checkpoint, { code: 'none', status: 'absent', reason: 'no chain head has been signed yet' });
  else if (unsigned! > 0 && ageOf(cp.signedAt!, now) > Math.min(checkpointMaxAge, tailMaxAge)) {
    Object.assign(checkpoint, { code: 'old', status: 'stale', reason: `the latest checkpoint is ${hours(ageOf(cp.signedAt!, now))} old and ${unsigned} later links are not signed yet` });
  }

  // Restore drill
  const restoreDrill: TrustFigures['restoreDrill'] = {
    ...base('restore-drill', drill.path), result: null, rtoSeconds: null, rtoTargetSeconds: null,
    dataAgeSeconds: null, rpoTargetSeconds: null, auditLinks: null, checksPassed: [], drillReason: null,
  };
  if (drill.state === 'absent') Object.assign(restoreDrill, { code: 'none', status: 'absent', reason: 'no restore drill recorded' });
  else if (drill.state === 'unreadable') Object.assign(restoreDrill, { code: 'unreadable', status: 'failing', reason: `the drill's evidence file ${drill.reason}` });
  else {
    const d = drill.value;
    const finished = new Date(d.finished_at);
    Object.assign(restoreDrill, {
      measuredAt: finished.toISOString(), result: d.status, rtoSeconds: d.rto_seconds ?? null, rtoTargetSeconds: d.rto_target_seconds ?? null,
      dataAgeSeconds: d.data_age_seconds ?? null, rpoTargetSeconds: d.rpo_target_seconds ?? null, auditLinks: d.audit_links ?? null, checksPassed: d.checks_passed,
      drillReason: d.reason || null,
    });
    if (d.status === 'fail') Object.assign(restoreDrill, { code: 'failed', status: 'failing', reason: `the last restore drill failed${d.reason ? `: ${d.reason}` : ''}` });
    else if (ageOf(finished, now) > drillMaxAge) Object.assign(restoreDrill, { code: 'old', status: 'stale', reason: `the last restore drill is ${Math.floor(ageOf(finished, now) / day)} days old; it should run monthly` });
    else if (d.rto_seconds != null && d.rto_target_seconds != null && d.rto_seconds > d.rto_target_seconds) {
      Object.assign(restoreDrill, { code: 'rto_missed', status: 'warning', reason: 'the restore took longer than its target (RTO)' });
    } else if (d.data_age_seconds != null && d.rpo_target_seconds != null && d.data_age_seconds > d.rpo_target_seconds) {
      Object.assign(restoreDrill, { code: 'rpo_missed', status: 'warning', reason: 'the restored data was older than its target (RPO)' });
    }
  }

  // Last successful backup
  const maxAge = config.trust.backupMaxAgeHours * hour;
  const backupFigure: TrustFigures['backup'] = { ...base('backup', backup.path), result: null, type: null, ageSeconds: null, maxAgeSeconds: maxAge };
  if (backup.state === 'absent') Object.assign(backupFigure, { code: 'none', status: 'absent', reason: 'no successful backup recorded' });
  else if (backup.state === 'unreadable') Object.assign(backupFigure, { code: 'unreadable', status: 'failing', reason: `the backup's evidence file ${backup.reason}` });
  else {
    const finished = new Date(backup.value.finished_at);
    const age = ageOf(finished, now);
    Object.assign(backupFigure, { measuredAt: finished.toISOString(), result: backup.value.status, type: backup.value.type ?? null, ageSeconds: age });
    if (backup.value.status !== 'pass') Object.assign(backupFigure, { code: 'failed', status: 'failing', reason: 'the last backup failed' });
    else if (age > maxAge) Object.assign(backupFigure, { code: 'old', status: 'stale', reason: `the last successful backup is ${hours(age)} old (at most ${config.trust.backupMaxAgeHours} h expected)` });
  }

  // MFA by role, passkeys
  const measuredNow = now.toISOString();
  const required = (side: string) => side !== 'customer' || config.identity.mfaCustomers === 'required';
  const roles = fromDb.adoption.map((r) => ({
    role: r.role, roleName: r.roleName, side: r.side, accounts: r.accounts, withFactor: r.withFactor,
    share: r.accounts === 0 ? null : r.withFactor / r.accounts, required: required(r.side),
  }));
  const missing = roles.filter((r) => r.required).reduce((n, r) => n + (r.accounts - r.withFactor), 0);
  const mfa: TrustFigures['mfa'] = {
    ...base('mfa-adoption', 'kastell.totp_factors, kastell.passkeys (active accounts by role)'), measuredAt: measuredNow, roles,
    ...(missing > 0 ? { status: 'warning' as const, code: 'without_factor', reason: `${missing} account(s) in roles that require a second factor have none yet; they cannot sign in until they enrol one` } : {}),
  };
  const accounts = fromDb.adoption.reduce((n, r) => n + r.accounts, 0);
  const withPasskey = fromDb.adoption.reduce((n, r) => n + r.withPasskey, 0);
  const passkeys: TrustFigures['passkeys'] = {
    ...base('passkey-share', 'kastell.passkeys (active accounts)'), measuredAt: measuredNow,
    accounts, withPasskey, share: accounts === 0 ? null : withPasskey / accounts,
  };

  // Headers and TLS
  const headerFigure: TrustFigures['headers'] = {
    ...base('header-self-check', `GET ${headers.url}`), measuredAt: measuredNow, url: headers.url, checks: headers.checks,
    tls: headers.tls, certificateExpiresAt: headers.certificateExpiresAt?.toISOString() ?? null,
  };
  const badHeaders = headers.checks.filter((check) => !check.ok).map((check) => check.header);
  if (!headers.reachable) Object.assign(headerFigure, { code: 'unreachable', status: 'failing', reason: headers.reason });
  else if (badHeaders.length > 0) Object.assign(headerFigure, { code: 'weak_headers', status: 'failing', reason: `missing or too weak: ${badHeaders.join(', ')}` });
  else if (headers.certificateExpiresAt && headers.certificateExpiresAt.getTime() <= now.getTime()) Object.assign(headerFigure, { code: 'certificate_expired', status: 'failing', reason: 'the TLS certificate has expired' });
  else if (headers.certificateExpiresAt && headers.certificateExpiresAt.getTime() - now.getTime() < certificateWarnBefore * 1000) {
    Object.assign(headerFigure, { code: 'certificate_expiring', status: 'warning', reason: 'the TLS certificate expires within 14 days and has not been renewed' });
  } else if (!headers.tls) Object.assign(headerFigure, { code: 'no_tls', status: 'warning', reason: 'the public URL is http://: no TLS, so no certificate to check' });

  // Virus scanner signatures
  const scannerFigure: TrustFigures['scanner'] = {
    ...base('virus-signatures', `clamd VERSION on ${config.documents.clamdSocket}`), measuredAt: measuredNow,
    engine: null, signatureVersion: null, signaturesDate: null, ageSeconds: null,
  };
  if (!scanner.reachable) Object.assign(scannerFigure, { code: 'unreachable', status: 'failing', reason: `scanner unreachable: ${scanner.reason}` });
  else {
    Object.assign(scannerFigure, {
      engine: scanner.engine, signatureVersion: scanner.signatureVersion,
      signaturesDate: scanner.signaturesDate?.toISOString() ?? null, ageSeconds: scanner.signaturesDate ? ageOf(scanner.signaturesDate, now) : null,
    });
    if (!scanner.signaturesDate) Object.assign(scannerFigure, { code: 'no_date', status: 'warning', reason: 'the scanner answers but names no signature database date (no daily database loaded)' });
    else if (ageOf(scanner.signaturesDate, now) > signaturesMaxAge) {
      Object.assign(scannerFigure, { code: 'old', status: 'stale', reason: `the virus signatures are ${Math.floor(ageOf(scanner.signaturesDate, now) / day)} days old; freshclam should update them daily` });
    }
  }

  // Dependency advisories (checked when the release was built: ops/build-release)
  const advisories: TrustFigures['advisories'] = {
    ...base('dependency-advisories', `${advisoryReport.path} (npm audit of the production dependencies, at release build)`),
    open: null, counts: null, ageSeconds: null, signedBy: null, signingKey: null,
  };
  if (advisoryReport.state === 'absent') {
    Object.assign(advisories, { status: 'not_measured', code: 'no_check', reason: 'not measured here: this installation runs no built release with an advisory check (ops/build-release)' });
  } else if (advisoryReport.state === 'unreadable') {
    Object.assign(advisories, { status: 'failing', code: 'unreadable', reason: `the advisory check's file ${advisoryReport.reason}` });
  } else if (advisoryReport.state === 'unverified') {
    // fail closed: a count whose signature does not hold is not shown
    Object.assign(advisories, { status: 'failing', code: 'unverified', reason: `the advisory check's file is not shown because its signature is not verified: ${advisoryReport.reason}` });
  } else {
    const a = advisoryReport.value;
    const age = ageOf(new Date(a.checked_at), now);
    Object.assign(advisories, { measuredAt: a.checked_at, ageSeconds: age, signedBy: advisoryReport.fingerprint, signingKey: advisoryReport.keyPath });
    if (!a.reachable || !a.counts) Object.assign(advisories, { status: 'not_measured', code: 'unreachable', reason: `not measured: the registry's audit endpoint could not be reached when this release was built (${a.reason ?? 'no answer'})` });
    else {
      Object.assign(advisories, { open: a.counts.total, counts: a.counts });
      if (a.counts.high + a.counts.critical > 0) Object.assign(advisories, { status: 'failing', code: 'open_severe', reason: `${a.counts.total} open advisories in the shipped dependencies, ${a.counts.high + a.counts.critical} of them high or critical` });
      else if (a.counts.total > 0) Object.assign(advisories, { status: 'warning', code: 'open', reason: `${a.counts.total} open advisories (low or moderate) in the shipped dependencies` });
      else if (age > advisoriesMaxAge) Object.assign(advisories, { status: 'stale', code: 'old', reason: `the dependencies were last checked ${Math.floor(age / day)} days ago, when this release was built` });
    }
  }

  return { auditVerification, checkpoint, restoreDrill, backup: backupFigure, mfa, passkeys, headers: headerFigure, scanner: scannerFigure, advisories };
}

export interface TrustSnapshot {
  report: TrustReport;
  /** the exact bytes of /trust.json */
  json: Buffer;
  sha256: string;
  /** detached OpenPGP signature over `json` */
  signature: string;
}

/** The cached snapshot (and the one before it, so a signature fetched just after a refresh still finds its JSON). */
export function createTrustFigures(deps: Deps) {
  let current: { at: number; snapshot: Promise<TrustSnapshot> } | undefined;
  let previous: TrustSnapshot | undefined;
  const ttlMs = deps.config.trust.cacheSeconds * 1000;

  async function build(): Promise<TrustSnapshot> {
    const now = new Date();
    const [figures, breaches] = await Promise.all([
      computeFigures(deps, now),
      deps.db.withPrincipal(null, listPublicBreaches),
    ]);
    const report: TrustReport = {
      format: 'kastell-trust v1',
      installation: deps.config.publicUrl,
      generatedAt: now.toISOString(),
      cacheSeconds: deps.config.trust.cacheSeconds,
      figures,
      breaches,
      publicKey: `${deps.config.publicUrl}/trust/key.asc`,
      signature: `${deps.config.publicUrl}/trust.json.asc`,
    };
    const json = Buffer.from(JSON.stringify(report, null, 2) + '\n', 'utf8');
    return { report, json, sha256: createHash('sha256').update(json).digest('hex'), signature: await signBytes(deps.audit.keys.signingKey, json) };
  }

  return {
    async snapshot(): Promise<TrustSnapshot> {
      if (!current || Date.now() - current.at >= ttlMs) {
        current?.snapshot.then((settled) => { previous = settled; }, () => {});
        const next = { at: Date.now(), snapshot: build() };
        current = next;
        // a failed computation is not kept: the next request tries again
        next.snapshot.catch((error: Error) => {
          deps.log.error({ err: error }, 'trust figures could not be computed');
          if (current === next) current = undefined;
        });
      }
      return current.snapshot;
    },
    /** after a breach is entered: the next request computes afresh */
    invalidate(): void {
      current?.snapshot.then((settled) => { previous = settled; }, () => {});
      current = undefined;
    },
    /** a snapshot by the SHA-256 of its JSON: the current or the one before */
    async bySha256(sha256: string): Promise<TrustSnapshot | undefined> {
      const latest = await this.snapshot();
      return [latest, previous].find((s) => s?.sha256 === sha256);
    },
  };
}
export type TrustFiguresCache = ReturnType<typeof createTrustFigures>;
