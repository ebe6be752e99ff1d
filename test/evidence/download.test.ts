// The evidence pack's download (GET /api/v1/evidence/pack, evidence.read):
// the security officer and the external auditor get it, a customer and an
// anonymous caller do not; the downloaded bundle verifies offline with the
// key /trust/key.asc publishes, and a changed byte in it does not.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { verifyBytesSignature } from '../../app/audit/keys.ts';
import { liveEvidenceFiles, verifyEvidencePack } from '../../app/evidence/pack.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedCompany, seedSession, seedUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const work = mkdtempSync(join(tmpdir(), 'kastell-evidence-download-'));
test.after(() => rmSync(work, { recursive: true, force: true }));
const t = await createTestDatabase();
const server = await startTestServer(t, {});

// asvs: V8.2.1
test('the security officer and the external auditor download the pack; a customer and nobody signed in do not', async () => {
  const key = (await server.client().get('/trust/key.asc')).text;
  for (const role of ['security_officer', 'external_auditor']) {
    const user = await seedUser(t.admin, role);
    const response = await server.client().withSession(await seedSession(t.admin, user.userId)).get('/api/v1/evidence/pack');
    assert.equal(response.status, 200, `${role}: ${response.text.slice(0, 300)}`);
    const bundle = join(work, `${role}.json`);
    writeFileSync(bundle, response.text);
    const verdict = await verifyEvidencePack(bundle, key);
    assert.equal(verdict.ok, true, verdict.problems.join('; '));
    assert.ok(verdict.files >= 2);

    const parsed = response.json();
    const asvs = Buffer.from(parsed.files['asvs-5.0-level2.json'], 'base64');
    asvs[20] = asvs[20]! ^ 1;
    parsed.files['asvs-5.0-level2.json'] = asvs.toString('base64');
    writeFileSync(bundle, JSON.stringify(parsed));
    assert.deepEqual((await verifyEvidencePack(bundle, key)).problems, ["asvs-5.0-level2.json: its SHA-256 is not the manifest's"]);
  }
  const customer = await seedUser(t.admin, 'customer_admin', await seedCompany(t.admin, 'Customer AG'));
  const refused = await server.client().withSession(await seedSession(t.admin, customer.userId)).get('/api/v1/evidence/pack');
  assert.equal(refused.status, 403);
  assert.equal((await server.client().get('/api/v1/evidence/pack')).status, 401);
});

test("the download carries the installation's live evidence: trust.json signed by the audit key, and the latest checkpoint and verification or why not", async () => {
  const key = (await server.client().get('/trust/key.asc')).text;
  const officer = await seedUser(t.admin, 'security_officer');
  const response = await server.client().withSession(await seedSession(t.admin, officer.userId)).get('/api/v1/evidence/pack');
  assert.equal(response.status, 200, response.text.slice(0, 300));
  const files = response.json().files as Record<string, string>;
  const bytes = (name: string) => Buffer.from(files[name]!, 'base64');
  assert.ok(files['trust.json'] && files['trust.json.asc'], 'trust.json and its signature are in the pack');
  assert.equal(await verifyBytesSignature(key, bytes('trust.json'), bytes('trust.json.asc').toString('utf8')), true, 'trust.json verifies with the published key');
  const manifest = JSON.parse(bytes('manifest.json').toString('utf8')) as { files: Array<{ name: string }>; missing: Array<{ name: string; reason: string }> };
  for (const name of liveEvidenceFiles) {
    const listed = manifest.files.some((f) => f.name === name) || manifest.missing.some((m) => m.name === name && m.reason === 'none recorded yet');
    assert.ok(listed, `${name}: in the pack, or missing because none is recorded yet`);
  }
});
