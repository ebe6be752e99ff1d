// The ASVS 5.0 table is the standard's (345 requirements: 70 at level 1,
// 183 at 2, 92 at 3), and every "asvs:" annotation in the tests names a
// requirement of level 1 or 2 that exists, right above the test it maps.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findAnnotatedTests, readAsvsTable } from '../../app/evidence/asvs.ts';

const root = new URL('../..', import.meta.url).pathname;

test('the ASVS 5.0 table holds every requirement with its level', () => {
  const table = readAsvsTable();
  assert.equal(table.length, 345);
  assert.deepEqual([1, 2, 3].map((l) => table.filter((r) => r.level === l).length), [70, 183, 92]);
  assert.equal(new Set(table.map((r) => r.id)).size, 345);
  assert.match(table.find((r) => r.id === 'V6.2.1')!.text, /at least 8 characters/);
});

test('every annotation names an existing level 1 or 2 requirement, above a test', () => {
  const levels = new Map(readAsvsTable().map((r) => [r.id, r.level]));
  const annotated = findAnnotatedTests(root);
  assert.ok(annotated.length > 0);
  const wrong = annotated.flatMap((t) => t.requirements.filter((id) => (levels.get(id) ?? 9) > 2).map((id) => `${t.file}:${t.line} ${id}`));
  assert.deepEqual(wrong, []);
});

test('an annotation that stands above no test is refused; one above a test maps to its name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kastell-asvs-'));
  try {
    mkdirSync(join(dir, 'test'));
    writeFileSync(join(dir, 'test', 'a.test.ts'), "// asvs: V6.2.1, V6.2.2\n// why it proves it\ntest('passwords of 12 characters', () => {});\n");
    assert.deepEqual(findAnnotatedTests(dir), [{ file: 'test/a.test.ts', name: 'passwords of 12 characters', line: 3, requirements: ['V6.2.1', 'V6.2.2'] }]);
    writeFileSync(join(dir, 'test', 'b.test.ts'), "// asvs: V6.2.1\nconst x = 1;\ntest('x', () => {});\n");
    assert.throws(() => findAnnotatedTests(dir), /b\.test\.ts:2: an "asvs:" annotation must stand right above/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
