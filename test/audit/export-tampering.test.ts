// `kastell audit export` writes a day as JSON Lines + signed manifest;
// `kastell audit verify-export` accepts it with nothing but the public key
// and rejects each tampering with the events file — a changed field, a
// deleted line, an inserted line, two swapped lines, a cut tail — and any
// change to the signed manifest.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateKey, readPrivateKey } from 'openpgp';
import { createHash } from 'node:crypto';
import { linkHash } from '../../app/audit/canonical.ts';
import type { ExportLine, ExportManifest } from '../../app/audit/export-format.ts';
import { signText } from '../../app/audit/keys.ts';
import { createTestDatabase } from '../harness/database.ts';
import { startS3Server } from '../harness/s3.ts';
import { createS3Store } from '../../app/storage/s3.ts';
import { text } from 'node:stream/consumers';
import { createSequencer } from '../../app/audit/sequencer.ts';
import { createLogger } from '../../app/log.ts';
import { appendSystemEvents, chainEverything, runCli, testKeyring } from './support.ts';

const t = await createTestDatabase();
await appendSystemEvents(t.db, 30);
const sequencer = createSequencer(t.db, createLogger({ level: 'silent' }), { intervalMs: 2 ** 30, keys: testKeyring });
await chainEverything(sequencer, t.admin);
await sequencer.stop();
const { privateKey } = await generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'test' }], format: 'armored' });
const day = new Date().toISOString().slice(0, 10);
const exportDir = mkdtempSync(join(tmpdir(), 'kastell-export-'));
const env = { KASTELL_DATABASE_URL: t.appUrl, KASTELL_AUDIT_SIGNING_KEY: privateKey };
const exported = await runCli(['audit', 'export', '--day', day, '--out', exportDir], env);
const eventsFile = `kastell-audit-${day}.jsonl`;
const manifestFile = `kastell-audit-${day}.manifest.json`;

function tamperedCopy(edit: (lines: string[]) => string[], file = eventsFile): string {
  const dir = mkdtempSync(join(tmpdir(), 'kastell-export-tampered-'));
  cpSync(exportDir, dir, { recursive: true });
  const text = readFileSync(join(dir, file), 'utf8');
  const lines = text.split('\n').filter(Boolean);
  writeFileSync(join(dir, file), edit(lines).join('\n') + '\n');
  return dir;
}

const verifyExport = (dir: string) => runCli(['audit', 'verify-export', dir, '--key', join(exportDir, 'public-key.asc')]);

test('a fresh export verifies offline with the public key alone', async () => {
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, /30 events \(links 1\.\.30\) exported; self-check passed/);
  assert.deepEqual(readdirSync(exportDir).sort(), [eventsFile, manifestFile, `${manifestFile}.asc`, 'public-key.asc'].sort());
  const result = await verifyExport(exportDir);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /^OK .*30 lines/m);
});

const tamperings: { name: string; edit: (lines: string[]) => string[]; expect: RegExp }[] = [
  {
    name: 'a changed field',
    edit: (lines) => lines.map((line, i) => (i === 9 ? line.replace('"action":"test.event"', '"action":"test.forged"') : line)),
    expect: /line 10 \(link 10\).*altered/,
  },
  { name: 'a deleted line', edit: (lines) => lines.filter((_, i) => i !== 9), expect: /line 10: expected link 10, found 11/ },
  {
    name: 'an inserted line',
    edit: (lines) => [...lines.slice(0, 10), lines[9]!.replace('"entityId":"9"', '"entityId":"99"'), ...lines.slice(10)],
    expect: /line 11: expected link 11, found 10/,
  },
  { name: 'two swapped lines', edit: (lines) => [...lines.slice(0, 9), lines[10]!, lines[9]!, ...lines.slice(11)], expect: /line 10: expected link 10, found 11/ },
  { name: 'a cut tail', edit: (lines) => lines.slice(0, 25), expect: /25 lines, the signed manifest says 30/ },
];

for (const { name, edit, expect } of tamperings) {
  test(`verify-export rejects ${name}`, async () => {
    const result = await verifyExport(tamperedCopy(edit));
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /^BAD /m);
    assert.match(result.stdout, expect);
  });
}

test('verify-export rejects a manifest changed after signing (e.g. to match a cut tail)', async () => {
  const dir = tamperedCopy((lines) => lines.map((line) => line.replace('"count": 30', '"count": 25')), manifestFile);
  const result = await verifyExport(dir);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /signature does not verify/);
});

test('verify-export rejects an export checked against another public key', async () => {
  const other = await generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'someone else' }], format: 'armored' });
  const keyFile = join(mkdtempSync(join(tmpdir(), 'kastell-key-')), 'other.asc');
  writeFileSync(keyFile, other.publicKey);
  const result = await runCli(['audit', 'verify-export', exportDir, '--key', keyFile]);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /signature does not verify/);
});

// asvs: V16.4.3
test('with an archive bucket configured, the verified export is shipped off the box and verifies from the downloaded copy', async () => {
  const s3 = await startS3Server('audit-archive');
  const archiveEnv = {
    ...env, KASTELL_AUDIT_ARCHIVE_S3_ENDPOINT: s3.endpoint, KASTELL_AUDIT_ARCHIVE_S3_BUCKET: s3.bucket,
    KASTELL_AUDIT_ARCHIVE_S3_ACCESS_KEY: s3.accessKey, KASTELL_AUDIT_ARCHIVE_S3_SECRET_KEY: s3.secretKey,
  };
  const result = await runCli(['audit', 'export', '--day', day, '--out', mkdtempSync(join(tmpdir(), 'kastell-export-'))], archiveEnv);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /shipped to the archive bucket: .*kastell-audit\/kastell-audit-\d{4}-\d{2}-\d{2}\.jsonl/);

  const bucket = createS3Store({ kind: 's3', ...s3, region: 'us-east-1' });
  const downloaded = mkdtempSync(join(tmpdir(), 'kastell-export-downloaded-'));
  const shipped = /shipped to the archive bucket: (.*)/.exec(result.stdout)![1]!.split(', ');
  for (const name of [eventsFile, manifestFile, `${manifestFile}.asc`, 'public-key.asc']) assert.ok(shipped.includes(`kastell-audit/${name}`), name);
  for (const key of shipped) writeFileSync(join(downloaded, key.slice('kastell-audit/'.length)), await text(await bucket.get(key)));
  const check = await verifyExport(downloaded);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /^OK .*30 lines/m);
});

test('an archive bucket without its credentials stops the command with a message naming them', async () => {
  const result = await runCli(['audit', 'export', '--day', day], { ...env, KASTELL_AUDIT_ARCHIVE_S3_ENDPOINT: 'http://127.0.0.1:9' });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /KASTELL_AUDIT_ARCHIVE_S3_BUCKET.*required/);
  assert.match(result.stderr, /KASTELL_AUDIT_ARCHIVE_S3_SECRET_KEY.*required/);
});

test('verify-export rejects, offline, an event its writer did not sign, even under a valid manifest signature', async () => {
  // what an exporter holding the OpenPGP key but not the audit event key could make: line 30's event
  // changed, its hash recomputed, the manifest fixed up and signed again
  const dir = tamperedCopy((lines) => lines.map((line, i) => {
    if (i !== 29) return line;
    const parsed = JSON.parse(line) as ExportLine;
    parsed.event.entityId = 'forged';
    parsed.hash = linkHash(Buffer.from(parsed.prevHash, 'hex'), parsed.event).toString('hex');
    return JSON.stringify(parsed);
  }));
  const body = readFileSync(join(dir, eventsFile), 'utf8');
  const manifest = JSON.parse(readFileSync(join(dir, manifestFile), 'utf8')) as ExportManifest;
  manifest.lastHash = (JSON.parse(body.trim().split('\n').at(-1)!) as ExportLine).hash;
  manifest.eventsSha256 = createHash('sha256').update(body).digest('hex');
  const manifestText = JSON.stringify(manifest, null, 2) + '\n';
  writeFileSync(join(dir, manifestFile), manifestText);
  writeFileSync(join(dir, `${manifestFile}.asc`), await signText(await readPrivateKey({ armoredKey: privateKey }), manifestText));
  const result = await verifyExport(dir);
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /line 30 \(link 30\): the event signature does not verify: not written by Kastell \(forged\)/);
});

test('an export of a chain holding a forged event fails its self-check and never verifies offline', async () => {
  const f = await createTestDatabase();
  await appendSystemEvents(f.db, 3);
  await f.admin`insert into audit.events (actor_type, action, outcome) values ('system', 'forged.event', 'success')`;
  const s = createSequencer(f.db, createLogger({ level: 'silent' }), { intervalMs: 2 ** 30, keys: testKeyring });
  await chainEverything(s, f.admin);
  await s.stop();
  const out = mkdtempSync(join(tmpdir(), 'kastell-export-forged-'));
  const result = await runCli(['audit', 'export', '--day', day, '--out', out], { KASTELL_DATABASE_URL: f.appUrl, KASTELL_AUDIT_SIGNING_KEY: privateKey });
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /self-check FAILED: the exporter found the chain unsealed: link 4 carries no valid seal/);
  const offline = await verifyExport(out);
  assert.equal(offline.code, 1);
  assert.match(offline.stdout, /link 4 carries no valid seal/);
});
