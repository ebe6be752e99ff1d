-- Organisation, customer companies, permission catalogue, roles, users,
-- memberships, and the principal helpers the policies call.

create table kastell.organisation (
  organisation_id boolean primary key default true check (organisation_id),
  name text not null check (length(name) between 1 and 200),
  default_locale text not null default 'en' check (default_locale in ('en', 'de', 'fr', 'it')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
insert into kastell.organisation (name) values ('Kastell');

create table kastell.companies (
  company_id uuid primary key default app.uuidv7(),
  name text not null check (length(name) between 1 and 200),
  customer_number text check (length(customer_number) between 1 and 50),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index companies_customer_number_key on kastell.companies (customer_number);
create trigger companies_touch before update on kastell.companies
  for each row execute function app.touch_updated_at();

create table kastell.permissions (
  permission_key text primary key check (permission_key ~ '^[a-z_]+\.[a-z_]+$'),
  description text not null,
  -- may a customer admin put this permission into a custom role?
  customer_assignable boolean not null default false
);

create table kastell.roles (
  role_id uuid primary key default app.uuidv7(),
  role_key text unique check (role_key ~ '^[a-z_]+$'),
  company_id uuid references kastell.companies on delete cascade,
  name text not null check (length(name) between 1 and 100),
  side text not null check (side in ('operator', 'customer', 'guest')),
  created_at timestamptz not null default now(),
  -- system roles have a key and no company; custom roles the reverse
  constraint roles_system_or_custom check ((role_key is null) = (company_id is not null)),
  constraint roles_custom_are_customer check (company_id is null or side = 'customer')
);
create index roles_company_id_idx on kastell.roles (company_id);
create unique index roles_company_name_key on kastell.roles (company_id, lower(name));

create table kastell.role_permissions (
  role_id uuid not null references kastell.roles on delete cascade,
  permission_key text not null references kastell.permissions,
  scope text not null check (scope in ('own', 'company', 'global')),
  primary key (role_id, permission_key)
);

create table kastell.users (
  user_id uuid primary key default app.uuidv7(),
  email text not null check (email ~ '^[^@\s]+@[^@\s]+$' and length(email) <= 254),
  display_name text not null check (length(display_name) between 1 and 200),
  password_hash text check (password_hash like '$argon2id$%'),
  status text not null default 'active' check (status in ('active', 'disabled')),
  locale text check (locale in ('en', 'de', 'fr', 'it')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index users_email_key on kastell.users (lower(email));
create trigger users_touch before update on kastell.users
  for each row execute function app.touch_updated_at();

-- One membership per user: an operator role (no company) or a customer role
-- in exactly one company.
create table kastell.memberships (
  membership_id uuid primary key default app.uuidv7(),
  user_id uuid not null unique references kastell.users on delete cascade,
  role_id uuid not null references kastell.roles,
  company_id uuid references kastell.companies on delete cascade,
  expires_at timestamptz,
  created_at timestamptz not null default now()
);
create index memberships_company_id_idx on kastell.memberships (company_id);
create index memberships_role_id_idx on kastell.memberships (role_id);

-- A customer role belongs to a company; an operator/guest role to none; a
-- custom role only inside its own company.
create function app.check_membership_role() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  r record;
begin
  select side, company_id into r from kastell.roles where role_id = new.role_id;
  if not found then
    raise exception 'unknown role' using errcode = '23503';
  end if;
  if r.side = 'customer' and new.company_id is null then
    raise exception 'a customer role needs a company' using errcode = '23514';
  end if;
  if r.side <> 'customer' and new.company_id is not null then
    raise exception 'an operator role has no company' using errcode = '23514';
  end if;
  if r.company_id is not null and r.company_id <> new.company_id then
    raise exception 'a custom role belongs to another company' using errcode = '23514';
  end if;
  return new;
end
$$;
create trigger memberships_check_role before insert or update on kastell.memberships
  for each row execute function app.check_membership_role();

-- Principal helpers. SECURITY DEFINER, owned by kastell_auth (which reads
-- memberships and role_permissions through its own policies), so a policy
-- can ask "what may the current user do" without granting the app those
-- tables wholesale. Policies call them in a sub-select: once per statement.
-- The current user's membership while it counts: the user is active and the
-- membership (e.g. an external auditor's) has not expired.
create function app.active_membership() returns table (role_id uuid, company_id uuid)
language sql stable security definer
set search_path = ''
as $$
  select m.role_id, m.company_id
  from kastell.memberships m
  join kastell.users u on u.user_id = m.user_id
  where m.user_id = app.current_user_id()
    and u.status = 'active'
    and (m.expires_at is null or m.expires_at > pg_catalog.now())
$$;

create function app.current_company_id() returns uuid
language sql stable security definer
set search_path = ''
as $$ select company_id from app.active_membership() $$;

create function app.has_global(permission text) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from app.active_membership() m
    join kastell.role_permissions rp on rp.role_id = m.role_id
    where rp.permission_key = permission and rp.scope = 'global')
$$;

-- The current user's company when they hold `permission` at company scope,
-- else NULL — so `company_id = (select app.company_scope('x'))` is false.
create function app.company_scope(permission text) returns uuid
language sql stable security definer
set search_path = ''
as $$
  select m.company_id from app.active_membership() m
  join kastell.role_permissions rp on rp.role_id = m.role_id
  where m.company_id is not null and rp.permission_key = permission and rp.scope = 'company'
$$;

alter function app.active_membership() owner to kastell_auth;
alter function app.current_company_id() owner to kastell_auth;
alter function app.has_global(text) owner to kastell_auth;
alter function app.company_scope(text) owner to kastell_auth;
grant execute on function app.current_company_id() to kastell_app;
grant execute on function app.has_global(text) to kastell_app;
grant execute on function app.company_scope(text) to kastell_app;
