// No text field of any route lets a control character through: every API
// route (from the registry) and every HTML form (found by reading the pages)
// gets otherwise valid input with a control character in one field or query
// parameter, as the owner in sudo mode, and must refuse it with a 4xx — the
// API names the field — and write nothing. A malformed multipart body to any
// form route gets 400. PostgreSQL refuses U+0000 in text (SQLSTATE 22021):
// before the edge schemas refused it, each of these answered 500.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { en } from '../../app/i18n/messages.ts';
import { z } from 'zod';
import { newToken } from '../../app/crypto/tokens.ts';
import { createTestDatabase } from '../harness/database.ts';
import { seedAsset, seedCompany, seedSession, seedSite, seedUser, testPassword } from '../harness/seed.ts';
import { startTestServer, type TestClient } from '../harness/server.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);
const { api } = server;
const anonymous = server.client();
// The set-up page exists only until an owner does: read its form first.
const setupPath = server.setupLink ? new URL(server.setupLink).pathname : undefined;
const setupPage = setupPath ? await anonymous.get(setupPath) : undefined;

const company = await seedCompany(t.admin, 'Alpha AG');
const site = await seedSite(t.admin, company, 'Plant');
const asset = await seedAsset(t.admin, company, site, 'Pump');
const owner = await seedUser(t.admin, 'owner');
const member = await seedUser(t.admin, 'customer_member', company, 'member@example.test');
const ownerToken = await seedSession(t.admin, owner.userId);
// Sudo mode, so the routes that need a fresh sign-in reach their input too.
await t.admin`update kastell.sessions set reauth_at = now() where user_id = ${owner.userId}`;
const [session] = await t.admin`select session_id from kastell.sessions where user_id = ${owner.userId}`;
const [memberRole] = await t.admin`select role_id from kastell.roles where role_key = 'customer_member'`;
const invite = newToken();
const [pendingInvite] = await t.admin`insert into kastell.invites (email, role_id, company_id, token_hash, invited_by, expires_at)
  values ('invitee@example.test', ${memberRole!.role_id}, ${company}, ${invite.hash}, ${owner.userId}, now() + interval '1 day')
  returning invite_id`;
const client = server.client().withSession(ownerToken);
// ---- documents: a document and a share link for the path ids ----
const [document] = await t.admin`insert into kastell.documents (owner_company_id, company_id, title, kind, created_by)
  values (${company}, ${company}, 'Probe document', 'manual', ${owner.userId}) returning document_id`;
const [shareLink] = await t.admin`insert into kastell.share_links (document_id, owner_company_id, token_hash, created_by, expires_at)
  values (${document!.document_id}, ${company}, ${newToken().hash}, ${owner.userId}, now() + interval '1 day') returning share_link_id`;
// ---- end documents ----

const ids: Record<string, string> = {
  companyId: company, siteId: site, assetId: asset, inviteId: pendingInvite!.invite_id, userId: member.userId, sessionId: session!.session_id,
  documentId: document!.document_id, shareLinkId: shareLink!.share_link_id,
};
/** A valid value for each field name a body or form may have; a route with a new field fails until one is added here. */
const validValues: Record<string, unknown> = {
  name: 'Probe', customerNumber: 'K-100', street: 'Hauptstrasse 1', postalCode: '8000', city: 'Zürich', country: 'CH',
  kind: 'pump', serialNumber: 'SN-1', email: 'probe@example.test', roleId: memberRole!.role_id, companyId: company,
  password: testPassword, newPassword: 'a fresh long passphrase 77', displayName: 'Probe Person', organisation: 'Probe Org',
  code: '123456', response: {}, locale: 'de', next: '/security', token: newToken().token, accessDays: 30,
  // documents (a document's kind is one of its own; 'pump' above is an asset's free text)
  title: 'Probe title', expiresInDays: 7, maxDownloads: 3,
  // keys: a shred confirmation that names no company (nothing is destroyed)
  confirm: 'Probe confirmation',
};

// ---- service work: a request, a job with an assigned technician and an open visit, for path ids and forms
const serviceTechnician = await seedUser(t.admin, 'technician');
const [serviceRequest] = await t.admin`insert into kastell.service_requests (company_id, site_id, asset_id, title)
  values (${company}, ${site}, ${asset}, 'Probe request') returning request_id`;
const [serviceJob] = await t.admin`insert into kastell.jobs (company_id, site_id, request_id, title)
  values (${company}, ${site}, ${serviceRequest!.request_id}, 'Probe job') returning job_id`;
await t.admin`insert into kastell.job_assignments (job_id, technician_id, company_id) values (${serviceJob!.job_id}, ${serviceTechnician.userId}, ${company})`;
const [serviceVisit] = await t.admin`insert into kastell.visits (job_id, technician_id, company_id) values (${serviceJob!.job_id}, ${serviceTechnician.userId}, ${company}) returning visit_id`;
Object.assign(ids, { requestId: serviceRequest!.request_id, jobId: serviceJob!.job_id, visitId: serviceVisit!.visit_id });
Object.assign(validValues, {
  siteId: site, assetId: asset, title: 'Probe', description: 'Probe text', urgency: 'normal', status: 'on_hold', reason: 'Probe reason',
  requestId: serviceRequest!.request_id, assetIds: [asset], plannedStart: '2026-12-01T10:00', technicianId: serviceTechnician.userId, notes: 'Probe notes',
});
// reports: a draft of the job's report (past the triggers: the probe job is not in progress)
const [serviceReport] = await t.admin.begin(async (tx) => {
  await tx`set local session_replication_role = replica`;
  return tx`insert into kastell.service_reports (job_id, company_id, version, language, created_by)
    values (${serviceJob!.job_id}, ${company}, 1, 'de', ${serviceTechnician.userId}) returning report_id`;
});
Object.assign(ids, { reportId: serviceReport!.report_id, technicianId: serviceTechnician.userId });
Object.assign(validValues, {
  workDone: 'Probe work', measurements: [{ quantity: 'Pressure', value: 1, unit: 'bar' }], language: 'de', documentId: document!.document_id,
  signerName: 'Probe Signer', signature: 'data:image/png;base64,iVBORw0KGgo=', shownSha256: '0'.repeat(64), comment: 'Probe comment',
});
// messages, notifications and the breach register: one of each for the path ids
const [notification] = await t.admin`insert into kastell.notifications (user_id, kind, company_id, job_id, in_app, mail_status)
  values (${owner.userId}, 'job_scheduled', ${company}, ${serviceJob!.job_id}, true, 'none') returning notification_id`;
const [breach] = await t.admin`insert into kastell.notifiable_breaches (title, discovered_on) values ('Probe breach', current_date) returning breach_id`;
Object.assign(ids, { notificationId: notification!.notification_id, breachId: breach!.breach_id });
Object.assign(validValues, { body: 'Probe message', internal: false, preferences: [{ kind: 'job_scheduled', inApp: true, email: false }], emailLocale: 'de',
  occurredOn: '2026-01-01', discoveredOn: '2026-01-02', authority: 'EDÖB', authorityNotifiedOn: '2026-01-03', subjectsNotifiedOn: '2026-01-04' });
// custom roles: one of the company's for the path id, and a customer-scope permission to compose with
const [customRole] = await t.admin`insert into kastell.roles (company_id, name, side) values (${company}, 'Probe role', 'customer') returning role_id`;
Object.assign(ids, { roleId: customRole!.role_id });
Object.assign(validValues, { permissions: ['sites.read'] });
// the bot challenge's solution (sign-in, password reset): empty, as a page without JavaScript sends it below the threshold
Object.assign(validValues, { altcha: '' });
// Multi-line fields (text({ multiline: true }), textareas) take tab, line feed and carriage return as text;
// every other control character is still refused there.
const multilineFields = new Set(['description', 'notes', 'workDone', 'body']);
const lineBreaksAllowed = (field: string, value: string) =>
  multilineFields.has(field) && /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$/.test(value);
// ---- end of service work

const controlCharacter = fc.oneof(
  fc.integer({ min: 0x00, max: 0x1f }),
  fc.constant(0x7f),
  fc.integer({ min: 0x80, max: 0x9f }),
).map((code) => String.fromCharCode(code));
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
/** Text with a control character somewhere, and never blank (a blank optional field is an empty one). */
const withControl = (bad: fc.Arbitrary<string>) =>
  fc.tuple(fc.string({ maxLength: 8 }), bad, fc.string({ maxLength: 8 }), fc.boolean())
    .map(([before, c, after, letterFirst]) => letterFirst ? `x${before}${c}${after}` : `${before}${c}${after}x`);
// JSON carries lone surrogates; a form or URL (UTF-8 on the wire) cannot: they arrive as U+FFFD.
const badJsonText = withControl(fc.oneof(controlCharacter, controlCharacter, loneSurrogate));
const badWireText = withControl(controlCharacter);
const runs = { numRuns: 4, examples: [['\u0000'], ['a\u0000b']] as [string][] };

/** fc.assert, with the failing assertion's own message in the error (fast-check keeps it in `cause`). */
async function check<T>(property: fc.IAsyncProperty<T>, parameters: fc.Parameters<T>): Promise<void> {
  try {
    await fc.assert(property, parameters);
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    throw cause instanceof Error ? new Error(`${(error as Error).message.split('\n')[2] ?? ''}\n${cause.message}`) : error;
  }
}

const counted = ['kastell.companies', 'kastell.sites', 'kastell.assets', 'kastell.invites', 'kastell.users', 'kastell.memberships',
  'kastell.organisation', 'kastell.passkeys', 'kastell.password_history', 'kastell.roles', 'kastell.role_permissions',
  'kastell.totp_factors', 'kastell.backup_codes', 'kastell.setup_tokens', 'kastell.idempotency_keys', 'audit.events'];
/** Every row of the tables a request could write, as text: any insert, update or delete changes it. */
async function snapshot(): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const table of counted) {
    const [row] = await t.admin.unsafe(`select count(*)::text || ':' || coalesce(md5(string_agg(x::text, '|' order by x::text)), '') as v from ${table} x`);
    result[table] = row!.v;
  }
  return result;
}

const pathOf = (routePath: string) => '/api/v1' + routePath.replace(/:(\w+)/g, (_, name: string) => {
  assert.ok(ids[name], `no id for path parameter ${name}: add it to ids`);
  return ids[name]!;
});
type JsonSchema = { type?: string; format?: string; properties?: Record<string, JsonSchema>; required?: string[]; anyOf?: JsonSchema[] };
const isString = (s: JsonSchema): boolean => s.type === 'string' || (s.anyOf ?? []).some(isString);
const isUuid = (s: JsonSchema): boolean => s.format === 'uuid' || (s.anyOf ?? []).some(isUuid);
const refusal = en['issue.controlCharacters'];

// Read the pages before any test runs: the crawl itself writes (opening /security/totp starts an enrolment).
interface Form { action: string; fields: Record<string, string> }
const attribute = (tag: string, name: string) => tag.match(new RegExp(`\\s${name}="([^"]*)"`))?.[1]?.replace(/&amp;/g, '&');

/** The post forms of a page with the values they carry (first option of a select; textareas and empty inputs get validValues). */
function formsOf(html: string, page: string): Form[] {
  const forms: Form[] = [];
  for (const [, open, inner] of html.matchAll(/<form([^>]*)>([\s\S]*?)<\/form>/g)) {
    if (attribute(open!, 'method')?.toLowerCase() !== 'post') continue;
    const fields: Record<string, string> = {};
    for (const [tag] of inner!.matchAll(/<(input|textarea)\b[^>]*>/g)) {
      const name = attribute(tag, 'name');
      if (!name || name === '_csrf' || ['submit', 'checkbox', 'radio'].includes(attribute(tag, 'type') ?? '')) continue;
      fields[name] = attribute(tag, 'value') || String(validValues[name] ?? '');
    }
    for (const [, open, options] of inner!.matchAll(/<select([^>]*)>([\s\S]*?)<\/select>/g)) {
      const name = attribute(open!, 'name');
      const first = [...options!.matchAll(/<option[^>]*value="([^"]+)"/g)][0]?.[1];
      if (name) fields[name] = first ?? String(validValues[name] ?? '');
    }
    forms.push({ action: attribute(open!, 'action') || page, fields }); // no action: the form posts to its page
  }
  return forms;
}

/** Every post form on every page a signed-in owner can reach by links, plus the pages a link in an e-mail opens. */
async function findForms(): Promise<Map<string, Form>> {
  const found = new Map<string, Form>();
  const add = (html: string, page: string) => { for (const form of formsOf(html, page)) if (!found.has(form.action)) found.set(form.action, form); };
  const queue = ['/', `/companies/${company}`, `/sites/${site}`, `/assets/${asset}`, '/security', '/security/sessions', '/profile', '/users', '/invites', '/audit', '/access-log'];
  const seen = new Set<string>();
  while (queue.length > 0 && seen.size < 60) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const page = await client.get(path);
    add(page.text, path);
    for (const [, href] of page.text.matchAll(/<a [^>]*href="(\/[^"#]*)"/g)) {
      // exports are audited (a write); links with a query are filters of a page already read
      if (!href!.includes('?') && !href!.startsWith('/api/') && !seen.has(href!)) queue.push(href!);
    }
  }
  for (const path of ['/sign-in', '/forgot-password', `/invites/accept/${invite.token}`, `/unlock/${newToken().token}`]) add((await anonymous.get(path)).text, path);
  if (setupPage && setupPath) add(setupPage.text, setupPath);
  // Reached only in the middle of a sign-in (a challenge cookie): the forms' fields as their pages render them.
  for (const action of ['/sign-in/factor', '/sign-in/enrol']) if (!found.has(action)) found.set(action, { action, fields: { code: '123456' } });
  return found;
}

const forms = await findForms();

// asvs: V2.2.1 V2.2.2
test('API: a control character in any text field of any body is refused with 422 naming the field; nothing is written', async () => {
  const before = await snapshot();
  let cases = 0;
  for (const route of api.routes.filter((r) => r.body)) {
    const schema = z.toJSONSchema(route.body!, { io: 'input' }) as JsonSchema;
    const properties = schema.properties ?? {};
    const valid: Record<string, unknown> = {};
    for (const name of Object.keys(properties)) {
      assert.ok(name in validValues, `${route.method} ${route.path}: no valid value for field ${name}: add it to validValues`);
      valid[name] = validValues[name];
    }
    for (const [field, property] of Object.entries(properties).filter(([, p]) => isString(p))) {
      cases += 1;
      await check(fc.asyncProperty(badJsonText, async (bad) => {
        if (lineBreaksAllowed(field, bad)) return; // service work: tab and line breaks are text in a multi-line field
        const response = await client.request(route.method.toUpperCase(), pathOf(route.path), { json: { ...valid, [field]: bad } });
        const label = `${route.method} ${route.path} ${field}=${JSON.stringify(bad)} → ${response.status} ${response.text.slice(0, 200)}`;
        assert.equal(response.status, 422, label);
        const issues: { path: string; message: string }[] = response.json().error.issues;
        const expected = isUuid(property) ? issues.some((i) => i.path === field) : issues.some((i) => i.path === field && i.message === refusal);
        assert.ok(expected, label);
      }), runs);
    }
  }
  assert.ok(cases >= 20, `only ${cases} text fields in API bodies`);
  assert.deepEqual(await snapshot(), before, 'nothing was written');
});

test('API: a control character in any query parameter or path id is refused with a 4xx; nothing is written', async () => {
  const before = await snapshot();
  let cases = 0;
  for (const route of api.routes) {
    const valid = route.body ? Object.fromEntries(Object.keys((z.toJSONSchema(route.body, { io: 'input' }) as JsonSchema).properties ?? {})
      .map((name) => [name, validValues[name]])) : undefined;
    const options = route.body ? { json: valid } : { json: undefined };
    for (const name of Object.keys(route.query ? (z.toJSONSchema(route.query, { io: 'input' }) as JsonSchema).properties ?? {} : {})) {
      cases += 1;
      await check(fc.asyncProperty(badWireText, async (bad) => {
        const response = await client.request(route.method.toUpperCase(), `${pathOf(route.path)}?${new URLSearchParams({ [name]: bad })}`, options);
        assert.equal(response.status, 422, `${route.method} ${route.path}?${name}=${JSON.stringify(bad)} → ${response.status} ${response.text.slice(0, 200)}`);
        assert.ok(response.json().error.issues.some((i: { path: string }) => i.path === name));
      }), runs);
    }
    for (const param of route.path.match(/:\w+/g) ?? []) {
      cases += 1;
      await check(fc.asyncProperty(badWireText, async (bad) => {
        const path = pathOf(route.path).replace(ids[param.slice(1)]!, encodeURIComponent(bad));
        const response = await client.request(route.method.toUpperCase(), path, options);
        assert.ok(response.status >= 400 && response.status < 500, `${route.method} ${path} → ${response.status} ${response.text.slice(0, 200)}`);
      }), { ...runs, numRuns: 2 });
    }
  }
  assert.ok(cases >= 15, `only ${cases} query parameters and path ids`);
  assert.deepEqual(await snapshot(), before, 'nothing was written');
});


test('the form crawl finds the forms it must (sign-in, set-up, invitations, companies, sites, assets, security)', () => {
  const actions = [...forms.keys()];
  for (const expected of ['/sign-in', '/locale', '/companies', `/companies/${company}`, `/companies/${company}/sites`, `/sites/${site}`,
    `/sites/${site}/assets`, `/assets/${asset}`, '/invites', `/invites/accept/${invite.token}`, '/security/password', setupPath]) {
    assert.ok(expected && actions.includes(expected), `no form posts to ${expected}; found ${actions.join(', ')}`);
  }
});

/** Choices (ids, the language) and the enrolment code are checked against what may be chosen, not as text: they have their own message. */
const ownMessage = (action: string, field: string) => ['roleId', 'companyId', 'locale'].includes(field) || action === '/security/totp';
const htmlEscaped = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

test('forms: a control character in any field is refused with a 4xx (never 5xx); nothing is written', async () => {
  const before = await snapshot();
  let cases = 0;
  for (const form of forms.values()) {
    for (const field of Object.keys(form.fields)) {
      cases += 1;
      const who: TestClient = form.action.startsWith('/sign-in') || form.action.startsWith('/forgot-password') || form.action.startsWith('/invites/accept') || form.action.startsWith('/setup') ? anonymous : client;
      await check(fc.asyncProperty(badWireText, async (bad) => {
        if (lineBreaksAllowed(field, bad)) return; // service work: tab and line breaks are text in a multi-line field
        const response = await who.postForm(form.action, { ...form.fields, [field]: bad });
        assert.ok(response.status >= 400 && response.status < 500,
          `${form.action} ${field}=${JSON.stringify(bad)} → ${response.status} ${response.text.replace(/\s+/g, ' ').slice(0, 300)}`);
        // A form that re-renders with its issues says what is wrong, in the page's language (English here).
        if (response.status === 422 && !ownMessage(form.action, field)) {
          assert.ok(response.text.includes(htmlEscaped(refusal)), `${form.action} ${field}: the page does not say what is wrong`);
        }
      }), runs);
    }
  }
  assert.ok(cases >= 20, `only ${cases} form fields`);
  assert.deepEqual(await snapshot(), before, 'nothing was written');
});

const boundary = '----kastell-probe';
const malformedMultipart: { name: string; contentType: string; body: (csrf: string) => string }[] = [
  { name: 'truncated', contentType: `multipart/form-data; boundary=${boundary}`,
    body: (csrf) => `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nProbe` },
  { name: 'boundary that does not match', contentType: 'multipart/form-data; boundary=other',
    body: (csrf) => `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n--${boundary}--\r\n` },
  { name: 'no boundary', contentType: 'multipart/form-data',
    body: (csrf) => `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n--${boundary}--\r\n` },
  { name: 'garbage', contentType: `multipart/form-data; boundary=${boundary}`, body: () => '\u0000\u0001 not a form at all' },
];

test('forms: a malformed multipart body gets 400 with a sentence, at every form route; nothing is written', async () => {
  const before = await snapshot();
  const csrf = client.cookies.get('__Host-kastell-csrf') ?? '';
  assert.ok(csrf, 'the client holds a CSRF cookie');
  for (const form of forms.values()) {
    for (const malformed of malformedMultipart) {
      const response = await postRaw(client, form.action, malformed.contentType, malformed.body(csrf));
      assert.equal(response.status, 400, `${form.action} (${malformed.name}) → ${response.status} ${response.text.slice(0, 200)}`);
      assert.match(response.text, /form could not be read/, `${form.action} (${malformed.name}) says why`);
    }
  }
  assert.deepEqual(await snapshot(), before, 'nothing was written');
});

/** The harness client sends JSON or urlencoded forms only: a raw body, with the client's cookies and our Origin. */
async function postRaw(from: TestClient, path: string, contentType: string, body: string) {
  const cookie = [...from.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const response = await fetch(from.baseUrl + path, { method: 'POST', redirect: 'manual', body,
    headers: { 'content-type': contentType, origin: new URL(from.baseUrl).origin, cookie } });
  return { status: response.status, text: await response.text() };
}

test('safety net: PostgreSQL refusing a character (SQLSTATE 22021) maps to 400, not 500', async () => {
  const { httpErrorFromPostgres } = await import('../../app/db/errors.ts');
  const error = await t.admin`select ${'a\u0000b'}::text`.then(() => undefined, (e: unknown) => e);
  assert.equal((error as { code?: string } | undefined)?.code, '22021', 'PostgreSQL refuses U+0000 in text');
  assert.equal(httpErrorFromPostgres(error)?.status, 400);
});
