// The owner's rotation progress page (/keys, GET /api/v1/keys): per data key
// version the rows and objects still under it — the same counts as
// `kastell keys status` — before and after a rotation and a re-encryption,
// and this server's worker (its last run here, the newest batch in the audit
// trail). keys.read only; in four languages.
import { keyringBoxFromConfig } from '../../app/crypto/secret-box.ts';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../app/config.ts';
import { keyringFromConfig } from '../../app/crypto/keyring.ts';
import { reencrypt } from '../../app/crypto/reencrypt.ts';
import { createDocumentStore } from '../../app/storage/open-store.ts';
import { runCli } from '../audit/support.ts';
import { createTestDatabase, testDataDir } from '../harness/database.ts';
import { seedCompany, seedSession, seedUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);
const dataDir = testDataDir(t.name);
const env = { KASTELL_DATABASE_URL: t.appUrl, KASTELL_DATA_DIR: dataDir };
const X = await seedCompany(t.admin, 'Xaver AG');
const owner = await seedUser(t.admin, 'owner');
const tech = await seedUser(t.admin, 'technician');
const clientOf = async (userId: string) => server.client().withSession(await seedSession(t.admin, userId, '30 minutes'));

type View = { keys: { keyId: string; owner: string; ownerName: string | null; version: number; current: boolean; rows: number; objects: number }[];
  progress: { owner: string; done: number; total: number }[]; worker: { running: boolean; lastRun: { rows: number } | null; lastBatchAt: string | null } };

/** Each key's "rows N  objects M" as `kastell keys status` prints it. */
async function cliCounts(): Promise<Map<string, string>> {
  const status = await runCli(['keys', 'status'], env);
  assert.equal(status.code, 0, status.stderr);
  return new Map([...status.stdout.matchAll(/^(k\w+)  .*  (rows \d+  objects \d+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

async function sameAsCli(view: View) {
  const cli = await cliCounts();
  for (const k of view.keys) assert.equal(`rows ${k.rows}  objects ${k.objects}`, cli.get(k.keyId), `key ${k.keyId}: page and CLI agree`);
}

test('the owner sees rotation progress per key version, the same counts as kastell keys status', async () => {
  const o = await clientOf(owner.userId);
  for (const street of ['Weg 1', 'Weg 2']) {
    assert.equal((await o.postJson(`/api/v1/companies/${X}/sites`, { name: 'Plant', street, city: 'Zürich', country: 'ch' })).status, 201);
  }
  // another role: refused
  assert.equal((await (await clientOf(tech.userId)).get('/api/v1/keys')).status, 403);
  assert.equal((await (await clientOf(tech.userId)).get('/keys')).status, 403);

  const before = (await o.get('/api/v1/keys')).json() as View;
  const v1 = before.keys.find((k) => k.owner === X)!;
  assert.deepEqual([v1.version, v1.current, v1.rows, v1.objects, v1.ownerName], [1, true, 4, 0, 'Xaver AG']);
  assert.deepEqual(before.progress.find((p) => p.owner === X), { owner: X, ownerName: 'Xaver AG', done: 4, total: 4 });
  assert.equal(before.worker.running, false);
  assert.equal(before.worker.lastRun, null);
  await sameAsCli(before);

  assert.equal((await runCli(['keys', 'rotate', '--company', X], env)).code, 0);
  const rotated = (await o.get('/api/v1/keys')).json() as View;
  const mine = rotated.keys.filter((k) => k.owner === X);
  assert.deepEqual(mine.map((k) => [k.version, k.current, k.rows]), [[1, false, 4], [2, true, 0]]);
  assert.deepEqual(rotated.progress.find((p) => p.owner === X), { owner: X, ownerName: 'Xaver AG', done: 0, total: 4 });
  await sameAsCli(rotated);
  // the page, phone first: a progress bar and one line per version
  const page = await o.get('/keys');
  assert.equal(page.status, 200);
  assert.match(page.text, /<progress value="0" max="4">/);
  assert.match(page.text, /0 of 4 under the current version/);
  assert.match(page.text, new RegExp(`<li data-key="${mine[0]!.keyId}"><strong>v1</strong> · <code>${mine[0]!.keyId}</code><br/?>4 rows, 0 objects`));
  assert.match(page.text, /No run in this server since it started/);
  for (const [lang, text] of [['de', /0 von 4 unter der aktuellen Version/], ['fr', /0 sur 4 sous la version actuelle/], ['it', /0 di 4 con la versione attuale/]] as const) {
    assert.match((await o.request('GET', '/keys', { headers: { 'Accept-Language': lang } })).text, text);
  }

  // re-encrypted by another process (the CLI): all under v2, the batch in the audit trail
  assert.equal((await runCli(['keys', 'reencrypt'], env)).code, 0);
  const after = (await o.get('/api/v1/keys')).json() as View;
  assert.deepEqual(after.keys.filter((k) => k.owner === X).map((k) => [k.version, k.rows]), [[1, 0], [2, 4]]);
  assert.deepEqual(after.progress.find((p) => p.owner === X), { owner: X, ownerName: 'Xaver AG', done: 4, total: 4 });
  assert.ok(after.worker.lastBatchAt, 'the newest re-seal batch is named');
  await sameAsCli(after);

  // a run in this server's process: its last run shows
  const config = parseConfig(env);
  await reencrypt({ db: t.db, keyring: keyringFromConfig(config), box: keyringBoxFromConfig(config, keyringFromConfig(config)), store: createDocumentStore(config.storage),
    audit: (tx, event) => server.audit.auditor.recordAs(tx, { type: 'system', label: 'test' }, event).then(() => {}) });
  assert.deepEqual((await o.get('/api/v1/keys')).json().worker.lastRun.rows, 0);
  assert.match((await o.get('/keys')).text, /Last run here ended \S+ \S+ UTC: 0 rows and 0 objects re-sealed/);
});
