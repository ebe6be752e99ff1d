// The dependency-advisory check of a release. `kastell advisories check DIR`
// (run by ops/build-release on the controller, where the registry is
// reachable) asks `npm audit --json --omit=dev` about the release's
// production dependencies and writes what it answered into
// DIR/release/advisories.json; ops/build-release signs it
// (release-signature.ts) and the trust page reads it only when that
// signature verifies. When the
// registry's audit endpoint cannot be reached the file says so (reachable:
// false and npm's own words) — a count is never guessed.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { verifyReleaseFile, type ReleaseKey } from './release-signature.ts';

const severities = ['info', 'low', 'moderate', 'high', 'critical'] as const;

export const advisoryReportSchema = z.object({
  format: z.literal('kastell-advisories v1'),
  checked_at: z.iso.datetime(),
  registry: z.string(),
  reachable: z.boolean(),
  /** npm's words when the check could not be made */
  reason: z.string().nullable(),
  counts: z.object({ info: z.number(), low: z.number(), moderate: z.number(), high: z.number(), critical: z.number(), total: z.number() }).nullable(),
  packages: z.array(z.object({ name: z.string(), severity: z.enum(severities), range: z.string(), advisories: z.array(z.object({ title: z.string(), url: z.string() })) })),
  dependencies: z.number().nullable(),
});
export type AdvisoryReport = z.infer<typeof advisoryReportSchema>;

const auditAnswerSchema = z.object({
  auditReportVersion: z.literal(2),
  vulnerabilities: z.record(z.string(), z.object({
    name: z.string(), severity: z.enum(severities), range: z.string(),
    via: z.array(z.union([z.string(), z.object({ title: z.string(), url: z.string() }).loose()])),
  }).loose()),
  metadata: z.object({
    vulnerabilities: z.object({ info: z.number(), low: z.number(), moderate: z.number(), high: z.number(), critical: z.number(), total: z.number() }),
    dependencies: z.object({ prod: z.number() }).loose(),
  }).loose(),
}).loose();

/** What `npm audit --json` printed, read as a report (an answer that is not an audit report is "not reachable" with npm's message). */
export function parseAuditAnswer(stdout: string, checkedAt: Date, registry: string): AdvisoryReport {
  const base = { format: 'kastell-advisories v1' as const, checked_at: checkedAt.toISOString(), registry };
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    return { ...base, reachable: false, reason: `npm audit gave no JSON answer (${stdout.trim().slice(0, 200) || 'nothing'})`, counts: null, packages: [], dependencies: null };
  }
  const answer = auditAnswerSchema.safeParse(json);
  if (!answer.success) {
    const message = z.object({ message: z.string().optional(), error: z.object({ summary: z.string().optional(), code: z.string().optional() }).loose().optional() }).loose().safeParse(json);
    const words = message.success ? [message.data.message, message.data.error?.code, message.data.error?.summary].filter(Boolean).join('; ') : '';
    return { ...base, reachable: false, reason: words || 'npm audit answered something that is not an audit report', counts: null, packages: [], dependencies: null };
  }
  const packages = Object.values(answer.data.vulnerabilities).map((v) => ({
    name: v.name, severity: v.severity, range: v.range,
    advisories: v.via.flatMap((via) => (typeof via === 'string' ? [] : [{ title: via.title, url: via.url }])),
  })).sort((a, b) => a.name.localeCompare(b.name));
  return { ...base, reachable: true, reason: null, counts: answer.data.metadata.vulnerabilities, packages, dependencies: answer.data.metadata.dependencies.prod };
}

/**
 * Run `npm audit` on the production dependencies of the tree at `dir` (its package-lock.json and node_modules).
 * The registry asked: `registry` (`kastell advisories check --registry`), else KASTELL_ADVISORY_REGISTRY, else npm's
 * own configuration (npm_config_registry, .npmrc, the public registry).
 */
export async function runAdvisoryCheck(dir: string, env: NodeJS.ProcessEnv = process.env, registryOption?: string): Promise<AdvisoryReport> {
  const checkedAt = new Date();
  const chosen = registryOption ?? env.KASTELL_ADVISORY_REGISTRY;
  if (chosen !== undefined && !/^https?:\/\/[^\s]+$/.test(chosen)) throw new Error(`the advisory registry must be an http(s) URL, not ${JSON.stringify(chosen)}`);
  if (chosen !== undefined) env = { ...env, npm_config_registry: chosen };
  const registry = env.npm_config_registry ?? env.NPM_CONFIG_REGISTRY ?? 'https://registry.npmjs.org/';
  // npm keeps audit answers in its cache and serves them again (--prefer-online does not stop
  // it): a cache of its own, thrown away, so the answer is today's
  const cache = await mkdtemp(join(tmpdir(), 'kastell-audit-cache-'));
  try {
    const stdout = await new Promise<string>((resolve) => {
      // npm audit exits 1 when it finds advisories and when it cannot ask: the JSON says which
      execFile('npm', ['audit', '--json', '--omit=dev', '--fetch-retries=1'], { cwd: dir, env: { ...env, npm_config_cache: cache }, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 300_000 },
        (_error, out) => resolve(out));
    });
    return parseAuditAnswer(stdout, checkedAt, registry);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}

export const advisoriesPath = (releaseDir: string) => join(releaseDir, 'advisories.json');
export const sbomPath = (releaseDir: string) => join(releaseDir, 'sbom.cdx.json');

export type AdvisoryEvidence =
  | { state: 'absent'; path: string }
  | { state: 'unreadable'; path: string; reason: string }
  /** present, but its signature does not hold (or is missing, or there is no key): its content is not used */
  | { state: 'unverified'; path: string; reason: string }
  | { state: 'read'; path: string; value: AdvisoryReport; keyPath: string; pinnedKey: boolean; fingerprint: string };

/** The release's advisories.json, checked against its signature with `key` first (fail closed), then read. */
export async function readAdvisoryReport(releaseDir: string, key: ReleaseKey): Promise<AdvisoryEvidence> {
  const path = advisoriesPath(releaseDir);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? { state: 'absent', path } : { state: 'unreadable', path, reason: `cannot be read (${code ?? 'error'})` };
  }
  const signature = await verifyReleaseFile(path, bytes, key);
  if (signature.state !== 'verified') return { state: 'unverified', path, reason: signature.reason };
  try {
    const parsed = advisoryReportSchema.safeParse(JSON.parse(bytes.toString('utf8')));
    return parsed.success
      ? { state: 'read', path, value: parsed.data, keyPath: signature.keyPath, pinnedKey: signature.pinned, fingerprint: signature.fingerprint }
      : { state: 'unreadable', path, reason: 'does not hold what the check writes' };
  } catch {
    return { state: 'unreadable', path, reason: 'is not valid JSON' };
  }
}
