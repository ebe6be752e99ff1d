// Unusual download volume (SPEC §3 "Alerts"): every read of a document — by
// a signed-in user, or through a share link — is counted per subject over
// the window of KASTELL_DOWNLOAD_ALERT (e.g. 50/10m), from the audit trail's
// own document.read events (audit.note_download, sql/0016). Once a subject
// reaches the limit, one document.download_volume event is written in the
// download's transaction, and after the commit a warn log event of the same
// name (what the appliance's monitoring reads) and a mail to the security
// officers: once per window per subject.
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Database, Tx } from '../db/client.ts';
import type { Mailer } from '../mail/mailer.ts';
import { mailSecurityOfficers } from './alert-officers.ts';

export type DownloadSubject =
  | { type: 'user'; userId: string; email: string }
  | { type: 'share_link'; shareLinkId: string; createdBy: string };

export interface DownloadVolumeAlert {
  subject: DownloadSubject;
  companyId: string;
  documentId: string;
  downloads: number;
  windowSeconds: number;
}

/** In the download's transaction, after its document.read event: the alert to raise after commit, if this read reached the limit. */
export async function noteDownload(tx: Tx, settings: Config['documents']['downloadAlert'], subject: DownloadSubject, read: { companyId: string; documentId: string })
  : Promise<DownloadVolumeAlert | undefined> {
  if (!settings) return undefined;
  const id = subject.type === 'user' ? subject.userId : subject.shareLinkId;
  const [row] = await tx`select audit.note_download(${subject.type}, ${id}, ${read.companyId}, ${settings.limit}, ${settings.windowSeconds}) as downloads`;
  if (row?.downloads === null || row?.downloads === undefined) return undefined;
  return { subject, ...read, downloads: Number(row.downloads), windowSeconds: settings.windowSeconds };
}

const windowText = (seconds: number) => (seconds % 3600 === 0 ? `${seconds / 3600} h` : seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`);

/** After the commit: the log event and the officers' mail. */
export async function raiseDownloadAlert(deps: { db: Database; mailer: Mailer; log: Logger }, alert: DownloadVolumeAlert): Promise<void> {
  const { subject } = alert;
  const who = subject.type === 'user'
    ? `The user ${subject.email} (${subject.userId})`
    : `The share link ${subject.shareLinkId} (created by user ${subject.createdBy})`;
  deps.log.warn({
    event: 'document.download_volume', subjectType: subject.type,
    subjectId: subject.type === 'user' ? subject.userId : subject.shareLinkId,
    companyId: alert.companyId, documentId: alert.documentId, downloads: alert.downloads, windowSeconds: alert.windowSeconds,
  }, 'unusual download volume');
  await mailSecurityOfficers(deps, {
    subject: 'Unusual download volume',
    text: `${who} read ${alert.downloads} documents within ${windowText(alert.windowSeconds)} (limit KASTELL_DOWNLOAD_ALERT).\n` +
      `Latest: document ${alert.documentId} of company ${alert.companyId}.\n\n` +
      'The audit trail has the reads (document.read) and this alert (document.download_volume). ' +
      (subject.type === 'share_link' ? 'If the link has leaked, revoke it on the document page.\n' : 'If the account may be misused, disable it and end its sessions.\n') +
      'You get this mail once per window for the same user or link.\n',
  });
}
