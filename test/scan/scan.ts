// `npm run test:scan` (issue 15 part 4): the scanners attackers run, against
// a real Kastell process on 127.0.0.1 with the harness's PostgreSQL.
//   sqlmap  --level 3 --risk 2 on every path, query, header and JSON body
//           parameter of every operation in the OpenAPI document, signed in
//           as a role that holds the operation's permission (a fresh session
//           per run: cookie, and the Origin the CSRF check wants); and on the
//           sign-in forms (form fields plus the _csrf token and cookie), plus
//           the session cookie and headers once at level 3.
//   wapiti  signed in (the session and CSRF cookies), crawling the pages.
//   nmap    every TCP port of 127.0.0.1; the ports the Kastell process owns
//           (ss) must be its HTTP port alone, bound to 127.0.0.1.
// Bounded: every sqlmap run by --time-sec/--timeout and a kill after 60 s plus
// KASTELL_SCAN_PARAM_SECONDS per (weighted) parameter, wapiti by
// --max-scan-time/--max-attack-time, all of it by KASTELL_SCAN_MINUTES.
// Fast by running sqlmap runs side by side (its detection sends one request
// at a time), longest first, never by dropping payloads. Goal: nothing injectable, no 5xx, no wapiti finding
// of medium or above, only the expected port open.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { cloneTemplate } from '../bench/database.ts';
import { KastellProcess, kastellEnv } from '../crash/driver.ts';
import { freePort, startCluster } from '../harness/postgres.ts';
import { forgetTotpStep, seedAsset, seedCompany, seedSite, seedTotp, seedUser, signInWithTotp, type SeededUser } from '../harness/seed.ts';
import { prepareTemplate } from '../harness/template.ts';
import { TestClient } from '../harness/server.ts';
import { roleIdOf } from '../harness/world.ts';
import { newToken } from '../../app/crypto/tokens.ts';

export interface ScanOptions {
  minutes: number;
  /** sqlmap runs at once */
  parallel: number;
  /** a run of sqlmap is killed after 60 s plus this per parameter */
  paramSeconds: number;
  wapitiMinutes: number;
  /** only operations whose "METHOD /path" matches (a debugging aid) */
  only?: RegExp | undefined;
  /** the tools to run (a debugging aid: a run without one of them is incomplete, exit 1) */
  tools?: readonly ('sqlmap' | 'wapiti' | 'nmap')[] | undefined;
  log: (line: string) => void;
}

export interface SqlmapRun {
  target: string;
  role: string;
  planned: number;
  tested: string[];
  injectable: string[];
  http5xx: string[];
  timedOut: boolean;
  seconds: number;
  /** HTTP requests sqlmap sent */
  requests: number;
}

export interface ScanReport {
  runs: SqlmapRun[];
  notReached: string[];
  /** from the first sqlmap run's start to the last one's end */
  sqlmapSeconds: number;
  /** urls: URLs and forms wapiti found; cut: what its time limits stopped (the crawl, modules) */
  wapiti: { bySeverity: Record<string, number>; mediumOrAbove: string[]; urls: number; cut: string[]; error?: string | undefined; seconds: number };
  nmap: { open: number[]; kastell: string[]; expected: number; unexpected: string[]; error?: string | undefined };
  seconds: number;
}

const roles = ['owner', 'admin', 'security_officer', 'dispatcher', 'support', 'technician', 'customer_admin', 'customer_member', 'customer_viewer', 'external_auditor'] as const;
type Role = (typeof roles)[number];
const operatorRole = (role: Role) => !role.startsWith('customer'); // and the external auditor: no company, a second factor

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { type?: string | string[]; properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[]; oneOf?: Schema[]; enum?: Json[];
  const?: Json; minimum?: number; minLength?: number; format?: string; required?: string[] };

/** A value for a field, by its name first (inputs are strings through text(): no formats) and its schema second. */
function sample(name: string, schema: Schema | undefined, ids: Record<string, string>): Json {
  if (!schema) return 'scan';
  const choice = schema.anyOf ?? schema.oneOf;
  if (choice) return sample(name, choice.find((s) => s.type !== 'null') ?? choice[0], ids);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0] ?? null;
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'object' || schema.properties) {
    return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, s]) => [key, sample(key, s, ids)]));
  }
  if (type === 'array') return [sample(name.replace(/s$/, ''), schema.items, ids)];
  if (type === 'integer' || type === 'number') return schema.minimum !== undefined ? Math.max(schema.minimum, 1) : 1;
  if (type === 'boolean') return false;
  return stringFor(name, ids);
}

function stringFor(name: string, ids: Record<string, string>): string {
  const key = name.replace(/^JSON /, '');
  if (ids[key]) return ids[key]!;
  if (/Id$/.test(key)) return randomUUID();
  if (/email/i.test(key)) return 'scan.target@example.test';
  if (/^(from|to|on|day)$/.test(key)) return '2026-12-01';
  if (/(Start|At|until|Until)$/.test(key)) return '2026-12-01T09:00:00Z';
  if (/password/i.test(key)) return 'not the password 1234';
  if (/code/i.test(key)) return '123456';
  if (/locale|language/i.test(key)) return 'en';
  if (/limit/i.test(key)) return '10';
  if (/status/i.test(key)) return 'new';
  return 'scan value';
}

/** Marks every string and number leaf with sqlmap's custom injection marker; counts the marks. */
function markJson(value: Json, marks: { n: number }): string {
  if (typeof value === 'string') { marks.n += 1; return `${JSON.stringify(value).slice(0, -1)}*"`; }
  if (typeof value === 'number') { marks.n += 1; return `${value}*`; }
  if (Array.isArray(value)) return `[${value.map((v) => markJson(v, marks)).join(',')}]`;
  if (value && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${markJson(v, marks)}`).join(',')}}`;
  return JSON.stringify(value);
}

export interface Target {
  name: string;
  role: Role;
  method: string;
  url: string;
  data?: string | undefined;
  headers: string[];
  planned: number;
  /** form posts: sign in first? a pending second factor? */
  session: 'signed-in' | 'anonymous' | 'pending-factor';
  contentType: 'json' | 'form' | 'none';
  /** test the session cookie, User-Agent and Referer too (once) */
  headersToo?: boolean;
  destructive: boolean;
}

interface World {
  users: Map<string, SeededUser>;
  ids: Record<string, string>;
  formUser: SeededUser;
  factorUser: SeededUser;
  wapitiUser: SeededUser;
  /** a fresh set of objects, for a target that destroys its own */
  fresh: (label: string) => Promise<Record<string, string>>;
}

/**
 * The objects the targets' ids name: a company with a site, asset, service request, job (every worker's
 * technician assigned), custom role, invite and a customer member (the "victim" of the user routes).
 * Seeded once for the shared world and once more for every destructive target, so a run that deletes,
 * erases or shreds takes only its own objects, never those another run is testing at the same time.
 */
async function seedObjects(admin: postgres.Sql, label: string, technicians: SeededUser[], inviter: SeededUser,
  companyId?: string): Promise<Record<string, string>> {
  companyId ??= await seedCompany(admin, `Scan AG ${label}`);
  const siteId = await seedSite(admin, companyId, 'Scan plant');
  const assetId = await seedAsset(admin, companyId, siteId, 'Scan pump');
  const victim = await seedUser(admin, 'customer_member', companyId, `scan.victim.${label}@example.test`);
  const [request] = await admin`insert into kastell.service_requests (company_id, site_id, title, raised_by)
    values (${companyId}, ${siteId}, 'Scan request', ${victim.userId}) returning request_id`;
  const [job] = await admin`insert into kastell.jobs (company_id, site_id, title) values (${companyId}, ${siteId}, 'Scan job') returning job_id`;
  for (const technician of technicians) {
    await admin`insert into kastell.job_assignments (job_id, technician_id, company_id) values (${job!.job_id}, ${technician.userId}, ${companyId})`;
  }
  const [role] = await admin`insert into kastell.roles (company_id, name, side) values (${companyId}, 'Scan custom role', 'customer') returning role_id`;
  const [invite] = await admin`insert into kastell.invites (email, role_id, company_id, token_hash, invited_by, expires_at)
    values (${`scan.invitee.${label}@example.test`}, ${await roleIdOf(admin, 'customer_member')}, ${companyId}, ${newToken().hash}, ${inviter.userId}, now() + interval '1 day')
    returning invite_id`;
  return { companyId, siteId, assetId, jobId: job!.job_id, requestId: request!.request_id, roleId: role!.role_id, inviteId: invite!.invite_id,
    userId: victim.userId, technicianId: technicians[0]!.userId };
}

async function seedWorld(admin: postgres.Sql, workers: number): Promise<World> {
  const users = new Map<string, SeededUser>();
  const companyId = await seedCompany(admin, 'Scan AG');
  for (const role of roles) {
    for (let w = 0; w < workers; w++) {
      const user = await seedUser(admin, role, operatorRole(role) ? null : companyId, `scan.${role}.${w}@example.test`);
      if (operatorRole(role)) await seedTotp(admin, user.userId);
      users.set(`${role}/${w}`, user);
    }
  }
  const technicians = Array.from({ length: workers }, (_, w) => users.get(`technician/${w}`)!);
  const ids = await seedObjects(admin, 'shared', technicians, users.get('owner/0')!, companyId);
  const formUser = await seedUser(admin, 'customer_member', companyId, 'scan.form@example.test');
  const factorUser = await seedUser(admin, 'dispatcher', null, 'scan.factor@example.test');
  await seedTotp(admin, factorUser.userId);
  const wapitiUser = await seedUser(admin, 'owner', null, 'scan.wapiti@example.test');
  await seedTotp(admin, wapitiUser.userId);
  return { users, formUser, factorUser, wapitiUser, ids, fresh: (label) => seedObjects(admin, label, technicians, users.get('owner/0')!) };
}

interface OpenApi { paths: Record<string, Record<string, {
  'x-kastell-permission'?: string;
  parameters?: { name: string; in: string; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}>> }

const destructive = (method: string, path: string) => method === 'DELETE' || /\/(shred|erase|disable|revoke|sign-out|end-others|end|membership)$/.test(path);

async function apiTargets(doc: OpenApi, admin: postgres.Sql, baseUrl: string, world: World, only: RegExp | undefined): Promise<Target[]> {
  const grants = await admin<{ role_key: Role; permission_key: string }[]>`
    select r.role_key, p.permission_key from kastell.role_permissions p join kastell.roles r using (role_id) where r.role_key is not null`;
  const roleFor = (permission: string | undefined): Role => {
    if (!permission) return 'owner';
    return roles.find((role) => grants.some((g) => g.role_key === role && g.permission_key === permission)) ?? 'owner';
  };
  const targets: Target[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [lower, operation] of Object.entries(operations)) {
      const method = lower.toUpperCase();
      const name = `${method} ${path}`;
      if (only && !only.test(name)) continue;
      const ids = destructive(method, path) ? await world.fresh(`d${targets.length}`) : world.ids;
      const marks = { n: 0 };
      const params = operation.parameters ?? [];
      let url = baseUrl + path.replace(/\{(\w+)\}/g, (_, p: string) => { marks.n += 1; return `${encodeURIComponent(stringFor(p, ids))}*`; });
      const query = params.filter((p) => p.in === 'query').map((p) => { marks.n += 1; return `${p.name}=${encodeURIComponent(stringFor(p.name, ids))}*`; });
      if (query.length) url += `?${query.join('&')}`;
      const headers = ['Origin: ' + baseUrl, 'Accept: application/json'];
      for (const p of params.filter((p) => p.in === 'header')) { marks.n += 1; headers.push(`${p.name}: scan-${randomUUID()}*`); }
      const json = operation.requestBody?.content['application/json']?.schema;
      let data: string | undefined;
      if (json) {
        data = markJson(sample('body', json, ids), marks);
        headers.push('Content-Type: application/json');
      }
      if (marks.n === 0) continue; // nothing to inject into: the cookie/header run covers it
      targets.push({ name, role: roleFor(operation['x-kastell-permission']), method, url, data, headers, planned: marks.n,
        session: 'signed-in', contentType: json ? 'json' : 'none', destructive: destructive(method, path) });
    }
  }
  return targets;
}

function formTargets(baseUrl: string, world: World): Target[] {
  const form = (name: string, path: string, fields: Record<string, string>, session: Target['session'], role: Role = 'customer_member'): Target => ({
    name, role, method: 'POST', url: baseUrl + path, session, contentType: 'form', destructive: false,
    data: Object.entries(fields).map(([k, v]) => `${k}=${encodeURIComponent(v)}*`).join('&'),
    headers: ['Origin: ' + baseUrl, 'Content-Type: application/x-www-form-urlencoded'], planned: Object.keys(fields).length,
  });
  return [
    form('form POST /sign-in', '/sign-in', { email: world.formUser.email, password: 'not the password 1234' }, 'anonymous'),
    form('form POST /sign-in/factor', '/sign-in/factor', { code: '123456' }, 'pending-factor', 'dispatcher'),
    form('form POST /forgot-password', '/forgot-password', { email: world.formUser.email }, 'anonymous'),
    form('form POST /security/reauth', '/security/reauth', { password: 'not the password 1234' }, 'signed-in', 'owner'),
    // the session cookie, User-Agent and Referer at level 3, signed in
    { name: 'cookie+headers GET /api/v1/me', role: 'owner', method: 'GET', url: `${baseUrl}/api/v1/me`, headers: ['Accept: application/json'],
      planned: 3, session: 'signed-in', contentType: 'none', headersToo: true, destructive: false },
  ];
}

/**
 * Every request to these checks or hashes a password (argon2id, 64 MiB, t=3): several times the cost of
 * any other request. Only used to order the runs.
 */
const hashes = (target: Target) => /\/(sign-in|reauth|password|password-reset\/complete)$/.test(target.url.replace(/\?.*/, ''));
const cost = (target: Target) => target.planned * (hashes(target) ? 8 : 1);
/**
 * The order of the runs: the harmless before those that delete or end things (they have objects of
 * their own, but end sessions and the like), and within each the longest first, so the last runs to
 * finish are short ones and the workers end together.
 */
export const byCost = (a: Target, b: Target) => Number(a.destructive) - Number(b.destructive) || cost(b) - cost(a);

/** Cookies for one run: a fresh session (and CSRF cookie) for this worker's user of the role. */
async function cookiesFor(target: Target, world: World, worker: number, admin: postgres.Sql, baseUrl: string): Promise<Map<string, string>> {
  const client = new TestClient(baseUrl);
  await client.get('/sign-in'); // the CSRF cookie
  if (target.session === 'anonymous') return client.cookies;
  if (target.session === 'pending-factor') {
    await forgetTotpStep(admin, world.factorUser.userId);
    await admin`delete from kastell.auth_failures`;
    const first = await client.postForm('/sign-in', { email: world.factorUser.email, password: world.factorUser.password });
    if (first.status !== 303) throw new Error(`password step for the factor form answered ${first.status}`);
    return client.cookies;
  }
  const user = world.users.get(`${target.role}/${worker}`)!;
  await forgetTotpStep(admin, user.userId);
  // a run of POST /me/password changes the password when its first, valid request goes through (a fresh session
  // needs no re-authentication); every seeded user had the same hash: it is put back, and the user enabled again
  await admin`update kastell.users u set password_hash = f.password_hash, status = 'active'
    from kastell.users f where f.user_id = ${world.formUser.userId} and u.user_id = ${user.userId}`;
  await admin`delete from kastell.auth_failures`;
  // the bulk delete above (every worker's, for the shared 127.0.0.1 counters) can deadlock with another
  // worker's sign-in claiming its counters: PostgreSQL ends one side and Kastell answers 503 "retry",
  // which a client retries (the full scan of 2026-12-02 lost a target to it)
  for (let attempt = 1; ; attempt++) {
    try {
      await signInWithTotp(client, user, attempt - 1);
      return client.cookies;
    } catch (error) {
      if (attempt >= 3 || !/answered 503/.test((error as Error).message)) throw error;
      await forgetTotpStep(admin, user.userId);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** sqlmap's options that change only how fast it goes (see README "Proof under fire"); KASTELL_SCAN_SQLMAP_FAST=0 leaves them out */
const sqlmapSpeed = process.env.KASTELL_SCAN_SQLMAP_FAST === '0' ? [] : (process.env.KASTELL_SCAN_SQLMAP_FAST_ARGS ?? '--keep-alive --skip-waf').split(' ').filter(Boolean);
const sqlmapNice = Number(process.env.KASTELL_SCAN_SQLMAP_NICE ?? 10);

const sqlmapVersion = () => spawnSync('sqlmap', ['--version'], { encoding: 'utf8' }).stdout.trim();

function runSqlmap(target: Target, cookies: Map<string, string>, outDir: string, seconds: number): Promise<SqlmapRun> {
  const started = Date.now();
  const headers = [...target.headers];
  const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const data = target.contentType === 'form' && target.data ? `${target.data}&_csrf=${cookies.get('__Host-kastell-csrf') ?? ''}` : target.data;
  const args = ['-u', target.url, '--method', target.method, '--headers', headers.join('\\n'), '--cookie', cookie,
    '--level', '3', '--risk', '2', '--batch', '--dbms', 'PostgreSQL', '--ignore-code', '401,404', '--time-sec', '2', '--timeout', '10', '--retries', '1', '--flush-session',
    '--drop-set-cookie', '--disable-coloring', '--output-dir', outDir, '-v', '1', '-t', join(outDir, 'traffic.txt'), ...sqlmapSpeed];
  if (data) args.push('--data', data);
  if (target.headersToo) args.push('-p', '__Host-kastell-session,User-Agent,Referer');
  else args.push('--skip', '__Host-kastell-session,__Host-kastell-csrf,User-Agent,Referer,Host');
  return new Promise((resolve) => {
    const child = spawn('sqlmap', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // the attacker's own CPU below Kastell's event loop and PostgreSQL, level with Kastell's hashing threads
    // (KASTELL_ARGON2_NICE, 10): on one machine the scanners would otherwise starve the server they measure
    try { if (child.pid) setPriority(child.pid, sqlmapNice); } catch { /* not allowed: leave it */ }
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, seconds * 1000);
    child.on('exit', () => {
      clearTimeout(timer);
      writeFileSync(join(outDir, 'stdout.txt'), output);
      const requests = countRequests(join(outDir, 'traffic.txt'));
      const { tested, injectable, http5xx } = parseSqlmapOutput(output, timedOut);
      // the log sqlmap keeps of injection points found, in case the output was cut by the kill
      const logs = listFiles(outDir).filter((f) => f.endsWith('/log') && statSync(f).size > 0);
      if (logs.length && injectable.length === 0) injectable.push(`see ${logs.join(', ')}`);
      resolve({ target: target.name, role: target.role, planned: target.planned, tested, injectable, http5xx, timedOut, seconds: (Date.now() - started) / 1000, requests });
    });
  });
}

/**
 * What one sqlmap run's output says: the parameters whose tests ran to their verdict (started, and then
 * "does not seem to be injectable" or found injectable: a parameter cut by the kill or by an abort is not
 * tested; the old count, by name and at the start, called those tested and merged equal names), the
 * injection points, and the 5xx answers (or an early end) it met.
 */
export function parseSqlmapOutput(output: string, timedOut: boolean): { tested: string[]; injectable: string[]; http5xx: string[] } {
  // in order: sqlmap may give two injection points one name (a PATCH body's 'JSON #1*' and its URI's), so no set
  const tested: string[] = [];
  let current: string | undefined;
  for (const line of output.split(/[\r\n]+/)) {
    const start = /testing for SQL injection on (.*?parameter '[^']+')/.exec(line);
    if (start) { current = start[1]; continue; }
    const verdict = /\] (?:\[\w+\] )?(.*?parameter '[^']+') (?:does not seem to be injectable|is '[^']+' injectable|appears to be '[^']+' injectable)/.exec(line);
    if (verdict && current !== undefined && verdict[1] === current) { tested.push(current); current = undefined; }
  }
  const injectable = [...output.matchAll(/^Parameter: (.+)$/gm)].map((m) => m[1]!.trim());
  const errors = /HTTP error codes detected during run:\s*\n?(.*)/.exec(output)?.[1] ?? '';
  const http5xx = [...errors.matchAll(/(5\d\d) \([^)]*\) - (\d+) times/g)].map((m) => `${m[1]} ×${m[2]}`);
  if (/all tested parameters do not appear to be injectable|identified the following injection point|sqlmap resumed the following/.test(output) === false && !timedOut && tested.length === 0) {
    if (!injectable.length) http5xx.push(`sqlmap ended early: ${output.trim().split('\n').slice(-3).join(' | ')}`);
  }
  return { tested, injectable, http5xx };
}

/** Requests sqlmap sent (its traffic file numbers them); the file itself goes, unless the outputs are kept. */
function countRequests(file: string): number {
  if (!existsSync(file)) return 0;
  const n = (readFileSync(file, 'latin1').match(/^HTTP request \[#\d+\]:/gm) ?? []).length;
  if (!process.env.KASTELL_SCAN_KEEP) rmSync(file, { force: true });
  return n;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

// wapiti's default modules but ssrf (it needs wapiti's own server on the internet), plus csrf, crlf and methods
const wapitiModules = ['blindsql', 'cookieflags', 'csp', 'exec', 'file', 'http_headers', 'permanentxss', 'redirect', 'sql', 'xss', 'csrf', 'crlf', 'methods'];

async function runWapiti(baseUrl: string, cookies: Map<string, string>, work: string, seconds: number, log: (line: string) => void): Promise<ScanReport['wapiti']> {
  const started = Date.now();
  const report = join(work, 'wapiti.json');
  const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const args = ['-u', `${baseUrl}/`, '--scope', 'folder', '-m', wapitiModules.join(','), '-H', `Cookie: ${cookie}`, '-H', `Origin: ${baseUrl}`,
    '-x', `${baseUrl}/sign-out`, '-x', `${baseUrl}/security/sessions/end-others`, '--skip', '_csrf',
    '-s', `${baseUrl}/jobs`, '-s', `${baseUrl}/companies`, '-s', `${baseUrl}/audit`, '-s', `${baseUrl}/security`, '-s', `${baseUrl}/profile`,
    '-s', `${baseUrl}/notifications`, '-s', `${baseUrl}/users`, '-s', `${baseUrl}/sign-in`, '-s', `${baseUrl}/forgot-password`,
    // a third of the time to crawl (max-scan-time), and each module may take the other two thirds alone (max-attack-time:
    // split evenly, blindsql was cut at 36 s; the modules take ~4 minutes in all, blindsql most): a module cut by either
    // limit is reported and fails the run, and wapiti is killed 5 minutes after its budget
    '--max-scan-time', String(Math.floor(seconds / 3)), '--max-attack-time', String(Math.floor((seconds * 2) / 3)), '-t', '10',
    '--flush-session', '--store-session', join(work, 'wapiti-session'), '--store-config', join(work, 'wapiti-config'), '-f', 'json', '-o', report, '-v', '1'];
  // wapiti 3.0.4 compiles -x patterns with the flags at the end, which Python 3.11 refuses: patched before it starts
  const patched = "import re, sys\nimport wapitiCore.net.crawler as crawler\n"
    + "crawler.wildcard_translate = lambda p: re.compile('(?ms)' + ''.join('.*' if ch == '*' else re.escape(ch) for ch in p) + r'\\Z')\n"
    + "from wapitiCore.main.wapiti import wapiti_main\nsys.argv[0] = 'wapiti'\nsys.exit(wapiti_main())\n";
  // not spawnSync: the failed-sign-in counters must go on being cleared while wapiti posts the sign-in forms
  const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('/usr/bin/python3', ['-c', patched, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // every line with the seconds since wapiti started: the time each module took
    let lineStart = true;
    child.stdout.on('data', (chunk: Buffer) => {
      const at = `[+${Math.round((Date.now() - started) / 1000)} s] `;
      for (const piece of chunk.toString('utf8').split(/(?<=\n)/)) {
        stdout += (lineStart ? at : '') + piece;
        lineStart = piece.endsWith('\n');
      }
    });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 300) * 1000);
    child.on('exit', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
  writeFileSync(join(work, 'wapiti-stdout.txt'), result.stdout + result.stderr);
  const seconds_ = (Date.now() - started) / 1000;
  const urls = Number(/found (\d+) URLs and forms/.exec(result.stdout)?.[1] ?? 0);
  // what wapiti's time limits cut: the crawl, or a module's attack (either leaves pages untested)
  const cut = [...(/Max scan time was reached/.test(result.stdout) ? ['crawl'] : []),
    ...[...result.stdout.matchAll(/Max attack time was reached for module (\w+)/g)].map((m) => `module ${m[1]}`)];
  if (!existsSync(report)) return { bySeverity: {}, mediumOrAbove: [], urls, cut, error: `wapiti wrote no report (exit ${result.status}): ${(result.stderr || result.stdout).slice(-400)}`, seconds: seconds_ };
  const modules = wapitiModuleSeconds(result.stdout, seconds_);
  log(`wapiti: exit ${result.status}; ${urls} URLs and forms; crawl and modules: ${modules.map(([m, t]) => `${m} ${t} s`).join(', ')}${cut.length ? `; cut by time: ${cut.join(', ')}` : ''}`);
  const json = JSON.parse(readFileSync(report, 'utf8')) as Record<string, Record<string, { level: number | string; method: string; path: string; parameter: string; info: string }[]>>;
  const names = ['info', 'low', 'medium', 'high', 'critical'];
  const bySeverity: Record<string, number> = {};
  const mediumOrAbove: string[] = [];
  for (const section of ['vulnerabilities', 'anomalies', 'additionals'] as const) {
    for (const [category, findings] of Object.entries(json[section] ?? {})) {
      for (const finding of findings) {
        const level = Number(finding.level);
        // an anomaly (a 500 or a timeout provoked by a payload) counts as a medium finding: a request Kastell could not answer
        const severity = section === 'anomalies' ? Math.max(level, 2) : level;
        const key = `${names[severity] ?? severity}`;
        bySeverity[key] = (bySeverity[key] ?? 0) + 1;
        if (severity >= 2) mediumOrAbove.push(`${key} ${category}: ${finding.method} ${finding.path} ${finding.parameter ? `(${finding.parameter}) ` : ''}${finding.info}`.slice(0, 400));
      }
    }
  }
  return { bySeverity, mediumOrAbove, urls, cut, seconds: seconds_ };
}

/** Seconds the crawl and each module took, from the times on wapiti's lines ("[+12 s] [*] Launching module sql"). */
export function wapitiModuleSeconds(stdout: string, total: number): [string, number][] {
  const marks: [string, number][] = [['crawl', 0]];
  for (const m of stdout.matchAll(/^\[\+(\d+) s\] \[\*\] Launching module (\w+)/gm)) marks.push([m[2]!, Number(m[1])]);
  return marks.map(([name, at], i) => [name, Math.round((marks[i + 1]?.[1] ?? total) - at)]);
}

/** Every TCP port of 127.0.0.1 nmap finds open, and which of them the Kastell process (or a child of it) owns. */
function runNmap(port: number, kastellPid: number): ScanReport['nmap'] {
  const scan = process.getuid?.() === 0 ? '-sS' : '-sT';
  const result = spawnSync('nmap', [scan, '-p-', '-Pn', '-n', '--open', '-T4', '-oG', '-', '127.0.0.1'], { encoding: 'utf8', timeout: 600_000 });
  if (result.status !== 0) return { open: [], kastell: [], expected: port, unexpected: [], error: `nmap exit ${result.status}: ${result.stderr.slice(-300)}` };
  const open = [...result.stdout.matchAll(/(\d+)\/open\/tcp/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
  // the sockets Kastell's process tree listens on, TCP and UDP, any address
  const pids = new Set([String(kastellPid), ...spawnSync('pgrep', ['-P', String(kastellPid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)]);
  const ss = spawnSync('ss', ['-H', '-lntup'], { encoding: 'utf8' }).stdout.split('\n');
  const kastell = ss.filter((line) => [...line.matchAll(/pid=(\d+)/g)].some((m) => pids.has(m[1]!)))
    .map((line) => { const f = line.trim().split(/\s+/); return `${f[0]}/${f[4]}`; });
  const unexpected = kastell.filter((s) => s !== `tcp/127.0.0.1:${port}`);
  if (!open.includes(port)) unexpected.push(`nmap did not find the HTTP port ${port} open`);
  return { open, kastell, expected: port, unexpected };
}

export async function runScan(options: ScanOptions): Promise<ScanReport> {
  const started = Date.now();
  const deadline = started + options.minutes * 60_000;
  const { log } = options;
  log(`scan: ${sqlmapVersion()}; wapiti ${spawnSync('wapiti', ['--version'], { encoding: 'utf8' }).stdout.trim().split('\n').pop()}; ${spawnSync('nmap', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]}`);
  const cluster = await startCluster();
  const work = mkdtempSync(join(tmpdir(), 'kastell-scan-'));
  let kastell: KastellProcess | undefined;
  try {
    const { appPassword } = await prepareTemplate(cluster);
    const database = await cloneTemplate(cluster, appPassword);
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    // hashing waits in a long queue instead of being shed with 503 (the bound the overload tests prove): several
    // runs post passwords at once, and sqlmap must see each request's real answer. And at the normal priority:
    // at KASTELL_ARGON2_NICE's default 10, on a machine shared with other work, three sign-in runs got 0.8
    // answers a second (759 in 940 s, cut by the time) — the hashing targets are the scan's critical path.
    // Three hashes at once (KASTELL_SCAN_ARGON2_CONCURRENCY), one per sign-in run that goes at the same time:
    // 1.14 answers a second against 0.55 with one slot, same machine, same load
    kastell = new KastellProcess({ ...kastellEnv(database.appUrl, port, work), KASTELL_ARGON2_QUEUE: '1000', KASTELL_ARGON2_NICE: '0',
      KASTELL_ARGON2_CONCURRENCY: process.env.KASTELL_SCAN_ARGON2_CONCURRENCY ?? '3' }, baseUrl, log);
    await kastell.start();
    const world = await seedWorld(database.admin, options.parallel);
    const doc = (await (await fetch(`${baseUrl}/api/v1/openapi.json`)).json()) as OpenApi;
    const targets = [...formTargets(baseUrl, world).filter((t) => !options.only || options.only.test(t.name)),
      ...(await apiTargets(doc, database.admin, baseUrl, world, options.only))].sort(byCost);
    log(`scan: Kastell on ${baseUrl}; ${targets.length} sqlmap targets, ${targets.reduce((n, t) => n + t.planned, 0)} parameters`);
    const tools = options.tools ?? ['sqlmap', 'wapiti', 'nmap'];
    for (const t of targets) log(`target ${t.name} as ${t.role}: ${t.planned} parameters${t.destructive ? ', destructive' : ''}`);
    const skipped = tools.includes('sqlmap') ? [] : targets.splice(0).map((t) => t.name);

    // Failed sign-ins lock the address 127.0.0.1 and the account (app/auth/lockout.ts: 20 failures from one address
    // at the default scale, 5 on an account; a wrong current password on /me/password counts too). The scanners make
    // thousands, and every run signs in afresh from the same address, so the failure counters are cleared every
    // quarter second and before each sign-in (as the tests clear rate-limit windows): the scanners get real answers,
    // not 429s, and lockout itself has its own tests. A quarter second: several runs post passwords at once, up to
    // ~10 failures a second in all (one argon2 slot), so no account reaches 5 between two clearings.
    const clearIpLockout = () => database.admin`delete from kastell.auth_failures`.catch(() => {});
    const clearing = setInterval(() => { void clearIpLockout(); }, 250);

    // sqlmap: `parallel` workers over the targets in order, until the sqlmap share of the time is spent
    const sqlmapDeadline = deadline - (options.wapitiMinutes * 60_000 + 120_000);
    const runs: SqlmapRun[] = [];
    const notReached: string[] = [...skipped];
    let next = 0;
    const worker = async (w: number) => {
      while (next < targets.length) {
        const index = next++;
        const target = targets[index]!;
        const left = Math.floor((sqlmapDeadline - Date.now()) / 1000);
        if (left < 20) { notReached.push(target.name); continue; }
        try {
          const cookies = await cookiesFor(target, world, w, database.admin, baseUrl);
          const outDir = join(work, `sqlmap-${index}`);
          mkdirSync(outDir, { recursive: true });
          const run = await runSqlmap(target, cookies, outDir, Math.min(60 + options.paramSeconds * cost(target), left));
          runs.push(run);
          log(`sqlmap ${run.target} as ${run.role}: ${run.tested.length}/${run.planned} parameters, injectable ${run.injectable.length}${run.http5xx.length ? `, 5xx ${run.http5xx.join(' ')}` : ''}${run.timedOut ? ', TIMED OUT' : ''} [${run.seconds.toFixed(0)} s, ${run.requests} requests]`);
        } catch (error) {
          runs.push({ target: target.name, role: target.role, planned: target.planned, tested: [], injectable: [], http5xx: [`could not run: ${(error as Error).message}`], timedOut: false, seconds: 0, requests: 0 });
          log(`sqlmap ${target.name}: could not run: ${(error as Error).message}`);
        }
      }
    };
    const sqlmapStarted = Date.now();
    await Promise.all(Array.from({ length: options.parallel }, (_, w) => worker(w)));
    const sqlmapSeconds = (Date.now() - sqlmapStarted) / 1000;

    // wapiti, signed in as an owner of its own
    const wapitiClient = new TestClient(baseUrl);
    await wapitiClient.get('/sign-in');
    await clearIpLockout();
    await signInWithTotp(wapitiClient, world.wapitiUser);
    const wapitiSeconds = Math.max(60, Math.min(options.wapitiMinutes * 60, Math.floor((deadline - Date.now()) / 1000) - 90));
    const notRun = 'not run (KASTELL_SCAN_TOOLS)';
    let wapiti: ScanReport['wapiti'] = { bySeverity: {}, mediumOrAbove: [], urls: 0, cut: [], error: notRun, seconds: 0 };
    if (tools.includes('wapiti')) {
      log(`wapiti: up to ${wapitiSeconds} s`);
      wapiti = await runWapiti(baseUrl, wapitiClient.cookies, work, wapitiSeconds, log);
    }

    clearInterval(clearing);
    const nmap: ScanReport['nmap'] = tools.includes('nmap') ? runNmap(port, kastell.child!.pid!) : { open: [], kastell: [], expected: port, unexpected: [], error: notRun };
    if (kastell.deaths.length) nmap.unexpected.push(`Kastell died during the scan: ${kastell.deaths.join('; ')}`);
    await kastell.stop();
    await database.drop();
    return { runs, notReached, sqlmapSeconds, wapiti, nmap, seconds: (Date.now() - started) / 1000 };
  } finally {
    await kastell?.stop();
    await cluster.stop();
    if (!process.env.KASTELL_SCAN_KEEP) rmSync(work, { recursive: true, force: true });
    else log(`scan: outputs kept in ${work}`);
  }
}

export function reportIsClean(report: ScanReport): boolean {
  return report.runs.every((r) => r.injectable.length === 0 && r.http5xx.length === 0 && !r.timedOut && r.tested.length >= r.planned)
    && report.notReached.length === 0 && report.wapiti.mediumOrAbove.length === 0 && report.wapiti.cut.length === 0 && !report.wapiti.error
    && report.nmap.unexpected.length === 0 && !report.nmap.error;
}

export function formatReport(report: ScanReport): string {
  const planned = report.runs.reduce((n, r) => n + r.planned, 0);
  const tested = report.runs.reduce((n, r) => n + r.tested.length, 0);
  const injectable = report.runs.flatMap((r) => r.injectable.map((p) => `${r.target}: ${p}`));
  const errors = report.runs.flatMap((r) => r.http5xx.map((e) => `${r.target}: ${e}`));
  const short = report.runs.filter((r) => r.timedOut || r.tested.length < r.planned).map((r) => `${r.target} (${r.tested.length}/${r.planned}${r.timedOut ? ', timed out' : ''})`);
  const lines = [
    `sqlmap (level 3, risk 2): ${report.runs.length} runs, parameters tested ${tested} of ${planned} planned`,
    `  injectable: ${injectable.length}${injectable.length ? `\n    ${injectable.join('\n    ')}` : ''}`,
    `  5xx or errors during runs: ${errors.length}${errors.length ? `\n    ${errors.join('\n    ')}` : ''}`,
    `  cut short or incomplete: ${short.length}${short.length ? `\n    ${short.join('\n    ')}` : ''}`,
    `  not reached in time: ${report.notReached.length}${report.notReached.length ? ` (${report.notReached.join(', ')})` : ''}`,
    `  requests: ${report.runs.reduce((n, r) => n + r.requests, 0)}; sqlmap wall clock ${report.sqlmapSeconds.toFixed(0)} s; longest runs: ${[...report.runs].sort((a, b) => b.seconds - a.seconds).slice(0, 5).map((r) => `${r.target} ${r.seconds.toFixed(0)} s/${r.requests}`).join(', ') || 'none'}`,
    `wapiti (signed in): findings by severity ${JSON.stringify(report.wapiti.bySeverity)}; medium or above: ${report.wapiti.mediumOrAbove.length}${report.wapiti.error ? `; ERROR ${report.wapiti.error}` : ''} [${report.wapiti.seconds.toFixed(0)} s]`,
    `  URLs and forms: ${report.wapiti.urls}; cut by its time limits: ${report.wapiti.cut.join(', ') || 'nothing'}`,
    ...report.wapiti.mediumOrAbove.map((f) => `    ${f}`),
    `nmap 127.0.0.1 (all TCP ports): ${report.nmap.open.length} open on the shared host; Kastell's process listens on: ${report.nmap.kastell.join(' ') || 'nothing'}; expected tcp/127.0.0.1:${report.nmap.expected}; unexpected: ${report.nmap.unexpected.join('; ') || 'none'}${report.nmap.error ? `; ERROR ${report.nmap.error}` : ''}`,
    `total ${report.seconds.toFixed(0)} s`,
  ];
  return lines.join('\n');
}
