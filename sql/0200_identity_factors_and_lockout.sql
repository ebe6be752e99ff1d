-- Identity hardening (issue 3): password history, TOTP and backup codes,
-- passkeys, the pre-session factor challenge, sliding-window lockout with
-- unlock links, sudo mode, and the session's cached permission set.
-- Secrets are never stored in the clear: TOTP secrets are AES-256-GCM
-- ciphertext (`v2:keyId:iv:tag:ct`), backup codes argon2id hashes, every
-- token a SHA-256. Everything used before a session exists goes through
-- SECURITY DEFINER functions owned by kastell_auth.

-- Sessions: sudo mode, how the session was authenticated, and the cached
-- permission set (NULL = resolve again; triggers below clear it).
alter table kastell.sessions add column reauth_at timestamptz;
alter table kastell.sessions add column auth_method text check (auth_method in ('password', 'password+totp',
  'password+backup_code', 'password+passkey', 'passkey', 'unlock+password+totp'));
alter table kastell.sessions add column permissions text[];
alter table kastell.sessions drop constraint sessions_end_reason_check;
alter table kastell.sessions add constraint sessions_end_reason_check
  check (end_reason in ('sign_out', 'idle', 'expired', 'ended_by_user', 'ended_by_admin', 'password_change',
                        'factor_change', 'role_change', 'disabled', 'rotated', 'network'));
grant select (reauth_at, auth_method) on kastell.sessions to kastell_app;
create index sessions_active_user_idx on kastell.sessions (user_id) where ended_at is null;

-- Ends every live session of a user (and clears nothing else). Used by the
-- triggers below and by "sign out everywhere".
create function app.end_user_sessions(p_user_id uuid, p_reason text, p_except uuid default null) returns integer
language sql volatile security definer
set search_path = ''
as $$
  with ended as (
    update kastell.sessions set ended_at = pg_catalog.now(), end_reason = p_reason
    where user_id = p_user_id and ended_at is null and (p_except is null or session_id <> p_except)
    returning 1)
  select pg_catalog.count(*)::integer from ended
$$;

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

-- A role change ends the user's sessions; a change to what a role may do
-- clears the cached permission set of every session holding that role,
-- so the very next request is judged by the new set.
create function app.memberships_changed() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    perform app.end_user_sessions(old.user_id, 'role_change');
    return old;
  end if;
  if new.role_id is distinct from old.role_id or new.company_id is distinct from old.company_id
     or new.expires_at is distinct from old.expires_at then
    perform app.end_user_sessions(new.user_id, 'role_change');
  end if;
  return new;
end
$$;
create trigger memberships_changed after update or delete on kastell.memberships
  for each row execute function app.memberships_changed();

create function app.role_permissions_changed() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  update kastell.sessions s set permissions = null
   where s.ended_at is null and s.permissions is not null
     and s.user_id in (select m.user_id from kastell.memberships m
                        where m.role_id in (select role_id from changed_rows));
  return null;
end
$$;
create trigger role_permissions_inserted after insert on kastell.role_permissions
  referencing new table as changed_rows for each statement execute function app.role_permissions_changed();
create trigger role_permissions_deleted after delete on kastell.role_permissions
  referencing old table as changed_rows for each statement execute function app.role_permissions_changed();
create trigger role_permissions_updated after update on kastell.role_permissions
  referencing new table as changed_rows for each statement execute function app.role_permissions_changed();

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

-- Sign-in lookup, now with the display name (for context-word checks) and
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

-- Session start with how it was authenticated; the first permission set is
-- resolved lazily by resume_session.
create function app.start_session(p_user_id uuid, p_token_hash bytea, p_idle_timeout interval,
                                  p_ip text, p_user_agent text, p_auth_method text)
returns uuid
language sql volatile security definer
set search_path = ''
as $$
  insert into kastell.sessions (user_id, token_hash, idle_timeout, expires_at, hard_expires_at, ip, user_agent,
                                auth_method, reauth_at)
  values (p_user_id, p_token_hash, p_idle_timeout,
          pg_catalog.now() + interval '30 days', pg_catalog.now() + interval '90 days',
          p_ip, pg_catalog.left(p_user_agent, 512), p_auth_method, pg_catalog.now())
  returning session_id
$$;

-- Replaces a session with a new id (privilege change: re-authentication),
-- keeping its creation data; returns the new session id.
create function app.rotate_session(p_old_hash bytea, p_new_hash bytea, p_reauth boolean) returns uuid
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  s kastell.sessions%rowtype;
  v_id uuid;
begin
  update kastell.sessions set ended_at = pg_catalog.now(), end_reason = 'rotated'
   where token_hash = p_old_hash and ended_at is null
  returning * into s;
  if not found then
    raise exception 'session ended' using errcode = '42501';
  end if;
  insert into kastell.sessions (user_id, token_hash, idle_timeout, expires_at, hard_expires_at, ip, user_agent,
                                auth_method, reauth_at)
  values (s.user_id, p_new_hash, s.idle_timeout, least(pg_catalog.now() + interval '30 days', s.hard_expires_at),
          s.hard_expires_at, s.ip, s.user_agent, s.auth_method,
          case when p_reauth then pg_catalog.now() else s.reauth_at end)
  returning session_id into v_id;
  return v_id;
end
$$;

-- Resolves a session token to its principal (now with sudo time and the
-- cached permission set); resolves and caches permissions when cleared.
drop function app.resume_session(bytea);
create function app.resume_session(p_token_hash bytea)
returns table (session_id uuid, user_id uuid, email text, display_name text, locale text,
               role_key text, role_name text, side text, company_id uuid, permissions text[],
               reauth_at timestamptz, auth_method text)
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  s kastell.sessions%rowtype;
  v_permissions text[];
begin
  select * into s from kastell.sessions where token_hash = p_token_hash and ended_at is null;
  if not found then return; end if;
  if pg_catalog.now() >= s.hard_expires_at or pg_catalog.now() >= s.expires_at then
    update kastell.sessions set ended_at = pg_catalog.now(), end_reason = 'expired' where sessions.session_id = s.session_id;
    return;
  end if;
  if pg_catalog.now() - s.last_seen_at >= s.idle_timeout then
    update kastell.sessions set ended_at = pg_catalog.now(), end_reason = 'idle' where sessions.session_id = s.session_id;
    return;
  end if;
  v_permissions := s.permissions;
  if v_permissions is null then
    select array(select rp.permission_key || ':' || rp.scope from kastell.role_permissions rp
                 join kastell.memberships m on m.role_id = rp.role_id
                 where m.user_id = s.user_id order by 1)
      into v_permissions;
    update kastell.sessions set permissions = v_permissions where sessions.session_id = s.session_id;
  end if;
  if pg_catalog.now() - s.last_seen_at >= interval '30 seconds' then
    update kastell.sessions
       set last_seen_at = pg_catalog.now(),
           expires_at = least(pg_catalog.now() + interval '30 days', s.hard_expires_at)
     where sessions.session_id = s.session_id;
  end if;
  return query
    select s.session_id, u.user_id, u.email, u.display_name, u.locale, r.role_key, r.name, r.side, m.company_id,
           v_permissions, s.reauth_at, s.auth_method
    from kastell.users u
    join kastell.memberships m on m.user_id = u.user_id
    join kastell.roles r on r.role_id = m.role_id
    where u.user_id = s.user_id
      and u.status = 'active'
      and (m.expires_at is null or m.expires_at > pg_catalog.now());
end
$$;

-- Ends one session by id: one's own, or anyone's with sessions.end.
create function app.end_session_by_id(p_session_id uuid, p_reason text) returns boolean
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  v_owner uuid;
begin
  select user_id into v_owner from kastell.sessions where session_id = p_session_id and ended_at is null;
  if not found then return false; end if;
  if v_owner <> app.current_user_id() and not app.has_global('sessions.end') then
    raise exception 'not allowed' using errcode = '42501';
  end if;
  update kastell.sessions set ended_at = pg_catalog.now(), end_reason = p_reason where session_id = p_session_id;
  return true;
end
$$;

-- Ends all sessions of a user: oneself (except the current one), or
-- anyone's with sessions.end.
create function app.end_sessions_of(p_user_id uuid, p_reason text, p_except uuid) returns integer
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  if p_user_id <> app.current_user_id() and not app.has_global('sessions.end') then
    raise exception 'not allowed' using errcode = '42501';
  end if;
  return app.end_user_sessions(p_user_id, p_reason, p_except);
end
$$;

do $$
declare
  f text;
begin
  foreach f in array array[
    'app.end_user_sessions(uuid, text, uuid)', 'app.users_identity_changed()', 'app.users_first_password()',
    'app.memberships_changed()', 'app.role_permissions_changed()', 'app.factor_changed()',
    'app.auth_locked_until(text, integer)', 'app.claim_auth_attempt(text, integer)',
    'app.withdraw_auth_attempt(uuid, boolean)', 'app.clear_auth_failures(text)',
    'app.find_account(text)', 'app.find_account_by_id(uuid)', 'app.rehash_password(uuid, text, text)',
    'app.password_history_of(uuid)', 'app.set_own_password(text)',
    'app.start_session(uuid, bytea, interval, text, text, text)', 'app.rotate_session(bytea, bytea, boolean)',
    'app.resume_session(bytea)', 'app.end_session_by_id(uuid, text)', 'app.end_sessions_of(uuid, text, uuid)']
  loop
    execute format('alter function %s owner to kastell_auth', f);
    execute format('revoke all on function %s from public', f);
  end loop;
  foreach f in array array[
    'app.auth_locked_until(text, integer)', 'app.claim_auth_attempt(text, integer)',
    'app.withdraw_auth_attempt(uuid, boolean)', 'app.clear_auth_failures(text)',
    'app.find_account(text)', 'app.find_account_by_id(uuid)', 'app.rehash_password(uuid, text, text)',
    'app.password_history_of(uuid)', 'app.set_own_password(text)',
    'app.start_session(uuid, bytea, interval, text, text, text)', 'app.rotate_session(bytea, bytea, boolean)',
    'app.resume_session(bytea)', 'app.end_session_by_id(uuid, text)', 'app.end_sessions_of(uuid, text, uuid)']
  loop
    execute format('grant execute on function %s to kastell_app', f);
  end loop;
end
$$;
