// app/requests: service requests — customers raise and withdraw them, the operator triages or declines them
// (accepting one by making a job from it is the jobs kit's).
import type postgres from 'postgres';
import { seedSession, seedUser } from '../harness/seed.ts';
import type { TestClient } from '../harness/server.ts';
import { companyScoped, created, redirectId, rolledBack, type FeatureKit } from './kit.ts';

/** The RLS world's request of A, raised by A's customer member (seeded by `rls.seed`). */
let requestA = '';

/** A company's first site and asset and the first word of its name (Beta, Control), for the rows seeded for it. */
export async function siteOf(admin: postgres.Sql, companyId: string): Promise<{ label: string; siteId: string; assetId: string }> {
  const [row] = await admin`select c.name, s.site_id, a.asset_id from kastell.companies c
    join kastell.sites s using (company_id) join kastell.assets a on a.site_id = s.site_id
    where c.company_id = ${companyId} order by s.site_id, a.asset_id limit 1`;
  if (!row) throw new Error(`company ${companyId} has no site with an asset`);
  return { label: (row.name as string).split(' ')[0]!, siteId: row.site_id, assetId: row.asset_id };
}

/** The audit scenarios' customer and dispatcher, signed in by the first scenario. */
const as = {} as { customer: TestClient; dispatcher: TestClient };

export const requests: FeatureKit = {
  feature: 'requests',
  rls: {
    seed: async ({ admin, users, world }) => {
      const [request] = await admin`insert into kastell.service_requests (company_id, site_id, title, raised_by)
        values (${world.A}, ${world.siteA}, 'Pump leaks', ${users.customer_member.userId}) returning request_id`;
      requestA = request!.request_id;
      await admin`insert into kastell.service_requests (company_id, site_id, title, raised_by) values (${world.B}, ${world.siteB}, 'Beta leak', ${world.adminOfB.userId})`;
    },
    cases: (w) => {
      const { A, B, siteA, siteB, adminOfB } = w.world;
      return {
        // technicians hold no requests.read: not even the one assigned a job in A sees a request
        reads: { service_requests: companyScoped(w, 'service_requests', { technician: false }) },
        // each rolled back, so every role starts from the same rows
        writes: [
          { name: 'raise a request in A', work: rolledBack((tx) => tx`insert into service_requests (company_id, site_id, title, raised_by) values (${A}, ${siteA}, 'R', app.current_user_id()) returning 1`),
            allowed: ['owner', 'admin', 'dispatcher', 'customer_admin', 'customer_member'] },
          { name: 'raise a request in B', work: rolledBack((tx) => tx`insert into service_requests (company_id, site_id, title, raised_by) values (${B}, ${siteB}, 'R', app.current_user_id()) returning 1`),
            allowed: ['owner', 'admin', 'dispatcher'] },
          { name: "raise a request in A in B admin's name", work: rolledBack((tx) => tx`insert into service_requests (company_id, site_id, title, raised_by) values (${A}, ${siteA}, 'R', ${adminOfB.userId}) returning 1`),
            allowed: [] },
          { name: 'triage the request of A', work: rolledBack((tx) => tx`update service_requests set status = 'triaged' where request_id = ${requestA} returning 1`),
            allowed: ['owner', 'admin', 'dispatcher'] },
          { name: 'withdraw the request of A (raised by its member)', work: rolledBack((tx) => tx`update service_requests set status = 'withdrawn' where request_id = ${requestA} returning 1`),
            allowed: ['owner', 'admin', 'dispatcher', 'customer_admin', 'customer_member'] },
        ],
      };
    },
  },
  isolation: {
    bodies: {
      'post /requests': { body: (ids) => ({ siteId: ids.siteId, assetId: ids.assetId, title: 'Intruder request' }), idsInBody: true },
      'post /requests/:requestId/status': { body: () => ({ status: 'triaged' }) },
    },
    // a request at the company's site and asset
    ids: async (admin, { companyId }) => {
      const { label, siteId, assetId } = await siteOf(admin, companyId);
      const [request] = await admin`insert into kastell.service_requests (company_id, site_id, asset_id, title)
        values (${companyId}, ${siteId}, ${assetId}, ${`${label} request`}) returning request_id`;
      return { requestId: request!.request_id };
    },
    pages: (ids) => ({
      reads: [`/requests/${ids.requestId}`],
      writes: [[`/requests/${ids.requestId}/withdraw`, {}], [`/requests/${ids.requestId}/triage`, {}],
        [`/requests/${ids.requestId}/decline`, { reason: 'Pwned' }], ['/requests', { siteId: ids.siteId!, title: 'Pwned' }]],
      lists: [{ path: '/requests' }],
    }),
    unchanged: {
      read: async (admin, ids) => {
        const [request] = await admin`select status from kastell.service_requests where request_id = ${ids.requestId!}`;
        const [count] = await admin`select count(*)::int as n from kastell.service_requests where company_id = ${ids.companyId!}`;
        return { request: request?.status, requests: count!.n };
      },
      expect: { request: 'submitted', requests: 1 },
    },
  },
  audit: {
    // a customer and a dispatcher of their own (seeded sessions), in a company seeded here
    scenarios: {
      'POST /api/v1/requests': {
        action: 'request.created',
        run: async (w) => {
          const [company] = await w.t.admin`insert into kastell.companies (name) values ('Service AG') returning company_id`;
          const [site] = await w.t.admin`insert into kastell.sites (company_id, name) values (${company!.company_id}, 'Boiler room') returning site_id`;
          w.ids.requestsSite = site!.site_id;
          const customer = await seedUser(w.t.admin, 'customer_member', company!.company_id);
          const dispatcher = await seedUser(w.t.admin, 'dispatcher');
          as.customer = w.server.client().withSession(await seedSession(w.t.admin, customer.userId, '30 minutes'));
          as.dispatcher = w.server.client().withSession(await seedSession(w.t.admin, dispatcher.userId, '30 minutes'));
          const r = await as.customer.postJson('/api/v1/requests', { siteId: w.ids.requestsSite, title: 'Boiler noisy', urgency: 'high' });
          w.ids.request = created(r, 'requestId');
          return r;
        },
      },
      'POST /api/v1/requests/:requestId/status': {
        action: 'request.triaged',
        run: (w) => as.dispatcher.postJson(`/api/v1/requests/${w.ids.request}/status`, { status: 'triaged' }),
      },
      'POST /requests': {
        action: 'request.created',
        run: async (w) => {
          const r = await as.customer.postForm('/requests', { siteId: w.ids.requestsSite!, title: 'Radiator cold', urgency: 'normal' });
          w.ids.pageRequest = redirectId(r);
          return r;
        },
      },
      'POST /requests/:requestId/triage': { action: 'request.triaged', run: (w) => as.dispatcher.postForm(`/requests/${w.ids.pageRequest}/triage`, {}) },
      'POST /requests/:requestId/decline': {
        action: 'request.declined',
        run: (w) => as.dispatcher.postForm(`/requests/${w.ids.pageRequest}/decline`, { reason: 'Not covered by the contract' }),
      },
      'POST /requests/:requestId/withdraw': {
        action: 'request.withdrawn',
        run: async (w) => {
          const r = await as.customer.postJson('/api/v1/requests', { siteId: w.ids.requestsSite, title: 'Never mind' });
          return as.customer.postForm(`/requests/${created(r, 'requestId')}/withdraw`, {});
        },
      },
    },
  },
};
