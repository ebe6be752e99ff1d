// Data-subject access and export (GDPR Art. 15/20, revDSG): one person seeded
// across every table that can name a person, and a second person beside
// them. The columns that name a person are read from the catalogue, so a new
// table with a user column fails here until sql's app.person_data_sources()
// lists it. The export holds every row that names the person, their files,
// their audit events — and nothing of the other person. Then the scrub.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { unzipSync } from 'fflate';
import { collectPersonData, writePersonArchive } from '../../app/retention/subject-export.ts';
import { createLocalDiskStore } from '../../app/storage/local-disk.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedCompany, seedSite, seedUser, type SeededUser } from '../harness/seed.ts';
import { roleIdOf } from '../harness/world.ts';
import { testAuditor } from '../audit/support.ts';

const t = await createTestDatabase();
const store = createLocalDiskStore(mkdtempSync(join(tmpdir(), 'kastell-export-store-')));
const A = await seedCompany(t.admin, 'Alpha AG');
const siteA = await seedSite(t.admin, A, 'Alpha plant');
const P = await seedUser(t.admin, 'technician', null, 'pia.person@example.test');
const Q = await seedUser(t.admin, 'technician', null, 'quentin.other@example.test');
const owner = await seedUser(t.admin, 'admin');
const member = await seedUser(t.admin, 'customer_member', A);

/** Columns of the kastell schema that name a person: foreign keys to users, and uuid columns named so. */
async function catalogueColumns(sql: typeof t.admin = t.admin): Promise<string[]> {
  const rows = await sql`
    select distinct c.relname as table_name, a.attname as column_name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'kastell'
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    where c.relkind in ('r', 'p') and a.atttypid = 'uuid'::regtype
      and (a.attname in ('user_id', 'author_id', 'technician_id', 'actor_id') or a.attname like '%\\_by'
           or exists (select 1 from pg_constraint k where k.contype = 'f' and k.conrelid = c.oid
                      and k.confrelid = 'kastell.users'::regclass and a.attnum = any(k.conkey)))`;
  return rows.map((r) => `${r.table_name}.${r.column_name}`).sort();
}

// Columns that name a person but hold no data about them of their own (why, each)
const notPersonData: Record<string, string> = {
  'notifications.actor_id': 'who caused a notification: shown to its recipient, the notification is the recipient\'s data',
};

/** Seeds rows naming `u` in every table; `other` appears beside them where a row names two people. Returns a marker per row. */
async function seedPerson(u: SeededUser, other: SeededUser, marker: string): Promise<void> {
  await t.admin.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    const hash = () => randomBytes(32);
    await tx`insert into kastell.sessions (user_id, token_hash, idle_timeout, expires_at, hard_expires_at, user_agent) values (${u.userId}, ${hash()}, '12 hours', now() + interval '1 day', now() + interval '9 days', ${`${marker} browser`})`;
    await tx`insert into kastell.totp_factors (user_id, secret_enc, confirmed_at) values (${u.userId}, 'v2:k:a:b:c', now())`;
    await tx`insert into kastell.backup_codes (user_id, slot, code_hash) values (${u.userId}, 1, '$argon2id$secret')`;
    await tx`insert into kastell.passkeys (user_id, credential_id, public_key, name) values (${u.userId}, ${randomBytes(16).toString('hex')}, ${hash()}, ${`${marker} key`})`;
    await tx`insert into kastell.password_history (user_id, password_hash) values (${u.userId}, '$argon2id$old')`;
    await tx`insert into kastell.unlock_tokens (user_id, token_hash, expires_at) values (${u.userId}, ${hash()}, now() + interval '1 hour')`;
    await tx`insert into kastell.auth_challenges (token_hash, purpose, user_id, expires_at) values (${hash()}, 'second_factor', ${u.userId}, now() + interval '5 minutes')`;
    await tx`insert into kastell.idempotency_keys (user_id, idempotency_key, request_hash) values (${u.userId}, ${`${marker}-key`}, ${hash()})`;
    await tx`insert into kastell.notification_preferences (user_id, kind, email) values (${u.userId}, 'job_scheduled', false)`;
    const [request] = await tx`insert into kastell.service_requests (company_id, site_id, title, raised_by) values (${A}, ${siteA}, ${`${marker} request`}, ${u.userId}) returning request_id`;
    const [job] = await tx`insert into kastell.jobs (company_id, site_id, request_id, title, created_by, status) values (${A}, ${siteA}, ${request!.request_id}, ${`${marker} job`}, ${u.userId}, 'in_progress') returning job_id`;
    const jobId = job!.job_id as string;
    await tx`insert into kastell.job_assignments (job_id, technician_id, company_id, assigned_by) values (${jobId}, ${u.userId}, ${A}, ${other.userId})`;
    await tx`insert into kastell.job_status_history (job_id, company_id, from_status, to_status, changed_by) values (${jobId}, ${A}, 'scheduled', 'in_progress', ${u.userId})`;
    await tx`insert into kastell.visits (job_id, technician_id, company_id, notes, recorded_by) values (${jobId}, ${u.userId}, ${A}, ${`${marker} visit`}, ${u.userId})`;
    await tx`insert into kastell.job_messages (job_id, company_id, body, author_id, author_side) values (${jobId}, ${A}, ${`${marker} says hello`}, ${u.userId}, 'operator')`;
    await tx`insert into kastell.job_message_reads (user_id, job_id, company_id, read_up_to) values (${u.userId}, ${jobId}, ${A}, now())`;
    await tx`insert into kastell.notifications (user_id, kind, company_id, job_id, actor_id, in_app, mail_status) values (${u.userId}, 'job_scheduled', ${A}, ${jobId}, ${other.userId}, true, 'none')`;
    const sealedKey = `reports/${jobId}/${randomBytes(16).toString('hex')}.pdf`;
    await store.put(sealedKey, Readable.from([Buffer.from(`%PDF ${marker} signed`)]));
    await tx`insert into kastell.service_reports (job_id, company_id, version, language, work_done, created_by, frozen_by, signed_by, refused_by, sealed_object_key, signer_ip_hash)
      values (${jobId}, ${A}, 1, 'en', ${`${marker} report`}, ${u.userId}, ${u.userId}, ${u.userId}, ${u.userId}, ${sealedKey}, ${hash()})`;
    const [doc] = await tx`insert into kastell.documents (owner_company_id, company_id, title, kind, created_by) values (${A}, ${A}, ${`${marker} manual`}, 'manual', ${u.userId}) returning document_id`;
    const key = `documents/${doc!.document_id}/${randomBytes(16).toString('hex')}`;
    await store.put(key, Readable.from([Buffer.from(`${marker} file bytes`)]));
    await tx`insert into kastell.document_versions (document_id, owner_company_id, file_name, status, detected_type, size, sha256, object_key, uploaded_by)
      values (${doc!.document_id}, ${A}, ${`${marker}.txt`}, 'clean', 'text/plain', 10, ${hash()}, ${key}, ${u.userId})`;
    await tx`insert into kastell.share_links (document_id, owner_company_id, token_hash, created_by, expires_at, revoked_at, revoked_by)
      values (${doc!.document_id}, ${A}, ${hash()}, ${u.userId}, now() + interval '1 day', now(), ${u.userId})`;
    await tx`insert into kastell.invites (email, role_id, company_id, token_hash, invited_by, expires_at)
      values (${`${marker}.invitee@example.test`}, ${await roleIdOf(t.admin, 'customer_member')}, ${A}, ${hash()}, ${u.userId}, now() + interval '1 day')`;
    // an invitation sent to the person by the other person
    await tx`insert into kastell.invites (email, role_id, company_id, token_hash, invited_by, expires_at)
      values (${u.email}, ${await roleIdOf(t.admin, 'customer_member')}, ${A}, ${hash()}, ${other.userId}, now() - interval '1 day')`;
    await tx`insert into kastell.password_reset_tokens (user_id, token_hash, expires_at) values (${u.userId}, ${hash()}, now() + interval '30 minutes')`;
    await tx`insert into kastell.email_changes (user_id, new_email, token_hash, expires_at) values (${u.userId}, ${`${marker.toLowerCase()}.new@example.test`}, ${hash()}, now() + interval '1 day')`;
    await tx`insert into kastell.notifiable_breaches (title, discovered_on, entered_by) values (${`${marker} breach`}, current_date, ${u.userId})`;
  });
  await t.db.withPrincipal(null, (tx) => testAuditor.recordAs(tx, { type: 'user', id: u.userId }, { action: 'test.by_person', detail: { marker } }));
  // an event by the person about the other person, and one by the other about the person
  await t.db.withPrincipal(null, (tx) => testAuditor.recordAs(tx, { type: 'user', id: u.userId }, { action: 'test.about_other', entityType: 'user', entityId: other.userId }));
  await t.db.withPrincipal(null, (tx) => testAuditor.recordAs(tx, { type: 'user', id: other.userId }, { action: 'test.about_person', entityType: 'user', entityId: u.userId }));
}

await seedPerson(P, Q, 'Pia');
await seedPerson(Q, P, 'Quentin');

test('every column of the catalogue that names a person is in the export (a new one fails here until handled)', async () => {
  const sources = await t.admin`select table_name, column_name from app.person_data_sources()`;
  const listed = new Set(sources.map((s) => `${s.table_name}.${s.column_name}`));
  const missing = (await catalogueColumns()).filter((c) => !listed.has(c) && !(c in notPersonData));
  assert.deepEqual(missing, [], `columns naming a person that app.person_data_sources() (sql) does not list: ${missing.join(', ')}`);
  // the ratchet sees a new table with a user column (rolled back)
  await assert.rejects(t.admin.begin(async (tx) => {
    await tx`create table kastell.new_feature_rows (row_id uuid primary key, owner_user uuid references kastell.users)`;
    const seen = await catalogueColumns(tx as unknown as typeof t.admin);
    assert.ok(seen.includes('new_feature_rows.owner_user') && !listed.has('new_feature_rows.owner_user'));
    throw new Error('rolled back');
  }), /rolled back/);
});

test('the export holds every row that names the person, their files and events, and nothing of anyone else', async () => {
  const collected = (await collectPersonData(t.db, testAuditor, { userId: P.userId }, { type: 'user', id: P.userId }, P.userId))!;
  const sources = await t.admin`select table_name, array_agg(column_name::text) as cols from app.person_data_sources() group by table_name`;
  for (const { table_name, cols } of sources) {
    const where = (cols as string[]).map((c) => `${c} = $1`).join(' or ');
    const [row] = await t.admin.unsafe(`select count(*)::int as n from kastell.${table_name} where ${where}`, [P.userId]);
    assert.ok(row!.n > 0, `the seed names the person in ${table_name}`);
    const exported = collected.data.tables[table_name]?.length ?? 0;
    const invitesToThem = table_name === 'invites' ? 1 : 0;
    assert.equal(exported, row!.n + invitesToThem, `${table_name}: every row naming the person`);
  }
  const text = JSON.stringify(collected.data);
  for (const word of ['Pia says hello', 'Pia report', 'Pia visit', 'Pia breach', 'Pia browser', 'Pia request', 'pia.person@example.test']) assert.ok(text.includes(word), word);
  assert.ok(collected.data.auditEvents.some((e) => e.action === 'test.by_person'));
  assert.ok(collected.data.auditEvents.some((e) => e.action === 'test.about_person' && e.actor_id === null), 'an event about them, its actor not named');
  assert.ok(collected.data.auditEvents.some((e) => e.action === 'test.about_other' && e.entity_id === 'someone else'), 'an event of theirs about someone else');
  for (const word of ['Quentin', 'quentin.other@example.test', Q.userId]) assert.ok(!text.includes(word), `nothing of the other person: ${word}`);
  for (const secret of ['$argon2id$', 'v2:k:a:b:c', 'token_hash', 'password_hash']) assert.ok(!text.includes(secret), `no secret: ${secret}`);
  // the ZIP: data.json and the person's files
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writePersonArchive(store, collected, out);
  const zip = unzipSync(new Uint8Array(Buffer.concat(chunks)));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(zip['data.json'])).subject, { userId: P.userId });
  const files = Object.keys(zip).filter((n) => n.startsWith('files/'));
  assert.equal(files.length, 2, files.join());
  assert.ok(files.some((n) => new TextDecoder().decode(zip[n]) === 'Pia file bytes'));
  assert.ok(files.some((n) => new TextDecoder().decode(zip[n]) === '%PDF Pia signed'));
  const [event] = await t.admin`select actor_id, detail from audit.events where action = 'person.exported' and entity_id = ${P.userId}`;
  assert.equal(event?.actor_id, P.userId);
});

test('an admin produces it for the person; anyone else is refused', async () => {
  const collected = await collectPersonData(t.db, testAuditor, { userId: owner.userId }, { type: 'user', id: owner.userId }, P.userId);
  assert.ok(collected?.data.tables.job_messages?.length);
  await assert.rejects(collectPersonData(t.db, testAuditor, { userId: member.userId }, { type: 'user', id: member.userId }, P.userId), { code: '42501' });
  await assert.rejects(collectPersonData(t.db, testAuditor, { userId: Q.userId }, { type: 'user', id: Q.userId }, P.userId), { code: '42501' });
});

test('deleting a person scrubs contact data and sign-in, keeps legal records under a pseudonym', async () => {
  const refused = t.db.withPrincipal({ userId: member.userId }, (tx) => tx`select app.erase_person(${P.userId}, 'Person 0a1b2c3d')`);
  await assert.rejects(refused, { code: '42501' });
  const [row] = await t.db.withPrincipal({ userId: owner.userId }, (tx) => tx`select app.erase_person(${P.userId}, 'Person 0a1b2c3d') as counts`);
  assert.equal(row!.counts.sessions, 1);
  const [user] = await t.admin`select display_name, email, password_hash, status from kastell.users where user_id = ${P.userId}`;
  assert.deepEqual({ ...user }, { display_name: 'Person 0a1b2c3d', email: `erased-${P.userId.replaceAll('-', '')}@erased.invalid`, password_hash: null, status: 'disabled' });
  for (const table of ['sessions', 'totp_factors', 'backup_codes', 'passkeys', 'password_history', 'memberships', 'notifications', 'notification_preferences', 'idempotency_keys']) {
    const [n] = await t.admin.unsafe(`select count(*)::int as n from kastell.${table} where user_id = $1`, [P.userId]);
    assert.equal(n!.n, 0, `${table} scrubbed`);
  }
  const [kept] = await t.admin`select count(*)::int as n from kastell.service_reports where signed_by = ${P.userId}`;
  assert.equal(kept!.n, 1, 'the signed report is kept');
  const [other] = await t.admin`select count(*)::int as n from kastell.sessions where user_id = ${Q.userId}`;
  assert.equal(other!.n, 1, 'the other person is untouched');
  assert.ok(randomUUID());
});
