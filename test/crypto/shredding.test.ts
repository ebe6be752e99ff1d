// Crypto-shredding reaches the backups: take a copy of the database's rows
// and of the object store (what pgBackRest and restic keep), shred company X
// with `kastell company shred`, then read that copy with everything Kastell
// keeps now: X's fields and documents do not decrypt, Y's do; no file
// Kastell wrote holds X's key; the audit trail has the event and verifies.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { parseConfig } from '../../app/config.ts';
import { decryptObject } from '../../app/crypto/encrypting-store.ts';
import { fieldAad } from '../../app/crypto/fields.ts';
import { KeyUnavailableError, keyringFromConfig } from '../../app/crypto/keyring.ts';
import { runCli } from '../audit/support.ts';
import { startClamd } from '../harness/clamd.ts';
import { createTestDatabase, testDataDir } from '../harness/database.ts';
import { seedCompany, seedSession, seedUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';
import { upload } from '../documents/support.ts';

const clamd = await startClamd();
const t = await createTestDatabase();
const server = await startTestServer(t, { KASTELL_CLAMD_SOCKET: clamd.socket, KASTELL_CLAMD_TIMEOUT_MS: '10000' });
const dataDir = testDataDir(t.name);
const env = { KASTELL_DATABASE_URL: t.appUrl, KASTELL_DATA_DIR: dataDir };
const X = await seedCompany(t.admin, 'Xaver AG');
const Y = await seedCompany(t.admin, 'Ypsilon GmbH');
const dispatcher = await seedUser(t.admin, 'dispatcher');
const client = server.client().withSession(await seedSession(t.admin, dispatcher.userId, '15 minutes'));

const filesUnder = (dir: string) => readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));

test('after a shred, a backup taken before it opens for Y only', async () => {
  for (const [company, street] of [[X, 'Xaverweg 1'], [Y, 'Ypsilonweg 2']] as const) {
    // with an Idempotency-Key: the kept answer (the site, its street in plain words) is sealed under the company's key
    const site = await client.request('POST', `/api/v1/companies/${company}/sites`, { json: { name: 'Plant', street, country: 'ch' }, headers: { 'idempotency-key': `site-of-${company}` } });
    assert.equal(site.status, 201, site.text);
    const doc = await upload(client, `/api/v1/companies/${company}/documents`, { title: 'Contract', kind: 'contract' }, { name: 'c.txt', bytes: Buffer.from(`contract of ${street}\n`) });
    assert.equal(doc.status, 201, doc.text);
  }
  // the backup: every encrypted row as the database holds it, and a copy of the object store
  const rows = await t.admin<{ site_id: string; company_id: string; street: string }[]>`select site_id, company_id, street from kastell.sites`;
  const objects = await t.admin<{ object_key: string; company_id: string }[]>`
    select v.object_key, d.owner_company_id as company_id from kastell.document_versions v join kastell.documents d using (document_id) where v.object_key is not null`;
  assert.equal(objects.length, 2);
  const answers = await t.admin<{ idempotency_key: string; response_sealed: string }[]>`select idempotency_key, response_sealed from kastell.idempotency_keys`;
  assert.equal(answers.length, 2);
  const backup = mkdtempSync(join(tmpdir(), 'kastell-backup-'));
  cpSync(join(dataDir, 'documents'), backup, { recursive: true });

  const config = parseConfig(env);
  const before = keyringFromConfig(config);
  const xKeys = before.list().filter((k) => k.owner === X).map((k) => before.byKeyId(k.keyId).key);
  assert.equal(xKeys.length, 1);
  // ... and its wrapped form: the KEK survives a shred, so a copy of the wrapped key would open X's data
  const xWrapped = before.list().filter((k) => k.owner === X)
    .map((k) => (JSON.parse(readFileSync(join(config.keys.storeDir, k.file), 'utf8')) as { wrapped: string }).wrapped);

  const status = await runCli(['keys', 'status'], env);
  assert.equal(status.code, 0, status.stderr);
  for (const company of [X, Y]) assert.match(status.stdout, new RegExp(`^k\\w+  ${company}  v1 \\(current\\)  wrapped by kek1  made \\S+  rows 1  objects 1$`, 'm'));

  const wrong = await runCli(['company', 'shred', X, '--confirm', Y], env);
  assert.equal(wrong.code, 1, 'a mistyped confirmation destroys nothing');
  assert.equal(keyringFromConfig(config).list().filter((k) => k.owner === X).length, 1);
  const shred = await runCli(['company', 'shred', X, '--confirm', X], { ...env, KASTELL_CLI_OPERATOR: 'alice' });
  assert.equal(shred.code, 0, shred.stderr + shred.stdout);
  const [shredActor] = await t.admin`select actor_type, actor_label from audit.events where action = 'company.shredded' and company_id = ${X}`;
  assert.deepEqual({ ...shredActor }, { actor_type: 'system', actor_label: 'kastell company shred (run by alice)' }, 'names who ran it (ops/kastell passes the sudo user)');
  assert.match(shred.stdout, /1 data key version\(s\) destroyed/);
  assert.match((await runCli(['keys', 'status'], env)).stdout, /^k\w+  \(key destroyed\)  rows 1  objects 1$/m, 'status names the objects whose key is gone');

  // what Kastell keeps now, reading the backup
  const now = keyringFromConfig(config);
  assert.equal(now.list().filter((k) => k.owner === X).length, 0);
  for (const row of rows) {
    const open = () => now.open(row.street, fieldAad('sites', 'street', row.site_id));
    if (row.company_id === X) assert.throws(open, KeyUnavailableError, 'X\'s field');
    else assert.equal(open(), 'Ypsilonweg 2');
  }
  for (const a of answers) {
    const open = () => now.open(a.response_sealed, `idempotency:${dispatcher.userId}:${a.idempotency_key}`);
    if (a.idempotency_key === `site-of-${X}`) assert.throws(open, KeyUnavailableError, 'X\'s kept answer');
    else assert.match(open(), /Ypsilonweg 2/);
  }
  for (const o of objects) {
    const read = async () => buffer(await decryptObject(now, o.object_key, Readable.from([readFileSync(join(backup, o.object_key))])));
    if (o.company_id === X) await assert.rejects(read, KeyUnavailableError, 'X\'s document');
    else assert.equal((await read()).toString(), 'contract of Ypsilonweg 2\n');
  }
  // the restore drill's sample: Y's object decrypts, X's counts as shredded; an altered object fails it
  const sampled = await runCli(['keys', 'check-objects', backup], env);
  assert.equal(sampled.code, 0, sampled.stderr + sampled.stdout);
  assert.match(sampled.stdout, /^OK: 1 objects decrypted \(1 of shredded companies, 0 stored before encryption; 2 of 2 sampled\)/);
  const yObject = objects.find((o) => o.company_id === Y)!.object_key;
  const altered = readFileSync(join(backup, yObject));
  altered[altered.length - 20] = altered[altered.length - 20]! ^ 1;
  writeFileSync(join(backup, yObject), altered);
  const broken = await runCli(['keys', 'check-objects', backup], env);
  assert.equal(broken.code, 1, broken.stdout);
  assert.match(broken.stderr, /^FAILED: 1 of 2 objects did not decrypt/);

  // ... and its sample of the database's encrypted fields: Y's open, X's count as shredded; an altered one fails it
  const fields = await runCli(['keys', 'check-fields', '--sample', '5'], env);
  assert.equal(fields.code, 0, fields.stderr + fields.stdout);
  assert.match(fields.stdout, /^OK: 1 fields decrypted \(1 of shredded companies; 2 sampled, up to 5 of each of \d+ encrypted columns\)/);
  const [ySite] = await t.admin<{ site_id: string; street: string }[]>`select site_id, street from kastell.sites where company_id = ${Y}`;
  const parts = ySite!.street.split(':');
  parts[3] = Buffer.alloc(16).toString('base64url'); // another authentication tag
  await t.admin`update kastell.sites set street = ${parts.join(':')} where site_id = ${ySite!.site_id}`;
  const tampered = await runCli(['keys', 'check-fields'], env);
  assert.equal(tampered.code, 1, tampered.stdout);
  assert.match(tampered.stderr, new RegExp(`^FAILED: 1 of 2 fields did not decrypt: sites.street of row ${ySite!.site_id}`));
  await t.admin`update kastell.sites set street = ${ySite!.street} where site_id = ${ySite!.site_id}`;

  // no copy of X's key in anything Kastell wrote (its data dir: key store, KEK, documents) nor in the database
  const forms = [...xKeys.flatMap((k) => [k, Buffer.from(k.toString('base64')), Buffer.from(k.toString('base64url')), Buffer.from(k.toString('hex'))]),
    ...xWrapped.map((w) => Buffer.from(w))];
  for (const file of [...filesUnder(dataDir), ...filesUnder(backup)]) {
    const content = readFileSync(file);
    for (const form of forms) assert.ok(!content.includes(form), `${file} holds X's key`);
  }
  const dump = (await t.admin`select string_agg(x::text, '') as all from kastell.sites x`)[0]!.all as string;
  for (const k of xKeys) assert.ok(!dump.includes(k.toString('base64')));

  // the event is in the trail, without personal data, and the chain verifies
  const [event] = await t.admin`select action, company_id, detail from audit.events where action = 'company.shredded'`;
  assert.equal(event!.company_id, X);
  const verify = await runCli(['audit', 'verify'], env);
  assert.equal(verify.code, 0, verify.stderr + verify.stdout);
});
