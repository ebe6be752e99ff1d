// Lint with security rules (.eslint.config.mjs): typescript-eslint's
// type-aware promise rules and eslint-plugin-security over app/ and bin/.
// The tree must pass with no warning; a fixture that breaks each rule must
// be refused by each, so the check itself can fail.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import test from 'node:test';
import { linkTypeScript5 } from '../harness/typescript5.ts';

const root = new URL('../..', import.meta.url).pathname;

// typescript-eslint parses through the TypeScript 5 JS API (TypeScript 7 has none)
for (const pkg of ['@typescript-eslint/typescript-estree', '@typescript-eslint/parser', '@typescript-eslint/project-service',
  '@typescript-eslint/tsconfig-utils', '@typescript-eslint/type-utils', '@typescript-eslint/types', '@typescript-eslint/utils',
  '@typescript-eslint/eslint-plugin', 'ts-api-utils', 'typescript-eslint']) linkTypeScript5(pkg);

interface LintResult { filePath: string; messages: Array<{ ruleId: string | null; line: number; message: string }> }

function lint(...paths: string[]): LintResult[] {
  const r = spawnSync(join(root, 'node_modules', '.bin', 'eslint'), ['--config', '.eslint.config.mjs', '--format', 'json', ...paths], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  assert.ok(r.stdout.startsWith('['), `eslint did not answer JSON: ${r.stderr}`);
  return JSON.parse(r.stdout) as LintResult[];
}

// asvs: V1.3.2
test('app/ and bin/ pass the security lint without a warning', () => {
  const results = lint('app', 'bin');
  assert.ok(results.length > 100, `eslint must have read the whole app (${results.length} files)`);
  const problems = results.flatMap((f) => f.messages.map((m) => `${f.filePath.slice(root.length)}:${m.line} ${m.ruleId ?? 'parse'}: ${m.message}`));
  assert.deepEqual(problems, []);
});

test('each security rule fires on a file that breaks it', () => {
  const [fixture] = lint('test/foundation/lint-fixtures/unsafe.ts');
  const fired = fixture!.messages.map((m) => `${m.line} ${m.ruleId}`).sort();
  assert.deepEqual(fired, [
    '10 security/detect-possible-timing-attacks', '11 security/detect-unsafe-regex',
    '6 no-eval', '6 security/detect-eval-with-expression', '7 security/detect-child-process',
    '8 @typescript-eslint/no-floating-promises', '9 @typescript-eslint/await-thenable',
  ]);
});
