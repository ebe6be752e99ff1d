// ops/kastell-rotate-kek outside an appliance: systemctl is a stand-in that
// records its calls, and `kastell` is the real CLI reading the credentials
// directory as systemd would hand it over (CREDENTIALS_DIRECTORY), against
// a real database and key store. The role's bare KEK becomes `kek2:…`, every
// data key is rewrapped under it, the previous KEK is destroyed; cut off at
// the rewrap (or between its two files) a second run finishes, and makes
// no second new KEK.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../app/config.ts';
import { keyringFromConfig } from '../../app/crypto/keyring.ts';
import { testEventKeyPem } from '../audit/support.ts';
import { createTestDatabase, testDataDir } from '../harness/database.ts';

const root = join(import.meta.dirname, '..', '..');
const script = join(root, 'ops', 'kastell-rotate-kek');
const X = '01a00000-0000-7000-8000-00000000000a';
const t = await createTestDatabase();

function appliance() {
  const dir = mkdtempSync(join(tmpdir(), 'kastell-rotate-kek-'));
  const credentials = join(dir, 'etc', 'credentials');
  mkdirSync(credentials, { recursive: true });
  const oldKek = randomBytes(32).toString('base64');
  writeFileSync(join(credentials, 'KASTELL_KEK'), `${oldKek}\n`); // as the role generates it: a bare key, id kek1
  writeFileSync(join(credentials, 'KASTELL_DATABASE_URL'), `${t.appUrl}\n`);
  writeFileSync(join(credentials, 'KASTELL_AUDIT_EVENT_KEY'), testEventKeyPem);
  const dataDir = testDataDir(`${t.name}-${dir.slice(-6)}`);
  const calls = join(dir, 'systemctl-calls');
  const systemctl = join(dir, 'systemctl');
  writeFileSync(systemctl, `#!/bin/bash\necho "$*" >> ${calls}\n`);
  // the CLI as ops/kastell runs it: every credential loaded; KASTELL_FAIL_ONCE cuts the first rewrap off
  const envFile = join(dir, 'etc', 'kastell.env'); // as EnvironmentFile= gives it
  const cli = join(dir, 'kastell');
  writeFileSync(cli, `#!/bin/bash
if [[ "$1 $2" == "keys rotate" && -n "\${KASTELL_FAIL_ONCE:-}" && ! -f "\${KASTELL_FAIL_ONCE}" ]]; then touch "\${KASTELL_FAIL_ONCE}"; echo killed >&2; exit 137; fi
set -a; if [[ -f ${envFile} ]]; then . ${envFile}; fi; set +a
cd ${root} && CREDENTIALS_DIRECTORY=${credentials} KASTELL_DATA_DIR=${dataDir} KASTELL_KEK_FILE=off KASTELL_CLI_OPERATOR=alice exec ${process.execPath} --import tsx app/cli/main.ts "$@"
`);
  chmodSync(systemctl, 0o755);
  chmodSync(cli, 0o755);
  const env = { ...process.env, KASTELL_ETC: join(dir, 'etc'), KASTELL_UNIT_DIR: join(dir, 'units'), SYSTEMCTL: systemctl, KASTELL_CLI: cli };
  const run = (extra: Record<string, string> = {}) => spawnSync('bash', [script], { encoding: 'utf8', env: { ...env, ...extra } });
  // the portal's keyring with whatever credentials are there now
  const ring = (env: Record<string, string> = {}) => keyringFromConfig(parseConfig({ CREDENTIALS_DIRECTORY: credentials, KASTELL_DATA_DIR: dataDir, KASTELL_KEK_FILE: 'off', KASTELL_DATABASE_URL: t.appUrl, ...env }));
  const read = (name: string) => readFileSync(join(credentials, name), 'utf8').trim();
  return { dir, credentials, oldKek, calls, run, ring, read, envFile, dropin: join(dir, 'units', 'kastell.service.d', 'kek-previous.conf') };
}

/** Not as root the script refuses and changes nothing (the CI runs as root, so the rest runs there). */
function refusedNotRoot(a: ReturnType<typeof appliance>): boolean {
  if (process.getuid?.() === 0) return false;
  const r = a.run();
  assert.equal(r.status, 1);
  assert.match(r.stderr, /run as root/);
  assert.equal(a.read('KASTELL_KEK'), a.oldKek);
  return true;
}

test('the KEK is rotated: a new kek2, every data key rewrapped under it, the previous one destroyed', () => {
  const a = appliance();
  if (refusedNotRoot(a)) return;
  const sealed = a.ring().seal(X, 'Lindenweg 5', 'kastell:sites.street:1');
  a.ring().rotate(X);
  assert.deepEqual([...new Set(a.ring().list().map((k) => k.kekId))], ['kek1']);

  const r = a.run();
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(a.read('KASTELL_KEK'), /^kek2:[A-Za-z0-9+/]{43}=$/);
  assert.ok(!existsSync(join(a.credentials, 'KASTELL_KEK_PREVIOUS')), 'the previous KEK is destroyed');
  assert.ok(!existsSync(a.dropin), 'the portal no longer loads it');
  assert.deepEqual(readFileSync(a.calls, 'utf8').trim().split('\n'), ['daemon-reload', 'restart kastell.service', 'daemon-reload', 'restart kastell.service']);
  assert.match(r.stdout, /KEK kek1 → kek2: 2 data key\(s\) rewrapped/);
  assert.deepEqual(a.ring().list().map((k) => k.kekId), ['kek2', 'kek2']);
  assert.equal(a.ring().open(sealed, 'kastell:sites.street:1'), 'Lindenweg 5', 'opens under the new KEK alone');
  // the old KEK alone opens nothing any more
  const withOld = keyringFromConfig(parseConfig({ KASTELL_KEK: a.oldKek, KASTELL_DATA_DIR: testDataDir(`${t.name}-${a.dir.slice(-6)}`), KASTELL_DATABASE_URL: t.appUrl }));
  assert.throws(() => withOld.open(sealed, 'kastell:sites.street:1'), /not loaded/);
});

test('cut off at the rewrap, a second run resumes with the same new KEK and finishes', () => {
  const a = appliance();
  if (refusedNotRoot(a)) return;
  const sealed = a.ring().seal(X, 'Lindenweg 5', 'aad');
  const failOnce = join(a.dir, 'failed-once');
  const first = a.run({ KASTELL_FAIL_ONCE: failOnce });
  assert.equal(first.status, 137, first.stderr);
  const newKek = a.read('KASTELL_KEK');
  assert.match(newKek, /^kek2:/);
  assert.equal(a.read('KASTELL_KEK_PREVIOUS'), `kek1:${a.oldKek}`);
  assert.match(readFileSync(a.dropin, 'utf8'), /^LoadCredential=KASTELL_KEK_PREVIOUS:.*KASTELL_KEK_PREVIOUS$/m, 'the portal runs with both meanwhile');
  assert.equal(a.ring().open(sealed, 'aad'), 'Lindenweg 5', 'and opens the keys not yet rewrapped');

  const second = a.run({ KASTELL_FAIL_ONCE: failOnce });
  assert.equal(second.status, 0, second.stderr + second.stdout);
  assert.equal(a.read('KASTELL_KEK'), newKek, 'no second new KEK');
  assert.ok(!existsSync(join(a.credentials, 'KASTELL_KEK_PREVIOUS')));
  assert.deepEqual(a.ring().list().map((k) => k.kekId), ['kek2']);
  assert.equal(a.ring().open(sealed, 'aad'), 'Lindenweg 5');
});

test('a bare KEK rotated by hand before (KASTELL_KEK_ID=kek2 in kastell.env): saved as kek2, the new one kek3, never a KEK destroyed that still wraps keys', () => {
  const a = appliance();
  if (refusedNotRoot(a)) return;
  writeFileSync(a.envFile, 'KASTELL_KEK_ID=kek2\n');
  const sealed = a.ring({ KASTELL_KEK_ID: 'kek2' }).seal(X, 'x', 'aad');
  const r = a.run();
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /KEK kek2 → kek3: 1 data key\(s\) rewrapped/);
  assert.match(a.read('KASTELL_KEK'), /^kek3:/);
  assert.equal(a.ring().open(sealed, 'aad'), 'x');
});

test('cut off while destroying the previous KEK, a run finishes that and starts no new rotation', () => {
  const a = appliance();
  if (refusedNotRoot(a)) return;
  writeFileSync(join(a.credentials, '.KASTELL_KEK_PREVIOUS.destroying'), `kek1:${randomBytes(32).toString('base64')}\n`);
  const r = a.run();
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /rotation is complete/);
  assert.ok(!existsSync(join(a.credentials, '.KASTELL_KEK_PREVIOUS.destroying')));
  assert.equal(a.read('KASTELL_KEK'), a.oldKek, 'the KEK untouched');
  assert.ok(!existsSync(a.calls), 'no restart');
});

test('cut off between its two files (the previous KEK saved, the KEK not yet replaced), a run makes the new KEK then', () => {
  const a = appliance();
  if (refusedNotRoot(a)) return;
  a.ring().seal(X, 'x', 'aad');
  writeFileSync(join(a.credentials, 'KASTELL_KEK_PREVIOUS'), `kek1:${a.oldKek}\n`);
  const r = a.run();
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(a.read('KASTELL_KEK'), /^kek2:/);
  assert.notEqual(a.read('KASTELL_KEK').slice(5), a.oldKek);
  assert.deepEqual(a.ring().list().map((k) => k.kekId), ['kek2'], 'not "rotated" onto the same key');
});

