// `npm start` on a fresh clone: embedded PostgreSQL in KASTELL_DATA_DIR (as
// root: under /var/lib/kastell/embedded-postgres, recorded there), a set-up
// link on the console, /healthz 200, clean stop on SIGTERM, and a second start
// that reuses the data.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from '../harness/postgres.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'kastell-embedded-'));
/** Where the cluster is: as root outside KASTELL_DATA_DIR (see app/db/embedded.ts). */
function clusterDir(): string {
  const secretsFile = join(dataDir, 'embedded-postgres.json');
  const recorded = existsSync(secretsFile) ? (JSON.parse(readFileSync(secretsFile, 'utf8')) as { clusterDir?: string }).clusterDir : undefined;
  return recorded ?? join(dataDir, 'postgres');
}
after(() => {
  const cluster = clusterDir();
  if (!cluster.startsWith(dataDir)) rmSync(dirname(cluster), { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

async function startPortal(port: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    env: { ...process.env, KASTELL_DATA_DIR: dataDir, KASTELL_HTTP_PORT: String(port), KASTELL_LOG_LEVEL: 'info',
      KASTELL_DATABASE_URL: '', KASTELL_ADMIN_DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // both starts have no owner yet: ready once it listens and has printed the set-up link (in either order)
  const ready = () => /Kastell is listening/.test(output) && /\/setup\/[A-Za-z0-9_-]{43}/.test(output);
  for (let i = 0; i < 1200 && !ready(); i++) {
    if (child.exitCode !== null) throw new Error(`portal exited: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, exited, output: () => output };
}

test('first start initialises, migrates and prints a set-up link; SIGTERM stops it cleanly; second start reuses the data', async () => {
  const port = await freePort();
  const first = await startPortal(port);
  assert.match(first.output(), /initialising the embedded PostgreSQL cluster/);
  assert.match(first.output(), /Open this one-time link to set Kastell up:\s+http:\/\/127\.0\.0\.1:\d+\/setup\/[A-Za-z0-9_-]{43}/);
  assert.doesNotMatch(first.output().split('\n').filter((l) => l.startsWith('{')).join('\n'), /\/setup\/[A-Za-z0-9_-]{43}/, 'the link is not in the JSON logs');
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(health.status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);

  const firstCluster = clusterDir();
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0, first.output().slice(-3000));
  assert.match(first.output(), /"signal":"SIGTERM"/);
  assert.doesNotMatch(first.output(), /terminating connection due to administrator command/, 'the database stops last, after the app closed its connections');

  const second = await startPortal(port);
  assert.doesNotMatch(second.output(), /initialising/);
  assert.match(second.output(), /\/setup\//, 'still no owner, so a fresh link');
  assert.equal(clusterDir(), firstCluster, 'the same cluster');
  const secrets = JSON.parse(readFileSync(join(dataDir, 'embedded-postgres.json'), 'utf8'));
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.output().slice(-3000));
  assert.ok(secrets.appPassword.length >= 32, 'generated, not default, passwords');
});

test('no postmaster is left running after the portal stops', async () => {
  const { execFileSync } = await import('node:child_process');
  const running = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((line) => line.includes(clusterDir()) && /postgres/.test(line));
  assert.deepEqual(running, []);
});
