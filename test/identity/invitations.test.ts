// Invitations by e-mail through the real SMTP server: mailed in the
// invitee's chosen language, resend (a new one-time link, the old one dead),
// revoke; an external auditor's membership carries an end (default and
// longest configurable, at most 90 days in the database) and, once past it,
// gets nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestDatabase } from '../harness/database.ts';
import { seedTotp, seedUser, signInWithTotp, totpCode } from '../harness/seed.ts';
import { startTestServer, type TestClient } from '../harness/server.ts';
import { roleIdOf } from '../harness/world.ts';
import { linkIn, startSmtp } from './helpers.ts';

const t = await createTestDatabase();
const smtp = await startSmtp();
const server = await startTestServer(t, { KASTELL_SMTP_URL: smtp.url, KASTELL_MAIL_FROM: 'Kastell <kastell@example.test>',
  KASTELL_AUDITOR_DAYS: '14', KASTELL_AUDITOR_MAX_DAYS: '60' });
const admin = await seedUser(t.admin, 'admin');
await seedTotp(t.admin, admin.userId);
const client = server.client();
await signInWithTotp(client, admin);

async function inviteMail(email: string, before: number) {
  return smtp.waitFor((m) => smtp.mails.indexOf(m) >= before && m.to.includes(email) && m.raw.includes('/invites/accept/'));
}
const pathOf = (link: string) => new URL(link).pathname;
const accept = (path: string, anonymous: TestClient = server.client()) =>
  anonymous.postForm(path, { displayName: 'New Person', password: 'a long enough passphrase 77' });

// asvs: V6.4.1
test('an invitation is mailed in the chosen language; the link is not shown to the inviter; it works once', async () => {
  const before = smtp.mails.length;
  const email = `german.${Date.now()}@example.test`;
  const created = await client.postJson('/api/v1/invites', { email, roleId: await roleIdOf(t.admin, 'dispatcher'), locale: 'de' });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json().mailed, true);
  assert.equal(created.json().link, undefined, 'the inviter does not get the link when it was mailed');
  assert.equal(created.json().locale, 'de');
  const mail = await inviteMail(email, before);
  assert.match(mail.raw, /Subject: .*Einladung|Einladung/);
  assert.match(mail.raw, /Legen Sie Ihr Konto mit diesem Link an/);
  const path = pathOf(linkIn(mail.raw, '/invites/accept'));
  assert.equal((await accept(path)).status, 303);
  const [user] = await t.admin`select locale from kastell.users where email = ${email}`;
  assert.equal(user!.locale, 'de', 'the account keeps the chosen language');
  assert.equal((await server.client().get(path)).status, 404, 'one-time');
  assert.equal((await accept(path)).status, 404);

  // the page's form: French, mailed, and the page says so without showing the link
  const pageBefore = smtp.mails.length;
  const pageEmail = `french.${Date.now()}@example.test`;
  const page = await client.postForm('/invites', { email: pageEmail, roleId: await roleIdOf(t.admin, 'support'), locale: 'fr' });
  assert.equal(page.status, 201, page.text.slice(0, 400));
  assert.match(page.text, /sent to .* by e-mail/);
  assert.doesNotMatch(page.text, /\/invites\/accept\/[A-Za-z0-9_-]{43}/);
  assert.match((await inviteMail(pageEmail, pageBefore)).raw, /votre compte avec ce lien/);
});

test('resend: a new link by mail, the old one dead, the new one one-time; revoke kills it; both audited', async () => {
  const email = `resend.${Date.now()}@example.test`;
  let before = smtp.mails.length;
  const created = await client.postJson('/api/v1/invites', { email, roleId: await roleIdOf(t.admin, 'technician'), locale: 'it' });
  const inviteId = created.json().inviteId as string;
  const first = pathOf(linkIn((await inviteMail(email, before)).raw, '/invites/accept'));
  before = smtp.mails.length;
  const resent = await client.postJson(`/api/v1/invites/${inviteId}/resend`, {});
  assert.equal(resent.status, 200, resent.text);
  assert.equal(resent.json().sentCount, 2);
  const second = pathOf(linkIn((await inviteMail(email, before)).raw, '/invites/accept'));
  assert.match(smtp.mails.at(-1)!.raw, /Crei il suo account/);
  assert.notEqual(first, second);
  assert.equal((await server.client().get(first)).status, 404, 'the earlier link no longer works');
  assert.equal((await server.client().get(second)).status, 200);

  // resend from the page, then revoke from the page: the newest link dies too
  before = smtp.mails.length;
  const page = await client.postForm(`/invites/${inviteId}/resend`, {});
  assert.equal(page.status, 200);
  assert.match(page.text, /Sent again to/);
  const third = pathOf(linkIn((await inviteMail(email, before)).raw, '/invites/accept'));
  assert.equal((await server.client().get(second)).status, 404);
  assert.equal((await client.postForm(`/invites/${inviteId}/revoke`, {})).status, 303);
  assert.equal((await server.client().get(third)).status, 404, 'a revoked invitation\'s link is dead');
  assert.equal((await client.postJson(`/api/v1/invites/${inviteId}/resend`, {})).status, 404, 'a revoked invitation is not sent again');
  const events = await t.admin`select action from audit.events where entity_id = ${inviteId} order by occurred_at`;
  assert.deepEqual(events.map((e) => e.action), ['invite.created', 'invite.resent', 'invite.resent', 'invite.revoked']);

  // the database keeps a revoked invitation revoked, even when asked through the resend policy
  const reopened = await t.db.withPrincipal({ userId: admin.userId }, (tx) => tx`update kastell.invites set revoked_at = null where invite_id = ${inviteId}`)
    .then(() => 'reopened', (e: Error) => e.message);
  assert.match(reopened, /stays so|permission denied/);
});

test('an external auditor\'s membership ends: default and longest configurable, the database caps it at 90 days, and past it the auditor gets nothing', async () => {
  const auditorRole = await roleIdOf(t.admin, 'external_auditor');
  const refused = async (body: Record<string, unknown>, message: RegExp) => {
    const response = await client.postJson('/api/v1/invites', { email: `refused.${Date.now()}@example.test`, ...body });
    assert.equal(response.status, 422, response.text);
    assert.equal(response.json().error.issues[0].path, 'accessDays');
    assert.match(response.json().error.issues[0].message, message);
  };
  await refused({ roleId: auditorRole, accessDays: 61 }, /at most 60 days/);
  await refused({ roleId: await roleIdOf(t.admin, 'support'), accessDays: 10 }, /only an external auditor/);

  const email = `auditor.${Date.now()}@example.test`;
  const before = smtp.mails.length;
  const created = await client.postJson('/api/v1/invites', { email, roleId: auditorRole });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json().membershipDays, 14, 'KASTELL_AUDITOR_DAYS');
  const mail = await inviteMail(email, before);
  assert.match(mail.raw, /ends by itself 14 days after you accept/);
  const auditor = server.client();
  const accepted = await accept(pathOf(linkIn(mail.raw, '/invites/accept')), auditor);
  assert.equal(accepted.status, 303);
  // an operator-side role: the auditor enrols TOTP before any session exists, as at sign-in
  assert.equal(accepted.headers.get('location'), '/sign-in/enrol');
  const secret = /data-totp-secret="([A-Z2-7]+)"/.exec((await auditor.get('/sign-in/enrol')).text)![1]!;
  assert.equal((await auditor.postForm('/sign-in/enrol', { code: await totpCode(secret) })).status, 200);
  const [membership] = await t.admin`select m.expires_at - m.created_at as length from kastell.memberships m join kastell.users u using (user_id) where u.email = ${email}`;
  assert.equal(membership!.length, '14 days');

  // while it lasts: evidence, but no person
  assert.equal((await auditor.get('/api/v1/me')).status, 200);
  assert.notEqual((await auditor.get('/api/v1/audit/verifications/latest')).status, 403);
  assert.equal((await auditor.get('/api/v1/users')).status, 403);

  // past its end (time moved in the database): nothing, not even the session
  await t.admin`update kastell.memberships m set expires_at = now() - interval '1 second' from kastell.users u where u.user_id = m.user_id and u.email = ${email}`;
  assert.equal((await auditor.get('/api/v1/me')).status, 401);
  assert.equal((await auditor.get('/api/v1/audit/verifications/latest')).status, 401);
  const again = await server.client().postJson('/api/v1/auth/sign-in', { email, password: 'a long enough passphrase 77' });
  assert.notEqual(again.json().signedIn, true, 'an expired auditor does not sign in to a session');

  // the database: an auditor membership without an end, or longer than 90 days, is refused
  const seeded = await seedUser(t.admin, 'support');
  const without = await t.admin`update kastell.memberships set role_id = ${auditorRole} where user_id = ${seeded.userId}`.then(() => 'stored', (e: Error) => e.message);
  assert.match(without, /needs an end/);
  const longer = await t.admin`update kastell.memberships set role_id = ${auditorRole}, expires_at = now() + interval '91 days' where user_id = ${seeded.userId}`.then(() => 'stored', (e: Error) => e.message);
  assert.match(longer, /at most 90 days/);
  const invite = await t.admin`insert into kastell.invites (email, role_id, token_hash, expires_at) values ('x@example.test', ${auditorRole}, ${Buffer.alloc(32, 3)}, now() + interval '1 day')`.then(() => 'stored', (e: Error) => e.message);
  assert.match(invite, /needs an end/);
});
