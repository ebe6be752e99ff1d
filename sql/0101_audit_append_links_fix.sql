-- audit.append_links() as 0100 created it could never run: a schema-qualified
-- pg_catalog.unnest(a, b, …) is an ordinary call to a function that does not
-- exist; only the bare multi-argument UNNEST in FROM is the special form that
-- zips arrays. Until this fix no event was ever chained. Same signature,
-- owner and grants; the body is the only change.
set local role kastell_audit;
create or replace function audit.append_links(p_seqs bigint[], p_event_ids uuid[], p_occurred timestamptz[],
                                              p_txids xid8[], p_prev bytea[], p_hashes bytea[])
returns integer
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  head record;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('kastell.audit.sequencer'));
  select * into head from audit.chain_head();
  if p_seqs[1] <> head.seq + 1 or p_prev[1] <> head.hash then
    raise exception 'audit chain batch does not continue the head (head %, batch starts %)', head.seq, p_seqs[1]
      using errcode = '40001';
  end if;
  insert into audit.chain (seq, event_id, event_occurred_at, txid, prev_hash, hash)
  select u.seq, u.event_id, u.occurred, u.txid, u.prev, u.hash
  from unnest(p_seqs, p_event_ids, p_occurred, p_txids, p_prev, p_hashes) as u(seq, event_id, occurred, txid, prev, hash);
  return pg_catalog.array_length(p_seqs, 1);
end
$$;
set local role kastell_owner;
