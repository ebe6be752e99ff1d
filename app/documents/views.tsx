// Document pages: the list on a company, site or asset, the upload form
// (phone first: `accept` makes a phone's camera send JPEG), one document
// with its versions, replace, rename, delete.
import type { Context } from 'hono';
import { documentKinds } from '../config.ts';
import type { AppEnv } from '../http/context.ts';
import type { Translate } from '../i18n/index.ts';
import { CsrfField, DeleteButton, Field } from '../http/layout.tsx';
import type { Document, Version } from './schema.ts';
import { reasonText } from './reasons.ts';
import type { ShareLink } from './share-links.ts';

export const acceptedFiles = 'application/pdf,image/jpeg,image/png,image/webp,text/plain,text/csv,.pdf,.jpg,.jpeg,.png,.webp,.txt,.csv';

function KindSelect({ c, value, id }: { c: Context<AppEnv>; value?: string; id: string }) {
  const t = c.get('t');
  return (
    <p class="field">
      <label for={id}>{t('documents.kind')}</label>
      <select id={id} name="kind">
        {documentKinds.map((kind) => <option value={kind} selected={kind === (value ?? 'other')}>{t(`documents.kind.${kind}`)}</option>)}
      </select>
    </p>
  );
}

function FileField({ c, maxMiB }: { c: Context<AppEnv>; maxMiB: number }) {
  const t = c.get('t');
  return (
    <p class="field">
      <label for="document-file">{t('documents.file')}</label>
      <input id="document-file" name="file" type="file" required accept={acceptedFiles} aria-describedby="document-file-hint" />
      <small id="document-file-hint">{t('documents.fileHint', { max: String(maxMiB) })}</small>
    </p>
  );
}

/** The CSRF field comes first: the server reads it before any file byte. */
export function UploadForm({ c, action, maxMiB }: { c: Context<AppEnv>; action: string; maxMiB: number }) {
  const t = c.get('t');
  return (
    <form method="post" action={action} enctype="multipart/form-data">
      <CsrfField token={c.get('csrfToken')} />
      <Field form="document" name="title" label={t('documents.docTitle')} required maxlength={200} />
      <KindSelect c={c} id="document-kind" />
      <FileField c={c} maxMiB={maxMiB} />
      <button type="submit">{t('documents.uploadSubmit')}</button>
    </form>
  );
}

const sizeOf = (bytes: number | null) => (bytes === null ? '' : bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`);

export function DocumentList({ c, documents }: { c: Context<AppEnv>; documents: Document[] }) {
  const t = c.get('t');
  if (documents.length === 0) return <p>{t('documents.none')}</p>;
  return (
    <ul class="documents">
      {documents.map((d) => (
        <li>
          <a href={`/documents/${d.documentId}`}>{d.title}</a> · {t(`documents.kind.${d.kind}`)}
          {d.current ? <> · <a href={`/documents/${d.documentId}/download`} download>{t('documents.download')}</a> ({sizeOf(d.current.size)})</> : <> · {t('documents.noClean')}</>}
        </li>
      ))}
    </ul>
  );
}

function VersionRow({ c, version }: { c: Context<AppEnv>; version: Version }) {
  const t = c.get('t');
  return (
    <li>
      {version.fileName} · {new Date(version.createdAt).toISOString().slice(0, 16).replace('T', ' ')} UTC ·{' '}
      <strong>{t(`documents.status.${version.status}`)}</strong>
      {version.reason ? <> · {reasonText(t, version.status, version.reason)}</> : null}
      {version.status === 'clean' ? <> · {sizeOf(version.size)} · <a href={`/documents/${version.documentId}/download?version=${version.versionId}`}>{t('documents.download')}</a></> : null}
    </li>
  );
}

export interface ShareLinkRights {
  userId: string;
  canCreate: boolean;
  /** share_links.revoke: any link of the document; without it, one's own */
  canRevokeAny: boolean;
  maxDays: number;
  defaultDays: number;
}

export function DocumentPage({ c, document, shareLinks, share, canUpload, canDelete, maxMiB }: { c: Context<AppEnv>; document: Document; shareLinks: ShareLink[];
  share: ShareLinkRights; canUpload: boolean; canDelete: boolean; maxMiB: number }) {
  const t = c.get('t');
  const back = `/${document.parent.type === 'company' ? 'companies' : `${document.parent.type}s`}/${document.parent.id}/documents`;
  return (
    <>
      <p><a href={back}>←</a> {t(`documents.kind.${document.kind}`)}</p>
      {document.current ? <p><a href={`/documents/${document.documentId}/download`}>{t('documents.download')}</a></p> : <p>{t('documents.noClean')}</p>}
      <h2>{t('documents.versions')}</h2>
      <ul>{document.versions.map((v) => <VersionRow c={c} version={v} />)}</ul>
      <h2>{t('share.links')}</h2>
      {shareLinks.length === 0 ? <p>{t('share.none')}</p> : (
        <ul class="share-links">
          {shareLinks.map((l) => (
            <li>
              {t(`share.state.${l.state}`)} · {t('share.expires')} {l.expiresAt.slice(0, 16).replace('T', ' ')} UTC · {l.downloads}{l.maxDownloads === null ? '' : ` / ${l.maxDownloads}`}
              {l.revokedAt === null && (share.canRevokeAny || l.createdBy === share.userId) ? (
                <form method="post" action={`/share-links/${l.shareLinkId}/revoke`} class="inline">
                  <CsrfField token={c.get('csrfToken')} />
                  <button type="submit" class="danger">{t('share.revoke')}</button>
                </form>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {share.canCreate ? <ShareLinkForm c={c} documentId={document.documentId} maxDays={share.maxDays} defaultDays={share.defaultDays} values={{}} /> : null}
      {canUpload ? (
        <>
          <h2>{t('documents.replace')}</h2>
          <form method="post" action={`/documents/${document.documentId}/versions`} enctype="multipart/form-data">
            <CsrfField token={c.get('csrfToken')} />
            <FileField c={c} maxMiB={maxMiB} />
            <button type="submit">{t('documents.uploadSubmit')}</button>
          </form>
          <h2>{t('documents.rename')}</h2>
          <form method="post" action={`/documents/${document.documentId}`}>
            <CsrfField token={c.get('csrfToken')} />
            <Field form="rename" name="title" label={t('documents.docTitle')} value={document.title} required maxlength={200} />
            <KindSelect c={c} value={document.kind} id="rename-kind" />
            <button type="submit">{t('form.save')}</button>
          </form>
        </>
      ) : null}
      {canDelete ? <DeleteButton c={c} action={`/documents/${document.documentId}/delete`} /> : null}
    </>
  );
}

export const shareLinkLabels = (t: Translate) => ({ expiresInDays: t('share.days'), password: t('share.newPassword'), maxDownloads: t('share.maxDownloads') });

/** Share this document: expiry (required, with the default filled in), optional password and download limit. Phone first: numeric keyboards. */
export function ShareLinkForm({ c, documentId, maxDays, defaultDays, values }: { c: Context<AppEnv>; documentId: string; maxDays: number; defaultDays: number;
  values: Record<string, string | undefined> }) {
  const t = c.get('t');
  return (
    <form method="post" action={`/documents/${documentId}/share-links`} class="share-create">
      <h3>{t('share.create')}</h3>
      <CsrfField token={c.get('csrfToken')} />
      <p class="field">
        <label for="share-days">{t('share.days')}</label>
        <input id="share-days" name="expiresInDays" type="number" inputmode="numeric" min={1} max={maxDays} required value={values.expiresInDays ?? String(defaultDays)} aria-describedby="share-days-hint" />
        <small id="share-days-hint">{t('share.daysHint', { max: String(maxDays) })}</small>
      </p>
      <p class="field">
        <label for="share-new-password">{t('share.newPassword')}</label>
        <input id="share-new-password" name="password" type="password" autocomplete="new-password" minlength={12} maxlength={128} aria-describedby="share-new-password-hint" />
        <small id="share-new-password-hint">{t('share.passwordHint')}</small>
      </p>
      <p class="field">
        <label for="share-max">{t('share.maxDownloads')}</label>
        <input id="share-max" name="maxDownloads" type="number" inputmode="numeric" min={1} max={10000} value={values.maxDownloads ?? ''} aria-describedby="share-max-hint" />
        <small id="share-max-hint">{t('share.maxDownloadsHint')}</small>
      </p>
      <button type="submit">{t('share.createSubmit')}</button>
    </form>
  );
}

/** The link, shown once: only its hash is stored. */
export function ShareLinkCreated({ c, link }: { c: Context<AppEnv>; link: ShareLink & { url: string } }) {
  const t = c.get('t');
  return (
    <>
      <p role="status">{t('share.createdOnce')}</p>
      <p class="field">
        <label for="share-url">{t('share.url')}</label>
        <input id="share-url" type="url" readonly value={link.url} />
      </p>
      <p>{t('share.expires')} {link.expiresAt.slice(0, 16).replace('T', ' ')} UTC{link.maxDownloads === null ? '' : ` · ${t('share.maxDownloads')}: ${link.maxDownloads}`}</p>
      <p><a href={`/documents/${link.documentId}`}>{t('share.back')}</a></p>
    </>
  );
}
