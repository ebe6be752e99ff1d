// Sites of a company: pages and /api/v1 routes.
import type { FeatureDeps } from '../feature.ts';
import { Hono } from 'hono';
import { z } from 'zod';
import { listAssetsOfSite } from '../assets/queries.ts';
import { AssetForm } from '../assets/views.tsx';
import { requirePermission } from '../http/guards.ts';
import { auditFor } from '../audit/record.ts';
import type { AppEnv } from '../http/context.ts';
import { notFound } from '../http/errors.ts';
import { DeleteButton, renderPage } from '../http/layout.tsx';
import { blanksCleared, idParam, issuesOf, readFormFields } from '../http/validate.ts';
import { findCompany } from '../companies/queries.ts';
import { createSite, deleteSite, findSite, listSitesOfCompany, updateSite } from './queries.ts';
import { SiteForm, siteValues } from './views.tsx';
import { siteInputSchema, sitePatchSchema, siteSchema } from './schema.ts';

export function siteRoutes({ db, api }: FeatureDeps): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();

  api.add({
    method: 'get', permission: 'sites.read', path: '/companies/:companyId/sites', summary: "List a company's sites", tag: 'sites',
    response: z.array(siteSchema),
    handler: async (c, { user }) => {
      const companyId = idParam(c, 'companyId');
      return db.withPrincipal(user, async (tx) => {
        if (!(await findCompany(tx, companyId))) throw notFound();
        return listSitesOfCompany(tx, companyId);
      });
    },
  });
  api.add({
    method: 'post', permission: 'sites.create', path: '/companies/:companyId/sites', summary: 'Add a site to a company', tag: 'sites', status: 201,
    body: siteInputSchema, response: siteSchema,
    handler: (c, { body, user }) => {
      const companyId = idParam(c, 'companyId');
      return db.withPrincipal(user, async (tx) => {
        if (!(await findCompany(tx, companyId))) throw notFound();
        return createSite(tx, auditFor(c), companyId, body);
      });
    },
  });
  api.add({
    method: 'get', permission: 'sites.read', path: '/sites/:siteId', summary: 'Read one site', tag: 'sites', response: siteSchema,
    handler: async (c, { user }) => {
      return (await db.withPrincipal(user, (tx) => findSite(tx, idParam(c, 'siteId')))) ?? Promise.reject(notFound());
    },
  });
  api.add({
    method: 'patch', permission: 'sites.update', path: '/sites/:siteId', summary: 'Change a site', tag: 'sites', body: sitePatchSchema, response: siteSchema,
    handler: async (c, { body, user }) => {
      return (await db.withPrincipal(user, (tx) => updateSite(tx, auditFor(c), idParam(c, 'siteId'), body))) ?? Promise.reject(notFound());
    },
  });
  api.add({
    method: 'delete', permission: 'sites.delete', path: '/sites/:siteId', summary: 'Delete a site and its assets', tag: 'sites',
    response: z.object({ deleted: z.literal(true) }),
    handler: async (c, { user }) => {
      if (!(await db.withPrincipal(user, (tx) => deleteSite(tx, auditFor(c), idParam(c, 'siteId'))))) throw notFound();
      return { deleted: true as const };
    },
  });

  pages.post('/companies/:companyId/sites', async (c) => {
    const user = requirePermission(c, 'sites.create');
    const companyId = idParam(c, 'companyId');
    const fields = await readFormFields(c);
    const parsed = siteInputSchema.safeParse(fields);
    if (!parsed.success) {
      const t = c.get('t');
      return renderPage(c, t('sites.new'), <SiteForm c={c} action={`/companies/${companyId}/sites`} issues={issuesOf(parsed.error, c.get('t'))} values={fields} />, 422);
    }
    const site = await db.withPrincipal(user, async (tx) => {
      if (!(await findCompany(tx, companyId))) throw notFound();
      return createSite(tx, auditFor(c), companyId, parsed.data);
    });
    return c.redirect(`/sites/${site.siteId}`, 303);
  });

  pages.get('/sites/:siteId', async (c) => {
    const user = requirePermission(c, 'sites.read');
    const siteId = idParam(c, 'siteId');
    const [site, assets] = await db.withPrincipal(user, async (tx) => [await findSite(tx, siteId), await listAssetsOfSite(tx, siteId)] as const);
    if (!site) throw notFound();
    const t = c.get('t');
    const address = [site.street, [site.postalCode, site.city].filter(Boolean).join(' '), site.country].filter(Boolean).join(', ');
    return renderPage(c, site.name, (
      <>
        <p><a href={`/companies/${site.companyId}`}>←</a> {address}</p>
        {user.permissions.has('documents.read') ? <p><a href={`/sites/${site.siteId}/documents`}>{t('documents.title')}</a></p> : null}
        <h2>{t('assets.title')}</h2>
        {assets.length === 0 ? <p>{t('assets.none')}</p> : (
          <table>
            <thead><tr><th>{t('assets.name')}</th><th>{t('assets.kind')}</th><th>{t('assets.serialNumber')}</th></tr></thead>
            <tbody>{assets.map((a) => <tr><td><a href={`/assets/${a.assetId}`}>{a.name}</a></td><td>{a.kind ?? ''}</td><td>{a.serialNumber ?? ''}</td></tr>)}</tbody>
          </table>
        )}
        {user.permissions.has('assets.create') ? <AssetForm c={c} action={`/sites/${site.siteId}/assets`} issues={[]} values={{}} /> : null}
        {user.permissions.has('sites.update') ? (
          <><h2>{t('sites.edit')}</h2><SiteForm c={c} action={`/sites/${site.siteId}`} issues={[]} values={siteValues(site)} /></>
        ) : null}
        {user.permissions.has('sites.delete') ? <DeleteButton c={c} action={`/sites/${site.siteId}/delete`} /> : null}
      </>
    ));
  });

  pages.post('/sites/:siteId', async (c) => {
    const user = requirePermission(c, 'sites.update');
    const siteId = idParam(c, 'siteId');
    const fields = await readFormFields(c);
    const parsed = siteInputSchema.safeParse(fields);
    if (!parsed.success) {
      return renderPage(c, c.get('t')('sites.edit'), <SiteForm c={c} action={`/sites/${siteId}`} issues={issuesOf(parsed.error, c.get('t'))} values={fields} />, 422);
    }
    const site = await db.withPrincipal(user, (tx) => updateSite(tx, auditFor(c), siteId, blanksCleared(parsed.data, ['street', 'postalCode', 'city', 'country'])));
    if (!site) throw notFound();
    return c.redirect(`/sites/${siteId}`, 303);
  });

  pages.post('/sites/:siteId/delete', async (c) => {
    const user = requirePermission(c, 'sites.delete');
    const siteId = idParam(c, 'siteId');
    const companyId = await db.withPrincipal(user, async (tx) => {
      const site = await findSite(tx, siteId);
      return site && (await deleteSite(tx, auditFor(c), siteId)) ? site.companyId : undefined;
    });
    if (!companyId) throw notFound();
    return c.redirect(`/companies/${companyId}`, 303);
  });

  return pages;
}
