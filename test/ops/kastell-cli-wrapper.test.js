// ops/kastell, the CLI as the appliance runs it: systemd-run is a stand-in
// (SYSTEMD_RUN) that records its arguments. Every credential the portal has
// is handed over by LoadCredential= (the KEK among them), never the
// migration role's database URL; the portal's environment file and release;
// the arguments pass through as they were. Not as root it refuses.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const wrapper = join(root, 'ops', 'kastell');

test('the CLI runs as the service user with every credential of the portal, the KEK included', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kastell-cli-wrapper-'));
  mkdirSync(join(dir, 'etc', 'credentials'), { recursive: true });
  for (const name of ['KASTELL_DATABASE_URL', 'KASTELL_KEK', 'KASTELL_AUDIT_EVENT_KEY', 'KASTELL_ADMIN_DATABASE_URL']) writeFileSync(join(dir, 'etc', 'credentials', name), 'secret\n');
  const recorded = join(dir, 'args');
  const stand = join(dir, 'systemd-run');
  writeFileSync(stand, `#!/bin/bash\nprintf '%s\\n' "$@" > ${recorded}\n`);
  chmodSync(stand, 0o755);
  const r = spawnSync('bash', [wrapper, 'company', 'shred', 'X', '--confirm', 'a b'], { encoding: 'utf8', env: { ...process.env, KASTELL_ETC: join(dir, 'etc'), SYSTEMD_RUN: stand, SUDO_USER: 'alice' } });
  if (process.getuid() !== 0) {
    assert.equal(r.status, 1);
    assert.match(r.stderr, /run as root/);
    return;
  }
  assert.equal(r.status, 0, r.stderr);
  const args = readFileSync(recorded, 'utf8').trimEnd().split('\n');
  for (const expected of ['--pipe', '--wait', 'User=kastell', 'WorkingDirectory=/opt/kastell/current', `EnvironmentFile=${join(dir, 'etc')}/kastell.env`,
    `LoadCredential=KASTELL_KEK:${join(dir, 'etc', 'credentials', 'KASTELL_KEK')}`,
    `LoadCredential=KASTELL_DATABASE_URL:${join(dir, 'etc', 'credentials', 'KASTELL_DATABASE_URL')}`,
    `LoadCredential=KASTELL_AUDIT_EVENT_KEY:${join(dir, 'etc', 'credentials', 'KASTELL_AUDIT_EVENT_KEY')}`,
    '--setenv=KASTELL_CLI_OPERATOR=alice']) {
    assert.ok(args.includes(expected), `${expected} in ${args.join(' ')}`);
  }
  assert.ok(!args.some((a) => a.includes('KASTELL_ADMIN_DATABASE_URL')), 'the migration role stays out');
  assert.ok(!args.some((a) => a.includes('secret')), 'no credential value on the command line');
  assert.deepEqual(args.slice(-9), ['/usr/bin/node', '--import', 'tsx', 'app/cli/main.ts', 'company', 'shred', 'X', '--confirm', 'a b']);
});

test('the appliance puts it on the PATH and tells the CLI never to make a KEK file', () => {
  const base = readFileSync(join(root, 'ansible', 'roles', 'base', 'tasks', 'main.yml'), 'utf8');
  assert.match(base, /Put the operator commands on the PATH[\s\S]*?loop:\n {4}- kastell\n/);
  assert.match(readFileSync(join(root, 'ansible', 'roles', 'kastell', 'templates', 'etc', 'kastell', 'kastell.env.j2'), 'utf8'), /^KASTELL_KEK_FILE=off$/m);
});
