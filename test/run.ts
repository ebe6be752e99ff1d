// `npm test` after type checking: starts one throwaway PostgreSQL cluster,
// migrates a template database, runs every test file with node's test
// runner (each file clones the template), and tears the cluster down —
// also on Ctrl-C or a crash (the next run kills any orphaned postmaster).
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startCluster } from './harness/postgres.ts';
import { prepareTemplate } from './harness/template.ts';

const root = new URL('..', import.meta.url).pathname;
const requested = process.argv.slice(2);

function findTests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'appliance' || entry.name === 'bench' ? [] : findTests(path);
    return /\.test\.(ts|js)$/.test(entry.name) ? [path] : [];
  });
}

const files = requested.length > 0 ? requested : findTests(join(root, 'test')).map((f) => relative(root, f)).sort();
const cluster = await startCluster();
let exitCode = 1;
try {
  const { appPassword } = await prepareTemplate(cluster);
  console.log(`# PostgreSQL ${cluster.version} on 127.0.0.1:${cluster.port}; ${files.length} test files`);
  // the usual output, and every result as JSON for `kastell evidence` (test/harness/results-reporter.mjs)
  mkdirSync(join(root, 'test', 'results'), { recursive: true });
  const reporters = ['--test-reporter', process.stdout.isTTY ? 'spec' : 'tap', '--test-reporter-destination', 'stdout',
    '--test-reporter', './test/harness/results-reporter.mjs', '--test-reporter-destination', 'test/results/latest.json'];
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...reporters, ...files], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      KASTELL_TEST_ADMIN_URL: cluster.adminUrl(),
      KASTELL_TEST_APP_PASSWORD: appPassword,
    },
  });
  const stop = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  exitCode = await new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
} finally {
  await cluster.stop();
}
process.exit(exitCode);
