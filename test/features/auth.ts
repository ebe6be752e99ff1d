// app/auth: sessions, second factors, passkeys, lockout and sign-in.
import assert from 'node:assert/strict';
import { newToken } from '../../app/crypto/tokens.ts';
import { forgetTotpStep, seedSession, seedTotp, seedUser, totpCode } from '../harness/seed.ts';
import { notReadable, type FeatureKit } from './kit.ts';

export const auth: FeatureKit = {
  feature: 'auth',
  rls: {
    seed: async ({ admin, allUsers, world }) => {
      for (const user of allUsers) await seedSession(admin, user.userId);
      for (const [index, user] of allUsers.entries()) {
        await seedTotp(admin, user.userId);
        await admin`insert into kastell.backup_codes (user_id, slot, code_hash) values (${user.userId}, 1, '$argon2id$v=19$m=65536,t=3,p=4$x$y')`;
        await admin`insert into kastell.passkeys (user_id, credential_id, public_key, name)
          values (${user.userId}, ${`credential-id-number-${index}`}, ${Buffer.from([0])}, 'Laptop')`;
      }
      await admin`insert into kastell.auth_failures (subject) values ('account:someone@example.test')`;
      await admin`insert into kastell.auth_challenges (token_hash, purpose, expires_at) values (${newToken().hash}, 'webauthn_sign_in', now() + interval '5 minutes')`;
      await admin`insert into kastell.unlock_tokens (user_id, token_hash, expires_at) values (${world.adminOfB.userId}, ${newToken().hash}, now() + interval '1 hour')`;
      await admin`insert into kastell.bot_challenges (challenge, endpoint, expires_at) values (${'b'.repeat(64)}, 'sign-in', now() + interval '5 minutes')`;
    },
    cases: (w) => {
      const { as, users, allUsers, globalReaders, visibleUsers, world } = w;
      const userIds = async (role: Parameters<typeof as>[0], table: string) =>
        (await as(role, (tx) => tx`select user_id from ${tx(table)} order by 1`)).map((r) => r.user_id);
      return {
        reads: {
          sessions: {
            read: async (role) => (await as(role, (tx) => tx`select distinct user_id from sessions order by 1`)).map((r) => r.user_id),
            expect: (role) => (['owner', 'admin', 'security_officer'].includes(role) ? allUsers.map((u) => u.userId).sort() : [users[role].userId]),
            noRowsWithoutPrincipal: true,
          },
          totp_factors: { read: (role) => userIds(role, 'totp_factors'), expect: visibleUsers },
          backup_codes: { read: (role) => userIds(role, 'backup_codes'), expect: (role) => [users[role].userId] },
          passkeys: {
            read: (role) => userIds(role, 'passkeys'),
            expect: (role) => (globalReaders.includes(role) ? allUsers.map((u) => u.userId).sort() : [users[role].userId]),
          },
          ...Object.fromEntries(['password_history', 'auth_challenges', 'auth_failures', 'unlock_tokens', 'bot_challenges'].map((table) => [table, notReadable(w, table)])),
        },
        writes: [
          { name: "end B admin's sessions", work: (tx) => tx`update sessions set ended_at = now(), end_reason = 'ended_by_admin' where user_id = ${world.adminOfB.userId} and false returning 1`, allowed: [], outcome: 'no rows' },
        ],
        checks: {
          'secrets of factors are not readable by the application role, even for the user themselves': async () => {
            for (const [table, column] of [['totp_factors', 'secret_enc'], ['totp_factors', 'pending_secret_enc'], ['backup_codes', 'code_hash'], ['passkeys', 'public_key']] as const) {
              const outcome = await as('owner', (tx) => tx`select ${tx(column)} from ${tx(table)}`).then(() => 'readable', (e: Error) => e.message);
              assert.equal(outcome, `permission denied for table ${table}`, `${table}.${column}`);
            }
          },
        },
      };
    },
  },
  audit: {
    exempt: {
      'POST /api/v1/auth/passkey/options': 'stores a 5-minute WebAuthn challenge only; the sign-in it leads to is audited',
      'POST /api/v1/auth/passkey/verify': 'needs an authenticator: test/identity/browser.test.ts checks its auth.signin.succeeded event',
    },
    scenarios: {
      // set-up ends in enrolling an authenticator app (operators must) before any session exists
      'POST /sign-in/enrol': {
        action: 'auth.totp.enrolled',
        run: async (w) => {
          const page = await w.owner.get('/sign-in/enrol');
          w.ids.totpSecret = /data-totp-secret="([A-Z2-7]+)"/.exec(page.text)?.[1] ?? '';
          const [owner] = await w.t.admin`select user_id from kastell.users where email = ${w.email}`;
          w.ids.ownerId = owner!.user_id;
          return w.owner.postForm('/sign-in/enrol', { code: await totpCode(w.ids.totpSecret) });
        },
      },
      'POST /sign-out': { action: 'auth.signout', run: (w) => w.owner.postForm('/sign-out', {}) },
      'POST /sign-in': { action: 'auth.password.accepted', run: (w) => w.owner.postForm('/sign-in', { email: w.email, password: w.password }) },
      'POST /sign-in/factor': {
        action: 'auth.signin.succeeded',
        run: async (w) => {
          await forgetTotpStep(w.t.admin, w.ids.ownerId!);
          return w.owner.postForm('/sign-in/factor', { code: await totpCode(w.ids.totpSecret) });
        },
      },
      'POST /api/v1/auth/sign-out': { action: 'auth.signout', run: (w) => w.owner.postJson('/api/v1/auth/sign-out', {}) },
      'POST /api/v1/auth/sign-in': { action: 'auth.password.accepted', run: (w) => w.owner.postJson('/api/v1/auth/sign-in', { email: w.email, password: w.password }) },
      // the owner stays signed in from here on: the later kits' scenarios act as them
      'POST /api/v1/auth/second-factor': {
        action: 'auth.signin.succeeded',
        run: async (w) => {
          await forgetTotpStep(w.t.admin, w.ids.ownerId!);
          return w.owner.postJson('/api/v1/auth/second-factor', { code: await totpCode(w.ids.totpSecret) });
        },
      },
      'POST /unlock/:token': {
        action: 'auth.unlock.redeemed',
        run: async (w) => {
          const user = await seedUser(w.t.admin, 'support');
          const { token, hash } = newToken();
          await w.t.admin`insert into kastell.unlock_tokens (user_id, token_hash, expires_at) values (${user.userId}, ${hash}, now() + interval '1 hour')`;
          return w.anonymous.postForm(`/unlock/${token}`, {});
        },
      },
    },
  },
};
