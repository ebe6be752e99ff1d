// Held versions retried: with clamd stopped an upload stays pending, its
// file under quarantine/held/<version id>; `kastell documents retry-held`
// (the real CLI, in a child process) with clamd still down leaves it so and
// exits 1; with clamd back it runs the pipeline again and decides each
// version — clean (and then downloadable), or rejected for EICAR with the
// malware alert mailed — as the system, and removes the held files; a held
// file of a company crypto-shredded meanwhile is removed unscanned.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../app/config.ts';
import { keyringFromConfig } from '../../app/crypto/keyring.ts';
import { eicar, startClamd } from '../harness/clamd.ts';
import { createTestDatabase, testDataDir } from '../harness/database.ts';
import { seedCompany, seedSession, seedUser, testSecretKey, testSecretKeyId } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';
import { runCli } from '../audit/support.ts';
import { startSmtp } from '../identity/helpers.ts';
import { download, makePdf, upload } from './support.ts';

const clamd = await startClamd();
const smtp = await startSmtp();
const t = await createTestDatabase();
const dataDir = testDataDir(t.name);
const env = { KASTELL_CLAMD_SOCKET: clamd.socket, KASTELL_CLAMD_TIMEOUT_MS: '5000', KASTELL_SMTP_URL: smtp.url };
const server = await startTestServer(t, env);
const company = await seedCompany(t.admin, 'Alpha AG');
const officer = await seedUser(t.admin, 'security_officer', null, 'officer@example.test');
const member = await seedUser(t.admin, 'customer_member', company, 'member@example.test');
const colleague = await seedUser(t.admin, 'customer_member', company);
const client = server.client().withSession(await seedSession(t.admin, member.userId, '30 minutes'));
const shredded = await seedCompany(t.admin, 'Beta AG');
const betaMember = await seedUser(t.admin, 'customer_member', shredded);
const betaClient = server.client().withSession(await seedSession(t.admin, betaMember.userId, '30 minutes'));
const other = server.client().withSession(await seedSession(t.admin, colleague.userId, '30 minutes'));
const held = (versionId: string) => join(dataDir, 'quarantine', 'held', versionId);
const retry = () => runCli(['documents', 'retry-held'], {
  ...env, KASTELL_DATABASE_URL: t.appUrl, KASTELL_DATA_DIR: dataDir, KASTELL_SECRET_KEY: testSecretKey.toString('base64'), KASTELL_SECRET_KEY_ID: testSecretKeyId,
});
const statusOf = async (versionId: string) => (await t.admin`select status, reason, object_key from kastell.document_versions where version_id = ${versionId}`)[0]!;

const uploads: Record<string, { documentId: string; versionId: string }> = {};

test('clamd stopped: the uploads stay pending, their files held', async () => {
  await clamd.stop();
  for (const [name, bytes] of [['notes.txt', Buffer.from('harmless text')], ['contract.pdf', makePdf()], ['eicar.txt', Buffer.from(eicar)], ['deleted.txt', Buffer.from('gone soon')]] as const) {
    const response = await upload(client, `/api/v1/companies/${company}/documents`, { title: name, kind: 'other' }, { name, bytes });
    assert.equal(response.status, 201, response.text);
    const document = response.json();
    assert.equal(document.versions[0].status, 'pending', name);
    uploads[name] = { documentId: document.documentId, versionId: document.versions[0].versionId };
    assert.ok(existsSync(held(document.versions[0].versionId)), `${name} is held`);
  }
  const beta = await upload(betaClient, `/api/v1/companies/${shredded}/documents`, { title: 'beta', kind: 'other' }, { name: 'beta.txt', bytes: Buffer.from('beta secrets') });
  assert.equal(beta.status, 201, beta.text);
  uploads['beta.txt'] = { documentId: beta.json().documentId, versionId: beta.json().versions[0].versionId };
});

test('a retry while clamd is still down leaves them pending and held, exit 1', async () => {
  const result = await retry();
  assert.equal(result.code, 1, result.stderr);
  for (const { versionId } of Object.values(uploads)) {
    assert.match(result.stdout, new RegExp(`${versionId} pending`));
    assert.equal((await statusOf(versionId)).status, 'pending');
    assert.ok(existsSync(held(versionId)));
  }
});

test('clamd back: the retry decides each held version — clean, or rejected for EICAR with the alert — and removes the held files', async () => {
  await clamd.start();
  // a held version whose document was deleted meanwhile (by someone who may delete) waits for nothing
  await t.admin`delete from kastell.documents where document_id = ${uploads['deleted.txt']!.documentId}`;
  // Beta AG crypto-shredded while its upload was held, its people offboarded (the uploader no longer sees the version)
  await t.admin`delete from kastell.memberships where user_id = ${betaMember.userId}`;
  assert.equal(keyringFromConfig(parseConfig({ KASTELL_DATABASE_URL: t.appUrl, KASTELL_DATA_DIR: dataDir })).shred(shredded).length, 1);
  const result = await retry();
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  const lines = result.stdout.trim().split('\n').sort();
  assert.deepEqual(lines, [
    `${uploads['notes.txt']!.versionId} clean`,
    `${uploads['contract.pdf']!.versionId} clean`,
    `${uploads['eicar.txt']!.versionId} rejected`,
    `${uploads['deleted.txt']!.versionId} gone (decided or deleted meanwhile; its file removed)`,
    `${uploads['beta.txt']!.versionId} shredded (its company was crypto-shredded; its file removed unscanned)`,
  ].sort());
  for (const { versionId } of Object.values(uploads)) assert.ok(!existsSync(held(versionId)), 'no held file left');

  const notes = await statusOf(uploads['notes.txt']!.versionId);
  assert.equal(notes.status, 'clean');
  assert.ok(notes.object_key);
  const got = await download(other, `/documents/${uploads['notes.txt']!.documentId}/download`);
  assert.equal(got.status, 200, 'a colleague downloads it now');
  assert.equal(got.bytes.toString(), 'harmless text');
  assert.equal((await download(other, `/documents/${uploads['contract.pdf']!.documentId}/download`)).status, 200);

  const infected = await statusOf(uploads['eicar.txt']!.versionId);
  assert.equal(infected.status, 'rejected');
  assert.match(infected.reason, /malware found \(Eicar-Test-Signature/);
  assert.equal(infected.object_key, null);
  assert.equal((await download(client, `/documents/${uploads['eicar.txt']!.documentId}/download`)).status, 404);
  const mail = await smtp.waitFor((m) => m.raw.includes('Malware found') && m.raw.includes(uploads['eicar.txt']!.versionId), 20_000);
  assert.deepEqual(mail.to, [officer.email]);
  assert.match(mail.raw, /member@example\.test/, 'names the uploader');

  const events = await t.admin`select action, actor_type, actor_label, outcome from audit.events
    where entity_id in ${t.admin([uploads['notes.txt']!.versionId, uploads['eicar.txt']!.versionId])} and action in ('document.version_clean', 'document.malware_detected')
    order by action`;
  assert.deepEqual(events.map((e) => `${e.action} ${e.actor_type} ${e.actor_label} ${e.outcome}`),
    ['document.malware_detected system held version retry denied', 'document.version_clean system held version retry success']);
});

test('a second retry finds nothing to do', async () => {
  const result = await retry();
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), 'no version is held');
});
