// Every route that writes records an audit event in the same request — and a
// route added later without one fails here: the test lists every POST, PATCH,
// PUT and DELETE route of the application and requires a scenario for it
// below; each scenario must succeed and leave an event carrying the
// request's id (X-Request-Id) and the expected action.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../app/config.ts';
import { createApp } from '../../app/app.tsx';
import { createLogger } from '../../app/log.ts';
import { createSetupLink } from '../../app/setup/setup-link.ts';
import { createDocumentStore } from '../../app/storage/open-store.ts';
import { createTestDatabase } from '../harness/database.ts';
import { startTestServer, type TestClient, type TestResponse } from '../harness/server.ts';
import { forgetTotpStep, seedSession, seedUser, totpCode } from '../harness/seed.ts';
import { newToken } from '../../app/crypto/tokens.ts';

const t = await createTestDatabase();
const server = await startTestServer(t);
const config = parseConfig({ KASTELL_DATABASE_URL: t.appUrl, KASTELL_DATA_DIR: `/tmp/kastell-test-data-${t.name}`, KASTELL_JOBS: 'off' });

/** Writes nothing a person could be held to account for; says why. */
const exempt: Record<string, string> = {
  'POST /locale': 'stores the language preference in a cookie only',
  'POST /api/v1/auth/passkey/options': 'stores a 5-minute WebAuthn challenge only; the sign-in it leads to is audited',
  'POST /api/v1/me/passkeys/options': 'stores a 5-minute WebAuthn challenge only; the registration it leads to is audited',
  'POST /api/v1/auth/passkey/verify': 'needs an authenticator: test/identity/browser.test.ts checks its auth.signin.succeeded event',
  'POST /api/v1/me/passkeys': 'needs an authenticator: test/identity/browser.test.ts checks its auth.passkey.added event',
};

interface World {
  owner: TestClient;
  anonymous: TestClient;
  email: string;
  password: string;
  ids: Record<string, string>;
}

type Scenario = { action: string; run: (w: World) => Promise<TestResponse> };
const created = (response: TestResponse, key: string) => response.json<Record<string, string>>()[key]!;
const redirectId = (response: TestResponse) => /\/([0-9a-f-]{36})$/.exec(response.headers.get('location') ?? '')?.[1] ?? '';

// In order: each may use what the ones before created.
const scenarios: Record<string, Scenario> = {
  'POST /setup/:token': {
    action: 'owner.created',
    run: async (w) => {
      const link = await createSetupLink(t.db, config);
      return w.owner.postForm(new URL(link.url).pathname, { organisation: 'Audit AG', displayName: 'Owner', email: w.email, password: w.password });
    },
  },
  // set-up ends in enrolling an authenticator app (operators must) before any session exists
  'POST /sign-in/enrol': {
    action: 'auth.totp.enrolled',
    run: async (w) => {
      const page = await w.owner.get('/sign-in/enrol');
      w.ids.totpSecret = /data-totp-secret="([A-Z2-7]+)"/.exec(page.text)?.[1] ?? '';
      const [owner] = await t.admin`select user_id from kastell.users where email = ${w.email}`;
      w.ids.ownerId = owner!.user_id;
      return w.owner.postForm('/sign-in/enrol', { code: await totpCode(w.ids.totpSecret) });
    },
  },
  'POST /sign-out': { action: 'auth.signout', run: (w) => w.owner.postForm('/sign-out', {}) },
  'POST /sign-in': { action: 'auth.password.accepted', run: (w) => w.owner.postForm('/sign-in', { email: w.email, password: w.password }) },
  'POST /sign-in/factor': {
    action: 'auth.signin.succeeded',
    run: async (w) => {
      await forgetTotpStep(t.admin, w.ids.ownerId!);
      return w.owner.postForm('/sign-in/factor', { code: await totpCode(w.ids.totpSecret) });
    },
  },
  'POST /api/v1/auth/sign-out': { action: 'auth.signout', run: (w) => w.owner.postJson('/api/v1/auth/sign-out', {}) },
  'POST /api/v1/auth/sign-in': { action: 'auth.password.accepted', run: (w) => w.owner.postJson('/api/v1/auth/sign-in', { email: w.email, password: w.password }) },
  'POST /api/v1/auth/second-factor': {
    action: 'auth.signin.succeeded',
    run: async (w) => {
      await forgetTotpStep(t.admin, w.ids.ownerId!);
      return w.owner.postJson('/api/v1/auth/second-factor', { code: await totpCode(w.ids.totpSecret) });
    },
  },
  'POST /api/v1/companies': {
    action: 'company.created',
    run: async (w) => { const r = await w.owner.postJson('/api/v1/companies', { name: 'API AG' }); w.ids.company = created(r, 'companyId'); return r; },
  },
  'PATCH /api/v1/companies/:companyId': { action: 'company.updated', run: (w) => w.owner.request('PATCH', `/api/v1/companies/${w.ids.company}`, { json: { name: 'API AG 2' } }) },
  'POST /api/v1/companies/:companyId/sites': {
    action: 'site.created',
    run: async (w) => { const r = await w.owner.postJson(`/api/v1/companies/${w.ids.company}/sites`, { name: 'Plant' }); w.ids.site = created(r, 'siteId'); return r; },
  },
  'PATCH /api/v1/sites/:siteId': { action: 'site.updated', run: (w) => w.owner.request('PATCH', `/api/v1/sites/${w.ids.site}`, { json: { city: 'Basel' } }) },
  'POST /api/v1/sites/:siteId/assets': {
    action: 'asset.created',
    run: async (w) => { const r = await w.owner.postJson(`/api/v1/sites/${w.ids.site}/assets`, { name: 'Pump' }); w.ids.asset = created(r, 'assetId'); return r; },
  },
  'PATCH /api/v1/assets/:assetId': { action: 'asset.updated', run: (w) => w.owner.request('PATCH', `/api/v1/assets/${w.ids.asset}`, { json: { kind: 'pump' } }) },
  'DELETE /api/v1/assets/:assetId': { action: 'asset.deleted', run: (w) => w.owner.request('DELETE', `/api/v1/assets/${w.ids.asset}`) },
  'DELETE /api/v1/sites/:siteId': { action: 'site.deleted', run: (w) => w.owner.request('DELETE', `/api/v1/sites/${w.ids.site}`) },
  'POST /api/v1/invites': {
    action: 'invite.created',
    run: async (w) => {
      const r = await w.owner.postJson('/api/v1/invites', { email: 'api.invitee@example.test', roleId: w.ids.dispatcherRole! });
      w.ids.invite = created(r, 'inviteId');
      return r;
    },
  },
  'POST /api/v1/invites/:inviteId/revoke': { action: 'invite.revoked', run: (w) => w.owner.postJson(`/api/v1/invites/${w.ids.invite}/revoke`, {}) },
  'DELETE /api/v1/companies/:companyId': { action: 'company.deleted', run: (w) => w.owner.request('DELETE', `/api/v1/companies/${w.ids.company}`) },
  'POST /companies': {
    action: 'company.created',
    run: async (w) => { const r = await w.owner.postForm('/companies', { name: 'Page AG' }); w.ids.pageCompany = redirectId(r); return r; },
  },
  'POST /companies/:companyId': { action: 'company.updated', run: (w) => w.owner.postForm(`/companies/${w.ids.pageCompany}`, { name: 'Page AG 2' }) },
  'POST /companies/:companyId/sites': {
    action: 'site.created',
    run: async (w) => { const r = await w.owner.postForm(`/companies/${w.ids.pageCompany}/sites`, { name: 'Depot' }); w.ids.pageSite = redirectId(r); return r; },
  },
  'POST /sites/:siteId': { action: 'site.updated', run: (w) => w.owner.postForm(`/sites/${w.ids.pageSite}`, { name: 'Depot 2' }) },
  'POST /sites/:siteId/assets': {
    action: 'asset.created',
    run: async (w) => {
      const r = await w.owner.postForm(`/sites/${w.ids.pageSite}/assets`, { name: 'Crane' });
      const [row] = await t.admin`select asset_id from kastell.assets where name = 'Crane'`;
      w.ids.pageAsset = row?.asset_id ?? '';
      return r;
    },
  },
  'POST /assets/:assetId': { action: 'asset.updated', run: (w) => w.owner.postForm(`/assets/${w.ids.pageAsset}`, { name: 'Crane 2' }) },
  'POST /assets/:assetId/delete': { action: 'asset.deleted', run: (w) => w.owner.postForm(`/assets/${w.ids.pageAsset}/delete`, {}) },
  'POST /sites/:siteId/delete': { action: 'site.deleted', run: (w) => w.owner.postForm(`/sites/${w.ids.pageSite}/delete`, {}) },
  'POST /invites': {
    action: 'invite.created',
    run: async (w) => {
      const r = await w.owner.postForm('/invites', { email: 'page.invitee@example.test', roleId: w.ids.dispatcherRole! });
      const [row] = await t.admin`select invite_id from kastell.invites where email = 'page.invitee@example.test'`;
      w.ids.pageInvite = row?.invite_id ?? '';
      w.ids.acceptPath = /href="[^"]*(\/invites\/accept\/[A-Za-z0-9_-]{43})"/.exec(r.text)?.[1] ?? /(\/invites\/accept\/[A-Za-z0-9_-]{43})/.exec(r.text)?.[1] ?? '';
      return r;
    },
  },
  'POST /invites/accept/:token': {
    action: 'invite.accepted',
    run: (w) => w.anonymous.postForm(w.ids.acceptPath!, { displayName: 'Invitee', password: 'a long enough passphrase 77' }),
  },
  'POST /invites/:inviteId/revoke': {
    action: 'invite.revoked',
    run: async (w) => {
      const r = await w.owner.postJson('/api/v1/invites', { email: 'to.revoke@example.test', roleId: w.ids.dispatcherRole! });
      return w.owner.postForm(`/invites/${created(r, 'inviteId')}/revoke`, {});
    },
  },
  'POST /companies/:companyId/delete': { action: 'company.deleted', run: (w) => w.owner.postForm(`/companies/${w.ids.pageCompany}/delete`, {}) },
  // identity: my security, sessions, users
  'POST /security/reauth': {
    action: 'auth.reauthenticated',
    run: async (w) => {
      await forgetTotpStep(t.admin, w.ids.ownerId!);
      return w.owner.postForm('/security/reauth', { password: w.password, code: await totpCode(w.ids.totpSecret), next: '/security' });
    },
  },
  'POST /security/backup-codes': { action: 'auth.backup_codes.regenerated', run: (w) => w.owner.postForm('/security/backup-codes', {}) },
  'POST /security/passkeys/:passkeyId/delete': {
    action: 'auth.passkey.removed',
    run: async (w) => {
      // seeded without its trigger: adding a factor would end the owner's sessions
      const [row] = await t.admin.begin(async (tx) => {
        await tx`set local session_replication_role = replica`;
        return tx`insert into kastell.passkeys (user_id, credential_id, public_key, name)
          values (${w.ids.ownerId!}, 'audit-scenario-credential', ${Buffer.from([1])}, 'Old key') returning passkey_id`;
      });
      return w.owner.postForm(`/security/passkeys/${row!.passkey_id}/delete`, {});
    },
  },
  'POST /security/sessions/:sessionId/end': {
    action: 'session.ended',
    run: async (w) => {
      await seedSession(t.admin, w.ids.ownerId!);
      const sessions = (await w.owner.get('/api/v1/me/sessions')).json<{ sessions: { sessionId: string; current: boolean }[] }>().sessions;
      return w.owner.postForm(`/security/sessions/${sessions.find((s) => !s.current)!.sessionId}/end`, {});
    },
  },
  'POST /security/sessions/end-others': { action: 'sessions.ended', run: (w) => w.owner.postForm('/security/sessions/end-others', {}) },
  'DELETE /api/v1/me/sessions/:sessionId': {
    action: 'session.ended',
    run: async (w) => {
      await seedSession(t.admin, w.ids.ownerId!);
      const sessions = (await w.owner.get('/api/v1/me/sessions')).json<{ sessions: { sessionId: string; current: boolean }[] }>().sessions;
      return w.owner.request('DELETE', `/api/v1/me/sessions/${sessions.find((s) => !s.current)!.sessionId}`);
    },
  },
  'POST /api/v1/me/sessions/end-others': { action: 'sessions.ended', run: (w) => w.owner.postJson('/api/v1/me/sessions/end-others', {}) },
  'POST /users/:userId/disable': {
    action: 'user.disabled',
    run: async (w) => { w.ids.member = (await seedUser(t.admin, 'support')).userId; return w.owner.postForm(`/users/${w.ids.member}/disable`, {}); },
  },
  'POST /users/:userId/enable': { action: 'user.enabled', run: (w) => w.owner.postForm(`/users/${w.ids.member}/enable`, {}) },
  'POST /users/:userId/end-sessions': { action: 'sessions.ended_by_admin', run: (w) => w.owner.postForm(`/users/${w.ids.member}/end-sessions`, {}) },
  'POST /api/v1/users/:userId/sessions/end': { action: 'sessions.ended_by_admin', run: (w) => w.owner.postJson(`/api/v1/users/${w.ids.member}/sessions/end`, {}) },
  'POST /users/:userId/reset-factors': { action: 'user.factors_reset', run: (w) => w.owner.postForm(`/users/${w.ids.member}/reset-factors`, {}) },
  'POST /users/:userId/role': { action: 'user.role_changed', run: (w) => w.owner.postForm(`/users/${w.ids.member}/role`, { roleId: w.ids.dispatcherRole! }) },
  'PUT /api/v1/users/:userId/role': {
    action: 'user.role_changed',
    run: async (w) => {
      const [support] = await t.admin`select role_id from kastell.roles where role_key = 'support'`;
      return w.owner.request('PUT', `/api/v1/users/${w.ids.member}/role`, { json: { roleId: support!.role_id } });
    },
  },
  // a signed-in user without a factor enrols one from "My security" (in sudo mode)
  'POST /security/totp': {
    action: 'auth.totp.enrolled',
    run: async () => {
      const user = await seedUser(t.admin, 'support');
      const token = await seedSession(t.admin, user.userId, '30 minutes');
      await t.admin`update kastell.sessions set reauth_at = now() where token_hash = sha256(${token}::bytea)`;
      const client = server.client().withSession(token);
      const secret = /data-totp-secret="([A-Z2-7]+)"/.exec((await client.get('/security/totp')).text)?.[1] ?? '';
      return client.postForm('/security/totp', { code: await totpCode(secret) });
    },
  },
  'POST /unlock/:token': {
    action: 'auth.unlock.redeemed',
    run: async (w) => {
      const { token, hash } = newToken();
      await t.admin`insert into kastell.unlock_tokens (user_id, token_hash, expires_at) values (${w.ids.member!}, ${hash}, now() + interval '1 hour')`;
      return w.anonymous.postForm(`/unlock/${token}`, {});
    },
  },
  'POST /api/v1/me/password': { action: 'user.password_changed', run: (w) => w.owner.postJson('/api/v1/me/password', { newPassword: 'granite meadow lantern voyage' }) },
  'POST /security/password': { action: 'user.password_changed', run: (w) => w.owner.postForm('/security/password', { newPassword: 'copper harbour evening tide' }) },

  // ---- documents (app/documents): uploads are multipart streams; with no clamd here each version is held pending,
  // which is audited too — the event checked is the upload's own ----
  ...documentScenarios(),
  // ---- end documents ----
};

function documentScenarios(): Record<string, Scenario> {
  const docs: { client?: TestClient; company?: string; site?: string; asset?: string; document?: string; shareLink?: string; shareUrl?: string } = {};
  const file = () => ({ name: 'notes.txt', bytes: Buffer.from('audit scenario') });
  const form = { title: 'Audit scenario', kind: 'other' };
  const start = async () => {
    if (docs.client) return docs.client;
    const { seedAsset, seedCompany, seedSite } = await import('../harness/seed.ts');
    docs.company = await seedCompany(t.admin, 'Documents AG');
    docs.site = await seedSite(t.admin, docs.company, 'Documents plant');
    docs.asset = await seedAsset(t.admin, docs.company, docs.site, 'Documents pump');
    const admin = await seedUser(t.admin, 'admin');
    docs.client = server.client().withSession(await seedSession(t.admin, admin.userId, '30 minutes'));
    return docs.client;
  };
  const upload = async (path: (d: typeof docs) => string, fields: Record<string, string> = form) => {
    const { upload: send } = await import('../documents/support.ts');
    const client = await start();
    return send(client, path(docs), fields, file());
  };
  return {
    'POST /api/v1/companies/:companyId/documents': {
      action: 'document.created',
      run: async () => { const r = await upload((d) => `/api/v1/companies/${d.company}/documents`); docs.document = created(r, 'documentId'); return r; },
    },
    'POST /api/v1/sites/:siteId/documents': { action: 'document.version_uploaded', run: () => upload((d) => `/api/v1/sites/${d.site}/documents`) },
    'POST /api/v1/assets/:assetId/documents': { action: 'document.created', run: () => upload((d) => `/api/v1/assets/${d.asset}/documents`) },
    'POST /companies/:companyId/documents': { action: 'document.created', run: () => upload((d) => `/companies/${d.company}/documents`) },
    'POST /sites/:siteId/documents': { action: 'document.created', run: () => upload((d) => `/sites/${d.site}/documents`) },
    'POST /assets/:assetId/documents': { action: 'document.version_uploaded', run: () => upload((d) => `/assets/${d.asset}/documents`) },
    'POST /api/v1/documents/:documentId/versions': { action: 'document.version_uploaded', run: () => upload((d) => `/api/v1/documents/${d.document}/versions`, {}) },
    'POST /documents/:documentId/versions': { action: 'document.version_uploaded', run: () => upload((d) => `/documents/${d.document}/versions`, {}) },
    'PATCH /api/v1/documents/:documentId': { action: 'document.updated', run: async () => (await start()).request('PATCH', `/api/v1/documents/${docs.document}`, { json: { title: 'Renamed' } }) },
    'POST /documents/:documentId': { action: 'document.updated', run: async () => (await start()).postForm(`/documents/${docs.document}`, { title: 'Renamed again', kind: 'manual' }) },
    'POST /api/v1/documents/:documentId/share-links': {
      action: 'share_link.created',
      run: async () => {
        const r = await (await start()).postJson(`/api/v1/documents/${docs.document}/share-links`, { maxDownloads: 3 });
        docs.shareLink = created(r, 'shareLinkId');
        docs.shareUrl = created(r, 'url');
        return r;
      },
    },
    'POST /s/:token': {
      action: 'document.read',
      run: async (w) => {
        // a clean version to share (no clamd here: the uploads above stay pending), its object in the store
        const { Readable } = await import('node:stream');
        const key = `documents/${docs.document}/${'d'.repeat(32)}`;
        await createDocumentStore(config.storage).put(key, Readable.from([Buffer.from('shared text')]));
        const [admin] = await t.admin`select created_by from kastell.documents where document_id = ${docs.document!}`;
        await t.admin`insert into kastell.document_versions (document_id, owner_company_id, file_name, status, detected_type, size, sha256, object_key, uploaded_by)
          values (${docs.document!}, ${docs.company!}, 'shared.txt', 'clean', 'text/plain', 11, ${Buffer.alloc(32)}, ${key}, ${admin!.created_by})`;
        const path = new URL(docs.shareUrl!).pathname;
        await w.anonymous.get(path);
        return w.anonymous.request('POST', path, { form: {}, origin: 'null' });
      },
    },
    'POST /api/v1/share-links/:shareLinkId/revoke': {
      action: 'share_link.revoked',
      run: async () => (await start()).postJson(`/api/v1/share-links/${docs.shareLink}/revoke`, {}),
    },
    'POST /documents/:documentId/delete': { action: 'document.deleted', run: async () => (await start()).postForm(`/documents/${docs.document}/delete`, {}) },
    'DELETE /api/v1/documents/:documentId': {
      action: 'document.deleted',
      run: async () => {
        const r = await upload((d) => `/api/v1/companies/${d.company}/documents`);
        return (await start()).request('DELETE', `/api/v1/documents/${created(r, 'documentId')}`);
      },
    },
  };
}

function writingRoutes(): string[] {
  const { app } = createApp({
    config: config, db: t.db, store: createDocumentStore(config.storage), log: createLogger({ level: 'silent' }), audit: server.audit,
  });
  const routes = new Set<string>();
  for (const route of app.routes) {
    if (['POST', 'PATCH', 'PUT', 'DELETE'].includes(route.method)) routes.add(`${route.method} ${route.path}`);
  }
  return [...routes].sort();
}

test('every writing route has an audit scenario here (add one with the route)', () => {
  const routes = writingRoutes();
  assert.ok(routes.length >= 20, `found only ${routes.length} writing routes: is the route listing broken?`);
  const missing = routes.filter((route) => !(route in scenarios) && !(route in exempt));
  assert.deepEqual(missing, [], 'writing routes without an audit scenario');
  const stale = Object.keys(scenarios).filter((route) => !routes.includes(route));
  assert.deepEqual(stale, [], 'scenarios for routes that no longer exist');
});

test('every writing route records its event in the same request', async () => {
  const [role] = await t.admin`select role_id from kastell.roles where role_key = 'dispatcher'`;
  const world: World = {
    owner: server.client(), anonymous: server.client(), email: 'owner@example.test', password: 'a long enough passphrase 42', ids: { dispatcherRole: role!.role_id },
  };
  for (const [route, scenario] of Object.entries(scenarios)) {
    const response = await scenario.run(world);
    assert.ok(response.status < 400, `${route}: status ${response.status} ${response.text.slice(0, 300)}`);
    const requestId = response.headers.get('x-request-id');
    assert.ok(requestId, `${route}: response carries a request id`);
    const events = await t.admin<{ action: string; outcome: string }[]>`select action, outcome from audit.events where request_id = ${requestId}`;
    assert.ok(events.some((e) => e.action === scenario.action && e.outcome === 'success'),
      `${route}: expected an audit event ${scenario.action} for request ${requestId}, found [${events.map((e) => e.action).join(', ')}]`);
  }
});
