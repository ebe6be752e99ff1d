-- The narrow doors the application uses to reach the factor, challenge and
-- unlock tables (it has no grants on them). Each function acts for a user
-- only when the caller is that user (signed in) or holds that user's live
-- factor challenge (between password and second factor).

create function app.may_act_for(p_user_id uuid, p_challenge_hash bytea) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select p_user_id is not null and (
    p_user_id = app.current_user_id()
    or exists (select 1 from kastell.auth_challenges c
                where c.token_hash = p_challenge_hash and c.user_id = p_user_id
                  and c.purpose in ('second_factor', 'webauthn_second_factor')
                  and c.expires_at > pg_catalog.now()))
$$;

create function app.require_act_for(p_user_id uuid, p_challenge_hash bytea) returns void
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if not app.may_act_for(p_user_id, p_challenge_hash) then
    raise exception 'not allowed' using errcode = '42501';
  end if;
end
$$;

-- Challenges ------------------------------------------------------------

create function app.create_auth_challenge(p_token_hash bytea, p_purpose text, p_user_id uuid,
                                          p_webauthn_challenge text, p_via_unlock boolean, p_ttl interval)
returns void
language sql volatile security definer
set search_path = ''
as $$
  delete from kastell.auth_challenges where expires_at < pg_catalog.now();
  insert into kastell.auth_challenges (token_hash, purpose, user_id, webauthn_challenge, via_unlock, expires_at)
  values (p_token_hash, p_purpose, p_user_id, p_webauthn_challenge, p_via_unlock, pg_catalog.now() + p_ttl);
$$;

create function app.find_auth_challenge(p_token_hash bytea, p_purpose text)
returns table (user_id uuid, webauthn_challenge text, via_unlock boolean)
language sql stable security definer
set search_path = ''
as $$
  select user_id, webauthn_challenge, via_unlock from kastell.auth_challenges
  where token_hash = p_token_hash and purpose = p_purpose and expires_at > pg_catalog.now()
$$;

-- Deletes and returns a challenge: each is good for one answer.
create function app.consume_auth_challenge(p_token_hash bytea, p_purpose text)
returns table (user_id uuid, webauthn_challenge text, via_unlock boolean)
language sql volatile security definer
set search_path = ''
as $$
  delete from kastell.auth_challenges
  where token_hash = p_token_hash and purpose = p_purpose and expires_at > pg_catalog.now()
  returning user_id, webauthn_challenge, via_unlock
$$;

-- TOTP -----------------------------------------------------------------

create function app.totp_state(p_user_id uuid, p_challenge_hash bytea)
returns table (secret_enc text, pending_secret_enc text, last_step bigint, confirmed_at timestamptz)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  perform app.require_act_for(p_user_id, p_challenge_hash);
  return query select t.secret_enc, t.pending_secret_enc, t.last_step, t.confirmed_at
                 from kastell.totp_factors t where t.user_id = p_user_id;
end
$$;

create function app.begin_totp_enrolment(p_user_id uuid, p_challenge_hash bytea, p_secret_enc text) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  perform app.require_act_for(p_user_id, p_challenge_hash);
  insert into kastell.totp_factors (user_id, pending_secret_enc) values (p_user_id, p_secret_enc)
  on conflict (user_id) do update set pending_secret_enc = excluded.pending_secret_enc;
end
$$;

-- Confirms the pending secret with the time step of a correct code.
create function app.confirm_totp_enrolment(p_user_id uuid, p_challenge_hash bytea, p_step bigint) returns boolean
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  perform app.require_act_for(p_user_id, p_challenge_hash);
  update kastell.totp_factors
     set secret_enc = pending_secret_enc, pending_secret_enc = null, last_step = p_step, confirmed_at = pg_catalog.now()
   where user_id = p_user_id and pending_secret_enc is not null;
  return found;
end
$$;

-- Accepts a time step once: a replayed code (same or older step) is refused.
create function app.use_totp_step(p_user_id uuid, p_challenge_hash bytea, p_step bigint) returns boolean
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  perform app.require_act_for(p_user_id, p_challenge_hash);
  update kastell.totp_factors set last_step = p_step
   where user_id = p_user_id and confirmed_at is not null and last_step < p_step;
  return found;
end
$$;

-- Backup codes ---------------------------------------------------------

create function app.replace_backup_codes(p_user_id uuid, p_challenge_hash bytea, p_hashes text[]) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  perform app.require_act_for(p_user_id, p_challenge_hash);
  if pg_catalog.cardinality(p_hashes) <> 10 then
    raise exception 'ten backup codes' using errcode = '22023';
  end if;
  delete from kastell.backup_codes where user_id = p_user_id;
  insert into kastell.backup_codes (user_id, slot, code_hash)
  select p_user_id, s.i, p_hashes[s.i] from pg_catalog.generate_series(1, 10) as s(i);
end
$$;

create function app.backup_code_hash(p_user_id uuid, p_challenge_hash bytea, p_slot integer) returns text
language plpgsql stable security definer
set search_path = ''
as $$
declare
  v text;
begin
  perform app.require_act_for(p_user_id, p_challenge_hash);
  select code_hash into v from kastell.backup_codes where user_id = p_user_id and slot = p_slot and used_at is null;
  return v;
end
$$;

-- Marks a code used, once: a second use (even concurrent) finds nothing.
create function app.use_backup_code(p_user_id uuid, p_challenge_hash bytea, p_slot integer, p_code_hash text)
returns boolean
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  perform app.require_act_for(p_user_id, p_challenge_hash);
  update kastell.backup_codes set used_at = pg_catalog.now()
   where user_id = p_user_id and slot = p_slot and code_hash = p_code_hash and used_at is null;
  return found;
end
$$;

-- Passkeys -------------------------------------------------------------

create function app.passkey_credentials_of(p_user_id uuid, p_challenge_hash bytea)
returns table (credential_id text, transports text[])
language plpgsql stable security definer
set search_path = ''
as $$
begin
  perform app.require_act_for(p_user_id, p_challenge_hash);
  return query select p.credential_id, p.transports from kastell.passkeys p where p.user_id = p_user_id;
end
$$;

-- Public data only (a public key): needed to verify a discoverable sign-in
-- before anyone is known.
create function app.find_passkey(p_credential_id text)
returns table (passkey_id uuid, user_id uuid, public_key bytea, sign_count bigint, transports text[])
language sql stable security definer
set search_path = ''
as $$
  select passkey_id, user_id, public_key, sign_count, transports from kastell.passkeys where credential_id = p_credential_id
$$;

-- Records a verified use; the counter only moves forward.
create function app.record_passkey_use(p_passkey_id uuid, p_sign_count bigint) returns void
language sql volatile security definer
set search_path = ''
as $$
  update kastell.passkeys set sign_count = greatest(sign_count, p_sign_count), last_used_at = pg_catalog.now()
  where passkey_id = p_passkey_id
$$;

create function app.add_passkey(p_credential_id text, p_public_key bytea, p_sign_count bigint,
                                p_transports text[], p_name text) returns uuid
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  v uuid;
begin
  if app.current_user_id() is null then
    raise exception 'not signed in' using errcode = '42501';
  end if;
  insert into kastell.passkeys (user_id, credential_id, public_key, sign_count, transports, name)
  values (app.current_user_id(), p_credential_id, p_public_key, p_sign_count, p_transports, p_name)
  returning passkey_id into v;
  return v;
end
$$;

create function app.delete_own_passkey(p_passkey_id uuid) returns boolean
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  delete from kastell.passkeys where passkey_id = p_passkey_id and user_id = app.current_user_id();
  return found;
end
$$;

create function app.remove_own_totp() returns boolean
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  delete from kastell.backup_codes where user_id = app.current_user_id();
  delete from kastell.totp_factors where user_id = app.current_user_id();
  return found;
end
$$;

-- Lost factors: an admin (users.update over that user) removes every
-- factor; the user must enrol again at the next sign-in.
create function app.reset_factors(p_user_id uuid) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  if not (app.has_global('users.update')
          or exists (select 1 from kastell.memberships m
                      where m.user_id = p_user_id and m.company_id = app.company_scope('users.update'))) then
    raise exception 'not allowed' using errcode = '42501';
  end if;
  delete from kastell.backup_codes where user_id = p_user_id;
  delete from kastell.totp_factors where user_id = p_user_id;
  delete from kastell.passkeys where user_id = p_user_id;
  perform app.end_user_sessions(p_user_id, 'factor_change');
end
$$;

-- Unlock links ---------------------------------------------------------

-- A new unlock link, at most one per 15 minutes per user; false when one
-- was sent recently.
create function app.create_unlock_token(p_user_id uuid, p_token_hash bytea, p_ttl interval) returns boolean
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('kastell.unlock:' || p_user_id::text));
  if exists (select 1 from kastell.unlock_tokens
              where user_id = p_user_id and created_at > pg_catalog.now() - interval '15 minutes') then
    return false;
  end if;
  delete from kastell.unlock_tokens where user_id = p_user_id and expires_at < pg_catalog.now() - interval '1 day';
  insert into kastell.unlock_tokens (user_id, token_hash, expires_at) values (p_user_id, p_token_hash, pg_catalog.now() + p_ttl);
  return true;
end
$$;

create function app.redeem_unlock_token(p_token_hash bytea, p_bypass_hash bytea, p_bypass_ttl interval)
returns table (unlock_token_id uuid, user_id uuid, email text)
language sql volatile security definer
set search_path = ''
as $$
  update kastell.unlock_tokens t
     set used_at = pg_catalog.now(), bypass_hash = p_bypass_hash, bypass_expires_at = pg_catalog.now() + p_bypass_ttl
    from kastell.users u
   where t.token_hash = p_token_hash and t.used_at is null and t.expires_at > pg_catalog.now()
     and u.user_id = t.user_id and u.status = 'active'
  returning t.unlock_token_id, t.user_id, u.email
$$;

create function app.find_unlock_bypass(p_bypass_hash bytea)
returns table (unlock_token_id uuid, user_id uuid, email text)
language sql stable security definer
set search_path = ''
as $$
  select t.unlock_token_id, t.user_id, u.email from kastell.unlock_tokens t
  join kastell.users u on u.user_id = t.user_id
  where t.bypass_hash = p_bypass_hash and t.bypass_expires_at > pg_catalog.now() and u.status = 'active'
$$;

-- (The lockout alert's second recipients come from app.security_officer_emails(), sql/0100.)

do $$
declare
  f text;
begin
  foreach f in array array[
    'app.may_act_for(uuid, bytea)', 'app.require_act_for(uuid, bytea)',
    'app.create_auth_challenge(bytea, text, uuid, text, boolean, interval)',
    'app.find_auth_challenge(bytea, text)', 'app.consume_auth_challenge(bytea, text)',
    'app.totp_state(uuid, bytea)', 'app.begin_totp_enrolment(uuid, bytea, text)',
    'app.confirm_totp_enrolment(uuid, bytea, bigint)', 'app.use_totp_step(uuid, bytea, bigint)',
    'app.replace_backup_codes(uuid, bytea, text[])', 'app.backup_code_hash(uuid, bytea, integer)',
    'app.use_backup_code(uuid, bytea, integer, text)', 'app.passkey_credentials_of(uuid, bytea)',
    'app.find_passkey(text)', 'app.record_passkey_use(uuid, bigint)',
    'app.add_passkey(text, bytea, bigint, text[], text)', 'app.delete_own_passkey(uuid)', 'app.remove_own_totp()',
    'app.reset_factors(uuid)', 'app.create_unlock_token(uuid, bytea, interval)',
    'app.redeem_unlock_token(bytea, bytea, interval)', 'app.find_unlock_bypass(bytea)']
  loop
    execute format('alter function %s owner to kastell_auth', f);
    execute format('revoke all on function %s from public', f);
    execute format('grant execute on function %s to kastell_app', f);
  end loop;
end
$$;
