// Crash consistency (issue 15 part 1), Jepsen-style: clients write through
// the HTTP API — creates with an Idempotency-Key, retried on any failure with
// the same key, and updates — while the driver SIGKILLs PostgreSQL (the whole
// cluster, or one backend so the postmaster resets itself) or the Kastell
// process at random moments, and starts it again. Afterwards it checks what a
// client was promised: every acknowledged write exists exactly once, nothing
// is half-written (each created row has its one audit event, no event names a
// row that does not exist, no idempotency key is left claimed without its
// answer), every committed audit event is chained exactly once in one order
// and `kastell audit verify` passes, and sessions and lockout counters agree
// with what sign-ins and sign-outs were answered.
//
// Its own PostgreSQL cluster (it is killed), with production commit
// durability; its own Kastell process (node app/main.ts), also killed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { keyringFromConfig } from '../../app/crypto/keyring.ts';
import { parseConfig } from '../../app/config.ts';
import { fieldAad } from '../../app/crypto/fields.ts';
import { migrate } from '../../app/db/migrate.ts';
import { freePort, startCluster, type Cluster } from '../harness/postgres.ts';
import { seedCompany, seedSession, seedSite, seedUser, testPassword, testSecretKey, testSecretKeyId } from '../harness/seed.ts';
import { TestClient, type TestResponse } from '../harness/server.ts';

const root = new URL('../..', import.meta.url).pathname;

export interface CrashOptions {
  /** how many kills (the run ends after the last one has recovered) */
  kills: number;
  /** concurrent writing clients */
  clients: number;
  /** a hard bound on the run: kills stop when it is reached */
  maxMs: number;
  /** seeds the driver's random choices (printed, so a run can be repeated) */
  seed?: number;
  /** overrides PostgreSQL's commit durability (only to show the test fails without it) */
  durable?: boolean;
  log?: (line: string) => void;
}

export interface CrashReport {
  seed: number;
  kills: { postgres: number; backend: number; kastell: number; total: number };
  requests: number;
  retries: number;
  acknowledged: number;
  /** acknowledged writes not found afterwards (goal 0) */
  lost: string[];
  /** rows created more than once for one intended create (goal 0) */
  duplicates: string[];
  /** rows without their audit event, events without their row, keys claimed without an answer (goal 0) */
  halfWritten: string[];
  /** creates whose retries never got an answer within the bound (each is a defect: a client cannot finish) */
  unfinished: string[];
  /** events chained twice or never, gaps or forks in the sequence (goal 0) */
  chainBreaks: string[];
  verify: { ok: boolean; output: string };
  /** sessions and lockout counters that disagree with the answers clients got (goal 0) */
  sessionProblems: string[];
  /** Kastell exits nobody asked for (goal 0): the process must survive its database's crash */
  deaths: string[];
  durationMs: number;
}

/** A small seeded PRNG (mulberry32): the run's choices can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Ack {
  kind: 'company' | 'site' | 'message';
  marker: string;
  id: string;
}

interface Update {
  companyId: string;
  /** the last value acknowledged, and the values sent after it whose answer was lost */
  acked: string | null;
  pending: string[];
}

/** Kastell as its own process (`node app/main.ts`), to be killed and started again. */
export class KastellProcess {
  child: ChildProcess | undefined;
  /** exits nobody asked for (a crash of its own), with the end of its output */
  readonly deaths: string[] = [];
  private expected = false;
  constructor(private readonly env: Record<string, string>, readonly url: string, private readonly log: (line: string) => void) {}

  async start(): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      let output = '';
      const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], { cwd: root, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (chunk) => { output = (output + chunk).slice(-4000); });
      child.stderr.on('data', (chunk) => { output = (output + chunk).slice(-4000); });
      this.child = child;
      this.expected = false;
      child.once('exit', (code, signal) => {
        if (!this.expected) this.deaths.push(`exit ${code ?? signal}: ${output.slice(-1500).replace(/\s+/g, ' ')}`);
      });
      for (let i = 0; i < 600 && child.exitCode === null; i++) {
        try {
          const response = await fetch(`${this.url}/api/v1/audit/checkpoint`, { signal: AbortSignal.timeout(requestTimeoutMs) });
          await response.body?.cancel();
          if (response.status < 500) return;
        } catch { /* not listening yet */ }
        await sleep(50);
      }
      this.log(`kastell did not start (attempt ${attempt + 1}): ${output.slice(-600)}`);
      await this.kill();
      await sleep(500);
    }
    throw new Error('Kastell did not start five times in a row');
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.expected = true;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.expected = true;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    await this.kill();
  }
}

/** The environment of a Kastell process for the test: the test keys, no background jobs, no HIBP, no request limit. */
export function kastellEnv(appUrl: string, port: number, work: string): Record<string, string> {
  return {
    KASTELL_DATABASE_URL: appUrl,
    KASTELL_HTTP_PORT: String(port),
    KASTELL_DATA_DIR: join(work, 'data'),
    KASTELL_EVIDENCE_DIR: join(work, 'evidence'),
    KASTELL_SECRET_KEY: testSecretKey.toString('base64'),
    KASTELL_SECRET_KEY_ID: testSecretKeyId,
    KASTELL_HIBP_URL: 'off',
    KASTELL_JOBS: 'off',
    KASTELL_RATE_LIMIT_PER_MINUTE: '1000000',
    KASTELL_ACCOUNT_RATE_LIMIT_PER_MINUTE: '1000000',
    KASTELL_CHALLENGE_AFTER_FAILURES: '1000', // the wrong-password sign-ins must reach the lockout, not the bot challenge
    KASTELL_CHALLENGE_AFTER_ENDPOINT_FAILURES: '1000000',
    KASTELL_USER_WRITES_PER_MINUTE: '0',
    KASTELL_USER_API_PER_MINUTE: '0',
    KASTELL_MFA_CUSTOMERS: 'optional',
    KASTELL_LOG_LEVEL: 'silent',
    KASTELL_AUDIT_CHAIN_INTERVAL_MS: '50',
  };
}

/**
 * Every client request is abandoned after this long (AbortSignal.timeout, the
 * body included): a request whose connection outlived a kill could otherwise
 * wait forever (a full run once hung at its end on one such fetch). An
 * abandoned request counts as no answer and is retried like one.
 */
export const requestTimeoutMs = 15_000;

/** Answers that say "try again": no answer at all, a 5xx, or the first request with this key still running. */
const retryable = (response: TestResponse | undefined) =>
  !response || response.status >= 500 || (response.status === 409 && response.text.includes('idempotency_key_in_progress'));

export async function runCrash(options: CrashOptions): Promise<CrashReport> {
  const started = Date.now();
  const seed = options.seed ?? randomBytes(4).readUInt32BE();
  const rand = random(seed);
  const log = options.log ?? (() => {});
  const cluster: Cluster = await startCluster({ durable: options.durable ?? true });
  const work = mkdtempSync(join(tmpdir(), 'kastell-crash-'));
  let kastell: KastellProcess | undefined;
  const adminSql: postgres.Sql[] = [];
  try {
    // One database, migrated; the application's login role under RLS.
    const server = postgres(cluster.adminUrl(), { max: 1, onnotice: () => {} });
    await server`create database kastell`;
    await server.end();
    const appPassword = randomBytes(18).toString('base64url');
    const appUrl = `postgres://kastell_crash_app:${appPassword}@127.0.0.1:${cluster.port}/kastell`;
    await migrate({ adminUrl: cluster.adminUrl('kastell'), appUrl });
    const connectAdmin = () => {
      const sql = postgres(cluster.adminUrl('kastell'), { max: 2, onnotice: () => {}, connection: { search_path: 'kastell' } });
      adminSql.push(sql);
      return sql;
    };
    let admin = connectAdmin();

    // The world: an owner (operator, session seeded: TOTP sign-in is tested
    // elsewhere), one company per client whose name the client keeps
    // changing, a job for messages, and a customer who signs in and out.
    const owner = await seedUser(admin, 'owner', null, 'crash.owner@example.test');
    const ownerToken = await seedSession(admin, owner.userId, '12 hours');
    const home = await seedCompany(admin, 'Crash home AG');
    const homeSite = await seedSite(admin, home, 'Crash home plant');
    const [job] = await admin`insert into kastell.jobs (company_id, site_id, title, created_by) values (${home}, ${homeSite}, 'Crash job', ${owner.userId}) returning job_id`;
    const customer = await seedUser(admin, 'customer_member', home, 'crash.customer@example.test');
    const updates: Update[] = [];
    for (let i = 0; i < options.clients; i++) updates.push({ companyId: await seedCompany(admin, `crash-u${i}-initial`), acked: `crash-u${i}-initial`, pending: [] });

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = kastellEnv(appUrl, port, work);
    kastell = new KastellProcess(env, url, log);
    await kastell.start();

    // The clients.
    let stopping = false;
    let requests = 0;
    let retries = 0;
    const acks: Ack[] = [];
    const attempted: Array<{ kind: Ack['kind']; marker: string }> = [];
    const unfinished: string[] = [];
    const signIns: Array<{ token: string; signedOut: boolean }> = [];
    let failuresAnswered = 0;
    let failuresSent = 0;

    // Whether a kill is in progress (from the kill until the restarted process answers), and since when all is up:
    // a client is owed an answer within 60 s of service, not within 60 s of a run of kills.
    let down = false;
    let upSince = Date.now();
    const lastFailure = new WeakMap<TestClient, string>();

    async function send(client: TestClient, method: string, path: string, json: unknown, headers: Record<string, string> = {}): Promise<TestResponse | undefined> {
      requests += 1;
      try {
        return await client.request(method, path, { json, headers });
      } catch (error) {
        // connection refused or reset (the process was killed), or the request timeout
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        lastFailure.set(client, cause ?? (error as Error).name);
        return undefined;
      }
    }

    /** A create with one key, retried until it is answered for good (or the bound passes). */
    async function create(client: TestClient, kind: Ack['kind'], path: string, json: { name?: string; body?: string }, marker: string): Promise<void> {
      const key = randomUUID();
      attempted.push({ kind, marker });
      const first = Date.now();
      for (;;) {
        const response = await send(client, 'POST', path, json, { 'idempotency-key': key });
        if (!retryable(response)) {
          if (response!.status === 201) {
            const body = response!.json<Record<string, string>>();
            acks.push({ kind, marker, id: body[kind === 'company' ? 'companyId' : kind === 'site' ? 'siteId' : 'messageId'] ?? '' });
          } else {
            unfinished.push(`${kind} ${marker}: answered ${response!.status} ${response!.text.slice(0, 200)}`);
          }
          return;
        }
        if (!down && Date.now() - Math.max(first, upSince) > 60_000) {
          unfinished.push(`${kind} ${marker}: no answer for good within 60 s of service (last ${response?.status ?? `no answer: ${lastFailure.get(client)}`} ${response?.text.slice(0, 160) ?? ''})`);
          return;
        }
        retries += 1;
        await sleep(50 + rand() * 200);
      }
    }

    async function writer(index: number): Promise<void> {
      const client = new TestClient(url, { timeoutMs: requestTimeoutMs }).withSession(ownerToken);
      const update = updates[index]!;
      for (let n = 0; !stopping; n++) {
        const choice = rand();
        if (choice < 0.3) {
          const marker = `crash-c${index}-${n}`;
          await create(client, 'company', '/api/v1/companies', { name: marker }, marker);
        } else if (choice < 0.55) {
          const marker = `crash-s${index}-${n}`;
          await create(client, 'site', `/api/v1/companies/${home}/sites`, { name: marker }, marker);
        } else if (choice < 0.8) {
          const marker = `crash-m${index}-${n}`;
          await create(client, 'message', `/api/v1/jobs/${job!.job_id}/messages`, { body: marker }, marker);
        } else {
          // an update, retried as it is (a PATCH is idempotent): the row ends with the last value answered or one sent after it
          const value = `crash-u${index}-${n}`;
          update.pending.push(value);
          for (let tries = 0; tries < 200 && !stopping; tries++) {
            const response = await send(client, 'PATCH', `/api/v1/companies/${update.companyId}`, { name: value });
            if (response?.status === 200) {
              update.acked = value;
              update.pending = [];
              break;
            }
            if (!retryable(response)) {
              unfinished.push(`update ${value}: answered ${response!.status} ${response!.text.slice(0, 200)}`);
              break;
            }
            retries += 1;
            await sleep(50 + rand() * 200);
          }
        }
      }
    }

    /** A customer signing in (password only: MFA optional here), out again now and then, and failing on purpose. */
    async function signer(): Promise<void> {
      for (let n = 0; !stopping; n++) {
        const client = new TestClient(url, { timeoutMs: requestTimeoutMs });
        if (n % 3 === 2) {
          failuresSent += 1;
          const response = await send(client, 'POST', '/api/v1/auth/sign-in', { email: 'crash.locked@example.test', password: `wrong password ${n}` });
          if (response?.status === 401) failuresAnswered += 1;
          await sleep(20);
          continue;
        }
        const response = await send(client, 'POST', '/api/v1/auth/sign-in', { email: customer.email, password: testPassword });
        const token = client.cookies.get('__Host-kastell-session');
        if (response?.status === 200 && token) {
          const entry = { token, signedOut: false };
          signIns.push(entry);
          if (rand() < 0.5) {
            const out = await send(client, 'POST', '/api/v1/auth/sign-out', undefined);
            if (out?.status === 200) entry.signedOut = true;
          }
        }
        await sleep(20 + rand() * 50);
      }
    }

    const load = [...updates.map((_, i) => writer(i)), signer()];

    // The driver.
    const kills = { postgres: 0, backend: 0, kastell: 0, total: 0 };
    while (kills.total < options.kills && Date.now() - started < options.maxMs) {
      await sleep(300 + rand() * 1200);
      // the first kill is always PostgreSQL's: Kastell must survive it (a short run then always checks that)
      const target = kills.total === 0 ? 0 : rand();
      down = true;
      if (target < 0.4) {
        await cluster.kill();
        kills.postgres += 1;
        await sleep(rand() * 300);
        await cluster.restart();
      } else if (target < 0.55) {
        if (await cluster.killBackend()) kills.backend += 1;
        else { down = false; continue; }
      } else {
        await kastell.kill();
        kills.kastell += 1;
        await sleep(rand() * 300);
        await kastell.start();
      }
      down = false;
      upSince = Date.now();
      kills.total += 1;
      log(`${new Date().toISOString().slice(11, 19)} kill ${kills.total}/${options.kills}: ${JSON.stringify(kills)}; ${acks.length} acknowledged, ${requests} requests`);
    }
    stopping = true;
    await Promise.all(load);

    // Let the sequencer chain what is committed (up to 20 s: an event is chainable once every older transaction ended), then stop Kastell cleanly.
    for (let i = 0; i < 40; i++) {
      await sleep(500);
      const [left] = await admin`select count(*)::int as n from audit.events e where not exists (select 1 from audit.chain c where c.event_id = e.event_id)`.catch(() => [{ n: -1 }]);
      if (left!.n === 0) break;
    }
    const deaths = [...kastell.deaths];
    await kastell.stop();
    await admin.end().catch(() => {});
    admin = connectAdmin();

    // What the clients were promised.
    const lost: string[] = [];
    const duplicates: string[] = [];
    const halfWritten: string[] = [];
    // message bodies are sealed under the company's key (app/crypto/fields.ts): opened with the Kastell process's key store
    const keyring = keyringFromConfig(parseConfig(env));
    const messages = (await admin<{ id: string; body: string }[]>`select message_id as id, body from kastell.job_messages`)
      .map((m) => ({ id: m.id, body: m.body.startsWith('v2:') ? keyring.open(m.body, fieldAad('job_messages', 'body', m.id)) : m.body }));
    const rowsOf = async (kind: Ack['kind'], marker: string) =>
      kind === 'company' ? await admin`select company_id as id from kastell.companies where name = ${marker}`
        : kind === 'site' ? await admin`select site_id as id from kastell.sites where name = ${marker}`
          : messages.filter((m) => m.body === marker);
    for (const ack of acks) {
      const rows = await rowsOf(ack.kind, ack.marker);
      if (!rows.some((r) => r.id === ack.id)) lost.push(`${ack.kind} ${ack.marker} (${ack.id})`);
    }
    for (const { kind, marker } of attempted) {
      const rows = await rowsOf(kind, marker);
      if (rows.length > 1) duplicates.push(`${kind} ${marker}: ${rows.length} rows`);
    }
    for (const [i, update] of updates.entries()) {
      const [row] = await admin`select name from kastell.companies where company_id = ${update.companyId}`;
      const allowed = [update.acked, ...update.pending];
      if (!row || !allowed.includes(row.name)) lost.push(`update of client ${i}: name ${row?.name} is none of ${allowed.join(', ')}`);
    }
    // Every created row has exactly one creation event, every creation event its row.
    const creations: Array<[action: string, entity: string, table: string, column: string, where: string]> = [
      ['company.created', 'company', 'companies', 'company_id', "name like 'crash-c%'"],
      ['site.created', 'site', 'sites', 'site_id', "name like 'crash-s%'"],
      ['message.posted', 'job_message', 'job_messages', 'message_id', 'true'], // only the crash clients post messages
    ];
    for (const [action, entity, table, column, where] of creations) {
      const [known] = await admin`select count(*)::int as n from audit.events where action = ${action}`;
      if (known!.n === 0) halfWritten.push(`no ${action} events at all: the check below names the wrong action`);
      const rows = await admin.unsafe(`
        select t.${column}::text as id, (select count(*)::int from audit.events e where e.action = $1 and e.entity_id = t.${column}::text) as events
        from kastell.${table} t where ${where}`, [action]);
      for (const row of rows) if (row.events !== 1) halfWritten.push(`${entity} ${row.id}: ${row.events} ${action} events`);
      const orphans = await admin.unsafe(`
        select e.entity_id from audit.events e where e.action = $1 and e.entity_type = $2
        and not exists (select 1 from kastell.${table} t where t.${column}::text = e.entity_id)`, [action, entity]);
      for (const orphan of orphans) halfWritten.push(`${action} event for ${orphan.entity_id}, which does not exist`);
    }
    const open = await admin`select idempotency_key from kastell.idempotency_keys where response_status is null`;
    for (const key of open) halfWritten.push(`idempotency key ${key.idempotency_key} claimed, never answered`);

    // The chain: every committed event linked exactly once, one sequence without gaps or forks.
    const chainBreaks: string[] = [];
    const [stats] = await admin`
      select (select count(*)::int from audit.events) as events,
             (select count(*)::int from audit.chain) as links,
             (select count(distinct event_id)::int from audit.chain) as chained,
             (select count(distinct seq)::int from audit.chain) as seqs,
             (select coalesce(max(seq), 0)::int from audit.chain) as head,
             (select count(*)::int from audit.events e where not exists (select 1 from audit.chain c where c.event_id = e.event_id)) as unchained,
             (select count(*)::int from audit.chain c where not exists (select 1 from audit.events e where e.event_id = c.event_id)) as dangling`;
    if (stats!.links !== stats!.chained) chainBreaks.push(`${stats!.links - stats!.chained} events chained more than once`);
    if (stats!.seqs !== stats!.links || stats!.head !== stats!.links) chainBreaks.push(`sequence has gaps or forks: ${stats!.links} links, ${stats!.seqs} distinct, head ${stats!.head}`);
    if (stats!.unchained > 0) chainBreaks.push(`${stats!.unchained} committed events never chained`);
    if (stats!.dangling > 0) chainBreaks.push(`${stats!.dangling} links to no event`);
    const [forked] = await admin`select count(*)::int as n from audit.chain c join audit.chain p on p.seq = c.seq - 1 where c.prev_hash <> p.hash`;
    if (forked!.n > 0) chainBreaks.push(`${forked!.n} links whose previous hash is not their predecessor's`);
    const verifyRun = spawnSync(process.execPath, ['--import', 'tsx', 'app/cli/main.ts', 'audit', 'verify'], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 10 * 60_000 });
    const verify = { ok: verifyRun.status === 0, output: `${verifyRun.stdout}${verifyRun.stderr}`.trim() };

    // Sessions and lockout.
    const sessionProblems: string[] = [];
    kastell = new KastellProcess(env, url, log);
    await kastell.start();
    for (const { token, signedOut } of signIns) {
      const me = await new TestClient(url, { timeoutMs: requestTimeoutMs }).withSession(token).get('/api/v1/me')
        .catch((error: Error) => ({ status: `no answer (${error.name})` }));
      if (signedOut && me.status !== 401) sessionProblems.push(`a session signed out (answered 200) still answers ${me.status}`);
      if (!signedOut && me.status !== 200) {
        const [row] = await admin`select ended_at from kastell.sessions where token_hash = sha256(${token}::bytea)`;
        sessionProblems.push(`a sign-in answered 200 has no live session (GET /me ${me.status}; row ${row ? 'ended' : 'missing'})`);
      }
    }
    const [failures] = await admin`select count(*)::int as n from kastell.auth_failures where subject = 'account:crash.locked@example.test'`;
    if (failures!.n < Math.min(failuresAnswered, 20)) sessionProblems.push(`${failuresAnswered} failed sign-ins answered 401, only ${failures!.n} counted`);
    if (failures!.n > failuresSent) sessionProblems.push(`${failures!.n} failures counted, only ${failuresSent} sent`);
    const [unowned] = await admin`select count(*)::int as n from kastell.sessions s where not exists (select 1 from kastell.users u where u.user_id = s.user_id)`;
    if (unowned!.n > 0) sessionProblems.push(`${unowned!.n} sessions of no user`);

    return {
      seed, kills, requests, retries, acknowledged: acks.length + updates.filter((u) => u.acked && !u.acked.endsWith('initial')).length,
      lost, duplicates, halfWritten, unfinished, chainBreaks, verify, sessionProblems, deaths, durationMs: Date.now() - started,
    };
  } finally {
    await kastell?.stop().catch(() => {});
    for (const sql of adminSql) await sql.end({ timeout: 1 }).catch(() => {});
    await cluster.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The counts, one line each (printed by `npm run test:crash` and the short run in `npm test`). */
export function formatReport(report: CrashReport): string {
  const list = (items: string[]) => (items.length ? `\n    ${items.slice(0, 20).join('\n    ')}${items.length > 20 ? `\n    … ${items.length - 20} more` : ''}` : '');
  return [
    `crash run (seed ${report.seed}, ${Math.round(report.durationMs / 1000)} s)`,
    `  kills: ${report.kills.total} (PostgreSQL ${report.kills.postgres}, one backend ${report.kills.backend}, Kastell ${report.kills.kastell})`,
    `  requests: ${report.requests} (retries ${report.retries})`,
    `  acknowledged writes: ${report.acknowledged}`,
    `  lost: ${report.lost.length}${list(report.lost)}`,
    `  duplicates: ${report.duplicates.length}${list(report.duplicates)}`,
    `  half-written: ${report.halfWritten.length}${list(report.halfWritten)}`,
    `  unfinished (no answer for good): ${report.unfinished.length}${list(report.unfinished)}`,
    `  chain breaks: ${report.chainBreaks.length}${list(report.chainBreaks)}`,
    `  kastell audit verify: ${report.verify.ok ? 'passed' : 'FAILED'} — ${report.verify.output.split('\n').at(-1)}`,
    `  session/lockout problems: ${report.sessionProblems.length}${list(report.sessionProblems)}`,
    `  Kastell died on its own: ${report.deaths.length}${list(report.deaths)}`,
  ].join('\n');
}

export function reportIsClean(report: CrashReport): boolean {
  return report.lost.length + report.duplicates.length + report.halfWritten.length + report.unfinished.length
    + report.chainBreaks.length + report.sessionProblems.length + report.deaths.length === 0 && report.verify.ok;
}
