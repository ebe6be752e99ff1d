// sql/schema.sql is where a reader finds any table's or function's current
// form; it must be what a fresh migration produces today.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { dumpSchema, regenerateCommand, schemaFile } from '../harness/dump-schema.ts';
import { createTestDatabase } from '../harness/database.ts';

const t = await createTestDatabase();

/** A short unified diff of committed → fresh, for the failure message. */
function shortDiff(committed: string, fresh: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kastell-schema-'));
  try {
    writeFileSync(join(dir, 'committed'), committed);
    writeFileSync(join(dir, 'fresh'), fresh);
    const run = spawnSync('diff', ['-u', '--label', 'sql/schema.sql (committed)', '--label', 'fresh migration',
      join(dir, 'committed'), join(dir, 'fresh')], { encoding: 'utf8' });
    const lines = run.stdout.split('\n');
    return lines.slice(0, 60).join('\n') + (lines.length > 60 ? `\n… ${lines.length - 60} more diff lines` : '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('sql/schema.sql is the schema a fresh migration produces', () => {
  const fresh = dumpSchema(t.adminUrl);
  const committed = readFileSync(schemaFile, 'utf8');
  const committedMajor = /pg_dump (\d+) --schema-only/.exec(committed)?.[1];
  const freshMajor = /pg_dump (\d+) --schema-only/.exec(fresh)?.[1];
  assert.equal(freshMajor, committedMajor,
    `sql/schema.sql was written by pg_dump ${committedMajor}; this machine's test cluster has pg_dump ${freshMajor}, ` +
    'whose output differs in form. CI uses PostgreSQL 15 (Debian 12): regenerate it there, or with KASTELL_TEST_PG_BIN pointing at PostgreSQL 15.');
  if (fresh !== committed) {
    assert.fail(`sql/schema.sql differs from a freshly migrated database. If the migrations are right, run \`${regenerateCommand}\` and commit the file.\n${shortDiff(committed, fresh)}`);
  }
});

test('the dump names what a reader looks for: tables, policies, function bodies, grants', () => {
  const committed = readFileSync(schemaFile, 'utf8');
  for (const needle of [
    'CREATE TABLE kastell.sessions (',
    'CREATE POLICY sessions_read ON kastell.sessions',
    'CREATE FUNCTION app.start_session(p_user_id uuid, p_token_hash bytea, p_idle_timeout interval, p_ip text, p_user_agent text, p_auth_method text)',
    'from unnest(p_seqs, p_event_ids, p_occurred, p_txids, p_prev, p_hashes, p_key_ids, p_macs)',
    'GRANT ALL ON FUNCTION app.resume_session(p_token_hash bytea) TO kastell_app;',
    'ALTER TABLE ONLY kastell.users FORCE ROW LEVEL SECURITY;',
  ]) assert.ok(committed.includes(needle), needle);
  assert.doesNotMatch(committed, /^(SET |\\restrict|-- Dumped )/m, 'run-to-run noise is normalised away');
  assert.doesNotMatch(committed, /audit\.(events|chain)_\d{4}_\d{2}/, 'dated partitions are left out');
});
