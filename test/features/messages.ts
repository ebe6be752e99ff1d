// app/messages: messages on a job between the customer and the operator, and internal notes only the operator's
// side (and the job's technicians) read — the customer's read policy leaves them out; read marks per user and job.
import { customerRoles, created, rolledBack, type FeatureKit, type RoleKey } from './kit.ts';

/** The RLS world's jobs (the jobs kit's): jobA in A (assigned to users.technician), jobB in B. */
const seeded = { jobA: '', jobB: '' };

export const messages: FeatureKit = {
  feature: 'messages',
  rls: {
    // in A a customer's message and an internal note of the dispatcher, in B a message; the member of A has read jobA
    seed: async ({ admin, users, world }) => {
      const jobOf = async (title: string) => (await admin`select job_id from kastell.jobs where title = ${title}`)[0]!.job_id as string;
      seeded.jobA = await jobOf('Repair pump');
      seeded.jobB = await jobOf('Beta repair');
      await admin`insert into kastell.job_messages (job_id, company_id, body, author_id, author_side) values
        (${seeded.jobA}, ${world.A}, 'Alpha question', ${users.customer_member.userId}, 'customer'),
        (${seeded.jobB}, ${world.B}, 'Beta question', ${world.adminOfB.userId}, 'customer')`;
      await admin`insert into kastell.job_messages (job_id, company_id, body, author_id, author_side, internal)
        values (${seeded.jobA}, ${world.A}, 'Alpha note', ${users.dispatcher.userId}, 'operator', true)`;
      await admin`insert into kastell.job_message_reads (user_id, job_id, company_id, read_up_to) values
        (${users.customer_member.userId}, ${seeded.jobA}, ${world.A}, now()), (${world.adminOfB.userId}, ${seeded.jobB}, ${world.B}, now())`;
    },
    cases: (w) => {
      const { as, world, globalReaders, roles } = w;
      const { A, B } = world;
      const { jobA, jobB } = seeded;
      const isCustomer = (role: RoleKey) => (customerRoles as readonly string[]).includes(role);
      const seesJobA = (role: RoleKey) => globalReaders.includes(role) || role === 'technician' || isCustomer(role);
      return {
        reads: {
          // global readers both companies and the note; the technician A's with the note; customers A's without it
          job_messages: {
            read: async (role) => as(role, async (tx) => ({
              companies: (await tx`select distinct company_id from job_messages order by 1`).map((r) => r.company_id),
              notes: (await tx`select count(*)::int as n from job_messages where internal`)[0]!.n,
            })),
            expect: (role) => globalReaders.includes(role) ? { companies: [A, B].sort(), notes: 1 }
              : role === 'technician' ? { companies: [A], notes: 1 }
                : isCustomer(role) ? { companies: [A], notes: 0 } : { companies: [], notes: 0 },
            noRowsWithoutPrincipal: true,
          },
          // each user their own read marks only
          job_message_reads: {
            read: async (role) => (await as(role, (tx) => tx`select count(*)::int as n from job_message_reads`))[0]!.n,
            expect: (role) => (role === 'customer_member' ? 1 : 0),
            noRowsWithoutPrincipal: true,
          },
        },
        writes: [
          { name: 'write on the job of A', work: rolledBack((tx) => tx`insert into job_messages (job_id, company_id, body) values (${jobA}, ${A}, 'M') returning 1`),
            allowed: ['owner', 'admin', 'dispatcher', 'support', 'technician', 'customer_admin', 'customer_member'] },
          { name: 'write an internal note on the job of A', work: rolledBack((tx) => tx`insert into job_messages (job_id, company_id, body, internal) values (${jobA}, ${A}, 'N', true) returning 1`),
            allowed: ['owner', 'admin', 'dispatcher', 'support', 'technician'] },
          { name: 'write on the job of B', work: rolledBack((tx) => tx`insert into job_messages (job_id, company_id, body) values (${jobB}, ${B}, 'M') returning 1`),
            allowed: ['owner', 'admin', 'dispatcher', 'support'] },
          { name: 'change a message', work: (tx) => tx`update job_messages set body = 'forged' returning 1`, allowed: [] },
          { name: 'delete a message', work: (tx) => tx`delete from job_messages returning 1`, allowed: [] },
          { name: 'mark the job of A read', allowed: roles.filter(seesJobA),
            work: rolledBack((tx) => tx`insert into job_message_reads (job_id, company_id, read_up_to) values (${jobA}, ${A}, now())
              on conflict (user_id, job_id) do update set read_up_to = excluded.read_up_to returning 1`) },
          { name: 'mark the job of B read', allowed: globalReaders,
            work: rolledBack((tx) => tx`insert into job_message_reads (job_id, company_id, read_up_to) values (${jobB}, ${B}, now())
              on conflict (user_id, job_id) do update set read_up_to = excluded.read_up_to returning 1`) },
          { name: "move B admin's read mark", work: (tx) => tx`update job_message_reads set read_up_to = now() where user_id = ${world.adminOfB.userId} returning 1`,
            allowed: [], outcome: 'no rows' },
        ],
      };
    },
  },
  isolation: {
    bodies: {
      'post /jobs/:jobId/messages': { body: () => ({ body: 'Isolation message' }) },
    },
    // a message on the company's job (the jobs kit's)
    ids: async (admin, { companyId, userId }) => {
      const [job] = await admin`select job_id from kastell.jobs where company_id = ${companyId} order by job_id limit 1`;
      await admin`insert into kastell.job_messages (job_id, company_id, body, author_id, author_side)
        values (${job!.job_id}, ${companyId}, 'Company message', ${userId}, 'customer')`;
      return {};
    },
    pages: (ids) => ({
      writes: [[`/jobs/${ids.jobId}/messages`, { body: 'Pwned' }], [`/jobs/${ids.jobId}/messages`, { body: '' }]],
    }),
    unchanged: {
      read: async (admin, ids) => (await admin`select body from kastell.job_messages where company_id = ${ids.companyId!}`).map((r) => r.body),
      expect: ['Company message'],
    },
  },
  audit: {
    // on the jobs kit's job, as the owner
    scenarios: {
      'POST /api/v1/jobs/:jobId/messages': {
        action: 'message.posted',
        run: async (w) => {
          const r = await w.owner.postJson(`/api/v1/jobs/${w.ids.job}/messages`, { body: 'When can you come?' });
          w.ids.message = created(r, 'messageId');
          return r;
        },
      },
      'POST /jobs/:jobId/messages': {
        action: 'message.note_added',
        run: (w) => w.owner.postForm(`/jobs/${w.ids.job}/messages`, { body: 'Customer prefers mornings', internal: '1' }),
      },
    },
    exempt: {
      'POST /api/v1/jobs/:jobId/messages/read': "moves the caller's own read mark; no business data changes",
    },
  },
};
