// TOTP secrets under re-encryption (sql/0027): secrets sealed under the old
// installation key, confirmed and pending, are counted by `kastell keys
// status` as the installation key's, moved to the operator's current data
// key by `kastell keys reencrypt`, and moved again after an operator-key
// rotation; sign-in with the authenticator goes on working throughout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../app/config.ts';
import { keyringFromConfig } from '../../app/crypto/keyring.ts';
import { createSecretBox } from '../../app/crypto/secret-box.ts';
import { runCli } from '../audit/support.ts';
import { createTestDatabase, testDataDir } from '../harness/database.ts';
import { seedTotp, seedUser, signInWithTotp, testSecretKey, testSecretKeyId, testTotpSecret } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);
const env = { KASTELL_DATABASE_URL: t.appUrl, KASTELL_DATA_DIR: testDataDir(t.name), KASTELL_SECRET_KEY: testSecretKey.toString('base64'), KASTELL_SECRET_KEY_ID: testSecretKeyId };
const confirmed = await seedUser(t.admin, 'dispatcher');
await seedTotp(t.admin, confirmed.userId); // sealed under the installation key, as before keys per company
const enrolling = await seedUser(t.admin, 'technician');
const oldBox = createSecretBox({ keyId: testSecretKeyId, key: testSecretKey });
await t.admin`insert into kastell.totp_factors (user_id, pending_secret_enc) values (${enrolling.userId}, ${oldBox.seal('JBSWY3DPEHPK3PXP', `totp:${enrolling.userId}`)})`;

const secretsOf = async () => (await t.admin<{ user_id: string; secret_enc: string | null; pending_secret_enc: string | null }[]>`
  select user_id, secret_enc, pending_secret_enc from kastell.totp_factors order by user_id`).flatMap((r) => [r.secret_enc, r.pending_secret_enc]).filter((v): v is string => v !== null);
const keyIdsOf = async () => [...new Set((await secretsOf()).map((v) => v.split(':')[1]))];
const operatorKey = () => keyringFromConfig(parseConfig(env)).list().filter((k) => k.owner === 'operator').at(-1)!;

test('secrets under the installation key are counted as its, moved to the operator key, and moved again after a rotation', async () => {
  assert.deepEqual(await keyIdsOf(), [testSecretKeyId]);
  const before = await runCli(['keys', 'status'], env);
  assert.equal(before.code, 0, before.stderr);
  assert.match(before.stdout, new RegExp(`^${testSecretKeyId}  \\(the old installation key: \`kastell keys reencrypt\` moves it\\)  rows 2  objects 0$`, 'm'));

  const run = await runCli(['keys', 'reencrypt'], env);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const v1 = operatorKey();
  assert.deepEqual(await keyIdsOf(), [v1.keyId], 'both secrets under the operator key');
  const after = await runCli(['keys', 'status'], env);
  assert.match(after.stdout, new RegExp(`^${v1.keyId}  operator  v1 \\(current\\) .* rows 2  objects 0$`, 'm'));
  assert.doesNotMatch(after.stdout, /installation key/);
  // the same secret: sign-in with the authenticator works
  assert.equal((await signInWithTotp(server.client(), confirmed)).status, 200);
  const [audit] = await t.admin`select detail from audit.events where action = 'keys.rows_resealed' and entity_id = 'totp_factors'`;
  assert.equal(audit!.detail.rows, 2);

  assert.equal((await runCli(['keys', 'rotate', '--operator'], env)).code, 0);
  const v2 = operatorKey();
  assert.equal(v2.version, 2);
  assert.equal((await runCli(['keys', 'reencrypt'], env)).code, 0);
  assert.deepEqual(await keyIdsOf(), [v2.keyId], 'moved to the new version');
  assert.equal((await signInWithTotp(server.client(), confirmed, 1)).status, 200);
  // re-sealed with its binding: the confirmed secret opens for its user only
  const ring = keyringFromConfig(parseConfig(env));
  const [row] = await t.admin<{ secret_enc: string }[]>`select secret_enc from kastell.totp_factors where user_id = ${confirmed.userId}`;
  assert.equal(ring.open(row!.secret_enc, `totp:${confirmed.userId}`), testTotpSecret);
  assert.throws(() => ring.open(row!.secret_enc, `totp:${enrolling.userId}`));
});
