// The release's signature, through the commands ops/build-release runs:
// `kastell advisories check DIR --registry URL` against the local stand-in
// for the registry's bulk-advisory endpoint, `kastell release keygen` (once,
// 0600, outside the tree), `kastell release sign` (refuses a key inside the
// source tree or the release), and where the files are consumed: `kastell
// release verify` and `kastell advisories show` verify the signature, and
// one changed byte is shown as failing (exit 1, UNVERIFIED).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as openpgp from 'openpgp';
import { verifyBytesSignature } from '../../app/audit/keys.ts';
import { startAdvisoryRegistry } from '../harness/advisory-registry.ts';

const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'kastell-release-signing-'));
test.after(() => rmSync(work, { recursive: true, force: true }));
const keyPath = join(work, 'controller', 'release-signing-key.asc');
// a tree to check: the source tree's lock file and production dependencies (what the release holds)
const tree = join(work, 'tree');
mkdirSync(tree);
for (const f of ['package.json', 'package-lock.json']) cpSync(join(root, f), join(tree, f));
symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'));
const releaseDir = join(tree, 'release');

/** The CLI with only the given KASTELL_* variables and no npm configuration from the test runner (asynchronous: the stand-in registry answers from this process). */
function kastell(args: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('KASTELL_') && !/^npm_config_/i.test(key) && key !== 'CREDENTIALS_DIRECTORY'));
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(root, 'app/cli/main.ts'), ...args], {
      cwd: root, encoding: 'utf8', env: { ...clean, KASTELL_RELEASE_SIGNING_KEY: keyPath, ...env }, timeout: 300_000,
    }, (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }));
  });
}

// asvs: V15.2.1
test('kastell advisories check asks the registry it is given (bulk-advisory protocol) and writes the counts', async () => {
  const registry = await startAdvisoryRegistry({
    busboy: [{ id: 1, url: 'https://example.test/advisories/1', title: 'Stand-in advisory for busboy', severity: 'critical', vulnerable_versions: '<99.0.0', cwe: ['CWE-400'], cvss: { score: 9.1, vectorString: null } }],
  });
  try {
    const r = await kastell(['advisories', 'check', tree, '--registry', registry.url]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`1 open advisories \\(1 high or critical\\) in \\d+ production dependencies \\(${registry.url.replace(/[./]/g, '\\$&')}\\)`));
    assert.ok(registry.asked.length > 0, 'npm asked the registry named on the command line');
    const written = JSON.parse(readFileSync(join(releaseDir, 'advisories.json'), 'utf8'));
    assert.deepEqual([written.reachable, written.registry, written.counts.critical, written.counts.total], [true, registry.url, 1, 1]);
  } finally {
    await registry.close();
  }
  assert.match((await kastell(['advisories', 'check', tree, '--registry', 'file:///etc/passwd'])).stderr, /must be an http\(s\) URL/);
});

test('kastell release keygen makes the key once (0600, in a 0700 directory) and keeps it after', async () => {
  const first = await kastell(['release', 'keygen']);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /^made the release-signing key .*: [0-9A-F]{40}$/m);
  assert.equal(statSync(keyPath).mode & 0o777, 0o600);
  assert.equal(statSync(join(keyPath, '..')).mode & 0o777, 0o700);
  const before = readFileSync(keyPath, 'utf8');
  const second = await kastell(['release', 'keygen']);
  assert.match(second.stdout, /^kept the release-signing key/m);
  assert.equal(readFileSync(keyPath, 'utf8'), before);
  assert.equal(first.stdout.split(': ').at(-1), second.stdout.split(': ').at(-1));
});

test('kastell release sign refuses a key inside the source tree or the release, and without a key', async () => {
  const inTree = join(tree, 'release-signing-key.asc');
  cpSync(keyPath, inTree);
  const r = await kastell(['release', 'sign', releaseDir, '--outside', tree], { KASTELL_RELEASE_SIGNING_KEY: inTree });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /is inside .*keep it outside the source tree and the release/);
  rmSync(inTree);
  const none = await kastell(['release', 'sign', releaseDir], { KASTELL_RELEASE_SIGNING_KEY: join(work, 'nowhere.asc') });
  assert.notEqual(none.status, 0);
  assert.match(none.stderr, /no release-signing key at .*kastell release keygen/);
  assert.equal(existsSync(join(releaseDir, 'advisories.json.asc')), false, 'nothing was signed');
});

test('the signed SBOM and advisory check verify with the release key; one changed byte is shown as failing', async () => {
  writeFileSync(join(releaseDir, 'sbom.cdx.json'), '{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"busboy"}]}\n');
  const signed = await kastell(['release', 'sign', releaseDir, '--outside', root]);
  assert.equal(signed.status, 0, signed.stderr);
  assert.match(signed.stdout, /^signed sbom\.cdx\.json, advisories\.json with [0-9A-F]{40}/m);
  const publicKey = readFileSync(join(releaseDir, 'release-key.asc'), 'utf8');
  assert.match(publicKey, /BEGIN PGP PUBLIC KEY BLOCK/);
  assert.doesNotMatch(publicKey, /PRIVATE KEY/, 'only the public key enters the release');
  // the detached signatures are ordinary OpenPGP: checked here with openpgp directly, not only through our command
  for (const name of ['sbom.cdx.json', 'advisories.json']) {
    const bytes = readFileSync(join(releaseDir, name));
    assert.ok(await verifyBytesSignature(publicKey, bytes, readFileSync(join(releaseDir, `${name}.asc`), 'utf8')), `${name} verifies`);
    const sig = await openpgp.readSignature({ armoredSignature: readFileSync(join(releaseDir, `${name}.asc`), 'utf8') });
    assert.equal(sig.getSigningKeyIDs()[0]!.toHex(), (await openpgp.readKey({ armoredKey: publicKey })).getKeyID().toHex());
  }

  let verify = await kastell(['release', 'verify', '--dir', releaseDir]);
  assert.equal(verify.status, 0, verify.stderr);
  assert.match(verify.stdout, /OK: .*sbom\.cdx\.json: signed by [0-9A-F]{40}/);
  assert.match(verify.stdout, /OK: .*advisories\.json: signed by/);
  let show = await kastell(['advisories', 'show'], { KASTELL_RELEASE_DIR: releaseDir });
  assert.equal(show.status, 0, show.stderr);
  assert.match(show.stdout, /signature verified with the release's own key/);
  assert.match(show.stdout, /1 open advisories \(1 critical, 0 high/);
  assert.match(show.stdout, /critical busboy/);
  // pinned (as the appliance role does) to the same key: verified, and said so
  const pinned = join(work, 'pinned-release-key.asc');
  writeFileSync(pinned, publicKey);
  assert.match((await kastell(['advisories', 'show'], { KASTELL_RELEASE_DIR: releaseDir, KASTELL_RELEASE_PUBLIC_KEY: pinned })).stdout, /verified with the pinned key/);

  for (const name of ['advisories.json', 'sbom.cdx.json']) {
    const path = join(releaseDir, name);
    const original = readFileSync(path);
    const changed = Buffer.from(original);
    const at = changed.indexOf('1');
    changed[at] = '2'.charCodeAt(0);
    writeFileSync(path, changed);
    verify = await kastell(['release', 'verify', '--dir', releaseDir]);
    assert.equal(verify.status, 1);
    assert.match(verify.stderr, new RegExp(`UNVERIFIED: .*${name.replace('.', '\\.')}: its signature .* does not verify with the release key`));
    if (name === 'advisories.json') {
      show = await kastell(['advisories', 'show'], { KASTELL_RELEASE_DIR: releaseDir });
      assert.equal(show.status, 1);
      assert.match(show.stderr, /UNVERIFIED: .*advisories\.json is not shown: its signature/);
      assert.doesNotMatch(show.stdout, /open advisories/, 'no count from an unverified file');
    }
    writeFileSync(path, original);
  }

  // a key of another controller pinned: the release's own key does not help
  const { publicKey: otherKey } = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'another' }], format: 'armored' });
  writeFileSync(pinned, otherKey);
  show = await kastell(['advisories', 'show'], { KASTELL_RELEASE_DIR: releaseDir, KASTELL_RELEASE_PUBLIC_KEY: pinned });
  assert.equal(show.status, 1);
  assert.match(show.stderr, /UNVERIFIED/);
  rmSync(join(releaseDir, 'advisories.json.asc'));
  verify = await kastell(['release', 'verify', '--dir', releaseDir]);
  assert.equal(verify.status, 1);
  assert.match(verify.stderr, /advisories\.json: it carries no signature/);
});
