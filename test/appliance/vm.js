// The VM library of the appliance suite (test/appliance/appliance.test.js):
// the debootstrap image and the release, booting qemu guests (KVM when
// test/appliance/kvm-works says it works, else TCG), SSH into them, the
// controller's userspace WireGuard interface, Ansible runs, lynis, and the
// summary every stage records its figure and duration into.
//
// Importing it creates the run's work directory (a temporary directory with
// appliance.log); nothing else happens until a function is called.
//
// Environment: KASTELL_APP_SOURCE (the app to deploy; default the repository),
// KASTELL_VM_CACHE, KASTELL_VM_KEEP=1 (leave the VM running for debugging),
// KASTELL_VM_PREINSTALL=0 (boot the bare image: every package installed by
// the roles under emulation; slower), KASTELL_VM_ACCEL (kvm or tcg: skip the
// probe), KASTELL_VM_MITOGEN=0, KASTELL_LYNIS_GROUPS.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, mkdirSync, rmSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { join, dirname } from 'node:path';
import { tmpdir, homedir } from 'node:os';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cache = process.env.KASTELL_VM_CACHE ?? join(homedir(), '.cache', 'kastell-vm');
export const keep = process.env.KASTELL_VM_KEEP === '1';
export const preinstall = process.env.KASTELL_VM_PREINSTALL !== '0';
export const appSource = process.env.KASTELL_APP_SOURCE ?? root;
export const work = mkdtempSync(join(tmpdir(), 'kastell-vm-'));
export const logFile = join(work, 'appliance.log');
export const WG_NET = '10.213.77';
export const WG_IF = 'kstwg0';
export const PUBLIC_NAME = 'kastell.test';
// lynis under emulation takes ~30 min for all 446 tests (process creation is
// slow under TCG); both VMs are measured with the same groups, the ones this
// appliance hardens. KASTELL_LYNIS_GROUPS=all runs everything. lynis 3.1
// refuses spaces in any argument, so `--tests-from-group "a b"` cannot name
// several groups: the script below lists the groups' test IDs and passes them
// to `--tests` joined by ':' (lynis matches each ID as a substring).
export const LYNIS_GROUPS = process.env.KASTELL_LYNIS_GROUPS
  ?? 'authentication banners boot_services crypto file_integrity firewalls kernel_hardening logging mac_frameworks malware networking ssh storage time accounting usb';
export const summary = [];
export const cleanups = [];

export function log(line) {
  const text = `[appliance ${new Date().toISOString().slice(11, 19)}] ${line}`;
  console.log(text);
  appendFileSync(logFile, text + '\n');
}

export const verdict = (ok) => (ok === 'note' ? 'NOTE' : ok ? 'PASS' : 'FAIL');
/** ok: true, false, or 'note' (a statement, not a check). */
export function record(name, figure, seconds, ok = true) {
  summary.push({ name, figure: String(figure), seconds, ok });
  log(`${verdict(ok)} ${name}: ${figure} (${seconds.toFixed(1)} s)`);
}

export async function timed(fn) {
  const t0 = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

export function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  return r;
}

// Run a command without blocking the event loop; output goes to a log file.
export function run(cmd, args, { env, cwd, out, input } = {}) {
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

export function freeTcpPort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}
export function freeUdpPort() {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const sshKey = join(cache, 'id_ed25519');
export const sshOpts = ['-i', sshKey, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=15', '-o', 'BatchMode=yes'];

export function vmShell(target, script, { allowFail = false, timeout = 1800 } = {}) {
  const r = sh('ssh', [...sshOpts, '-p', String(target.port), `admin@${target.host}`, 'sudo bash -s'], { input: script, timeout: timeout * 1000 });
  if (!allowFail && r.status !== 0) throw new Error(`in VM (exit ${r.status}):\n${script}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r;
}

export async function waitForSsh(target, seconds) {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const r = await run('timeout', ['20', 'ssh', ...sshOpts, '-o', 'ConnectTimeout=5', '-p', String(target.port), `admin@${target.host}`, 'true']);
    if (r.status === 0) return;
    await sleep(2000);
  }
  throw new Error(`no SSH on ${target.host}:${target.port} after ${seconds} s`);
}

export function accel() {
  if (process.env.KASTELL_VM_ACCEL) return process.env.KASTELL_VM_ACCEL;
  // The same probe .ci/run gates on: a Linux kernel that boots under KVM.
  return spawnSync(join(root, 'test', 'appliance', 'kvm-works'), { stdio: 'inherit' }).status === 0 ? 'kvm' : 'tcg';
}

export async function bootVm(name, image, { data, ports, smp = 2 }) {
  const dir = join(work, name);
  mkdirSync(dir);
  sh('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', join(image.dir, image.disk), '-F', 'qcow2', join(dir, 'root.qcow2')]);
  const fwd = [`hostfwd=tcp:127.0.0.1:${ports.ssh}-:22`];
  if (ports.https) fwd.push(`hostfwd=tcp:127.0.0.1:${ports.https}-:443`);
  if (ports.wg) fwd.push(`hostfwd=udp:127.0.0.1:${ports.wg}-:51820`);
  const mode = accel(image);
  const args = [
    // Under TCG the guest gets `-cpu max`, not qemu64: qemu64 lacks SSE4.2 and
    // POPCNT (x86-64-v2), which sharp's libvips needs, and node died of SIGILL
    // in kastell-migrate (this session's runs: "status=4/ILL" in the unit's journal).
    '-machine', 'pc', '-accel', mode, '-cpu', mode === 'kvm' ? 'host' : 'max',
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

export async function lynisIndex(target) {
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

// Mitogen (Debian: ansible-mitogen) keeps one Python per host instead of
// starting one per task: under emulation that is ~5x faster. The playbooks do
// not depend on it; KASTELL_VM_MITOGEN=0 uses Ansible's own linear strategy.
const mitogenDir = '/usr/lib/python3/dist-packages/ansible_mitogen/plugins/strategy';
export const mitogen = process.env.KASTELL_VM_MITOGEN !== '0' && existsSync(mitogenDir);
const strategyEnv = mitogen ? { ANSIBLE_STRATEGY_PLUGINS: mitogenDir, ANSIBLE_STRATEGY: 'mitogen_linear' } : {};

export async function ansible(playbook, inventory, out, extra = []) {
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

export function inventoryFor(host, port, vars) {
  const dir = join(work, `inventory-${host}`);
  mkdirSync(join(dir, 'group_vars'), { recursive: true });
  writeFileSync(join(dir, 'hosts.yml'), [
    '---', 'kastell:', '  hosts:', '    kastell-vm:',
    `      ansible_host: ${host}`, `      ansible_port: ${port}`, '      ansible_user: admin',
    `      ansible_ssh_private_key_file: ${sshKey}`,
    "      ansible_ssh_common_args: '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'",
    // Named, not discovered: on a loaded host under TCG the discovery over the
    // fresh WireGuard connection once failed and Ansible fell back to
    // /usr/bin/python, which Debian 13 lacks (run 2 UNREACHABLE).
    '      ansible_python_interpreter: /usr/bin/python3', '',
  ].join('\n'));
  writeFileSync(join(dir, 'group_vars', 'kastell.json'), JSON.stringify(vars, null, 2));
  return join(dir, 'hosts.yml');
}

export function wgKeys() {
  const priv = sh('wg', ['genkey']).stdout.trim();
  const pub = sh('wg', ['pubkey'], { input: priv }).stdout.trim();
  return { priv, pub };
}

export async function startWireguard(client, serverPub, udpPort) {
  sh('ip', ['link', 'del', WG_IF]);
  const wg = spawn('wireguard-go', ['-f', WG_IF], {
    env: { ...process.env, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1', LOG_LEVEL: 'error' },
    stdio: 'ignore',
  });
  if (!keep) cleanups.push(() => { wg.kill('SIGTERM'); sh('ip', ['link', 'del', WG_IF]); });
  // wireguard-go makes the tun device before its control socket: `wg set` needs the socket
  // (without it wg falls back to netlink: "Protocol not supported"), which on a loaded machine
  // took longer than the five seconds waited here before
  const control = `/var/run/wireguard/${WG_IF}.sock`;
  for (let i = 0; i < 300 && !(existsSync(control) && sh('ip', ['link', 'show', WG_IF]).status === 0); i++) await sleep(100);
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

export function preflight() {
  const missing = ['qemu-system-x86_64', 'qemu-img', 'debootstrap', 'ansible-playbook', 'wireguard-go', 'wg', 'testssl', 'ssh', 'curl', 'npm']
    .filter((tool) => sh('sh', ['-c', `command -v ${tool}`]).status !== 0);
  return missing;
}

/** Prints the summary (also to <cache>/last-summary.txt) and returns the names of failed checks. */
export function printSummary(totalSeconds) {
  console.log('\n===== Kastell appliance summary =====');
  for (const s of summary) console.log(`${verdict(s.ok)}  ${s.name}\n      ${s.figure}  [${s.seconds.toFixed(1)} s]`);
  console.log(`total ${totalSeconds.toFixed(0)} s; logs in ${work}`);
  writeFileSync(join(cache, 'last-summary.txt'), summary.map((s) => `${verdict(s.ok)}  ${s.name}: ${s.figure} [${s.seconds.toFixed(1)} s]`).join('\n') + `\ntotal ${totalSeconds.toFixed(0)} s\n`);
  return summary.filter((s) => !s.ok).map((s) => s.name);
}

/** Stops what the run started (unless KASTELL_VM_KEEP=1 keeps the VM). */
export function cleanUp() {
  if (keep) log(`KASTELL_VM_KEEP=1: VM left running; ssh ${sshOpts.join(' ')} admin@${WG_NET}.1 (work dir ${work})`);
  for (const fn of cleanups.reverse()) { try { fn(); } catch { /* best effort */ } }
  if (!keep) rmSync(join(work, 'cp'), { recursive: true, force: true });
}

/**
 * The stages of one run as node:test subtests of `t`, so the runner names the
 * stage that failed. setup(): a stage the rest builds on; when it fails, every
 * later stage is reported as skipped. check(): fn returns { ok, figure }; its
 * line goes into the summary, and a check that fails (or throws) fails its
 * subtest without stopping the others. finding(): the same for a figure a
 * setup stage recorded.
 */
export function stages(t) {
  let failed;
  const skipped = (name) => t.test(name, { skip: `not run: stage "${failed}" failed` }, () => {});
  return {
    async setup(name, fn) {
      if (failed) return skipped(name);
      let done = false;
      await t.test(name, async () => { await fn(); done = true; });
      if (!done) failed = name;
    },
    /** A verdict on what an earlier stage recorded: fn returns { ok, figure }; no summary line of its own. */
    async finding(name, fn) {
      if (failed) return skipped(name);
      await t.test(name, () => {
        const { ok, figure } = fn();
        if (!ok) throw new Error(`${name}: ${figure}`);
      });
    },
    async check(name, fn) {
      if (failed) return skipped(name);
      await t.test(name, async () => {
        let result;
        try {
          result = await timed(fn);
        } catch (error) {
          record(name, String(error.message).split('\n').slice(0, 12).join(' | '), 0, false);
          throw error;
        }
        record(name, result.value.figure, result.seconds, result.value.ok);
        if (!result.value.ok) throw new Error(`${name}: ${result.value.figure}`);
      });
    },
  };
}
