// Share links: created, listed and revoked by signed-in people (API), and
// the public page /s/:token for someone without an account. On every access
// the link is checked (expired, revoked, locked, password, limit) and the
// document is then read as the link's creator under RLS — a creator who lost
// the right (role change, disabled) shares nothing any more; only a clean
// version is served. Every access, refused ones too, is audited.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { auditFor } from '../audit/record.ts';
import { hashPassword, verifyPassword } from '../auth/password.ts';
import { hashToken, newToken, tokenPattern } from '../crypto/tokens.ts';
import type { FeatureDeps } from '../feature.ts';
import type { AppEnv, SessionUser } from '../http/context.ts';
import { HttpError, notFound } from '../http/errors.ts';
import { requirePermission, requireUser } from '../http/guards.ts';
import { CsrfField, FormErrors, renderPage } from '../http/layout.tsx';
import type { Issue } from '../http/errors.ts';
import { idParam, issuesOf, readFormFields } from '../http/validate.ts';
import { noteDownload, raiseDownloadAlert } from './download-volume.ts';
import { findDocument, openVersionForRead } from './queries.ts';
import { serveVersion } from './serve-version.ts';
import {
  countShareDownload, createShareLink, findShareLink, listShareLinks, recordShareLinkFailure, revokeShareLink,
  shareLinkFormSchema, shareLinkInputSchema, shareLinkSchema, type FoundLink, type ShareLinkInput,
} from './share-links.ts';
import { ShareLinkCreated, ShareLinkForm, shareLinkLabels } from './views.tsx';

class CreatorLostAccess extends Error {}

export function shareLinkRoutes(deps: FeatureDeps): Hono<AppEnv> {
  const { db, api, config, store } = deps;
  const pages = new Hono<AppEnv>();

  /** One new link (API and page alike): the token leaves once, in the answer; undefined when the document is not visible. */
  async function shareDocument(c: Context<AppEnv>, user: SessionUser, documentId: string, body: ShareLinkInput) {
    const days = body.expiresInDays ?? config.documents.shareLinkDays;
    if (days > config.documents.shareLinkMaxDays) return { tooLong: true as const };
    const passwordHash = body.password ? await hashPassword(body.password) : null;
    const { token, hash } = newToken();
    const link = await db.withPrincipal(user, async (tx) => {
      const document = await findDocument(tx, documentId);
      return document && createShareLink(tx, auditFor(c), { documentId, companyId: document.companyId, userId: user.userId, tokenHash: hash,
        days, passwordHash, maxDownloads: body.maxDownloads ?? null });
    });
    return link && { link: { ...link, url: `${config.publicUrl}/s/${token}` } };
  }
  const tooLongMessage = () => `A share link lives at most ${config.documents.shareLinkMaxDays} days here.`;

  api.add({
    method: 'post', permission: 'share_links.create', path: '/documents/:documentId/share-links', summary: 'Share a document by link', tag: 'share links', status: 201,
    body: shareLinkInputSchema, response: shareLinkSchema.extend({ url: z.string() }),
    handler: async (c, { body, user }) => {
      const shared = await shareDocument(c, user, idParam(c, 'documentId'), body);
      if (!shared) throw notFound();
      if ('tooLong' in shared) throw new HttpError(422, 'invalid_input', tooLongMessage());
      return shared.link;
    },
  });
  api.add({
    method: 'get', permission: 'documents.read', path: '/documents/:documentId/share-links', summary: "List a document's share links (everyone's, revoked and expired too)", tag: 'share links',
    response: z.array(shareLinkSchema),
    handler: (c, { user }) => db.withPrincipal(user, async (tx) => {
      const documentId = idParam(c, 'documentId');
      if (!(await findDocument(tx, documentId))) throw notFound();
      return listShareLinks(tx, documentId);
    }),
  });
  // share_links.revoke holders revoke any link they can see, a creator their own: RLS (share_links_revoke) decides
  api.add({
    method: 'post', permission: 'signed-in', path: '/share-links/:shareLinkId/revoke', summary: 'Revoke a share link (kept as a record)', tag: 'share links',
    response: shareLinkSchema,
    handler: async (c, { user }) => (await db.withPrincipal(user, (tx) => revokeShareLink(tx, auditFor(c), idParam(c, 'shareLinkId'), user.userId))) ?? Promise.reject(notFound()),
  });

  // ---- the document page's forms (app/documents/views.tsx ShareLinkForm): create, then show the link once; revoke ----
  pages.post('/documents/:documentId/share-links', async (c) => {
    const user = requirePermission(c, 'share_links.create');
    const documentId = idParam(c, 'documentId');
    const t = c.get('t');
    const fields = await readFormFields(c);
    const parsed = shareLinkFormSchema.safeParse(fields);
    const labels = shareLinkLabels(t);
    const again = (issues: Issue[]) => renderPage(c, t('share.create'), (
      <><FormErrors issues={issues} t={t} labels={labels} />
        <ShareLinkForm c={c} documentId={documentId} maxDays={config.documents.shareLinkMaxDays} defaultDays={config.documents.shareLinkDays} values={fields} /></>
    ), 422);
    if (!parsed.success) {
      // a document the caller cannot see answers 404 whatever the fields hold
      if (!(await db.withPrincipal(user, (tx) => findDocument(tx, documentId)))) throw notFound();
      return again(issuesOf(parsed.error, t));
    }
    const shared = await shareDocument(c, user, documentId, parsed.data);
    if (!shared) throw notFound();
    if ('tooLong' in shared) return again([{ path: 'expiresInDays', message: t('share.tooLong', { max: String(config.documents.shareLinkMaxDays) }) }]);
    return renderPage(c, t('share.created'), <ShareLinkCreated c={c} link={shared.link} />, 201);
  });
  pages.post('/share-links/:shareLinkId/revoke', async (c) => {
    const user = requireUser(c);
    const revoked = await db.withPrincipal(user, (tx) => revokeShareLink(tx, auditFor(c), idParam(c, 'shareLinkId'), user.userId));
    if (!revoked) throw notFound();
    return c.redirect(`/documents/${revoked.documentId}`, 303);
  });

  // ---- the public page ----
  const minimal = (c: Context<AppEnv>) => {
    c.header('X-Robots-Tag', 'noindex, nofollow');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', 'no-store');
  };
  const refuse = async (c: Context<AppEnv>, link: FoundLink | undefined, reason: string, status: 403 | 404 | 410 | 429 = 404) => {
    await db.withPrincipal(null, (tx) => auditFor(c)(tx, { action: 'share_link.refused', entityType: 'share_link', entityId: link?.share_link_id ?? null,
      companyId: link?.owner_company_id ?? null, outcome: 'denied', detail: { reason, ...(link ? { documentId: link.document_id } : {}) } }));
    minimal(c);
    const t = c.get('t');
    return c.html(`<!doctype html>${(
      <html lang={c.get('locale')}><head><meta charset="utf-8" /><meta name="robots" content="noindex, nofollow" /><meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{t('share.title')}</title><link rel="stylesheet" href="/assets/app.css" /></head>
        <body><main id="main"><h1>{t('share.title')}</h1><p role="alert">{t(status === 429 ? 'share.locked' : 'share.unavailable')}</p></main></body></html>
    )}`, status);
  };
  const tokenOf = (c: Context<AppEnv>) => {
    const token = c.req.param('token') ?? '';
    return tokenPattern.test(token) ? token : undefined;
  };
  const usable = (link: FoundLink | undefined) =>
    !link ? 'unknown' : link.revoked_at ? 'revoked' : link.expires_at <= new Date() ? 'expired'
    : link.max_downloads !== null && link.downloads >= link.max_downloads ? 'used_up'
    : link.locked_until && link.locked_until > new Date() ? 'locked' : undefined;

  pages.get('/s/:token', async (c) => {
    const token = tokenOf(c);
    const link = token ? await db.withPrincipal(null, (tx) => findShareLink(tx, hashToken(token))) : undefined;
    const problem = usable(link);
    if (problem) return refuse(c, link, problem, problem === 'locked' ? 429 : 404);
    const t = c.get('t');
    minimal(c);
    return c.html(`<!doctype html>${(
      <html lang={c.get('locale')}><head><meta charset="utf-8" /><meta name="robots" content="noindex, nofollow" /><meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{t('share.title')}</title><link rel="stylesheet" href="/assets/app.css" /></head>
        <body><main id="main"><h1>{t('share.title')}</h1>
          <form method="post" action={`/s/${token}`}>
            <CsrfField token={c.get('csrfToken')} />
            {link!.password_hash ? <p class="field"><label for="share-password">{t('share.password')}</label><input id="share-password" name="password" type="password" required autocomplete="off" /></p> : null}
            <button type="submit">{t('documents.download')}</button>
          </form></main></body></html>
    )}`);
  });

  pages.post('/s/:token', async (c) => {
    const token = tokenOf(c);
    const link = token ? await db.withPrincipal(null, (tx) => findShareLink(tx, hashToken(token))) : undefined;
    const problem = usable(link);
    if (problem || !link) return refuse(c, link, problem ?? 'unknown', problem === 'locked' ? 429 : 404);
    if (link.password_hash) {
      const form = await c.req.parseBody();
      const password = typeof form.password === 'string' ? form.password : '';
      if (!(await verifyPassword(link.password_hash, password))) {
        await db.withPrincipal(null, (tx) => recordShareLinkFailure(tx, link.share_link_id));
        return refuse(c, link, 'wrong_password', 403);
      }
    }
    // as the creator: their right is checked again by RLS, and only a clean version is found
    const opened = await db.withPrincipal({ userId: link.created_by }, async (tx) => {
      // counted first (atomically); a refusal after it rolls the count back
      if (!(await countShareDownload(tx, link.share_link_id))) return 'used_up' as const;
      const found = await openVersionForRead(tx, (t2, event) => auditFor(c)(t2, { ...event, detail: { ...event.detail, shareLinkId: link.share_link_id, via: 'share_link' } }),
        link.document_id, undefined, 'download');
      if (!found) throw new CreatorLostAccess();
      const alert = await noteDownload(tx, config.documents.downloadAlert, { type: 'share_link', shareLinkId: link.share_link_id, createdBy: link.created_by },
        { companyId: found.companyId, documentId: link.document_id });
      return { ...found, alert, body: await store.get(found.objectKey) };
    }).catch((error: unknown) => {
      if (error instanceof CreatorLostAccess || (error instanceof HttpError && error.status === 403)) return undefined;
      throw error;
    });
    if (opened === 'used_up') return refuse(c, link, 'used_up');
    if (!opened) return refuse(c, link, 'creator_lost_access');
    if (opened.alert) void raiseDownloadAlert(deps, opened.alert);
    minimal(c);
    return serveVersion(c, opened, 'attachment');
  });

  return pages;
}
