// app/keys: the owner's crypto-shredding page and route (no table of its
// own: it destroys a company's key files, app/crypto/shred.ts; behaviour in
// test/crypto/shred-page.test.ts).
import { seedCompany } from '../harness/seed.ts';
import type { FeatureKit } from './kit.ts';

export const keys: FeatureKit = {
  feature: 'keys',
  isolation: {
    bodies: {
      // owner only (keys.rotate): everyone else is refused for any company
      'post /companies/:companyId/shred': { body: (ids) => ({ confirm: ids.companyId }) },
    },
    pages: (ids) => ({
      writes: [[`/companies/${ids.companyId}/shred`, { confirm: ids.companyId ?? '' }]],
    }),
  },
  audit: {
    scenarios: {
      'POST /api/v1/companies/:companyId/shred': {
        action: 'company.shredded',
        run: async (w) => {
          const company = await seedCompany(w.t.admin, 'Shredded by API AG');
          return w.owner.postJson(`/api/v1/companies/${company}/shred`, { confirm: company });
        },
      },
      'POST /companies/:companyId/shred': {
        action: 'company.shredded',
        run: async (w) => {
          const company = await seedCompany(w.t.admin, 'Shredded by page AG');
          return w.owner.postForm(`/companies/${company}/shred`, { confirm: 'Shredded by page AG' });
        },
      },
    },
  },
};
