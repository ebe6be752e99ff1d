// THC hydra (Debian's) against the sign-in form of a running instance: a
// list of 200 passwords with the right one at position 150 does not get in,
// because the account locks after 5 failures. The user is a customer with
// MFA optional, so the password alone WOULD sign in: the lockout is what
// stops hydra, not the second factor. Skipped where hydra is not installed
// (apt-get install hydra).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestDatabase } from '../harness/database.ts';
import { seedCompany, seedUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const hydra = '/usr/bin/hydra';

test('hydra with 200 passwords including the right one does not get in', { skip: !existsSync(hydra) && 'hydra is not installed' }, async () => {
  const t = await createTestDatabase();
  const server = await startTestServer(t, { KASTELL_MFA_CUSTOMERS: 'optional', KASTELL_ARGON2_QUEUE: '16' });
  const user = await seedUser(t.admin, 'customer_member', await seedCompany(t.admin, 'Target AG'));
  // control: the right password alone signs this user in
  assert.equal((await server.client().postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password })).json().signedIn, true);

  const runHydra = async (email: string, rightAt: number, password: string) => {
    const passwords = Array.from({ length: 200 }, (_, i) => `guess-${i}-${randomBytes(4).toString('hex')}`);
    passwords[rightAt] = password;
    const dir = mkdtempSync(join(tmpdir(), 'kastell-hydra-'));
    writeFileSync(join(dir, 'passwords.txt'), passwords.join('\n') + '\n');
    const { port, hostname } = new URL(server.url);
    const csrf = randomBytes(32).toString('base64url');
    // hydra 9.4 parses escaped colons only with the failure condition last.
    // Wrong (401) and locked (429) pages both say "is not correct"; the
    // server's hashing queue has room for hydra's 4 tasks, because a busy
    // page (503) says otherwise and hydra would call it a valid password.
    const form = `/sign-in:_csrf=${csrf}&email=^USER^&password=^PASS^:H=Origin\\: ${server.url.replace(/:/g, '\\:')}:H=Cookie\\: __Host-kastell-csrf=${csrf}:F=is not correct`;
    const args = ['-l', email, '-P', join(dir, 'passwords.txt'), '-s', port, '-t', '4', '-f', '-I', hostname, 'http-post-form', form];
    return new Promise<string>((resolve) => {
      execFile(hydra, args, { timeout: 10 * 60_000 }, (_error, stdout, stderr) => resolve(stdout + stderr));
    });
  };

  // control: hydra does find a password on this form when it is tried before any lockout
  const control = await seedUser(t.admin, 'customer_member', await seedCompany(t.admin, 'Control AG'));
  const found = await runHydra(control.email, 0, control.password);
  assert.match(found, /1 valid password found/, found);

  const output = await runHydra(user.email, 149, user.password);
  console.log(output);
  assert.match(output, /200 login tries/, output);
  assert.match(output, /1 of 1 target completed, 0 valid password found/, output);
  assert.doesNotMatch(output, new RegExp(user.password));
  const [failures] = await t.admin`select count(*)::int as n from kastell.auth_failures where subject = ${`account:${user.email}`}`;
  assert.ok(failures!.n >= 5 && failures!.n <= 20, `${failures!.n} passwords were actually checked`);
  const [session] = await t.admin`select count(*)::int as n from kastell.sessions where user_id = ${user.userId}`;
  assert.equal(session!.n, 1, 'only the control sign-in has a session');
});
