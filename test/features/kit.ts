// What a feature hands the central ratchet tests: its RLS matrix rows
// (test/foundation/rls.test.ts), its isolation sample bodies and pages
// (test/foundation/api-isolation.test.ts) and its audit scenarios
// (test/audit/write-coverage.test.ts). One kit per app/<feature>/ folder that
// has such cases, listed in ./index.ts; the central tests fail when a table, a body route or
// a writing route has no case in any kit.
import type postgres from 'postgres';
import type { Config } from '../../app/config.ts';
import type { Tx } from '../../app/db/client.ts';
import type { TestDatabase } from '../harness/database.ts';
import type { SeededUser } from '../harness/seed.ts';
import type { startTestServer, TestClient, TestResponse } from '../harness/server.ts';
import type { TwoCompanyWorld } from '../harness/world.ts';

export const operatorRoles = ['owner', 'admin', 'security_officer', 'dispatcher', 'technician', 'support', 'external_auditor'] as const;
export const customerRoles = ['customer_admin', 'customer_member', 'customer_viewer'] as const;
export type RoleKey = (typeof operatorRoles)[number] | (typeof customerRoles)[number];

/** 'ok', 'denied' (an error) or 'no rows' (filtered by RLS). */
export type WriteOutcome = 'ok' | 'denied' | 'no rows';

/** The RLS test's world: the shared two companies plus one signed-in user per role (customer roles in A). */
export interface RlsWorld {
  admin: postgres.Sql;
  world: TwoCompanyWorld;
  users: Record<RoleKey, SeededUser>;
  /** every user above, and B's customer admin */
  allUsers: SeededUser[];
  roles: readonly RoleKey[];
  /** roles that read every company's rows */
  globalReaders: readonly RoleKey[];
  /** users and memberships: global readers see all; a customer admin their company; others themselves */
  visibleUsers: (role: RoleKey) => string[];
  as: <T>(role: RoleKey | SeededUser, work: (tx: Tx) => Promise<T>) => Promise<T>;
  attempt: (role: RoleKey | SeededUser, work: (tx: Tx) => Promise<postgres.RowList<postgres.Row[]>>) => Promise<WriteOutcome>;
}

export interface RlsRead {
  /** how `role` reads the table */
  read: (role: RoleKey) => Promise<unknown>;
  /** what `role` must see */
  expect: (role: RoleKey) => unknown;
  /** business rows: without a principal not one is visible */
  noRowsWithoutPrincipal?: true;
}

export interface RlsWrite {
  name: string;
  work: (tx: Tx) => Promise<postgres.RowList<postgres.Row[]>>;
  /** the roles that succeed; every other role must not */
  allowed: readonly RoleKey[];
  /** what every other role gets, when it must be exactly this */
  outcome?: WriteOutcome;
}

export interface RlsCases {
  /** table → how to read it as a role → what must be seen; every table the feature owns */
  reads: Record<string, RlsRead>;
  writes?: RlsWrite[];
  /** further tests, by name */
  checks?: Record<string, () => Promise<void>>;
}

/** One company's path-parameter ids (companyId, siteId, …): B's must stay hidden, a control company's must work. */
export type Ids = Record<string, string>;

export interface SampleBody {
  /** a body valid for the route's schema and accepted for a caller who may act; `ids` are B's, nobody's or the control company's */
  body: (ids: Ids, world: TwoCompanyWorld) => unknown;
  /** the body carries ids too (then B's must get the answer nobody's get) */
  idsInBody?: true;
  /** the ids the route's path takes, when it needs a row in a state of its own (a frozen report to sign, another to refuse); the ids as given otherwise */
  pathIds?: (ids: Ids) => Ids;
}

export interface IsolationCases {
  /** sample bodies by 'method path' (the registry's lower-case method and path below /api/v1) */
  bodies?: Record<string, SampleBody>;
  /** the company's rows of this feature's own path parameters, seeded for B and for the control company */
  ids?: (admin: postgres.Sql, company: { companyId: string; userId: string }) => Promise<Ids>;
  /** pages, for a customer admin of A: B's must answer 404 (reads) or 403/404 (writes); lists answer 200 and show nothing of B */
  pages?: (ids: Ids) => { reads?: string[]; writes?: Array<[path: string, form: Record<string, string>]>; lists?: Array<{ path: string; shows?: RegExp }> };
  /** B's rows of this feature after every attempt: read as the superuser (with B's ids), they must equal `expect` */
  unchanged?: { read: (admin: postgres.Sql, ids: Ids) => Promise<unknown>; expect: unknown };
  /** further tests, by name, run after the registry walk and the pages (e.g. routes outside the API registry, such as streamed uploads) */
  checks?: (w: IsolationWorld) => Record<string, () => Promise<void>>;
}

/** What the isolation test's further checks share: B's ids, nobody's, and its helpers. */
export interface IsolationWorld {
  admin: postgres.Sql;
  world: TwoCompanyWorld;
  idsOfB: Ids;
  idsOfNobody: () => Ids;
  /** a signed-in client in sudo mode */
  clientOf: (user: { userId: string }) => Promise<TestClient>;
  /** fails when `text` names anything of B */
  assertNothingOfB: (text: string, context: string) => void;
  /** an error answer without its request id, to compare one answer with another */
  withoutRequestId: (text: string) => string;
}

/** What the audit scenarios share; `ids` carries what one scenario created for a later one. */
export interface AuditWorld {
  t: TestDatabase;
  server: Awaited<ReturnType<typeof startTestServer>>;
  config: Config;
  /** the owner's browser: set up by the setup kit, signed in by the auth kit */
  owner: TestClient;
  anonymous: TestClient;
  email: string;
  password: string;
  ids: Record<string, string>;
}

export interface AuditScenario {
  /** the audit event the request must record */
  action: string;
  run: (w: AuditWorld) => Promise<TestResponse>;
}

export interface AuditCases {
  /** by 'METHOD path' as Hono lists it, in the order they run */
  scenarios?: Record<string, AuditScenario>;
  /** writing routes that write nothing a person could be held to account for, and why */
  exempt?: Record<string, string>;
}

export interface FeatureKit {
  /** the app/<feature>/ folder it tests ('core' for app/http and app/db) */
  feature: string;
  rls?: {
    /** this feature's rows in the RLS world, seeded as the superuser after the earlier kits' */
    seed?: (w: RlsWorld) => Promise<void>;
    cases: (w: RlsWorld) => RlsCases;
  };
  isolation?: IsolationCases;
  audit?: AuditCases;
}

/** A table the application role may not read at all. */
export const notReadable = (w: RlsWorld, table: string): RlsRead => ({
  read: (role) => w.as(role, (tx) => tx`select count(*) from ${tx(table)}`).then(() => 'readable', (e: Error) => e.message),
  expect: () => `permission denied for table ${table}`,
});

/** The distinct companies of a company-scoped table's visible rows. */
export const companiesIn = (w: RlsWorld, table: string) => async (role: RoleKey) =>
  (await w.as(role, (tx) => tx`select distinct company_id from ${tx(table)} order by 1`)).map((r) => r.company_id);

/** The id a created row's JSON answer carries, or the id a page redirected to. */
export const created = (response: TestResponse, key: string) => response.json<Record<string, string>>()[key]!;
export const redirectId = (response: TestResponse) => /\/([0-9a-f-]{36})$/.exec(response.headers.get('location') ?? '')?.[1] ?? '';

/**
 * A company-scoped table: global readers see both companies' rows, customers of A only A's, other operators none —
 * but the technician, whom the jobs kit assigns a job in A, sees A's rows through that job (its company, site, asset,
 * the job and its visits), unless `technician: false` (a table it may not read for its jobs, e.g. service requests).
 */
export const companyScoped = (w: RlsWorld, table: string, { technician = true } = {}): RlsRead => ({
  read: companiesIn(w, table),
  expect: (role) =>
    w.globalReaders.includes(role) ? [w.world.A, w.world.B].sort()
      : (customerRoles as readonly string[]).includes(role) || (role === 'technician' && technician) ? [w.world.A]
        : [],
  noRowsWithoutPrincipal: true,
});

/** A write run in a savepoint that is then rolled back, so every role starts from the same rows (the count it had is kept). */
export const rolledBack = (work: RlsWrite['work']): RlsWrite['work'] => async (tx) => {
  const rollBack = new Error('roll back');
  let result: postgres.RowList<postgres.Row[]> | undefined;
  try {
    await tx.savepoint(async (savepoint) => { result = await work(savepoint); throw rollBack; });
  } catch (error) {
    if (error !== rollBack) throw error;
  }
  return result!;
};
