-- Only Kastell writes history (issue 15, part 7). A database superuser could
-- insert an event, append a correctly hashed link, or rewrite and rehash the
-- links above the latest checkpoint: the hash chain alone cannot tell, since
-- anyone can compute SHA-256. Now
--   * every event carries an Ed25519 signature made by the writing
--     application with the audit event key (outside the database), and the
--     key's id: audit.append_signed() is the application's only way in;
--   * every link carries an HMAC-SHA-256 seal made by the sequencer with a
--     key derived from the same key, over seq, previous hash, hash and the
--     time it was chained; the sequencer seals a link only when its event's
--     signature verifies;
--   * links chained before this migration carry neither: how far that
--     unsigned stretch reaches is recorded here and in every signed
--     checkpoint from now on.

alter table audit.events
  add column key_id text check (key_id ~ '^[0-9a-f]{16}$'),
  add column signature bytea check (length(signature) = 64);
alter table audit.chain
  add column key_id text check (key_id ~ '^[0-9a-f]{16}$'),
  add column mac bytea check (length(mac) = 32);

-- Every link up to this seq was chained (or is still to be chained) from an
-- event written before signatures existed.
create table audit.signing_start (
  unsigned_through bigint not null check (unsigned_through >= 0),
  created_at timestamptz not null default now()
);
revoke all on audit.signing_start from public;
grant select, insert on audit.signing_start to kastell_audit;
alter table audit.signing_start enable row level security;
alter table audit.signing_start force row level security;
create policy audit_writer on audit.signing_start for all to kastell_audit using (true) with check (true);
create trigger signing_start_append_only before update or delete on audit.signing_start
  for each row execute function audit.refuse_change();
create trigger signing_start_no_truncate before truncate on audit.signing_start
  for each statement execute function audit.refuse_change();
insert into audit.signing_start (unsigned_through)
select coalesce((select max(seq) from audit.chain), (select max(dropped_through_seq) from audit.retention_log), 0)
     + (select count(*) from audit.events e where not exists (select 1 from audit.chain c where c.event_id = e.event_id));

create function audit.unsigned_through() returns bigint
language sql stable security definer
set search_path = ''
as $$
  select coalesce(min(unsigned_through), 0) from audit.signing_start
$$;

-- Append one signed event in the caller's transaction. The application
-- chooses the event's id and time: the signature covers both.
create function audit.append_signed(
  p_event_id uuid, p_occurred_at timestamptz,
  p_actor_type text, p_actor_id uuid, p_actor_label text, p_action text,
  p_entity_type text, p_entity_id text, p_company_id uuid, p_outcome text,
  p_ip_hmac bytea, p_user_agent_hmac bytea, p_request_id uuid, p_detail jsonb,
  p_key_id text, p_signature bytea)
returns uuid
language sql volatile security definer
set search_path = ''
as $$
  insert into audit.events (event_id, occurred_at, actor_type, actor_id, actor_label, action, entity_type, entity_id,
                            company_id, outcome, ip_hmac, user_agent_hmac, request_id, detail, key_id, signature)
  values (p_event_id, p_occurred_at, p_actor_type, p_actor_id, p_actor_label, p_action, p_entity_type, p_entity_id,
          p_company_id, p_outcome, p_ip_hmac, p_user_agent_hmac, p_request_id, coalesce(p_detail, '{}'::jsonb),
          p_key_id, p_signature)
  returning event_id
$$;

-- The unsigned form stays for the superuser's own use, not the application's.
revoke execute on function audit.append(text, uuid, text, text, text, text, uuid, text, bytea, bytea, uuid, jsonb) from kastell_app;

-- The sequencer's input, now with each event's key id and signature.
drop function audit.pending_events(xid8, bigint, integer);
create function audit.pending_events(p_after_txid xid8, p_after_ingest bigint, p_limit integer)
returns table (event_id uuid, ingest_seq bigint, txid xid8, occurred_at timestamptz, occurred_at_text text,
               actor_type text, actor_id uuid, actor_label text, action text, entity_type text, entity_id text,
               company_id uuid, outcome text, ip_hmac bytea, user_agent_hmac bytea, request_id uuid, detail jsonb,
               key_id text, signature bytea)
language sql stable security definer
set search_path = ''
as $$
  select e.event_id, e.ingest_seq, e.txid, e.occurred_at,
         pg_catalog.to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         e.actor_type, e.actor_id, e.actor_label, e.action, e.entity_type, e.entity_id,
         e.company_id, e.outcome, e.ip_hmac, e.user_agent_hmac, e.request_id, e.detail, e.key_id, e.signature
  from audit.events e
  where (e.txid, e.ingest_seq) > (p_after_txid, p_after_ingest)
    and e.txid < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())
    and not exists (select 1 from audit.chain c where c.event_id = e.event_id)
  order by e.txid, e.ingest_seq
  limit p_limit
$$;

-- Links now come with their seal (key id and MAC; NULL for a link whose
-- event did not verify) and the time the sequencer chained them, which the
-- seal covers.
drop function audit.append_links(bigint[], uuid[], timestamptz[], xid8[], bytea[], bytea[]);
create function audit.append_links(p_seqs bigint[], p_event_ids uuid[], p_occurred timestamptz[],
                                   p_txids xid8[], p_prev bytea[], p_hashes bytea[],
                                   p_key_ids text[], p_macs bytea[], p_chained_at timestamptz)
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
  insert into audit.chain (seq, event_id, event_occurred_at, txid, prev_hash, hash, key_id, mac, chained_at)
  select u.seq, u.event_id, u.occurred, u.txid, u.prev, u.hash, u.key_id, u.mac, p_chained_at
  from unnest(p_seqs, p_event_ids, p_occurred, p_txids, p_prev, p_hashes, p_key_ids, p_macs)
    as u(seq, event_id, occurred, txid, prev, hash, key_id, mac);
  return pg_catalog.array_length(p_seqs, 1);
end
$$;

drop function audit.chain_slice(bigint, integer);
create function audit.chain_slice(p_after_seq bigint, p_limit integer)
returns table (seq bigint, link_event_id uuid, prev_hash bytea, hash bytea, chained_at timestamptz,
               event_id uuid, occurred_at_text text, actor_type text, actor_id uuid, actor_label text,
               action text, entity_type text, entity_id text, company_id uuid, outcome text,
               ip_hmac bytea, user_agent_hmac bytea, request_id uuid, detail jsonb,
               key_id text, signature bytea, link_key_id text, mac bytea, chained_at_text text)
language sql stable security definer
set search_path = ''
set enable_hashjoin = off
set enable_mergejoin = off
as $$
  select c.seq, c.event_id, c.prev_hash, c.hash, c.chained_at,
         e.event_id, pg_catalog.to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         e.actor_type, e.actor_id, e.actor_label, e.action, e.entity_type, e.entity_id,
         e.company_id, e.outcome, e.ip_hmac, e.user_agent_hmac, e.request_id, e.detail,
         e.key_id, e.signature, c.key_id, c.mac,
         pg_catalog.to_char(c.chained_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  from audit.chain c
  left join audit.events e on e.event_id = c.event_id and e.occurred_at = c.event_occurred_at
  where c.seq > p_after_seq
  order by c.seq
  limit p_limit
$$;

drop function audit.chain_range(bigint, bigint);
create function audit.chain_range(p_after_seq bigint, p_through_seq bigint)
returns table (seq bigint, link_event_id uuid, prev_hash text, hash text, event_id uuid, occurred_at text,
               actor_type text, actor_id uuid, actor_label text, action text, entity_type text, entity_id text,
               company_id uuid, outcome text, ip_hmac text, user_agent_hmac text, request_id uuid, detail jsonb,
               key_id text, signature text, link_key_id text, mac text, chained_at text)
language sql stable security definer
set search_path = ''
set enable_hashjoin = off
set enable_mergejoin = off
set max_parallel_workers_per_gather = 0
as $$
  select c.seq, c.event_id, pg_catalog.encode(c.prev_hash, 'hex'), pg_catalog.encode(c.hash, 'hex'), e.event_id,
         pg_catalog.to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         e.actor_type, e.actor_id, e.actor_label, e.action, e.entity_type, e.entity_id, e.company_id, e.outcome,
         pg_catalog.encode(e.ip_hmac, 'hex'), pg_catalog.encode(e.user_agent_hmac, 'hex'), e.request_id, e.detail,
         e.key_id, pg_catalog.encode(e.signature, 'hex'), c.key_id, pg_catalog.encode(c.mac, 'hex'),
         pg_catalog.to_char(c.chained_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  from audit.chain c
  left join audit.events e on e.event_id = c.event_id and e.occurred_at = c.event_occurred_at
  where c.seq > p_after_seq and c.seq <= p_through_seq
  order by c.seq
$$;
comment on function audit.chain_range(bigint, bigint) is
  'One range of the audit chain, every value in the text form of the canonical encoding; kastell audit verify reads one range per query.';

-- Retention records its removal as a signed event too: the application
-- asks what a month holds, signs the event, and the drop checks that the
-- event says exactly that.
create function audit.expired_month_links(p_month date)
returns table (first_seq bigint, last_seq bigint, links bigint)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if pg_catalog.to_regclass('audit.chain_' || pg_catalog.to_char(p_month, 'YYYY_MM')) is null then
    raise exception 'no audit partitions for %', pg_catalog.to_char(p_month, 'YYYY-MM') using errcode = 'P0002';
  end if;
  return query execute pg_catalog.format('select min(seq), max(seq), count(*) from audit.%I', 'chain_' || pg_catalog.to_char(p_month, 'YYYY_MM'));
end
$$;

drop function audit.drop_expired_month(date);
create function audit.drop_expired_month(p_month date, p_event_id uuid, p_occurred_at timestamptz, p_detail jsonb,
                                         p_key_id text, p_signature bytea) returns bigint
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  v_suffix text := pg_catalog.to_char(p_month, 'YYYY_MM');
  v_events text := 'events_' || v_suffix;
  v_chain text := 'chain_' || v_suffix;
  v_first bigint;
  v_last bigint;
  v_links bigint;
  v_hash bytea;
  v_retained bigint;
  v_uncovered bigint;
begin
  if p_month <> pg_catalog.date_trunc('month', p_month)::date then
    raise exception 'give the first day of a month, not %', p_month using errcode = '22023';
  end if;
  if (p_month + interval '1 month') > pg_catalog.now() - interval '7 years' then
    raise exception 'audit month % is inside the 7-year retention period', pg_catalog.to_char(p_month, 'YYYY-MM') using errcode = '55000';
  end if;
  if pg_catalog.to_regclass('audit.' || v_events) is null or pg_catalog.to_regclass('audit.' || v_chain) is null then
    raise exception 'no audit partitions for %', pg_catalog.to_char(p_month, 'YYYY-MM') using errcode = 'P0002';
  end if;
  execute pg_catalog.format('select min(seq), max(seq), count(*) from audit.%I', v_chain) into v_first, v_last, v_links;
  if p_detail is distinct from pg_catalog.jsonb_build_object('first_seq', v_first, 'last_seq', v_last, 'links', v_links) then
    raise exception 'the retention event does not describe audit month % (links % to %, % links)', pg_catalog.to_char(p_month, 'YYYY-MM'), v_first, v_last, v_links
      using errcode = '22023';
  end if;
  if v_links > 0 then
    select coalesce(max(r.dropped_through_seq), 0) into v_retained from audit.retention_log r;
    if v_first <> v_retained + 1 or v_last - v_first + 1 <> v_links
       or exists (select 1 from audit.chain c where c.seq <= v_last and (c.event_occurred_at < p_month or c.event_occurred_at >= p_month + interval '1 month')) then
      raise exception 'the links of % are not the oldest unbroken part of the chain (links % to %)', pg_catalog.to_char(p_month, 'YYYY-MM'), v_first, v_last
        using errcode = '55000';
    end if;
    select count(*) into v_uncovered from pg_catalog.generate_series(v_first, v_last) s(seq)
    where not exists (select 1 from audit.exports x where x.verified and s.seq between x.first_seq and x.last_seq);
    if v_uncovered > 0 then
      raise exception '% links of % are in no verified export: export them first', v_uncovered, pg_catalog.to_char(p_month, 'YYYY-MM')
        using errcode = '55000';
    end if;
    execute pg_catalog.format('select hash from audit.%I where seq = $1', v_chain) into v_hash using v_last;
    insert into audit.retention_log (month, dropped_through_seq, dropped_through_hash) values (p_month, v_last, v_hash);
  end if;
  perform audit.append_signed(p_event_id, p_occurred_at, 'system', null, 'retention', 'audit.retention.dropped', 'audit_month',
    pg_catalog.to_char(p_month, 'YYYY-MM'), null, 'success', null, null, null, p_detail, p_key_id, p_signature);
  execute pg_catalog.format('alter table audit.events detach partition audit.%I', v_events);
  execute pg_catalog.format('alter table audit.chain detach partition audit.%I', v_chain);
  execute pg_catalog.format('drop table audit.%I', v_events);
  execute pg_catalog.format('drop table audit.%I', v_chain);
  return v_links;
end
$$;
alter function audit.drop_expired_month(date, uuid, timestamptz, jsonb, text, bytea) owner to kastell_owner;
revoke execute on function audit.drop_expired_month(date, uuid, timestamptz, jsonb, text, bytea) from public;
grant execute on function audit.drop_expired_month(date, uuid, timestamptz, jsonb, text, bytea) to kastell_app;

do $$
declare f text;
begin
  foreach f in array array[
    'audit.unsigned_through()',
    'audit.append_signed(uuid, timestamptz, text, uuid, text, text, text, text, uuid, text, bytea, bytea, uuid, jsonb, text, bytea)',
    'audit.pending_events(xid8, bigint, integer)',
    'audit.append_links(bigint[], uuid[], timestamptz[], xid8[], bytea[], bytea[], text[], bytea[], timestamptz)',
    'audit.chain_slice(bigint, integer)',
    'audit.chain_range(bigint, bigint)'] loop
    execute 'alter function ' || f || ' owner to kastell_audit';
    execute 'revoke execute on function ' || f || ' from public';
    execute 'grant execute on function ' || f || ' to kastell_app';
  end loop;
end
$$;
alter function audit.expired_month_links(date) owner to kastell_owner;
revoke execute on function audit.expired_month_links(date) from public;
grant execute on function audit.expired_month_links(date) to kastell_app;
