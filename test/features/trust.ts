// app/trust: notifiable breaches — public rows (every role reads them, and so
// does the trust page without a principal), written only with trust.manage,
// never deleted; what was entered about a breach stays (only who was notified
// and when is filled in later).
import { created, rolledBack, type FeatureKit } from './kit.ts';

const managers = ['owner', 'admin', 'security_officer'] as const;

export const trust: FeatureKit = {
  feature: 'trust',
  rls: {
    seed: async ({ admin }) => {
      await admin`insert into kastell.notifiable_breaches (title, discovered_on) values ('RLS world breach', '2026-01-05')`;
    },
    cases: ({ as, world }) => ({
      reads: {
        notifiable_breaches: {
          read: async (role) => (await as(role, (tx) => tx`select title from notifiable_breaches order by title`)).map((r) => r.title),
          expect: () => ['RLS world breach'],
        },
      },
      writes: [
        { name: 'record a breach', allowed: managers,
          work: rolledBack((tx) => tx`insert into notifiable_breaches (title, discovered_on) values ('New', '2026-01-06') returning 1`) },
        { name: 'record a breach in somebody else’s name', allowed: [],
          work: rolledBack((tx) => tx`insert into notifiable_breaches (title, discovered_on, entered_by) values ('Forged', '2026-01-06', ${world.adminOfB.userId}) returning 1`) },
        { name: 'fill in a breach’s notification date', allowed: managers, outcome: 'no rows',
          work: rolledBack((tx) => tx`update notifiable_breaches set authority_notified_on = '2026-01-07' where title = 'RLS world breach' returning 1`) },
        { name: 'change what was entered about a breach', allowed: [],
          work: rolledBack((tx) => tx`update notifiable_breaches set title = 'Nothing happened' returning 1`) },
        { name: 'delete a breach', allowed: [], work: rolledBack((tx) => tx`delete from notifiable_breaches returning 1`) },
      ],
    }),
  },
  isolation: {
    // a breach is no company's: B's and the control company's are each just a breach (the public list shows no ids)
    ids: async (admin) => {
      const [row] = await admin`insert into kastell.notifiable_breaches (title, discovered_on) values ('Isolation sample breach', '2026-01-08') returning breach_id`;
      return { breachId: row!.breach_id };
    },
    bodies: {
      'post /trust/breaches': { body: () => ({ title: 'Pwned breach', discoveredOn: '2026-01-09' }) },
      'patch /trust/breaches/:breachId': { body: () => ({ authority: 'Pwned authority' }) },
    },
    pages: (ids) => ({
      writes: [['/trust/breaches', { title: 'Pwned', discoveredOn: '2026-01-09' }], [`/trust/breaches/${ids.breachId}`, { authority: 'Pwned' }]],
      lists: [{ path: '/trust', shows: /Isolation sample breach/ }],
    }),
    unchanged: {
      read: async (admin, ids) => (await admin`select authority from kastell.notifiable_breaches where breach_id = ${ids.breachId!}`).map((r) => r.authority),
      expect: [null],
    },
  },
  audit: {
    scenarios: {
      'POST /api/v1/trust/breaches': {
        action: 'trust.breach_recorded',
        run: async (w) => {
          const r = await w.owner.postJson('/api/v1/trust/breaches', { title: 'Audit scenario breach', discoveredOn: '2026-01-10' });
          w.ids.breach = created(r, 'breachId');
          return r;
        },
      },
      'PATCH /api/v1/trust/breaches/:breachId': {
        action: 'trust.breach_notified',
        run: (w) => w.owner.request('PATCH', `/api/v1/trust/breaches/${w.ids.breach}`, { json: { authorityNotifiedOn: '2026-01-11' } }),
      },
      'POST /trust/breaches': {
        action: 'trust.breach_recorded',
        run: (w) => w.owner.postForm('/trust/breaches', { title: 'Audit scenario breach (form)', discoveredOn: '2026-01-10' }),
      },
      'POST /trust/breaches/:breachId': {
        action: 'trust.breach_notified',
        run: (w) => w.owner.postForm(`/trust/breaches/${w.ids.breach}`, { subjectsNotifiedOn: '2026-01-12' }),
      },
    },
  },
};
