// app/retention: no table of its own (the purge and the data-subject
// functions act on the other features' tables, sql/0020, tested in
// test/retention/). The one writing route: deleting a person.
import { seedUser } from '../harness/seed.ts';
import type { FeatureKit } from './kit.ts';

export const retention: FeatureKit = {
  feature: 'retention',
  isolation: {
    // a person of each company to delete, so the other routes keep their users
    ids: async (admin, company) => ({ personToErase: (await seedUser(admin, 'customer_member', company.companyId)).userId }),
    bodies: {
      // only operators with global users.disable delete a person (app.erase_person): a customer admin is refused for any id
      'post /users/:userId/erase': { body: () => ({}), pathIds: (ids) => ({ ...ids, userId: ids.personToErase ?? ids.userId! }) },
    },
  },
  audit: {
    scenarios: {
      'POST /api/v1/users/:userId/erase': {
        action: 'person.erased',
        run: async (w) => {
          const person = await seedUser(w.t.admin, 'support', null, 'to.be.erased@example.test');
          return w.owner.postJson(`/api/v1/users/${person.userId}/erase`, {});
        },
      },
    },
  },
};
