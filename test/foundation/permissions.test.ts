// The permission keys routes may name (app/http/permissions.ts, a TypeScript
// union) are exactly the catalogue in SQL; every API route names one (or says
// it is public or for any signed-in user), and the registry enforces it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { permissionKeys } from '../../app/http/permissions.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedCompany, seedSession, seedUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);

test('the permission union in TypeScript is the catalogue in SQL, key for key', async () => {
  const rows = await t.admin`select permission_key from kastell.permissions order by permission_key`;
  assert.deepEqual([...permissionKeys].sort(), rows.map((r) => r.permission_key as string));
});

test('every API route declares who may call it, and the OpenAPI document shows it', async () => {
  const document = (await server.client().get('/api/v1/openapi.json')).json() as { paths: Record<string, Record<string, { 'x-kastell-permission'?: string }>> };
  const allowed = new Set<string>([...permissionKeys, 'public', 'signed-in']);
  assert.ok(server.api.routes.length > 20);
  for (const route of server.api.routes) {
    assert.ok(allowed.has(route.permission), `${route.method} ${route.path}: ${route.permission}`);
    const path = `/api/v1${route.path.replace(/:(\w+)/g, '{$1}')}`;
    assert.equal(document.paths[path]?.[route.method]?.['x-kastell-permission'], route.permission, `${route.method} ${path}`);
  }
});

// asvs: V8.3.1
test('the registry refuses a route to a signed-in user who lacks its permission, before the handler runs', async () => {
  // a customer viewer reads companies but may not create one
  const company = await seedCompany(t.admin, 'Viewer AG');
  const viewer = await seedUser(t.admin, 'customer_viewer', company, 'viewer@example.test');
  const client = server.client().withSession(await seedSession(t.admin, viewer.userId, '30 minutes'));
  const guarded = server.api.routes.filter((r) => r.permission === 'companies.create');
  assert.ok(guarded.length > 0);
  const before = await t.admin`select count(*)::int as n from kastell.companies`;
  assert.equal((await client.get('/api/v1/companies')).status, 200, 'a viewer reads companies');
  const response = await client.postJson('/api/v1/companies', { name: 'Not allowed AG' });
  assert.equal(response.status, 403);
  const after = await t.admin`select count(*)::int as n from kastell.companies`;
  assert.equal(after[0]!.n, before[0]!.n);
});
