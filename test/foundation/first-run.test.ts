// First run: a one-time set-up link, no default password anywhere.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { generate } from 'otplib';
import { parseConfig } from '../../app/config.ts';
import { createSetupLink } from '../../app/setup/setup-link.ts';
import { createTestDatabase } from '../harness/database.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();

// asvs: V6.3.2 V6.4.1
test('the set-up link creates the owner once; afterwards it is dead and no new link is printed', async () => {
  const server = await startTestServer(t);
  assert.ok(server.setupLink, 'a link is offered while no owner exists');
  const path = new URL(server.setupLink).pathname;
  assert.match(path, /^\/setup\/[A-Za-z0-9_-]{43}$/);
  const users = await t.admin`select count(*)::int as n from kastell.users`;
  assert.equal(users[0]!.n, 0, 'no default account exists');

  const client = server.client();
  assert.equal((await client.get(path)).status, 200);
  const weak = await client.postForm(path, { organisation: 'Muster AG', displayName: 'Olivia Owner', email: 'owner@example.test', password: 'short' });
  assert.equal(weak.status, 422);
  assert.match(weak.text, /at least 12 characters/);
  assert.equal((await t.admin`select count(*)::int as n from kastell.users`)[0]!.n, 0, 'nothing half-written');

  const done = await client.postForm(path, { organisation: 'Muster AG', displayName: 'Olivia Owner', email: 'owner@example.test', password: 'a long and memorable passphrase' });
  assert.equal(done.status, 303);
  // TOTP is mandatory for operator roles: no session exists until the owner has enrolled a factor.
  assert.equal(done.headers.get('location'), '/sign-in/enrol');
  assert.equal((await t.admin`select count(*)::int as n from kastell.sessions`)[0]!.n, 0, 'no session before a factor');
  assert.equal((await client.get('/api/v1/me')).status, 401);
  assert.equal((await client.get('/companies')).status, 303, 'pages send the owner to sign in');
  assert.equal((await client.postJson('/api/v1/companies', { name: 'Too early AG' })).status, 401);
  const enrol = await client.get('/sign-in/enrol');
  assert.equal(enrol.status, 200);
  const secret = /data-totp-secret="([A-Z2-7]+)"/.exec(enrol.text)?.[1];
  assert.ok(secret, 'the enrolment page shows the key');
  assert.equal((await client.postForm('/sign-in/enrol', { code: '000000' })).status, 422);
  assert.equal((await client.get('/api/v1/me')).status, 401, 'a wrong code starts no session');
  const enrolled = await client.postForm('/sign-in/enrol', { code: await generate({ secret }) });
  assert.equal(enrolled.status, 200, 'the backup codes are shown once');
  const home = await client.get('/');
  assert.equal(home.status, 200);
  assert.match(home.text, /Olivia Owner/);
  const me = (await client.get('/api/v1/me')).json();
  assert.equal(me.role, 'owner');
  const [factor] = await t.admin`select count(*)::int as n from kastell.totp_factors t join kastell.users u using (user_id)
    where u.email = 'owner@example.test' and t.confirmed_at is not null`;
  assert.equal(factor!.n, 1);

  const [owner] = await t.admin`select password_hash from kastell.users where email = 'owner@example.test'`;
  assert.match(owner!.password_hash, /^\$argon2id\$v=19\$m=65536,(t=3,p=4|p=4,t=3)\$/);
  const [org] = await t.admin`select name from kastell.organisation`;
  assert.equal(org!.name, 'Muster AG');

  const again = await server.client().postForm(path, { organisation: 'X', displayName: 'Mallory', email: 'mallory@example.test', password: 'another long passphrase' });
  assert.equal(again.status, 404);
  assert.equal((await server.client().get(path)).status, 404);
  assert.equal((await t.admin`select count(*)::int as n from kastell.users`)[0]!.n, 1);

  await assert.rejects(createSetupLink(t.db, parseConfig({})), /an owner exists already/);
  const second = await startTestServer(t);
  assert.equal(second.setupLink, undefined);
});

// asvs: V6.4.1
test('an expired or unknown set-up link is refused', async () => {
  const fresh = await createTestDatabase();
  const server = await startTestServer(fresh);
  await fresh.admin`update kastell.setup_tokens set expires_at = now() - interval '1 second'`;
  const path = new URL(server.setupLink!).pathname;
  assert.equal((await server.client().get(path)).status, 404);
  assert.equal((await server.client().get('/setup/' + 'A'.repeat(43))).status, 404);
  assert.equal((await server.client().get('/setup/short')).status, 404);
});

test('`kastell owner create` prints a link while no owner exists, and refuses afterwards', () => {
  const fresh = t; // owner exists here after the first test
  const run = spawnSync(process.execPath, ['bin/kastell.js', 'owner', 'create'], {
    env: { ...process.env, KASTELL_DATABASE_URL: fresh.appUrl }, encoding: 'utf8',
  });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /An owner exists already/);
});

test('`kastell owner create` on a database without owner prints a working link', async () => {
  const fresh = await createTestDatabase();
  const run = spawnSync(process.execPath, ['bin/kastell.js', 'owner', 'create'], {
    env: { ...process.env, KASTELL_DATABASE_URL: fresh.appUrl, KASTELL_PUBLIC_URL: 'https://portal.example.ch' }, encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /https:\/\/portal\.example\.ch\/setup\/[A-Za-z0-9_-]{43}/);
  const tokens = await fresh.admin`select count(*)::int as n from kastell.setup_tokens where used_at is null`;
  assert.equal(tokens[0]!.n, 1);
});
