-- One range of the chain as a single JSON text: [[seq, link_event_id,
-- prev_hash, hash, event_id, occurred_at, actor_type, actor_id, actor_label,
-- action, entity_type, entity_id, company_id, outcome, ip_hmac,
-- user_agent_hmac, request_id, detail], …] in seq order, hashes as hex, a
-- missing event as nulls. Verification fetches ranges independently (so
-- several can be in flight) and hands the text to worker threads as it is.
create function audit.chain_range_json(p_after_seq bigint, p_through_seq bigint) returns text
language sql stable security definer
set search_path = ''
as $$
  select coalesce(pg_catalog.json_agg(pg_catalog.json_build_array(
           c.seq, c.event_id, pg_catalog.encode(c.prev_hash, 'hex'), pg_catalog.encode(c.hash, 'hex'), e.event_id,
           pg_catalog.to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           e.actor_type, e.actor_id, e.actor_label, e.action, e.entity_type, e.entity_id, e.company_id, e.outcome,
           pg_catalog.encode(e.ip_hmac, 'hex'), pg_catalog.encode(e.user_agent_hmac, 'hex'), e.request_id, e.detail)
         order by c.seq)::text, '[]')
  from audit.chain c
  left join audit.events e on e.event_id = c.event_id and e.occurred_at = c.event_occurred_at
  where c.seq > p_after_seq and c.seq <= p_through_seq
$$;
alter function audit.chain_range_json(bigint, bigint) owner to kastell_audit;
revoke execute on function audit.chain_range_json(bigint, bigint) from public;
grant execute on function audit.chain_range_json(bigint, bigint) to kastell_app;
