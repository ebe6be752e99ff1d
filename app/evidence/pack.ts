// The evidence pack (`kastell evidence [--out DIR]`): the ASVS 5.0 level 2
// self-assessment (each requirement with the tests annotated for it and
// their latest results, or why none), the latest test results, the
// release's SBOM and advisory check, the last restore drill and backup
// evidence, the audit signing key and, in the download, the latest signed
// checkpoint, chain verification and trust.json with its signature; manifest.json lists every file with
// its SHA-256 and names what is missing and why; manifest.json.asc is a
// detached OpenPGP signature over it by the installation's audit key.
// The release's SBOM and advisory check come with their release signatures
// (sbom.cdx.json.asc, advisories.json.asc) and the release key that checked
// them (release-key.asc); the manifest records each one's verdict at
// packing time. `kastell evidence verify DIR --key KEY` checks it offline,
// the release signatures included (fail closed: a release file without a
// signature that verifies is a problem).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as openpgp from 'openpgp';
import { signBytes, verifyBytesSignature } from '../audit/keys.ts';
import { advisoriesPath, sbomPath } from '../trust/advisories.ts';
import { readReleaseKey, releaseKeyName, signatureOf, signedReleaseFiles, verifyReleaseFile } from '../trust/release-signature.ts';
import { backupEvidencePath, drillEvidencePath } from '../trust/evidence-files.ts';
import { assessAsvs, findAnnotatedTests, type AnnotatedTest, type TestResult } from './asvs.ts';

export interface PackInputs {
  root: string;
  installation: string;
  releaseDir: string;
  evidenceDir: string;
  testResultsPath: string;
  /** the annotated tests (default: read from root/test) */
  annotated?: AnnotatedTest[];
  signingKey: openpgp.PrivateKey;
  publicKeyArmored: string;
  /** KASTELL_RELEASE_PUBLIC_KEY: the pinned release key (undefined: the release's own release-key.asc) */
  releasePublicKey?: string;
  /** what the running installation adds (the download): checkpoint.json, verification.json, trust.json and trust.json.asc */
  live?: Map<string, Buffer>;
  now?: Date;
}

export const liveEvidenceFiles = ['checkpoint.json', 'verification.json', 'trust.json', 'trust.json.asc'] as const;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export async function buildEvidencePack(inputs: PackInputs): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const missing: Array<{ name: string; reason: string }> = [];
  const copy = (name: string, path: string, reason: string) => {
    if (existsSync(path)) files.set(name, readFileSync(path));
    else missing.push({ name, reason: `${reason} (${path} does not exist)` });
  };

  copy('test-results.json', inputs.testResultsPath, 'no test run recorded its results here (npm test writes test/results/latest.json)');
  let results: TestResult[] | null = null;
  let run: { startedAt?: string; commit?: string | null } | null = null;
  if (files.has('test-results.json')) {
    try {
      // written at the end of a run: while one runs, the file is empty
      const parsed = JSON.parse(files.get('test-results.json')!.toString('utf8')) as { startedAt?: string; commit?: string | null; tests: TestResult[] };
      results = parsed.tests;
      run = { startedAt: parsed.startedAt, commit: parsed.commit };
    } catch {
      files.delete('test-results.json');
      missing.push({ name: 'test-results.json', reason: `${inputs.testResultsPath} is not a finished run's results (a run may be under way)` });
    }
  }
  const requirements = assessAsvs(inputs.root, results, 2, inputs.annotated ?? findAnnotatedTests(inputs.root));
  const count = (status: string) => requirements.filter((r) => r.status === status).length;
  const asvs = {
    format: 'kastell-asvs v1',
    standard: 'OWASP Application Security Verification Standard 5.0.0',
    source: 'https://github.com/OWASP/ASVS/blob/fe049861/5.0/docs_en/OWASP_Application_Security_Verification_Standard_5.0.0_en.flat.json',
    level: 2,
    testRun: run,
    summary: { requirements: requirements.length, tested: count('tested'), notApplicable: count('not_applicable'), notYet: count('not_yet'), notAssessed: count('not_assessed') },
    requirements,
  };
  files.set('asvs-5.0-level2.json', Buffer.from(JSON.stringify(asvs, null, 2) + '\n'));
  copy('sbom.cdx.json', sbomPath(inputs.releaseDir), 'not a built release: ops/build-release writes the SBOM');
  copy('advisories.json', advisoriesPath(inputs.releaseDir), 'not a built release: ops/build-release runs the advisory check');
  const releaseKey = readReleaseKey(inputs.releaseDir, inputs.releasePublicKey);
  const releaseSignatures: Array<{ name: string; state: 'verified' | 'unverified'; key: string; fingerprint: string | null; reason: string | null }> = [];
  for (const name of signedReleaseFiles) {
    const bytes = files.get(name);
    if (!bytes) continue;
    const path = join(inputs.releaseDir, name);
    if (existsSync(signatureOf(path))) files.set(`${name}.asc`, readFileSync(signatureOf(path)));
    const verdict = await verifyReleaseFile(path, bytes, releaseKey);
    releaseSignatures.push(verdict.state === 'verified'
      ? { name, state: 'verified', key: verdict.keyPath, fingerprint: verdict.fingerprint, reason: null }
      : { name, state: 'unverified', key: verdict.keyPath, fingerprint: null, reason: verdict.reason });
  }
  if (releaseSignatures.length > 0 && releaseKey.armored !== null) files.set(releaseKeyName, Buffer.from(releaseKey.armored));
  copy('restore-drill.json', drillEvidencePath(inputs.evidenceDir), 'no restore drill recorded');
  copy('backup.json', backupEvidencePath(inputs.evidenceDir), 'no backup recorded');
  files.set('audit-signing-key.asc', Buffer.from(inputs.publicKeyArmored));
  for (const name of liveEvidenceFiles) {
    const bytes = inputs.live?.get(name);
    if (bytes) files.set(name, bytes);
    else missing.push({ name, reason: inputs.live ? 'none recorded yet' : 'read from the running installation: the download (GET /api/v1/evidence/pack) carries it' });
  }

  const manifest = {
    format: 'kastell-evidence v1',
    installation: inputs.installation,
    generatedAt: (inputs.now ?? new Date()).toISOString(),
    files: [...files].map(([name, bytes]) => ({ name, bytes: bytes.length, sha256: sha256(bytes) })).sort((a, b) => a.name.localeCompare(b.name)),
    missing,
    /** the release signatures over the SBOM and the advisory check, as checked when the pack was made */
    releaseSignatures,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
  files.set('manifest.json', manifestBytes);
  files.set('manifest.json.asc', Buffer.from(await signBytes(inputs.signingKey, manifestBytes)));
  return files;
}

export function writeEvidencePack(dir: string, files: Map<string, Buffer>): void {
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length > 0) throw new Error(`kastell evidence writes into an empty directory; ${dir} is not empty`);
  for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes, { mode: 0o640 });
}

export interface PackVerdict { ok: boolean; problems: string[]; files: number; notAssessed: number | null }

/** A pack as one JSON document (the download): every file's bytes in base64 under its name. */
export const bundleFormat = 'kastell-evidence-bundle v1';
export function bundleEvidencePack(files: Map<string, Buffer>): { format: typeof bundleFormat; files: Record<string, string> } {
  return { format: bundleFormat, files: Object.fromEntries([...files].map(([name, bytes]) => [name, bytes.toString('base64')])) };
}

/** A pack's files from its directory, or from a downloaded bundle (a .json file). */
export function readEvidencePack(path: string): Map<string, Buffer> {
  if (statSync(path).isDirectory()) return new Map(readdirSync(path).map((name) => [name, readFileSync(join(path, name))]));
  const bundle = JSON.parse(readFileSync(path, 'utf8')) as { format?: string; files?: Record<string, string> };
  if (bundle.format !== bundleFormat || !bundle.files) throw new Error(`${path} is neither a pack directory nor a downloaded evidence bundle`);
  return new Map(Object.entries(bundle.files).map(([name, b64]) => [name, Buffer.from(b64, 'base64')]));
}

/** Offline: the manifest's signature by `publicKeyArmored`, every file's SHA-256, and nothing unlisted. */
export async function verifyEvidencePack(path: string, publicKeyArmored: string): Promise<PackVerdict> {
  const files = readEvidencePack(path);
  const problems: string[] = [];
  const manifestBytes = files.get('manifest.json');
  const signature = files.get('manifest.json.asc');
  if (!manifestBytes || !signature) return { ok: false, problems: ['manifest.json or manifest.json.asc is missing'], files: 0, notAssessed: null };
  if (!(await verifyBytesSignature(publicKeyArmored, manifestBytes, signature.toString('utf8')))) {
    return { ok: false, problems: ['the signature over manifest.json does not verify with this key'], files: 0, notAssessed: null };
  }
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as { files: Array<{ name: string; sha256: string }> };
  const listed = new Set(manifest.files.map((f) => f.name));
  for (const f of manifest.files) {
    const bytes = files.get(f.name);
    if (!bytes) problems.push(`${f.name}: listed but missing`);
    else if (sha256(bytes) !== f.sha256) problems.push(`${f.name}: its SHA-256 is not the manifest's`);
  }
  for (const name of files.keys()) {
    if (name !== 'manifest.json' && name !== 'manifest.json.asc' && !listed.has(name)) problems.push(`${name}: not in the manifest`);
  }
  // the release's own signatures, with the release key the installation signed into this manifest
  for (const name of signedReleaseFiles) {
    const bytes = files.get(name);
    if (!bytes) continue;
    const key = files.get(releaseKeyName);
    const signature = files.get(`${name}.asc`);
    if (!key) problems.push(`${name}: there is no ${releaseKeyName} to check its release signature with`);
    else if (!signature) problems.push(`${name}: it carries no release signature (${name}.asc)`);
    else if (!(await verifyBytesSignature(key.toString('utf8'), bytes, signature.toString('utf8')))) problems.push(`${name}: its release signature does not verify with ${releaseKeyName}`);
  }
  let notAssessed: number | null = null;
  if (problems.length === 0 && files.has('asvs-5.0-level2.json')) {
    notAssessed = (JSON.parse(files.get('asvs-5.0-level2.json')!.toString('utf8')) as { summary: { notAssessed: number } }).summary.notAssessed;
  }
  return { ok: problems.length === 0, problems, files: manifest.files.length, notAssessed };
}
