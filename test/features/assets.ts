// app/assets: the assets at a site.
import { seedCompany, seedSite } from '../harness/seed.ts';
import { companyScoped, created, type FeatureKit } from './kit.ts';

export const assets: FeatureKit = {
  feature: 'assets',
  rls: {
    cases: (w) => ({
      reads: { assets: companyScoped(w, 'assets') },
      writes: [
        { name: 'add an asset in A', work: (tx) => tx`insert into assets (company_id, site_id, name) values (${w.world.A}, ${w.world.siteA}, 'P') returning 1`, allowed: ['owner', 'admin', 'dispatcher', 'customer_admin'] },
        { name: 'change an asset in B', work: (tx) => tx`update assets set name = name where company_id = ${w.world.B} returning 1`, allowed: ['owner', 'admin', 'dispatcher'] },
      ],
    }),
  },
  isolation: {
    bodies: {
      'post /sites/:siteId/assets': { body: () => ({ name: 'Pwned asset' }) },
      'patch /assets/:assetId': { body: () => ({ name: 'Pwned' }) },
    },
    pages: (ids) => ({
      reads: [`/assets/${ids.assetId}`],
      writes: [[`/sites/${ids.siteId}/assets`, { name: 'Pwned' }], [`/assets/${ids.assetId}`, { name: 'Pwned' }], [`/assets/${ids.assetId}/delete`, {}]],
    }),
  },
  audit: {
    // at a site seeded here: the sites kit's are deleted by now
    scenarios: {
      'POST /api/v1/sites/:siteId/assets': {
        action: 'asset.created',
        run: async (w) => {
          w.ids.assetsSite = await seedSite(w.t.admin, await seedCompany(w.t.admin, 'Assets AG'), 'Yard');
          const r = await w.owner.postJson(`/api/v1/sites/${w.ids.assetsSite}/assets`, { name: 'Pump' });
          w.ids.asset = created(r, 'assetId');
          return r;
        },
      },
      'PATCH /api/v1/assets/:assetId': { action: 'asset.updated', run: (w) => w.owner.request('PATCH', `/api/v1/assets/${w.ids.asset}`, { json: { kind: 'pump' } }) },
      'DELETE /api/v1/assets/:assetId': { action: 'asset.deleted', run: (w) => w.owner.request('DELETE', `/api/v1/assets/${w.ids.asset}`) },
      'POST /sites/:siteId/assets': {
        action: 'asset.created',
        run: async (w) => {
          const r = await w.owner.postForm(`/sites/${w.ids.assetsSite}/assets`, { name: 'Crane' });
          const [row] = await w.t.admin`select asset_id from kastell.assets where name = 'Crane'`;
          w.ids.pageAsset = row?.asset_id ?? '';
          return r;
        },
      },
      'POST /assets/:assetId': { action: 'asset.updated', run: (w) => w.owner.postForm(`/assets/${w.ids.pageAsset}`, { name: 'Crane 2' }) },
      'POST /assets/:assetId/delete': { action: 'asset.deleted', run: (w) => w.owner.postForm(`/assets/${w.ids.pageAsset}/delete`, {}) },
    },
  },
};
