// The house rules for imports (.dependency-cruiser.cjs): no cycles, the core
// imports no feature, only the server builds the app. Checked on the tree,
// and on a small tree that breaks each rule, so the check itself can fail.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import test from 'node:test';
import { linkTypeScript5 } from '../harness/typescript5.ts';

const root = new URL('../..', import.meta.url).pathname;
const config = join(root, '.dependency-cruiser.cjs');

// dependency-cruiser reads TypeScript (TSX and type-only imports included)
// through the compiler's JavaScript API: it gets TypeScript 5 (see the helper).
function cruise(cwd: string) {
  const r = spawnSync(join(root, 'node_modules', '.bin', 'depcruise'), ['--config', config, '--output-type', 'err', 'app'], { cwd, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

linkTypeScript5('dependency-cruiser');

test('the tree keeps the import rules: no cycles, the core imports no feature', () => {
  const info = spawnSync(join(root, 'node_modules', '.bin', 'depcruise'), ['--info'], { encoding: 'utf8' });
  assert.match(info.stdout, /✔ typescript .*typescript@5\./, 'dependency-cruiser must read TypeScript, or it sees no .ts file at all');
  const r = cruise(root);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /no dependency violations found \((\d{3,}) modules/, 'it must have cruised the whole app');
});

test('each rule fires on a tree that breaks it (type-only imports and .tsx included)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kastell-deps-'));
  try {
    const file = (path: string, text: string) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    file('app/jobs/job.ts', "export interface Job { id: string }\n");
    file('app/http/layout.tsx', "import type { Job } from '../jobs/job.ts';\nexport const Row = (p: { job: Job }) => <p>{p.job.id}</p>;\n");
    file('app/sites/a.ts', "import type { B } from './b.ts';\nexport interface A { b?: B }\n");
    file('app/sites/b.ts', "import type { A } from './a.ts';\nexport interface B { a?: A }\n");
    file('app/app.tsx', "export const app = 1;\n");
    file('app/companies/routes.tsx', "import { app } from '../app.tsx';\nexport const x = <p>{app}</p>;\n");
    const r = cruise(dir);
    assert.notEqual(r.status, 0, r.output);
    assert.match(r.output, /core-imports-no-feature: app\/http\/layout\.tsx → app\/jobs\/job\.ts/);
    assert.match(r.output, /no-cycles: app\/sites\/(a|b)\.ts/);
    assert.match(r.output, /only-the-server-builds-the-app: app\/companies\/routes\.tsx → app\/app\.tsx/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
