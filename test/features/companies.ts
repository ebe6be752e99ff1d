// app/companies: customer companies.
import { companyScoped, created, redirectId, type FeatureKit } from './kit.ts';

export const companies: FeatureKit = {
  feature: 'companies',
  rls: {
    cases: (w) => ({
      reads: { companies: companyScoped(w, 'companies') },
      writes: [
        { name: 'create a company', work: (tx) => tx`insert into companies (name) values ('New') returning company_id`, allowed: ['owner', 'admin', 'dispatcher'] },
        { name: 'rename company A', work: (tx) => tx`update companies set name = name where company_id = ${w.world.A} returning 1`, allowed: ['owner', 'admin', 'dispatcher', 'customer_admin'] },
        { name: 'rename company B', work: (tx) => tx`update companies set name = name where company_id = ${w.world.B} returning 1`, allowed: ['owner', 'admin', 'dispatcher'] },
      ],
    }),
  },
  isolation: {
    bodies: {
      'post /companies': { body: () => ({ name: 'Intruder Co' }) },
      'patch /companies/:companyId': { body: () => ({ name: 'Pwned' }) },
    },
    pages: (ids) => ({
      reads: [`/companies/${ids.companyId}`],
      writes: [[`/companies/${ids.companyId}`, { name: 'Pwned' }], [`/companies/${ids.companyId}/delete`, {}]],
      lists: [{ path: '/companies', shows: /Alpha AG/ }],
    }),
  },
  audit: {
    scenarios: {
      'POST /api/v1/companies': {
        action: 'company.created',
        run: async (w) => { const r = await w.owner.postJson('/api/v1/companies', { name: 'API AG' }); w.ids.company = created(r, 'companyId'); return r; },
      },
      'PATCH /api/v1/companies/:companyId': { action: 'company.updated', run: (w) => w.owner.request('PATCH', `/api/v1/companies/${w.ids.company}`, { json: { name: 'API AG 2' } }) },
      'DELETE /api/v1/companies/:companyId': { action: 'company.deleted', run: (w) => w.owner.request('DELETE', `/api/v1/companies/${w.ids.company}`) },
      'POST /companies': {
        action: 'company.created',
        run: async (w) => { const r = await w.owner.postForm('/companies', { name: 'Page AG' }); w.ids.pageCompany = redirectId(r); return r; },
      },
      'POST /companies/:companyId': { action: 'company.updated', run: (w) => w.owner.postForm(`/companies/${w.ids.pageCompany}`, { name: 'Page AG 2' }) },
      'POST /companies/:companyId/delete': { action: 'company.deleted', run: (w) => w.owner.postForm(`/companies/${w.ids.pageCompany}/delete`, {}) },
    },
  },
};
