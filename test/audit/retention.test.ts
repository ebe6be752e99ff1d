// Retention through the one maintenance function: refused inside seven
// years, refused before a verified export covers the month, allowed after —
// and then recorded as an audit event, with verification continuing from
// where the retired month ended.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as openpgp from 'openpgp';
import { exportDay } from '../../app/audit/export.ts';
import { applyAuditRetention } from '../../app/audit/retention.ts';
import { createSequencer } from '../../app/audit/sequencer.ts';
import { verifyChain } from '../../app/audit/verify.ts';
import { createLogger } from '../../app/log.ts';
import { createTestDatabase } from '../harness/database.ts';
import { appendSystemEvents, chainEverything, runCli, testEventKey, testKeyring, testSeals } from './support.ts';
import { buildSignedEvent, signerFor } from '../../app/audit/record.ts';

const t = await createTestDatabase();
// An eight-year-old month, as kastell_owner creates partitions, with events in it.
await t.admin.begin(async (tx) => {
  await tx`set local role kastell_owner`;
  for (const table of ['events', 'chain']) {
    await tx.unsafe(`create table audit.${table}_2015_03 partition of audit.${table} for values from ('2015-03-01') to ('2015-04-01')`);
    await tx.unsafe(`create trigger no_truncate before truncate on audit.${table}_2015_03 for each statement execute function audit.refuse_change()`);
  }
});
// signed as the application signs (with the event's own, old, time)
for (let g = 1; g <= 5; g++) {
  const signed = buildSignedEvent(signerFor(testEventKey), { type: 'system' }, { action: 'test.old' }, () => Buffer.alloc(0),
    new Date(Date.parse('2015-03-10T00:00:00Z') + g * 3_600_000));
  const e = signed.event;
  await t.db.withPrincipal(null, (tx) => tx`select audit.append_signed(${e.eventId}, ${signed.at}, ${e.actorType}, null, null, ${e.action},
    null, null, null, ${e.outcome}, null, null, null, ${tx.json({})}, ${signed.keyId}, ${signed.signature})`);
}
await appendSystemEvents(t.db, 3);
const sequencer = createSequencer(t.db, createLogger({ level: 'silent' }), { intervalMs: 2 ** 30, keys: testKeyring });
assert.equal(await chainEverything(sequencer, t.admin), 8);
await sequencer.stop();
const { privateKey } = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'test' }], format: 'armored' });
const signingKey = await openpgp.readPrivateKey({ armoredKey: privateKey });
const keys = { hmacKey: Buffer.alloc(32), signingKey, publicKeyArmored: signingKey.toPublic().armor(), events: testKeyring };

test('the application role cannot drop audit partitions itself', async () => {
  await assert.rejects(t.db.sql`drop table audit.events_2015_03`, { code: '42501' });
  await assert.rejects(t.db.sql`alter table audit.events detach partition audit.events_2015_03`, { code: '42501' });
});

test('a month inside the seven years is refused', async () => {
  const thisMonth = new Date().toISOString().slice(0, 8) + '01';
  await assert.rejects(t.db.sql`select audit.drop_expired_month(${thisMonth}::date, gen_random_uuid(), now(), ${t.db.sql.json({})}, null, null)`, /inside the 7-year retention period/);
});

test('an expired month without a verified export is refused and nothing is removed', async () => {
  const [outcome] = await applyAuditRetention(t.db, signerFor(testEventKey));
  assert.equal(outcome?.month, '2015-03');
  assert.equal(outcome?.dropped, false);
  assert.match(outcome!.refused!, /5 links of 2015-03 are in no verified export/);
  const [row] = await t.admin`select count(*)::int as n from audit.events_2015_03`;
  assert.equal(row!.n, 5);
});

test('kastell audit retention reports the refusal and exits 1', async () => {
  const result = await runCli(['audit', 'retention'], { KASTELL_DATABASE_URL: t.appUrl });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, /kept 2015-03: .*no verified export/);
});

test('after a verified export the month is retired, the removal is an audit event, and the rest still verifies', async () => {
  const today = new Date().toISOString().slice(0, 10);
  const { verified } = await exportDay(t.db, keys, today, mkdtempSync(join(tmpdir(), 'kastell-retention-')));
  assert.equal(verified.ok, true, verified.problem ?? '');
  const outcomes = await applyAuditRetention(t.db, signerFor(testEventKey));
  assert.deepEqual(outcomes, [{ month: '2015-03', dropped: true, links: 5 }]);
  const [gone] = await t.admin`select to_regclass('audit.events_2015_03') as events, to_regclass('audit.chain_2015_03') as chain`;
  assert.deepEqual({ ...gone }, { events: null, chain: null });
  const [log] = await t.admin`select month::text, dropped_through_seq::int as through from audit.retention_log`;
  assert.deepEqual({ ...log }, { month: '2015-03-01', through: 5 });
  const [event] = await t.admin`select actor_type, entity_id, detail from audit.events where action = 'audit.retention.dropped'`;
  assert.equal(event?.entity_id, '2015-03');
  assert.deepEqual(event?.detail, { first_seq: 5 - 4, last_seq: 5, links: 5 });
  const s = createSequencer(t.db, createLogger({ level: 'silent' }), { intervalMs: 2 ** 30, keys: testKeyring });
  await chainEverything(s, t.admin);
  await s.stop();
  const result = await verifyChain(t.db, { unchainedBoundSeconds: 60, seals: testSeals() });
  assert.equal(result.ok, true, result.problem ?? '');
  assert.equal(result.checked, 4, 'the three recent events and the retention event, from link 6 on');
  assert.equal(result.headSeq, 9);
});
