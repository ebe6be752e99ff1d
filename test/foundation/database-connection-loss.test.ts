// The server process lives on when a connection to its database is lost in
// work nobody awaited (the crash test's CI failure: Kastell ended on an
// unhandled `connect ECONNREFUSED` while PostgreSQL restarted), and still ends
// on every other unhandled rejection. Each case runs in a child process with
// the handler app/main.ts installs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { freePort } from '../harness/postgres.ts';

const root = new URL('../..', import.meta.url).pathname;

function runWithHandler(body: string): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const script = `
    const { connectDatabase, surviveDatabaseConnectionLoss } = await import(${JSON.stringify(`${root}app/db/client.ts`)});
    surviveDatabaseConnectionLoss();
    ${body}
    setTimeout(() => { console.log('alive'); process.exit(0); }, 1500);`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `run` against a server on 127.0.0.1 that accepts every connection and resets it at once. */
async function withResettingServer<T>(run: (port: number) => Promise<T>): Promise<T> {
  const server = createServer((socket) => socket.resetAndDestroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await run((server.address() as { port: number }).port);
  } finally {
    server.close();
  }
}

test('a query to the database nobody awaited, refused while the database is down: a warning, and the process lives on', async () => {
  const port = await freePort(); // nothing listens there: the database is down
  const run = await runWithHandler(`
    const db = connectDatabase('postgres://kastell:x@127.0.0.1:${port}/kastell', { max: 1 });
    db.sql\`select 1\`.then(() => {}); // its rejection is handled by nobody`);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /alive/);
  assert.match(run.stderr, /KastellDatabaseWarning: database connection lost in work nobody awaited; reconnecting: Error: connect ECONNREFUSED 127\.0\.0\.1:\d+/);
});

test('an unhandled rejection that is not the database still ends the process with the error', async () => {
  const run = await runWithHandler(`Promise.reject(new Error('something else broke'));`);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /Unhandled rejection: Error: something else broke/);
});

test('a refused connection to anything but the database (a mail or S3 server) still ends the process', async () => {
  const databasePort = await freePort();
  const otherPort = await freePort();
  const run = await runWithHandler(`
    connectDatabase('postgres://kastell:x@127.0.0.1:${databasePort}/kastell', { max: 1 });
    const { connect } = await import('node:net');
    new Promise((_, reject) => connect(${otherPort}, '127.0.0.1').on('error', reject));`);
  assert.equal(run.code, 1);
  assert.match(run.stderr, new RegExp(`Unhandled rejection: Error: connect ECONNREFUSED 127\\.0\\.0\\.1:${otherPort}`));
});

test('a connection the database resets mid-query, unawaited: the process lives on', async () => {
  // a "database" that resets every connection
  const run = await withResettingServer((port) => runWithHandler(`
    const db = connectDatabase('postgres://kastell:x@127.0.0.1:${port}/kastell', { max: 1 });
    db.sql\`select 1\`.then(() => {});`));
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /KastellDatabaseWarning: database connection lost/);
});

test('a reset of a socket that is not the database (a write to a mail or S3 server) still ends the process', async () => {
  const run = await withResettingServer((port) => runWithHandler(`
    const { connect } = await import('node:net');
    const socket = connect(${port}, '127.0.0.1');
    new Promise((_, reject) => socket.on('error', reject));
    const write = () => { if (!socket.destroyed) { socket.write('x'.repeat(65536)); setTimeout(write, 20); } };
    socket.on('connect', write);`));
  assert.equal(run.code, 1);
  assert.match(run.stderr, /Unhandled rejection: Error: (connect|write|read) (ECONNRESET|EPIPE)/);
});
