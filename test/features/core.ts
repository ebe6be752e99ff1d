// The shared core (app/http, app/db): idempotency keys, the request limits' counters and the language switch.
import { notReadable, type FeatureKit } from './kit.ts';

const randomKey = () => `key-${Math.random().toString(36).slice(2)}`;

export const core: FeatureKit = {
  feature: 'core',
  rls: {
    seed: async ({ admin, allUsers }) => {
      for (const user of allUsers) {
        await admin`insert into kastell.idempotency_keys (user_id, idempotency_key, request_hash) values (${user.userId}, 'same-key', ${Buffer.alloc(32)})`;
      }
      await admin`insert into kastell.rate_limit_windows (bucket, window_start, hits) values (${Buffer.alloc(32, 7)}, now(), 1)`;
    },
    cases: (w) => ({
      reads: {
        // counted only through app.count_requests() (SECURITY DEFINER); no role reads or writes it
        rate_limit_windows: notReadable(w, 'rate_limit_windows'),
        idempotency_keys: {
          read: async (role) => (await w.as(role, (tx) => tx`select user_id from idempotency_keys order by 1`)).map((r) => r.user_id),
          expect: (role) => [w.users[role].userId],
          noRowsWithoutPrincipal: true,
        },
      },
      writes: [
        { name: 'claim an idempotency key for oneself', work: (tx) => tx`insert into idempotency_keys (user_id, idempotency_key, request_hash) values (app.current_user_id(), ${randomKey()}, ${Buffer.alloc(32)}) returning 1`, allowed: w.roles },
        { name: "claim an idempotency key in B admin's name", work: (tx) => tx`insert into idempotency_keys (user_id, idempotency_key, request_hash) values (${w.world.adminOfB.userId}, ${randomKey()}, ${Buffer.alloc(32)}) returning 1`, allowed: [] },
        { name: "release B admin's idempotency key", work: (tx) => tx`delete from idempotency_keys where user_id = ${w.world.adminOfB.userId} returning 1`, allowed: [], outcome: 'no rows' },
      ],
    }),
  },
  audit: {
    exempt: { 'POST /locale': 'stores the language preference in a cookie only' },
  },
};
