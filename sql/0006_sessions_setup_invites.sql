-- Sessions, the first-run owner set-up token, and invites. Every secret is
-- a 256-bit random token of which only the SHA-256 is stored. Flows that run
-- before anyone is signed in go through SECURITY DEFINER functions owned by
-- kastell_auth, each doing one narrow thing.

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
  end_reason text check (end_reason in ('sign_out', 'idle', 'expired', 'ended_by_user', 'ended_by_admin',
                                        'password_change', 'factor_change', 'role_change', 'disabled'))
);
create index sessions_user_id_idx on kastell.sessions (user_id);

revoke all on kastell.sessions from public;
grant select (session_id, user_id, created_at, last_seen_at, expires_at, ip, user_agent, ended_at, end_reason)
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

create table kastell.setup_tokens (
  setup_token_id uuid primary key default app.uuidv7(),
  token_hash bytea not null unique check (length(token_hash) = 32),
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
-- Only the set-up functions touch it: no grant, no policy for kastell_app.
revoke all on kastell.setup_tokens from public;
grant select, insert, update on kastell.setup_tokens to kastell_auth;
alter table kastell.setup_tokens enable row level security;
alter table kastell.setup_tokens force row level security;
create policy setup_tokens_auth on kastell.setup_tokens for all to kastell_auth using (true) with check (true);

create table kastell.invites (
  invite_id uuid primary key default app.uuidv7(),
  email text not null check (email ~ '^[^@\s]+@[^@\s]+$' and length(email) <= 254),
  role_id uuid not null references kastell.roles,
  company_id uuid references kastell.companies on delete cascade,
  token_hash bytea not null unique check (length(token_hash) = 32),
  invited_by uuid references kastell.users on delete set null,
  expires_at timestamptz not null,
  accepted_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now()
);
create index invites_company_id_idx on kastell.invites (company_id);
create trigger invites_check_role before insert or update on kastell.invites
  for each row execute function app.check_membership_role();

revoke all on kastell.invites from public;
grant select (invite_id, email, role_id, company_id, invited_by, expires_at, accepted_at, revoked_at, created_at)
  on kastell.invites to kastell_app;
grant insert on kastell.invites to kastell_app;
grant update (revoked_at) on kastell.invites to kastell_app;
grant select, update on kastell.invites to kastell_auth;
alter table kastell.invites enable row level security;
alter table kastell.invites force row level security;
-- Only the owner (roles.manage) may invite into the owner role.
create policy invites_read on kastell.invites for select to kastell_app
  using ((select app.has_global('users.invite')) or company_id = (select app.company_scope('users.invite')));
create policy invites_create on kastell.invites for insert to kastell_app
  with check (
    ((select app.has_global('users.invite')) or company_id = (select app.company_scope('users.invite')))
    and invited_by = (select app.current_user_id())
    and ((select app.has_global('roles.manage'))
         or not exists (select 1 from kastell.roles r where r.role_id = invites.role_id and r.role_key = 'owner')));
create policy invites_revoke on kastell.invites for update to kastell_app
  using ((select app.has_global('users.invite')) or company_id = (select app.company_scope('users.invite')))
  with check (revoked_at is not null);
create policy invites_auth on kastell.invites for all to kastell_auth using (true) with check (true);

-- Sign-in: the account behind an e-mail address (case-insensitive).
create function app.find_sign_in(p_email text)
returns table (user_id uuid, password_hash text, status text, role_key text, side text)
language sql stable security definer
set search_path = ''
as $$
  select u.user_id, u.password_hash, u.status, r.role_key, r.side
  from kastell.users u
  join kastell.memberships m on m.user_id = u.user_id
  join kastell.roles r on r.role_id = m.role_id
  where pg_catalog.lower(u.email) = pg_catalog.lower(p_email)
$$;

create function app.start_session(p_user_id uuid, p_token_hash bytea, p_idle_timeout interval,
                                  p_ip text, p_user_agent text)
returns uuid
language sql volatile security definer
set search_path = ''
as $$
  insert into kastell.sessions (user_id, token_hash, idle_timeout, expires_at, hard_expires_at, ip, user_agent)
  values (p_user_id, p_token_hash, p_idle_timeout,
          pg_catalog.now() + interval '30 days', pg_catalog.now() + interval '90 days',
          p_ip, pg_catalog.left(p_user_agent, 512))
  returning session_id
$$;

-- Resolves a session token to its principal, or to nothing. Ends the session
-- when it has been idle too long or outlived its lifetime; otherwise rolls
-- last_seen/expiry forward (at most every 30 s, to spare writes).
create function app.resume_session(p_token_hash bytea)
returns table (session_id uuid, user_id uuid, email text, display_name text, locale text,
               role_key text, role_name text, side text, company_id uuid, permissions text[])
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  s kastell.sessions%rowtype;
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
  if pg_catalog.now() - s.last_seen_at >= interval '30 seconds' then
    update kastell.sessions
       set last_seen_at = pg_catalog.now(),
           expires_at = least(pg_catalog.now() + interval '30 days', s.hard_expires_at)
     where sessions.session_id = s.session_id;
  end if;
  return query
    select s.session_id, u.user_id, u.email, u.display_name, u.locale, r.role_key, r.name, r.side, m.company_id,
           array(select rp.permission_key || ':' || rp.scope from kastell.role_permissions rp
                 where rp.role_id = m.role_id order by 1)
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

-- First run: is there an owner yet?
create function app.owner_exists() returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from kastell.memberships m
                 join kastell.roles r on r.role_id = m.role_id
                 where r.role_key = 'owner')
$$;

create function app.create_setup_token(p_token_hash bytea, p_ttl interval) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  if app.owner_exists() then
    raise exception 'an owner exists already' using errcode = '55000';
  end if;
  insert into kastell.setup_tokens (token_hash, expires_at) values (p_token_hash, pg_catalog.now() + p_ttl);
end
$$;

create function app.setup_token_valid(p_token_hash bytea) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select not app.owner_exists() and exists (
    select 1 from kastell.setup_tokens
    where token_hash = p_token_hash and used_at is null and expires_at > pg_catalog.now())
$$;

-- Creates the owner from a valid set-up token, once. Concurrent claims are
-- serialised so only one owner can come out of the first run.
create function app.claim_setup_token(p_token_hash bytea, p_email text, p_display_name text, p_password_hash text)
returns uuid
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  v_user_id uuid;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('kastell.claim_setup_token'));
  if not app.setup_token_valid(p_token_hash) then
    raise exception 'set-up link invalid, used or expired' using errcode = 'P0002';
  end if;
  insert into kastell.users (email, display_name, password_hash)
  values (p_email, p_display_name, p_password_hash)
  returning user_id into v_user_id;
  insert into kastell.memberships (user_id, role_id)
  select v_user_id, role_id from kastell.roles where role_key = 'owner';
  update kastell.setup_tokens set used_at = pg_catalog.now() where used_at is null;
  return v_user_id;
end
$$;

create function app.invite_for_token(p_token_hash bytea)
returns table (invite_id uuid, email text, role_name text, company_name text, expires_at timestamptz)
language sql stable security definer
set search_path = ''
as $$
  select i.invite_id, i.email, r.name, c.name, i.expires_at
  from kastell.invites i
  join kastell.roles r on r.role_id = i.role_id
  left join kastell.companies c on c.company_id = i.company_id
  where i.token_hash = p_token_hash
    and i.accepted_at is null and i.revoked_at is null
    and i.expires_at > pg_catalog.now()
$$;

create function app.accept_invite(p_token_hash bytea, p_display_name text, p_password_hash text)
returns uuid
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  i kastell.invites%rowtype;
  v_user_id uuid;
begin
  select * into i from kastell.invites
  where token_hash = p_token_hash and accepted_at is null and revoked_at is null
    and expires_at > pg_catalog.now()
  for update;
  if not found then
    raise exception 'invite link invalid, used or expired' using errcode = 'P0002';
  end if;
  insert into kastell.users (email, display_name, password_hash)
  values (i.email, p_display_name, p_password_hash)
  returning user_id into v_user_id;
  insert into kastell.memberships (user_id, role_id, company_id) values (v_user_id, i.role_id, i.company_id);
  update kastell.invites set accepted_at = pg_catalog.now() where invite_id = i.invite_id;
  return v_user_id;
end
$$;

alter function app.find_sign_in(text) owner to kastell_auth;
alter function app.start_session(uuid, bytea, interval, text, text) owner to kastell_auth;
alter function app.resume_session(bytea) owner to kastell_auth;
alter function app.end_session(bytea, text) owner to kastell_auth;
alter function app.owner_exists() owner to kastell_auth;
alter function app.create_setup_token(bytea, interval) owner to kastell_auth;
alter function app.setup_token_valid(bytea) owner to kastell_auth;
alter function app.claim_setup_token(bytea, text, text, text) owner to kastell_auth;
alter function app.invite_for_token(bytea) owner to kastell_auth;
alter function app.accept_invite(bytea, text, text) owner to kastell_auth;

grant execute on function app.find_sign_in(text) to kastell_app;
grant execute on function app.start_session(uuid, bytea, interval, text, text) to kastell_app;
grant execute on function app.resume_session(bytea) to kastell_app;
grant execute on function app.end_session(bytea, text) to kastell_app;
grant execute on function app.owner_exists() to kastell_app;
grant execute on function app.create_setup_token(bytea, interval) to kastell_app;
grant execute on function app.setup_token_valid(bytea) to kastell_app;
grant execute on function app.claim_setup_token(bytea, text, text, text) to kastell_app;
grant execute on function app.invite_for_token(bytea) to kastell_app;
grant execute on function app.accept_invite(bytea, text, text) to kastell_app;
