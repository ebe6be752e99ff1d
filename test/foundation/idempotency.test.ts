// Idempotency-Key on create endpoints: a retried create answers as the first
// one did and creates nothing more; the key is bound to its user and its
// request; a failed request releases it; the kept answer is sealed, and one
// that does not open spends the key with a 409 (never a re-run).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { parseConfig } from '../../app/config.ts';
import { keyringFromConfig } from '../../app/crypto/keyring.ts';
import { createTestDatabase, testDataDir } from '../harness/database.ts';
import { startTestServer, type TestClient } from '../harness/server.ts';
import { seedCompany, seedSession, seedSite, seedUser } from '../harness/seed.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);
const dispatcher = await seedUser(t.admin, 'dispatcher');
const admin = await seedUser(t.admin, 'admin');
const asUser = async (user: { userId: string }) => server.client().withSession(await seedSession(t.admin, user.userId));
const dispatcherClient = await asUser(dispatcher);
const adminClient = await asUser(admin);

const create = (client: TestClient, key: string | undefined, json: unknown, path = '/api/v1/companies') =>
  client.request('POST', path, { json, headers: key === undefined ? {} : { 'idempotency-key': key } });
const companiesNamed = async (name: string) => (await t.admin`select count(*)::int as n from kastell.companies where name = ${name}`)[0]!.n as number;
const createdEvents = async (companyId: string) =>
  (await t.admin`select count(*)::int as n from audit.events where action = 'company.created' and entity_id = ${companyId}`)[0]!.n as number;

test('a retry with the same key gets the first answer and creates nothing more', async () => {
  const key = randomUUID();
  const first = await create(dispatcherClient, key, { name: 'Retry AG' });
  assert.equal(first.status, 201);
  assert.equal(first.headers.get('idempotency-replayed'), null);
  const retry = await create(dispatcherClient, key, { name: 'Retry AG' });
  assert.equal(retry.status, 201);
  assert.equal(retry.headers.get('idempotency-replayed'), 'true');
  assert.deepEqual(retry.json(), first.json());
  assert.equal(await companiesNamed('Retry AG'), 1);
  assert.equal(await createdEvents(first.json().companyId), 1, 'one audit event: the retry did nothing');
});

test('without a key every request creates (the header is opt-in)', async () => {
  assert.equal((await create(dispatcherClient, undefined, { name: 'Twice AG' })).status, 201);
  assert.equal((await create(dispatcherClient, undefined, { name: 'Twice AG' })).status, 201);
  assert.equal(await companiesNamed('Twice AG'), 2);
});

test('the same key with a different request is refused and writes nothing', async () => {
  const key = randomUUID();
  assert.equal((await create(dispatcherClient, key, { name: 'First GmbH' })).status, 201);
  const other = await create(dispatcherClient, key, { name: 'Second GmbH' });
  assert.equal(other.status, 422);
  assert.equal(other.json().error.code, 'idempotency_key_reused');
  assert.equal(await companiesNamed('Second GmbH'), 0);
});

test('keys belong to their user: another user with the same key creates their own record', async () => {
  const key = 'shared-key-1';
  const mine = await create(dispatcherClient, key, { name: 'Mine AG' });
  const theirs = await create(adminClient, key, { name: 'Mine AG' });
  assert.equal(mine.status, 201);
  assert.equal(theirs.status, 201);
  assert.equal(theirs.headers.get('idempotency-replayed'), null);
  assert.notEqual(theirs.json().companyId, mine.json().companyId);
  assert.equal(await companiesNamed('Mine AG'), 2);
});

test('a malformed key is a 400 and nothing is written', async () => {
  for (const key of ['has space', 'x'.repeat(256), 'ümlaut', '']) {
    const response = await create(dispatcherClient, key, { name: 'Malformed AG' });
    assert.equal(response.status, 400, JSON.stringify(key));
    assert.equal(response.json().error.code, 'invalid_idempotency_key');
  }
  assert.equal(await companiesNamed('Malformed AG'), 0);
});

test('a request that fails releases its key: the retry runs once the cause is gone', async () => {
  const taken = await create(dispatcherClient, undefined, { name: 'Holder AG', customerNumber: 'K-1001' });
  assert.equal(taken.status, 201);
  const key = randomUUID();
  const conflict = await create(dispatcherClient, key, { name: 'Late AG', customerNumber: 'K-1001' });
  assert.equal(conflict.status, 409, conflict.text);
  assert.notEqual(conflict.json().error.code, 'idempotency_key_in_progress');
  assert.equal((await adminClient.request('DELETE', `/api/v1/companies/${taken.json().companyId}`)).status, 200);
  const retry = await create(dispatcherClient, key, { name: 'Late AG', customerNumber: 'K-1001' });
  assert.equal(retry.status, 201);
  assert.equal(retry.headers.get('idempotency-replayed'), null);
  assert.equal(await companiesNamed('Late AG'), 1);
});

test('parallel retries with one key create exactly one record', async () => {
  const key = randomUUID();
  const responses = await Promise.all(Array.from({ length: 12 }, () => create(dispatcherClient, key, { name: 'Parallel AG' })));
  const statuses = responses.map((r) => r.status);
  assert.ok(statuses.every((s) => s === 201 || s === 409), statuses.join(','));
  for (const r of responses.filter((r) => r.status === 409)) assert.equal(r.json().error.code, 'idempotency_key_in_progress');
  assert.equal(new Set(responses.filter((r) => r.status === 201).map((r) => r.json().companyId)).size, 1);
  assert.equal(await companiesNamed('Parallel AG'), 1);
  const after = await create(dispatcherClient, key, { name: 'Parallel AG' });
  assert.equal(after.status, 201);
  assert.equal(after.headers.get('idempotency-replayed'), 'true');
});

test('the kept answer is sealed: an invite link is replayed but never stored in the clear', async () => {
  const [role] = await t.admin`select role_id from kastell.roles where role_key = 'technician'`;
  const key = randomUUID();
  const body = { email: 'tech.idem@example.test', roleId: role!.role_id };
  const first = await create(adminClient, key, body, '/api/v1/invites');
  assert.equal(first.status, 201, first.text);
  const retry = await create(adminClient, key, body, '/api/v1/invites');
  assert.equal(retry.json().link, first.json().link);
  assert.equal((await t.admin`select count(*)::int as n from kastell.invites where email = ${body.email}`)[0]!.n, 1);
  const [row] = await t.admin`select response_sealed from kastell.idempotency_keys where user_id = ${admin.userId} and idempotency_key = ${key}`;
  assert.match(row!.response_sealed, /^v2:/);
  const token = new URL(first.json().link).pathname.split('/').pop()!;
  assert.ok(token.length >= 20);
  assert.ok(!row!.response_sealed.includes(token) && !row!.response_sealed.includes(body.email), 'sealed, not readable');
});

test("a kept answer is sealed under the key of the company that owns what was made (so shredding it reaches the answer)", async () => {
  const company = await seedCompany(t.admin, 'Owner AG');
  const site = await seedSite(t.admin, company, 'Owner plant');
  const [job] = await t.admin`insert into kastell.jobs (company_id, site_id, title) values (${company}, ${site}, 'Pump') returning job_id`;
  const [role] = await t.admin`select role_id from kastell.roles where role_key = 'technician'`;
  const cases: Array<[string, string, unknown, TestClient, { userId: string }, string]> = [
    ['a site (companyId in the answer)', `/api/v1/companies/${company}/sites`, { name: 'Second plant', street: 'Ownerweg 3', country: 'ch' }, dispatcherClient, dispatcher, company],
    ["a message (the job's company)", `/api/v1/jobs/${job!.job_id}/messages`, { body: 'the gate code is 4711', internal: false }, dispatcherClient, dispatcher, company],
    ['a staff invite (the operator)', '/api/v1/invites', { email: 'tech.owner@example.test', roleId: role!.role_id }, adminClient, admin, 'operator'],
  ];
  const keyring = keyringFromConfig(parseConfig({ KASTELL_DATABASE_URL: t.appUrl, KASTELL_DATA_DIR: testDataDir(t.name) }));
  for (const [what, path, body, client, user, owner] of cases) {
    const key = randomUUID();
    const made = await create(client, key, body, path);
    assert.equal(made.status, 201, `${what}: ${made.text}`);
    const [row] = await t.admin`select response_sealed from kastell.idempotency_keys where user_id = ${user.userId} and idempotency_key = ${key}`;
    const keyId = row!.response_sealed.split(':')[1];
    assert.equal(keyring.list().find((k) => k.keyId === keyId)?.owner, owner, what);
  }
});

test('a kept answer that does not open is a 409 that spends the key: the retry creates nothing and is told what to do', async () => {
  const [keyA, keyB] = [randomUUID(), randomUUID()];
  const first = await create(adminClient, keyA, { name: 'Moved A AG' });
  const second = await create(adminClient, keyB, { name: 'Moved B AG' });
  assert.equal(first.status, 201);
  assert.equal(second.status, 201);
  const sealedOf = async (key: string) => (await t.admin`select response_sealed from kastell.idempotency_keys
    where user_id = ${admin.userId} and idempotency_key = ${key}`)[0]!.response_sealed as string;
  const sealedA = await sealedOf(keyA);
  const cases: [string, string][] = [
    ['moved to another key of the same user (bound to user and key)', sealedA],
    ['sealed under a key that is not loaded', sealedA.replace(/^v2:[^:]+:/, 'v2:retired:')],
    ['not a sealed value at all', 'garbage'],
  ];
  for (const [what, sealed] of cases) {
    await t.admin`update kastell.idempotency_keys set response_sealed = ${sealed}
      where user_id = ${admin.userId} and idempotency_key = ${keyB}`;
    for (const attempt of [1, 2]) {
      const retry = await create(adminClient, keyB, { name: 'Moved B AG' });
      assert.equal(retry.status, 409, `${what}, attempt ${attempt}: ${retry.text}`);
      assert.equal(retry.json().error.code, 'idempotency_answer_unreadable', what);
      assert.match(retry.json().error.message, /Do not retry with this key.*new key/, what);
      assert.equal(retry.headers.get('retry-after'), null, 'not "in progress": waiting does not help');
      assert.ok(!retry.text.includes(first.json().companyId), `${what}: nothing of the other answer comes through`);
    }
    assert.equal(await companiesNamed('Moved B AG'), 1, `${what}: the retry created nothing`);
    assert.equal(await createdEvents(second.json().companyId), 1, `${what}: and audited nothing`);
    const [kept] = await t.admin`select count(*)::int as n from kastell.idempotency_keys
      where user_id = ${admin.userId} and idempotency_key = ${keyB} and response_status = 201`;
    assert.equal(kept!.n, 1, `${what}: the key stays spent (not released for a re-run)`);
  }
  // the client follows the message: the record is there, so it does not create again; a new key would create anew
  const found = (await adminClient.get('/api/v1/companies')).json().filter((c: { name: string }) => c.name === 'Moved B AG');
  assert.deepEqual(found.map((c: { companyId: string }) => c.companyId), [second.json().companyId]);
  // the other key's answer is untouched
  const replay = await create(adminClient, keyA, { name: 'Moved A AG' });
  assert.equal(replay.headers.get('idempotency-replayed'), 'true');
  assert.deepEqual(replay.json(), first.json());
  assert.equal(await companiesNamed('Moved A AG'), 1);
});

test('expired keys are purged: the same key creates anew after 24 hours', async () => {
  const key = randomUUID();
  const first = await create(dispatcherClient, key, { name: 'Yesterday AG' });
  await t.admin`update kastell.idempotency_keys set expires_at = now() - interval '1 second', created_at = now() - interval '1 day'
    where idempotency_key = ${key}`;
  const again = await create(dispatcherClient, key, { name: 'Yesterday AG' });
  assert.equal(again.status, 201);
  assert.notEqual(again.json().companyId, first.json().companyId);
  assert.equal((await t.admin`select count(*)::int as n from kastell.idempotency_keys where expires_at < now()`)[0]!.n, 0);
});

test('the OpenAPI document offers the header on every create endpoint', async () => {
  const document = (await dispatcherClient.get('/api/v1/openapi.json')).json();
  const creates = Object.values(document.paths as Record<string, Record<string, any>>)
    .flatMap((methods) => Object.values(methods)).filter((op) => op.responses['201']);
  assert.ok(creates.length >= 4);
  for (const op of creates) {
    assert.ok(op.parameters.some((p: { name: string }) => p.name === 'Idempotency-Key'), op.summary);
    assert.match(op.responses['409'].description, /idempotency_key_in_progress.*idempotency_answer_unreadable/, op.summary);
  }
});
