// The stored chain against tampering. Append-only for the application role
// (no grant) and for the superuser (triggers); and when the superuser turns
// the triggers off and changes a field, deletes an event, inserts one, swaps
// two or cuts the tail, `kastell audit verify` exits 1 naming the first bad
// sequence, while an untouched chain verifies with exit 0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type postgres from 'postgres';
import { generateKey } from 'openpgp';
import { createTestDatabase, type TestDatabase } from '../harness/database.ts';
import { createSequencer } from '../../app/audit/sequencer.ts';
import { createLogger } from '../../app/log.ts';
import { appendSystemEvents, chainEverything, runCli, testAuditor } from './support.ts';

const { privateKey } = await generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'test' }], format: 'armored' });

/** 40 chained events and a signed checkpoint at the head, as a running server leaves them. */
async function chainedDatabase(events = 40): Promise<TestDatabase & { env: Record<string, string> }> {
  const t = await createTestDatabase();
  await appendSystemEvents(t.db, events);
  const sequencer = createSequencer(t.db, createLogger({ level: 'silent' }), { intervalMs: 2 ** 30 });
  await chainEverything(sequencer, t.admin);
  await sequencer.stop();
  const env = { KASTELL_DATABASE_URL: t.appUrl, KASTELL_AUDIT_SIGNING_KEY: privateKey };
  const checkpoint = await runCli(['audit', 'checkpoint'], env);
  assert.equal(checkpoint.code, 0, checkpoint.stderr);
  const [signed] = await t.admin`select seq::int as seq from audit.latest_checkpoint()`;
  assert.equal(signed?.seq, events, 'a signed checkpoint at the head');
  return { ...t, env };
}

async function withoutTriggers(admin: postgres.Sql, work: (tx: postgres.TransactionSql) => Promise<unknown>): Promise<void> {
  await admin.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await work(tx);
  });
}

const auditTables = ['events', 'chain', 'checkpoints', 'exports', 'verifications', 'retention_log'];

// asvs: V16.4.2
test('the application role has no UPDATE, DELETE, TRUNCATE or INSERT on any audit table', async () => {
  const t = await chainedDatabase(3);
  const someColumn = (table: string) => (table === 'events' ? 'action' : table === 'chain' ? 'hash' : 'created_at');
  for (const table of auditTables) {
    for (const statement of [`update audit.${table} set ${someColumn(table)} = ${someColumn(table)}`, `delete from audit.${table}`,
      `truncate audit.${table}`, `insert into audit.${table} default values`]) {
      await assert.rejects(t.db.sql.unsafe(statement), (error: { code?: string }) => error.code === '42501', `${statement} must be refused`);
    }
  }
});

// asvs: V16.4.2
test('as the superuser, UPDATE, DELETE and TRUNCATE on every audit table and partition fail through the triggers', async () => {
  const t = await chainedDatabase(3);
  await t.admin`select audit.record_verification(true, 3, 3, null, null, 1, now())`;
  await t.admin`select audit.record_export(current_date, 1, 3, 3, '/nowhere', ${Buffer.alloc(32)}, true)`;
  await t.admin`insert into audit.retention_log (month, dropped_through_seq, dropped_through_hash) values ('2000-01-01', 0, ${Buffer.alloc(32)})`;
  const partitions = await t.admin<{ name: string }[]>`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent in ('audit.events'::regclass, 'audit.chain'::regclass) and c.relname like '%\_20%'
    order by 1 limit 2`;
  const statements = [
    `update audit.events set action = 'forged.action'`, `delete from audit.events`, `truncate audit.events`,
    `update audit.chain set hash = hash`, `delete from audit.chain`, `truncate audit.chain`,
    ...partitions.map((p) => `truncate audit.${p.name}`),
    ...['checkpoints', 'exports', 'verifications', 'retention_log'].flatMap((table) =>
      [`update audit.${table} set created_at = now()`, `delete from audit.${table}`, `truncate audit.${table}`]),
  ];
  for (const statement of statements) {
    await assert.rejects(t.admin.unsafe(statement), /append-only/, statement);
  }
  const [row] = await t.admin`select count(*)::int as events, (select count(*)::int from audit.chain) as links from audit.events`;
  assert.deepEqual({ ...row }, { events: 3, links: 3 });
});

test('an untouched chain: kastell audit verify exits 0', async () => {
  const t = await chainedDatabase();
  const result = await runCli(['audit', 'verify'], t.env);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /OK: 40 links verified/);
});

const eventOfLink = (seq: number) => `(select event_id from audit.chain where seq = ${seq})`;

const tamperings: { name: string; firstBad: number; tamper: (tx: postgres.TransactionSql) => Promise<unknown> }[] = [
  {
    name: 'a changed field', firstBad: 17,
    tamper: (tx) => tx.unsafe(`update audit.events set outcome = 'failure' where event_id = ${eventOfLink(17)}`),
  },
  {
    name: 'a deleted event', firstBad: 9,
    tamper: async (tx) => {
      await tx.unsafe(`delete from audit.events where event_id = ${eventOfLink(9)}`);
      await tx`delete from audit.chain where seq = 9`;
    },
  },
  {
    name: 'an inserted event', firstBad: 21,
    tamper: async (tx) => {
      // a forged event slotted in as link 21, carrying link 20's hash as its previous; the rest move up one
      await tx`update audit.chain set seq = seq + 1000 where seq > 20`;
      await tx`update audit.chain set seq = seq - 999 where seq > 1000`;
      await tx`insert into audit.events (event_id, occurred_at, actor_type, action, outcome)
               values ('00000000-0000-7000-8000-000000000021', now(), 'system', 'forged.event', 'success')`;
      await tx`insert into audit.chain (seq, event_id, event_occurred_at, txid, prev_hash, hash)
               select 21, e.event_id, e.occurred_at, '1'::xid8, c.hash, c.hash
               from audit.events e, audit.chain c where e.action = 'forged.event' and c.seq = 20`;
    },
  },
  {
    name: 'two swapped events', firstBad: 5,
    tamper: async (tx) => {
      await tx`update audit.chain set seq = 1005 where seq = 5`;
      await tx`update audit.chain set seq = 5 where seq = 6`;
      await tx`update audit.chain set seq = 6 where seq = 1005`;
    },
  },
  {
    name: 'a cut tail', firstBad: 31,
    tamper: async (tx) => {
      await tx`delete from audit.events where event_id in (select event_id from audit.chain where seq > 30)`;
      await tx`delete from audit.chain where seq > 30`;
    },
  },
];

for (const { name, firstBad, tamper } of tamperings) {
  test(`tampering — ${name} — kastell audit verify exits 1 naming link ${firstBad}`, async () => {
    const t = await chainedDatabase();
    await withoutTriggers(t.admin, tamper);
    const result = await runCli(['audit', 'verify'], t.env);
    assert.equal(result.code, 1, `stdout: ${result.stdout} stderr: ${result.stderr}`);
    assert.match(result.stderr, new RegExp(`BROKEN at link ${firstBad}:`), result.stderr);
  });
}

test('values with tabs, newlines, backslashes, \\N and non-ASCII verify (text values reach the hash exactly)', async () => {
  const t = await createTestDatabase();
  for (const tricky of ['tab\there', 'line\nbreak\r\n', 'back\\slash \\N \\\\N', '\\N', 'Grüße ✓ 𝄞', '\b\f\v\u0001']) {
    await t.db.withPrincipal(null, (tx) => testAuditor.recordAs(tx, { type: 'system', label: tricky }, {
      action: 'test.tricky', entityType: 'test', entityId: tricky, detail: { tricky, [`${tricky}:key`]: 1.5, empty: null },
    }));
  }
  const result = await runCli(['audit', 'verify'], { KASTELL_DATABASE_URL: t.appUrl });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /OK: 6 links verified/);
});

test('a chain of 25,000 links (three verification ranges) verifies, and a change at a range seam and deep in the last range is named', async () => {
  const t = await createTestDatabase();
  // shaped like application events, inserted in bulk (the append function is what the other tests use)
  await t.admin.unsafe(`
    insert into audit.events (actor_type, actor_id, action, entity_type, entity_id, outcome, ip_hmac, request_id, detail)
    select 'user', gen_random_uuid(), 'company.updated', 'company', g::text, 'success', sha256(g::text::bytea), gen_random_uuid(),
           jsonb_build_object('n', g, 'text', 'Grüße ✓')
    from generate_series(1, 25000) g`);
  const sequencer = createSequencer(t.db, createLogger({ level: 'silent' }), { intervalMs: 2 ** 30 });
  await chainEverything(sequencer, t.admin);
  await sequencer.stop();
  const env = { KASTELL_DATABASE_URL: t.appUrl };
  const untouched = await runCli(['audit', 'verify'], env);
  assert.equal(untouched.code, 0, untouched.stderr);
  assert.match(untouched.stdout, /OK: 25000 links verified/);

  await withoutTriggers(t.admin, (tx) => tx.unsafe(`update audit.events set entity_id = 'forged' where event_id = ${eventOfLink(24_321)}`));
  const deep = await runCli(['audit', 'verify'], env);
  assert.equal(deep.code, 1, deep.stdout);
  assert.match(deep.stderr, /BROKEN at link 24321:/, deep.stderr);

  await withoutTriggers(t.admin, async (tx) => {
    await tx.unsafe(`delete from audit.events where event_id = ${eventOfLink(10_001)}`);
    await tx`delete from audit.chain where seq = 10001`;
  });
  const seam = await runCli(['audit', 'verify'], env);
  assert.equal(seam.code, 1, seam.stdout);
  assert.match(seam.stderr, /BROKEN at link 10001:/, seam.stderr);
});
