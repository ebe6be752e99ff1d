// `kastell report verify FILE.pdf`: a sealed report checked offline, with no
// certificate authority: the PAdES seal against this installation's
// certificate, and the file's SHA-256 in a report.signed event of an audit
// chain that verifies. One changed byte fails the seal (and the hash); an
// altered event fails the chain or no longer names the file.
import { createHash } from 'node:crypto';
import type { AuditService } from '../audit/service.ts';
import type { Database } from '../db/client.ts';
import { checkSeal } from './seal.ts';

export type ReportVerdict =
  | { ok: true; sha256: string; reportId: string; seq: number; signedAt: Date | undefined; chainHead: number }
  | { ok: false; sha256: string; reason: string };

export async function verifyReportPdf(pdf: Buffer, certificateDer: Uint8Array, db: Database, audit: Pick<AuditService, 'verify'>): Promise<ReportVerdict> {
  const sha256 = createHash('sha256').update(pdf).digest('hex');
  const seal = await checkSeal(pdf, certificateDer);
  if (!seal.ok) return { ok: false, sha256, reason: `seal: ${seal.reason}` };
  // verifying first also chains what is due (the sequencer runs once before the walk)
  const chain = await audit.verify();
  if (!chain.ok) return { ok: false, sha256, reason: `audit: the chain does not verify (${chain.problem}${chain.firstBadSeq !== null ? ` at link ${chain.firstBadSeq}` : ''})` };
  const [event] = await db.withPrincipal(null, (tx) => tx<{ seq: string | null; report_id: string }[]>`
    select seq, report_id from audit.report_seal_event(${sha256})`);
  if (!event) return { ok: false, sha256, reason: 'audit: no report.signed event names this file\'s SHA-256 (not a report sealed here, or its event was altered)' };
  if (event.seq === null) return { ok: false, sha256, reason: 'audit: the report.signed event is not chained yet; try again in a minute' };
  if (chain.headSeq < Number(event.seq)) return { ok: false, sha256, reason: 'audit: the verified chain does not reach the event' };
  return { ok: true, sha256, reportId: event.report_id, seq: Number(event.seq), signedAt: seal.signedAt, chainHead: chain.headSeq };
}
