// Assets at a site: pages and /api/v1 routes.
import type { FeatureDeps } from '../feature.ts';
import { Hono } from 'hono';
import { z } from 'zod';
import { requirePermission } from '../http/guards.ts';
import { auditFor } from '../audit/record.ts';
import type { AppEnv } from '../http/context.ts';
import { notFound } from '../http/errors.ts';
import { DeleteButton, renderPage } from '../http/layout.tsx';
import { blanksCleared, idParam, issuesOf, readFormFields } from '../http/validate.ts';
import { findSite } from '../sites/queries.ts';
import { createAsset, deleteAsset, findAsset, listAssetsOfSite, updateAsset } from './queries.ts';
import { AssetForm, assetValues } from './views.tsx';
import { assetInputSchema, assetPatchSchema, assetSchema } from './schema.ts';

export function assetRoutes({ db, api }: FeatureDeps): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();

  api.add({
    method: 'get', permission: 'assets.read', path: '/sites/:siteId/assets', summary: 'List the assets at a site', tag: 'assets',
    response: z.array(assetSchema),
    handler: (c, { user }) => {
      const siteId = idParam(c, 'siteId');
      return db.withPrincipal(user, async (tx) => {
        if (!(await findSite(tx, siteId))) throw notFound();
        return listAssetsOfSite(tx, siteId);
      });
    },
  });
  api.add({
    method: 'post', permission: 'assets.create', path: '/sites/:siteId/assets', summary: 'Add an asset at a site', tag: 'assets', status: 201,
    body: assetInputSchema, response: assetSchema,
    handler: async (c, { body, user }) => {
      return (await db.withPrincipal(user, (tx) => createAsset(tx, auditFor(c), idParam(c, 'siteId'), body))) ?? Promise.reject(notFound());
    },
  });
  api.add({
    method: 'get', permission: 'assets.read', path: '/assets/:assetId', summary: 'Read one asset', tag: 'assets', response: assetSchema,
    handler: async (c, { user }) => {
      return (await db.withPrincipal(user, (tx) => findAsset(tx, idParam(c, 'assetId')))) ?? Promise.reject(notFound());
    },
  });
  api.add({
    method: 'patch', permission: 'assets.update', path: '/assets/:assetId', summary: 'Change an asset', tag: 'assets', body: assetPatchSchema, response: assetSchema,
    handler: async (c, { body, user }) => {
      return (await db.withPrincipal(user, (tx) => updateAsset(tx, auditFor(c), idParam(c, 'assetId'), body))) ?? Promise.reject(notFound());
    },
  });
  api.add({
    method: 'delete', permission: 'assets.delete', path: '/assets/:assetId', summary: 'Delete an asset', tag: 'assets',
    response: z.object({ deleted: z.literal(true) }),
    handler: async (c, { user }) => {
      if (!(await db.withPrincipal(user, (tx) => deleteAsset(tx, auditFor(c), idParam(c, 'assetId'))))) throw notFound();
      return { deleted: true as const };
    },
  });

  pages.post('/sites/:siteId/assets', async (c) => {
    const user = requirePermission(c, 'assets.create');
    const siteId = idParam(c, 'siteId');
    const fields = await readFormFields(c);
    const parsed = assetInputSchema.safeParse(fields);
    if (!parsed.success) {
      return renderPage(c, c.get('t')('assets.create'), <AssetForm c={c} action={`/sites/${siteId}/assets`} issues={issuesOf(parsed.error, c.get('t'))} values={fields} />, 422);
    }
    const asset = await db.withPrincipal(user, (tx) => createAsset(tx, auditFor(c), siteId, parsed.data));
    if (!asset) throw notFound();
    return c.redirect(`/sites/${siteId}`, 303);
  });

  pages.get('/assets/:assetId', async (c) => {
    const user = requirePermission(c, 'assets.read');
    const asset = await db.withPrincipal(user, (tx) => findAsset(tx, idParam(c, 'assetId')));
    if (!asset) throw notFound();
    const t = c.get('t');
    return renderPage(c, asset.name, (
      <>
        <p><a href={`/sites/${asset.siteId}`}>←</a> {[asset.kind, asset.serialNumber].filter(Boolean).join(' · ')}</p>
        {user.permissions.has('documents.read') ? <p><a href={`/assets/${asset.assetId}/documents`}>{t('documents.title')}</a></p> : null}
        {user.permissions.has('assets.update') ? (
          <><h2>{t('assets.edit')}</h2><AssetForm c={c} action={`/assets/${asset.assetId}`} issues={[]} values={assetValues(asset)} /></>
        ) : null}
        {user.permissions.has('assets.delete') ? <DeleteButton c={c} action={`/assets/${asset.assetId}/delete`} /> : null}
      </>
    ));
  });

  pages.post('/assets/:assetId', async (c) => {
    const user = requirePermission(c, 'assets.update');
    const assetId = idParam(c, 'assetId');
    const fields = await readFormFields(c);
    const parsed = assetInputSchema.safeParse(fields);
    if (!parsed.success) {
      return renderPage(c, c.get('t')('assets.edit'), <AssetForm c={c} action={`/assets/${assetId}`} issues={issuesOf(parsed.error, c.get('t'))} values={fields} />, 422);
    }
    const asset = await db.withPrincipal(user, (tx) => updateAsset(tx, auditFor(c), assetId, blanksCleared(parsed.data, ['kind', 'serialNumber'])));
    if (!asset) throw notFound();
    return c.redirect(`/assets/${assetId}`, 303);
  });

  pages.post('/assets/:assetId/delete', async (c) => {
    const user = requirePermission(c, 'assets.delete');
    const assetId = idParam(c, 'assetId');
    const siteId = await db.withPrincipal(user, async (tx) => {
      const asset = await findAsset(tx, assetId);
      return asset && (await deleteAsset(tx, auditFor(c), assetId)) ? asset.siteId : undefined;
    });
    if (!siteId) throw notFound();
    return c.redirect(`/sites/${siteId}`, 303);
  });

  return pages;
}
