// app/setup: the organisation and the one-time set-up link that creates its owner.
import { newToken } from '../../app/crypto/tokens.ts';
import { createSetupLink } from '../../app/setup/setup-link.ts';
import { notReadable, type FeatureKit } from './kit.ts';

export const setup: FeatureKit = {
  feature: 'setup',
  rls: {
    seed: async ({ admin }) => {
      await admin`insert into kastell.setup_tokens (token_hash, expires_at) values (${newToken().hash}, now() + interval '1 hour')`;
    },
    cases: (w) => ({
      reads: {
        organisation: {
          read: async (role) => (await w.as(role, (tx) => tx`select name from organisation`)).length,
          expect: () => 1,
        },
        setup_tokens: notReadable(w, 'setup_tokens'),
      },
      writes: [
        { name: 'change the organisation', work: (tx) => tx`update organisation set name = name returning 1`, allowed: ['owner', 'admin'] },
      ],
    }),
  },
  audit: {
    scenarios: {
      // the first scenario of all: creates the owner the later ones act as
      'POST /setup/:token': {
        action: 'owner.created',
        run: async (w) => {
          const link = await createSetupLink(w.t.db, w.config);
          return w.owner.postForm(new URL(link.url).pathname, { organisation: 'Audit AG', displayName: 'Owner', email: w.email, password: w.password });
        },
      },
    },
  },
};
