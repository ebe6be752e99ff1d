// The kastell command starts without the portal: each command imports what it
// needs in its action (app/cli/main.ts). Loading everything cost 4.5 s and
// 350 MiB per command, and the suite runs the CLI hundreds of times.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');

/** Every module URL the CLI resolves for `args` (through a resolve hook). */
function modulesLoadedBy(args: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'kastell-cli-start-'));
  try {
    const file = join(dir, 'modules.txt');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', join(import.meta.dirname, 'record-modules.mjs'), 'app/cli/main.ts', ...args], {
      cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', KASTELL_RECORD_MODULES: file }, timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// the libraries only the portal or one command needs, and the portal's composition root
const heavy = [/node_modules\/sharp\//, /node_modules\/minio\//, /node_modules\/@libpdf\//, /node_modules\/pdfkit\//, /node_modules\/file-type\//,
  /node_modules\/@simplewebauthn\//, /node_modules\/@aws-crypto\//, /\/app\/app\.tsx$/, /\/app\/server\.ts$/];

test('kastell --help and kastell audit --help load none of the portal, PDF, image, S3 or envelope libraries', () => {
  for (const args of [['--help'], ['audit', '--help']]) {
    const loaded = modulesLoadedBy(args);
    assert.ok(loaded.some((url) => url.endsWith('/app/cli/main.ts')), 'the hook saw the CLI load');
    for (const pattern of heavy) {
      const found = loaded.filter((url) => pattern.test(url));
      assert.deepEqual(found, [], `kastell ${args.join(' ')} loaded ${pattern} at start: import it in the command's action`);
    }
  }
});
