// The OWASP ASVS 5.0 requirements (app/evidence/asvs-5.0.tsv, taken from the
// standard's own flat JSON; the file names its source) and the tests that
// prove them, read from annotations in the tests themselves, so the mapping
// cannot drift from the code: a comment `// asvs: V6.2.1 V6.2.2` on the
// line(s) just above a `test('name', …)` call maps those requirements to
// that test (file + name, as node:test reports it).
import { readdirSync, readFileSync } from 'node:fs';
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

const annotation = /^\s*\/\/\s*asvs:\s*((?:V\d+\.\d+\.\d+[\s,]*)+)$/;
const testCall = /^\s*(?:test|it)(?:\.\w+)?\(\s*(['"`])((?:\\.|(?!\1).)*)\1/;

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
      if (a) { pending.push(...a[1]!.split(/[\s,]+/).filter(Boolean)); return; }
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
