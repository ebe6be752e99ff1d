-- TOTP secrets under re-encryption (README "Keys and encryption",
-- app/crypto/reencrypt.ts). A TOTP secret is sealed under the operator's
-- data key with the additional data `totp:<user id>`; secrets enrolled before
-- keys per company are still under the old installation key. The worker now
-- moves both the confirmed and the pending secret of every factor not under
-- the operator's current key version, and `kastell keys status` counts them.
--
-- Like sql/0022: SECURITY DEFINER functions owned by kastell_auth (the only
-- role that reads totp_factors' secrets), for the system only (no signed-in
-- user), and the swap is a compare-and-swap of both columns (an enrolment
-- made meanwhile wins; the next run takes it).

set local check_function_bodies = off;

-- Secrets per key id (the second field of `v2:keyId:…`), confirmed and pending alike.
create function app.totp_key_counts()
returns table (key_id text, n bigint)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if app.current_user_id() is not null then
    raise exception 'key status runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  return query
    select pg_catalog.split_part(x.v, ':', 2), pg_catalog.count(*)
      from kastell.totp_factors t cross join lateral (values (t.secret_enc), (t.pending_secret_enc)) as x(v)
     where x.v is not null
     group by 1 order by 1;
end
$$;

-- Up to p_limit factors after p_after (user id order) with a secret under another key id than p_current.
create function app.totp_reseal_candidates(p_current text, p_after uuid, p_limit integer)
returns table (user_id uuid, secret_enc text, pending_secret_enc text)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if app.current_user_id() is not null then
    raise exception 're-encryption runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  return query
    select t.user_id, t.secret_enc, t.pending_secret_enc from kastell.totp_factors t
     where (p_after is null or t.user_id > p_after)
       and ((t.secret_enc is not null and pg_catalog.split_part(t.secret_enc, ':', 2) <> p_current)
         or (t.pending_secret_enc is not null and pg_catalog.split_part(t.pending_secret_enc, ':', 2) <> p_current))
     order by t.user_id limit least(greatest(p_limit, 1), 10000);
end
$$;

-- Swaps both secrets of each factor, only while both are still the ones read; returns how many factors it swapped.
create function app.reseal_totp(p_user_ids uuid[], p_old_secret text[], p_new_secret text[], p_old_pending text[], p_new_pending text[])
returns integer
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  swapped integer;
begin
  if app.current_user_id() is not null then
    raise exception 're-encryption runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  if pg_catalog.cardinality(p_user_ids) is distinct from pg_catalog.cardinality(p_old_secret)
     or pg_catalog.cardinality(p_user_ids) is distinct from pg_catalog.cardinality(p_new_secret)
     or pg_catalog.cardinality(p_user_ids) is distinct from pg_catalog.cardinality(p_old_pending)
     or pg_catalog.cardinality(p_user_ids) is distinct from pg_catalog.cardinality(p_new_pending) then
    raise exception 'one old and one new value of each secret per factor' using errcode = '22023';
  end if;
  -- a secret stays absent or becomes a v2 value: never dropped, never plain
  if exists (select 1 from rows from (pg_catalog.unnest(p_old_secret), pg_catalog.unnest(p_new_secret),
                                      pg_catalog.unnest(p_old_pending), pg_catalog.unnest(p_new_pending)) as x(os, ns, op, np)
             where (x.os is null) <> (x.ns is null) or (x.op is null) <> (x.np is null)
                or x.ns not like 'v2:%' or x.np not like 'v2:%') then
    raise exception 'a re-seal keeps each secret, as a v2 value' using errcode = '22023';
  end if;
  update kastell.totp_factors t set secret_enc = x.ns, pending_secret_enc = x.np
    from rows from (pg_catalog.unnest(p_user_ids), pg_catalog.unnest(p_old_secret), pg_catalog.unnest(p_new_secret),
                    pg_catalog.unnest(p_old_pending), pg_catalog.unnest(p_new_pending)) as x(id, os, ns, op, np)
   where t.user_id = x.id and t.secret_enc is not distinct from x.os and t.pending_secret_enc is not distinct from x.op;
  get diagnostics swapped = row_count;
  return swapped;
end
$$;

set local check_function_bodies = on;

alter function app.totp_key_counts() owner to kastell_auth;
alter function app.totp_reseal_candidates(text, uuid, integer) owner to kastell_auth;
alter function app.reseal_totp(uuid[], text[], text[], text[], text[]) owner to kastell_auth;
revoke execute on function app.totp_key_counts(), app.totp_reseal_candidates(text, uuid, integer),
  app.reseal_totp(uuid[], text[], text[], text[], text[]) from public;
grant execute on function app.totp_key_counts(), app.totp_reseal_candidates(text, uuid, integer),
  app.reseal_totp(uuid[], text[], text[], text[], text[]) to kastell_app;
