-- The audit trail: append-only events, a SHA-256 hash chain added by a
-- single sequencer in batches (writers are never serialised), signed
-- checkpoints, daily exports, verification results, and retention.
--
-- kastell_audit (NOLOGIN) owns the SECURITY DEFINER functions and is the
-- only role with INSERT; no role has UPDATE, DELETE or TRUNCATE, and
-- triggers refuse all three for everyone, the superuser included.

create schema audit;
revoke all on schema audit from public;
grant usage on schema audit to kastell_app, kastell_audit;
grant create on schema audit to kastell_audit;
alter default privileges in schema audit revoke execute on functions from public;

create sequence audit.events_ingest_seq;
grant usage on sequence audit.events_ingest_seq to kastell_audit;

create table audit.events (
  event_id uuid not null default app.uuidv7(),
  -- insertion order within a transaction; the chain orders by (txid, ingest_seq)
  ingest_seq bigint not null default nextval('audit.events_ingest_seq'),
  -- the writing transaction: once it is older than every running one, its
  -- events are final (committed or gone) and can be chained
  txid xid8 not null default pg_current_xact_id(),
  occurred_at timestamptz not null default now(),
  actor_type text not null check (actor_type in ('user', 'system', 'anonymous')),
  actor_id uuid,
  actor_label text check (length(actor_label) <= 100),
  action text not null check (action ~ '^[a-z_]+(\.[a-z_]+)+$' and length(action) <= 100),
  entity_type text check (entity_type ~ '^[a-z_]+$'),
  entity_id text check (length(entity_id) <= 100),
  company_id uuid,
  outcome text not null check (outcome in ('success', 'failure', 'denied')),
  ip_hmac bytea check (length(ip_hmac) = 32),
  user_agent_hmac bytea check (length(user_agent_hmac) = 32),
  request_id uuid,
  detail jsonb not null default '{}' check (jsonb_typeof(detail) = 'object' and pg_column_size(detail) <= 4096),
  primary key (event_id, occurred_at)
) partition by range (occurred_at);
create index events_txid_idx on audit.events (txid, ingest_seq);
create index events_occurred_at_idx on audit.events (occurred_at);
create index events_company_idx on audit.events (company_id, occurred_at);
create index events_actor_idx on audit.events (actor_id, occurred_at);

-- One link per chained event, partitioned by the event's month so a month
-- of events and its links leave together under retention.
create table audit.chain (
  seq bigint not null check (seq > 0),
  event_id uuid not null,
  event_occurred_at timestamptz not null,
  txid xid8 not null,
  prev_hash bytea not null check (length(prev_hash) = 32),
  hash bytea not null check (length(hash) = 32),
  chained_at timestamptz not null default now(),
  primary key (seq, event_occurred_at)
) partition by range (event_occurred_at);
create index chain_event_id_idx on audit.chain (event_id);
create index chain_txid_idx on audit.chain (txid);
create index chain_chained_at_idx on audit.chain (chained_at);

create table audit.checkpoints (
  checkpoint_id uuid primary key default app.uuidv7(),
  seq bigint not null,
  hash bytea not null check (length(hash) = 32),
  statement text not null,     -- the exact signed text
  signature text not null,     -- OpenPGP detached signature (armored)
  created_at timestamptz not null default now()
);
create index checkpoints_created_at_idx on audit.checkpoints (created_at desc);

create table audit.exports (
  export_id uuid primary key default app.uuidv7(),
  day date not null,
  first_seq bigint,
  last_seq bigint,
  event_count bigint not null,
  target text not null,
  manifest_sha256 bytea not null,
  verified boolean not null,
  created_at timestamptz not null default now()
);
create index exports_day_idx on audit.exports (day);

create table audit.verifications (
  verification_id uuid primary key default app.uuidv7(),
  ok boolean not null,
  checked_links bigint not null,
  head_seq bigint,
  first_bad_seq bigint,
  problem text,
  duration_ms integer not null,
  started_at timestamptz not null,
  created_at timestamptz not null default now()
);

-- What retention removed: verification resumes after dropped_through_seq,
-- whose hash the next remaining link must carry as prev_hash.
create table audit.retention_log (
  retention_id uuid primary key default app.uuidv7(),
  month date not null,
  dropped_through_seq bigint not null,
  dropped_through_hash bytea not null,
  created_at timestamptz not null default now()
);

-- Append-only, for everyone.
create function audit.refuse_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'audit records are append-only: % on audit.% refused', tg_op, tg_table_name
    using errcode = '42501';
end
$$;

create trigger events_append_only before update or delete on audit.events
  for each row execute function audit.refuse_change();
create trigger chain_append_only before update or delete on audit.chain
  for each row execute function audit.refuse_change();
create trigger events_no_truncate before truncate on audit.events
  for each statement execute function audit.refuse_change();
create trigger chain_no_truncate before truncate on audit.chain
  for each statement execute function audit.refuse_change();
do $$
declare t text;
begin
  foreach t in array array['checkpoints', 'exports', 'verifications', 'retention_log'] loop
    execute format('create trigger %I before update or delete on audit.%I for each row execute function audit.refuse_change()', t || '_append_only', t);
    execute format('create trigger %I before truncate on audit.%I for each statement execute function audit.refuse_change()', t || '_no_truncate', t);
  end loop;
end
$$;

-- Monthly partitions (and a default one, so an append never fails for want
-- of a partition). TRUNCATE triggers are per table: each partition gets one.
create function audit.ensure_partitions(p_months_ahead integer) returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  m date;
  created integer := 0;
  t text;
begin
  for i in 0..p_months_ahead loop
    m := (pg_catalog.date_trunc('month', pg_catalog.now()) + pg_catalog.make_interval(months => i))::date;
    foreach t in array array['events', 'chain'] loop
      if pg_catalog.to_regclass(pg_catalog.format('audit.%s_%s', t, pg_catalog.to_char(m, 'YYYY_MM'))) is null then
        execute pg_catalog.format('create table audit.%I partition of audit.%I for values from (%L) to (%L)',
          t || '_' || pg_catalog.to_char(m, 'YYYY_MM'), t, m, (m + interval '1 month')::date);
        execute pg_catalog.format('create trigger no_truncate before truncate on audit.%I for each statement execute function audit.refuse_change()',
          t || '_' || pg_catalog.to_char(m, 'YYYY_MM'));
        execute pg_catalog.format('alter table audit.%I enable row level security', t || '_' || pg_catalog.to_char(m, 'YYYY_MM'));
        execute pg_catalog.format('alter table audit.%I force row level security', t || '_' || pg_catalog.to_char(m, 'YYYY_MM'));
        execute pg_catalog.format('create policy read_through_parent on audit.%I for select to kastell_audit using (true)', t || '_' || pg_catalog.to_char(m, 'YYYY_MM'));
        created := created + 1;
      end if;
    end loop;
  end loop;
  return created;
end
$$;

create table audit.events_default partition of audit.events default;
create table audit.chain_default partition of audit.chain default;
create trigger no_truncate before truncate on audit.events_default for each statement execute function audit.refuse_change();
create trigger no_truncate before truncate on audit.chain_default for each statement execute function audit.refuse_change();

-- Grants and policies: the app reads through RLS (audit viewer, access log);
-- it writes only through the functions below.
do $$
declare t text;
begin
  foreach t in array array['events', 'chain', 'checkpoints', 'exports', 'verifications', 'retention_log',
                           'events_default', 'chain_default'] loop
    execute format('revoke all on audit.%I from public', t);
    execute format('grant select, insert on audit.%I to kastell_audit', t);
    execute format('alter table audit.%I enable row level security', t);
    execute format('alter table audit.%I force row level security', t);
    execute format('create policy audit_writer on audit.%I for all to kastell_audit using (true) with check (true)', t);
  end loop;
end
$$;
grant select on audit.events, audit.checkpoints, audit.verifications, audit.exports to kastell_app;
-- Security officers read everything; a customer admin reads the access events of their own company.
create policy events_read on audit.events for select to kastell_app
  using ((select app.has_global('audit.read'))
         or (company_id = (select app.company_scope('access_log.read'))
             and action in ('document.read', 'document.download', 'share_link.accessed', 'company.read')));
create policy checkpoints_read on audit.checkpoints for select to kastell_app using (true);
create policy verifications_read on audit.verifications for select to kastell_app
  using ((select app.has_global('audit.read')) or (select app.has_global('evidence.read')));
create policy exports_read on audit.exports for select to kastell_app
  using ((select app.has_global('audit.read')) or (select app.has_global('audit.export')));

-- Append one event in the caller's transaction.
create function audit.append(
  p_actor_type text, p_actor_id uuid, p_actor_label text, p_action text,
  p_entity_type text, p_entity_id text, p_company_id uuid, p_outcome text,
  p_ip_hmac bytea, p_user_agent_hmac bytea, p_request_id uuid, p_detail jsonb)
returns uuid
language sql volatile security definer
set search_path = ''
as $$
  insert into audit.events (actor_type, actor_id, actor_label, action, entity_type, entity_id, company_id,
                            outcome, ip_hmac, user_agent_hmac, request_id, detail)
  values (p_actor_type, p_actor_id, p_actor_label, p_action, p_entity_type, p_entity_id, p_company_id,
          p_outcome, p_ip_hmac, p_user_agent_hmac, p_request_id, coalesce(p_detail, '{}'::jsonb))
  returning event_id
$$;

-- The sequencer's input: final, unchained events after a (txid, ingest_seq)
-- position, in chain order. Events of transactions still running are not
-- final yet and wait for a later batch.
create function audit.pending_events(p_after_txid xid8, p_after_ingest bigint, p_limit integer)
returns table (event_id uuid, ingest_seq bigint, txid xid8, occurred_at timestamptz, occurred_at_text text,
               actor_type text, actor_id uuid, actor_label text, action text, entity_type text, entity_id text,
               company_id uuid, outcome text, ip_hmac bytea, user_agent_hmac bytea, request_id uuid, detail jsonb)
language sql stable security definer
set search_path = ''
as $$
  select e.event_id, e.ingest_seq, e.txid, e.occurred_at,
         pg_catalog.to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         e.actor_type, e.actor_id, e.actor_label, e.action, e.entity_type, e.entity_id,
         e.company_id, e.outcome, e.ip_hmac, e.user_agent_hmac, e.request_id, e.detail
  from audit.events e
  where (e.txid, e.ingest_seq) > (p_after_txid, p_after_ingest)
    and e.txid < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())
    and not exists (select 1 from audit.chain c where c.event_id = e.event_id)
  order by e.txid, e.ingest_seq
  limit p_limit
$$;

-- The head of the chain: the last link, or the retention marker, or genesis.
create function audit.chain_head() returns table (seq bigint, hash bytea, txid xid8)
language sql stable security definer
set search_path = ''
as $$
  select * from (
    select c.seq, c.hash, c.txid from audit.chain c order by c.seq desc limit 1
  ) last
  union all
  select r.dropped_through_seq, r.dropped_through_hash, '0'::xid8 from audit.retention_log r
  where not exists (select 1 from audit.chain)
  union all
  select 0::bigint, pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex'), '0'::xid8
  where not exists (select 1 from audit.chain) and not exists (select 1 from audit.retention_log)
  limit 1
$$;

-- Adds a batch of links. Refuses anything that does not continue the head,
-- so the chain cannot fork even if two sequencers ever raced. (The bare
-- multi-argument UNNEST in FROM is the special form that zips arrays; a
-- schema-qualified pg_catalog.unnest(a, b, …) would be an ordinary call to a
-- function that does not exist.)
create function audit.append_links(p_seqs bigint[], p_event_ids uuid[], p_occurred timestamptz[],
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

-- Links with their events, in order, for the daily export's pages.
-- A link whose event is gone comes back with a NULL event_id column.
-- Each link finds its event through the event's primary key (see
-- audit.chain_range below for why the planner is told so).
create function audit.chain_slice(p_after_seq bigint, p_limit integer)
returns table (seq bigint, link_event_id uuid, prev_hash bytea, hash bytea, chained_at timestamptz,
               event_id uuid, occurred_at_text text, actor_type text, actor_id uuid, actor_label text,
               action text, entity_type text, entity_id text, company_id uuid, outcome text,
               ip_hmac bytea, user_agent_hmac bytea, request_id uuid, detail jsonb)
language sql stable security definer
set search_path = ''
set enable_hashjoin = off
set enable_mergejoin = off
as $$
  select c.seq, c.event_id, c.prev_hash, c.hash, c.chained_at,
         e.event_id, pg_catalog.to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         e.actor_type, e.actor_id, e.actor_label, e.action, e.entity_type, e.entity_id,
         e.company_id, e.outcome, e.ip_hmac, e.user_agent_hmac, e.request_id, e.detail
  from audit.chain c
  left join audit.events e on e.event_id = c.event_id and e.occurred_at = c.event_occurred_at
  where c.seq > p_after_seq
  order by c.seq
  limit p_limit
$$;

-- Events that should be chained by now but are not (deleted links, inserted events).
create function audit.unchained_before(p_before timestamptz)
returns table (event_id uuid, occurred_at timestamptz, action text)
language sql stable security definer
set search_path = ''
as $$
  select e.event_id, e.occurred_at, e.action from audit.events e
  where e.occurred_at < p_before
    and not exists (select 1 from audit.chain c where c.event_id = e.event_id)
  order by e.occurred_at
  limit 10
$$;

create function audit.chain_stats()
returns table (links bigint, first_seq bigint, last_seq bigint, retained_from bigint, retained_hash bytea)
language sql stable security definer
set search_path = ''
as $$
  select (select count(*) from audit.chain), (select min(seq) from audit.chain), (select max(seq) from audit.chain),
         (select max(dropped_through_seq) from audit.retention_log),
         (select r.dropped_through_hash from audit.retention_log r order by r.dropped_through_seq desc limit 1)
$$;

-- The links chained in [p_from, p_to): a daily export covers one such range.
create function audit.seq_range(p_from timestamptz, p_to timestamptz)
returns table (first_seq bigint, last_seq bigint)
language sql stable security definer
set search_path = ''
as $$
  select min(seq), max(seq) from audit.chain where chained_at >= p_from and chained_at < p_to
$$;

create function audit.record_checkpoint(p_seq bigint, p_hash bytea, p_statement text, p_signature text) returns uuid
language sql volatile security definer
set search_path = ''
as $$
  insert into audit.checkpoints (seq, hash, statement, signature) values (p_seq, p_hash, p_statement, p_signature)
  returning checkpoint_id
$$;

create function audit.record_export(p_day date, p_first bigint, p_last bigint, p_count bigint, p_target text,
                                    p_manifest_sha256 bytea, p_verified boolean) returns uuid
language sql volatile security definer
set search_path = ''
as $$
  insert into audit.exports (day, first_seq, last_seq, event_count, target, manifest_sha256, verified)
  values (p_day, p_first, p_last, p_count, p_target, p_manifest_sha256, p_verified)
  returning export_id
$$;

create function audit.record_verification(p_ok boolean, p_checked bigint, p_head bigint, p_first_bad bigint,
                                          p_problem text, p_duration_ms integer, p_started timestamptz) returns uuid
language sql volatile security definer
set search_path = ''
as $$
  insert into audit.verifications (ok, checked_links, head_seq, first_bad_seq, problem, duration_ms, started_at)
  values (p_ok, p_checked, p_head, p_first_bad, p_problem, p_duration_ms, p_started)
  returning verification_id
$$;

create function audit.latest_checkpoint()
returns table (seq bigint, hash bytea, statement text, signature text, created_at timestamptz)
language sql stable security definer
set search_path = ''
as $$
  select seq, hash, statement, signature, created_at from audit.checkpoints order by created_at desc, seq desc limit 1
$$;

-- Who hears about a broken chain or a failed backup: the security officers.
create function app.security_officer_emails() returns setof text
language sql stable security definer
set search_path = ''
as $$
  select u.email from kastell.users u
  join kastell.memberships m on m.user_id = u.user_id
  join kastell.roles r on r.role_id = m.role_id
  where r.role_key = 'security_officer' and u.status = 'active'
$$;
alter function app.security_officer_emails() owner to kastell_auth;
grant execute on function app.security_officer_emails() to kastell_app;

alter function audit.ensure_partitions(integer) owner to kastell_owner;
do $$
declare f text;
begin
  foreach f in array array[
    'audit.append(text, uuid, text, text, text, text, uuid, text, bytea, bytea, uuid, jsonb)',
    'audit.pending_events(xid8, bigint, integer)',
    'audit.chain_head()',
    'audit.append_links(bigint[], uuid[], timestamptz[], xid8[], bytea[], bytea[])',
    'audit.chain_slice(bigint, integer)',
    'audit.unchained_before(timestamptz)',
    'audit.chain_stats()',
    'audit.seq_range(timestamptz, timestamptz)',
    'audit.record_checkpoint(bigint, bytea, text, text)',
    'audit.record_export(date, bigint, bigint, bigint, text, bytea, boolean)',
    'audit.record_verification(boolean, bigint, bigint, bigint, text, integer, timestamptz)',
    'audit.latest_checkpoint()'] loop
    execute 'alter function ' || f || ' owner to kastell_audit';
    execute 'grant execute on function ' || f || ' to kastell_app';
  end loop;
end
$$;
grant execute on function audit.ensure_partitions(integer) to kastell_app;

-- Retention (SPEC §3: seven years, monthly partitions). The only way audit
-- rows ever leave: audit.drop_expired_month() retires one month's events
-- and links together, and refuses unless
--   * the whole month lies more than seven years back,
--   * its links are the oldest part of the chain, one unbroken run of seq,
--   * every one of them is in an export that was verified when written;
-- it records where verification now starts (audit.retention_log) and the
-- removal itself as an audit event, in the same transaction as the DROP.
-- Owned by kastell_owner, which owns the partitions (audit.ensure_partitions).
create function audit.drop_expired_month(p_month date) returns bigint
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
  perform audit.append('system', null, 'retention', 'audit.retention.dropped', 'audit_month', pg_catalog.to_char(p_month, 'YYYY-MM'),
    null, 'success', null, null, null,
    pg_catalog.jsonb_build_object('first_seq', v_first, 'last_seq', v_last, 'links', v_links));
  execute pg_catalog.format('alter table audit.events detach partition audit.%I', v_events);
  execute pg_catalog.format('alter table audit.chain detach partition audit.%I', v_chain);
  execute pg_catalog.format('drop table audit.%I', v_events);
  execute pg_catalog.format('drop table audit.%I', v_chain);
  return v_links;
end
$$;
alter function audit.drop_expired_month(date) owner to kastell_owner;
revoke execute on function audit.drop_expired_month(date) from public;
grant execute on function audit.drop_expired_month(date) to kastell_app;

-- Which months have partitions (for the retention job; pg_inherits is not
-- the application's business to read).
create function audit.partition_months() returns setof date
language sql stable security definer
set search_path = ''
as $$
  select pg_catalog.to_date(pg_catalog.substr(c.relname, 8), 'YYYY_MM')
  from pg_catalog.pg_inherits i join pg_catalog.pg_class c on c.oid = i.inhrelid
  where i.inhparent = 'audit.events'::pg_catalog.regclass and c.relname ~ '^events_\d{4}_\d{2}$'
  order by 1
$$;
alter function audit.partition_months() owner to kastell_owner;
revoke execute on function audit.partition_months() from public;
grant execute on function audit.partition_months() to kastell_app;

-- One range of the chain with every value already in the text form the
-- canonical encoding uses (hashes hex, event time with microseconds, detail
-- as JSON text), a missing event as NULLs. `kastell audit verify` reads it
-- as plain rows, one range per query, several ranges in flight, in worker
-- threads with their own connections (not with COPY: postgres.js can leave
-- a connection's socket paused after a COPY stream, porsager/postgres#499).
-- Each link finds its event through the event's primary key. Left to itself
-- the planner hash-joins a range against every stored event: each range
-- then reads the whole events table, and verifying the chain grows with the
-- square of its length. Ranges run several at once, so no parallel workers.
create function audit.chain_range(p_after_seq bigint, p_through_seq bigint)
returns table (seq bigint, link_event_id uuid, prev_hash text, hash text, event_id uuid, occurred_at text,
               actor_type text, actor_id uuid, actor_label text, action text, entity_type text, entity_id text,
               company_id uuid, outcome text, ip_hmac text, user_agent_hmac text, request_id uuid, detail jsonb)
language sql stable security definer
set search_path = ''
set enable_hashjoin = off
set enable_mergejoin = off
set max_parallel_workers_per_gather = 0
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
comment on function audit.chain_range(bigint, bigint) is
  'One range of the audit chain, every value in the text form of the canonical encoding; kastell audit verify reads one range per query.';
alter function audit.chain_range(bigint, bigint) owner to kastell_audit;
revoke execute on function audit.chain_range(bigint, bigint) from public;
grant execute on function audit.chain_range(bigint, bigint) to kastell_app;

-- This month's and the next three months' partitions.
select audit.ensure_partitions(3);
