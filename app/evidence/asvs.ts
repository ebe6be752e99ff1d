// The OWASP ASVS 5.0 requirements (app/evidence/asvs-5.0.tsv, taken from the
// standard's own flat JSON; the file names its source) and the tests that
// prove them, read from annotations in the tests themselves, so the mapping
// cannot drift from the code: a comment `// asvs: V6.2.1 V6.2.2` on the
// line(s) just above a `test('name', …)` call maps those requirements to
// that test (file + name, as node:test reports it).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface AsvsRequirement { id: string; level: 1 | 2 | 3; section: string; text: string }
export interface AnnotatedTest { file: string; name: string; line: number; requirements: string[] }

const tablePath = new URL('./asvs-5.0.tsv', import.meta.url).pathname;

export function readAsvsTable(path = tablePath): AsvsRequirement[] {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line && !line.startsWith('#')).map((line) => {
    const [id, level, section, text] = line.split('\t');
    return { id: id!, level: Number(level) as 1 | 2 | 3, section: section!, text: text! };
  });
}

const annotation = /^\s*\/\/\s*asvs:(.*)$/;
const requirementId = /^V\d{1,2}\.\d{1,2}\.\d{1,2}$/;
// eslint-disable-next-line security/detect-unsafe-regex -- a backslash matches only as an escape, so each character has one way to match
const testCall = /^\s*(?:test|it)(?:\.\w+)?\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/;

/** Every annotated test under `dir` (files *.test.ts / *.test.js), in file order. */
export function findAnnotatedTests(root: string, dir = join(root, 'test')): AnnotatedTest[] {
  const files = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(d, e.name)) : /\.test\.(ts|js)$/.test(e.name) ? [join(d, e.name)] : []);
  const found: AnnotatedTest[] = [];
  for (const file of files(dir).sort()) {
    const lines = readFileSync(file, 'utf8').split('\n');
    let pending: string[] = [];
    lines.forEach((line, index) => {
      const a = annotation.exec(line);
      if (a) {
        const ids = a[1]!.split(/[\s,]+/).filter(Boolean);
        const bad = ids.filter((id) => !requirementId.test(id));
        if (ids.length === 0 || bad.length > 0) throw new Error(`${relative(root, file)}:${index + 1}: "asvs:" must list requirement ids like V6.2.1${bad.length ? ` (not ${bad.join(', ')})` : ''}`);
        pending.push(...ids);
        return;
      }
      if (pending.length === 0) return;
      const call = testCall.exec(line);
      if (call) {
        found.push({ file: relative(root, file), name: call[2]!.replace(/\\(.)/g, '$1'), line: index + 1, requirements: pending });
        pending = [];
      } else if (!/^\s*\/\//.test(line)) {
        throw new Error(`${relative(root, file)}:${index + 1}: an "asvs:" annotation must stand right above a test(…) call`);
      }
    });
    if (pending.length > 0) throw new Error(`${relative(root, file)}: an "asvs:" annotation at the end of the file names no test`);
  }
  return found;
}

export type AsvsStatus = 'tested' | 'not_applicable' | 'not_yet' | 'not_assessed';
export interface TestResult { file: string | null; name: string; result: string }
export interface AssessedRequirement extends AsvsRequirement {
  status: AsvsStatus;
  reason: string | null;
  tests: Array<{ file: string; name: string; line: number; result: string }>;
}

export function readStatements(path = new URL('./asvs-statements.tsv', import.meta.url).pathname): Array<{ scope: string; status: 'not_applicable' | 'not_yet'; reason: string }> {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line && !line.startsWith('#')).map((line) => {
    const [scope, status, reason] = line.split('\t');
    if (status !== 'not_applicable' && status !== 'not_yet') throw new Error(`asvs-statements.tsv: ${scope}: status must be not_applicable or not_yet`);
    return { scope: scope!, status, reason: reason! };
  });
}

/**
 * Every requirement up to `level` with its evidence: the annotated tests and
 * their latest results, else a statement (not applicable / not yet, with
 * its reason), else "not assessed" — which the pack shows and counts, never hides.
 */
export function assessAsvs(root: string, results: TestResult[] | null, level: 1 | 2 | 3 = 2, annotated = findAnnotatedTests(root)): AssessedRequirement[] {
  const statements = readStatements();
  const resultOf = (file: string, name: string) => {
    const found = results?.filter((r) => r.file === file && r.name === name) ?? [];
    if (found.length === 0) return 'no result recorded';
    return found.some((r) => r.result === 'fail') ? 'fail' : found[0]!.result;
  };
  return readAsvsTable().filter((r) => r.level <= level).map((r) => {
    const tests = annotated.filter((t) => t.requirements.includes(r.id)).map((t) => ({ file: t.file, name: t.name, line: t.line, result: resultOf(t.file, t.name) }));
    if (tests.length > 0) return { ...r, status: 'tested' as const, reason: null, tests };
    const chapter = r.id.split('.')[0]!;
    const section = r.id.split('.').slice(0, 2).join('.');
    const statement = statements.find((s) => s.scope === r.id) ?? statements.find((s) => s.scope === section) ?? statements.find((s) => s.scope === chapter);
    if (statement) return { ...r, status: statement.status, reason: statement.reason, tests };
    return { ...r, status: 'not_assessed' as const, reason: 'no test is annotated for it and no statement says why not', tests };
  });
}

/**
 * A release ships no tests: ops/build-release stores their annotations
 * (release/asvs-tests.json) and the latest results (release/test-results.json)
 * of the tree it was built from. A checkout reads its test/ folder.
 */
export function locateTestEvidence(root: string, releaseDir: string): { annotated: AnnotatedTest[]; resultsPath: string } {
  if (existsSync(join(root, 'test'))) return { annotated: findAnnotatedTests(root), resultsPath: join(root, 'test', 'results', 'latest.json') };
  const index = join(releaseDir, 'asvs-tests.json');
  return { annotated: existsSync(index) ? (JSON.parse(readFileSync(index, 'utf8')) as AnnotatedTest[]) : [], resultsPath: join(releaseDir, 'test-results.json') };
}
