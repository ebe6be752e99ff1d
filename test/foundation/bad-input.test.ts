// Every API route that takes a body answers arbitrary and malformed input
// with a 4xx that says what is wrong — never a 500 — and writes nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createTestDatabase } from '../harness/database.ts';
import { seedAsset, seedCompany, seedSession, seedSite, seedUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);
const company = await seedCompany(t.admin, 'Alpha AG');
const site = await seedSite(t.admin, company, 'Plant');
const asset = await seedAsset(t.admin, company, site, 'Pump');
const owner = await seedUser(t.admin, 'owner');
const client = server.client().withSession(await seedSession(t.admin, owner.userId));
const ids: Record<string, string> = { companyId: company, siteId: site, assetId: asset, inviteId: '0190f0f0-0000-7000-8000-000000000000' };
const { api } = server;
const writingRoutes = api.routes.filter((r) => r.body && r.path !== '/auth/sign-in');

/** Every row of the tables these routes write, as text: an insert, an update or a delete changes it. */
async function rowCounts() {
  const tables = ['kastell.companies', 'kastell.sites', 'kastell.assets', 'kastell.invites', 'kastell.users', 'kastell.passkeys'];
  const rows = await Promise.all(tables.map((table) => t.admin.unsafe(
    `select count(*)::text || ':' || coalesce(md5(string_agg(x::text, '|' order by x::text)), '') as v from ${table} x`)));
  return Object.fromEntries(tables.map((table, i) => [table, rows[i]![0]!.v as string]));
}

const pathOf = (routePath: string) => '/api/v1' + routePath.replace(/:(\w+)/g, (_, name: string) => ids[name]!);

// asvs: V15.3.3
test('malformed bodies get 400/422 with issues naming the field', async () => {
  const before = await rowCounts();
  for (const route of writingRoutes) {
    for (const body of [[], 'text', 42, null, { unexpected: true }, { name: 7 }, { email: 'not-an-email', roleId: 'x' }]) {
      const response = await client.request(route.method.toUpperCase(), pathOf(route.path), { json: body });
      assert.ok([400, 404, 422].includes(response.status), `${route.method} ${route.path} ${JSON.stringify(body)} → ${response.status}`);
      const error = response.json().error;
      assert.ok(error.message.length > 10, 'a sentence, not a code');
      if (response.status === 422) assert.ok(error.issues.length > 0 && error.issues.every((i: { path: string; message: string }) => i.message));
    }
  }
  assert.deepEqual(await rowCounts(), before, 'nothing was written');
});

test('property: arbitrary invalid JSON never makes a route fail with 5xx, and writes nothing', async () => {
  const before = await rowCounts();
  // Only bodies the route's schema refuses: a valid one (e.g. {"name":"x"}) may rightly write.
  const invalidInput = fc.tuple(fc.constantFrom(...writingRoutes), fc.jsonValue({ maxDepth: 3 }))
    .filter(([route, body]) => !route.body!.safeParse(body).success);
  await fc.assert(
    fc.asyncProperty(invalidInput, async ([route, body]) => {
      const response = await client.request(route.method.toUpperCase(), pathOf(route.path), { json: body });
      return response.status >= 400 && response.status < 500 && response.headers.get('content-type')!.startsWith('application/json');
    }),
    { numRuns: 150 },
  );
  assert.deepEqual(await rowCounts(), before, 'nothing was written');
});

test('property: arbitrary path segments answer 404, never 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...api.routes.filter((r) => r.path.includes(':') && r.method === 'get')), fc.string({ minLength: 1, maxLength: 40 }), async (route, segment) => {
      const path = '/api/v1' + route.path.replace(/:(\w+)/g, encodeURIComponent(segment));
      const response = await client.get(path);
      return response.status === 404;
    }),
    { numRuns: 100 },
  );
});
