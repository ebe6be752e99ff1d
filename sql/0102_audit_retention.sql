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
