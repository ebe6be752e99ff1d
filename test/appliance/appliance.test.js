// The appliance, end to end, on a real Debian VM (slow: `npm run test:appliance`).
//
// Builds (or reuses) a debootstrap image cached by a key of its inputs under
// ~/.cache/kastell-vm, boots it with qemu (KVM when /dev/kvm works, else TCG),
// forwards SSH, HTTPS and WireGuard to 127.0.0.1 only, runs ansible/site.yml,
// runs it again over WireGuard expecting zero changes, then verifies from
// outside and inside and prints a summary with every figure and its duration.
//
// Needs root (a userspace WireGuard interface for the controller), and:
// qemu-system-x86 qemu-utils debootstrap ansible wireguard-go wireguard-tools
// testssl.sh openssh-client curl npm (the release is built with npm ci).
//
// Environment: KASTELL_APP_SOURCE (the app to deploy; default the repository),
// KASTELL_VM_CACHE, KASTELL_VM_KEEP=1 (leave the VM running for debugging),
// KASTELL_VM_PREINSTALL=0 (boot the bare image: every package installed by
// the roles under emulation; slower).
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, mkdirSync, rmSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { join, dirname } from 'node:path';
import { tmpdir, homedir } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cache = process.env.KASTELL_VM_CACHE ?? join(homedir(), '.cache', 'kastell-vm');
const keep = process.env.KASTELL_VM_KEEP === '1';
const preinstall = process.env.KASTELL_VM_PREINSTALL !== '0';
const appSource = process.env.KASTELL_APP_SOURCE ?? root;
const work = mkdtempSync(join(tmpdir(), 'kastell-vm-'));
const logFile = join(work, 'appliance.log');
const WG_NET = '10.213.77';
const WG_IF = 'kstwg0';
const PUBLIC_NAME = 'kastell.test';
// lynis under emulation takes ~30 min for all 446 tests (process creation is
// slow under TCG); both VMs are measured with the same groups, the ones this
// appliance hardens. KASTELL_LYNIS_GROUPS=all runs everything. lynis 3.1
// refuses spaces in any argument, so `--tests-from-group "a b"` cannot name
// several groups: the script below lists the groups' test IDs and passes them
// to `--tests` joined by ':' (lynis matches each ID as a substring).
const LYNIS_GROUPS = process.env.KASTELL_LYNIS_GROUPS
  ?? 'authentication banners boot_services crypto file_integrity firewalls kernel_hardening logging mac_frameworks malware networking ssh storage time accounting usb';
const summary = [];
const cleanups = [];

function log(line) {
  const text = `[appliance ${new Date().toISOString().slice(11, 19)}] ${line}`;
  console.log(text);
  appendFileSync(logFile, text + '\n');
}

const verdict = (ok) => (ok === 'note' ? 'NOTE' : ok ? 'PASS' : 'FAIL');
/** ok: true, false, or 'note' (a statement, not a check). */
function record(name, figure, seconds, ok = true) {
  summary.push({ name, figure: String(figure), seconds, ok });
  log(`${verdict(ok)} ${name}: ${figure} (${seconds.toFixed(1)} s)`);
}

async function timed(fn) {
  const t0 = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  return r;
}

// Run a command without blocking the event loop; output goes to a log file.
function run(cmd, args, { env, cwd, out, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (input !== undefined) child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; if (out) appendFileSync(out, d); });
    child.stderr.on('data', (d) => { stderr += d; if (out) appendFileSync(out, d); });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function freeTcpPort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}
function freeUdpPort() {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const sshKey = join(cache, 'id_ed25519');
const sshOpts = ['-i', sshKey, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=15', '-o', 'BatchMode=yes'];

function vmShell(target, script, { allowFail = false, timeout = 1800 } = {}) {
  const r = sh('ssh', [...sshOpts, '-p', String(target.port), `admin@${target.host}`, 'sudo bash -s'], { input: script, timeout: timeout * 1000 });
  if (!allowFail && r.status !== 0) throw new Error(`in VM (exit ${r.status}):\n${script}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r;
}

async function waitForSsh(target, seconds) {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const r = await run('timeout', ['20', 'ssh', ...sshOpts, '-o', 'ConnectTimeout=5', '-p', String(target.port), `admin@${target.host}`, 'true']);
    if (r.status === 0) return;
    await sleep(2000);
  }
  throw new Error(`no SSH on ${target.host}:${target.port} after ${seconds} s`);
}

function accel() {
  if (process.env.KASTELL_VM_ACCEL) return process.env.KASTELL_VM_ACCEL;
  // The same probe .ci/run gates on: a KVM guest that keeps running for 5 s.
  return spawnSync(join(root, 'test', 'appliance', 'kvm-works'), { stdio: 'inherit' }).status === 0 ? 'kvm' : 'tcg';
}

async function bootVm(name, image, { data, ports, smp = 2 }) {
  const dir = join(work, name);
  mkdirSync(dir);
  sh('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', join(image.dir, image.disk), '-F', 'qcow2', join(dir, 'root.qcow2')]);
  const fwd = [`hostfwd=tcp:127.0.0.1:${ports.ssh}-:22`];
  if (ports.https) fwd.push(`hostfwd=tcp:127.0.0.1:${ports.https}-:443`);
  if (ports.wg) fwd.push(`hostfwd=udp:127.0.0.1:${ports.wg}-:51820`);
  const mode = accel(image);
  const args = [
    '-machine', 'pc', '-accel', mode, ...(mode === 'kvm' ? ['-cpu', 'host'] : ['-cpu', 'qemu64']),
    '-smp', String(smp), '-m', smp === 1 ? '1024' : '3072', '-nographic', '-monitor', 'none',
    '-serial', `file:${join(dir, 'console.log')}`,
    '-kernel', join(image.dir, 'vmlinuz'), '-initrd', join(image.dir, 'initrd.img'),
    '-append', 'root=/dev/vda rw console=ttyS0 net.ifnames=0',
    '-drive', `file=${join(dir, 'root.qcow2')},if=virtio,cache=unsafe,discard=unmap`,
    '-netdev', `user,id=n0,${fwd.join(',')}`, '-device', 'virtio-net-pci,netdev=n0',
    '-rtc', 'base=utc',
  ];
  if (data) {
    sh('truncate', ['-s', '4G', join(dir, 'data.raw')]);
    args.push('-drive', `file=${join(dir, 'data.raw')},if=virtio,format=raw,cache=unsafe`);
  }
  const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const stop = () => { if (child.exitCode === null) child.kill('SIGTERM'); };
  if (!keep) cleanups.push(stop);
  const target = { host: '127.0.0.1', port: ports.ssh, child, dir, mode, stop };
  const t = await timed(async () => {
    await sleep(3000);
    if (child.exitCode !== null) throw new Error(`qemu exited: ${err}`);
    await waitForSsh(target, 600);
  });
  target.bootSeconds = t.seconds;
  return target;
}

async function lynisIndex(target) {
  const select = LYNIS_GROUPS === 'all' ? '' : `--tests "$(for g in ${LYNIS_GROUPS}; do grep -hoE 'Register --test-no "?[A-Z]+-[0-9]+' /usr/share/lynis/include/tests_$g | grep -oE '[A-Z]+-[0-9]+'; done | sort -u | paste -sd:)"`;
  const script = `rm -f /var/log/lynis-report.dat
lynis audit system --quick --no-colors ${select} >/tmp/lynis.out 2>&1
grep -E "^(hardening_index|lynis_tests_done)=" /var/log/lynis-report.dat 2>/dev/null || { echo "lynis said (last lines):"; tail -n 15 /tmp/lynis.out; }`;
  const r = await run('ssh', [...sshOpts, '-p', String(target.port), `admin@${target.host}`, 'sudo bash -s'], { input: script });
  const m = /hardening_index=(\d+)/.exec(r.stdout);
  if (!m) throw new Error(`no lynis hardening index in:\n${r.stdout}\n${r.stderr}`);
  const tests = /lynis_tests_done=(\d+)/.exec(r.stdout)?.[1] ?? '?';
  return { index: Number(m[1]), tests };
}

function recap(output) {
  const totals = { ok: 0, changed: 0, failed: 0, unreachable: 0 };
  for (const m of output.matchAll(/ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/g)) {
    totals.ok += Number(m[1]); totals.changed += Number(m[2]); totals.unreachable += Number(m[3]); totals.failed += Number(m[4]);
  }
  return totals;
}

function changedTasks(output) {
  const names = [];
  let current = '';
  for (const line of output.split('\n')) {
    const t = /^(?:TASK|RUNNING HANDLER) \[(.+?)\]/.exec(line);
    if (t) current = t[1];
    if (/^changed: /.test(line)) names.push(current);
  }
  return names;
}

// Mitogen (Debian: ansible-mitogen) keeps one Python per host instead of
// starting one per task: under emulation that is ~5x faster. The playbooks do
// not depend on it; KASTELL_VM_MITOGEN=0 uses Ansible's own linear strategy.
const mitogenDir = '/usr/lib/python3/dist-packages/ansible_mitogen/plugins/strategy';
const mitogen = process.env.KASTELL_VM_MITOGEN !== '0' && existsSync(mitogenDir);
const strategyEnv = mitogen ? { ANSIBLE_STRATEGY_PLUGINS: mitogenDir, ANSIBLE_STRATEGY: 'mitogen_linear' } : {};

async function ansible(playbook, inventory, out, extra = []) {
  return run('ansible-playbook', ['-i', inventory, playbook, ...extra], {
    cwd: join(root, 'ansible'),
    out,
    env: {
      ANSIBLE_CONFIG: join(root, 'ansible', 'ansible.cfg'),
      ANSIBLE_SSH_CONTROL_PATH_DIR: join(work, 'cp'),
      ANSIBLE_FORCE_COLOR: '0',
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_HOST_KEY_CHECKING: 'False',
      ANSIBLE_SSH_RETRIES: '3',
      // under TCG on a busy host the first connection (a WireGuard handshake,
      // then sshd) once took longer than Ansible's default 10 s
      ANSIBLE_TIMEOUT: '60',
      ...strategyEnv,
    },
  });
}

function inventoryFor(host, port, vars) {
  const dir = join(work, `inventory-${host}`);
  mkdirSync(join(dir, 'group_vars'), { recursive: true });
  writeFileSync(join(dir, 'hosts.yml'), [
    '---', 'kastell:', '  hosts:', '    kastell-vm:',
    `      ansible_host: ${host}`, `      ansible_port: ${port}`, '      ansible_user: admin',
    `      ansible_ssh_private_key_file: ${sshKey}`,
    "      ansible_ssh_common_args: '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'", '',
  ].join('\n'));
  writeFileSync(join(dir, 'group_vars', 'kastell.json'), JSON.stringify(vars, null, 2));
  return join(dir, 'hosts.yml');
}

function wgKeys() {
  const priv = sh('wg', ['genkey']).stdout.trim();
  const pub = sh('wg', ['pubkey'], { input: priv }).stdout.trim();
  return { priv, pub };
}

async function startWireguard(client, serverPub, udpPort) {
  sh('ip', ['link', 'del', WG_IF]);
  const wg = spawn('wireguard-go', ['-f', WG_IF], {
    env: { ...process.env, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1', LOG_LEVEL: 'error' },
    stdio: 'ignore',
  });
  if (!keep) cleanups.push(() => { wg.kill('SIGTERM'); sh('ip', ['link', 'del', WG_IF]); });
  for (let i = 0; i < 50 && sh('ip', ['link', 'show', WG_IF]).status !== 0; i++) await sleep(100);
  const keyFile = join(work, 'wg-client.key');
  writeFileSync(keyFile, client.priv + '\n', { mode: 0o600 });
  const steps = [
    ['wg', ['set', WG_IF, 'private-key', keyFile, 'peer', serverPub, 'endpoint', `127.0.0.1:${udpPort}`, 'allowed-ips', `${WG_NET}.0/24`, 'persistent-keepalive', '5']],
    ['ip', ['address', 'add', `${WG_NET}.2/24`, 'dev', WG_IF]],
    ['ip', ['link', 'set', 'mtu', '1380', 'up', 'dev', WG_IF]],
  ];
  for (const [cmd, args] of steps) {
    const r = sh(cmd, args);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  }
}

function preflight() {
  const missing = ['qemu-system-x86_64', 'qemu-img', 'debootstrap', 'ansible-playbook', 'wireguard-go', 'wg', 'testssl', 'ssh', 'curl', 'npm']
    .filter((tool) => sh('sh', ['-c', `command -v ${tool}`]).status !== 0);
  return missing;
}

test('appliance: site.yml turns a bare Debian VM into a hardened, backed-up Kastell host', { timeout: 3 * 3600 * 1000 }, async (t) => {
  if (process.getuid?.() !== 0) { t.skip('needs root (qemu, a userspace WireGuard interface)'); return; }
  const missing = preflight();
  assert.deepEqual(missing, [], `install: apt-get install ${missing.join(' ')} (see README.md, "Testing the playbooks")`);
  log(`work dir ${work} (log: ${logFile})`);
  const t0 = performance.now();

  try {
    // 1. Images and release.
    const img = await timed(() => run('bash', [join(root, 'test', 'appliance', 'vm-image.sh')], { out: join(work, 'image.log') }));
    assert.equal(img.value.status, 0, `image build failed: ${img.value.stderr.slice(-3000)}`);
    const imageDir = img.value.stdout.trim().split('\n').pop();
    record('VM image (debootstrap, cached by input key)', imageDir.split('/').pop(), img.seconds);

    const releaseFile = join(work, 'kastell-release.tar.gz');
    const rel = await timed(() => run('bash', [join(root, 'ops', 'build-release'), appSource, releaseFile], { out: join(work, 'release.log') }));
    assert.equal(rel.value.status, 0, `release build failed (KASTELL_APP_SOURCE=${appSource}): ${rel.value.stderr.slice(-3000)}`);
    const version = `test-${Date.now()}`;
    record('release archive (npm ci --omit=dev)', `${appSource}`, rel.seconds);

    // 2. Baseline: lynis on a fresh VM from the bare image, measured while
    //    the appliance VM is provisioned (one vCPU; emulation is CPU-bound).
    const baseline = (async () => {
      const basePort = await freeTcpPort();
      const base = await bootVm('baseline', { dir: imageDir, disk: 'base.qcow2' }, { ports: { ssh: basePort }, smp: 1 });
      record(`boot fresh VM (${base.mode})`, 'ssh up', base.bootSeconds);
      const idx = await timed(() => lynisIndex(base));
      record(`lynis hardening index, fresh VM (groups: ${LYNIS_GROUPS})`, `${idx.value.index} (${idx.value.tests} tests)`, idx.seconds);
      base.stop();
      return idx.value;
    })();
    baseline.catch(() => {});

    // 3. The appliance VM.
    const ports = { ssh: await freeTcpPort(), https: await freeTcpPort(), wg: await freeUdpPort() };
    const vm = await bootVm('appliance', { dir: imageDir, disk: preinstall ? 'prepared.qcow2' : 'base.qcow2' }, { data: true, ports });
    record(`boot appliance VM (${vm.mode}${preinstall ? ', role packages pre-installed in the image' : ''})`, `ssh 127.0.0.1:${ports.ssh}, https 127.0.0.1:${ports.https}, wg udp 127.0.0.1:${ports.wg}`, vm.bootSeconds);

    const server = wgKeys();
    const client = wgKeys();
    await startWireguard(client, server.pub, ports.wg);
    const vars = {
      nginx__server_name: PUBLIC_NAME,
      nginx__tls: 'selfsigned',
      nginx__resolvers: ['10.0.2.3'],
      wireguard__address: `${WG_NET}.1/24`,
      wireguard__private_key: server.priv,
      wireguard__endpoint: '127.0.0.1',
      wireguard__peers: [{ name: 'harness', public_key: client.pub, address: `${WG_NET}.2` }],
      luks__device: '/dev/vdb',
      luks__unlock: 'keyfile',
      luks__pbkdf_memory_kib: 262144,
      luks__iter_time_ms: 1000,
      kastell__release_archive: releaseFile,
      kastell__release_version: version,
      kastell__public_url: `https://${PUBLIC_NAME}`,
      backup__pg_offsite: { type: 'posix', path: '/var/backups/kastell-offsite/pgbackrest' },
      backup__restic_offsite: '/var/backups/kastell-offsite/restic',
      backup__extra_write_paths: ['/var/backups/kastell-offsite'],
    };
    const inv1 = inventoryFor('127.0.0.1', ports.ssh, vars);
    mkdirSync(join(work, 'cp'));
    // The issue's condition: say what stands in for MinIO. Nothing does here.
    record('object store', 'documents on local disk on the LUKS volume (kastell__storage=local); the minio role is not run: its official binary cannot be downloaded on these machines and no S3 stand-in is installed in the VM (ansible-lint checks the role; npm test runs the app against s3rver)', 0, 'note');

    const run1 = await timed(() => ansible('site.yml', inv1, join(work, 'site-run1.log')));
    const r1 = recap(run1.value.stdout);
    assert.ok(run1.value.status === 0 && r1.failed === 0 && r1.unreachable === 0,
      `first site.yml run failed (log ${join(work, 'site-run1.log')}):\n${run1.value.stdout.slice(-6000)}`);
    record(`site.yml run 1 (over the forwarded public SSH; strategy ${mitogen ? 'mitogen_linear' : 'linear'})`, `ok=${r1.ok} changed=${r1.changed}`, run1.seconds);

    // 4. Second run, over WireGuard (sshd now listens only there).
    const inv2 = inventoryFor(`${WG_NET}.1`, 22, vars);
    await waitForSsh({ host: `${WG_NET}.1`, port: 22 }, 300);
    const run2 = await timed(() => ansible('site.yml', inv2, join(work, 'site-run2.log')));
    const r2 = recap(run2.value.stdout);
    assert.ok(run2.value.status === 0 && r2.failed === 0 && r2.unreachable === 0,
      `second site.yml run failed (log ${join(work, 'site-run2.log')}):\n${run2.value.stdout.slice(-6000)}`);
    record('site.yml run 2 over WireGuard: changes', `changed=${r2.changed} ${changedTasks(run2.value.stdout).join('; ')}`, run2.seconds, r2.changed === 0);
    const wgTarget = { host: `${WG_NET}.1`, port: 22 };

    const checks = [];
    const check = async (name, fn) => {
      try {
        const { value, seconds } = await timed(fn);
        record(name, value.figure, seconds, value.ok);
        checks.push({ name, ok: value.ok });
      } catch (error) {
        record(name, String(error.message).split('\n').slice(0, 12).join(' | '), 0, false);
        checks.push({ name, ok: false });
      }
    };

    await check('add-peer.yml prints a client configuration', async () => {
      const r = await ansible('add-peer.yml', inventoryFor(`${WG_NET}.1`, 22, vars), join(work, 'add-peer.log'), ['-e', 'peer_name=bob', '-e', `peer_address=${WG_NET}.20`]);
      const ok = r.status === 0 && r.stdout.includes('[Interface]') && r.stdout.includes(`Address = ${WG_NET}.20/32`) && r.stdout.includes(`PublicKey = ${server.pub}`);
      return { ok, figure: ok ? 'client config printed, peer added' : r.stdout.slice(-1500) };
    });

    await check('portal answers over HTTPS (/healthz, /readyz via nginx)', async () => {
      const codes = ['healthz', 'readyz'].map((p) => sh('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', '--resolve', `${PUBLIC_NAME}:${ports.https}:127.0.0.1`, `https://${PUBLIC_NAME}:${ports.https}/${p}`]).stdout);
      const headers = sh('curl', ['-skI', '--resolve', `${PUBLIC_NAME}:${ports.https}:127.0.0.1`, `https://${PUBLIC_NAME}:${ports.https}/healthz`]).stdout;
      const hsts = /strict-transport-security: ([^\r\n]+)/i.exec(headers)?.[1] ?? 'none';
      return { ok: codes.every((c) => c === '200') && /preload/.test(hsts), figure: `healthz ${codes[0]}, readyz ${codes[1]}, HSTS "${hsts}"` };
    });

    await check('testssl: nothing >= MEDIUM besides the self-signed certificate', async () => {
      const json = join(work, 'testssl.json');
      const r = await run('testssl', ['--quiet', '--color', '0', '--warnings', 'off', '--jsonfile', json, '--ip', '127.0.0.1', `https://${PUBLIC_NAME}:${ports.https}`], { out: join(work, 'testssl.log') });
      if (!existsSync(json)) return { ok: false, figure: `testssl wrote no JSON (exit ${r.status})` };
      const findings = JSON.parse(readFileSync(json, 'utf8'));
      const selfSigned = /^(cert_chain_of_trust|cert_trust|cert_caIssuers|cert_ocspURL|cert_crlDistributionPoints|OCSP_stapling|cert_revocation|DNS_CAArecord|cert_mustStapleExtension|cert_validityPeriod|cert_expirationStatus|certificate_transparency|cert_extlifeSpan)/;
      const serious = findings.filter((f) => ['MEDIUM', 'HIGH', 'CRITICAL'].includes(f.severity));
      const other = serious.filter((f) => !selfSigned.test(f.id));
      writeFileSync(join(work, 'testssl-serious.json'), JSON.stringify(serious, null, 2));
      const excused = serious.filter((f) => selfSigned.test(f.id)).map((f) => `${f.id}:${f.severity}`);
      return {
        ok: other.length === 0 && findings.length > 20,
        figure: `${findings.length} findings; >=MEDIUM not cert-related: ${other.length ? other.map((f) => `${f.id}:${f.severity}:${f.finding}`).join('; ') : 'none'}; excused (self-signed): ${excused.join(', ') || 'none'}`,
      };
    });

    await check('listening sockets: public 80/443/udp 51820 only, sshd only on the WireGuard address', async () => {
      const r = vmShell(wgTarget, 'ss -H -tuln');
      const offenders = [];
      const seen = [];
      for (const line of r.stdout.trim().split('\n')) {
        const cols = line.trim().split(/\s+/);
        const proto = cols[0];
        const local = cols[4];
        const addr = local.replace(/:(\d+|\*)$/, '');
        const port = local.slice(local.lastIndexOf(':') + 1);
        if (/^(127\.|\[::1\]|::1)/.test(addr) || /%lo$/.test(addr)) continue;
        seen.push(`${proto}/${local}`);
        const ok = (proto === 'tcp' && ['80', '443'].includes(port))
          || (proto === 'udp' && port === '51820')
          || (proto === 'tcp' && port === '22' && addr === `${WG_NET}.1`);
        if (!ok) offenders.push(`${proto}/${local}`);
      }
      const sshdOnWg = seen.includes(`tcp/${WG_NET}.1:22`) && !seen.some((s) => /^tcp\/(0\.0\.0\.0|\*|\[::\]|10\.0\.2\.15):22$/.test(s));
      const publicSsh = sh('ssh', [...sshOpts, '-o', 'ConnectTimeout=8', '-p', String(ports.ssh), 'admin@127.0.0.1', 'true'], { timeout: 30000 }).status;
      return { ok: offenders.length === 0 && sshdOnWg && publicSsh !== 0, figure: `non-loopback: ${seen.join(' ')}; unexpected: ${offenders.join(' ') || 'none'}; ssh via public address refused: ${publicSsh !== 0}` };
    });

    await check('data volume is LUKS2 with argon2id and holds /srv/kastell', async () => {
      const r = vmShell(wgTarget, 'cryptsetup luksDump /dev/vdb | grep -E "^Version|PBKDF"; findmnt -no SOURCE /srv/kastell; findmnt -no SOURCE -T /srv/kastell/postgresql');
      const ok = /Version:\s+2/.test(r.stdout) && /PBKDF:\s+argon2id/.test(r.stdout) && /\/dev\/mapper\/kastell-data/.test(r.stdout);
      return { ok, figure: r.stdout.trim().split('\n').map((s) => s.trim()).join(', ') };
    });

    await check('Crowdsec bans an IP after repeated failed Kastell sign-ins (app log → parser → nftables)', async () => {
      const ip = '198.51.100.7';
      const script = `
set -e
ip address add ${ip}/32 dev lo 2>/dev/null || true
codes=""
# python3, not curl: the server has no curl (Ansible brings python3)
post() { python3 - "$1" "$2" <<'PY'
import http.client, ssl, sys
ip, path = sys.argv[1], sys.argv[2]
try:
    c = http.client.HTTPSConnection('10.0.2.15', 443, timeout=5, source_address=(ip, 0), context=ssl._create_unverified_context())
    body = '{"email":"x@example.com","password":"wrong-password-123"}' if path.endswith('sign-in') else None
    c.request('POST' if body else 'GET', path, body, {'Host': '${PUBLIC_NAME}', 'Content-Type': 'application/json', 'Origin': 'https://${PUBLIC_NAME}'})
    print(c.getresponse().status)
except Exception:
    print('000')
PY
}
for i in $(seq 1 8); do
  codes="$codes $(post ${ip} /api/v1/auth/sign-in)"
done
echo "codes:$codes"
echo "logged: $(journalctl -u kastell.service --since -10min -o cat | grep -c '"event":"auth.signin.failed"' || true)"
for i in $(seq 1 60); do
  if cscli decisions list -o raw 2>/dev/null | grep -q '${ip}'; then break; fi
  sleep 2
done
echo "decision: $(cscli decisions list -o raw | grep '${ip}' | head -1)"
for i in $(seq 1 15); do
  nft list set ip crowdsec crowdsec-blacklists 2>/dev/null | grep -q '${ip}' && break
  sleep 2
done
echo "nft: $(nft list set ip crowdsec crowdsec-blacklists 2>/dev/null | grep -c '${ip}')"
blocked=$(post ${ip} /healthz)
echo "after-ban: $blocked"
cscli decisions delete --ip ${ip} >/dev/null 2>&1 || true
ip address del ${ip}/32 dev lo || true
`;
      const r = vmShell(wgTarget, script);
      const banned = /decision: .*198\.51\.100\.7.*kastell\/signin-bf/.test(r.stdout) || /decision: .*kastell\/signin-bf.*198\.51\.100\.7/.test(r.stdout) || /decision: .*198\.51\.100\.7/.test(r.stdout);
      const inNft = /nft: [1-9]/.test(r.stdout);
      const dropped = /after-ban: 000/.test(r.stdout);
      return { ok: banned && inNft && dropped, figure: r.stdout.trim().split('\n').join(' | ') };
    });

    // Documents to back up: the store is empty on a fresh install.
    vmShell(wgTarget, 'install -d -o kastell -g kastell -m 700 /srv/kastell/app/documents/drill-test && for i in 1 2 3; do head -c $((i * 70000)) /dev/urandom > /srv/kastell/app/documents/drill-test/object-$i; done && chown -R kastell:kastell /srv/kastell/app/documents');

    await check('backup (pgBackRest full to 2 encrypted repos, restic to 2 repos, manifest)', async () => {
      const r = vmShell(wgTarget, 'systemctl start kastell-backup@full.service; rc=$?; cat /var/lib/kastell/evidence/backup.json 2>/dev/null; echo; echo rc=$rc; grep -c cipher-pass /etc/pgbackrest/pgbackrest.conf; ls /srv/kastell/backup/pgbackrest/backup/kastell/ /var/backups/kastell-offsite/pgbackrest/backup/kastell/ | grep -c F$', { allowFail: true });
      const json = /\{"status".*\}/.exec(r.stdout)?.[0];
      const ev = json ? JSON.parse(json) : {};
      return { ok: /rc=0/.test(r.stdout) && ev.status === 'pass', figure: json ? `tables=${ev.tables} objects=${ev.objects} pg repos=${ev.pg_repositories} restic repos=${ev.restic_repositories} in ${ev.duration_seconds} s` : r.stdout + r.stderr };
    });

    // The tampered/missing-data drills below only prove something when the
    // same drill passes on intact backups first.
    let intactDrillPassed = false;
    await check('restore drill passes (scratch cluster, row counts, audit chain, object checksums, decrypt sample)', async () => {
      const r = vmShell(wgTarget, 'systemctl start kastell-restore-drill.service; echo rc=$?; cat /var/lib/kastell/evidence/restore-drill.json; echo; journalctl -u kastell-restore-drill.service -n 30 -o cat --no-pager', { allowFail: true });
      const json = /\{"status".*\}/.exec(r.stdout)?.[0];
      const ev = json ? JSON.parse(json) : {};
      // the sign-ins of the Crowdsec check left audit events: the restored chain is not empty
      intactDrillPassed = /rc=0/.test(r.stdout) && ev.status === 'pass' && ev.audit_verify === 'pass' && ev.audit_links > 0;
      const figure = json ? `status=${ev.status} RTO=${ev.rto_seconds} s (target ${ev.rto_target_seconds}) data age (RPO)=${ev.data_age_seconds} s tables=${ev.tables} rows=${ev.rows} objects=${ev.objects} audit=${ev.audit_verify} (${ev.audit_links} links) checks=${ev.checks_passed.join(',')}` : '';
      return { ok: intactDrillPassed, figure: intactDrillPassed ? figure : `${figure}\n${r.stdout.slice(-3000)}` };
    });

    await check('tampered pgBackRest backup file: the drill fails loudly and alerts', async () => {
      const script = `
# a data file of the newest full backup (the set the drill restores), not a manifest copy
set=$(find /srv/kastell/backup/pgbackrest/backup/kastell -mindepth 1 -maxdepth 1 -type d -name '*F' | sort | tail -1)
f=$(find "$set/pg_data" -type f -size +16k -printf '%s %p\\n' | sort -n | tail -1 | cut -d' ' -f2)
cp -a "$f" /root/tamper.bak
size=$(stat -c %s "$f")
dd if=/dev/urandom of="$f" bs=1 count=64 seek=$((size / 2)) conv=notrunc status=none
before=$(wc -l < /var/lib/kastell/alerts.jsonl 2>/dev/null || echo 0)
systemctl start kastell-restore-drill.service; echo rc=$?
sleep 3
after=$(wc -l < /var/lib/kastell/alerts.jsonl 2>/dev/null || echo 0)
echo "alerts: $before -> $after"
grep -o '"status":"[a-z]*","reason":"[^"]*"' /var/lib/kastell/evidence/restore-drill.json
cp -a /root/tamper.bak "$f"
echo "tampered: $f"
`;
      const r = vmShell(wgTarget, script, { allowFail: true });
      const failed = /rc=[1-9]/.test(r.stdout) && /"status":"fail"/.test(r.stdout);
      const alerted = (() => { const m = /alerts: (\d+) -> (\d+)/.exec(r.stdout); return m && Number(m[2]) > Number(m[1]); })();
      return { ok: intactDrillPassed && failed && alerted, figure: `${intactDrillPassed ? '' : '(no proof: the drill failed on intact backups too) '}${r.stdout.trim().split('\n').join(' | ')}` };
    });

    await check('missing restic data: the drill fails loudly and alerts', async () => {
      const script = `
mv /srv/kastell/backup/restic/data /srv/kastell/backup/restic/data.hidden
before=$(wc -l < /var/lib/kastell/alerts.jsonl 2>/dev/null || echo 0)
systemctl start kastell-restore-drill.service; echo rc=$?
sleep 3
after=$(wc -l < /var/lib/kastell/alerts.jsonl 2>/dev/null || echo 0)
echo "alerts: $before -> $after"
grep -o '"status":"[a-z]*","reason":"[^"]*"' /var/lib/kastell/evidence/restore-drill.json
mv /srv/kastell/backup/restic/data.hidden /srv/kastell/backup/restic/data
`;
      const r = vmShell(wgTarget, script, { allowFail: true });
      const failed = /rc=[1-9]/.test(r.stdout) && /"status":"fail"/.test(r.stdout);
      const alerted = (() => { const m = /alerts: (\d+) -> (\d+)/.exec(r.stdout); return m && Number(m[2]) > Number(m[1]); })();
      return { ok: intactDrillPassed && failed && alerted, figure: `${intactDrillPassed ? '' : '(no proof: the drill failed on intact backups too) '}${r.stdout.trim().split('\n').join(' | ')}` };
    });

    await check('restore drill passes again once the backups are intact', async () => {
      const r = vmShell(wgTarget, 'systemctl start kastell-restore-drill.service; echo rc=$?; grep -o \'"status":"[a-z]*"\' /var/lib/kastell/evidence/restore-drill.json', { allowFail: true });
      return { ok: /rc=0/.test(r.stdout) && /"status":"pass"/.test(r.stdout), figure: r.stdout.trim().split('\n').join(' ') };
    });

    await check('config drift and new-process checks raise alerts', async () => {
      const script = `
/usr/local/lib/kastell/ops/kastell-watch >/dev/null 2>&1; echo "clean-rc=$?"
echo '# drift' >> /etc/nginx/conf.d/kastell-hardening.conf
runuser -u kastell -- sleep 30 &
sleep 1
/usr/local/lib/kastell/ops/kastell-watch >/dev/null 2>&1; echo "drift-rc=$?"
tail -n 3 /var/lib/kastell/alerts.jsonl | grep -o '"kind":"[a-z-]*","subject":"[^"]*"'
sed -i '/^# drift$/d' /etc/nginx/conf.d/kastell-hardening.conf
pkill -u kastell -x sleep || true
`;
      const r = vmShell(wgTarget, script, { allowFail: true });
      const ok = /drift-rc=1/.test(r.stdout) && /config-drift/.test(r.stdout) && /"kind":"process"/.test(r.stdout);
      return { ok, figure: r.stdout.trim().split('\n').join(' | ') };
    });

    await check('lynis hardening index >= fresh VM + 15', async () => {
      const fresh = await baseline;
      const idx = await lynisIndex(wgTarget);
      return { ok: idx.index >= fresh.index + 15, figure: `${idx.index} (${idx.tests} tests) vs fresh ${fresh.index} (${fresh.tests} tests): +${idx.index - fresh.index}` };
    });

    const total = (performance.now() - t0) / 1000;
    console.log('\n===== Kastell appliance summary =====');
    for (const s of summary) console.log(`${verdict(s.ok)}  ${s.name}\n      ${s.figure}  [${s.seconds.toFixed(1)} s]`);
    console.log(`total ${total.toFixed(0)} s; logs in ${work}`);
    writeFileSync(join(cache, 'last-summary.txt'), summary.map((s) => `${verdict(s.ok)}  ${s.name}: ${s.figure} [${s.seconds.toFixed(1)} s]`).join('\n') + `\ntotal ${total.toFixed(0)} s\n`);
    const failed = summary.filter((s) => !s.ok).map((s) => s.name);
    assert.deepEqual(failed, [], 'failed appliance checks');
  } finally {
    if (keep) log(`KASTELL_VM_KEEP=1: VM left running; ssh ${sshOpts.join(' ')} admin@${WG_NET}.1 (work dir ${work})`);
    for (const fn of cleanups.reverse()) { try { fn(); } catch { /* best effort */ } }
    if (!keep) rmSync(join(work, 'cp'), { recursive: true, force: true });
  }
});
