// Password policy against a local stand-in of the HIBP range API (only the
// 5-character SHA-1 prefix leaves the box), the configurable behaviour when
// it is unreachable, rehashing at sign-in when the argon2 parameters
// change, and the last five passwords refused for reuse (the sixth-oldest not).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import argon2 from 'argon2';
import { checkPasswordPolicy } from '../../app/auth/password-policy.ts';
import { hashPassword } from '../../app/auth/password.ts';
import { parseConfig } from '../../app/config.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';
import { startHibp } from './helpers.ts';

const breached = 'correct horse battery staple';
const hibp = await startHibp([breached]);
const config = (extra: Record<string, string>) => parseConfig({ KASTELL_HIBP_URL: hibp.url, ...extra });

// asvs: V6.2.12
test('a breached password is refused; only the 5-character SHA-1 prefix is sent', async () => {
  const before = hibp.requests.length;
  assert.deepEqual(await checkPasswordPolicy(config({}), breached, {}), ['breached']);
  const sent = hibp.requests.slice(before);
  assert.deepEqual(sent, [`/range/${createHash('sha1').update(breached).digest('hex').toUpperCase().slice(0, 5)}`]);
  assert.deepEqual(await checkPasswordPolicy(config({}), 'lantern orchard mosaic thunder', {}), []);
});

// asvs: V16.5.2
test('HIBP unreachable: "allow" accepts (the bundled list still applies), "refuse" refuses with a plain reason', async () => {
  const down = { KASTELL_HIBP_URL: 'http://127.0.0.1:9', KASTELL_HIBP_TIMEOUT_MS: '500' };
  assert.deepEqual(await checkPasswordPolicy(parseConfig({ ...down, KASTELL_HIBP_UNREACHABLE: 'allow' }), 'lantern orchard mosaic thunder', {}), []);
  assert.deepEqual(await checkPasswordPolicy(parseConfig({ ...down, KASTELL_HIBP_UNREACHABLE: 'allow' }), 'qwertyuiop123', {}), ['common']);
  assert.deepEqual(await checkPasswordPolicy(parseConfig({ ...down, KASTELL_HIBP_UNREACHABLE: 'refuse' }), 'lantern orchard mosaic thunder', {}), ['breach_check_unavailable']);
});

// asvs: V6.2.1 V6.2.5 V6.2.9 V6.2.11
test('length by code points, no composition rules, context words, reuse of the last five', async () => {
  const off = parseConfig({ KASTELL_HIBP_URL: 'off' });
  assert.deepEqual(await checkPasswordPolicy(off, 'ä'.repeat(11), {}), ['too_short']);
  assert.deepEqual(await checkPasswordPolicy(off, '🙂'.repeat(12), {}), [], 'twelve emoji are twelve characters');
  assert.deepEqual(await checkPasswordPolicy(off, 'all lower case words here', {}), [], 'no composition rules');
  assert.deepEqual(await checkPasswordPolicy(off, 'x'.repeat(1025), {}), ['too_long']);
  assert.deepEqual(await checkPasswordPolicy(off, 'x'.repeat(128) + ' ok', {}), []);
  const context = { email: 'martina.keller@muster-service.ch', displayName: 'Martina Keller', organisationName: 'Muster Service AG' };
  for (const word of ['Martina rocks 2024', 'kellerkellerkeller', 'muster-service rules', 'Kastell is great!', 'martina.keller!!']) {
    assert.deepEqual(await checkPasswordPolicy(off, word, context), ['context'], word);
  }
  const previous = [await hashPassword('an old password of mine')];
  assert.deepEqual(await checkPasswordPolicy(off, 'an old password of mine', { previousHashes: previous }), ['reused']);
});

// asvs: V11.4.2
test('sign-in rehashes a hash made with other argon2 parameters, and keeps the sessions', async () => {
  const t = await createTestDatabase();
  const server = await startTestServer(t, { KASTELL_MFA_CUSTOMERS: 'optional' });
  const { seedCompany } = await import('../harness/seed.ts');
  const user = await seedUser(t.admin, 'customer_viewer', await seedCompany(t.admin, 'Rehash AG'));
  const weak = await argon2.hash(user.password, { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
  await t.admin`update kastell.users set password_hash = ${weak} where user_id = ${user.userId}`;
  const client = server.client();
  assert.equal((await client.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password })).json().signedIn, true);
  const [row] = await t.admin`select password_hash from kastell.users where user_id = ${user.userId}`;
  assert.match(row!.password_hash, /^\$argon2id\$v=19\$m=65536,t=3,p=4\$/);
  assert.equal((await client.get('/api/v1/me')).status, 200, 'a rehash is not a password change: the session stays');
});

test('the last five passwords cannot be reused: each of them is refused, the sixth-oldest is accepted again', async () => {
  const t = await createTestDatabase();
  const server = await startTestServer(t);
  const { seedTotp, signInWithTotp } = await import('../harness/seed.ts');
  const user = await seedUser(t.admin, 'support');
  await seedTotp(t.admin, user.userId);
  const client = server.client();
  await signInWithTotp(client, user);
  const change = (newPassword: string) => client.postJson('/api/v1/me/password', { newPassword });
  const assertRefusedAsReused = async (password: string, context: string) => {
    const refused = await change(password);
    assert.equal(refused.status, 422, `${context}: ${refused.text}`);
    assert.deepEqual(refused.json().error.issues.map((i: { message: string }) => i.message),
      ['You used this password recently. Choose one you have not used before.'], context);
  };
  // six passwords in turn: the seeded one, then five changes
  const passwords = [user.password, 'amber lanterns over quiet hills', 'copper kettles sing at dawn',
    'seven herons cross the marsh', 'violet moss on granite walls', 'a ferry hums beneath the fog'];
  for (const next of passwords.slice(1)) {
    const changed = await change(next);
    assert.equal(changed.status, 200, `${next}: ${changed.text}`);
  }
  const [kept] = await t.admin`select count(*)::int as n from kastell.password_history where user_id = ${user.userId}`;
  assert.equal(kept!.n, 5, 'five hashes kept, the current one included');
  // the current password and the four before it: each refused, and nothing changed
  const hashNow = async () => (await t.admin`select password_hash from kastell.users where user_id = ${user.userId}`)[0]!.password_hash as string;
  const before = await hashNow();
  for (const [age, password] of passwords.slice(1).reverse().entries()) {
    await assertRefusedAsReused(password, age === 0 ? 'the current password' : `the password ${age} change(s) ago`);
  }
  assert.equal(await hashNow(), before, 'a refused change changes nothing');
  // the sixth-oldest is out of the window: accepted again, and it is the password in force
  assert.equal((await change(passwords[0]!)).status, 200, 'the sixth-oldest password is accepted again');
  const signIn = await server.client().postJson('/api/v1/auth/sign-in', { email: user.email, password: passwords[0] });
  assert.equal(signIn.status, 200, 'the password accepted again is the one in force');
});
