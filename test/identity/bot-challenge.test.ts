// The self-hosted proof-of-work bot challenge (app/auth/bot-challenge.ts,
// sql/0023): below the failure threshold nothing is asked (no JavaScript
// needed); past it sign-in, password-reset requests and invitation
// acceptance answer 428 until a solved challenge comes with the request; a
// solution counts once (a replay is refused), an expired one (time moved in
// the database) is refused. Also: a password reset ends the account's lock
// (audited), and accepting an invitation goes through MFA enrolment before
// any session exists.
import assert from 'node:assert/strict';
import { test, beforeEach } from 'node:test';
import { solveChallenge } from 'altcha-lib/v1';
import { newToken } from '../../app/crypto/tokens.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedTotp, seedUser } from '../harness/seed.ts';
import { startTestServer, type TestClient } from '../harness/server.ts';
import { roleIdOf } from '../harness/world.ts';
import { linkIn, startSmtp } from './helpers.ts';

const t = await createTestDatabase();
const smtp = await startSmtp();
// every request comes from 127.0.0.1: a large IP scale keeps the per-IP counters out of the per-address tests;
// the endpoint-wide threshold is small enough to reach within one test; the hashing queue admits every
// parallel attempt (a sign-in takes its place there before the challenge is checked)
const server = await startTestServer(t, {
  KASTELL_ARGON2_QUEUE: '16',
  KASTELL_SMTP_URL: smtp.url, KASTELL_MAIL_FROM: 'Kastell <kastell@example.test>',
  KASTELL_IP_LOCKOUT_SCALE: '100', KASTELL_RATE_LIMIT_PER_MINUTE: '10000', KASTELL_ACCOUNT_RATE_LIMIT_PER_MINUTE: '10000',
  KASTELL_CHALLENGE_AFTER_FAILURES: '3', KASTELL_CHALLENGE_AFTER_ENDPOINT_FAILURES: '12', KASTELL_CHALLENGE_MAX_NUMBER: '2000',
});

// each test starts from empty counters (failures and request windows live in the database)
beforeEach(async () => {
  await t.admin`delete from kastell.rate_limit_windows`;
  await t.admin`delete from kastell.auth_failures`;
});

/** A challenge from the API, solved here the way the page's script does it (SHA-256 over salt + n). */
async function solved(client: TestClient, endpoint: 'sign-in' | 'password-reset' | 'invite'): Promise<string> {
  const issued = await client.get(`/api/v1/auth/challenge?for=${endpoint}`);
  assert.equal(issued.status, 200, issued.text);
  const c = issued.json();
  const solution = await solveChallenge(c.challenge, c.salt, c.algorithm, c.maxnumber).promise;
  assert.ok(solution, 'the challenge has a solution below maxnumber');
  return Buffer.from(JSON.stringify({ algorithm: c.algorithm, challenge: c.challenge, number: solution.number, salt: c.salt, signature: c.signature })).toString('base64');
}

async function failSignIns(email: string, n: number) {
  for (let i = 0; i < n; i++) {
    const r = await server.client().postJson('/api/v1/auth/sign-in', { email, password: `wrong password number ${i}` });
    assert.equal(r.status, 401, r.text);
  }
}

test('below the threshold no challenge is asked: wrong passwords answer 401, the right one signs in, the page has no widget', async () => {
  const user = await seedUser(t.admin, 'technician');
  await failSignIns(user.email, 2);
  const page = await server.client().get('/sign-in');
  assert.doesNotMatch(page.text, /data-bot-challenge/);
  const right = await server.client().postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password });
  assert.equal(right.status, 200, right.text);
  // the form without JavaScript: no solution field at all
  const form = await server.client().postForm('/sign-in', { email: user.email, password: 'still not the password' });
  assert.equal(form.status, 401);
});

test('past the threshold sign-in asks for the challenge; a solved one is accepted once, a replayed one refused', async () => {
  const user = await seedUser(t.admin, 'technician');
  await seedTotp(t.admin, user.userId);
  await failSignIns(user.email, 3);

  const asked = await server.client().postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password });
  assert.equal(asked.status, 428, asked.text);
  assert.equal(asked.json().error.code, 'challenge_required');
  assert.match(asked.json().error.message, /\/api\/v1\/auth\/challenge\?for=sign-in/);

  // the page, without JavaScript: a clear 428 with the widget and the note to wait
  const page = await server.client().postForm('/sign-in', { email: user.email, password: user.password });
  assert.equal(page.status, 428);
  assert.match(page.text, /data-bot-challenge="sign-in"/);
  assert.match(page.text, /the check below must be done first/);
  assert.match(page.text, /<noscript>/);

  const client = server.client();
  const solution = await solved(client, 'sign-in');
  const accepted = await client.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password, altcha: solution });
  assert.equal(accepted.status, 200, accepted.text);
  assert.deepEqual(accepted.json(), { signedIn: false, next: 'second_factor' }, 'the second factor is still asked');

  // the password was right, so the address's counter is clear again: put it back past the threshold and replay
  await failSignIns(user.email, 3);
  const replayed = await server.client().postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password, altcha: solution });
  assert.equal(replayed.status, 428, replayed.text);
  assert.equal(replayed.json().error.code, 'challenge_failed');
  const [row] = await t.admin`select count(*)::int as n from kastell.bot_challenges where used_at is not null`;
  assert.equal(row!.n, 1, 'the one solution was used once');
});

test('an expired challenge is refused (expiry decided by the database clock)', async () => {
  const user = await seedUser(t.admin, 'technician');
  await failSignIns(user.email, 3);
  const client = server.client();
  const solution = await solved(client, 'sign-in');
  const { challenge } = JSON.parse(Buffer.from(solution, 'base64').toString()) as { challenge: string };
  await t.admin`update kastell.bot_challenges set created_at = now() - interval '20 minutes', expires_at = now() - interval '15 minutes' where challenge = ${challenge}`;
  const late = await client.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password, altcha: solution });
  assert.equal(late.status, 428, late.text);
  assert.equal(late.json().error.code, 'challenge_failed');
  // the database refuses a challenge living longer than 10 minutes
  await assert.rejects(t.admin`insert into kastell.bot_challenges (challenge, endpoint, expires_at) values (${'a'.repeat(64)}, 'sign-in', now() + interval '1 hour')`, /bot_challenges_short_lived/);
});

test('a solution for another endpoint, a forged number or garbage is refused', async () => {
  const user = await seedUser(t.admin, 'technician');
  await failSignIns(user.email, 3);
  const client = server.client();
  const forReset = await solved(client, 'password-reset');
  const other = await client.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password, altcha: forReset });
  assert.equal(other.json().error.code, 'challenge_failed');
  const good = JSON.parse(Buffer.from(await solved(client, 'sign-in'), 'base64').toString()) as { number: number };
  const forged = Buffer.from(JSON.stringify({ ...good, number: good.number + 1 })).toString('base64');
  const wrong = await client.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password, altcha: forged });
  assert.equal(wrong.json().error.code, 'challenge_failed');
  const garbage = await client.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password, altcha: 'bm90IGpzb24=' });
  assert.equal(garbage.status, 428);
});

test('the endpoint as a whole: many failures over different addresses ask a fresh address too', async () => {
  for (let i = 0; i < 12; i++) {
    const r = await server.client().postJson('/api/v1/auth/sign-in', { email: `spray.${i}.${Date.now()}@example.test`, password: 'a guessed password' });
    assert.equal(r.status, 401, r.text);
  }
  const fresh = await seedUser(t.admin, 'technician');
  const asked = await server.client().postJson('/api/v1/auth/sign-in', { email: fresh.email, password: fresh.password });
  assert.equal(asked.status, 428);
  const issued = await server.client().get('/api/v1/auth/challenge?for=sign-in');
  assert.equal(issued.json().required, true);
  const page = await server.client().get('/sign-in');
  assert.match(page.text, /data-bot-challenge="sign-in"/, 'the sign-in page shows the widget at once');
});

test('password-reset requests: past the threshold for an address the challenge is asked (the same for unknown addresses), a solution lets the request through', async () => {
  const user = await seedUser(t.admin, 'technician');
  const unknown = `nobody.${Date.now()}@example.test`;
  const answers: string[] = [];
  for (const email of [user.email, unknown]) {
    for (let i = 0; i < 3; i++) assert.equal((await server.client().postJson('/api/v1/auth/password-reset', { email })).status, 200);
    const r = await server.client().postJson('/api/v1/auth/password-reset', { email });
    answers.push(`${r.status}:${r.json().error?.code}`);
  }
  assert.deepEqual(answers, ['428:challenge_required', '428:challenge_required']);
  const client = server.client();
  const through = await client.postJson('/api/v1/auth/password-reset', { email: user.email, altcha: await solved(client, 'password-reset') });
  assert.equal(through.status, 200, through.text);
  const page = await server.client().postForm('/forgot-password', { email: user.email });
  assert.equal(page.status, 428);
  assert.match(page.text, /data-bot-challenge="password-reset"/);
});

test('a successful password reset ends an existing account lock, audited', async () => {
  const user = await seedUser(t.admin, 'technician');
  // six failures: locked (5 → 1 minute) and past the challenge threshold
  await t.admin`insert into kastell.auth_failures (subject) select ${`account:${user.email}`} from generate_series(1, 6)`;
  const asker = server.client();
  const locked = await asker.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password, altcha: await solved(asker, 'sign-in') });
  assert.equal(locked.status, 429, 'the account is locked');
  await t.admin`delete from kastell.rate_limit_windows`;
  const before = smtp.mails.length;
  assert.equal((await server.client().postJson('/api/v1/auth/password-reset', { email: user.email })).status, 200);
  const mail = await smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.to.includes(user.email) && m.raw.includes('/reset-password/'));
  const token = new URL(linkIn(mail.raw, '/reset-password')).pathname.split('/').pop()!;
  const newPassword = 'nine lanterns above the quiet harbour';
  const done = await server.client().postJson('/api/v1/auth/password-reset/complete', { token, newPassword });
  assert.equal(done.status, 200, done.text);
  const [audited] = await t.admin`select detail from audit.events where action = 'auth.lock.cleared' and entity_id = ${user.userId}`;
  assert.ok(audited, 'the cleared lock is audited');
  assert.equal(audited!.detail.reason, 'password_reset');
  // the account counter is clear: below the challenge threshold too, so the new password signs in at once
  const signIn = await server.client().postJson('/api/v1/auth/sign-in', { email: user.email, password: newPassword });
  assert.equal(signIn.status, 200, signIn.text);
});

test('accepting an invitation starts no session: the invitee enrols a second factor first (as at sign-in)', async () => {
  const admin = await seedUser(t.admin, 'admin');
  const adminClient = server.client();
  await seedTotp(t.admin, admin.userId);
  const { signInWithTotp } = await import('../harness/seed.ts');
  await signInWithTotp(adminClient, admin);
  const email = `invitee.${Date.now()}@example.test`;
  const before = smtp.mails.length;
  const created = await adminClient.postJson('/api/v1/invites', { email, roleId: await roleIdOf(t.admin, 'dispatcher') });
  assert.equal(created.status, 201, created.text);
  const mail = await smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.to.includes(email) && m.raw.includes('/invites/accept/'));
  const path = new URL(linkIn(mail.raw, '/invites/accept')).pathname;
  const invitee = server.client();
  const accepted = await invitee.postForm(path, { displayName: 'New Person', password: 'a long enough passphrase 77' });
  assert.equal(accepted.status, 303, accepted.text);
  assert.equal(accepted.headers.get('location'), '/sign-in/enrol');
  assert.equal(invitee.cookies.has('__Host-kastell-session'), false, 'no session before the second factor');
  assert.equal((await invitee.get('/api/v1/me')).status, 401);
  const enrol = await invitee.get('/sign-in/enrol');
  assert.equal(enrol.status, 200);
  assert.match(enrol.text, /data-totp-secret=/);
});

test('invitation acceptance: after many dead links from one place the challenge is asked, a solution lets it through', async () => {
  // per client IP: 3 × the IP scale (100) failures, counted in the request windows
  await t.admin`insert into kastell.rate_limit_windows (bucket, window_start, hits)
    values (sha256(convert_to('challenge-failures invite ip 127.0.0.1', 'UTF8')), to_timestamp(floor(extract(epoch from clock_timestamp()) / 900) * 900), 300)`;
  const dead = await server.client().postForm(`/invites/accept/${newToken().token}`, { displayName: 'X', password: 'a long enough passphrase 77' });
  assert.equal(dead.status, 428);
  assert.match(dead.text, /the check below must be done first|wait 15 minutes/);
  const client = server.client();
  const solution = await solved(client, 'invite');
  const through = await client.postForm(`/invites/accept/${newToken().token}`, { displayName: 'X', password: 'a long enough passphrase 77', altcha: solution });
  assert.equal(through.status, 404, 'past the challenge the dead link is judged as before');
});

test('the OpenAPI document covers the challenge: its GET route with the endpoint to ask for, and the solution field on sign-in and reset requests', async () => {
  const doc = (await server.client().get('/api/v1/openapi.json')).json();
  const challenge = doc.paths['/api/v1/auth/challenge']?.get ?? doc.paths['/auth/challenge']?.get;
  assert.ok(challenge, `no challenge route in ${Object.keys(doc.paths).filter((p: string) => p.includes('auth')).join(', ')}`);
  assert.deepEqual(challenge.parameters.find((p: { name: string }) => p.name === 'for')?.schema.enum, ['sign-in', 'password-reset', 'invite']);
  const bodyOf = (path: string) => JSON.stringify((doc.paths[`/api/v1${path}`] ?? doc.paths[path]).post.requestBody);
  assert.match(bodyOf('/auth/sign-in'), /"altcha"/);
  assert.match(bodyOf('/auth/password-reset'), /"altcha"/);
});

test('one solution sent by several requests at once is accepted by exactly one of them (consumed atomically in the database)', async () => {
  const user = await seedUser(t.admin, 'technician');
  await failSignIns(user.email, 3);
  const client = server.client();
  const solution = await solved(client, 'sign-in');
  // wrong passwords: the address stays past the threshold whatever order the requests run in
  const answers = await Promise.all(Array.from({ length: 6 }, (_, i) =>
    server.client().postJson('/api/v1/auth/sign-in', { email: user.email, password: `parallel wrong password ${i}`, altcha: solution })));
  const statuses = answers.map((r) => `${r.status}:${r.status === 428 ? r.json().error.code : ''}`).sort();
  assert.deepEqual(statuses, ['401:', '428:challenge_failed', '428:challenge_failed', '428:challenge_failed', '428:challenge_failed', '428:challenge_failed']);
});

test('the HMAC key: from KASTELL_CHALLENGE_HMAC_KEY (at least 32 bytes), else derived from the installation secret key; a challenge signed with another key is refused', async () => {
  const { parseConfig } = await import('../../app/config.ts');
  const { challengeKey } = await import('../../app/auth/bot-challenge.ts');
  const { createChallenge } = await import('altcha-lib/v1');
  const base = { KASTELL_DATABASE_URL: 'postgres://x:y@127.0.0.1:1/kastell', KASTELL_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') };
  assert.throws(() => parseConfig({ ...base, KASTELL_CHALLENGE_HMAC_KEY: Buffer.alloc(16, 1).toString('base64') }), /KASTELL_CHALLENGE_HMAC_KEY/);
  const given = Buffer.alloc(32, 9);
  assert.equal(challengeKey(parseConfig({ ...base, KASTELL_CHALLENGE_HMAC_KEY: given.toString('base64') })), given.toString('hex'));
  const derived = challengeKey(parseConfig(base));
  assert.equal(derived, challengeKey(parseConfig(base)), 'every process with the same secret key derives the same key');
  assert.notEqual(derived, challengeKey(parseConfig({ ...base, KASTELL_SECRET_KEY: Buffer.alloc(32, 8).toString('base64') })));
  assert.notEqual(derived, Buffer.alloc(32, 7).toString('hex'), 'not the secret key itself');

  // a challenge (and its row) made with a key the server does not have
  const user = await seedUser(t.admin, 'technician');
  await failSignIns(user.email, 3);
  const forged = await createChallenge({ hmacKey: 'another key', maxnumber: 50, number: 7, params: { endpoint: 'sign-in' }, expires: new Date(Date.now() + 60_000) });
  await t.admin`insert into kastell.bot_challenges (challenge, endpoint, expires_at) values (${forged.challenge}, 'sign-in', now() + interval '1 minute')`;
  const solution = Buffer.from(JSON.stringify({ algorithm: forged.algorithm, challenge: forged.challenge, number: 7, salt: forged.salt, signature: forged.signature })).toString('base64');
  const refused = await server.client().postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password, altcha: solution });
  assert.equal(refused.json().error.code, 'challenge_failed');
});
