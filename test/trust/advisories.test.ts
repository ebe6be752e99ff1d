// The dependency-advisory check (kastell advisories, run by ops/build-release)
// against a local stand-in for the registry's bulk-advisory endpoint, which
// answers in npm's real wire protocol; an unreachable registry is recorded as
// "not reachable", never as zero; and the trust page's figure follows the
// release's advisories.json: absent, not reachable, open advisories, old.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { advisoriesPath, runAdvisoryCheck, type AdvisoryReport } from '../../app/trust/advisories.ts';
import { startAdvisoryRegistry } from '../harness/advisory-registry.ts';
import { createTestDatabase } from '../harness/database.ts';
import { startTestServer } from '../harness/server.ts';

const root = new URL('../..', import.meta.url).pathname;
const releaseDir = mkdtempSync(join(tmpdir(), 'kastell-release-'));
const t = await createTestDatabase();
const server = await startTestServer(t, { KASTELL_RELEASE_DIR: releaseDir, KASTELL_TRUST_CACHE_SECONDS: '0' });
const anonymous = server.client();
const figure = async () => (await anonymous.get('/trust.json')).json().figures.advisories;
const card = async () => {
  const page = await anonymous.get('/trust');
  return /id="figure-advisories"[^>]*>([\s\S]*?)<\/li>/.exec(page.text)![1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
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

  writeFileSync(advisoriesPath(releaseDir), JSON.stringify(report({ reachable: false, counts: null, reason: 'connect ECONNREFUSED 127.0.0.1:9' })));
  f = await figure();
  assert.deepEqual([f.status, f.code, f.open], ['not_measured', 'unreachable', null]);
  assert.ok(f.measuredAt, 'the time of the attempt is shown');
  assert.match(await card(), /could not be reached/);

  writeFileSync(advisoriesPath(releaseDir), JSON.stringify(report({ counts: { info: 0, low: 0, moderate: 1, high: 1, critical: 0, total: 2 } }, 3)));
  f = await figure();
  assert.deepEqual([f.status, f.code, f.open], ['failing', 'open_severe', 2]);
  assert.ok(f.ageSeconds >= 3 * 86_400 - 5 && f.ageSeconds < 3 * 86_400 + 60, `age ${f.ageSeconds}`);
  assert.match(await card(), /2 open advisories \(1 high or critical\), checked 3 days ago/);

  writeFileSync(advisoriesPath(releaseDir), JSON.stringify(report({ counts: { info: 0, low: 1, moderate: 0, high: 0, critical: 0, total: 1 } })));
  assert.deepEqual([(await figure()).status, (await figure()).open], ['warning', 1]);

  writeFileSync(advisoriesPath(releaseDir), JSON.stringify(report({}, 40)));
  f = await figure();
  assert.deepEqual([f.status, f.code, f.open], ['stale', 'old', 0]);

  writeFileSync(advisoriesPath(releaseDir), JSON.stringify(report({})));
  f = await figure();
  assert.deepEqual([f.status, f.open], ['ok', 0]);
  assert.match(await card(), /0 open advisories/);

  writeFileSync(advisoriesPath(releaseDir), '{ not json');
  assert.deepEqual([(await figure()).status, (await figure()).code], ['failing', 'unreadable']);
});

test.after(() => rmSync(releaseDir, { recursive: true, force: true }));
