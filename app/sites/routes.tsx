// Sites of a company: pages and /api/v1 routes.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { listAssetsOfSite } from '../assets/queries.ts';
import { AssetForm } from '../assets/routes.tsx';
import { requirePermission } from '../auth/session.ts';
import { auditFor } from '../audit/record.ts';
import type { Database } from '../db/client.ts';
import type { ApiRegistry } from '../http/api.ts';
import type { AppEnv } from '../http/context.ts';
import { notFound, type Issue } from '../http/errors.ts';
import { CsrfField, DeleteButton, Field, FormErrors, renderPage } from '../http/layout.tsx';
import { blanksCleared, idParam, issuesOf, readFormFields } from '../http/validate.ts';
import { findCompany } from '../companies/queries.ts';
import { createSite, deleteSite, findSite, listSitesOfCompany, updateSite } from './queries.ts';
import { siteInputSchema, sitePatchSchema, siteSchema, type Site } from './schema.ts';

export function siteRoutes(db: Database, api: ApiRegistry): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();

  api.add({
    method: 'get', path: '/companies/:companyId/sites', summary: "List a company's sites", tag: 'sites',
    response: z.array(siteSchema),
    handler: async (c) => {
      const user = requirePermission(c, 'sites.read');
      const companyId = idParam(c, 'companyId');
      return db.withPrincipal(user, async (tx) => {
        if (!(await findCompany(tx, companyId))) throw notFound();
        return listSitesOfCompany(tx, companyId);
      });
    },
  });
  api.add({
    method: 'post', path: '/companies/:companyId/sites', summary: 'Add a site to a company', tag: 'sites', status: 201,
    body: siteInputSchema, response: siteSchema,
    handler: (c, { body }) => {
      const user = requirePermission(c, 'sites.create');
      const companyId = idParam(c, 'companyId');
      return db.withPrincipal(user, async (tx) => {
        if (!(await findCompany(tx, companyId))) throw notFound();
        return createSite(tx, auditFor(c), companyId, body);
      });
    },
  });
  api.add({
    method: 'get', path: '/sites/:siteId', summary: 'Read one site', tag: 'sites', response: siteSchema,
    handler: async (c) => {
      const user = requirePermission(c, 'sites.read');
      return (await db.withPrincipal(user, (tx) => findSite(tx, idParam(c, 'siteId')))) ?? Promise.reject(notFound());
    },
  });
  api.add({
    method: 'patch', path: '/sites/:siteId', summary: 'Change a site', tag: 'sites', body: sitePatchSchema, response: siteSchema,
    handler: async (c, { body }) => {
      const user = requirePermission(c, 'sites.update');
      return (await db.withPrincipal(user, (tx) => updateSite(tx, auditFor(c), idParam(c, 'siteId'), body))) ?? Promise.reject(notFound());
    },
  });
  api.add({
    method: 'delete', path: '/sites/:siteId', summary: 'Delete a site and its assets', tag: 'sites',
    response: z.object({ deleted: z.literal(true) }),
    handler: async (c) => {
      const user = requirePermission(c, 'sites.delete');
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

const siteValues = (site: Site) => ({
  name: site.name, street: site.street ?? undefined, postalCode: site.postalCode ?? undefined,
  city: site.city ?? undefined, country: site.country ?? undefined,
});

/** Creates a site (action: the company's sites) or edits one (action: the site). */
export function SiteForm(props: { c: Context<AppEnv>; action: string; issues: Issue[]; values: Record<string, string | undefined> }) {
  const t = props.c.get('t');
  const editing = props.action.startsWith('/sites/');
  return (
    <form method="post" action={props.action} novalidate>
      <FormErrors issues={props.issues} t={t} />
      <CsrfField token={props.c.get('csrfToken')} />
      <Field form="site" name="name" label={t('sites.name')} value={props.values.name} required maxlength={200} />
      <Field form="site" name="street" label={t('sites.street')} value={props.values.street} maxlength={200} autocomplete="street-address" />
      <Field form="site" name="postalCode" label={t('sites.postalCode')} value={props.values.postalCode} maxlength={20} autocomplete="postal-code" />
      <Field form="site" name="city" label={t('sites.city')} value={props.values.city} maxlength={100} />
      <Field form="site" name="country" label={t('sites.country')} value={props.values.country} maxlength={2} autocomplete="country" />
      <button type="submit">{editing ? t('form.save') : t('sites.create')}</button>
    </form>
  );
}
