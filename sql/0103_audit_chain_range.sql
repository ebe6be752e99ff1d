-- One range of the chain with every value already in the text form the
-- canonical encoding uses (hashes hex, event time with microseconds, detail
-- as JSON text), a missing event as NULLs. Verification reads ranges with
-- COPY (select * from audit.chain_range(a, b)) TO STDOUT — PostgreSQL's
-- cheapest way to hand rows out — several ranges in flight, and worker
-- threads hash them.
create function audit.chain_range(p_after_seq bigint, p_through_seq bigint)
returns table (seq bigint, link_event_id uuid, prev_hash text, hash text, event_id uuid, occurred_at text,
               actor_type text, actor_id uuid, actor_label text, action text, entity_type text, entity_id text,
               company_id uuid, outcome text, ip_hmac text, user_agent_hmac text, request_id uuid, detail jsonb)
language sql stable security definer
set search_path = ''
as $$
  select c.seq, c.event_id, pg_catalog.encode(c.prev_hash, 'hex'), pg_catalog.encode(c.hash, 'hex'), e.event_id,
         pg_catalog.to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         e.actor_type, e.actor_id, e.actor_label, e.action, e.entity_type, e.entity_id, e.company_id, e.outcome,
         pg_catalog.encode(e.ip_hmac, 'hex'), pg_catalog.encode(e.user_agent_hmac, 'hex'), e.request_id, e.detail
  from audit.chain c
  left join audit.events e on e.event_id = c.event_id and e.occurred_at = c.event_occurred_at
  where c.seq > p_after_seq and c.seq <= p_through_seq
  order by c.seq
$$;
alter function audit.chain_range(bigint, bigint) owner to kastell_audit;
revoke execute on function audit.chain_range(bigint, bigint) from public;
grant execute on function audit.chain_range(bigint, bigint) to kastell_app;
