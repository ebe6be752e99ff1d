-- Sessions: opaque 256-bit tokens of which only the SHA-256 is stored; idle
-- timeout, 30-day rolling lifetime, 90-day hard cap; sudo mode, how the
-- session was authenticated, and the cached permission set (NULL = resolve
-- again; the triggers below clear it). Everything runs through SECURITY
-- DEFINER functions owned by kastell_auth, each doing one narrow thing.

create table kastell.sessions (
  session_id uuid primary key default app.uuidv7(),
  user_id uuid not null references kastell.users on delete cascade,
  token_hash bytea not null unique check (length(token_hash) = 32),
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  idle_timeout interval not null,
  expires_at timestamptz not null,      -- rolling lifetime
  hard_expires_at timestamptz not null, -- absolute cap
  ip text,
  user_agent text check (length(user_agent) <= 512),
  ended_at timestamptz,
  end_reason text check (end_reason in ('sign_out', 'idle', 'expired', 'ended_by_user', 'ended_by_admin', 'password_change',
                                        'factor_change', 'role_change', 'disabled', 'rotated', 'network')),
  reauth_at timestamptz,
  auth_method text check (auth_method in ('password', 'password+totp',
    'password+backup_code', 'password+passkey', 'passkey', 'unlock+password+totp')),
  permissions text[]
);
create index sessions_user_id_idx on kastell.sessions (user_id);
create index sessions_active_user_idx on kastell.sessions (user_id) where ended_at is null;
revoke all on kastell.sessions from public;
grant select (session_id, user_id, created_at, last_seen_at, expires_at, ip, user_agent, ended_at, end_reason,
              reauth_at, auth_method)
  on kastell.sessions to kastell_app;
grant update (ended_at, end_reason) on kastell.sessions to kastell_app;
grant select, insert, update on kastell.sessions to kastell_auth;
alter table kastell.sessions enable row level security;
alter table kastell.sessions force row level security;
create policy sessions_read on kastell.sessions for select to kastell_app
  using (user_id = (select app.current_user_id()) or (select app.has_global('sessions.read')));
create policy sessions_end on kastell.sessions for update to kastell_app
  using (user_id = (select app.current_user_id()) or (select app.has_global('sessions.end')))
  with check (ended_at is not null);
create policy sessions_auth on kastell.sessions for all to kastell_auth using (true) with check (true);

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

-- Resolves a session token to its principal (with sudo time and the cached
-- permission set), or to nothing. Ends the session when it has been idle too
-- long or outlived its lifetime; resolves and caches permissions when
-- cleared; otherwise rolls last_seen/expiry forward (at most every 30 s, to
-- spare writes).
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

create function app.end_session(p_token_hash bytea, p_reason text)
returns void
language sql volatile security definer
set search_path = ''
as $$
  update kastell.sessions set ended_at = pg_catalog.now(), end_reason = p_reason
  where token_hash = p_token_hash and ended_at is null
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

-- Ends every live session of a user (and clears nothing else). Used by the
-- triggers that end sessions (here and in 0006) and by "sign out everywhere".
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

do $$
declare
  f text;
begin
  foreach f in array array[
    'app.start_session(uuid, bytea, interval, text, text, text)', 'app.rotate_session(bytea, bytea, boolean)',
    'app.resume_session(bytea)', 'app.end_session_by_id(uuid, text)',
    'app.end_user_sessions(uuid, text, uuid)', 'app.end_sessions_of(uuid, text, uuid)',
    'app.memberships_changed()', 'app.role_permissions_changed()']
  loop
    execute format('alter function %s owner to kastell_auth', f);
    execute format('revoke all on function %s from public', f);
  end loop;
  alter function app.end_session(bytea, text) owner to kastell_auth;
  -- end_user_sessions and the trigger functions are not the application's to call
  foreach f in array array[
    'app.start_session(uuid, bytea, interval, text, text, text)', 'app.rotate_session(bytea, bytea, boolean)',
    'app.resume_session(bytea)', 'app.end_session(bytea, text)', 'app.end_session_by_id(uuid, text)',
    'app.end_sessions_of(uuid, text, uuid)']
  loop
    execute format('grant execute on function %s to kastell_app', f);
  end loop;
end
$$;
