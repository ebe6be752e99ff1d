-- Self-hosted proof-of-work bot challenges (altcha, README "Identity"), asked
-- on sign-in, password-reset requests and invitation acceptance once an
-- address or the endpoint as a whole has failed often enough; and a
-- successful password reset that clears the account's lock.
--
-- bot_challenges: every challenge Kastell issued (the altcha challenge hash,
-- never the number that solves it), for which endpoint, until when. A
-- solution counts once: app.consume_bot_challenge marks it used with one
-- UPDATE … WHERE used_at IS NULL AND expires_at > now(), so a replay — even a
-- concurrent one — and a late answer are refused by the database, whatever
-- the application's clock says. A challenge lives at most 10 minutes (check).
create table kastell.bot_challenges (
  bot_challenge_id uuid primary key default app.uuidv7(),
  challenge text not null unique check (challenge ~ '^[0-9a-f]{64}$'),
  endpoint text not null check (endpoint in ('sign-in', 'password-reset', 'invite')),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  constraint bot_challenges_short_lived check (expires_at > created_at and expires_at <= created_at + interval '10 minutes'),
  constraint bot_challenges_used_in_time check (used_at is null or used_at <= expires_at)
);
create index bot_challenges_expires_at_idx on kastell.bot_challenges (expires_at);
revoke all on kastell.bot_challenges from public;
grant select, insert, update, delete on kastell.bot_challenges to kastell_auth;
alter table kastell.bot_challenges enable row level security;
alter table kastell.bot_challenges force row level security;
create policy bot_challenges_auth on kastell.bot_challenges for all to kastell_auth using (true) with check (true);

-- Records an issued challenge for p_seconds (10–600) and answers its expiry.
-- Now and then (1 call in 50) it removes challenges that ended over an hour ago.
create function app.issue_bot_challenge(p_challenge text, p_endpoint text, p_seconds integer) returns timestamptz
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  v_expires timestamptz;
begin
  if p_seconds < 10 or p_seconds > 600 then
    raise exception 'challenge lifetime out of range' using errcode = '22023';
  end if;
  if pg_catalog.random() < 0.02 then
    delete from kastell.bot_challenges where expires_at < pg_catalog.now() - interval '1 hour';
  end if;
  insert into kastell.bot_challenges (challenge, endpoint, expires_at)
  values (p_challenge, p_endpoint, pg_catalog.now() + pg_catalog.make_interval(secs => p_seconds))
  returning expires_at into v_expires;
  return v_expires;
end
$$;

-- Uses a challenge once: true for the first solution of a live challenge of
-- this endpoint, false for a replayed, expired, unknown or other endpoint's one.
create function app.consume_bot_challenge(p_challenge text, p_endpoint text) returns boolean
language sql volatile security definer
set search_path = ''
as $$
  with used as (
    update kastell.bot_challenges set used_at = pg_catalog.now()
     where challenge = p_challenge and endpoint = p_endpoint
       and used_at is null and expires_at > pg_catalog.now()
    returning 1
  )
  select exists (select 1 from used)
$$;

-- The lockout's own counters (kastell.auth_failures, sql/0006) read without
-- claiming: each subject's failures over the last p_minutes (1–1440). The
-- challenge is asked once an address has failed this often.
create function app.auth_failure_counts(p_subjects text[], p_minutes integer)
returns table (subject text, failures integer)
language sql stable security definer
set search_path = ''
as $$
  select s, (select pg_catalog.count(*)::integer from kastell.auth_failures f
              where f.subject = s
                and f.created_at > pg_catalog.now() - pg_catalog.make_interval(mins => least(greatest(p_minutes, 1), 1440)))
  from pg_catalog.unnest(p_subjects) as s
$$;

-- The request counters (kastell.rate_limit_windows, sql/0018) read without
-- counting: each bucket's hits in the current and the previous window.
create function app.peek_requests(p_buckets bytea[], p_window_seconds integer)
returns table (bucket bytea, hits integer)
language plpgsql stable security definer
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
  return query
    select b, coalesce((select pg_catalog.sum(w.hits)::integer from kastell.rate_limit_windows w
                         where w.bucket = b and w.window_start >= v_start - pg_catalog.make_interval(secs => p_window_seconds)), 0)
    from pg_catalog.unnest(p_buckets) as b;
end
$$;

-- A password reset completed in this transaction (its link used now) ends
-- the account's lock: the failures counted on 'account:<address>' go.
-- Answers how many there were (the caller audits a cleared lock); 0 when
-- no link of this hash was used in this transaction.
create function app.clear_lock_after_reset(p_token_hash bytea) returns integer
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  v_email text;
  v_cleared integer;
begin
  select u.email into v_email
    from kastell.password_reset_tokens t join kastell.users u on u.user_id = t.user_id
   where t.token_hash = p_token_hash and t.used_at = pg_catalog.now();
  if v_email is null then
    return 0;
  end if;
  delete from kastell.auth_failures where subject = 'account:' || pg_catalog.lower(v_email);
  get diagnostics v_cleared = row_count;
  return v_cleared;
end
$$;

do $$
declare
  f text;
begin
  foreach f in array array[
    'app.issue_bot_challenge(text, text, integer)', 'app.consume_bot_challenge(text, text)',
    'app.auth_failure_counts(text[], integer)', 'app.peek_requests(bytea[], integer)',
    'app.clear_lock_after_reset(bytea)']
  loop
    execute format('alter function %s owner to kastell_auth', f);
    execute format('revoke all on function %s from public', f);
    execute format('grant execute on function %s to kastell_app', f);
  end loop;
end
$$;
