-- Identity hardening: password history, TOTP and backup codes, passkeys,
-- the pre-session factor challenge, sliding-window lockout with unlock
-- links, and the narrow doors through which the application reaches them.
-- Secrets are never stored in the clear: TOTP secrets are AES-256-GCM
-- ciphertext (`v2:keyId:iv:tag:ct`), backup codes argon2id hashes, every
-- token a SHA-256. Everything used before a session exists goes through
-- SECURITY DEFINER functions owned by kastell_auth. A password, status or
-- factor change ends the user's sessions (app.end_user_sessions, 0004).

-- Password history: the last five hashes of each user (the current one
-- included), so a change can refuse reuse. Only kastell_auth reads it.
create table kastell.password_history (
  password_history_id uuid primary key default app.uuidv7(),
  user_id uuid not null references kastell.users on delete cascade,
  password_hash text not null check (password_hash like '$argon2id$%'),
  created_at timestamptz not null default now()
);
create index password_history_user_id_idx on kastell.password_history (user_id, created_at desc);
revoke all on kastell.password_history from public;
grant select, insert, delete on kastell.password_history to kastell_auth;
alter table kastell.password_history enable row level security;
alter table kastell.password_history force row level security;
create policy password_history_auth on kastell.password_history for all to kastell_auth using (true) with check (true);

-- Users: a password change, a disable, end every session; the new hash goes
-- into the history (five kept).
create function app.users_identity_changed() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.password_hash is distinct from old.password_hash then
    if new.password_hash is not null then
      insert into kastell.password_history (user_id, password_hash) values (new.user_id, new.password_hash);
      delete from kastell.password_history h
       where h.user_id = new.user_id
         and h.password_history_id not in (select h2.password_history_id from kastell.password_history h2
                                            where h2.user_id = new.user_id order by h2.created_at desc, h2.password_history_id desc limit 5);
    end if;
    -- a rehash of the same password (new parameters) is not a change
    if not coalesce(current_setting('kastell.rehash', true), '') = 'on' then
      perform app.end_user_sessions(new.user_id, 'password_change');
    end if;
  end if;
  if new.status = 'disabled' and old.status <> 'disabled' then
    perform app.end_user_sessions(new.user_id, 'disabled');
  end if;
  return new;
end
$$;
create trigger users_identity_changed after update of password_hash, status on kastell.users
  for each row execute function app.users_identity_changed();

create function app.users_first_password() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.password_hash is not null then
    insert into kastell.password_history (user_id, password_hash) values (new.user_id, new.password_hash);
  end if;
  return new;
end
$$;
create trigger users_first_password after insert on kastell.users
  for each row execute function app.users_first_password();

-- TOTP (RFC 6238). The secret is AES-256-GCM ciphertext; last_step is the
-- last accepted time step, so a code is never accepted twice.
create table kastell.totp_factors (
  user_id uuid primary key references kastell.users on delete cascade,
  secret_enc text check (secret_enc like 'v2:%'),          -- the confirmed secret
  pending_secret_enc text check (pending_secret_enc like 'v2:%'), -- an enrolment not yet confirmed
  last_step bigint not null default 0,
  confirmed_at timestamptz,
  created_at timestamptz not null default now()
);
revoke all on kastell.totp_factors from public;
grant select, insert, update, delete on kastell.totp_factors to kastell_auth;
-- the app sees whether a user has TOTP (for "my security" and the admin list), never the secret
grant select (user_id, confirmed_at, created_at) on kastell.totp_factors to kastell_app;
alter table kastell.totp_factors enable row level security;
alter table kastell.totp_factors force row level security;
create policy totp_factors_read on kastell.totp_factors for select to kastell_app
  using (user_id = (select app.current_user_id()) or (select app.has_global('users.read'))
         or exists (select 1 from kastell.memberships m where m.user_id = totp_factors.user_id
                    and m.company_id = (select app.company_scope('users.read'))));
create policy totp_factors_auth on kastell.totp_factors for all to kastell_auth using (true) with check (true);

-- Backup codes: ten per user, each an argon2id hash in a numbered slot (the
-- slot number is printed with the code, so one hash is checked, not ten).
create table kastell.backup_codes (
  user_id uuid not null references kastell.users on delete cascade,
  slot smallint not null check (slot between 1 and 10),
  code_hash text not null check (code_hash like '$argon2id$%'),
  used_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (user_id, slot)
);
revoke all on kastell.backup_codes from public;
grant select, insert, update, delete on kastell.backup_codes to kastell_auth;
grant select (user_id, slot, used_at, created_at) on kastell.backup_codes to kastell_app;
alter table kastell.backup_codes enable row level security;
alter table kastell.backup_codes force row level security;
create policy backup_codes_read on kastell.backup_codes for select to kastell_app
  using (user_id = (select app.current_user_id()));
create policy backup_codes_auth on kastell.backup_codes for all to kastell_auth using (true) with check (true);

-- Passkeys (WebAuthn, discoverable, user verification required).
create table kastell.passkeys (
  passkey_id uuid primary key default app.uuidv7(),
  user_id uuid not null references kastell.users on delete cascade,
  credential_id text not null unique check (credential_id ~ '^[A-Za-z0-9_-]+$' and length(credential_id) between 16 and 1400),
  public_key bytea not null,
  sign_count bigint not null default 0,
  transports text[] not null default '{}',
  name text not null check (length(name) between 1 and 100),
  created_at timestamptz not null default now(),
  last_used_at timestamptz
);
create index passkeys_user_id_idx on kastell.passkeys (user_id);
revoke all on kastell.passkeys from public;
grant select, insert, update, delete on kastell.passkeys to kastell_auth;
grant select (passkey_id, user_id, name, created_at, last_used_at) on kastell.passkeys to kastell_app;
alter table kastell.passkeys enable row level security;
alter table kastell.passkeys force row level security;
create policy passkeys_read on kastell.passkeys for select to kastell_app
  using (user_id = (select app.current_user_id()) or (select app.has_global('users.read')));
create policy passkeys_auth on kastell.passkeys for all to kastell_auth using (true) with check (true);

-- A factor added or removed ends every session of its user (the app starts
-- a fresh one for the browser that made the change).
create function app.factor_changed() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_user uuid := coalesce(new.user_id, old.user_id);
begin
  if tg_table_name = 'totp_factors' then
    if tg_op = 'UPDATE' and new.confirmed_at is not distinct from old.confirmed_at then return null; end if;
    if tg_op = 'INSERT' and new.confirmed_at is null then return null; end if;
    if tg_op = 'DELETE' and old.confirmed_at is null then return null; end if;
  end if;
  perform app.end_user_sessions(v_user, 'factor_change');
  return null;
end
$$;
create trigger totp_factors_changed after insert or update or delete on kastell.totp_factors
  for each row execute function app.factor_changed();
create trigger passkeys_changed after insert or delete on kastell.passkeys
  for each row execute function app.factor_changed();

-- Short-lived state before a session exists: a password accepted and a
-- second factor outstanding, or a WebAuthn challenge issued. The browser
-- holds the token; only its SHA-256 is here.
create table kastell.auth_challenges (
  token_hash bytea primary key check (length(token_hash) = 32),
  purpose text not null check (purpose in ('second_factor', 'webauthn_sign_in', 'webauthn_register', 'webauthn_second_factor')),
  user_id uuid references kastell.users on delete cascade,
  webauthn_challenge text,
  via_unlock boolean not null default false,
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index auth_challenges_expires_idx on kastell.auth_challenges (expires_at);
revoke all on kastell.auth_challenges from public;
grant select, insert, update, delete on kastell.auth_challenges to kastell_auth;
alter table kastell.auth_challenges enable row level security;
alter table kastell.auth_challenges force row level security;
create policy auth_challenges_auth on kastell.auth_challenges for all to kastell_auth using (true) with check (true);

-- Sign-in failures over sliding windows, per subject: 'account:<email>',
-- 'ip:<address>', 'factor:<user id>', 'unlock:<id>'. An attempt is
-- counted as a failure BEFORE the password is checked (claimed under a
-- per-subject advisory lock) and withdrawn on success, so concurrent
-- attempts cannot overrun the threshold.
create table kastell.auth_failures (
  auth_failure_id uuid primary key default app.uuidv7(),
  subject text not null check (length(subject) between 3 and 400),
  created_at timestamptz not null default now()
);
create index auth_failures_subject_idx on kastell.auth_failures (subject, created_at);
revoke all on kastell.auth_failures from public;
grant select, insert, delete on kastell.auth_failures to kastell_auth;
alter table kastell.auth_failures enable row level security;
alter table kastell.auth_failures force row level security;
create policy auth_failures_auth on kastell.auth_failures for all to kastell_auth using (true) with check (true);

-- Until when a subject is locked, from its failures in the last 24 h:
-- 5 → 1 min, 10 → 15 min, 20 → 24 h after the latest failure (times p_scale,
-- which is larger for client IPs so one office behind one address is not
-- locked out by one person).
create function app.auth_locked_until(p_subject text, p_scale integer) returns timestamptz
language sql stable security definer
set search_path = ''
as $$
  select case
           when f.n >= 20 * p_scale then f.latest + interval '24 hours'
           when f.n >= 10 * p_scale then f.latest + interval '15 minutes'
           when f.n >= 5 * p_scale then f.latest + interval '1 minute'
         end
  from (select pg_catalog.count(*) as n, pg_catalog.max(created_at) as latest
          from kastell.auth_failures
         where subject = p_subject and created_at > pg_catalog.now() - interval '24 hours') f
$$;

-- Claims one attempt: NULL attempt id and the lock's end when locked.
create function app.claim_auth_attempt(p_subject text, p_scale integer)
returns table (attempt_id uuid, locked_until timestamptz, failures integer)
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  v_until timestamptz;
  v_id uuid;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('kastell.auth:' || p_subject));
  v_until := app.auth_locked_until(p_subject, p_scale);
  if v_until is not null and v_until > pg_catalog.now() then
    return query select null::uuid, v_until,
      (select pg_catalog.count(*)::integer from kastell.auth_failures f
        where f.subject = p_subject and f.created_at > pg_catalog.now() - interval '24 hours');
    return;
  end if;
  delete from kastell.auth_failures f where f.subject = p_subject and f.created_at <= pg_catalog.now() - interval '24 hours';
  insert into kastell.auth_failures (subject) values (p_subject) returning auth_failure_id into v_id;
  return query select v_id, null::timestamptz,
    (select pg_catalog.count(*)::integer from kastell.auth_failures f
      where f.subject = p_subject and f.created_at > pg_catalog.now() - interval '24 hours');
end
$$;

-- Settles a claimed attempt that succeeded: withdraws it, and with p_reset
-- clears the subject (an account's counter resets on a real sign-in; an IP's
-- does not, or an attacker with any account could reset it).
create function app.withdraw_auth_attempt(p_attempt_id uuid, p_reset boolean) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  v_subject text;
begin
  delete from kastell.auth_failures where auth_failure_id = p_attempt_id returning subject into v_subject;
  if p_reset and v_subject is not null then
    delete from kastell.auth_failures where subject = v_subject;
  end if;
end
$$;

create function app.clear_auth_failures(p_subject text) returns void
language sql volatile security definer
set search_path = ''
as $$ delete from kastell.auth_failures where subject = p_subject $$;

-- Unlock links: e-mailed when an account is locked. Redeeming one gives the
-- browser a short-lived bypass of the account lock (not of the password or
-- the second factor); the bypass has its own small failure budget.
create table kastell.unlock_tokens (
  unlock_token_id uuid primary key default app.uuidv7(),
  user_id uuid not null references kastell.users on delete cascade,
  token_hash bytea not null unique check (length(token_hash) = 32),
  bypass_hash bytea unique check (length(bypass_hash) = 32),
  expires_at timestamptz not null,
  used_at timestamptz,
  bypass_expires_at timestamptz,
  created_at timestamptz not null default now()
);
create index unlock_tokens_user_id_idx on kastell.unlock_tokens (user_id, created_at);
revoke all on kastell.unlock_tokens from public;
grant select, insert, update, delete on kastell.unlock_tokens to kastell_auth;
alter table kastell.unlock_tokens enable row level security;
alter table kastell.unlock_tokens force row level security;
create policy unlock_tokens_auth on kastell.unlock_tokens for all to kastell_auth using (true) with check (true);

-- Sign-in lookup, with the display name (for context-word checks) and
-- the factors the account has.
create function app.find_account(p_email text)
returns table (user_id uuid, email text, display_name text, password_hash text, status text, role_key text,
               side text, has_totp boolean, passkey_count integer)
language sql stable security definer
set search_path = ''
as $$
  select u.user_id, u.email, u.display_name, u.password_hash, u.status, r.role_key, r.side,
         exists (select 1 from kastell.totp_factors t where t.user_id = u.user_id and t.confirmed_at is not null),
         (select pg_catalog.count(*)::integer from kastell.passkeys p where p.user_id = u.user_id)
  from kastell.users u
  join kastell.memberships m on m.user_id = u.user_id
  join kastell.roles r on r.role_id = m.role_id
  where pg_catalog.lower(u.email) = pg_catalog.lower(p_email)
$$;

create function app.find_account_by_id(p_user_id uuid)
returns table (user_id uuid, email text, display_name text, password_hash text, status text, role_key text,
               side text, has_totp boolean, passkey_count integer)
language sql stable security definer
set search_path = ''
as $$
  select u.user_id, u.email, u.display_name, u.password_hash, u.status, r.role_key, r.side,
         exists (select 1 from kastell.totp_factors t where t.user_id = u.user_id and t.confirmed_at is not null),
         (select pg_catalog.count(*)::integer from kastell.passkeys p where p.user_id = u.user_id)
  from kastell.users u
  join kastell.memberships m on m.user_id = u.user_id
  join kastell.roles r on r.role_id = m.role_id
  where u.user_id = p_user_id
$$;

-- Rehash on sign-in when the argon2 parameters changed: same password, so
-- the sessions stay.
create function app.rehash_password(p_user_id uuid, p_old_hash text, p_new_hash text) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  perform pg_catalog.set_config('kastell.rehash', 'on', true);
  update kastell.users set password_hash = p_new_hash where user_id = p_user_id and password_hash = p_old_hash;
  perform pg_catalog.set_config('kastell.rehash', '', true);
end
$$;

-- The last five password hashes (to refuse reuse).
create function app.password_history_of(p_user_id uuid) returns setof text
language sql stable security definer
set search_path = ''
as $$
  select password_hash from kastell.password_history where user_id = p_user_id order by created_at desc limit 5
$$;

-- Sets a user's password: the user themselves (after re-authentication) only.
create function app.set_own_password(p_new_hash text) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  if app.current_user_id() is null then
    raise exception 'not signed in' using errcode = '42501';
  end if;
  update kastell.users set password_hash = p_new_hash where user_id = app.current_user_id();
end
$$;

do $$
declare
  f text;
begin
  foreach f in array array[
    'app.users_identity_changed()', 'app.users_first_password()', 'app.factor_changed()',
    'app.auth_locked_until(text, integer)', 'app.claim_auth_attempt(text, integer)',
    'app.withdraw_auth_attempt(uuid, boolean)', 'app.clear_auth_failures(text)',
    'app.find_account(text)', 'app.find_account_by_id(uuid)', 'app.rehash_password(uuid, text, text)',
    'app.password_history_of(uuid)', 'app.set_own_password(text)']
  loop
    execute format('alter function %s owner to kastell_auth', f);
    execute format('revoke all on function %s from public', f);
  end loop;
  -- the trigger functions, auth_locked_until (claim_auth_attempt's helper)
  -- and clear_auth_failures are not the application's to call
  foreach f in array array[
    'app.claim_auth_attempt(text, integer)', 'app.withdraw_auth_attempt(uuid, boolean)',
    'app.find_account(text)', 'app.find_account_by_id(uuid)', 'app.rehash_password(uuid, text, text)',
    'app.password_history_of(uuid)', 'app.set_own_password(text)']
  loop
    execute format('grant execute on function %s to kastell_app', f);
  end loop;
end
$$;

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

-- (The lockout alert's second recipients come from app.security_officer_emails(), 0008_audit.sql.)

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
    -- may_act_for/require_act_for are the other functions' guard;
    -- remove_own_totp is not called by the application
    if f not in ('app.may_act_for(uuid, bytea)', 'app.require_act_for(uuid, bytea)', 'app.remove_own_totp()') then
      execute format('grant execute on function %s to kastell_app', f);
    end if;
  end loop;
end
$$;
