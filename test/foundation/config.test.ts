import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../app/config.ts';

test('defaults: 127.0.0.1:3000, ./var, local storage', () => {
  const config = parseConfig({});
  assert.deepEqual(config.http, { host: '127.0.0.1', port: 3000 });
  assert.equal(config.publicUrl, 'http://127.0.0.1:3000');
  assert.match(config.dataDir, /\/var$/);
  assert.equal(config.storage.kind, 'local');
});

const invalid: Array<[string, Record<string, string>, RegExp]> = [
  ['port out of range', { KASTELL_HTTP_PORT: '70000' }, /KASTELL_HTTP_PORT must be between 1 and 65535 \(got "70000"\)/],
  ['port not a number', { KASTELL_HTTP_PORT: 'abc' }, /KASTELL_HTTP_PORT must be a number/],
  ['database URL of another scheme', { KASTELL_DATABASE_URL: 'mysql://x' }, /KASTELL_DATABASE_URL must be a postgres:\/\/ URL/],
  ['public URL not absolute', { KASTELL_PUBLIC_URL: 'portal.example.ch' }, /KASTELL_PUBLIC_URL must be an absolute URL/],
  ['bad CIDR', { KASTELL_TRUSTED_PROXIES: '10.0.0.0/33' }, /KASTELL_TRUSTED_PROXIES must be a comma-separated list of CIDRs/],
  ['s3 without credentials', { KASTELL_STORAGE: 's3' }, /KASTELL_S3_ENDPOINT is required when KASTELL_STORAGE=s3/],
  ['unknown storage', { KASTELL_STORAGE: 'ftp' }, /KASTELL_STORAGE must be "local" or "s3"/],
];

for (const [name, env, message] of invalid) {
  test(`an invalid value stops boot with a fix hint: ${name}`, () => {
    assert.throws(() => parseConfig(env), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, message);
      assert.match(error.message, /README "Configuration"/);
      return true;
    });
  });
}

test('a secret is never echoed in the error', () => {
  assert.throws(() => parseConfig({ KASTELL_DATABASE_URL: 'mysql://user:hunter2-secret@db' }), (error: Error) => {
    assert.doesNotMatch(error.message, /hunter2/);
    return true;
  });
});

test('a KEK that does not parse is never echoed either (KASTELL_KEK, KASTELL_KEK_PREVIOUS)', () => {
  for (const env of [{ KASTELL_KEK: 'kek2:c2hvcnQta2VrLXZhbHVl' }, { KASTELL_KEK_PREVIOUS: 'kek1:c2hvcnQta2VrLXZhbHVl' }]) {
    assert.throws(() => parseConfig(env), (error: Error) => {
      assert.match(error.message, /KASTELL_KEK/);
      assert.doesNotMatch(error.message, /c2hvcnQta2VrLXZhbHVl/);
      return true;
    });
  }
});

test('KASTELL_KEK: a bare key takes KASTELL_KEK_ID, `id:key` its own id; base64url is read too', () => {
  const key = Buffer.alloc(32, 0xfb);
  assert.deepEqual(parseConfig({ KASTELL_KEK: key.toString('base64'), KASTELL_KEK_ID: 'kek4' }).keys.kek, { kekId: 'kek4', key });
  assert.deepEqual(parseConfig({ KASTELL_KEK: `kek5:${key.toString('base64')}`, KASTELL_KEK_ID: 'kek4' }).keys.kek, { kekId: 'kek5', key });
  assert.deepEqual(parseConfig({ KASTELL_KEK: key.toString('base64url') }).keys.kek, { kekId: 'kek1', key });
});

test('values may come from systemd credentials (LoadCredential=)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kastell-cred-'));
  writeFileSync(join(dir, 'KASTELL_DATABASE_URL'), 'postgres://kastell:from-credential-file@127.0.0.1/kastell\n');
  const config = parseConfig({ CREDENTIALS_DIRECTORY: dir });
  assert.equal(config.databaseUrl, 'postgres://kastell:from-credential-file@127.0.0.1/kastell');
});
