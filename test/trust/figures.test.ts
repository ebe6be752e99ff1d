// The trust page's figures against the controls they come from: break each
// control and watch its figure change. A tampered audit event turns the
// verification figure to failing after the next verification run; a failed
// drill file shows as failing; a stale backup shows its age; a user without
// a factor lowers the MFA share; a stopped virus scanner says "scanner
// unreachable". Figures are computed on request (cache 0 s here), nothing
// is typed in.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkHeaders } from '../../app/trust/self-check.ts';
import { parseScannerVersion } from '../../app/documents/scan-file.ts';
import { appendSystemEvents, chainEverything } from '../audit/support.ts';
import { startClamd } from '../harness/clamd.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedSession, seedTotp, seedUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const t = await createTestDatabase();
const evidenceDir = mkdtempSync(join(tmpdir(), 'kastell-evidence-'));
const clamd = await startClamd();
const server = await startTestServer(t, {
  KASTELL_EVIDENCE_DIR: evidenceDir,
  KASTELL_TRUST_CACHE_SECONDS: '0',
  KASTELL_CLAMD_SOCKET: clamd.socket,
  KASTELL_SECURITY_CONTACT: 'mailto:security@example.test',
});
const anonymous = server.client();

type Figure = { status: string; measuredAt: string | null; control: string; source: string; code: string | null; reason: string | null } & Record<string, any>;
async function figures(): Promise<Record<string, Figure>> {
  const response = await anonymous.get('/trust.json');
  assert.equal(response.status, 200, response.text);
  return response.json().figures;
}
/** The page's card of a figure: its status word and text. */
async function card(id: string, locale = 'en'): Promise<string> {
  const page = await anonymous.request('GET', '/trust', { headers: { 'accept-language': locale } });
  assert.equal(page.status, 200);
  const match = new RegExp(`<li class="[a-z_]+" id="figure-${id}" data-status="([a-z_]+)">([\\s\\S]*?)</li>\\s*(?:<li class|</ul>)`).exec(page.text);
  assert.ok(match, `the page has a card for ${id}`);
  return `${match[1]} ${match[2]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()}`;
}

const isoAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

test('the trust page is public, in four languages, and loads nothing from another origin', async () => {
  const page = await anonymous.get('/trust');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const references = [...page.text.matchAll(/\s(?:src|href|action)="([^"]*)"/g)].map((m) => m[1]!);
  assert.ok(references.length > 3, 'the page references its own resources');
  assert.deepEqual(references.filter((ref) => /^(https?:)?\/\//.test(ref) && !ref.startsWith(server.url)), [], 'no third-party request');
  for (const [locale, title] of [['de', 'Vertrauen'], ['fr', 'Confiance'], ['it', 'Fiducia']] as const) {
    const translated = await anonymous.request('GET', '/trust', { headers: { 'accept-language': locale } });
    assert.match(translated.text, new RegExp(`<html lang="${locale}"[\\s\\S]*<h1>${title}</h1>`));
  }
  const all = await figures();
  for (const [id, figure] of Object.entries(all)) {
    assert.ok(figure.control && figure.source, `${id} names its control and source`);
    assert.ok(['ok', 'warning', 'stale', 'failing', 'absent', 'not_measured'].includes(figure.status), `${id}: ${figure.status}`);
    if (figure.status !== 'ok') assert.ok(figure.reason, `${id} says why it is ${figure.status}`);
  }
  assert.equal(all.advisories!.status, 'not_measured');
  assert.match(all.advisories!.reason!, /not measured here/);
});

test('a tampered audit event turns the verification figure to failing after the next verification run', async () => {
  assert.equal((await figures()).auditVerification!.status, 'absent', 'before any verification: never recorded');
  assert.match(await card('auditVerification'), /^absent Audit-chain verification Never recorded No verification/);

  await appendSystemEvents(t.db, 12);
  await chainEverything(server.audit.sequencer, t.admin);
  const good = await server.audit.verify();
  assert.ok(good.ok, good.problem ?? '');
  const ok = (await figures()).auditVerification!;
  assert.equal(ok.status, 'ok');
  assert.ok(ok.checkedLinks >= 12, `links: ${ok.checkedLinks}`);
  assert.ok(Date.now() - Date.parse(ok.measuredAt!) < 60_000, 'measured just now');

  await t.admin.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`update audit.events set outcome = 'failure' where event_id = (select event_id from audit.chain where seq = 5)`;
  });
  assert.equal((await figures()).auditVerification!.status, 'ok', 'the figure is the last run: no run, no change');
  const bad = await server.audit.verify();
  assert.equal(bad.ok, false);
  const failing = (await figures()).auditVerification!;
  assert.equal(failing.status, 'failing');
  assert.equal(failing.firstBadSeq, 5);
  assert.match(failing.reason!, /failed verification at link 5/);
  assert.match(await card('auditVerification'), /^failing .*Failing The audit chain failed verification at link 5/);
  assert.match(await card('auditVerification', 'de'), /Fehlgeschlagen Die Audit-Kette hat die Prüfung bei Glied 5 nicht bestanden/);
  // the public summary leaves out the problem text (it names event ids)
  assert.doesNotMatch((await anonymous.get('/trust.json')).text, /does not match its hash/);
});

test('the latest signed checkpoint: absent, then the head and how many links follow it', async () => {
  const before = (await figures()).checkpoint!;
  assert.ok(['absent', 'ok'].includes(before.status));
  await appendSystemEvents(t.db, 2);
  await chainEverything(server.audit.sequencer, t.admin);
  const signed = await server.audit.checkpoint();
  assert.ok(signed, 'the head moved, so it is signed');
  const after = (await figures()).checkpoint!;
  assert.equal(after.status, 'ok');
  assert.equal(after.seq, signed.seq);
  assert.equal(after.unsignedLinks, 0);
  await appendSystemEvents(t.db, 3);
  await chainEverything(server.audit.sequencer, t.admin);
  const behind = (await figures()).checkpoint!;
  assert.equal(behind.unsignedLinks, 3, 'links after the checkpoint are counted');
  assert.equal(behind.status, 'ok', 'a fresh checkpoint with a few links after it is as designed (signed at most once a minute)');
  assert.match(await card('checkpoint'), new RegExp(`Chain head ${signed.seq} signed; the chain is now at ${signed.seq + 3}`));
  // the stated window of the unsigned tail (README "Audit trail"), from the configuration
  assert.equal(behind.windowSeconds, 61);
  assert.match(await card('checkpoint'), /the chain head is signed at least every 61 seconds while it moves, so a cut of links chained longer ago than that is detected/);
  assert.match(await card('checkpoint'), /no archive bucket off this server is configured/);
});

test('the restore drill: none recorded, a pass with its RTO and data age, then a failed drill file shows as failing', async () => {
  rmSync(join(evidenceDir, 'restore-drill.json'), { force: true });
  const none = (await figures()).restoreDrill!;
  assert.equal(none.status, 'absent');
  assert.equal(none.reason, 'no restore drill recorded');
  assert.match(await card('restoreDrill'), /No restore drill recorded/);

  const drill = (status: 'pass' | 'fail', reason: string, finished: string) => JSON.stringify({
    status, reason, started_at: finished, finished_at: finished, duration_seconds: 754, rto_seconds: 754, rto_target_seconds: 14400,
    data_age_seconds: 7200, rpo_seconds: 7200, rpo_target_seconds: 86400, backup_id: '20260101-021500F', pg_repository: 1,
    restic_repository: 1, tables: 40, rows: 1234, objects: 12, audit_verify: status === 'pass' ? 'pass' : 'not run', audit_links: 1200,
    checks_passed: status === 'pass' ? ['restore', 'row_counts', 'audit_verify', 'objects', 'decrypt_pg', 'decrypt_restic'] : ['restore'],
  });
  writeFileSync(join(evidenceDir, 'restore-drill.json'), drill('pass', '', isoAgo(3600)));
  const passed = (await figures()).restoreDrill!;
  assert.equal(passed.status, 'ok');
  assert.equal(passed.result, 'pass');
  assert.equal(passed.rtoSeconds, 754);
  assert.equal(passed.dataAgeSeconds, 7200);
  assert.match(await card('restoreDrill'), /^ok .*Passed all checks .*Restore time \(RTO\): 13 minutes, target 4 hours/);

  writeFileSync(join(evidenceDir, 'restore-drill.json'), drill('fail', 'failed at: row counts', isoAgo(600)));
  const failed = (await figures()).restoreDrill!;
  assert.equal(failed.status, 'failing');
  assert.match(failed.reason!, /the last restore drill failed: failed at: row counts/);
  assert.match(await card('restoreDrill'), /^failing .*Failing .*The last restore drill failed\. The drill recorded: .*failed at: row counts/);

  writeFileSync(join(evidenceDir, 'restore-drill.json'), drill('pass', '', isoAgo(40 * 86_400)));
  assert.equal((await figures()).restoreDrill!.status, 'stale', 'a drill older than a month is out of date');

  writeFileSync(join(evidenceDir, 'restore-drill.json'), '{"status":"pa');
  const broken = (await figures()).restoreDrill!;
  assert.equal(broken.status, 'failing');
  assert.match(broken.reason!, /is not valid JSON/);
});

test('the last backup: none recorded, a fresh one, then a stale one shows its age', async () => {
  rmSync(join(evidenceDir, 'backup.json'), { force: true });
  assert.equal((await figures()).backup!.status, 'absent');
  assert.match(await card('backup'), /No successful backup recorded/);
  const backup = (finished: string) => JSON.stringify({ status: 'pass', id: '20260101-021500F', type: 'full', finished_at: finished,
    duration_seconds: 80, pg_repositories: 2, restic_repositories: 2, tables: 40, objects: 12 });

  writeFileSync(join(evidenceDir, 'backup.json'), backup(isoAgo(2 * 3600)));
  const fresh = (await figures()).backup!;
  assert.equal(fresh.status, 'ok');
  assert.ok(Math.abs(fresh.ageSeconds - 7200) < 120, `age ${fresh.ageSeconds}`);

  writeFileSync(join(evidenceDir, 'backup.json'), backup(isoAgo(50 * 3600)));
  const stale = (await figures()).backup!;
  assert.equal(stale.status, 'stale');
  assert.ok(Math.abs(stale.ageSeconds - 50 * 3600) < 120, `age ${stale.ageSeconds}`);
  assert.match(stale.reason!, /50 h old \(at most 26 h expected\)/);
  assert.match(await card('backup'), /^stale .*Out of date .*Age: 50 hours \(expected at most 26 hours\)/);
  assert.match(await card('backup', 'fr'), /Périmé .*50 heures/);
});

test('MFA adoption by role: a user without a factor lowers the share; passkeys are counted apart', async () => {
  const officer = await seedUser(t.admin, 'security_officer');
  await seedTotp(t.admin, officer.userId);
  const roleOf = async (key: string) => (await figures()).mfa!.roles.find((r: { role: string }) => r.role === key);
  assert.deepEqual(await roleOf('security_officer'), { role: 'security_officer', roleName: 'Security officer', side: 'operator', accounts: 1, withFactor: 1, share: 1, required: true });
  assert.equal((await figures()).mfa!.status, 'ok');

  await seedUser(t.admin, 'security_officer'); // invited, no factor yet
  const lowered = await roleOf('security_officer');
  assert.equal(lowered.share, 0.5);
  const mfa = (await figures()).mfa!;
  assert.equal(mfa.status, 'warning');
  assert.match(mfa.reason!, /1 account\(s\) in roles that require a second factor have none yet/);
  assert.match(await card('mfa'), /Security officer 2 1 50%/);

  const disabled = await seedUser(t.admin, 'security_officer');
  await t.admin`update kastell.users set status = 'disabled' where user_id = ${disabled.userId}`;
  assert.equal((await roleOf('security_officer')).accounts, 2, 'disabled accounts are not counted');

  const before = (await figures()).passkeys!;
  await t.admin`insert into kastell.passkeys (user_id, credential_id, public_key, name)
                values (${officer.userId}, ${'trust-test-credential-0001'}, ${Buffer.from([1, 2, 3])}, 'Key')`;
  const after = (await figures()).passkeys!;
  assert.equal(after.withPasskey, before.withPasskey + 1);
  assert.equal(after.accounts, before.accounts);
});

test('the header self-check asks the public URL; a plain-http URL says there is no TLS', async () => {
  const headers = (await figures()).headers!;
  assert.equal(headers.url, `${server.url}/healthz`);
  assert.deepEqual(headers.checks.map((c: { header: string; ok: boolean }) => [c.header, c.ok]),
    [['Strict-Transport-Security', true], ['Content-Security-Policy', true], ['X-Content-Type-Options', true]]);
  assert.equal(headers.status, 'warning');
  assert.equal(headers.code, 'no_tls');
  assert.equal(headers.tls, false);

  const weak = checkHeaders({ 'strict-transport-security': 'max-age=300', 'content-security-policy': "default-src *" });
  assert.deepEqual(weak.map((c) => c.ok), [false, false, false], 'a short HSTS, a permissive CSP and no nosniff each fail');
});

test('virus signatures: clamd answers VERSION; stopped, the figure says "scanner unreachable"', async () => {
  const running = (await figures()).scanner!;
  assert.notEqual(running.status, 'failing', running.reason ?? '');
  assert.ok(running.engine, 'the engine version is read');
  await clamd.stop();
  const stopped = (await figures()).scanner!;
  assert.equal(stopped.status, 'failing');
  assert.match(stopped.reason!, /^scanner unreachable/);
  assert.match(await card('scanner'), /^failing .*Scanner unreachable/);
  await clamd.start();

  const parsed = parseScannerVersion('ClamAV 1.4.2/27450/Mon Nov 25 09:36:19 2024\n');
  assert.ok(parsed.reachable);
  assert.equal(parsed.reachable && parsed.signaturesDate?.toISOString(), '2024-11-25T09:36:19.000Z');
  assert.equal(parsed.reachable && parsed.signatureVersion, 27450);
});

test('a breach the security officer records shows on the page and in trust.json as entered; nobody else may record one', async () => {
  const officer = await seedUser(t.admin, 'security_officer');
  const client = server.client().withSession(await seedSession(t.admin, officer.userId));
  const created = await client.postJson('/api/v1/trust/breaches', {
    title: 'Misdirected report e-mail', description: 'A service report was sent to the wrong customer contact.',
    occurredOn: '2026-01-10', discoveredOn: '2026-01-12', authority: 'FDPIC', authorityNotifiedOn: '2026-01-13',
  });
  assert.equal(created.status, 201, created.text);
  const report = (await anonymous.get('/trust.json')).json();
  assert.deepEqual(report.breaches.map((b: Record<string, unknown>) => [b.title, b.discoveredOn, b.authorityNotifiedOn, b.subjectsNotifiedOn]),
    [['Misdirected report e-mail', '2026-01-12', '2026-01-13', null]]);
  assert.equal(report.breaches[0].breachId, undefined, 'the public list carries no ids');
  assert.match((await anonymous.get('/trust')).text, /Misdirected report e-mail[\s\S]*2026-01-13 \(FDPIC\)/);

  const notified = await client.request('PATCH', `/api/v1/trust/breaches/${created.json().breachId}`, { json: { subjectsNotifiedOn: '2026-01-14' } });
  assert.equal(notified.status, 200, notified.text);
  assert.equal((await anonymous.get('/trust.json')).json().breaches[0].subjectsNotifiedOn, '2026-01-14');
  const early = await client.request('PATCH', `/api/v1/trust/breaches/${created.json().breachId}`, { json: { authority: 'EDÖB' } });
  assert.equal(early.json().authority, 'EDÖB');

  const future = await client.postJson('/api/v1/trust/breaches', { title: 'x', discoveredOn: '2999-01-01' });
  assert.equal(future.status, 422);

  const [event] = await t.admin`select actor_id, entity_id from audit.events where action = 'trust.breach_recorded'`;
  assert.deepEqual({ ...event }, { actor_id: officer.userId, entity_id: created.json().breachId });

  for (const role of ['dispatcher', 'technician', 'external_auditor']) {
    const user = await seedUser(t.admin, role);
    const other = server.client().withSession(await seedSession(t.admin, user.userId));
    const refused = await other.postJson('/api/v1/trust/breaches', { title: 'Forged', discoveredOn: '2026-01-01' });
    assert.equal(refused.status, 403, `${role}: ${refused.text}`);
  }
  const anonymousWrite = await anonymous.postJson('/api/v1/trust/breaches', { title: 'Forged', discoveredOn: '2026-01-01' });
  assert.equal(anonymousWrite.status, 401);
  assert.equal((await t.admin`select count(*)::int as n from kastell.notifiable_breaches`)[0]!.n, 1);
});
