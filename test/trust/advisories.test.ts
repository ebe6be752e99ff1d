// The dependency-advisory check (kastell advisories, run by ops/build-release)
// against a local stand-in for the registry's bulk-advisory endpoint, which
// answers in npm's real wire protocol; an unreachable registry is recorded as
// "not reachable", never as zero; and the trust page's figure follows the
// release's advisories.json: absent, not reachable, open advisories, old —
// and only when its release signature verifies (fail closed: unsigned, a
// changed byte, another key, a pinned key the release's own does not match).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as openpgp from 'openpgp';
import { advisoriesPath, runAdvisoryCheck, type AdvisoryReport } from '../../app/trust/advisories.ts';
import { signRelease } from '../../app/trust/release-signature.ts';
import { startAdvisoryRegistry } from '../harness/advisory-registry.ts';
import { createTestDatabase } from '../harness/database.ts';
import { startTestServer } from '../harness/server.ts';

const root = new URL('../..', import.meta.url).pathname;
const releaseDir = mkdtempSync(join(tmpdir(), 'kastell-release-'));
const pinnedDir = mkdtempSync(join(tmpdir(), 'kastell-release-pinned-'));
const newKey = async () => openpgp.readPrivateKey({ armoredKey: (await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'test release signer' }], format: 'armored' })).privateKey });
const releaseKey = await newKey();
const t = await createTestDatabase();
// one server that checks with the key the release ships, one that pins another key (as the appliance role does)
const server = await startTestServer(t, { KASTELL_RELEASE_DIR: releaseDir, KASTELL_TRUST_CACHE_SECONDS: '0' });
const pinnedKey = join(pinnedDir, 'release-key.asc');
writeFileSync(pinnedKey, releaseKey.toPublic().armor());
const pinnedServer = await startTestServer(t, { KASTELL_RELEASE_DIR: releaseDir, KASTELL_TRUST_CACHE_SECONDS: '0', KASTELL_RELEASE_PUBLIC_KEY: pinnedKey });
const anonymous = server.client();
const figure = async (client = anonymous) => (await client.get('/trust.json')).json().figures.advisories;
const card = async () => {
  const page = await anonymous.get('/trust');
  return /id="figure-advisories"[^>]*>([\s\S]*?)<\/li>/.exec(page.text)![1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
};
/** What ops/build-release does: the check's file, then `kastell release sign` (signature beside it, public key in release/). */
const ship = async (text: string) => {
  writeFileSync(advisoriesPath(releaseDir), text);
  await signRelease(releaseDir, releaseKey);
};
const withoutNpmConfig = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k)));

// asvs: V15.2.1
test('the check reads npm audit\'s answer from a registry speaking the bulk-advisory protocol', async () => {
  const registry = await startAdvisoryRegistry({
    busboy: [{ id: 1, url: 'https://example.test/advisories/1', title: 'Stand-in advisory for busboy', severity: 'high', vulnerable_versions: '<99.0.0', cwe: ['CWE-400'], cvss: { score: 7.5, vectorString: null } }],
    streamsearch: [{ id: 2, url: 'https://example.test/advisories/2', title: 'Stand-in advisory for streamsearch', severity: 'moderate', vulnerable_versions: '<99.0.0', cwe: [], cvss: { score: 5, vectorString: null } }],
  });
  try {
    const report = await runAdvisoryCheck(root, { ...withoutNpmConfig(), npm_config_registry: registry.url });
    assert.equal(report.reachable, true, report.reason ?? '');
    assert.ok(registry.asked.length > 0 && 'busboy' in registry.asked[0]!, 'npm asked the stand-in about the production dependencies');
    assert.ok(!('typescript' in registry.asked[0]!), 'dev dependencies are not asked about (--omit=dev)');
    // npm's own request, as the real registry receives it: a gzipped JSON map of name to installed versions
    assert.deepEqual([registry.headers[0]!.contentEncoding, registry.headers[0]!.contentType], ['gzip', 'application/json']);
    assert.match(registry.headers[0]!.userAgent ?? '', /^npm\/\d+/);
    assert.ok(Object.values(registry.asked[0]!).every((versions) => Array.isArray(versions) && versions.every((v) => /^\d+\.\d+\.\d+/.test(v))));
    assert.equal(report.counts!.high, 1);
    assert.equal(report.counts!.moderate, 1);
    assert.equal(report.counts!.total, 2);
    assert.deepEqual(report.packages.map((p) => [p.name, p.severity]), [['busboy', 'high'], ['streamsearch', 'moderate']]);
    assert.equal(report.packages[0]!.advisories[0]!.url, 'https://example.test/advisories/1');
    assert.ok(report.dependencies! > 50, 'the production dependency count comes from npm');
  } finally {
    await registry.close();
  }
});

test('an unreachable registry is recorded as not reachable, with npm\'s words, and no count', async () => {
  const report = await runAdvisoryCheck(root, { ...withoutNpmConfig(), npm_config_registry: 'http://127.0.0.1:9/' });
  assert.equal(report.reachable, false);
  assert.equal(report.counts, null);
  assert.match(report.reason!, /ECONNREFUSED|127\.0\.0\.1:9/);
});

const report = (over: Partial<AdvisoryReport>, ageDays = 0): AdvisoryReport => ({
  format: 'kastell-advisories v1', checked_at: new Date(Date.now() - ageDays * 86_400_000).toISOString(), registry: 'http://127.0.0.1:9/',
  reachable: true, reason: null, counts: { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0 }, packages: [], dependencies: 198, ...over,
});

test('the trust figure follows the release\'s advisories.json: absent, not reachable, open, old', async () => {
  let f = await figure();
  assert.equal(f.status, 'not_measured');
  assert.equal(f.code, 'no_check');

  await ship(JSON.stringify(report({ reachable: false, counts: null, reason: 'connect ECONNREFUSED 127.0.0.1:9' })));
  f = await figure();
  assert.deepEqual([f.status, f.code, f.open], ['not_measured', 'unreachable', null]);
  assert.ok(f.measuredAt, 'the time of the attempt is shown');
  assert.match(await card(), /could not be reached/);

  await ship(JSON.stringify(report({ counts: { info: 0, low: 0, moderate: 1, high: 1, critical: 0, total: 2 } }, 3)));
  f = await figure();
  assert.deepEqual([f.status, f.code, f.open], ['failing', 'open_severe', 2]);
  assert.ok(f.ageSeconds >= 3 * 86_400 - 5 && f.ageSeconds < 3 * 86_400 + 60, `age ${f.ageSeconds}`);
  assert.match(await card(), /2 open advisories \(1 high or critical\), checked 3 days ago/);

  await ship(JSON.stringify(report({ counts: { info: 0, low: 1, moderate: 0, high: 0, critical: 0, total: 1 } })));
  assert.deepEqual([(await figure()).status, (await figure()).open], ['warning', 1]);

  await ship(JSON.stringify(report({}, 40)));
  f = await figure();
  assert.deepEqual([f.status, f.code, f.open], ['stale', 'old', 0]);

  await ship(JSON.stringify(report({})));
  f = await figure();
  assert.deepEqual([f.status, f.open], ['ok', 0]);
  assert.match(await card(), /0 open advisories/);

  await ship('{ not json');
  assert.deepEqual([(await figure()).status, (await figure()).code], ['failing', 'unreadable']);
});

// asvs: V16.5.3
test('the count is shown only when the release signature verifies: a changed byte, no signature, another key or a pinned key fail closed', async () => {
  const good = JSON.stringify(report({ counts: { info: 0, low: 0, moderate: 0, high: 1, critical: 0, total: 1 } }));
  await ship(good);
  let f = await figure();
  assert.deepEqual([f.status, f.code, f.open], ['failing', 'open_severe', 1], 'signed: the count is shown');
  assert.equal(f.signedBy, releaseKey.getFingerprint().toUpperCase());
  assert.match(await card(), new RegExp(`Signed by the release key ${f.signedBy}; the signature verifies`));
  assert.equal((await figure(pinnedServer.client())).open, 1, 'the pinned key is the one that signed: verified');

  // one changed byte after signing: "1" open advisory becomes "0"
  const changed = Buffer.from(good);
  const at = changed.indexOf('"total":1') + '"total":'.length;
  changed[at] = '0'.charCodeAt(0);
  writeFileSync(advisoriesPath(releaseDir), changed);
  f = await figure();
  assert.deepEqual([f.status, f.code, f.open, f.counts, f.signedBy], ['failing', 'unverified', null, null, null]);
  assert.match(f.reason, /does not verify with the release key/);
  const text = await card();
  assert.match(text, /Not shown: the advisory check’s file in this release has no valid signature/);
  assert.doesNotMatch(text, /open advisories \(/, 'no count is shown');
  const de = /id="figure-advisories"[^>]*>([\s\S]*?)<\/li>/.exec((await anonymous.request('GET', '/trust', { headers: { 'accept-language': 'de' } })).text)![1]!;
  assert.match(de, /Nicht angezeigt: Die Datei der Prüfung in dieser Version trägt keine gültige Signatur/);

  await ship(good);
  rmSync(advisoriesPath(releaseDir) + '.asc');
  f = await figure();
  assert.deepEqual([f.status, f.code], ['failing', 'unverified']);
  assert.match(f.reason, /carries no signature/);

  // signed by another key, with that key shipped in the release: the release's own key verifies it, the pinned one does not
  writeFileSync(advisoriesPath(releaseDir), good);
  await signRelease(releaseDir, await newKey());
  assert.equal((await figure()).open, 1, 'the key shipped in the release vouches for it');
  f = await figure(pinnedServer.client());
  assert.deepEqual([f.status, f.code, f.open], ['failing', 'unverified', null], 'a pinned key the release was not signed with: not shown');

  rmSync(join(releaseDir, 'release-key.asc'));
  f = await figure();
  assert.deepEqual([f.status, f.code], ['failing', 'unverified']);
  assert.match(f.reason, /no release key/);
  await ship(good);
});

test.after(() => {
  rmSync(releaseDir, { recursive: true, force: true });
  rmSync(pinnedDir, { recursive: true, force: true });
});
