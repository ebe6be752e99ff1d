// The clamav role: clamd's limits at least Kastell's upload limit with
// AlertExceedsMax (the values Ansible computes from the role's defaults, and
// the lines its tasks write, read back by clamconf), and the PING check the
// role runs, against a real clamd and against none.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../app/config.ts';
import { startClamd } from '../harness/clamd.ts';

const role = new URL('../../ansible/roles/clamav/', import.meta.url).pathname;
const ping = join(role, 'files', 'clamd-ping.py');

test("clamd's limits are at least the upload limit, and what exceeds them is alerted", () => {
  const uploadMiB = Math.max(...Object.values(parseConfig({ KASTELL_SECRET_KEY: Buffer.alloc(32, 1).toString('base64') }).documents.maxBytes)) / 2 ** 20;
  // the value Ansible computes from the role's defaults
  const r = spawnSync('ansible', ['localhost', '-c', 'local', '-m', 'ansible.builtin.debug', '-a', 'var=clamav__limit_mib', '-e', `@${join(role, 'defaults', 'main.yml')}`],
    { encoding: 'utf8', env: { ...process.env, ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false', NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const limit = Number(/"clamav__limit_mib": "?(\d+)"?/.exec(r.stdout)?.[1]);
  assert.ok(limit >= uploadMiB, `clamd's limit ${limit} MiB is below the upload limit ${uploadMiB} MiB`);
  assert.ok(limit < 4096, 'clamd refuses 4 GiB and more');
  // the lines the role's lineinfile task writes, read back by clamd's own parser
  const tasks = readFileSync(join(role, 'tasks', 'main.yml'), 'utf8');
  const maxScanTime = Number(/^clamav__max_scan_time_ms: (\d+)$/m.exec(readFileSync(join(role, 'defaults', 'main.yml'), 'utf8'))?.[1]);
  const lines = [...tasks.matchAll(/\{ key: (\w+), value: "([^"]+)" \}/g)].map(([, key, value]) => `${key} ${value!.replace('{{ clamav__limit_mib }}', String(limit))
    .replace('{{ clamav__socket }}', '/run/clamav/clamd.ctl').replace('{{ clamav__max_scan_time_ms }}', String(maxScanTime))}`);
  const dir = mkdtempSync(join(tmpdir(), 'kastell-clamconf-'));
  writeFileSync(join(dir, 'clamd.conf'), `${lines.join('\n')}\n`);
  const conf = spawnSync('clamconf', ['-c', dir, '-n'], { encoding: 'utf8' });
  assert.equal(conf.status, 0, conf.stderr);
  // PCRE signatures are skipped in silence above PCREMaxFileSize (Debian: 25 MiB), so it follows the others
  for (const key of ['StreamMaxLength', 'MaxFileSize', 'MaxScanSize', 'PCREMaxFileSize']) {
    const bytes = Number(new RegExp(`^${key} = "(\\d+)"`, 'm').exec(conf.stdout)?.[1]);
    assert.ok(bytes >= uploadMiB * 2 ** 20, `${key} ${bytes} is below the upload limit`);
  }
  assert.match(conf.stdout, /^AlertExceedsMax = "yes"/m);
  // clamd must not end a scan before Kastell stops waiting for it (Debian: 120 s)
  const clamdTimeoutMs = parseConfig({ KASTELL_SECRET_KEY: Buffer.alloc(32, 1).toString('base64') }).documents.clamdTimeoutMs;
  assert.equal(Number(/^MaxScanTime = "(\d+)"/m.exec(conf.stdout)?.[1]), clamdTimeoutMs, 'MaxScanTime is Kastell\'s wait for a verdict');
  assert.match(tasks, /kastell-clamd-ping/);
  assert.match(tasks, /until: clamav__ping\.rc == 0/);
});

test("clamd's limits follow the kastell role's upload limit, which the portal is given", () => {
  const kastellRole = new URL('../../ansible/roles/kastell/', import.meta.url).pathname;
  const computed = (extra: string[]) => {
    const r = spawnSync('ansible', ['localhost', '-c', 'local', '-m', 'ansible.builtin.debug', '-a', 'var=clamav__limit_mib',
      '-e', `@${join(kastellRole, 'defaults', 'main.yml')}`, '-e', `@${join(role, 'defaults', 'main.yml')}`, ...extra],
    { encoding: 'utf8', env: { ...process.env, ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false', NO_COLOR: '1' } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    return Number(/"clamav__limit_mib": "?(\d+)"?/.exec(r.stdout)?.[1]);
  };
  assert.equal(computed([]), 1024 + 64);
  assert.equal(computed(['-e', 'kastell__upload_max_mib=3000']), 3000 + 64);
  assert.match(readFileSync(join(kastellRole, 'templates', 'etc', 'kastell', 'kastell.env.j2'), 'utf8'), /^KASTELL_UPLOAD_MAX_MIB=\{\{ kastell__upload_max_mib \}\}$/m);
});

test('the PING check: PONG from a running clamd, a failure without one', async () => {
  const clamd = await startClamd();
  const up = spawnSync('python3', [ping, clamd.socket], { encoding: 'utf8' });
  assert.equal(up.status, 0, up.stdout + up.stderr);
  assert.equal(up.stdout.trim(), 'PONG');
  const down = spawnSync('python3', [ping, join(tmpdir(), 'no-such-clamd.sock')], { encoding: 'utf8' });
  assert.equal(down.status, 1);
  assert.match(down.stderr, /No such file/);
});

test("clamd's units start without Debian's main/daily databases (a host given its own signature files), and retry until they exist", () => {
  // found by the appliance suite: with only the EICAR .hdb, Debian's ConditionPathExistsGlob skipped clamd in silence (no socket)
  const tasks = readFileSync(join(role, 'tasks', 'main.yml'), 'utf8');
  for (const unit of ['clamav-daemon.socket', 'clamav-daemon.service']) {
    assert.match(tasks, new RegExp(`- unit: ${unit.replace('.', '\\.')}\\n\\s+content: \\|\\n\\s+\\[Unit\\]\\n\\s+ConditionPathExistsGlob=\\n`), `${unit} keeps Debian's database condition`);
  }
  assert.match(tasks, /Restart=on-failure/);
  const debianUnit = spawnSync('sh', ['-c', 'cat /lib/systemd/system/clamav-daemon.service /lib/systemd/system/clamav-daemon.socket'], { encoding: 'utf8' });
  if (debianUnit.status === 0) assert.match(debianUnit.stdout, /ConditionPathExistsGlob=\/var\/lib\/clamav\/main/, 'the condition the drop-ins clear is still in Debian\'s units');
});
