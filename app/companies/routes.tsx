// Customer companies: pages and /api/v1 routes.
import type { FeatureDeps } from '../feature.ts';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { requirePermission } from '../http/guards.ts';
import { auditFor } from '../audit/record.ts';
import type { Database } from '../db/client.ts';
import type { AppEnv } from '../http/context.ts';
import { notFound, type Issue } from '../http/errors.ts';
import { CsrfField, DeleteButton, Field, FormErrors, renderPage } from '../http/layout.tsx';
import { blanksCleared, idParam, issuesOf, readFormFields } from '../http/validate.ts';
import { listSitesOfCompany } from '../sites/queries.ts';
import { SiteForm } from '../sites/views.tsx';
import { createCompany, deleteCompany, findCompany, listCompanies, updateCompany } from './queries.ts';
import { companyInputSchema, companyPatchSchema, companySchema, type Company } from './schema.ts';

export function companyRoutes({ db, api }: FeatureDeps): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();

  api.add({
    method: 'get', permission: 'companies.read', path: '/companies', summary: 'List the customer companies visible to you', tag: 'companies',
    response: z.array(companySchema),
    handler: (c, { user }) => {
      return db.withPrincipal(user, listCompanies);
    },
  });
  api.add({
    method: 'post', permission: 'companies.create', path: '/companies', summary: 'Create a customer company', tag: 'companies', status: 201,
    body: companyInputSchema, response: companySchema,
    handler: (c, { body, user }) => {
      return db.withPrincipal(user, (tx) => createCompany(tx, auditFor(c), body));
    },
  });
  api.add({
    method: 'get', permission: 'companies.read', path: '/companies/:companyId', summary: 'Read one customer company', tag: 'companies',
    response: companySchema,
    handler: async (c, { user }) => {
      return (await db.withPrincipal(user, (tx) => findCompany(tx, idParam(c, 'companyId')))) ?? Promise.reject(notFound());
    },
  });
  api.add({
    method: 'patch', permission: 'companies.update', path: '/companies/:companyId', summary: 'Change a customer company', tag: 'companies',
    body: companyPatchSchema, response: companySchema,
    handler: async (c, { body, user }) => {
      return (await db.withPrincipal(user, (tx) => updateCompany(tx, auditFor(c), idParam(c, 'companyId'), body))) ?? Promise.reject(notFound());
    },
  });
  api.add({
    method: 'delete', permission: 'companies.delete', path: '/companies/:companyId', summary: 'Delete a customer company with its sites and assets', tag: 'companies',
    response: z.object({ deleted: z.literal(true) }),
    handler: async (c, { user }) => {
      if (!(await db.withPrincipal(user, (tx) => deleteCompany(tx, auditFor(c), idParam(c, 'companyId'))))) throw notFound();
      return { deleted: true as const };
    },
  });

  pages.get('/companies', async (c) => companiesPage(c, db, [], {}));

  pages.post('/companies', async (c) => {
    const user = requirePermission(c, 'companies.create');
    const fields = await readFormFields(c);
    const parsed = companyInputSchema.safeParse(fields);
    if (!parsed.success) return companiesPage(c, db, issuesOf(parsed.error, c.get('t')), fields, 422);
    const company = await db.withPrincipal(user, (tx) => createCompany(tx, auditFor(c), parsed.data));
    return c.redirect(`/companies/${company.companyId}`, 303);
  });

  pages.get('/companies/:companyId', async (c) => {
    const user = requirePermission(c, 'companies.read');
    const companyId = idParam(c, 'companyId');
    const [company, sites] = await db.withPrincipal(user, async (tx) => [
      await findCompany(tx, companyId),
      await listSitesOfCompany(tx, companyId),
    ] as const);
    if (!company) throw notFound();
    const t = c.get('t');
    const canCreateSite = user.permissions.has('sites.create');
    return renderPage(c, company.name, (
      <>
        {company.customerNumber ? <p>{t('companies.customerNumber')}: {company.customerNumber}</p> : null}
        {user.permissions.has('documents.read') ? <p><a href={`/companies/${company.companyId}/documents`}>{t('documents.title')}</a></p> : null}
        <h2>{t('sites.title')}</h2>
        {sites.length === 0 ? <p>{t('sites.none')}</p> : (
          <ul>{sites.map((s) => <li><a href={`/sites/${s.siteId}`}>{s.name}</a>{s.city ? ` — ${s.city}` : ''}</li>)}</ul>
        )}
        {canCreateSite ? (<><h2>{t('sites.new')}</h2><SiteForm c={c} action={`/companies/${company.companyId}/sites`} issues={[]} values={{}} /></>) : null}
        {user.permissions.has('companies.update') ? <CompanyEditForm c={c} company={company} issues={[]} /> : null}
        {user.permissions.has('companies.delete') ? <DeleteButton c={c} action={`/companies/${company.companyId}/delete`} /> : null}
        {user.permissions.has('keys.rotate') ? <p><a href={`/companies/${company.companyId}/shred`}>{t('keys.shred')}</a></p> : null}
      </>
    ));
  });

  pages.post('/companies/:companyId', async (c) => {
    const user = requirePermission(c, 'companies.update');
    const companyId = idParam(c, 'companyId');
    const fields = await readFormFields(c);
    const parsed = companyInputSchema.safeParse(fields);
    if (!parsed.success) {
      const company = await db.withPrincipal(user, (tx) => findCompany(tx, companyId));
      if (!company) throw notFound();
      return renderPage(c, company.name, <CompanyEditForm c={c} company={company} issues={issuesOf(parsed.error, c.get('t'))} />, 422);
    }
    const updated = await db.withPrincipal(user, (tx) => updateCompany(tx, auditFor(c), companyId, blanksCleared(parsed.data, ['customerNumber'])));
    if (!updated) throw notFound();
    return c.redirect(`/companies/${companyId}`, 303);
  });

  pages.post('/companies/:companyId/delete', async (c) => {
    const user = requirePermission(c, 'companies.delete');
    if (!(await db.withPrincipal(user, (tx) => deleteCompany(tx, auditFor(c), idParam(c, 'companyId'))))) throw notFound();
    return c.redirect('/companies', 303);
  });

  return pages;
}

function CompanyEditForm(props: { c: Context<AppEnv>; company: Company; issues: Issue[] }) {
  const t = props.c.get('t');
  return (
    <form method="post" action={`/companies/${props.company.companyId}`} novalidate>
      <h2>{t('companies.edit')}</h2>
      <FormErrors issues={props.issues} t={t} labels={{ name: t('companies.name'), customerNumber: t('companies.customerNumber') }} />
      <CsrfField token={props.c.get('csrfToken')} />
      <Field form="company" name="name" label={t('companies.name')} value={props.company.name} required maxlength={200} />
      <Field form="company" name="customerNumber" label={t('companies.customerNumber')} value={props.company.customerNumber ?? undefined} maxlength={50} />
      <button type="submit">{t('form.save')}</button>
    </form>
  );
}

async function companiesPage(c: Context<AppEnv>, db: Database, issues: Issue[], values: Record<string, string | undefined>, status: 200 | 422 = 200) {
  const user = requirePermission(c, 'companies.read');
  const t = c.get('t');
  const companies: Company[] = await db.withPrincipal(user, listCompanies);
  return renderPage(c, t('companies.title'), (
    <>
      {companies.length === 0 ? <p>{t('companies.none')}</p> : (
        <ul>{companies.map((co) => <li><a href={`/companies/${co.companyId}`}>{co.name}</a></li>)}</ul>
      )}
      {user.permissions.has('companies.create') ? (
        <form method="post" action="/companies" novalidate>
          <h2>{t('companies.new')}</h2>
          <FormErrors issues={issues} t={t} labels={{ name: t('companies.name'), customerNumber: t('companies.customerNumber') }} />
          <CsrfField token={c.get('csrfToken')} />
          <Field name="name" label={t('companies.name')} value={values.name} required maxlength={200} />
          <Field name="customerNumber" label={t('companies.customerNumber')} value={values.customerNumber} maxlength={50} />
          <button type="submit">{t('companies.create')}</button>
        </form>
      ) : null}
    </>
  ), status);
}

