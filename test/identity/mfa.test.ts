// Second factors over HTTP: TOTP enrolment (QR and manual key), sign-in
// with TOTP, replay of a code refused, backup codes single-use, nothing
// stored in the clear, and MFA mandatory for operators.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate } from 'otplib';
import { createTestDatabase } from '../harness/database.ts';
import { forgetTotpStep, seedCompany, seedTotp, seedUser, testTotpSecret, totpCode } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);

test('an operator without a factor must enrol TOTP before any session exists; the QR and manual key are shown', async () => {
  const user = await seedUser(t.admin, 'dispatcher');
  const client = server.client();
  const first = await client.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password });
  assert.deepEqual(first.json(), { signedIn: false, next: 'enrol' });
  assert.ok(!client.cookies.has('__Host-kastell-session'), 'no session before the second factor');
  assert.equal((await client.get('/api/v1/me')).status, 401);
  const page = await client.get('/sign-in/enrol');
  assert.equal(page.status, 200);
  assert.match(page.text, /<img src="data:image\/svg\+xml;base64,/);
  const secret = /data-totp-secret="([A-Z2-7]+)"/.exec(page.text)![1]!;
  const [row] = await t.admin`select secret_enc, pending_secret_enc from kastell.totp_factors where user_id = ${user.userId}`;
  assert.equal(row!.secret_enc, null);
  assert.match(row!.pending_secret_enc, /^v2:test:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/);
  assert.ok(!row!.pending_secret_enc.includes(secret), 'the secret is encrypted');

  const wrong = await client.postForm('/sign-in/enrol', { code: '000000' });
  assert.equal(wrong.status, 422);
  const done = await client.postForm('/sign-in/enrol', { code: await generate({ secret }) });
  assert.equal(done.status, 200);
  const codes = [...done.text.matchAll(/<code>(\d\d-[a-z2-9]{5}-[a-z2-9]{5})<\/code>/g)].map((m) => m[1]!);
  assert.equal(codes.length, 10);
  assert.equal((await client.get('/api/v1/me')).json().email, user.email);
  const [session] = await t.admin`select auth_method from kastell.sessions where user_id = ${user.userId} and ended_at is null`;
  assert.equal(session!.auth_method, 'password+totp');
  const stored = await t.admin`select code_hash from kastell.backup_codes where user_id = ${user.userId}`;
  assert.equal(stored.length, 10);
  for (const { code_hash } of stored) {
    assert.match(code_hash, /^\$argon2id\$v=19\$m=65536,t=3,p=4\$/);
    for (const code of codes) assert.ok(!code_hash.includes(code.slice(3).replace('-', '')));
  }
});

test('sign-in with TOTP; the same code is refused a second time (replay within its window)', async () => {
  const user = await seedUser(t.admin, 'admin');
  await seedTotp(t.admin, user.userId);
  const code = await totpCode();
  const first = server.client();
  assert.deepEqual((await first.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password })).json(), { signedIn: false, next: 'second_factor' });
  assert.equal((await first.postJson('/api/v1/auth/second-factor', { code })).status, 200);
  assert.equal((await first.get('/api/v1/me')).status, 200);

  const replay = server.client();
  await replay.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password });
  const refused = await replay.postJson('/api/v1/auth/second-factor', { code });
  assert.equal(refused.status, 401);
  assert.equal(refused.json().error.code, 'sign_in_failed');
  // a code from the previous step is older than the one used: refused too
  assert.equal((await replay.postJson('/api/v1/auth/second-factor', { code: await totpCode(testTotpSecret, -1) })).status, 401);
  // the next step's code is new: accepted
  assert.equal((await replay.postJson('/api/v1/auth/second-factor', { code: await totpCode(testTotpSecret, 1) })).status, 200);
});

test('a backup code works once; the second use is refused, also when both race', async () => {
  const user = await seedUser(t.admin, 'technician');
  const client = server.client();
  await client.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password });
  const secret = /data-totp-secret="([A-Z2-7]+)"/.exec((await client.get('/sign-in/enrol')).text)![1]!;
  const codes = [...(await client.postForm('/sign-in/enrol', { code: await generate({ secret }) })).text
    .matchAll(/<code>(\d\d-[a-z2-9]{5}-[a-z2-9]{5})<\/code>/g)].map((m) => m[1]!);

  const once = server.client();
  await once.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password });
  assert.equal((await once.postJson('/api/v1/auth/second-factor', { code: codes[2]!.toUpperCase() })).status, 200);
  const twice = server.client();
  await twice.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password });
  assert.equal((await twice.postJson('/api/v1/auth/second-factor', { code: codes[2]! })).status, 401);

  const racers = [server.client(), server.client(), server.client()];
  for (const r of racers) await r.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password });
  const raced = await Promise.all(racers.map((r) => r.postJson('/api/v1/auth/second-factor', { code: codes[5]! })));
  assert.equal(raced.filter((r) => r.status === 200).length, 1, raced.map((r) => r.status).join(','));
  const [used] = await t.admin`select count(*)::int as n from kastell.backup_codes where user_id = ${user.userId} and used_at is not null`;
  assert.equal(used!.n, 2);
});

test('customers are asked for a second factor by default; with KASTELL_MFA_CUSTOMERS=optional they may sign in without one', async () => {
  const company = await seedCompany(t.admin, 'Kunde AG');
  const customer = await seedUser(t.admin, 'customer_member', company);
  const strict = await server.client().postJson('/api/v1/auth/sign-in', { email: customer.email, password: customer.password });
  assert.equal(strict.json().next, 'enrol');
  const relaxed = await startTestServer(t, { KASTELL_MFA_CUSTOMERS: 'optional' });
  const client = relaxed.client();
  assert.deepEqual((await client.postJson('/api/v1/auth/sign-in', { email: customer.email, password: customer.password })).json(), { signedIn: true, next: 'none' });
  // an operator stays mandatory whatever the setting
  const operator = await seedUser(t.admin, 'support');
  assert.equal((await relaxed.client().postJson('/api/v1/auth/sign-in', { email: operator.email, password: operator.password })).json().next, 'enrol');
});

test('a second-factor challenge is bound to its cookie: without it, or after it is used, codes do nothing', async () => {
  const user = await seedUser(t.admin, 'admin');
  await seedTotp(t.admin, user.userId);
  const stranger = server.client();
  const answer = await stranger.postJson('/api/v1/auth/second-factor', { code: await totpCode() });
  assert.equal(answer.status, 401);
  assert.equal(answer.json().error.code, 'challenge_expired');
  const client = server.client();
  await client.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password });
  await forgetTotpStep(t.admin, user.userId);
  assert.equal((await client.postJson('/api/v1/auth/second-factor', { code: await totpCode() })).status, 200);
  const again = await client.postJson('/api/v1/auth/second-factor', { code: await totpCode(testTotpSecret, 1) });
  assert.equal(again.status, 401, 'the challenge was consumed');
});
