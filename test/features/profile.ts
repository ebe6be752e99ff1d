// app/profile: one's own display name and e-mail address (kastell.email_changes, reached only through sql/0017's functions).
import { newToken } from '../../app/crypto/tokens.ts';
import { seedUser } from '../harness/seed.ts';
import { notReadable, type AuditWorld, type FeatureKit } from './kit.ts';

/** A pending address change of a fresh user, as the request stores it: its token. */
async function seedEmailChange(w: AuditWorld): Promise<string> {
  const user = await seedUser(w.t.admin, 'support');
  const { token, hash } = newToken();
  await w.t.admin`insert into kastell.email_changes (user_id, new_email, token_hash, expires_at)
    values (${user.userId}, ${`moved.${user.userId}@example.test`}, ${hash}, now() + interval '24 hours')`;
  return token;
}

export const profile: FeatureKit = {
  feature: 'profile',
  rls: {
    seed: async ({ admin, world }) => {
      await admin`insert into kastell.email_changes (user_id, new_email, token_hash, expires_at)
        values (${world.adminOfB.userId}, 'new.b@example.test', ${newToken().hash}, now() + interval '24 hours')`;
    },
    cases: (w) => ({ reads: { email_changes: notReadable(w, 'email_changes') } }),
  },
  audit: {
    // the owner is in sudo mode from signing in (auth kit)
    scenarios: {
      'POST /profile/name': { action: 'user.profile_updated', run: (w) => w.owner.postForm('/profile/name', { displayName: 'Owner Renamed' }) },
      'POST /profile/email': { action: 'user.email_change_requested', run: (w) => w.owner.postForm('/profile/email', { email: 'owner.moved.page@example.test' }) },
      'POST /confirm-email/:token': { action: 'user.email_changed', run: async (w) => w.anonymous.postForm(`/confirm-email/${await seedEmailChange(w)}`, {}) },
      'PUT /api/v1/me/profile': { action: 'user.profile_updated', run: (w) => w.owner.request('PUT', '/api/v1/me/profile', { json: { displayName: 'Owner' } }) },
      'POST /api/v1/me/email': { action: 'user.email_change_requested', run: (w) => w.owner.postJson('/api/v1/me/email', { email: 'owner.moved.api@example.test' }) },
      'POST /api/v1/auth/email-confirm': { action: 'user.email_changed', run: async (w) => w.anonymous.postJson('/api/v1/auth/email-confirm', { token: await seedEmailChange(w) }) },
    },
  },
};
