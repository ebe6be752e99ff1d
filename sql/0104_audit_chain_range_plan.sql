-- Verification reads audit.chain_range as plain rows, one range per query,
-- in worker threads with their own connections — not with COPY as 0103
-- said: postgres.js can leave a connection's socket paused after a COPY
-- stream (porsager/postgres#499), which hung verification of chains longer
-- than one range.
comment on function audit.chain_range(bigint, bigint) is
  'One range of the audit chain, every value in the text form of the canonical encoding; kastell audit verify reads one range per query.';

-- Each link finds its event through the event's primary key. Left to itself
-- the planner hash-joins a range against every stored event: each range
-- then reads the whole events table, and verifying the chain grows with the
-- square of its length. Ranges run several at once, so no parallel workers.
alter function audit.chain_range(bigint, bigint)
  set enable_hashjoin = off
  set enable_mergejoin = off
  set max_parallel_workers_per_gather = 0;

-- The same join for the daily export's pages.
alter function audit.chain_slice(bigint, integer)
  set enable_hashjoin = off
  set enable_mergejoin = off;
