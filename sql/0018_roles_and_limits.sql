-- Request limits shared by every Kastell process on this database (SPEC §5:
-- processes keep no state of their own), and custom roles that can never
-- hold an operator-side or global permission.

-- rate_limit_windows: fixed windows of request counts per bucket. A bucket is
-- the SHA-256 of what is counted ("ip sign-in 203.0.113.5", "account sign-in
-- a@b.ch", "user-writes <uuid>"), so no address or e-mail is stored. UNLOGGED:
-- no WAL per request; after a crash the counters start again from zero,
-- which only forgives part of one window. Nobody reads it but
-- app.count_requests(), owned by kastell_auth.
create unlogged table kastell.rate_limit_windows (
  bucket bytea not null check (length(bucket) = 32),
  window_start timestamptz not null,
  hits integer not null check (hits > 0),
  primary key (bucket, window_start)
);
create index rate_limit_windows_window_start_idx on kastell.rate_limit_windows (window_start);
revoke all on kastell.rate_limit_windows from public;
grant select, insert, update, delete on kastell.rate_limit_windows to kastell_auth;
alter table kastell.rate_limit_windows enable row level security;
alter table kastell.rate_limit_windows force row level security;
create policy rate_limit_windows_auth on kastell.rate_limit_windows for all to kastell_auth using (true) with check (true);

-- Counts one request in each bucket's current window (one atomic upsert per
-- bucket, one statement for all of them) and answers each bucket's count and
-- the seconds until its window ends. Windows are aligned to the epoch, so
-- every process agrees on where one starts. Now and then (1 call in 200) it
-- removes windows that ended over an hour ago.
create function app.count_requests(p_buckets bytea[], p_window_seconds integer)
returns table (bucket bytea, hits integer, reset_seconds integer)
language plpgsql volatile security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_start timestamptz := pg_catalog.to_timestamp(
    pg_catalog.floor(extract(epoch from pg_catalog.clock_timestamp()) / p_window_seconds) * p_window_seconds);
begin
  if p_window_seconds < 1 or p_window_seconds > 86400 then
    raise exception 'window out of range' using errcode = '22023';
  end if;
  if pg_catalog.random() < 0.005 then
    delete from kastell.rate_limit_windows w where w.window_start < pg_catalog.now() - interval '1 hour';
  end if;
  return query
    insert into kastell.rate_limit_windows as w (bucket, window_start, hits)
    select distinct b, v_start, 1 from pg_catalog.unnest(p_buckets) as b
    on conflict on constraint rate_limit_windows_pkey do update set hits = w.hits + 1
    returning w.bucket, w.hits,
      greatest(1, pg_catalog.ceil(extract(epoch from (v_start + pg_catalog.make_interval(secs => p_window_seconds) - pg_catalog.clock_timestamp())))::integer);
end
$$;
alter function app.count_requests(bytea[], integer) owner to kastell_auth;
revoke all on function app.count_requests(bytea[], integer) from public;
grant execute on function app.count_requests(bytea[], integer) to kastell_app;

-- Custom roles (a company's own, composed by its customer admin) hold only
-- customer-scope permissions: customer_assignable ones, at 'own' or
-- 'company' scope — never an operator-side permission, never 'global'. The
-- insert policy already says so for the application; this trigger says it
-- for every writer, the superuser included, and for updates too.
create function app.check_role_permission() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if exists (select 1 from kastell.roles r where r.role_id = new.role_id and r.company_id is not null)
     and (new.scope = 'global'
          or not exists (select 1 from kastell.permissions p
                         where p.permission_key = new.permission_key and p.customer_assignable)) then
    raise exception 'a custom role holds only customer-scope permissions (% at % scope is not one)', new.permission_key, new.scope
      using errcode = '23514', constraint = 'role_permissions_custom_customer_scope';
  end if;
  return new;
end
$$;
create trigger role_permissions_customer_scope before insert or update on kastell.role_permissions
  for each row execute function app.check_role_permission();

-- …and a permission some custom role holds cannot become operator-only.
create function app.check_permission_assignable() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if old.customer_assignable and not new.customer_assignable
     and exists (select 1 from kastell.role_permissions rp join kastell.roles r on r.role_id = rp.role_id
                 where rp.permission_key = new.permission_key and r.company_id is not null) then
    raise exception 'custom roles hold %: remove it from them first', new.permission_key using errcode = '23514';
  end if;
  return new;
end
$$;
create trigger permissions_assignable before update on kastell.permissions
  for each row execute function app.check_permission_assignable();

alter function app.check_role_permission() owner to kastell_auth;
alter function app.check_permission_assignable() owner to kastell_auth;
revoke all on function app.check_role_permission() from public;
revoke all on function app.check_permission_assignable() from public;
