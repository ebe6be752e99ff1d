// Claims of the identity work, proven (issue 10 part 9): X-Forwarded-For
// from a peer that is not a trusted proxy is ignored; the 30-day rolling
// lifetime and the 90-day hard cap end sessions (time moved in the
// database — the session's timestamps — not the clock); adding a factor
// (TOTP or passkey) ends the user's other sessions; a passkey assertion
// without user verification is refused; argon2's threads run below the
// event loop's priority (part 8). (The password history — each of
// the last five refused, the sixth accepted — is password-policy.test.ts.)
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { generate } from 'otplib';
import { createTestDatabase } from '../harness/database.ts';
import { seedCompany, seedSession, seedUser } from '../harness/seed.ts';
import { loweredThreads } from '../../app/auth/thread-priority.ts';
import { startTestServer, type TestClient } from '../harness/server.ts';
import { flags, SoftAuthenticator } from './soft-authenticator.ts';

const t = await createTestDatabase();
// customers may sign in without a factor: the factor tests add the first one
const server = await startTestServer(t, { KASTELL_MFA_CUSTOMERS: 'optional' });
const company = await seedCompany(t.admin, 'Claims AG');
const me = (client: TestClient) => client.get('/api/v1/me');
const origin = new URL(server.url).origin;

async function signedIn(user: { email: string; password: string }): Promise<TestClient> {
  const client = server.client();
  const response = await client.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password });
  assert.equal(response.status, 200, response.text);
  assert.equal(response.json().signedIn, true);
  return client;
}

// asvs: V4.1.3
test('X-Forwarded-For from a peer that is not a trusted proxy is ignored: attempts count against the real peer address, and sessions record it', async () => {
  // its own database: the IP lock this test provokes holds the peer's address
  const x = await createTestDatabase();
  // a proxy is configured, but the test's peer (127.0.0.1) is not it; the per-IP lock at 5 failures (scale 1)
  const proxied = await startTestServer(x, { KASTELL_TRUSTED_PROXIES: '192.0.2.1/32', KASTELL_IP_LOCKOUT_SCALE: '1', KASTELL_MFA_CUSTOMERS: 'optional' });
  const user = await seedUser(x.admin, 'customer_member', await seedCompany(x.admin, 'Peer AG'));
  const signIn = await proxied.client().request('POST', '/api/v1/auth/sign-in', {
    json: { email: user.email, password: user.password }, headers: { 'x-forwarded-for': '203.0.113.77' } });
  assert.equal(signIn.status, 200, signIn.text);
  const [session] = await x.admin`select ip from kastell.sessions where user_id = ${user.userId} and ended_at is null`;
  assert.equal(session!.ip, '127.0.0.1', 'the session records the peer, not the header');
  // wrong passwords for six addresses, each request claiming another client IP: the peer's one IP collects them all
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const response = await proxied.client().request('POST', '/api/v1/auth/sign-in', {
      json: { email: `forwarded${i}@example.test`, password: 'not the right password' }, headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } });
    statuses.push(response.status);
  }
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429], 'the sixth, from yet another claimed client, is locked by the peer\'s count');
  // the peer itself, without any header, is locked too: it is the address that was counted
  const bare = await proxied.client().postJson('/api/v1/auth/sign-in', { email: 'forwarded99@example.test', password: 'not the right password' });
  assert.equal(bare.status, 429);
});

test('the 30-day rolling lifetime: a session is extended by use up to 30 days ahead, and ends once it passes', async () => {
  const user = await seedUser(t.admin, 'customer_member', company);
  const client = await signedIn(user);
  const [fresh] = await t.admin`select (expires_at - created_at)::text as rolling, (hard_expires_at - created_at)::text as hard
    from kastell.sessions where user_id = ${user.userId} and ended_at is null`;
  assert.deepEqual({ ...fresh }, { rolling: '30 days', hard: '90 days' }, 'sign-in starts a 30-day rolling lifetime under a 90-day cap');

  // 29 days on, used an hour ago (the idle timeout is not what is tested: a long one), one day of lifetime left
  await t.admin`update kastell.sessions set idle_timeout = interval '12 hours', created_at = now() - interval '29 days',
    last_seen_at = now() - interval '1 hour', expires_at = now() + interval '1 day', hard_expires_at = now() + interval '61 days'
    where user_id = ${user.userId} and ended_at is null`;
  assert.equal((await me(client)).status, 200);
  const [rolled] = await t.admin`select expires_at > now() + interval '29 days 23 hours' as extended
    from kastell.sessions where user_id = ${user.userId} and ended_at is null`;
  assert.equal(rolled!.extended, true, 'use moves the lifetime 30 days ahead');

  // its rolling lifetime passed (the idle timeout not): refused and ended as expired
  await t.admin`update kastell.sessions set last_seen_at = now() - interval '1 minute', expires_at = now() - interval '1 second'
    where user_id = ${user.userId} and ended_at is null`;
  assert.equal((await me(client)).status, 401);
  const [ended] = await t.admin`select end_reason from kastell.sessions where user_id = ${user.userId} order by created_at desc limit 1`;
  assert.equal(ended!.end_reason, 'expired');
});

// asvs: V7.3.2
test('the 90-day hard cap: use never extends a session past it, and it ends there however recently it was used', async () => {
  const user = await seedUser(t.admin, 'customer_member', company);
  const client = await signedIn(user);
  // 89 days on, in daily use: the rolling extension stops at the cap
  await t.admin`update kastell.sessions set idle_timeout = interval '12 hours', created_at = now() - interval '89 days',
    last_seen_at = now() - interval '1 minute', expires_at = now() + interval '10 minutes', hard_expires_at = now() + interval '1 hour'
    where user_id = ${user.userId} and ended_at is null`;
  assert.equal((await me(client)).status, 200);
  const [capped] = await t.admin`select expires_at = hard_expires_at as at_cap from kastell.sessions where user_id = ${user.userId} and ended_at is null`;
  assert.equal(capped!.at_cap, true, 'extended to the cap, not 30 days');

  // the cap passed, the rolling lifetime and the idle timeout not: refused and ended as expired
  await t.admin`update kastell.sessions set last_seen_at = now() - interval '1 minute', expires_at = now() + interval '29 days',
    hard_expires_at = now() - interval '1 second', created_at = now() - interval '90 days 1 second'
    where user_id = ${user.userId} and ended_at is null`;
  assert.equal((await me(client)).status, 401);
  const [ended] = await t.admin`select end_reason from kastell.sessions where user_id = ${user.userId} order by created_at desc limit 1`;
  assert.equal(ended!.end_reason, 'expired');
});

// asvs: V7.4.3
test('adding an authenticator app (TOTP) ends the user\'s other sessions; the browser that added it carries on', async () => {
  const user = await seedUser(t.admin, 'customer_member', company);
  const here = await signedIn(user);
  const elsewhere = await signedIn(user);
  const seeded = server.client().withSession(await seedSession(t.admin, user.userId));
  assert.equal((await me(elsewhere)).status, 200);
  assert.equal((await me(seeded)).status, 200);

  const page = await here.get('/security/totp');
  assert.equal(page.status, 200, page.text.slice(0, 200));
  const secret = /data-totp-secret="([A-Z2-7]+)"/.exec(page.text)![1]!;
  const added = await here.postForm('/security/totp', { code: await generate({ secret }) });
  assert.equal(added.status, 200, added.text.slice(0, 300));
  const [factor] = await t.admin`select confirmed_at is not null as confirmed from kastell.totp_factors where user_id = ${user.userId}`;
  assert.equal(factor!.confirmed, true);

  assert.equal((await me(elsewhere)).status, 401, 'the other signed-in browser is out');
  assert.equal((await me(seeded)).status, 401, 'and every other session');
  assert.equal((await me(here)).status, 200, 'this browser carries on under a fresh session');
  const reasons = await t.admin`select end_reason from kastell.sessions where user_id = ${user.userId} and ended_at is not null`;
  assert.ok(reasons.filter((r) => r.end_reason === 'factor_change').length >= 2, reasons.map((r) => r.end_reason).join(','));
});

async function registerPasskey(client: TestClient, authenticator: SoftAuthenticator) {
  const options = await client.postJson('/api/v1/me/passkeys/options', {});
  assert.equal(options.status, 200, options.text);
  const { challenge, rp } = options.json();
  assert.equal(rp.id, authenticator.rpId);
  return client.postJson('/api/v1/me/passkeys', { name: 'Soft key', response: authenticator.register(challenge) });
}

// asvs: V7.4.3
test('adding a passkey ends the user\'s other sessions; the browser that added it carries on', async () => {
  const user = await seedUser(t.admin, 'customer_member', company);
  const here = await signedIn(user);
  const elsewhere = await signedIn(user);
  assert.equal((await me(elsewhere)).status, 200);
  const registered = await registerPasskey(here, new SoftAuthenticator(new URL(origin).hostname, origin));
  assert.equal(registered.status, 201, registered.text);
  assert.equal((await me(elsewhere)).status, 401, 'the other browser is out');
  assert.equal((await me(here)).status, 200, 'this browser carries on');
  const [ended] = await t.admin`select end_reason from kastell.sessions where user_id = ${user.userId} and ended_at is not null order by ended_at limit 1`;
  assert.equal(ended!.end_reason, 'factor_change');
});

test('a passkey assertion without user verification is refused; the same passkey with it signs in', async () => {
  const user = await seedUser(t.admin, 'customer_member', company);
  const authenticator = new SoftAuthenticator(new URL(origin).hostname, origin);
  assert.equal((await registerPasskey(await signedIn(user), authenticator)).status, 201);
  const attempt = async (flagBits: number) => {
    const client = server.client();
    const options = await client.postJson('/api/v1/auth/passkey/options', {});
    assert.equal(options.status, 200, options.text);
    assert.equal(options.json().userVerification, 'required', 'the options ask for user verification');
    const response = await client.postJson('/api/v1/auth/passkey/verify', { response: authenticator.assert(options.json().challenge, flagBits) });
    return { client, response };
  };
  const sessions = async () => (await t.admin`select count(*)::int as n from kastell.sessions where user_id = ${user.userId} and auth_method = 'passkey'`)[0]!.n;

  const present = await attempt(flags.userPresent); // touched, but no PIN or biometric
  assert.equal(present.response.status, 401, present.response.text);
  assert.equal((await me(present.client)).status, 401);
  assert.equal(await sessions(), 0, 'no session from an unverified assertion');

  const verified = await attempt(flags.userPresent | flags.userVerified);
  assert.equal(verified.response.status, 200, verified.response.text);
  assert.equal((await me(verified.client)).status, 200);
  assert.equal(await sessions(), 1);
});

test('hashing yields to the event loop: once a password was checked, libuv\'s pool threads run at KASTELL_ARGON2_NICE (10); the event loop and V8\'s helper threads (garbage collection) at normal priority', async () => {
  const user = await seedUser(t.admin, 'customer_member', company);
  await signedIn(user);
  const niceOf = (tid: string) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    } catch {
      return undefined; // the thread ended meanwhile
    }
  };
  assert.equal(niceOf(String(process.pid)), 0, 'the event loop keeps its priority');
  const pool = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  assert.equal(loweredThreads().size, pool, `all ${pool} pool threads found and lowered`);
  const threads = readdirSync('/proc/self/task');
  const niced = threads.filter((tid) => niceOf(tid) === 10).map(Number).sort();
  assert.deepEqual(niced, [...loweredThreads()].sort(), 'exactly the pool threads (argon2 starts its threads from them) run below');
  assert.ok(threads.filter((tid) => niceOf(tid) === 0).length >= 3, 'the event loop and V8\'s helper threads keep their priority');
});
