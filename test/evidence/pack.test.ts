// The evidence pack: built from the tests' ASVS annotations, their results,
// the release's SBOM and advisories and the drill/backup evidence; its signed
// manifest verifies offline with the public key alone, and a changed byte,
// an added file or another key is rejected, naming the problem.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as openpgp from 'openpgp';
import { assessAsvs, findAnnotatedTests } from '../../app/evidence/asvs.ts';
import { buildEvidencePack, verifyEvidencePack, writeEvidencePack } from '../../app/evidence/pack.ts';
import { signRelease } from '../../app/trust/release-signature.ts';

const root = new URL('../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'kastell-evidence-pack-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

async function key() {
  const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'test' }], format: 'armored' });
  return { signingKey: await openpgp.readPrivateKey({ armoredKey: privateKey }), publicKeyArmored: publicKey };
}

test('each ASVS 5.0 level 1-2 requirement appears once: with its tests and their results, or a statement with its reason, or "not assessed"', () => {
  const annotated = findAnnotatedTests(root);
  const first = annotated[0]!;
  const results = [{ file: first.file, name: first.name, result: 'fail' }];
  const assessed = assessAsvs(root, results, 2);
  assert.equal(assessed.length, 253);
  assert.equal(new Set(assessed.map((r) => r.id)).size, 253);
  assert.ok(assessed.every((r) => r.level <= 2));
  const mapped = assessed.find((r) => r.id === first.requirements[0])!;
  assert.equal(mapped.status, 'tested');
  assert.equal(mapped.tests.find((t) => t.name === first.name)!.result, 'fail', 'the latest result is shown, a failure too');
  const oauth = assessed.find((r) => r.id === 'V10.4.1')!;
  assert.equal(oauth.status, 'not_applicable');
  assert.match(oauth.reason!, /OAuth/);
  for (const r of assessed) if (r.status !== 'tested') assert.ok(r.reason, `${r.id} says why it has no test`);
  assert.deepEqual(assessed.filter((r) => r.status === 'not_assessed').map((r) => r.id), [], 'each requirement is mapped to a test or says why not');
  assert.ok(assessed.filter((r) => r.status === 'tested').every((r) => r.tests.length > 0));
});

test('the pack verifies offline with the public key; a changed byte, an added file or another key is rejected', async () => {
  const k = await key();
  const releaseDir = join(work, 'release');
  const evidenceDir = join(work, 'evidence');
  mkdirSync(releaseDir);
  mkdirSync(evidenceDir);
  writeFileSync(join(releaseDir, 'sbom.cdx.json'), '{"bomFormat":"CycloneDX","specVersion":"1.6","components":[]}\n');
  await signRelease(releaseDir, (await key()).signingKey);
  writeFileSync(join(evidenceDir, 'restore-drill.json'), '{"status":"pass","finished_at":"2026-11-30T03:00:00Z","checks_passed":["rows"]}\n');
  const results = join(work, 'latest.json');
  writeFileSync(results, JSON.stringify({ format: 'kastell-test-results v1', startedAt: '2026-12-01T00:00:00Z', commit: null, tests: [] }));
  const files = await buildEvidencePack({ root, installation: 'https://portal.example.test', releaseDir, evidenceDir, testResultsPath: results, ...k });
  const dir = join(work, 'pack');
  writeEvidencePack(dir, files);

  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.files.map((f: { name: string }) => f.name),
    ['asvs-5.0-level2.json', 'audit-signing-key.asc', 'release-key.asc', 'restore-drill.json', 'sbom.cdx.json', 'sbom.cdx.json.asc', 'test-results.json']);
  assert.deepEqual(manifest.releaseSignatures.map((r: { name: string; state: string }) => [r.name, r.state]), [['sbom.cdx.json', 'verified']]);
  assert.ok(manifest.missing.some((m: { name: string }) => m.name === 'advisories.json'), 'what is missing is named');
  const asvs = JSON.parse(readFileSync(join(dir, 'asvs-5.0-level2.json'), 'utf8'));
  assert.equal(asvs.summary.requirements, 253);
  assert.equal(asvs.requirements.find((r: { status: string }) => r.status === 'tested').tests[0].result, 'no result recorded');

  assert.deepEqual(await verifyEvidencePack(dir, k.publicKeyArmored), { ok: true, problems: [], files: 7, notAssessed: asvs.summary.notAssessed });

  const other = await key();
  assert.match((await verifyEvidencePack(dir, other.publicKeyArmored)).problems[0]!, /does not verify with this key/);

  const drill = join(dir, 'restore-drill.json');
  const original = readFileSync(drill);
  const changed = Buffer.from(original);
  changed[12] = changed[12]! ^ 1;
  writeFileSync(drill, changed);
  assert.deepEqual((await verifyEvidencePack(dir, k.publicKeyArmored)).problems, ["restore-drill.json: its SHA-256 is not the manifest's"]);
  writeFileSync(drill, original);

  appendFileSync(join(dir, 'manifest.json'), ' ');
  assert.equal((await verifyEvidencePack(dir, k.publicKeyArmored)).ok, false, 'a changed manifest breaks its signature');
  writeFileSync(join(dir, 'manifest.json'), readFileSync(join(dir, 'manifest.json'), 'utf8').trimEnd() + '\n');

  writeFileSync(join(dir, 'backup.json'), '{}');
  assert.deepEqual((await verifyEvidencePack(dir, k.publicKeyArmored)).problems, ['backup.json: not in the manifest']);
});

test('the release files in a pack carry their release signatures: an unsigned or re-signed SBOM is named as unverified and fails the check', async () => {
  const k = await key();
  const base = mkdtempSync(join(work, 'unsigned-'));
  const releaseDir = join(base, 'release');
  mkdirSync(releaseDir);
  writeFileSync(join(releaseDir, 'sbom.cdx.json'), '{"bomFormat":"CycloneDX","specVersion":"1.6","components":[]}\n');
  const results = join(base, 'latest.json');
  writeFileSync(results, JSON.stringify({ format: 'kastell-test-results v1', startedAt: '2026-12-01T00:00:00Z', commit: null, tests: [] }));
  const build = async (out: string) => {
    const files = await buildEvidencePack({ root, installation: 'https://portal.example.test', releaseDir, evidenceDir: join(base, 'none'), testResultsPath: results, ...k });
    writeEvidencePack(join(base, out), files);
    return JSON.parse(files.get('manifest.json')!.toString('utf8'));
  };
  let manifest = await build('unsigned');
  assert.equal(manifest.releaseSignatures[0].state, 'unverified');
  assert.match(manifest.releaseSignatures[0].reason, /no release key|carries no signature/);
  let verdict = await verifyEvidencePack(join(base, 'unsigned'), k.publicKeyArmored);
  assert.equal(verdict.ok, false);
  assert.match(verdict.problems.join('\n'), /sbom\.cdx\.json: there is no release-key\.asc|sbom\.cdx\.json: it carries no release signature/);

  // signed, then one byte of the SBOM changed in the release before packing: the pack says so and does not verify
  await signRelease(releaseDir, (await key()).signingKey);
  writeFileSync(join(releaseDir, 'sbom.cdx.json'), '{"bomFormat":"CycloneDX","specVersion":"1.7","components":[]}\n');
  manifest = await build('changed');
  assert.equal(manifest.releaseSignatures[0].state, 'unverified');
  verdict = await verifyEvidencePack(join(base, 'changed'), k.publicKeyArmored);
  assert.deepEqual(verdict.problems, ['sbom.cdx.json: its release signature does not verify with release-key.asc']);
});
