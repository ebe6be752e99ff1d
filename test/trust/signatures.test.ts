// What an outsider checks with nothing but the published key: /trust.json
// against its detached signature (a changed byte fails), and
// /.well-known/security.txt against RFC 9116 — its fields, an Expires in the
// future but within a year, and a valid cleartext signature.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as openpgp from 'openpgp';
import { verifyBytesSignature, verifyCleartext } from '../../app/audit/keys.ts';
import { ConfigError, parseConfig } from '../../app/config.ts';
import { createTestDatabase } from '../harness/database.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const server = await startTestServer(t, {
  KASTELL_SECURITY_CONTACT: 'mailto:security@example.test, https://example.test/report',
  KASTELL_EVIDENCE_DIR: '/nonexistent/kastell-evidence',
  KASTELL_CLAMD_SOCKET: '/nonexistent/clamd.sock',
});
const client = server.client();

test('trust.json verifies with the published key; a changed byte fails', async () => {
  const key = await client.get('/trust/key.asc');
  assert.equal(key.status, 200);
  assert.match(key.headers.get('content-type') ?? '', /application\/pgp-keys/);
  // the same key the audit checkpoints are published with
  assert.equal(key.text, server.audit.keys.publicKeyArmored);

  const response = await fetch(`${server.url}/trust.json`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const sha256 = JSON.parse(response.headers.get('etag')!);
  assert.match(response.headers.get('link') ?? '', new RegExp(`/trust.json.asc\\?sha256=${sha256}`));
  const signature = await client.get(`/trust.json.asc?sha256=${sha256}`);
  assert.equal(signature.status, 200);
  assert.match(signature.text, /-----BEGIN PGP SIGNATURE-----/);
  assert.equal(await verifyBytesSignature(key.text, bytes, signature.text), true, 'the JSON verifies');

  // an outside verifier: openpgp alone, with the key fetched from the server
  const verified = await openpgp.verify({
    message: await openpgp.createMessage({ binary: bytes }),
    signature: await openpgp.readSignature({ armoredSignature: signature.text }),
    verificationKeys: await openpgp.readKey({ armoredKey: key.text }),
  });
  await verified.signatures[0]!.verified;

  for (const at of [0, Math.floor(bytes.length / 2), bytes.length - 2]) {
    const changed = bytes.slice();
    changed[at] = changed[at]! ^ 0x01;
    assert.equal(await verifyBytesSignature(key.text, changed, signature.text), false, `byte ${at} changed: the signature fails`);
  }
  const crlf = new TextEncoder().encode(new TextDecoder().decode(bytes).replace(/\n/g, '\r\n'));
  assert.equal(await verifyBytesSignature(key.text, crlf, signature.text), false, 'line endings are bytes too (a binary signature)');

  const report = JSON.parse(new TextDecoder().decode(bytes));
  assert.equal(report.format, 'kastell-trust v1');
  assert.ok(Date.now() - Date.parse(report.generatedAt) < 120_000);
  assert.equal(report.figures.restoreDrill.status, 'absent');
  assert.equal(report.figures.backup.reason, 'no successful backup recorded');
  assert.equal(report.figures.scanner.status, 'failing');

  assert.equal((await client.get(`/trust.json.asc?sha256=${'0'.repeat(64)}`)).status, 404, 'an unknown snapshot has no signature');
});

test('security.txt: RFC 9116 fields, Expires in the future but within a year, a valid cleartext signature', async () => {
  const response = await client.get('/.well-known/security.txt');
  assert.equal(response.status, 200, response.text);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; charset=utf-8/);
  assert.match(response.text, /^-----BEGIN PGP SIGNED MESSAGE-----\n/);
  const body = await verifyCleartext(server.audit.keys.publicKeyArmored, response.text);
  assert.ok(body, 'the cleartext signature verifies with the published key');

  const fields = new Map<string, string[]>();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z-]+): (.+)$/.exec(line);
    assert.ok(match, `a field line: ${line}`);
    fields.set(match[1]!, [...(fields.get(match[1]!) ?? []), match[2]!]);
  }
  assert.deepEqual(fields.get('Contact'), ['mailto:security@example.test', 'https://example.test/report']);
  assert.deepEqual(fields.get('Preferred-Languages'), ['en, de, fr, it']);
  assert.deepEqual(fields.get('Canonical'), [`${server.url}/.well-known/security.txt`]);
  assert.deepEqual(fields.get('Policy'), [`${server.url}/responsible-disclosure`]);
  const expires = fields.get('Expires');
  assert.equal(expires?.length, 1, 'Expires exactly once (RFC 9116 §2.5.5)');
  assert.match(expires[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'an RFC 3339 date-time');
  const left = Date.parse(expires[0]!) - Date.now();
  assert.ok(left > 0 && left < 365 * 86_400_000, `Expires in the future but within a year (${left / 86_400_000} days)`);
  for (const field of fields.keys()) {
    assert.ok(['Contact', 'Expires', 'Preferred-Languages', 'Policy', 'Canonical', 'Encryption', 'Acknowledgments', 'Hiring', 'CSAF'].includes(field), `a field RFC 9116 knows: ${field}`);
  }

  const tampered = response.text.replace('mailto:security@example.test', 'mailto:attacker@example.test');
  assert.equal(await verifyCleartext(server.audit.keys.publicKeyArmored, tampered), undefined, 'a changed contact fails the signature');

  const legacy = await client.get('/security.txt');
  assert.equal(legacy.status, 301);
  assert.equal(legacy.headers.get('location'), '/.well-known/security.txt');

  const policy = await client.get('/responsible-disclosure');
  assert.equal(policy.status, 200);
  assert.match(policy.text, /href="mailto:security@example.test"/);
});

test('the security contact: configured, derived from a public DNS name, or — on a public IP address without one — a clear config error', () => {
  const base = { KASTELL_DATA_DIR: '/tmp/kastell-config-test' };
  assert.deepEqual(parseConfig({ ...base, KASTELL_PUBLIC_URL: 'https://portal.example.ch' }).trust.securityContacts, ['mailto:security@portal.example.ch']);
  assert.deepEqual(parseConfig({ ...base, KASTELL_PUBLIC_URL: 'https://portal.example.ch', KASTELL_SECURITY_CONTACT: 'https://example.ch/report' }).trust.securityContacts,
    ['https://example.ch/report']);
  assert.deepEqual(parseConfig(base).trust.securityContacts, [], 'the embedded default on 127.0.0.1: nobody outside reads it');
  assert.throws(() => parseConfig({ ...base, KASTELL_PUBLIC_URL: 'https://203.0.113.7' }),
    (error: unknown) => error instanceof ConfigError && /KASTELL_SECURITY_CONTACT is required/.test(error.message));
  assert.throws(() => parseConfig({ ...base, KASTELL_SECURITY_CONTACT: 'security@example.ch' }),
    (error: unknown) => error instanceof ConfigError && /KASTELL_SECURITY_CONTACT must be one or more contact URIs/.test(error.message));
  assert.throws(() => parseConfig({ ...base, KASTELL_SECURITY_CONTACT: 'http://example.ch/report' }), ConfigError, 'RFC 9116 §2.5.3: web contacts are https');
});

test('without a contact (the embedded default) security.txt is not served, and the disclosure page says so', async () => {
  const plain = await startTestServer(await createTestDatabase());
  const response = await plain.client().get('/.well-known/security.txt');
  assert.equal(response.status, 404);
  assert.match(response.text, /KASTELL_SECURITY_CONTACT/);
  assert.match((await plain.client().get('/responsible-disclosure')).text, /No security contact is configured/);
});
