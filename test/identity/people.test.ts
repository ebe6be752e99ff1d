// People management: admins disable and re-enable users and remove a
// membership (sudo mode; sessions end at once; a customer admin only in
// their company); users change their display name and their e-mail address
// (sudo mode; a link to the new address through the real SMTP server; a
// notice to the old one; the link works once).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestDatabase } from '../harness/database.ts';
import { seedCompany, seedSession, seedTotp, seedUser, signInWithTotp } from '../harness/seed.ts';
import { startTestServer, type TestClient } from '../harness/server.ts';
import { linkIn, startSmtp } from './helpers.ts';

const t = await createTestDatabase();
const smtp = await startSmtp();
const server = await startTestServer(t, { KASTELL_SMTP_URL: smtp.url, KASTELL_MAIL_FROM: 'Kastell <kastell@example.test>', KASTELL_IP_LOCKOUT_SCALE: '100' });

async function signedIn(user: { userId: string; email: string; password: string }): Promise<TestClient> {
  await seedTotp(t.admin, user.userId).catch(() => undefined);
  const client = server.client();
  await t.admin`update kastell.totp_factors set last_step = 0 where user_id = ${user.userId}`;
  await signInWithTotp(client, user);
  return client;
}
const signInStatus = async (email: string, password: string) =>
  (await server.client().postJson('/api/v1/auth/sign-in', { email, password })).status;
const actions = async (userId: string) =>
  (await t.admin`select action from audit.events where entity_id = ${userId} and action like 'user.%' order by occurred_at`).map((e) => e.action);

test('an admin disables a user (sessions end, sign-in refused) and enables them again; only in sudo mode; not themselves', async () => {
  const admin = await seedUser(t.admin, 'admin');
  const client = await signedIn(admin);
  const user = await seedUser(t.admin, 'dispatcher');
  const theirs = server.client().withSession(await seedSession(t.admin, user.userId));
  assert.equal((await theirs.get('/api/v1/me')).status, 200);

  const disabled = await client.postJson(`/api/v1/users/${user.userId}/disable`, {});
  assert.equal(disabled.status, 200, disabled.text);
  assert.equal((await theirs.get('/api/v1/me')).status, 401, 'the session ended');
  assert.equal(await signInStatus(user.email, user.password), 401, 'a disabled user does not sign in');
  assert.equal((await client.postJson(`/api/v1/users/${user.userId}/enable`, {})).status, 200);
  assert.equal(await signInStatus(user.email, user.password), 200);
  assert.deepEqual(await actions(user.userId), ['user.disabled', 'user.enabled']);

  assert.equal((await client.postJson(`/api/v1/users/${admin.userId}/disable`, {})).status, 403, 'not oneself');
  await t.admin`update kastell.sessions set reauth_at = now() - interval '1 hour' where user_id = ${admin.userId}`;
  const stale = await client.postJson(`/api/v1/users/${user.userId}/disable`, {});
  assert.equal(stale.status, 403);
  assert.equal(stale.json().error.code, 'reauth_required');
});

test('removing a membership: the account stays, holds no role, signs in to nothing; a customer admin only in their company; never oneself', async () => {
  const alpha = await seedCompany(t.admin, 'People Alpha');
  const beta = await seedCompany(t.admin, 'People Beta');
  const customerAdmin = await seedUser(t.admin, 'customer_admin', alpha);
  const client = await signedIn(customerAdmin);
  const member = await seedUser(t.admin, 'customer_member', alpha);
  const other = await seedUser(t.admin, 'customer_member', beta);
  const theirs = server.client().withSession(await seedSession(t.admin, member.userId, '30 minutes'));

  assert.equal((await client.request('DELETE', `/api/v1/users/${other.userId}/membership`)).status, 404, 'B\'s member is nobody to A\'s admin');
  assert.equal((await client.request('DELETE', `/api/v1/users/${customerAdmin.userId}/membership`)).status, 403, 'not oneself');
  const removed = await client.request('DELETE', `/api/v1/users/${member.userId}/membership`);
  assert.equal(removed.status, 200, removed.text);
  assert.equal((await theirs.get('/api/v1/me')).status, 401, 'the session ended');
  assert.equal(await signInStatus(member.email, member.password), 401, 'no role: no sign-in');
  const [account] = await t.admin`select count(*)::int as n from kastell.users where user_id = ${member.userId}`;
  assert.equal(account!.n, 1, 'the account stays');
  const [membership] = await t.admin`select count(*)::int as n from kastell.memberships where user_id in (${member.userId}, ${other.userId})`;
  assert.equal(membership!.n, 1, 'only A\'s member lost the membership');
  assert.deepEqual(await actions(member.userId), ['user.membership_removed']);
  // the page's button, as an owner: a dispatcher leaves
  const owner = await seedUser(t.admin, 'owner');
  const ownerClient = await signedIn(owner);
  const dispatcher = await seedUser(t.admin, 'dispatcher');
  assert.equal((await ownerClient.postForm(`/users/${dispatcher.userId}/remove-membership`, {})).status, 303);
  assert.equal(await signInStatus(dispatcher.email, dispatcher.password), 401);
});

test('a user changes their display name; and their e-mail address in sudo mode, confirmed by a link to the new address, with a notice to the old one', async () => {
  const user = await seedUser(t.admin, 'technician');
  const client = await signedIn(user);
  const named = await client.request('PUT', '/api/v1/me/profile', { json: { displayName: 'Renamed Technician' } });
  assert.equal(named.status, 200, named.text);
  assert.equal((await client.get('/api/v1/me')).json().displayName, 'Renamed Technician');

  const taken = await seedUser(t.admin, 'support');
  assert.equal((await client.postJson('/api/v1/me/email', { email: taken.email })).status, 409, 'an address in use is refused');

  const fresh = `moved.${Date.now()}@example.test`;
  const before = smtp.mails.length;
  const asked = await client.postJson('/api/v1/me/email', { email: fresh });
  assert.equal(asked.status, 200, asked.text);
  const mail = await smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.to.includes(fresh) && m.raw.includes('/confirm-email/'));
  const path = new URL(linkIn(mail.raw, '/confirm-email')).pathname;
  assert.equal((await t.admin`select email from kastell.users where user_id = ${user.userId}`)[0]!.email, user.email, 'nothing changes before the link is followed');
  assert.equal((await server.client().get(path)).status, 200, 'the link shows a button');
  assert.equal((await t.admin`select email from kastell.users where user_id = ${user.userId}`)[0]!.email, user.email, 'opening the link changes nothing');

  const confirmed = await server.client().postForm(path, {});
  assert.equal(confirmed.status, 200, confirmed.text.slice(0, 300));
  assert.equal((await t.admin`select email from kastell.users where user_id = ${user.userId}`)[0]!.email, fresh);
  const notice = await smtp.waitFor((m) => m.to.includes(user.email) && /e-mail address was changed/.test(m.raw));
  assert.match(notice.raw, new RegExp(fresh.replace(/\./g, '\\.')));
  assert.equal((await server.client().postForm(path, {})).status, 410, 'the link works once');
  assert.equal(await signInStatus(fresh, user.password), 200, 'the new address signs in');
  assert.deepEqual(await actions(user.userId), ['user.profile_updated', 'user.email_change_requested', 'user.email_changed']);

  // out of sudo mode: refused
  await t.admin`update kastell.sessions set reauth_at = now() - interval '1 hour' where user_id = ${user.userId}`;
  const stale = await client.postJson('/api/v1/me/email', { email: `again.${Date.now()}@example.test` });
  assert.equal(stale.status, 403);
  assert.equal(stale.json().error.code, 'reauth_required');
  assert.equal((await client.postForm('/profile/email', { email: `page.${Date.now()}@example.test` })).status, 303, 'the page sends to re-authentication');
});
