// Assets at a site: pages and /api/v1 routes.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { requirePermission } from '../auth/session.ts';
import { auditFor } from '../audit/record.ts';
import type { Database } from '../db/client.ts';
import type { ApiRegistry } from '../http/api.ts';
import type { AppEnv } from '../http/context.ts';
import { notFound, type Issue } from '../http/errors.ts';
import { CsrfField, DeleteButton, Field, FormErrors, renderPage } from '../http/layout.tsx';
import { blanksCleared, idParam, issuesOf, readFormFields } from '../http/validate.ts';
import { findSite } from '../sites/queries.ts';
import { createAsset, deleteAsset, findAsset, listAssetsOfSite, updateAsset } from './queries.ts';
import { assetInputSchema, assetPatchSchema, assetSchema, type Asset } from './schema.ts';

export function assetRoutes(db: Database, api: ApiRegistry): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();

  api.add({
    method: 'get', path: '/sites/:siteId/assets', summary: 'List the assets at a site', tag: 'assets',
    response: z.array(assetSchema),
    handler: (c) => {
      const user = requirePermission(c, 'assets.read');
      const siteId = idParam(c, 'siteId');
      return db.withPrincipal(user, async (tx) => {
        if (!(await findSite(tx, siteId))) throw notFound();
        return listAssetsOfSite(tx, siteId);
      });
    },
  });
  api.add({
    method: 'post', path: '/sites/:siteId/assets', summary: 'Add an asset at a site', tag: 'assets', status: 201,
    body: assetInputSchema, response: assetSchema,
    handler: async (c, { body }) => {
      const user = requirePermission(c, 'assets.create');
      return (await db.withPrincipal(user, (tx) => createAsset(tx, auditFor(c), idParam(c, 'siteId'), body))) ?? Promise.reject(notFound());
    },
  });
  api.add({
    method: 'get', path: '/assets/:assetId', summary: 'Read one asset', tag: 'assets', response: assetSchema,
    handler: async (c) => {
      const user = requirePermission(c, 'assets.read');
      return (await db.withPrincipal(user, (tx) => findAsset(tx, idParam(c, 'assetId')))) ?? Promise.reject(notFound());
    },
  });
  api.add({
    method: 'patch', path: '/assets/:assetId', summary: 'Change an asset', tag: 'assets', body: assetPatchSchema, response: assetSchema,
    handler: async (c, { body }) => {
      const user = requirePermission(c, 'assets.update');
      return (await db.withPrincipal(user, (tx) => updateAsset(tx, auditFor(c), idParam(c, 'assetId'), body))) ?? Promise.reject(notFound());
    },
  });
  api.add({
    method: 'delete', path: '/assets/:assetId', summary: 'Delete an asset', tag: 'assets',
    response: z.object({ deleted: z.literal(true) }),
    handler: async (c) => {
      const user = requirePermission(c, 'assets.delete');
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

const assetValues = (asset: Asset) => ({ name: asset.name, kind: asset.kind ?? undefined, serialNumber: asset.serialNumber ?? undefined });

/** Creates an asset (action: the site's assets) or edits one (action: the asset). */
export function AssetForm(props: { c: Context<AppEnv>; action: string; issues: Issue[]; values: Record<string, string | undefined> }) {
  const t = props.c.get('t');
  const editing = props.action.startsWith('/assets/');
  return (
    <form method="post" action={props.action} novalidate>
      <FormErrors issues={props.issues} t={t} />
      <CsrfField token={props.c.get('csrfToken')} />
      <Field form="asset" name="name" label={t('assets.name')} value={props.values.name} required maxlength={200} />
      <Field form="asset" name="kind" label={t('assets.kind')} value={props.values.kind} maxlength={100} />
      <Field form="asset" name="serialNumber" label={t('assets.serialNumber')} value={props.values.serialNumber} maxlength={100} />
      <button type="submit">{editing ? t('form.save') : t('assets.create')}</button>
    </form>
  );
}
