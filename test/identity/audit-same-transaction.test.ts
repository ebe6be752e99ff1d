// SPEC: every write action produces its audit event in the same transaction
// as the action — a crash between two transactions would leave a change
// without its event. audit.events.txid is the writing transaction; a row the
// action wrote carries that transaction in xmin (32 bits: xid8 is
// epoch-qualified, so its low 32 bits are compared).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashToken, newToken } from '../../app/crypto/tokens.ts';
import { createTestDatabase } from '../harness/database.ts';
import { forgetTotpStep, seedTotp, seedUser, signInWithTotp, totpCode } from '../harness/seed.ts';
import { startTestServer, type TestClient, type TestResponse } from '../harness/server.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);

/** An operator signed in with TOTP just now (so in sudo mode). */
async function signedIn() {
  const user = await seedUser(t.admin, 'admin');
  await seedTotp(t.admin, user.userId);
  const client = server.client();
  await signInWithTotp(client, user);
  return { user, client };
}

/** Confirms enrolment with the code for the secret the enrolment page shows. */
async function enrol(client: TestClient, path: string): Promise<TestResponse> {
  const secret = /data-totp-secret="([A-Z2-7]+)"/.exec((await client.get(path)).text)?.[1] ?? '';
  return client.postForm(path, { code: await totpCode(secret) });
}

/** The request's one `action` event was written by the transaction that wrote every row in `written` (their xmin). */
async function assertSameTransaction(response: TestResponse, action: string, written: { xid: string }[]): Promise<void> {
  assert.ok(response.status < 400, `status ${response.status}: ${response.text.slice(0, 300)}`);
  const requestId = response.headers.get('x-request-id')!;
  const events = await t.admin<{ xid: string }[]>`
    select (txid::text::bigint % 4294967296)::text as xid from audit.events where request_id = ${requestId} and action = ${action}`;
  assert.equal(events.length, 1, `one ${action} event for the request`);
  assert.ok(written.length > 0, 'the action wrote rows');
  for (const row of written) assert.equal(row.xid, events[0]!.xid, `${action}: the change and its event in one transaction`);
}

// asvs: V2.3.3
test('backup-code regeneration: the new codes and auth.backup_codes.regenerated commit together', async () => {
  const { user, client } = await signedIn();
  const response = await client.postForm('/security/backup-codes', {});
  const written = await t.admin<{ xid: string }[]>`select xmin::text as xid from kastell.backup_codes where user_id = ${user.userId}`;
  assert.equal(written.length, 10);
  await assertSameTransaction(response, 'auth.backup_codes.regenerated', written);
});

// asvs: V2.3.3
test('TOTP enrolment when signed in: the confirmed factor and auth.totp.enrolled commit together', async () => {
  const { user, client } = await signedIn();
  const response = await enrol(client, '/security/totp');
  await assertSameTransaction(response, 'auth.totp.enrolled',
    await t.admin`select xmin::text as xid from kastell.totp_factors where user_id = ${user.userId} and confirmed_at is not null`);
});

// asvs: V2.3.3
test('TOTP enrolment in a sign-in challenge: the confirmed factor and auth.totp.enrolled commit together', async () => {
  const user = await seedUser(t.admin, 'dispatcher');
  const client = server.client();
  assert.equal((await client.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password })).json().next, 'enrol');
  const response = await enrol(client, '/sign-in/enrol');
  await assertSameTransaction(response, 'auth.totp.enrolled',
    await t.admin`select xmin::text as xid from kastell.totp_factors where user_id = ${user.userId} and confirmed_at is not null`);
});

// asvs: V2.3.3
test('re-authentication: the renewed session (sudo time) and auth.reauthenticated commit together', async () => {
  const { user, client } = await signedIn();
  await forgetTotpStep(t.admin, user.userId);
  const response = await client.postForm('/security/reauth', { password: user.password, code: await totpCode(), next: '/security' });
  const session = client.cookies.get('__Host-kastell-session')!;
  await assertSameTransaction(response, 'auth.reauthenticated',
    await t.admin`select xmin::text as xid from kastell.sessions where token_hash = ${hashToken(session)} and reauth_at is not null`);
});

// asvs: V2.3.3
test('unlock link: the redeemed token and auth.unlock.redeemed commit together', async () => {
  const user = await seedUser(t.admin, 'technician');
  const { token, hash } = newToken();
  await t.admin`insert into kastell.unlock_tokens (user_id, token_hash, expires_at) values (${user.userId}, ${hash}, now() + interval '1 hour')`;
  const response = await server.client().postForm(`/unlock/${token}`, {});
  await assertSameTransaction(response, 'auth.unlock.redeemed',
    await t.admin`select xmin::text as xid from kastell.unlock_tokens where token_hash = ${hash} and used_at is not null`);
});
