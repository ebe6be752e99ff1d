-- Verification reads audit.chain_range as one JSON array per range
-- (json_agg in the query), not with COPY as 0103 said: postgres.js can leave
-- a connection's socket paused after a COPY stream (porsager/postgres#499),
-- which hung verification of chains longer than one range.
comment on function audit.chain_range(bigint, bigint) is
  'One range of the audit chain, every value in the text form of the canonical encoding; kastell audit verify reads it as json_agg per range.';
