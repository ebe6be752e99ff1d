// A node:test reporter that writes the run's results as one JSON document
// (test/run.ts sends it to test/results/latest.json beside the usual TAP or
// spec output): every test and subtest by file and name, passed / failed /
// skipped, so `kastell evidence` can show the latest result of each test an
// ASVS requirement is mapped to.
import { execFileSync } from 'node:child_process';
import { relative } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

function commit() {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export default async function* resultsReporter(source) {
  const startedAt = new Date().toISOString();
  const tests = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, file, nesting, skip, todo, details } = event.data;
    // the file-level wrapper test of each file is named by the file's path: not a test
    if (file && nesting === 0 && name === file) continue;
    tests.push({
      file: file ? relative(root, file) : null, name, nesting,
      result: skip !== undefined ? 'skipped' : todo !== undefined ? 'todo' : event.type === 'test:pass' ? 'pass' : 'fail',
      durationMs: Math.round(details?.duration_ms ?? 0),
    });
  }
  yield JSON.stringify({ format: 'kastell-test-results v1', startedAt, finishedAt: new Date().toISOString(), commit: commit(), node: process.version, tests }, null, 2) + '\n';
}
