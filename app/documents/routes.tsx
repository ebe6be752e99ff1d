// Documents on a company, site or asset: pages and /api/v1 routes. Uploads
// (new document, new version) are multipart streams read by
// receive-upload.ts, so they are not api.add routes (whose bodies are JSON);
// they check documents.upload the same way, before reading a byte.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { auditFor } from '../audit/record.ts';
import type { DocumentKind } from '../config.ts';
import type { FeatureDeps } from '../feature.ts';
import type { AppEnv, SessionUser } from '../http/context.ts';
import { notFound } from '../http/errors.ts';
import { requirePermission } from '../http/guards.ts';
import { renderPage } from '../http/layout.tsx';
import { idParam, issuesOf, parseOrThrow, readFormFields } from '../http/validate.ts';
import { noteDownload, raiseDownloadAlert } from './download-volume.ts';
import { sweepObjects } from './sweep-objects.ts';
import type { OnePassOptions } from './one-pass.ts';
import { newObjectKey, processUpload } from './process-upload.ts';
import { createDocument, deleteDocument, findDocument, findParentCompany, listDocumentsOf, newDocumentId, openVersionForRead, updateDocument } from './queries.ts';
import { receiveUpload } from './receive-upload.ts';
import { serveVersion } from './serve-version.ts';
import { shareLinkRoutes } from './share-link-routes.tsx';
import { listShareLinks } from './share-links.ts';
import { documentInputSchema, documentKindSchema, documentPatchSchema, documentSchema, type ParentType } from './schema.ts';
import { DocumentList, DocumentPage, UploadForm } from './views.tsx';

const parents: Array<{ type: ParentType; segment: string; param: string }> = [
  { type: 'company', segment: 'companies', param: 'companyId' },
  { type: 'site', segment: 'sites', param: 'siteId' },
  { type: 'asset', segment: 'assets', param: 'assetId' },
  { type: 'job', segment: 'jobs', param: 'jobId' },
];

/** The public share-link page is served with no-referrer, so its form arrives with "Origin: null" (app/app.tsx). */
export const acceptsNullOrigin = (path: string) => /^\/s\/[A-Za-z0-9_-]{43}$/.test(path);

/** The routes that stream their own body (app/app.tsx exempts them from the 1 MiB limit and the CSRF body read). */
export function streamsOwnBody(method: string, path: string): boolean {
  return method === 'POST' && /^(\/api\/v1)?\/((companies|sites|assets|jobs)\/[^/]+\/documents|documents\/[^/]+\/versions)$/.test(path);
}

export function documentRoutes(deps: FeatureDeps): Hono<AppEnv> {
  const { db, api, config, store, log } = deps;
  const pages = new Hono<AppEnv>();
  const maxMiB = (kind: DocumentKind) => Math.floor(config.documents.maxBytes[kind] / 1024 / 1024);
  const largest = Math.max(...Object.values(config.documents.maxBytes));

  // ---- JSON API ----
  for (const parent of parents) {
    api.add({
      method: 'get', permission: 'documents.read', path: `/${parent.segment}/:${parent.param}/documents`, summary: `List the documents of a ${parent.type}`, tag: 'documents',
      response: z.array(documentSchema),
      handler: (c, { user }) => db.withPrincipal(user, async (tx) => {
        const id = idParam(c, parent.param);
        if (!(await findParentCompany(tx, parent.type, id))) throw notFound();
        return listDocumentsOf(tx, parent.type, id);
      }),
    });
  }
  api.add({
    method: 'get', permission: 'documents.read', path: '/documents/:documentId', summary: 'Read one document and its versions', tag: 'documents', response: documentSchema,
    handler: async (c, { user }) => (await db.withPrincipal(user, (tx) => findDocument(tx, idParam(c, 'documentId')))) ?? Promise.reject(notFound()),
  });
  api.add({
    method: 'patch', permission: 'documents.upload', path: '/documents/:documentId', summary: 'Rename a document or change its kind', tag: 'documents',
    body: documentPatchSchema, response: documentSchema,
    handler: (c, { body, user }) => db.withPrincipal(user, async (tx) => {
      const documentId = idParam(c, 'documentId');
      if (!(await updateDocument(tx, auditFor(c), documentId, body))) throw notFound();
      return (await findDocument(tx, documentId))!;
    }),
  });
  api.add({
    method: 'delete', permission: 'documents.delete', path: '/documents/:documentId', summary: 'Delete a document and all its versions', tag: 'documents',
    response: z.object({ deleted: z.literal(true) }),
    handler: async (c, { user }) => {
      const keys = await db.withPrincipal(user, (tx) => deleteDocument(tx, auditFor(c), idParam(c, 'documentId')));
      if (!keys) throw notFound();
      await removeObjects(keys);
      return { deleted: true as const };
    },
  });

  // the delete queued its objects (sql/0025); the sweep removes them now, or the scheduled one later when the store fails
  async function removeObjects(keys: string[]) {
    await sweepObjects({ db, store, log, auditor: deps.audit.auditor }, { keys });
  }

  // ---- uploads (multipart streams; API and pages alike) ----
  // hash, scan and text check while the body arrives; a text upload stored (encrypted, under a key no row names) as it arrives
  const onePassFor = (companyId: string, documentId: string): OnePassOptions => ({
    clamdSocket: config.documents.clamdSocket, clamdTimeoutMs: config.documents.clamdTimeoutMs,
    stage: { store, key: newObjectKey(documentId), owner: companyId },
  });
  async function uploadNew(c: Context<AppEnv>, parent: ParentType, parentId: string) {
    const user = requirePermission(c, 'documents.upload');
    const companyId = await db.withPrincipal(user, (tx) => findParentCompany(tx, parent, parentId));
    if (!companyId) throw notFound();
    deps.keyring.refuseIfShredded(companyId); // 410 before the body is read: nothing of it could be stored readable
    // the id before the row: a text upload is stored under documents/<id>/… while it arrives (one-pass.ts)
    const documentId = await db.withPrincipal(user, (tx) => newDocumentId(tx));
    const upload = await receiveUpload(c, {
      quarantineDir: config.documents.quarantineDir,
      limitFor: (fields) => config.documents.maxBytes[documentKindSchema.safeParse(fields.kind).data ?? 'other'],
      onePass: onePassFor(companyId, documentId),
    });
    const { _csrf: _, ...fields } = upload.fields;
    const parsed = documentInputSchema.safeParse(fields);
    if (!parsed.success) {
      await upload.discard();
      return { user, issues: issuesOf(parsed.error, c.req.path.startsWith('/api/') ? undefined : c.get('t')) };
    }
    const result = await processUpload(deps, c, user, upload, {
      companyId,
      createDocument: (tx) => createDocument(tx, auditFor(c), { parent, parentId, companyId, title: parsed.data.title, kind: parsed.data.kind, userId: user.userId, documentId }),
    });
    return { user, result };
  }

  async function uploadVersion(c: Context<AppEnv>, documentId: string) {
    const user = requirePermission(c, 'documents.upload');
    const document = await db.withPrincipal(user, (tx) => findDocument(tx, documentId));
    if (!document) throw notFound();
    deps.keyring.refuseIfShredded(document.companyId);
    const upload = await receiveUpload(c, { quarantineDir: config.documents.quarantineDir, limitFor: () => config.documents.maxBytes[document.kind],
      onePass: onePassFor(document.companyId, documentId) });
    const result = await processUpload(deps, c, user, upload, { companyId: document.companyId, documentId });
    return { user, result };
  }

  const answerDocument = async (c: Context<AppEnv>, user: SessionUser, documentId: string, status: 200 | 201) => {
    const document = await db.withPrincipal(user, (tx) => findDocument(tx, documentId));
    return c.json(documentSchema.parse(document), status);
  };

  for (const parent of parents) {
    api.router.post(`/${parent.segment}/:${parent.param}/documents`, async (c) => {
      const outcome = await uploadNew(c, parent.type, idParam(c, parent.param));
      if (!outcome.result) return c.json({ error: { code: 'invalid_input', message: 'Some fields are not valid: see issues.', requestId: c.get('requestId'), issues: outcome.issues } }, 422);
      return answerDocument(c, outcome.user, outcome.result.documentId, 201);
    });
    pages.post(`/${parent.segment}/:${parent.param}/documents`, async (c) => {
      const id = idParam(c, parent.param);
      const outcome = await uploadNew(c, parent.type, id);
      if (!outcome.result) {
        const t = c.get('t');
        return renderPage(c, t('documents.upload'), (
          <><div class="errors" role="alert"><ul>{outcome.issues!.map((i) => <li>{i.message}</li>)}</ul></div>
            <UploadForm c={c} action={`/${parent.segment}/${id}/documents`} maxMiB={maxMiB('other')} /></>
        ), 422);
      }
      return c.redirect(`/documents/${outcome.result.documentId}`, 303);
    });
    pages.get(`/${parent.segment}/:${parent.param}/documents`, async (c) => {
      const user = requirePermission(c, 'documents.read');
      const id = idParam(c, parent.param);
      const documents = await db.withPrincipal(user, async (tx) => ((await findParentCompany(tx, parent.type, id)) ? listDocumentsOf(tx, parent.type, id) : undefined));
      if (!documents) throw notFound();
      const t = c.get('t');
      return renderPage(c, t('documents.title'), (
        <>
          <p><a href={`/${parent.segment}/${id}`}>←</a></p>
          <DocumentList c={c} documents={documents} />
          {user.permissions.has('documents.upload') ? <><h2>{t('documents.upload')}</h2><UploadForm c={c} action={`/${parent.segment}/${id}/documents`} maxMiB={Math.floor(largest / 1024 / 1024)} /></> : null}
        </>
      ));
    });
  }
  api.router.post('/documents/:documentId/versions', async (c) => {
    const { user, result } = await uploadVersion(c, idParam(c, 'documentId'));
    return answerDocument(c, user, result.documentId, 201);
  });
  pages.post('/documents/:documentId/versions', async (c) => {
    const { result } = await uploadVersion(c, idParam(c, 'documentId'));
    return c.redirect(`/documents/${result.documentId}`, 303);
  });

  // ---- pages: one document, rename, delete ----
  pages.get('/documents/:documentId', async (c) => {
    const user = requirePermission(c, 'documents.read');
    const documentId = idParam(c, 'documentId');
    const [document, shareLinks] = await db.withPrincipal(user, async (tx) => [await findDocument(tx, documentId), await listShareLinks(tx, documentId)] as const);
    if (!document) throw notFound();
    return renderPage(c, document.title, (
      <DocumentPage c={c} document={document} shareLinks={shareLinks} share={{ userId: user.userId, canCreate: user.permissions.has('share_links.create'),
        canRevokeAny: user.permissions.has('share_links.revoke'), maxDays: config.documents.shareLinkMaxDays, defaultDays: config.documents.shareLinkDays }} canUpload={user.permissions.has('documents.upload')} canDelete={user.permissions.has('documents.delete')} maxMiB={maxMiB(document.kind)} />
    ));
  });
  pages.post('/documents/:documentId', async (c) => {
    const user = requirePermission(c, 'documents.upload');
    const documentId = idParam(c, 'documentId');
    const fields = await readFormFields(c);
    const parsed = documentPatchSchema.safeParse(fields);
    if (!parsed.success) {
      return renderPage(c, c.get('t')('documents.rename'), <div class="errors" role="alert"><ul>{issuesOf(parsed.error, c.get('t')).map((i) => <li>{i.message}</li>)}</ul></div>, 422);
    }
    if (!(await db.withPrincipal(user, (tx) => updateDocument(tx, auditFor(c), documentId, parsed.data)))) throw notFound();
    return c.redirect(`/documents/${documentId}`, 303);
  });
  pages.post('/documents/:documentId/delete', async (c) => {
    const user = requirePermission(c, 'documents.delete');
    const documentId = idParam(c, 'documentId');
    const deleted = await db.withPrincipal(user, async (tx) => {
      const document = await findDocument(tx, documentId);
      const keys = document && (await deleteDocument(tx, auditFor(c), documentId));
      return document && keys ? { document, keys } : undefined;
    });
    if (!deleted) throw notFound();
    await removeObjects(deleted.keys);
    const { type, id } = deleted.document.parent;
    return c.redirect(`/${type === 'company' ? 'companies' : `${type}s`}/${id}/documents`, 303);
  });

  // ---- download and preview: checked under RLS, audited in the same transaction, streamed ----
  const downloadQuery = z.strictObject({ version: z.uuid().optional(), preview: z.literal('1').optional() });
  pages.get('/documents/:documentId/download', async (c) => {
    const user = requirePermission(c, 'documents.read');
    const documentId = idParam(c, 'documentId');
    const query = parseOrThrow(downloadQuery, c.req.query());
    const opened = await db.withPrincipal(user, async (tx) => {
      // the reader's side and role go with the event: what the company's access log (app/audit/access-log.ts) tells
      const audit = auditFor(c);
      const found = await openVersionForRead(tx, (t2, event) => audit(t2, { ...event, detail: { ...event.detail, side: user.side, role: user.roleName } }),
        documentId, query.version, query.preview ? 'preview' : 'download');
      if (!found) return undefined;
      const alert = await noteDownload(tx, config.documents.downloadAlert, { type: 'user', userId: user.userId, email: user.email }, { companyId: found.companyId, documentId });
      // the object is opened inside the transaction: if the store fails, the read is not recorded as done
      return { ...found, alert, body: await store.get(found.objectKey) };
    });
    if (!opened) throw notFound();
    if (opened.alert) void raiseDownloadAlert(deps, opened.alert);
    return serveVersion(c, opened, query.preview !== undefined && opened.type.startsWith('image/') ? 'inline' : 'attachment');
  });

  pages.route('/', shareLinkRoutes(deps));
  return pages;
}
