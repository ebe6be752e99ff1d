// app/password-reset: reset links (kastell.password_reset_tokens, reached only through sql/0017's functions).
import { newToken } from '../../app/crypto/tokens.ts';
import { seedUser } from '../harness/seed.ts';
import { notReadable, type AuditWorld, type FeatureKit } from './kit.ts';

/** A live reset link for a fresh user, as the request would store it: its token. */
async function seedResetLink(w: AuditWorld): Promise<string> {
  const user = await seedUser(w.t.admin, 'support');
  const { token, hash } = newToken();
  await w.t.admin`insert into kastell.password_reset_tokens (user_id, token_hash, expires_at) values (${user.userId}, ${hash}, now() + interval '30 minutes')`;
  return token;
}

export const passwordReset: FeatureKit = {
  feature: 'password-reset',
  rls: {
    seed: async ({ admin, world }) => {
      await admin`insert into kastell.password_reset_tokens (user_id, token_hash, expires_at) values (${world.adminOfB.userId}, ${newToken().hash}, now() + interval '30 minutes')`;
    },
    cases: (w) => ({ reads: { password_reset_tokens: notReadable(w, 'password_reset_tokens') } }),
  },
  audit: {
    scenarios: {
      // an address with an account: a request for no account is recorded as a failure (test/identity/password-reset.test.ts)
      'POST /forgot-password': { action: 'auth.password_reset.requested', run: async (w) => w.anonymous.postForm('/forgot-password', { email: (await seedUser(w.t.admin, 'support')).email }) },
      'POST /reset-password/:token': {
        action: 'auth.password_reset.completed',
        run: async (w) => w.anonymous.postForm(`/reset-password/${await seedResetLink(w)}`, { newPassword: 'eleven quiet owls in the barn' }),
      },
      'POST /api/v1/auth/password-reset': { action: 'auth.password_reset.requested', run: async (w) => w.anonymous.postJson('/api/v1/auth/password-reset', { email: (await seedUser(w.t.admin, 'support')).email }) },
      'POST /api/v1/auth/password-reset/complete': {
        action: 'auth.password_reset.completed',
        run: async (w) => w.anonymous.postJson('/api/v1/auth/password-reset/complete', { token: await seedResetLink(w), newPassword: 'twelve sleepy foxes on a hill' }),
      },
    },
  },
};
