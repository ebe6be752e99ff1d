// The kastell command reports an error the operator can act on as one plain
// line on stderr (`kastell: …`) and a non-zero exit, never a Node stack trace;
// a bug (TypeError & co.) keeps its stack.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { expectedErrorLine } from '../../app/cli/main.ts';
import { ConfigError } from '../../app/config.ts';
import { createTestDatabase } from '../harness/database.ts';
import { freePort } from '../harness/postgres.ts';

const root = join(import.meta.dirname, '..', '..');

/** Runs the CLI with only the given KASTELL_* variables (none inherited). */
function kastell(args: string[], env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('KASTELL_') && key !== 'CREDENTIALS_DIRECTORY'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'app/cli/main.ts', ...args], {
    cwd: root, encoding: 'utf8', env: { ...clean, ...env }, timeout: 120_000,
  });
  if (r.error) throw r.error;
  return r;
}

function assertOneLine(r: ReturnType<typeof kastell>, message: RegExp): void {
  assert.notEqual(r.status, 0, `exit 0:\n${r.stdout}\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `a stack trace reached the operator:\n${r.stderr}`);
  const lines = r.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^kastell: /);
  assert.match(lines[0]!, message);
}

const longPassword = 'a-password-long-enough-1234';

test('kastell migrate with a short password in KASTELL_DATABASE_URL: one line naming the rule', async () => {
  const port = await freePort();
  const r = kastell(['migrate'], {
    KASTELL_DATABASE_URL: `postgres://kastell:short@127.0.0.1:${port}/kastell`,
    KASTELL_ADMIN_DATABASE_URL: `postgres://postgres:${longPassword}@127.0.0.1:${port}/postgres`,
  });
  assertOneLine(r, /KASTELL_DATABASE_URL must carry a password of at least 16 characters/);
  assert.equal(r.status, 1);
});

test('kastell migrate against a port nobody listens on: one line, connection refused', async () => {
  const port = await freePort();
  const r = kastell(['migrate'], {
    KASTELL_DATABASE_URL: `postgres://kastell:${longPassword}@127.0.0.1:${port}/kastell`,
    KASTELL_ADMIN_DATABASE_URL: `postgres://postgres:${longPassword}@127.0.0.1:${port}/postgres`,
  });
  assertOneLine(r, new RegExp(`cannot connect to 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
});

test('an invalid configuration: one line with every problem and the fix hint, exit 2', () => {
  const r = kastell(['audit', 'verify'], { KASTELL_DATABASE_URL: 'mysql://x', KASTELL_HTTP_PORT: '70000' });
  assertOneLine(r, /the configuration is invalid: KASTELL_DATABASE_URL must be a postgres:\/\/ URL, e\.g\. postgres:\/\/kastell:secret@127\.0\.0\.1:5432\/kastell; KASTELL_HTTP_PORT must be between 1 and 65535/);
  assert.match(r.stderr, /Set the variables in the environment \(or as systemd credentials\) and start again\. See README "Configuration"\./);
  assert.equal(r.status, 2);
});

test('PostgreSQL refusing the login (wrong password): one line with its SQLSTATE', async () => {
  const t = await createTestDatabase();
  const url = new URL(t.appUrl);
  url.password = 'the-wrong-password-123456';
  const r = kastell(['audit', 'verify'], { KASTELL_DATABASE_URL: url.toString() });
  assertOneLine(r, /the database refused: password authentication failed .*\(SQLSTATE 28P01\)/);
});

test('expected errors become one line; a bug keeps its stack', () => {
  assert.match(expectedErrorLine(new ConfigError(['KASTELL_HTTP_PORT must be a number'])) ?? '', /^the configuration is invalid: KASTELL_HTTP_PORT must be a number\. Set the variables/);
  assert.equal(expectedErrorLine(new Error('The database is behind this version of Kastell (pending: 0300_x). Run "kastell migrate" first.')),
    'The database is behind this version of Kastell (pending: 0300_x). Run "kastell migrate" first.');
  assert.match(expectedErrorLine(Object.assign(new Error('EACCES: permission denied, open \'/x\''), { code: 'EACCES' })) ?? '', /permission denied/);
  assert.equal(expectedErrorLine(new TypeError("Cannot read properties of undefined (reading 'x')")), undefined);
  assert.equal(expectedErrorLine(new RangeError('Invalid array length')), undefined);
  assert.equal(expectedErrorLine('a string'), undefined);
});
