// The evidence pack (`kastell evidence [--out DIR]`): the ASVS 5.0 level 2
// self-assessment (each requirement with the tests annotated for it and
// their latest results, or why none), the latest test results, the
// release's SBOM and advisory check, the last restore drill and backup
// evidence, and the audit signing key; manifest.json lists every file with
// its SHA-256 and names what is missing and why; manifest.json.asc is a
// detached OpenPGP signature over it by the installation's audit key.
// `kastell evidence verify DIR --key KEY` checks it offline.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as openpgp from 'openpgp';
import { signBytes, verifyBytesSignature } from '../audit/keys.ts';
import { advisoriesPath, sbomPath } from '../trust/advisories.ts';
import { backupEvidencePath, drillEvidencePath } from '../trust/evidence-files.ts';
import { assessAsvs, type TestResult } from './asvs.ts';

export interface PackInputs {
  root: string;
  installation: string;
  releaseDir: string;
  evidenceDir: string;
  testResultsPath: string;
  signingKey: openpgp.PrivateKey;
  publicKeyArmored: string;
  now?: Date;
}

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
    const parsed = JSON.parse(files.get('test-results.json')!.toString('utf8')) as { startedAt?: string; commit?: string | null; tests: TestResult[] };
    results = parsed.tests;
    run = { startedAt: parsed.startedAt, commit: parsed.commit };
  }
  const requirements = assessAsvs(inputs.root, results, 2);
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
  copy('restore-drill.json', drillEvidencePath(inputs.evidenceDir), 'no restore drill recorded');
  copy('backup.json', backupEvidencePath(inputs.evidenceDir), 'no backup recorded');
  files.set('audit-signing-key.asc', Buffer.from(inputs.publicKeyArmored));
  missing.push({ name: 'checkpoints, verifications, trust.json', reason: 'not yet in the pack: fetch GET /api/v1/audit/checkpoint and /trust.json with its .asc' });

  const manifest = {
    format: 'kastell-evidence v1',
    installation: inputs.installation,
    generatedAt: (inputs.now ?? new Date()).toISOString(),
    files: [...files].map(([name, bytes]) => ({ name, bytes: bytes.length, sha256: sha256(bytes) })).sort((a, b) => a.name.localeCompare(b.name)),
    missing,
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

/** Offline: the manifest's signature by `publicKeyArmored`, every file's SHA-256, and nothing unlisted. */
export async function verifyEvidencePack(dir: string, publicKeyArmored: string): Promise<PackVerdict> {
  const problems: string[] = [];
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath) || !existsSync(`${manifestPath}.asc`)) return { ok: false, problems: ['manifest.json or manifest.json.asc is missing'], files: 0, notAssessed: null };
  const manifestBytes = readFileSync(manifestPath);
  if (!(await verifyBytesSignature(publicKeyArmored, manifestBytes, readFileSync(`${manifestPath}.asc`, 'utf8')))) {
    return { ok: false, problems: ['the signature over manifest.json does not verify with this key'], files: 0, notAssessed: null };
  }
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as { files: Array<{ name: string; sha256: string }> };
  const listed = new Set(manifest.files.map((f) => f.name));
  for (const f of manifest.files) {
    const path = join(dir, f.name);
    if (!existsSync(path)) problems.push(`${f.name}: listed but missing`);
    else if (sha256(readFileSync(path)) !== f.sha256) problems.push(`${f.name}: its SHA-256 is not the manifest's`);
  }
  for (const name of readdirSync(dir)) {
    if (name !== 'manifest.json' && name !== 'manifest.json.asc' && !listed.has(name)) problems.push(`${name}: not in the manifest`);
  }
  let notAssessed: number | null = null;
  if (problems.length === 0 && listed.has('asvs-5.0-level2.json')) {
    notAssessed = (JSON.parse(readFileSync(join(dir, 'asvs-5.0-level2.json'), 'utf8')) as { summary: { notAssessed: number } }).summary.notAssessed;
  }
  return { ok: problems.length === 0, problems, files: manifest.files.length, notAssessed };
}
