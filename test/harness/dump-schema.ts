// sql/schema.sql: the schema a fresh `kastell migrate` produces, as
// `pg_dump --schema-only` prints it, normalised so the file only changes when
// the schema does. `npm run schema:dump` rewrites it;
// test/foundation/schema-file.test.ts fails when it is out of date.
//
// Normalised away: pg_dump's version lines, SET lines and search_path reset,
// the per-run \restrict key (pg_dump 15.14+), runs of blank lines, and the
// monthly audit partitions (audit.events_YYYY_MM, audit.chain_YYYY_MM), which
// audit.ensure_partitions creates for the current month onwards, so their
// names depend on the day the database was migrated. Nothing is reordered.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findPostgresBinaries } from './postgres.ts';

export const schemaFile = new URL('../../sql/schema.sql', import.meta.url).pathname;
export const regenerateCommand = 'npm run schema:dump';

/** The major version of the pg_dump next to the harness's server binaries. */
export function pgDumpMajor(bin = findPostgresBinaries()): string {
  const run = spawnSync(pgDumpPath(bin), ['--version'], { encoding: 'utf8' });
  const match = /\(PostgreSQL\) (\d+)/.exec(run.stdout);
  if (run.status !== 0 || !match) throw new Error(`cannot run ${pgDumpPath(bin)} --version: ${run.stderr || run.error}`);
  return match[1]!;
}

function pgDumpPath(bin: string): string {
  const path = join(bin, 'pg_dump');
  if (!existsSync(path)) {
    throw new Error(`no pg_dump in ${bin}: sql/schema.sql is generated with the cluster's own pg_dump (apt-get install postgresql).`);
  }
  return path;
}

/** The normalised schema dump of the database at `adminUrl` (a superuser URL). */
export function dumpSchema(adminUrl: string, bin = findPostgresBinaries()): string {
  const run = spawnSync(pgDumpPath(bin), ['--schema-only', '--no-tablespaces',
    '--exclude-table=audit.events_[0-9][0-9][0-9][0-9]_[0-9][0-9]',
    '--exclude-table=audit.chain_[0-9][0-9][0-9][0-9]_[0-9][0-9]',
    '--dbname', adminUrl], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`pg_dump failed: ${run.stderr || run.error}`);
  return normaliseDump(run.stdout, pgDumpMajor(bin));
}

export function normaliseDump(dump: string, major: string): string {
  const kept = dump.split('\n').filter((line) =>
    !/^\\(un)?restrict /.test(line)
    && !/^-- Dumped (from database|by pg_dump) version /.test(line)
    && !/^SET [a-z_]+ = /.test(line)
    && !/^SELECT pg_catalog\.set_config\('search_path', '', false\);$/.test(line)
    && !/^-- PostgreSQL database dump( complete)?$/.test(line));
  // the header's and footer's comment frames, left empty
  while (kept.length > 0 && /^(--)?$/.test(kept[0]!)) kept.shift();
  while (kept.length > 0 && /^(--)?$/.test(kept.at(-1)!)) kept.pop();
  if (kept[0]?.startsWith('-- Name: ')) kept.unshift('--');
  const body = kept.join('\n').replace(/\n{3,}/g, '\n\n');
  return [
    '-- The schema a fresh `kastell migrate` produces: generated, do not edit.',
    `-- Regenerate with \`${regenerateCommand}\` (pg_dump ${major} --schema-only, normalised by`,
    '-- test/harness/dump-schema.ts); test/foundation/schema-file.test.ts checks it.',
    '-- Left out: the monthly audit partitions audit.events_YYYY_MM and',
    '-- audit.chain_YYYY_MM that audit.ensure_partitions() creates (their names',
    '-- depend on the date); audit.events_default and audit.chain_default are here.',
    '',
    body,
    '',
  ].join('\n');
}

// `npm run schema:dump`: a throwaway cluster, a fresh migration, the dump.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { startCluster } = await import('./postgres.ts');
  const { prepareTemplate, templateDatabase } = await import('./template.ts');
  const cluster = await startCluster();
  try {
    await prepareTemplate(cluster);
    writeFileSync(schemaFile, dumpSchema(cluster.adminUrl(templateDatabase)));
    console.log(`wrote ${schemaFile} (PostgreSQL ${cluster.version})`);
  } finally {
    await cluster.stop();
  }
}
