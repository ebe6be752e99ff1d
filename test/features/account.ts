// app/account: the signed-in user's own password, factors, passkeys and sessions (/security/*, /me/*).
import { forgetTotpStep, seedSession, seedUser, totpCode } from '../harness/seed.ts';
import type { AuditWorld, FeatureKit } from './kit.ts';

/** Seeds a second session of the owner and returns its id, as the owner's session list shows it. */
async function otherSessionOfOwner(w: AuditWorld): Promise<string> {
  await seedSession(w.t.admin, w.ids.ownerId!);
  const sessions = (await w.owner.get('/api/v1/me/sessions')).json<{ sessions: { sessionId: string; current: boolean }[] }>().sessions;
  return sessions.find((s) => !s.current)!.sessionId;
}

export const account: FeatureKit = {
  feature: 'account',
  isolation: {
    // DELETE /me/sessions/:sessionId: a session of the company's customer admin
    ids: async (admin, company) => {
      const token = await seedSession(admin, company.userId, '30 minutes');
      const [session] = await admin`select session_id from kastell.sessions where token_hash = sha256(${token}::bytea)`;
      return { sessionId: session!.session_id };
    },
  },
  audit: {
    exempt: {
      'POST /api/v1/me/passkeys/options': 'stores a 5-minute WebAuthn challenge only; the registration it leads to is audited',
      'POST /api/v1/me/passkeys': 'needs an authenticator: test/identity/browser.test.ts checks its auth.passkey.added event',
    },
    scenarios: {
      'POST /security/reauth': {
        action: 'auth.reauthenticated',
        run: async (w) => {
          await forgetTotpStep(w.t.admin, w.ids.ownerId!);
          return w.owner.postForm('/security/reauth', { password: w.password, code: await totpCode(w.ids.totpSecret), next: '/security' });
        },
      },
      'POST /security/backup-codes': { action: 'auth.backup_codes.regenerated', run: (w) => w.owner.postForm('/security/backup-codes', {}) },
      'POST /security/passkeys/:passkeyId/delete': {
        action: 'auth.passkey.removed',
        run: async (w) => {
          // seeded without its trigger: adding a factor would end the owner's sessions
          const [row] = await w.t.admin.begin(async (tx) => {
            await tx`set local session_replication_role = replica`;
            return tx`insert into kastell.passkeys (user_id, credential_id, public_key, name)
              values (${w.ids.ownerId!}, 'audit-scenario-credential', ${Buffer.from([1])}, 'Old key') returning passkey_id`;
          });
          return w.owner.postForm(`/security/passkeys/${row!.passkey_id}/delete`, {});
        },
      },
      'POST /security/sessions/:sessionId/end': {
        action: 'session.ended',
        run: async (w) => w.owner.postForm(`/security/sessions/${await otherSessionOfOwner(w)}/end`, {}),
      },
      'POST /security/sessions/end-others': { action: 'sessions.ended', run: (w) => w.owner.postForm('/security/sessions/end-others', {}) },
      'DELETE /api/v1/me/sessions/:sessionId': {
        action: 'session.ended',
        run: async (w) => w.owner.request('DELETE', `/api/v1/me/sessions/${await otherSessionOfOwner(w)}`),
      },
      'POST /api/v1/me/sessions/end-others': { action: 'sessions.ended', run: (w) => w.owner.postJson('/api/v1/me/sessions/end-others', {}) },
      // a signed-in user without a factor enrols one from "My security" (in sudo mode)
      'POST /security/totp': {
        action: 'auth.totp.enrolled',
        run: async (w) => {
          const user = await seedUser(w.t.admin, 'support');
          const token = await seedSession(w.t.admin, user.userId, '30 minutes');
          await w.t.admin`update kastell.sessions set reauth_at = now() where token_hash = sha256(${token}::bytea)`;
          const client = w.server.client().withSession(token);
          const secret = /data-totp-secret="([A-Z2-7]+)"/.exec((await client.get('/security/totp')).text)?.[1] ?? '';
          return client.postForm('/security/totp', { code: await totpCode(secret) });
        },
      },
      'POST /api/v1/me/password': { action: 'user.password_changed', run: (w) => w.owner.postJson('/api/v1/me/password', { newPassword: 'granite meadow lantern voyage' }) },
      'POST /security/password': { action: 'user.password_changed', run: (w) => w.owner.postForm('/security/password', { newPassword: 'copper harbour evening tide' }) },
    },
  },
};
