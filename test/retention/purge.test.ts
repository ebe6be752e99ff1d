// The retention purge (README "Privacy and retention"): rows seeded on both
// sides of each resource's boundary; the dry run lists exactly the old ones
// and deletes nothing; the run deletes exactly what the dry run listed, each
// with an audit event, and removes a purged contract's stored objects; a row
// that changed since the dry run is kept; nothing younger is touched.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { parseRetention } from '../../app/config.ts';
import { createLogger } from '../../app/log.ts';
import { applyRetention, planRetention, retentionStatus } from '../../app/retention/purge.ts';
import { createLocalDiskStore } from '../../app/storage/local-disk.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedCompany, seedSite, seedUser } from '../harness/seed.ts';
import { runCli, testAuditor } from '../audit/support.ts';

const t = await createTestDatabase();
const store = createLocalDiskStore(mkdtempSync(join(tmpdir(), 'kastell-retention-store-')));
const log = createLogger({ level: 'silent' });
const policy = parseRetention(undefined).policy;
const A = await seedCompany(t.admin, 'Alpha AG');
const siteA = await seedSite(t.admin, A, 'Alpha plant');
const user = await seedUser(t.admin, 'customer_admin', A);

/** ids expected due (old) and expected kept (young or not ended), per resource */
const due = new Set<string>();
const kept = new Set<string>();
const ago = (spec: string) => t.admin`select now() - ${spec}::interval as at`.then(([r]) => r!.at as Date);

// sessions: 30 days after they ended
for (const [age, bucket] of [['31 days', due], ['29 days', kept]] as const) {
  const [s] = await t.admin`insert into kastell.sessions (user_id, token_hash, idle_timeout, expires_at, hard_expires_at, created_at, last_seen_at, ended_at, end_reason)
    values (${user.userId}, ${randomBytes(32)}, '15 minutes', now() - ${age}::interval, now() - ${age}::interval + interval '60 days', now() - ${age}::interval - interval '1 hour',
            now() - ${age}::interval, now() - ${age}::interval, 'sign_out') returning session_id`;
  bucket.add(s!.session_id);
}
const [live] = await t.admin`insert into kastell.sessions (user_id, token_hash, idle_timeout, expires_at, hard_expires_at, created_at)
  values (${user.userId}, ${randomBytes(32)}, '15 minutes', now() + interval '1 day', now() + interval '80 days', now() - interval '400 days') returning session_id`;
kept.add(live!.session_id);

async function seedDocument(kind: string, age: string): Promise<string> {
  const [d] = await t.admin`insert into kastell.documents (owner_company_id, company_id, title, kind, created_by, created_at, updated_at)
    values (${A}, ${A}, ${`${kind} ${age}`}, ${kind}, ${user.userId}, now() - ${age}::interval, now() - ${age}::interval) returning document_id`;
  return d!.document_id;
}
async function seedVersion(documentId: string, status: 'clean' | 'rejected', age: string): Promise<{ versionId: string; key: string | null }> {
  const key = status === 'clean' ? `documents/${documentId}/${randomBytes(16).toString('hex')}` : null;
  if (key) await store.put(key, Readable.from([Buffer.from(`file of ${documentId}`)]));
  const [v] = await t.admin`insert into kastell.document_versions (document_id, owner_company_id, file_name, status, reason, detected_type, size, sha256, object_key, uploaded_by, created_at, decided_at)
    values (${documentId}, ${A}, 'f.pdf', ${status}, ${status === 'rejected' ? 'malware' : null}, ${key ? 'application/pdf' : null}, ${key ? 10 : null},
            ${key ? randomBytes(32) : null}, ${key}, ${user.userId}, now() - ${age}::interval, now() - ${age}::interval) returning version_id`;
  return { versionId: v!.version_id, key };
}

// contracts: 7 years after their last version; their objects leave the store
const oldContract = await seedDocument('contract', '7 years 2 days');
const oldContractFile = await seedVersion(oldContract, 'clean', '7 years 2 days');
due.add(oldContract);
const youngContract = await seedDocument('contract', '6 years 11 months');
const youngContractFile = await seedVersion(youngContract, 'clean', '6 years 11 months');
kept.add(youngContract);
const oldManual = await seedDocument('manual', '9 years');
const oldManualFile = await seedVersion(oldManual, 'clean', '9 years');
kept.add(oldManual);
// a contract whose last version is young, though the document is old
const refreshed = await seedDocument('contract', '8 years');
await seedVersion(refreshed, 'clean', '8 years');
await seedVersion(refreshed, 'clean', '1 year');
kept.add(refreshed);

// rejected uploads: 30 days
for (const [age, bucket] of [['31 days', due], ['29 days', kept]] as const) {
  bucket.add((await seedVersion(oldManual, 'rejected', age)).versionId);
}

// share links: 1 year after they were revoked or expired
for (const [age, revoked, bucket] of [['1 year 2 days', true, due], ['1 year 2 days', false, due], ['11 months', true, kept], ['11 months', false, kept]] as const) {
  const [l] = await t.admin`insert into kastell.share_links (document_id, owner_company_id, token_hash, created_by, created_at, expires_at, revoked_at, revoked_by)
    values (${oldManual}, ${A}, ${randomBytes(32)}, ${user.userId}, now() - ${age}::interval - interval '7 days', now() - ${age}::interval,
            ${revoked ? await ago(age).then((d) => new Date(d.getTime() - 86_400_000)) : null}, ${revoked ? user.userId : null}) returning share_link_id`;
  bucket.add(l!.share_link_id);
}
const [openLink] = await t.admin`insert into kastell.share_links (document_id, owner_company_id, token_hash, created_by, expires_at)
  values (${oldManual}, ${A}, ${randomBytes(32)}, ${user.userId}, now() + interval '7 days') returning share_link_id`;
kept.add(openLink!.share_link_id);

// messages: 2 years after their job closed (jobs and history seeded as they would have been, triggers aside)
async function seedJobWithMessage(status: string, closedAgo: string | null): Promise<string> {
  return t.admin.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    const [j] = await tx`insert into kastell.jobs (company_id, site_id, title, status, created_at) values (${A}, ${siteA}, 'Pump', ${status}, now() - interval '5 years') returning job_id`;
    if (closedAgo) {
      await tx`insert into kastell.job_status_history (job_id, company_id, from_status, to_status, changed_at)
        values (${j!.job_id}, ${A}, 'signed', ${status}, now() - ${closedAgo}::interval)`;
    }
    const [m] = await tx`insert into kastell.job_messages (job_id, company_id, body, author_id, author_side, created_at)
      values (${j!.job_id}, ${A}, 'Hello', ${user.userId}, 'customer', now() - interval '4 years') returning message_id`;
    return m!.message_id as string;
  });
}
due.add(await seedJobWithMessage('closed', '2 years 2 days'));
due.add(await seedJobWithMessage('cancelled', '2 years 2 days'));
kept.add(await seedJobWithMessage('closed', '1 year 11 months'));
kept.add(await seedJobWithMessage('in_progress', null));

// notifications: 1 year
for (const [age, bucket] of [['1 year 2 days', due], ['11 months', kept]] as const) {
  const [jobRow] = await t.admin`select job_id from kastell.jobs limit 1`;
  const [n] = await t.admin`insert into kastell.notifications (user_id, kind, company_id, job_id, in_app, mail_status, created_at)
    values (${user.userId}, 'job_scheduled', ${A}, ${jobRow!.job_id}, true, 'none', now() - ${age}::interval) returning notification_id`;
  bucket.add(n!.notification_id);
}

async function existing(ids: Iterable<string>): Promise<Set<string>> {
  const list = [...ids];
  const rows = await t.admin`
    select session_id as id from kastell.sessions where session_id = any(${list}::uuid[])
    union all select share_link_id from kastell.share_links where share_link_id = any(${list}::uuid[])
    union all select message_id from kastell.job_messages where message_id = any(${list}::uuid[])
    union all select version_id from kastell.document_versions where version_id = any(${list}::uuid[])
    union all select document_id from kastell.documents where document_id = any(${list}::uuid[])
    union all select notification_id from kastell.notifications where notification_id = any(${list}::uuid[])`;
  return new Set(rows.map((r) => r.id as string));
}

let plan: Awaited<ReturnType<typeof planRetention>>;

test('the dry run lists exactly what is past its retention and deletes nothing', async () => {
  plan = await planRetention(t.db, policy);
  assert.deepEqual(new Set(plan.items.map((i) => i.entityId)), due);
  assert.deepEqual(await existing([...due, ...kept]), new Set([...due, ...kept]));
  const status = await retentionStatus(t.db, policy);
  assert.equal(status.find((l) => l.resource === 'sessions')?.due, 1);
  assert.equal(status.find((l) => l.resource === 'share_links')?.due, 2);
  assert.equal(status.find((l) => l.resource === 'service_reports')?.purged, false);
});

test('the purge refuses to run for a signed-in user, and a cutoff less than a day back', async () => {
  await assert.rejects(t.db.withPrincipal({ userId: user.userId }, (tx) => tx`select * from app.retention_candidates('sessions', now() - interval '30 days', null, 10)`), { code: '42501' });
  await assert.rejects(t.db.withPrincipal(null, (tx) => tx`select * from app.retention_purge('sessions', now() - interval '1 hour', ${[...kept]}::uuid[])`), { code: '22023' });
  // the application's role deletes nothing of these itself
  await assert.rejects(t.db.withPrincipal(null, (tx) => tx`delete from kastell.sessions`), { code: '42501' });
});

test('a run deletes exactly what the dry run listed, each with an audit event, and the contract\'s objects', async () => {
  const result = await applyRetention({ db: t.db, store, auditor: testAuditor, log }, plan, { batchSize: 2 });
  assert.deepEqual(new Set(result.deleted.map((i) => i.entityId)), due);
  assert.deepEqual(result.kept, []);
  assert.deepEqual(await existing([...due, ...kept]), kept, 'the old rows are gone, every young one is there');
  const events = await t.admin`select entity_id, entity_type, detail->>'resource' as resource from audit.events where action = 'retention.deleted'`;
  assert.deepEqual(events.map((e) => e.entity_id).sort(), [...due].sort());
  assert.equal(events.length, due.size, 'one event per deletion');
  assert.equal(await store.stat(oldContractFile.key!), undefined, 'the purged contract\'s file is gone');
  assert.ok(await store.stat(youngContractFile.key!), 'the young contract keeps its file');
  assert.ok(await store.stat(oldManualFile.key!), 'documents without a retention keep theirs');
  assert.equal(result.objectsRemoved, 1);
});

test('a row that changed since the dry run is kept and said so', async () => {
  const contract = await seedDocument('contract', '7 years 5 days');
  await seedVersion(contract, 'clean', '7 years 5 days');
  const dry = await planRetention(t.db, policy);
  assert.deepEqual(dry.items.map((i) => i.entityId), [contract]);
  await seedVersion(contract, 'clean', '1 day');
  const result = await applyRetention({ db: t.db, store, auditor: testAuditor, log }, dry);
  assert.deepEqual(result.kept.map((i) => i.entityId), [contract]);
  assert.deepEqual(await existing([contract]), new Set([contract]));
});

test('kastell retention run is a dry run unless --apply; status names each resource', async () => {
  const [s] = await t.admin`insert into kastell.sessions (user_id, token_hash, idle_timeout, expires_at, hard_expires_at, created_at, ended_at, end_reason)
    values (${user.userId}, ${randomBytes(32)}, '15 minutes', now() - interval '40 days', now() + interval '40 days', now() - interval '41 days', now() - interval '40 days', 'idle') returning session_id`;
  const env = { KASTELL_DATABASE_URL: t.appUrl, KASTELL_DATA_DIR: mkdtempSync(join(tmpdir(), 'kastell-retention-cli-')) };
  const dry = await runCli(['retention', 'run'], env);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, new RegExp(`due sessions ${s!.session_id}`));
  assert.match(dry.stdout, /1 rows past their retention; nothing deleted/);
  assert.deepEqual(await existing([s!.session_id]), new Set([s!.session_id]));
  const status = await runCli(['retention', 'status'], env);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /sessions +keep 30 days/);
  assert.match(status.stdout, /service_reports +keep 10 years .*kept/);
  const run = await runCli(['retention', 'run', '--apply'], env);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /1 deleted \(each an audit event\)/);
  assert.deepEqual(await existing([s!.session_id]), new Set());
});

test('KASTELL_RETENTION overrides a default and refuses report retention below 10 years', () => {
  assert.deepEqual(parseRetention('sessions=90d').policy.sessions, { count: 90, unit: 'd' });
  assert.match(parseRetention('service_reports=5y').problems.join(), /at least 10 years/);
  assert.match(parseRetention('bogus=1y').problems.join(), /not a resource/);
});
