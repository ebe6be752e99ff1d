// What the fuzz and cross-tenant properties share: a test server, companies
// seeded with every kit's path-parameter rows (the ids the isolation test
// uses), callers of every role, the OpenAPI document the server serves with
// its operations, a validator for each declared answer, and a fingerprint of
// every table to show that a refused request wrote nothing. Sizes come from
// the environment (`npm run test:fuzz` sets the full ones).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { collect, kits } from '../features/index.ts';
import { customerRoles, operatorRoles, type Ids, type RoleKey, type SampleBody } from '../features/kit.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedSession, seedUser, type SeededUser } from '../harness/seed.ts';
import { startTestServer, type TestClient, type TestResponse } from '../harness/server.ts';
import { seedCustomerCompany, seedTwoCompanyWorld, type CustomerCompany } from '../harness/world.ts';

/** A size from the environment (`npm run test:fuzz` sets the full run's), else the short run's. */
export function size(name: string, short: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : short;
}

/** The seed fast-check uses (printed, so a failing run can be repeated with KASTELL_FUZZ_SEED). */
export const seed = size('KASTELL_FUZZ_SEED', Date.now() % 2 ** 31);

export type JsonSchema = {
  type?: string | string[]; format?: string; pattern?: string; enum?: unknown[]; const?: unknown;
  properties?: Record<string, JsonSchema>; required?: string[]; additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema; prefixItems?: JsonSchema[]; minItems?: number; maxItems?: number;
  minLength?: number; maxLength?: number; minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number;
  anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; allOf?: JsonSchema[]; default?: unknown; $schema?: string;
};

export interface Parameter { name: string; in: 'path' | 'query' | 'header'; required: boolean; schema: JsonSchema }

/** One operation of the OpenAPI document, with the registry's key and the answers it declares. */
export interface Operation {
  key: string;
  method: string;
  /** the Hono path below /api/v1 (`:name` parameters) */
  path: string;
  permission: string;
  actsOn?: string;
  parameters: Parameter[];
  body?: JsonSchema;
  /** declared status (or 'default') → its validator */
  responses: Map<string, ValidateFunction>;
  successStatus: number;
}

export interface Caller {
  role: RoleKey | 'anonymous' | 'custom';
  user?: SeededUser;
  companyId: string | null;
  client: TestClient;
}

export interface Company extends CustomerCompany { name: string; ids: Ids }

/** The routes that only act on the caller (sessions, factors, profile) or run before a session exists. */
export const callerOnly = (op: Operation) => op.permission === 'signed-in' || op.permission === 'public';

export async function startFuzzWorld() {
  const t = await createTestDatabase();
  // the server's own errors, so a 500 comes with its cause (the answer carries only a request id)
  const serverErrors = new Map<string, string>();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        try {
          const entry = JSON.parse(line) as { reqId?: string; err?: { message?: string; stack?: string } };
          if (entry.reqId && entry.err) serverErrors.set(entry.reqId, (entry.err.stack ?? entry.err.message ?? '').split('\n').slice(0, 4).join(' | '));
        } catch { /* not a log line */ }
      }
      done();
    },
  });
  const server = await startTestServer(t, {}, pino({ level: 'error' }, sink));
  const world = await seedTwoCompanyWorld(t.admin);
  const anonymous = server.client();
  const document = (await anonymous.get('/api/v1/openapi.json')).json<{ paths: Record<string, Record<string, any>> }>();
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
  addFormats.default(ajv);
  const operations: Operation[] = [];
  for (const [openApiPath, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const path = openApiPath.replace(/^\/api\/v1/, '').replace(/\{(\w+)\}/g, ':$1');
      const responses = new Map<string, ValidateFunction>();
      let successStatus = 0;
      for (const [status, answer] of Object.entries(operation.responses as Record<string, any>)) {
        const { $schema: _, ...schema } = answer.content['application/json'].schema as JsonSchema;
        responses.set(status, ajv.compile(schema));
        if (/^2\d\d$/.test(status)) successStatus = Number(status);
      }
      operations.push({
        key: `${method} ${path}`, method, path, permission: operation['x-kastell-permission'], actsOn: operation['x-kastell-acts-on'],
        parameters: operation.parameters ?? [], body: operation.requestBody?.content['application/json'].schema, responses, successStatus,
      });
    }
  }
  assert.equal(operations.length, server.api.routes.length, 'the OpenAPI document names every registered route');

  const samples: Record<string, SampleBody> = collect((kit) => kit.isolation?.bodies).all;

  /** A company with its site, asset, admin, invite and every kit's rows (a job, a report, a document…): the ids its routes take. */
  let companies = 0;
  async function seedCompany(): Promise<Company> {
    companies += 1;
    const name = `Fuzz${companies}x${randomUUID().slice(0, 4)} AG`;
    const company = await seedCustomerCompany(t.admin, name, `${name} plant`, `${name} pump`);
    const ids: Ids = { companyId: company.companyId, siteId: company.siteId, assetId: company.assetId, inviteId: company.inviteId, userId: company.admin.userId };
    for (const kit of kits) Object.assign(ids, await kit.isolation?.ids?.(t.admin, { companyId: company.companyId, userId: company.admin.userId }));
    return { ...company, name, ids };
  }

  /** A signed-in client in sudo mode: a re-authentication demand then cannot stand in for the authorization check. */
  async function clientOf(user: { userId: string }): Promise<TestClient> {
    const token = await seedSession(t.admin, user.userId, '30 minutes');
    await t.admin`update kastell.sessions set reauth_at = now() where token_hash = sha256(${token}::bytea)`;
    return server.client().withSession(token);
  }

  async function callerOf(role: RoleKey, companyId: string | null): Promise<Caller> {
    const user = await seedUser(t.admin, role, (customerRoles as readonly string[]).includes(role) ? companyId : null);
    return { role, user, companyId: user.companyId, client: await clientOf(user) };
  }

  /** A custom role of the company with a random set of the permissions a company may give, and a user in it. */
  async function customCaller(companyId: string, permissions: string[]): Promise<Caller> {
    const [role] = await t.admin`insert into kastell.roles (company_id, name, side) values (${companyId}, ${`Fuzz role ${randomUUID().slice(0, 8)}`}, 'customer') returning role_id`;
    for (const key of permissions) await t.admin`insert into kastell.role_permissions (role_id, permission_key, scope) values (${role!.role_id}, ${key}, 'company')`;
    const user = await seedUser(t.admin, 'customer_member', companyId);
    await t.admin`update kastell.memberships set role_id = ${role!.role_id} where user_id = ${user.userId}`;
    return { role: 'custom', user: { ...user, roleKey: 'custom' }, companyId, client: await clientOf(user) };
  }

  const assignable = (await t.admin`select permission_key from kastell.permissions where customer_assignable order by 1`).map((r) => r.permission_key as string);

  /** The caller's session again (and the user, when the request ended either: a sign-out, a password change, a disabled account). */
  async function revive(caller: Caller): Promise<void> {
    if (!caller.user) return;
    const [alive] = await t.admin`select 1 from kastell.users u join kastell.memberships m using (user_id) where u.user_id = ${caller.user.userId} and u.status = 'active'`;
    if (!alive) {
      const fresh = caller.role === 'custom' ? await customCaller(caller.companyId!, assignable.slice(0, 4)) : await callerOf(caller.role as RoleKey, caller.companyId);
      Object.assign(caller, fresh);
      return;
    }
    caller.client = await clientOf(caller.user);
  }

  // Every table's row count and newest xmin, in one statement: any insert, update or delete committed in between changes it.
  const tables = (await t.admin`select schemaname || '.' || tablename as name from pg_tables where schemaname in ('kastell', 'audit') order by 1`)
    .map((r) => r.name as string).filter((name) => !bookkeeping.has(name));
  const fingerprintSql = tables.map((name) => `select '${name}' as t, count(*)::text || ':' || coalesce(max(xmin::text::bigint), 0)::text as v from ${name}`).join(' union all ');
  async function fingerprint(): Promise<Map<string, string>> {
    return new Map((await t.admin.unsafe(fingerprintSql)).map((r) => [r.t as string, r.v as string]));
  }
  /** The tables whose fingerprints differ. */
  const changed = (before: Map<string, string>, after: Map<string, string>) => [...after].filter(([k, v]) => before.get(k) !== v).map(([k]) => k);

  /** The server's logged error for the request an answer names, if it logged one. */
  const causeOf = (text: string) => serverErrors.get(/"requestId":"([^"]+)"/.exec(text)?.[1] ?? '') ?? '';

  return { causeOf, t, server, world, anonymous, document, operations, samples, seedCompany, clientOf, callerOf, customCaller, assignable, revive, fingerprint, changed, tables };
}

export type FuzzWorld = Awaited<ReturnType<typeof startFuzzWorld>>;

/**
 * Tables every request may write whatever its answer, and why: they are what
 * refuses requests (rate limits count every request, lockout counts failed
 * sign-ins) or what a request is (the session's last use), not what it asks for.
 */
export const bookkeeping = new Map<string, string>([
  ['kastell.rate_limit_windows', 'the per-IP/per-user request counters count refused requests too'],
  ['kastell.sessions', 'every authenticated request moves its session\'s idle deadline (last_seen_at)'],
]);

/** An error answer without its request id, to compare one answer with another. */
export const withoutRequestId = (text: string) => text.replace(/"requestId":"[^"]*"/, '"requestId":""');

export const allRoles: RoleKey[] = [...operatorRoles, ...customerRoles];

/** The request line and body, for a failure message and a regression test. */
export const describe = (method: string, path: string, json: unknown, response: TestResponse) =>
  `${method.toUpperCase()} ${path} ${json === undefined ? '' : JSON.stringify(json).slice(0, 400)} → ${response.status} ${response.text.slice(0, 300)}`;

/**
 * Checks one answer against the operation's declaration: the status is the
 * declared success status, or an error status (the declared 409/422, or
 * `default`) below 500, and the body is JSON valid for that status's schema.
 */
export function conformance(op: Operation, response: TestResponse): string | undefined {
  if (response.status >= 500) return `status ${response.status}`;
  const declared = response.status === op.successStatus ? String(op.successStatus)
    : response.status >= 400 && op.responses.has(String(response.status)) ? String(response.status)
      : response.status >= 400 ? 'default' : undefined;
  if (!declared) return `status ${response.status} is not declared (success is ${op.successStatus})`;
  if (!/^application\/json/.test(response.headers.get('content-type') ?? '')) return `content-type ${response.headers.get('content-type')}`;
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    return 'the body is not JSON';
  }
  const validate = op.responses.get(declared)!;
  if (!validate(body)) return `the body does not match the schema declared for ${declared}: ${JSON.stringify(validate.errors?.slice(0, 3))}`;
  return undefined;
}

export function histogram(statuses: number[]): string {
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`).join(' ');
}
