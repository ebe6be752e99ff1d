// The portal speaks German, French, Italian and English (SPEC §4): every
// language has every string with the same placeholders, and pages come out in
// the language the browser asks for, with no English left in them.
import { newToken } from '../../app/crypto/tokens.ts';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { countedKey, locales, negotiateLocale } from '../../app/i18n/index.ts';
import { areas, de, en, fr, it } from '../../app/i18n/messages.ts';
import { createTestDatabase } from '../harness/database.ts';
import { forgetTotpStep, seedAsset, seedCompany, seedSite, seedTotp, seedUser, signInWithTotp, testPassword, type SeededUser } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const catalogues = { de, fr, it };
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('every language has every string, with the placeholders English has', () => {
  for (const [locale, catalogue] of Object.entries(catalogues)) {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      const text = catalogue[key];
      assert.equal(typeof text, 'string', `${locale}: ${key} is missing`);
      assert.ok(text.trim().length > 0, `${locale}: ${key} is empty`);
      assert.deepEqual(placeholders(text), placeholders(en[key]), `${locale}: ${key} placeholders`);
    }
    assert.deepEqual(Object.keys(catalogue).sort(), Object.keys(en).sort(), `${locale}: no keys English lacks`);
  }
});

test('locale: the cookie wins, then Accept-Language by weight, then English', () => {
  assert.equal(negotiateLocale('it', 'de-CH,de;q=0.9'), 'it');
  assert.equal(negotiateLocale(undefined, 'fr-CH, fr;q=0.9, en;q=0.8'), 'fr');
  assert.equal(negotiateLocale(undefined, 'en;q=0.5, it-CH;q=0.9'), 'it');
  assert.equal(negotiateLocale('xx', 'es, pt'), 'en');
  assert.deepEqual([...locales].sort(), ['de', 'en', 'fr', 'it']);
});

const t = await createTestDatabase();
const server = await startTestServer(t, { KASTELL_SECURITY_CONTACT: 'mailto:security@example.test' });
await t.admin`insert into kastell.notifiable_breaches (title, discovered_on, authority) values ('i18n sample breach', '2026-01-02', 'EDÖB')`;
const admin = await seedUser(t.admin, 'admin', null, 'i18n-admin@example.test');
await seedTotp(t.admin, admin.userId);

const company = await seedCompany(t.admin, 'Muster Kälte AG');
const site = await seedSite(t.admin, company, 'Werk Nord');
const asset = await seedAsset(t.admin, company, site, 'Kältemaschine 1');
const technician = await seedUser(t.admin, 'technician', null, 'i18n-technician@example.test');
const customer = await seedUser(t.admin, 'customer_member', company, 'i18n-customer@example.test');
for (const [user, passkeys] of [[technician, 2], [customer, 1]] as const) {
  for (let n = 0; n < passkeys; n++) {
    await t.admin`insert into kastell.passkeys (user_id, credential_id, public_key, name)
      values (${user.userId}, ${`i18n-${user.roleKey}-${n}`}, ${Buffer.from([0])}, ${`Schlüssel ${n + 1}`})`;
  }
}
// service reports (seeded past the triggers that guard their life): a job in progress whose version 1 was refused
// and version 2 is a draft with a measurement; a job awaiting sign-off with its frozen report
const reportJobs = await t.admin.begin(async (tx) => {
  await tx`set local session_replication_role = replica`;
  const job = async (title: string, status: string) => (await tx`insert into kastell.jobs (company_id, site_id, title, status, planned_start, actual_start, report_frozen_at)
    values (${company}, ${site}, ${title}, ${status}, now(), now(), ${status === 'awaiting_signoff' ? new Date() : null}) returning job_id`)[0]!.job_id as string;
  const frozen = async (jobId: string, status: string) => {
    const reportId = randomUUID();
    await tx`insert into kastell.service_reports (report_id, job_id, company_id, version, status, work_done, language, created_by, frozen_at, frozen_by,
        pdf_object_key, pdf_sha256, refused_at, refused_by, refusal_comment)
      values (${reportId}, ${jobId}, ${company}, 1, ${status}, 'Dichtung ersetzt', 'de', ${technician.userId}, now(), ${technician.userId},
        ${`reports/${reportId}/${'a'.repeat(32)}.pdf`}, ${Buffer.alloc(32, 1)}, ${status === 'refused' ? new Date() : null},
        ${status === 'refused' ? customer.userId : null}, ${status === 'refused' ? 'Ventil tropft' : null})`;
    return reportId;
  };
  const inProgress = await job('Pumpe reparieren', 'in_progress');
  await tx`insert into kastell.job_assignments (job_id, technician_id, company_id) values (${inProgress}, ${technician.userId}, ${company})`;
  await frozen(inProgress, 'refused');
  const [draft] = await tx`insert into kastell.service_reports (job_id, company_id, version, work_done, language, created_by)
    values (${inProgress}, ${company}, 2, 'Dichtung ersetzt', 'de', ${technician.userId}) returning report_id`;
  await tx`insert into kastell.report_measurements (report_id, company_id, position, quantity, value, unit) values (${draft!.report_id}, ${company}, 1, 'Druck', 4.2, 'bar')`;
  const awaiting = await job('Ventile prüfen', 'awaiting_signoff');
  return { inProgress, awaiting, frozen: await frozen(awaiting, 'frozen') };
});
// a document with a clean version, a share link and one read of it: the document page (share form, links) and /access-log
const [document] = await t.admin`insert into kastell.documents (owner_company_id, company_id, title, kind, created_by)
  values (${company}, ${company}, 'Wartungsvertrag', 'contract', ${customer.userId}) returning document_id`;
const [version] = await t.admin`insert into kastell.document_versions (document_id, owner_company_id, file_name, status, detected_type, size, sha256, object_key, uploaded_by)
  values (${document!.document_id}, ${company}, 'wartung.pdf', 'clean', 'application/pdf', 3, ${Buffer.alloc(32)}, ${`documents/${document!.document_id}/${'e'.repeat(32)}`}, ${customer.userId})
  returning version_id`;
await t.admin`insert into kastell.share_links (document_id, owner_company_id, token_hash, created_by, expires_at)
  values (${document!.document_id}, ${company}, ${Buffer.alloc(32, 3)}, ${admin.userId}, now() + interval '7 days')`;
await t.admin`select audit.append('user', ${customer.userId}, null, 'document.read', 'document_version', ${version!.version_id}, ${company}, 'success', null, null, null,
  ${t.admin.json({ documentId: document!.document_id, how: 'preview', side: 'customer', role: 'Customer member' })})`;
const documentId = String(document!.document_id);
const roleId = async (key: string) => String((await t.admin`select role_id from kastell.roles where role_key = ${key}`)[0]!.role_id);
const browser = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
// a second session of the admin's, from a browser /security/sessions describes in words
await t.admin`insert into kastell.sessions (user_id, token_hash, idle_timeout, expires_at, hard_expires_at, user_agent)
  values (${admin.userId}, ${Buffer.alloc(32, 9)}, '15 minutes', now() + interval '1 day', now() + interval '1 day', ${browser})`;

// What a page shows that is not the portal's own text: the data the test
// seeded, and, read from the database, the audit log's codes (shown as
// recorded: the filter takes them) and the role names. KNOWN GAP: the system
// roles' names are stored in English (sql/0003) and shown as they are; giving
// them a catalogue key needs their role_key in the queries of /users,
// /invites and app.invite_for_token.
async function dataOnPages(): Promise<string[]> {
  const roles = await t.admin`select name from kastell.roles`;
  const codes = await t.admin`select distinct action, entity_type, outcome, actor_type from audit.events`;
  return [
    'Muster Kälte AG', 'Werk Nord', 'Wartungsvertrag', 'wartung.pdf', 'viele' /* typed into the share form */, 'Kältemaschine 1', 'Bern', 'Schlüssel 1', 'Schlüssel 2', 'Chrome', 'Linux', 'node' /* the test client's user agent, shown as it is */,
    'Pumpe reparieren', 'Ventile prüfen', 'Dichtung ersetzt', 'Ventil tropft', 'Druck', 'bar' /* the seeded reports */,
    ...[admin, technician, customer].flatMap((u) => [u.email, `Test ${u.roleKey}`]), 'i18n-new@example.test',
    ...roles.map((r) => String(r.name)),
    ...codes.flatMap((c) => [c.action, c.entity_type, c.outcome, c.actor_type].filter((v): v is string => typeof v === 'string')),
    // the trust page names headers and its own addresses as they are
    'Strict-Transport-Security', 'Content-Security-Policy', 'X-Content-Type-Options',
    '/trust.json.asc', '/trust.json', '/trust/key.asc', '/.well-known/security.txt', 'i18n sample breach', 'EDÖB', 'security@example.test',
  ].sort((a, b) => b.length - a.length);
}

// Words that a page in this language rightly shares with English: names,
// abbreviations, and words that are the same word in that language (each
// checked to be the translation, not a left-over).
const everywhere = ['kastell', 'ok', 'totp', 'e-mail', 'csv', 'json', 'utc', 'id', 'ip', 'english', 'deutsch', 'français', 'italiano', 'pdf', 'sha', 'javascript', 'tls', 'http', 'rfc', 'jpeg', 'png', 'webp', 'kib', 'mib', 'zip'];
const sameWord: Record<'de' | 'fr' | 'it', string[]> = {
  de: ['name', 'status', 'code', 'passkey', 'passkeys', 'portal', 'e-mails', 'organisation', 'version', 'person', 'installation', 'hand', 'in', 'server', 'software', 'register', 'problem', 'link', 'text', 'download'],
  fr: ['long', 'action', 'actions', 'audit', 'code', 'codes', 'documents', 'invitation', 'invitations', 'minutes', 'page', 'phrases', 'postal', 'second', 'session', 'sessions', 'site', 'sites', 'type', 'service', 'message', 'organisation', 'version', 'photo', 'photos', 'correction', 'signature', 'installation', 'main', 'instance', 'signatures', 'dates', 'notification', 'tests', 'versions'],
  it: ['account', 'app', 'audit', 'in', 'passkey', 'password', 'no', 'server', 'test', 'link', 'file', 'download'],
};

/** Text a person sees or hears: text nodes, labels read out, and what visible inputs hold. */
function visibleText(html: string): string[] {
  const body = html.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, '');
  const spoken = [...body.matchAll(/\s(?:aria-label|title|placeholder|alt|data-working|data-failed)="([^"]*)"/g)].map((m) => m[1]!);
  const held = [...body.matchAll(/<input\b(?![^>]*type="hidden")[^>]*\svalue="([^"]*)"/g)].map((m) => m[1]!);
  const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  return [...body.split(/<[^>]+>/), ...spoken, ...held].map((s) => decode(s).trim()).filter(Boolean);
}

/** The words of a page (lower-cased), with the data taken out first. */
function wordsOf(texts: string[], data: string[]): Map<string, string> {
  const words = new Map<string, string>();
  for (const text of texts) {
    let rest = text;
    for (const value of data) rest = rest.split(value).join(' ');
    rest = rest.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, ' ');
    // words of two letters or more; "passkey(s)" is one word
    for (const word of rest.match(/\p{L}[\p{L}\-]*\p{L}(?:\(\p{L}+\))?/gu) ?? []) words.set(word.toLowerCase(), text);
  }
  return words;
}

test('each area catalogue gives German, French and Italian exactly its English keys, and no key is in two areas', () => {
  const owner = new Map<string, string>();
  for (const [area, catalogue] of Object.entries(areas)) {
    for (const locale of ['de', 'fr', 'it'] as const) {
      assert.deepEqual(Object.keys(catalogue[locale]).sort(), Object.keys(catalogue.en).sort(), `${area}: ${locale} keys`);
    }
    for (const key of Object.keys(catalogue.en)) {
      assert.equal(owner.get(key), undefined, `${key} is in ${owner.get(key)} and ${area}`);
      owner.set(key, area);
    }
  }
  assert.deepEqual([...owner.keys()].sort(), Object.keys(en).sort(), 'messages.ts is exactly the areas together');
});

test('counted keys follow the plural rule of each language (French counts 0 as one)', () => {
  assert.equal(countedKey('en', 'users.passkeys', 1), 'users.passkeys.one');
  assert.equal(countedKey('en', 'users.passkeys', 0), 'users.passkeys.other');
  assert.equal(countedKey('fr', 'users.passkeys', 0), 'users.passkeys.one');
  assert.equal(countedKey('de', 'users.passkeys', 2), 'users.passkeys.other');
  assert.equal(countedKey('it', 'users.passkeys', 1_000_000), 'users.passkeys.other');
});

test('pages come out in German, French and Italian with no English word left: every word also on the English page is a name, data or the same word in that language', async () => {
  const client = server.client();
  await forgetTotpStep(t.admin, admin.userId);
  await signInWithTotp(client, admin);
  const created = await client.request('POST', '/api/v1/invites', { json: { email: 'i18n-new@example.test', roleId: await roleId('technician') } });
  assert.equal(created.status, 201, created.text);
  const acceptPath = new URL(created.json().link).pathname;
  // an invitation to an address that has an account can be made; accepting it is refused (409)
  const taken = await client.request('POST', '/api/v1/invites', { json: { email: technician.email, roleId: await roleId('technician') } });
  assert.equal(taken.status, 201, taken.text);
  const takenPath = new URL(taken.json().link).pathname;

  const customerClient = server.client();
  await seedTotp(t.admin, customer.userId);
  await signInWithTotp(customerClient, customer);
  const reset = newToken();
  await t.admin`insert into kastell.password_reset_tokens (user_id, token_hash, expires_at) values (${technician.userId}, ${reset.hash}, now() + interval '30 minutes')`;
  type Visit = { path: string; signedIn: boolean | 'customer'; status: number; form?: Record<string, string>; csrf?: false };
  const visits: Visit[] = [
    { path: '/sign-in', signedIn: false, status: 200 },
    { path: acceptPath, signedIn: false, status: 200 },
    { path: '/invites/accept/not-a-token', signedIn: false, status: 404 },
    { path: '/', signedIn: true, status: 200 },
    { path: '/security', signedIn: true, status: 200 },
    { path: '/security/sessions', signedIn: true, status: 200 },
    { path: '/profile', signedIn: true, status: 200 },
    { path: `/confirm-email/${reset.token}`, signedIn: false, status: 200 },
    { path: '/security/reauth', signedIn: true, status: 200 },
    { path: '/companies', signedIn: true, status: 200 },
    { path: `/companies/${company}`, signedIn: true, status: 200 },
    { path: `/sites/${site}`, signedIn: true, status: 200 },
    { path: `/assets/${asset}`, signedIn: true, status: 200 },
    { path: '/invites', signedIn: true, status: 200 },
    { path: '/users', signedIn: true, status: 200 },
    { path: '/audit', signedIn: true, status: 200 },
    { path: '/notifications', signedIn: true, status: 200 },
    { path: `/documents/${documentId}`, signedIn: true, status: 200 },
    { path: `/documents/${documentId}/share-links`, signedIn: true, status: 422, form: { expiresInDays: 'viele' } },
    { path: '/access-log', signedIn: true, status: 200 },
    { path: '/notifications/preferences', signedIn: true, status: 200 },
    { path: `/jobs/${reportJobs.inProgress}/report`, signedIn: true, status: 200 },
    { path: `/jobs/${reportJobs.awaiting}/report`, signedIn: true, status: 200 },
    { path: `/reports/${reportJobs.frozen}/sign`, signedIn: true, status: 200 },
    { path: `/reports/${reportJobs.frozen}/sign-on-site`, signedIn: true, status: 200 },
    { path: '/trust', signedIn: false, status: 200 },
    { path: '/trust/breaches', signedIn: true, status: 200 },
    { path: '/trust/breaches', signedIn: true, status: 422, form: { title: 'i18n sample breach', discoveredOn: '2999-01-01' } },
    { path: '/responsible-disclosure', signedIn: false, status: 200 },
    { path: `/companies/${randomUUID()}`, signedIn: true, status: 404 },
    { path: '/users', signedIn: 'customer', status: 403 }, // the error page: not allowed
    { path: '/companies', signedIn: true, status: 403, form: { name: 'Neue Firma' }, csrf: false }, // the error page: form expired
    { path: '/invites', signedIn: true, status: 422, form: { email: 'i18n-new@example.test', roleId: await roleId('customer_admin') } },
    { path: '/invites', signedIn: true, status: 422, form: { email: 'i18n-new@example.test', roleId: await roleId('technician'), companyId: company } },
    { path: '/invites', signedIn: true, status: 422, form: { email: 'i18n-new@example.test', roleId: randomUUID() } },
    { path: takenPath, signedIn: false, status: 409, form: { displayName: 'Test technician', password: testPassword } },
    // last: the reset request writes an audit event, which /audit above would show as data
    { path: '/forgot-password', signedIn: false, status: 200 },
    { path: '/forgot-password', signedIn: false, status: 200, form: { email: 'i18n-nobody@example.test' } },
    { path: `/reset-password/${reset.token}`, signedIn: false, status: 200 },
    { path: `/reset-password/${reset.token}`, signedIn: false, status: 422, form: { newPassword: 'too short' } },
    { path: '/reset-password/not-a-token', signedIn: false, status: 410 },
  ];

  const render = async (visit: Visit, locale: 'en' | 'de' | 'fr' | 'it') => {
    const headers = { 'accept-language': `${locale}-CH,${locale};q=0.9${locale === 'en' ? '' : ',en;q=0.5'}`, 'user-agent': browser };
    const from = visit.signedIn === 'customer' ? customerClient : visit.signedIn ? client : server.client();
    const page = visit.form
      ? await from.request('POST', visit.path, { form: visit.form, headers, ...(visit.csrf === false ? { csrf: false } : {}) })
      : await from.request('GET', visit.path, { headers });
    assert.equal(page.status, visit.status, `${locale} ${visit.path}: ${page.text.slice(0, 300)}`);
    assert.match(page.text, new RegExp(`<html lang="${locale}"`), `${locale} ${visit.path}`);
    return visibleText(page.text);
  };

  const data = await dataOnPages();
  const problems: string[] = [];
  for (const visit of visits) {
    const label = `${visit.form ? 'POST' : 'GET'} ${visit.path}${visit.form ? ` ${JSON.stringify(visit.form)}` : ''}`;
    const english = wordsOf(await render(visit, 'en'), data);
    assert.ok(english.size > 5, `${label}: the English page has words`);
    for (const locale of ['de', 'fr', 'it'] as const) {
      const allowed = new Set([...everywhere, ...sameWord[locale]]);
      for (const [word, text] of wordsOf(await render(visit, locale), data)) {
        if (english.has(word) && !allowed.has(word)) problems.push(`${locale} ${label}: "${word}" in "${text}"`);
      }
    }
  }
  assert.deepEqual(problems, [], `English left on the pages (${problems.length}):\n${problems.join('\n')}`);

  // the users page counts passkeys in the page's language
  const factorsOn = async (locale: string) => {
    const page = (await client.request('GET', '/users', { headers: { 'accept-language': locale } })).text;
    const factors = (user: SeededUser) => page.match(new RegExp(`data-user-id="${user.userId}"[\\s\\S]*?</select>[\\s\\S]*?<td>[^<]*</td><td>([^<]*)</td>`))?.[1];
    return [factors(technician), factors(customer)];
  };
  assert.deepEqual(await factorsOn('en'), ['2 passkeys', 'TOTP, 1 passkey']);
  assert.deepEqual(await factorsOn('de'), ['2 Passkeys', 'TOTP, 1 Passkey']);
  assert.deepEqual(await factorsOn('fr'), ['2 clés d’accès', 'TOTP, 1 clé d’accès']);

  const spanish = await server.client().request('GET', '/sign-in', { headers: { 'accept-language': 'es-ES,es' } });
  assert.match(spanish.text, /<html lang="en">[\s\S]*Skip to content/, 'a language Kastell does not speak gets English');
});

test('form errors speak the page language and name fields by their label; the API keeps English', async () => {
  const client = server.client();
  await forgetTotpStep(t.admin, admin.userId);
  await signInWithTotp(client, admin);
  const invalid = { name: ' ', customerNumber: 'x'.repeat(60) };
  const french = await client.request('POST', '/companies', { form: invalid, headers: { 'accept-language': 'fr-CH' } });
  assert.equal(french.status, 422);
  assert.match(french.text, /<li>Nom: saisissez un nom<\/li>/);
  assert.match(french.text, /<li>Numéro de client: au plus 50 caractères<\/li>/);
  assert.doesNotMatch(french.text, /enter a name|must be at most/);
  const italian = await client.request('POST', '/companies', { form: { ...invalid, extra: '1' }, headers: { 'accept-language': 'it' } });
  assert.match(italian.text, /inserisca un nome/);
  assert.match(italian.text, /campo\/i sconosciuto\/i: extra/);

  const api = await client.request('POST', '/api/v1/companies', { json: { ...invalid, extra: 1 }, headers: { 'accept-language': 'fr-CH' } });
  assert.equal(api.status, 422);
  assert.deepEqual(api.json().error.issues, [
    { path: 'name', message: 'enter a name' },
    { path: 'customerNumber', message: 'must be at most 50 characters' },
    { path: '(body)', message: 'unknown field(s): extra' },
  ]);
  const invite = await client.request('POST', '/api/v1/invites', { json: { email: 'i18n-api@example.test', roleId: await roleId('customer_admin') }, headers: { 'accept-language': 'fr-CH' } });
  assert.equal(invite.status, 422);
  assert.deepEqual(invite.json().error.issues, [{ path: 'companyId', message: 'a customer role needs a company' }]);
});
