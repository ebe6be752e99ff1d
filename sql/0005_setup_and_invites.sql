-- The first-run owner set-up token and invites. Every secret is a 256-bit
-- random token of which only the SHA-256 is stored. Flows that run before
-- anyone is signed in go through SECURITY DEFINER functions owned by
-- kastell_auth, each doing one narrow thing.

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

do $$
declare
  f text;
begin
  foreach f in array array[
    'app.find_sign_in(text)', 'app.owner_exists()', 'app.create_setup_token(bytea, interval)',
    'app.setup_token_valid(bytea)', 'app.claim_setup_token(bytea, text, text, text)',
    'app.invite_for_token(bytea)', 'app.accept_invite(bytea, text, text)']
  loop
    execute format('alter function %s owner to kastell_auth', f);
    execute format('grant execute on function %s to kastell_app', f);
  end loop;
end
$$;
