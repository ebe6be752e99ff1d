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
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventFromRow, linkHash, type EventRow } from '../../app/audit/canonical.ts';
import { latestArchivedCheckpoint, latestShippedCheckpoint, parseCheckpointStatement } from '../../app/audit/checkpoint.ts';
import { eventKeyFromPem, generateEventKeyPem, microsecondIso, signEvent } from '../../app/audit/event-key.ts';
import { verifyTextSignature } from '../../app/audit/keys.ts';
import { startAuditService, type AuditService } from '../../app/audit/service.ts';
import { parseConfig } from '../../app/config.ts';
import { createS3Store } from '../../app/storage/s3.ts';
import { startS3Server } from '../harness/s3.ts';
import { randomUUID } from 'node:crypto';
import { appendSystemEvents, chainEverything, insertSignedEvents, runCli, sleep, testAuditor, testEventKeyPem, testKeyring } from './support.ts';

const { privateKey } = await generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'test' }], format: 'armored' });

/**
 * What `kastell audit checkpoint` and a clean `kastell audit verify` do, in
 * this process: the setting-up is not under test, and each CLI run costs a
 * process start. The verdicts under test still come from the real CLI.
 */
async function withAuditService<T>(t: TestDatabase, env: Record<string, string>, work: (service: AuditService) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kastell-audit-service-'));
  const config = parseConfig({ KASTELL_DATA_DIR: dataDir, KASTELL_AUDIT_EVENT_KEY: testEventKeyPem, ...env });
  const service = await startAuditService({ config: { ...config, jobs: false }, db: t.db, log: createLogger({ level: 'silent' }), mailer: { send: async () => {} } as never, sequencer: false });
  try {
    return await work(service);
  } finally {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
const checkpoint = (t: TestDatabase, env: Record<string, string>) => withAuditService(t, env, async (service) => {
  await service.sequencer.runOnce();
  return service.checkpoint();
});

/** 40 chained events and a signed checkpoint at the head, as a running server leaves them. */
async function chainedDatabase(events = 40): Promise<TestDatabase & { env: Record<string, string> }> {
  const t = await createTestDatabase();
  await appendSystemEvents(t.db, events);
  const sequencer = createSequencer(t.db, createLogger({ level: 'silent' }), { intervalMs: 2 ** 30, keys: testKeyring });
  await chainEverything(sequencer, t.admin);
  await sequencer.stop();
  const env = { KASTELL_DATABASE_URL: t.appUrl, KASTELL_AUDIT_SIGNING_KEY: privateKey };
  assert.equal((await checkpoint(t, env))?.seq, events);
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
  // shaped like application events, signed as the application signs them, inserted in bulk
  await insertSignedEvents(t.admin, 25000, (g) => ({
    actor: { type: 'user', id: randomUUID(), ip: String(g), requestId: randomUUID() },
    event: { action: 'company.updated', entityType: 'company', entityId: String(g), detail: { n: g, text: 'Grüße ✓' } },
  }));
  const sequencer = createSequencer(t.db, createLogger({ level: 'silent' }), { intervalMs: 2 ** 30, keys: testKeyring });
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

// ---------------------------------------------------------------------------
// Forgery by a database superuser above the latest checkpoint (issue 15,
// part 7). Six tamperings once verified clean: the hash chain alone cannot
// tell a link the superuser computed from one Kastell made. Now every event
// is signed by its writer and every link sealed by the sequencer, with the
// audit event key the database never holds, and signed checkpoints go to an
// archive the database cannot reach (here a directory standing for it).

/**
 * 40 links under a signed checkpoint in the archive, then 10 more chained
 * and not yet under one (the unsigned tail a running server has between two
 * checkpoints); `checkpointTail` signs those too, as the server's
 * checkpoint timer does within KASTELL_AUDIT_CHECKPOINT_SECONDS.
 */
async function databaseWithTail(options: { checkpointTail?: boolean } = {}) {
  const t = await chainedDatabase(40);
  const env = { ...t.env, KASTELL_AUDIT_ARCHIVE_DIR: mkdtempSync(join(tmpdir(), 'kastell-offbox-')) };
  assert.equal(await checkpoint(t, env), undefined, 'head unchanged: nothing new in the database');
  // the database's checkpoint at 40 goes to the archive as well (the server writes both at once)
  const [cp] = await t.admin`select seq::int, encode(hash, 'hex') as hash, statement, signature from audit.checkpoints order by created_at desc limit 1`;
  writeFileSync(join(env.KASTELL_AUDIT_ARCHIVE_DIR, 'checkpoints.jsonl'),
    JSON.stringify({ seq: cp!.seq, hash: cp!.hash, time: parseCheckpointStatement(cp!.statement)!.time, statement: cp!.statement, signature: cp!.signature }) + '\n');
  await appendSystemEvents(t.db, 10, 'test.tail');
  const sequencer = createSequencer(t.db, createLogger({ level: 'silent' }), { intervalMs: 2 ** 30, keys: testKeyring });
  await chainEverything(sequencer, t.admin);
  await sequencer.stop();
  if (options.checkpointTail) assert.equal((await checkpoint(t, env))?.seq, 50);
  const untouched = await withAuditService(t, env, (service) => service.verify());
  assert.deepEqual({ ok: untouched.ok, checked: untouched.checked }, { ok: true, checked: 50 }, untouched.problem ?? '');
  return { ...t, env };
}

/** Recomputes link hashes from `seq` on, each continuing the one before: what a forger with SHA-256 can do. */
async function rehashFrom(tx: postgres.TransactionSql, seq: number): Promise<void> {
  const [before] = await tx`select hash from audit.chain where seq = ${seq - 1}`;
  let prev: Buffer = before!.hash;
  const rows = await tx<(EventRow & { seq: string })[]>`select * from audit.chain_slice(${seq - 1}, 100000)`;
  for (const row of rows) {
    const hash = linkHash(prev, eventFromRow(row));
    await tx`update audit.chain set prev_hash = ${prev}, hash = ${hash} where seq = ${row.seq}`;
    prev = hash;
  }
}

const forgedEvent = (id: string, extra = '') => `insert into audit.events (event_id, occurred_at, actor_type, action, outcome${extra ? ', key_id, signature' : ''})
  values ('${id}', now() - interval '5 seconds', 'system', 'forged.event', 'success'${extra})`;

const forgeries: { name: string; firstBad: number; problem: RegExp; checkpointTail?: boolean; tamper: (tx: postgres.TransactionSql) => Promise<unknown> }[] = [
  {
    name: 'a forged event inserted as new (the sequencer chains it)', firstBad: 51, problem: /carries no signature: it was not written by Kastell/,
    tamper: (tx) => tx.unsafe(forgedEvent('00000000-0000-7000-8000-000000000051')),
  },
  {
    name: 'a forged event inserted as new, signed with a key of the forger\'s own', firstBad: 51, problem: /signed with key [0-9a-f]{16}, which is no Kastell audit event key/,
    tamper: async (tx) => {
      const own = eventKeyFromPem(generateEventKeyPem());
      const event = { ...eventFromRow({ event_id: '00000000-0000-7000-8000-000000000052', occurred_at_text: '', actor_type: 'system', actor_id: null, actor_label: null,
        action: 'forged.event', entity_type: null, entity_id: null, company_id: null, outcome: 'success', ip_hmac: null, user_agent_hmac: null, request_id: null, detail: {} }) };
      const at = new Date(Date.now() - 5000);
      event.occurredAt = microsecondIso(at);
      await tx`insert into audit.events (event_id, occurred_at, actor_type, action, outcome, key_id, signature)
               values (${event.eventId}, ${at}, 'system', 'forged.event', 'success', ${own.keyId}, ${signEvent(own, event)})`;
    },
  },
  {
    name: 'a forged event appended at the head with a correctly computed link', firstBad: 51, problem: /carries no signature: it was not written by Kastell/,
    tamper: async (tx) => {
      await tx.unsafe(forgedEvent('00000000-0000-7000-8000-000000000053'));
      const [head] = await tx`select hash from audit.chain where seq = 50`;
      const [row] = await tx<EventRow[]>`select event_id, to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as occurred_at_text, actor_type, actor_id,
        actor_label, action, entity_type, entity_id, company_id, outcome, ip_hmac, user_agent_hmac, request_id, detail from audit.events where action = 'forged.event'`;
      const hash = linkHash(head!.hash, eventFromRow(row!));
      // and a made-up seal, copied from the link below: the forger has no key to make one
      await tx`insert into audit.chain (seq, event_id, event_occurred_at, txid, prev_hash, hash, key_id, mac, chained_at)
               select 51, e.event_id, e.occurred_at, pg_current_xact_id(), ${head!.hash}, ${hash}, c.key_id, c.mac, c.chained_at
               from audit.events e, audit.chain c where e.action = 'forged.event' and c.seq = 50`;
    },
  },
  {
    name: 'two events swapped and rehashed above the latest checkpoint', firstBad: 45, problem: /its seal does not verify: the link was rewritten/,
    tamper: async (tx) => {
      await tx`update audit.chain c set event_id = o.event_id, event_occurred_at = o.event_occurred_at
               from audit.chain o where (c.seq, o.seq) in ((45, 46), (46, 45))`;
      await rehashFrom(tx, 45);
    },
  },
  {
    name: 'a link rewritten and everything after it rehashed above the checkpoint', firstBad: 44, problem: /the signature of its event .* does not verify: it was not written by Kastell/,
    tamper: async (tx) => {
      await tx.unsafe(`update audit.events set outcome = 'failure', detail = '{"rewritten": true}' where event_id = ${eventOfLink(44)}`);
      await rehashFrom(tx, 44);
    },
  },
  {
    name: 'a link rewritten to another (signed) event, copying its seal, everything after rehashed', firstBad: 47, problem: /its seal does not verify/,
    tamper: async (tx) => {
      // link 47 now carries link 12's event and seal: a real, signed event, but not this link's
      await tx`update audit.chain c set event_id = o.event_id, event_occurred_at = o.event_occurred_at, key_id = o.key_id, mac = o.mac
               from audit.chain o where c.seq = 47 and o.seq = 12`;
      await rehashFrom(tx, 47);
    },
  },
  {
    name: 'the last three links cut with their events, within the checkpoint window', firstBad: 48, checkpointTail: true,
    problem: /the chain ends at link 47, but the signed checkpoint in .*checkpoints\.jsonl vouches for link 50: the tail was cut/,
    tamper: async (tx) => {
      await tx`delete from audit.events where event_id in (select event_id from audit.chain where seq > 47)`;
      await tx`delete from audit.chain where seq > 47`;
      await tx`delete from audit.checkpoints where seq > 40`;
    },
  },
  {
    name: 'the last three links cut without their events, within the checkpoint window (Kastell chains them again)', firstBad: 48, checkpointTail: true,
    problem: /link 48 was chained at .*, after a signed checkpoint of .* had already vouched for it: the links from 48 on were cut and chained again/,
    tamper: async (tx) => {
      await tx`delete from audit.chain where seq > 47`;
      await tx`delete from audit.checkpoints where seq > 40`;
    },
  },
];

for (const { name, firstBad, problem, checkpointTail, tamper } of forgeries) {
  test(`forgery by a superuser — ${name} — kastell audit verify exits 1 naming link ${firstBad}`, async () => {
    const t = await databaseWithTail({ checkpointTail });
    await withoutTriggers(t.admin, tamper);
    const result = await runCli(['audit', 'verify'], t.env);
    assert.equal(result.code, 1, `stdout: ${result.stdout} stderr: ${result.stderr}`);
    assert.match(result.stderr, new RegExp(`BROKEN at link ${firstBad}:`), result.stderr);
    assert.match(result.stderr, problem, result.stderr);
  });
}

test('a cut above the last checkpoint is the window: the server signs a quiet tail within KASTELL_AUDIT_CHECKPOINT_SECONDS and ships it to the archive bucket', async () => {
  const t = await createTestDatabase();
  const s3 = await startS3Server('kastell-offbox');
  const archiveDir = mkdtempSync(join(tmpdir(), 'kastell-archive-'));
  const config = parseConfig({
    KASTELL_DATABASE_URL: t.appUrl, KASTELL_DATA_DIR: mkdtempSync(join(tmpdir(), 'kastell-window-')), KASTELL_JOBS: 'off',
    KASTELL_AUDIT_SIGNING_KEY: privateKey, KASTELL_AUDIT_EVENT_KEY: testEventKeyPem, KASTELL_AUDIT_ARCHIVE_DIR: archiveDir,
    KASTELL_AUDIT_CHECKPOINT_SECONDS: '1', KASTELL_AUDIT_CHAIN_INTERVAL_MS: '50',
    KASTELL_AUDIT_ARCHIVE_S3_ENDPOINT: s3.endpoint, KASTELL_AUDIT_ARCHIVE_S3_BUCKET: s3.bucket,
    KASTELL_AUDIT_ARCHIVE_S3_ACCESS_KEY: s3.accessKey, KASTELL_AUDIT_ARCHIVE_S3_SECRET_KEY: s3.secretKey,
  });
  const service = await startAuditService({ config, db: t.db, log: createLogger({ level: 'silent' }), mailer: { send: async () => {} } as never });
  try {
    // events arrive, then nothing more: the head must still be signed, by the timer
    for (let i = 0; i < 3; i++) await t.db.withPrincipal(null, (tx) => service.auditor.recordAs(tx, { type: 'system', label: 'test' }, { action: 'test.quiet' }));
    let shipped: Awaited<ReturnType<typeof latestShippedCheckpoint>>;
    for (let attempt = 0; attempt < 300 && shipped?.seq !== 3; attempt++) {
      await sleep(100);
      shipped = await latestShippedCheckpoint(createS3Store({ kind: 's3', endpoint: s3.endpoint, bucket: s3.bucket, accessKey: s3.accessKey, secretKey: s3.secretKey, region: 'us-east-1' }));
    }
    assert.equal(shipped?.seq, 3, 'the quiet tail is under a signed checkpoint in the bucket');
    assert.equal(latestArchivedCheckpoint(archiveDir)?.seq, 3);
    assert.match(shipped!.statement, /^kastell-audit-checkpoint v2\nseq: 3\n[\s\S]*unsigned-through: 0\n$/);
    assert.equal(await verifyTextSignature(service.keys.publicKeyArmored, shipped!.statement, shipped!.signature), true);
  } finally {
    await service.stop();
  }
  // the bucket alone catches the cut: the database's checkpoints and the archive directory gone too
  await withoutTriggers(t.admin, async (tx) => {
    await tx`delete from audit.events where event_id in (select event_id from audit.chain where seq > 1)`;
    await tx`delete from audit.chain where seq > 1`;
    await tx`delete from audit.checkpoints`;
  });
  rmSync(archiveDir, { recursive: true });
  const result = await runCli(['audit', 'verify'], {
    KASTELL_DATABASE_URL: t.appUrl, KASTELL_AUDIT_SIGNING_KEY: privateKey, KASTELL_AUDIT_ARCHIVE_S3_ENDPOINT: s3.endpoint,
    KASTELL_AUDIT_ARCHIVE_S3_BUCKET: s3.bucket, KASTELL_AUDIT_ARCHIVE_S3_ACCESS_KEY: s3.accessKey, KASTELL_AUDIT_ARCHIVE_S3_SECRET_KEY: s3.secretKey,
  });
  assert.equal(result.code, 1, result.stdout);
  assert.match(result.stderr, /BROKEN at link 2: the chain ends at link 1, but the signed checkpoint in the archive bucket kastell-offbox vouches for link 3: the tail was cut/, result.stderr);
});
