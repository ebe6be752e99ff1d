// Secrets never reach the logs: passwords, cookies, tokens in paths.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import { parseConfig } from '../../app/config.ts';
import { redactedPaths } from '../../app/log.ts';
import { startServer } from '../../app/server.ts';
import { createTestDatabase } from '../harness/database.ts';
import { freePort } from '../harness/postgres.ts';
import { seedTotp, seedUser, signInWithTotp, testSecretKey, testSecretKeyId } from '../harness/seed.ts';
import { TestClient } from '../harness/server.ts';

/** A server whose log lines (with the production redaction) are collected in `lines`. */
async function startLoggedServer(level: 'debug' | 'info', env: Record<string, string> = {}) {
  const t = await createTestDatabase();
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  const log = pino({ level, redact: { paths: redactedPaths, censor: '[redacted]' } }, sink);
  const config = parseConfig({ KASTELL_DATABASE_URL: t.appUrl, KASTELL_HTTP_PORT: String(await freePort()),
    KASTELL_SECRET_KEY: testSecretKey.toString('base64'), KASTELL_SECRET_KEY_ID: testSecretKeyId, KASTELL_HIBP_URL: 'off', ...env });
  return { t, lines, log, server: await startServer(config, log) };
}

// asvs: V16.2.5
test('request logs carry no password, cookie or link token', async () => {
  const { t, lines, log, server } = await startLoggedServer('debug');
  try {
    const user = await seedUser(t.admin, 'admin');
    const client = new TestClient(server.url);
    await client.get(new URL(server.setupLink!).pathname);
    await client.postJson('/api/v1/auth/sign-in', { email: user.email, password: 'wrong password value' });
    await seedTotp(t.admin, user.userId);
    await signInWithTotp(client, user);
    await client.get('/api/v1/me');
    log.info({ password: 'hunter2-in-a-field', req: { headers: { cookie: 'x=y' } } }, 'direct');
    const all = lines.join('');
    const token = new URL(server.setupLink!).pathname.split('/').pop()!;
    assert.ok(!all.includes(token), 'set-up token in logs');
    assert.ok(all.includes('/setup/[token]'), 'the path is logged masked');
    assert.ok(!all.includes(user.password) && !all.includes('wrong password value'), 'password in logs');
    assert.ok(!all.includes(client.cookies.get('__Host-kastell-session')!), 'session token in logs');
    assert.ok(!all.includes('hunter2-in-a-field'));
    assert.match(all, /"event":"auth.signin.failed","ip":"127.0.0.1"/);
  } finally {
    await server.close();
  }
});

test('a sign-in refused for want of a solved bot challenge is logged as a failed sign-in, so Crowdsec goes on counting the IP', async () => {
  const { lines, server } = await startLoggedServer('info', { KASTELL_CHALLENGE_AFTER_FAILURES: '2' });
  try {
    const client = new TestClient(server.url);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await client.postJson('/api/v1/auth/sign-in', { email: 'bot.target@example.test', password: `wrong password ${i}` })).status);
    assert.deepEqual(statuses, [401, 401, 428, 428, 428]);
    const failed = lines.filter((l) => l.includes('"event":"auth.signin.failed","ip":"127.0.0.1"'));
    assert.equal(failed.length, 5, 'every refused attempt is a logged failure');
    assert.equal(failed.filter((l) => l.includes('"reason":"challenge_required"')).length, 3);
  } finally {
    await server.close();
  }
});
