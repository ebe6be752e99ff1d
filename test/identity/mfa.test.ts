// Second factors over HTTP: TOTP enrolment (QR and manual key), sign-in
// with TOTP, replay of a code refused, backup codes single-use, nothing
// stored in the clear, and MFA mandatory for operators.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import argon2 from 'argon2';
import { generate } from 'otplib';
import { createTestDatabase } from '../harness/database.ts';
import { forgetTotpStep, seedCompany, seedTotp, seedUser, testTotpSecret, totpCode } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);

// asvs: V6.3.3 V6.5.2
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
  // sealed under the operator's data key in the keyring (app/crypto/keyring.ts), no longer the installation key ('test' here)
  assert.match(row!.pending_secret_enc, /^v2:k[A-Za-z0-9]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/);
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
  await assertBackupCodesStoredAsPasswordHashes(user.userId, codes);
});

/**
 * Backup codes are kept as a password hash (SPEC: argon2id, 64 MiB, t=3,
 * p=4): each slot holds an argon2id hash with those parameters and its own
 * salt that verifies the code issued for that slot and no other, and the
 * code is found nowhere in the database, in any form the user sees.
 */
async function assertBackupCodesStoredAsPasswordHashes(userId: string, codes: string[]): Promise<void> {
  const stored = await t.admin<{ slot: number; code_hash: string }[]>`
    select slot, code_hash from kastell.backup_codes where user_id = ${userId} order by slot`;
  assert.deepEqual(stored.map((r) => r.slot), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const salts = new Set<string>();
  for (const { slot, code_hash } of stored) {
    const phc = /^\$argon2id\$v=19\$m=65536,t=3,p=4\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(code_hash);
    assert.ok(phc, `slot ${slot}: an argon2id hash with m=65536,t=3,p=4, got ${code_hash.slice(0, 40)}`);
    assert.ok(Buffer.from(phc[1]!, 'base64').length >= 16, `slot ${slot}: a salt of at least 128 bits`);
    assert.equal(Buffer.from(phc[2]!, 'base64').length, 32, `slot ${slot}: a 256-bit tag`);
    salts.add(phc[1]!);
    const issued = codes.find((code) => Number(code.slice(0, 2)) === slot)!;
    const secret = (code: string) => code.slice(3).replace('-', '');
    assert.ok(await argon2.verify(code_hash, secret(issued)), `slot ${slot}: the hash verifies the code issued for it`);
    const other = codes.find((code) => code !== issued)!;
    assert.equal(await argon2.verify(code_hash, secret(other)), false, `slot ${slot}: and not another code`);
  }
  assert.equal(salts.size, 10, 'every code has its own salt');
  // every row of every table and the audit trail, as text: no code in any form
  const tables = await t.admin<{ name: string }[]>`
    select format('%I.%I', table_schema, table_name) as name from information_schema.tables
    where table_schema not in ('pg_catalog', 'information_schema') and table_type = 'BASE TABLE'`;
  assert.ok(tables.some((r) => r.name === 'kastell.backup_codes') && tables.some((r) => r.name.startsWith('audit.')));
  // (not the 5-character halves: a random base64 value elsewhere would match one by chance)
  const needles = codes.flatMap((code) => [code, code.slice(3), code.slice(3).replace('-', '')]);
  for (const { name } of tables) {
    const hits = await t.admin`select 1 from ${t.admin.unsafe(name)} as r where r::text ilike any (${needles.map((n) => `%${n}%`)}) limit 1`;
    assert.equal(hits.length, 0, `${name} holds a backup code in the clear`);
  }
}

// asvs: V6.5.1
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

// asvs: V6.5.1
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

  // every other code works too, once (successes only: more failures would trip the lockout)
  for (const code of codes.filter((_, i) => i !== 2 && i !== 5)) {
    const client = server.client();
    await client.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password });
    assert.equal((await client.postJson('/api/v1/auth/second-factor', { code })).status, 200, code);
  }
  const [all] = await t.admin`select count(*)::int as n from kastell.backup_codes where user_id = ${user.userId} and used_at is not null`;
  assert.equal(all!.n, 10);
  const spent = server.client();
  await spent.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password });
  assert.equal((await spent.postJson('/api/v1/auth/second-factor', { code: codes[0]! })).status, 401, 'the first code, used once, is spent');
});

// asvs: V6.3.3
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
