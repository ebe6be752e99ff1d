// app/sites: a company's sites.
import { seedCompany } from '../harness/seed.ts';
import { companyScoped, created, redirectId, type FeatureKit } from './kit.ts';

export const sites: FeatureKit = {
  feature: 'sites',
  rls: {
    cases: (w) => ({
      reads: { sites: companyScoped(w, 'sites') },
      writes: [
        { name: 'add a site in A', work: (tx) => tx`insert into sites (company_id, name) values (${w.world.A}, 'S') returning 1`, allowed: ['owner', 'admin', 'dispatcher', 'customer_admin'] },
        { name: 'add a site in B', work: (tx) => tx`insert into sites (company_id, name) values (${w.world.B}, 'S') returning 1`, allowed: ['owner', 'admin', 'dispatcher'] },
        { name: 'delete a site in B', work: (tx) => tx`delete from sites where site_id = ${w.world.siteB} and false returning 1`, allowed: [], outcome: 'no rows' },
      ],
    }),
  },
  isolation: {
    bodies: {
      'post /companies/:companyId/sites': { body: () => ({ name: 'Pwned site' }) },
      'patch /sites/:siteId': { body: () => ({ name: 'Pwned' }) },
    },
    pages: (ids) => ({
      reads: [`/sites/${ids.siteId}`],
      writes: [[`/companies/${ids.companyId}/sites`, { name: 'Pwned' }], [`/sites/${ids.siteId}`, { name: 'Pwned' }], [`/sites/${ids.siteId}/delete`, {}]],
    }),
  },
  audit: {
    // in a company seeded here: the companies kit's are deleted by now
    scenarios: {
      'POST /api/v1/companies/:companyId/sites': {
        action: 'site.created',
        run: async (w) => {
          w.ids.sitesCompany = await seedCompany(w.t.admin, 'Sites AG');
          const r = await w.owner.postJson(`/api/v1/companies/${w.ids.sitesCompany}/sites`, { name: 'Plant' });
          w.ids.site = created(r, 'siteId');
          return r;
        },
      },
      'PATCH /api/v1/sites/:siteId': { action: 'site.updated', run: (w) => w.owner.request('PATCH', `/api/v1/sites/${w.ids.site}`, { json: { city: 'Basel' } }) },
      'DELETE /api/v1/sites/:siteId': { action: 'site.deleted', run: (w) => w.owner.request('DELETE', `/api/v1/sites/${w.ids.site}`) },
      'POST /companies/:companyId/sites': {
        action: 'site.created',
        run: async (w) => { const r = await w.owner.postForm(`/companies/${w.ids.sitesCompany}/sites`, { name: 'Depot' }); w.ids.pageSite = redirectId(r); return r; },
      },
      'POST /sites/:siteId': { action: 'site.updated', run: (w) => w.owner.postForm(`/sites/${w.ids.pageSite}`, { name: 'Depot 2' }) },
      'POST /sites/:siteId/delete': { action: 'site.deleted', run: (w) => w.owner.postForm(`/sites/${w.ids.pageSite}/delete`, {}) },
    },
  },
};
