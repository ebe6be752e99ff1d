-- Organisation, customer companies, the permission catalogue and the ten
-- system roles, users, memberships, and the principal helpers the policies
-- call. Each table with its rows (reference data goes in before row-level
-- security is forced), grants, row-level security, policies and indexes.
-- kastell_app: the application's requests, judged by the current principal.
-- kastell_auth: owner of the SECURITY DEFINER functions (sign-in, principal
-- helpers); it reads what those functions need and nothing else.

-- Principal helpers. SECURITY DEFINER, owned by kastell_auth (which reads
-- memberships and role_permissions through its own policies), so a policy
-- can ask "what may the current user do" without granting the app those
-- tables wholesale. Policies call them in a sub-select: once per statement.
-- They come first because the policies below call them; their bodies read
-- tables created further down in this file (bodies are checked when called).
set local check_function_bodies = off;

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

set local check_function_bodies = on;

alter function app.active_membership() owner to kastell_auth;
alter function app.current_company_id() owner to kastell_auth;
alter function app.has_global(text) owner to kastell_auth;
alter function app.company_scope(text) owner to kastell_auth;
grant execute on function app.current_company_id() to kastell_app;
grant execute on function app.has_global(text) to kastell_app;
grant execute on function app.company_scope(text) to kastell_app;

-- organisation: one row, readable by every signed-in user
create table kastell.organisation (
  organisation_id boolean primary key default true check (organisation_id),
  name text not null check (length(name) between 1 and 200),
  default_locale text not null default 'en' check (default_locale in ('en', 'de', 'fr', 'it')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
insert into kastell.organisation (name) values ('Kastell');
revoke all on kastell.organisation from public;
grant select, update (name, default_locale) on kastell.organisation to kastell_app;
grant select on kastell.organisation to kastell_auth;
alter table kastell.organisation enable row level security;
alter table kastell.organisation force row level security;
create policy organisation_read on kastell.organisation for select to kastell_app, kastell_auth using (true);
create policy organisation_update on kastell.organisation for update to kastell_app
  using ((select app.has_global('organisation.update')))
  with check ((select app.has_global('organisation.update')));

-- companies
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
revoke all on kastell.companies from public;
grant select, insert, update, delete on kastell.companies to kastell_app;
grant select on kastell.companies to kastell_auth;
alter table kastell.companies enable row level security;
alter table kastell.companies force row level security;
create policy companies_read on kastell.companies for select to kastell_app
  using ((select app.has_global('companies.read')) or company_id = (select app.company_scope('companies.read')));
create policy companies_create on kastell.companies for insert to kastell_app
  with check ((select app.has_global('companies.create')));
create policy companies_update on kastell.companies for update to kastell_app
  using ((select app.has_global('companies.update')) or company_id = (select app.company_scope('companies.update')))
  with check ((select app.has_global('companies.update')) or company_id = (select app.company_scope('companies.update')));
create policy companies_delete on kastell.companies for delete to kastell_app
  using ((select app.has_global('companies.delete')));
create policy companies_auth on kastell.companies for select to kastell_auth using (true);

-- permissions: reference data, read-only for everyone
create table kastell.permissions (
  permission_key text primary key check (permission_key ~ '^[a-z_]+\.[a-z_]+$'),
  description text not null,
  -- may a customer admin put this permission into a custom role?
  customer_assignable boolean not null default false
);
-- The permission catalogue (SPEC §1). Scope: own (the user's own records),
-- company (the customer company; for technicians the jobs assigned to them),
-- global (the whole installation).
insert into kastell.permissions (permission_key, description, customer_assignable) values
  ('organisation.read', 'Read the organisation''s settings', false),
  ('organisation.update', 'Change the organisation''s settings', false),
  ('keys.read', 'See encryption key status', false),
  ('keys.rotate', 'Rotate or destroy encryption keys', false),
  ('backups.read', 'See backup and restore-drill status', false),
  ('backups.run', 'Start a backup or restore drill', false),
  ('roles.read', 'Read role definitions', true),
  ('roles.manage', 'Change system role definitions', false),
  ('custom_roles.manage', 'Compose custom roles for a company', true),
  ('users.read', 'Read user accounts', true),
  ('users.invite', 'Invite users into a role', true),
  ('users.update', 'Change user accounts and their roles', true),
  ('users.disable', 'Disable user accounts', true),
  ('sessions.read', 'List sessions', false),
  ('sessions.end', 'End sessions', false),
  ('profile.update', 'Change one''s own profile', true),
  ('companies.read', 'Read customer companies', true),
  ('companies.create', 'Create customer companies', false),
  ('companies.update', 'Change customer companies', true),
  ('companies.delete', 'Delete customer companies', false),
  ('sites.read', 'Read sites', true),
  ('sites.create', 'Create sites', true),
  ('sites.update', 'Change sites', true),
  ('sites.delete', 'Delete sites', true),
  ('assets.read', 'Read assets', true),
  ('assets.create', 'Create assets', true),
  ('assets.update', 'Change assets', true),
  ('assets.delete', 'Delete assets', true),
  ('requests.read', 'Read service requests', true),
  ('requests.create', 'Raise service requests', true),
  ('requests.update', 'Change service requests', true),
  ('jobs.read', 'Read jobs', true),
  ('jobs.create', 'Create jobs', false),
  ('jobs.update', 'Change jobs and their status', false),
  ('jobs.assign', 'Assign technicians to jobs', false),
  ('visits.read', 'Read visits', true),
  ('visits.manage', 'Plan and record visits', false),
  ('reports.read', 'Read service reports', true),
  ('reports.write', 'Write service reports', false),
  ('reports.sign', 'Sign off service reports', true),
  ('documents.read', 'Read and download documents', true),
  ('documents.upload', 'Upload documents', true),
  ('documents.delete', 'Delete documents', true),
  ('messages.read', 'Read job messages', true),
  ('messages.write', 'Write job messages', true),
  ('notifications.read', 'Read notifications', true),
  ('share_links.create', 'Share a document by link', true),
  ('share_links.revoke', 'Revoke share links', true),
  ('access_log.read', 'See who accessed the company''s documents', true),
  ('audit.read', 'Read the audit log', false),
  ('audit.export', 'Export the audit log', false),
  ('evidence.read', 'Read trust evidence', false),
  ('evidence.export', 'Export the signed evidence pack', false),
  ('trust.manage', 'Maintain the trust page and incidents', false);
revoke all on kastell.permissions from public;
grant select on kastell.permissions to kastell_app, kastell_auth;
alter table kastell.permissions enable row level security;
alter table kastell.permissions force row level security;
create policy permissions_read on kastell.permissions for select to kastell_app, kastell_auth using (true);

-- roles: system roles are visible to all; custom roles to their company
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
-- The ten system roles (SPEC §1).
insert into kastell.roles (role_key, name, side) values
  ('owner', 'Owner', 'operator'),
  ('admin', 'Administrator', 'operator'),
  ('security_officer', 'Security officer', 'operator'),
  ('dispatcher', 'Dispatcher', 'operator'),
  ('technician', 'Technician', 'operator'),
  ('support', 'Support', 'operator'),
  ('customer_admin', 'Customer administrator', 'customer'),
  ('customer_member', 'Customer member', 'customer'),
  ('customer_viewer', 'Customer viewer', 'customer'),
  ('external_auditor', 'External auditor', 'guest');
create index roles_company_id_idx on kastell.roles (company_id);
create unique index roles_company_name_key on kastell.roles (company_id, lower(name));
revoke all on kastell.roles from public;
grant select, insert, update (name), delete on kastell.roles to kastell_app;
grant select on kastell.roles to kastell_auth;
alter table kastell.roles enable row level security;
alter table kastell.roles force row level security;
create policy roles_read on kastell.roles for select to kastell_app
  using (company_id is null
         or company_id = (select app.current_company_id())
         or (select app.has_global('roles.read')));
create policy roles_create on kastell.roles for insert to kastell_app
  with check (company_id = (select app.company_scope('custom_roles.manage')));
create policy roles_update on kastell.roles for update to kastell_app
  using (company_id = (select app.company_scope('custom_roles.manage')))
  with check (company_id = (select app.company_scope('custom_roles.manage')));
create policy roles_delete on kastell.roles for delete to kastell_app
  using (company_id = (select app.company_scope('custom_roles.manage')));
create policy roles_auth on kastell.roles for select to kastell_auth using (true);

-- role_permissions: visible with their role; custom roles take only
-- customer-assignable permissions, never at global scope
create table kastell.role_permissions (
  role_id uuid not null references kastell.roles on delete cascade,
  permission_key text not null references kastell.permissions,
  scope text not null check (scope in ('own', 'company', 'global')),
  primary key (role_id, permission_key)
);
-- What each system role may do.
insert into kastell.role_permissions (role_id, permission_key, scope)
select r.role_id, g.permission_key, g.scope
from (values
  ('owner', 'organisation.read', 'global'),
  ('owner', 'organisation.update', 'global'),
  ('owner', 'keys.read', 'global'),
  ('owner', 'keys.rotate', 'global'),
  ('owner', 'backups.read', 'global'),
  ('owner', 'backups.run', 'global'),
  ('owner', 'roles.read', 'global'),
  ('owner', 'roles.manage', 'global'),
  ('owner', 'custom_roles.manage', 'global'),
  ('owner', 'users.read', 'global'),
  ('owner', 'users.invite', 'global'),
  ('owner', 'users.update', 'global'),
  ('owner', 'users.disable', 'global'),
  ('owner', 'sessions.read', 'global'),
  ('owner', 'sessions.end', 'global'),
  ('owner', 'profile.update', 'own'),
  ('owner', 'companies.read', 'global'),
  ('owner', 'companies.create', 'global'),
  ('owner', 'companies.update', 'global'),
  ('owner', 'companies.delete', 'global'),
  ('owner', 'sites.read', 'global'),
  ('owner', 'sites.create', 'global'),
  ('owner', 'sites.update', 'global'),
  ('owner', 'sites.delete', 'global'),
  ('owner', 'assets.read', 'global'),
  ('owner', 'assets.create', 'global'),
  ('owner', 'assets.update', 'global'),
  ('owner', 'assets.delete', 'global'),
  ('owner', 'requests.read', 'global'),
  ('owner', 'requests.create', 'global'),
  ('owner', 'requests.update', 'global'),
  ('owner', 'jobs.read', 'global'),
  ('owner', 'jobs.create', 'global'),
  ('owner', 'jobs.update', 'global'),
  ('owner', 'jobs.assign', 'global'),
  ('owner', 'visits.read', 'global'),
  ('owner', 'visits.manage', 'global'),
  ('owner', 'reports.read', 'global'),
  ('owner', 'reports.write', 'global'),
  ('owner', 'reports.sign', 'global'),
  ('owner', 'documents.read', 'global'),
  ('owner', 'documents.upload', 'global'),
  ('owner', 'documents.delete', 'global'),
  ('owner', 'messages.read', 'global'),
  ('owner', 'messages.write', 'global'),
  ('owner', 'notifications.read', 'global'),
  ('owner', 'share_links.create', 'global'),
  ('owner', 'share_links.revoke', 'global'),
  ('owner', 'access_log.read', 'global'),
  ('owner', 'audit.read', 'global'),
  ('owner', 'audit.export', 'global'),
  ('owner', 'evidence.read', 'global'),
  ('owner', 'evidence.export', 'global'),
  ('owner', 'trust.manage', 'global'),
  ('admin', 'organisation.read', 'global'),
  ('admin', 'organisation.update', 'global'),
  ('admin', 'backups.read', 'global'),
  ('admin', 'roles.read', 'global'),
  ('admin', 'custom_roles.manage', 'global'),
  ('admin', 'users.read', 'global'),
  ('admin', 'users.invite', 'global'),
  ('admin', 'users.update', 'global'),
  ('admin', 'users.disable', 'global'),
  ('admin', 'sessions.read', 'global'),
  ('admin', 'sessions.end', 'global'),
  ('admin', 'profile.update', 'own'),
  ('admin', 'companies.read', 'global'),
  ('admin', 'companies.create', 'global'),
  ('admin', 'companies.update', 'global'),
  ('admin', 'companies.delete', 'global'),
  ('admin', 'sites.read', 'global'),
  ('admin', 'sites.create', 'global'),
  ('admin', 'sites.update', 'global'),
  ('admin', 'sites.delete', 'global'),
  ('admin', 'assets.read', 'global'),
  ('admin', 'assets.create', 'global'),
  ('admin', 'assets.update', 'global'),
  ('admin', 'assets.delete', 'global'),
  ('admin', 'requests.read', 'global'),
  ('admin', 'requests.create', 'global'),
  ('admin', 'requests.update', 'global'),
  ('admin', 'jobs.read', 'global'),
  ('admin', 'jobs.create', 'global'),
  ('admin', 'jobs.update', 'global'),
  ('admin', 'jobs.assign', 'global'),
  ('admin', 'visits.read', 'global'),
  ('admin', 'visits.manage', 'global'),
  ('admin', 'reports.read', 'global'),
  ('admin', 'reports.write', 'global'),
  ('admin', 'reports.sign', 'global'),
  ('admin', 'documents.read', 'global'),
  ('admin', 'documents.upload', 'global'),
  ('admin', 'documents.delete', 'global'),
  ('admin', 'messages.read', 'global'),
  ('admin', 'messages.write', 'global'),
  ('admin', 'notifications.read', 'global'),
  ('admin', 'share_links.create', 'global'),
  ('admin', 'share_links.revoke', 'global'),
  ('admin', 'access_log.read', 'global'),
  ('admin', 'audit.read', 'global'),
  ('admin', 'audit.export', 'global'),
  ('admin', 'evidence.read', 'global'),
  ('admin', 'evidence.export', 'global'),
  ('admin', 'trust.manage', 'global'),
  ('security_officer', 'organisation.read', 'global'),
  ('security_officer', 'keys.read', 'global'),
  ('security_officer', 'backups.read', 'global'),
  ('security_officer', 'roles.read', 'global'),
  ('security_officer', 'users.read', 'global'),
  ('security_officer', 'sessions.read', 'global'),
  ('security_officer', 'profile.update', 'own'),
  ('security_officer', 'companies.read', 'global'),
  ('security_officer', 'sites.read', 'global'),
  ('security_officer', 'assets.read', 'global'),
  ('security_officer', 'requests.read', 'global'),
  ('security_officer', 'jobs.read', 'global'),
  ('security_officer', 'visits.read', 'global'),
  ('security_officer', 'reports.read', 'global'),
  ('security_officer', 'documents.read', 'global'),
  ('security_officer', 'messages.read', 'global'),
  ('security_officer', 'audit.read', 'global'),
  ('security_officer', 'audit.export', 'global'),
  ('security_officer', 'evidence.read', 'global'),
  ('security_officer', 'evidence.export', 'global'),
  ('security_officer', 'trust.manage', 'global'),
  ('dispatcher', 'organisation.read', 'global'),
  ('dispatcher', 'roles.read', 'global'),
  ('dispatcher', 'users.read', 'global'),
  ('dispatcher', 'sessions.read', 'own'),
  ('dispatcher', 'sessions.end', 'own'),
  ('dispatcher', 'profile.update', 'own'),
  ('dispatcher', 'companies.read', 'global'),
  ('dispatcher', 'companies.create', 'global'),
  ('dispatcher', 'companies.update', 'global'),
  ('dispatcher', 'sites.read', 'global'),
  ('dispatcher', 'sites.create', 'global'),
  ('dispatcher', 'sites.update', 'global'),
  ('dispatcher', 'sites.delete', 'global'),
  ('dispatcher', 'assets.read', 'global'),
  ('dispatcher', 'assets.create', 'global'),
  ('dispatcher', 'assets.update', 'global'),
  ('dispatcher', 'assets.delete', 'global'),
  ('dispatcher', 'requests.read', 'global'),
  ('dispatcher', 'requests.create', 'global'),
  ('dispatcher', 'requests.update', 'global'),
  ('dispatcher', 'jobs.read', 'global'),
  ('dispatcher', 'jobs.create', 'global'),
  ('dispatcher', 'jobs.update', 'global'),
  ('dispatcher', 'jobs.assign', 'global'),
  ('dispatcher', 'visits.read', 'global'),
  ('dispatcher', 'visits.manage', 'global'),
  ('dispatcher', 'reports.read', 'global'),
  ('dispatcher', 'documents.read', 'global'),
  ('dispatcher', 'documents.upload', 'global'),
  ('dispatcher', 'messages.read', 'global'),
  ('dispatcher', 'messages.write', 'global'),
  ('dispatcher', 'notifications.read', 'global'),
  ('technician', 'sessions.read', 'own'),
  ('technician', 'sessions.end', 'own'),
  ('technician', 'profile.update', 'own'),
  ('technician', 'companies.read', 'company'),
  ('technician', 'sites.read', 'company'),
  ('technician', 'assets.read', 'company'),
  ('technician', 'jobs.read', 'company'),
  ('technician', 'jobs.update', 'company'),
  ('technician', 'visits.read', 'company'),
  ('technician', 'visits.manage', 'company'),
  ('technician', 'reports.read', 'company'),
  ('technician', 'reports.write', 'company'),
  ('technician', 'documents.read', 'company'),
  ('technician', 'documents.upload', 'company'),
  ('technician', 'messages.read', 'company'),
  ('technician', 'messages.write', 'company'),
  ('technician', 'notifications.read', 'own'),
  ('support', 'organisation.read', 'global'),
  ('support', 'users.read', 'global'),
  ('support', 'sessions.read', 'own'),
  ('support', 'sessions.end', 'own'),
  ('support', 'profile.update', 'own'),
  ('support', 'companies.read', 'global'),
  ('support', 'sites.read', 'global'),
  ('support', 'assets.read', 'global'),
  ('support', 'requests.read', 'global'),
  ('support', 'jobs.read', 'global'),
  ('support', 'visits.read', 'global'),
  ('support', 'reports.read', 'global'),
  ('support', 'documents.read', 'global'),
  ('support', 'messages.read', 'global'),
  ('support', 'messages.write', 'global'),
  ('support', 'notifications.read', 'global'),
  ('customer_admin', 'roles.read', 'company'),
  ('customer_admin', 'custom_roles.manage', 'company'),
  ('customer_admin', 'users.read', 'company'),
  ('customer_admin', 'users.invite', 'company'),
  ('customer_admin', 'users.update', 'company'),
  ('customer_admin', 'users.disable', 'company'),
  ('customer_admin', 'sessions.read', 'own'),
  ('customer_admin', 'sessions.end', 'own'),
  ('customer_admin', 'profile.update', 'own'),
  ('customer_admin', 'companies.read', 'company'),
  ('customer_admin', 'companies.update', 'company'),
  ('customer_admin', 'sites.read', 'company'),
  ('customer_admin', 'sites.create', 'company'),
  ('customer_admin', 'sites.update', 'company'),
  ('customer_admin', 'sites.delete', 'company'),
  ('customer_admin', 'assets.read', 'company'),
  ('customer_admin', 'assets.create', 'company'),
  ('customer_admin', 'assets.update', 'company'),
  ('customer_admin', 'assets.delete', 'company'),
  ('customer_admin', 'requests.read', 'company'),
  ('customer_admin', 'requests.create', 'company'),
  ('customer_admin', 'requests.update', 'company'),
  ('customer_admin', 'jobs.read', 'company'),
  ('customer_admin', 'visits.read', 'company'),
  ('customer_admin', 'reports.read', 'company'),
  ('customer_admin', 'reports.sign', 'company'),
  ('customer_admin', 'documents.read', 'company'),
  ('customer_admin', 'documents.upload', 'company'),
  ('customer_admin', 'documents.delete', 'company'),
  ('customer_admin', 'messages.read', 'company'),
  ('customer_admin', 'messages.write', 'company'),
  ('customer_admin', 'notifications.read', 'own'),
  ('customer_admin', 'share_links.create', 'company'),
  ('customer_admin', 'share_links.revoke', 'company'),
  ('customer_admin', 'access_log.read', 'company'),
  ('customer_member', 'sessions.read', 'own'),
  ('customer_member', 'sessions.end', 'own'),
  ('customer_member', 'profile.update', 'own'),
  ('customer_member', 'companies.read', 'company'),
  ('customer_member', 'sites.read', 'company'),
  ('customer_member', 'assets.read', 'company'),
  ('customer_member', 'requests.read', 'company'),
  ('customer_member', 'requests.create', 'company'),
  ('customer_member', 'jobs.read', 'company'),
  ('customer_member', 'visits.read', 'company'),
  ('customer_member', 'reports.read', 'company'),
  ('customer_member', 'documents.read', 'company'),
  ('customer_member', 'documents.upload', 'company'),
  ('customer_member', 'messages.read', 'company'),
  ('customer_member', 'messages.write', 'company'),
  ('customer_member', 'notifications.read', 'own'),
  ('customer_member', 'share_links.create', 'company'),
  ('customer_viewer', 'sessions.read', 'own'),
  ('customer_viewer', 'sessions.end', 'own'),
  ('customer_viewer', 'profile.update', 'own'),
  ('customer_viewer', 'companies.read', 'company'),
  ('customer_viewer', 'sites.read', 'company'),
  ('customer_viewer', 'assets.read', 'company'),
  ('customer_viewer', 'requests.read', 'company'),
  ('customer_viewer', 'jobs.read', 'company'),
  ('customer_viewer', 'visits.read', 'company'),
  ('customer_viewer', 'reports.read', 'company'),
  ('customer_viewer', 'documents.read', 'company'),
  ('customer_viewer', 'messages.read', 'company'),
  ('customer_viewer', 'notifications.read', 'own'),
  ('external_auditor', 'sessions.read', 'own'),
  ('external_auditor', 'sessions.end', 'own'),
  ('external_auditor', 'profile.update', 'own'),
  ('external_auditor', 'audit.export', 'global'),
  ('external_auditor', 'evidence.read', 'global')
) as g (role_key, permission_key, scope)
join kastell.roles r on r.role_key = g.role_key;
create index role_permissions_permission_key_idx on kastell.role_permissions (permission_key);
revoke all on kastell.role_permissions from public;
grant select, insert, delete on kastell.role_permissions to kastell_app;
grant select on kastell.role_permissions to kastell_auth;
alter table kastell.role_permissions enable row level security;
alter table kastell.role_permissions force row level security;
create policy role_permissions_read on kastell.role_permissions for select to kastell_app
  using (exists (select 1 from kastell.roles r where r.role_id = role_permissions.role_id));
create policy role_permissions_create on kastell.role_permissions for insert to kastell_app
  with check (
    scope <> 'global'
    and exists (select 1 from kastell.roles r
                where r.role_id = role_permissions.role_id
                  and r.company_id = (select app.company_scope('custom_roles.manage')))
    and exists (select 1 from kastell.permissions p
                where p.permission_key = role_permissions.permission_key and p.customer_assignable));
create policy role_permissions_delete on kastell.role_permissions for delete to kastell_app
  using (exists (select 1 from kastell.roles r
                 where r.role_id = role_permissions.role_id
                   and r.company_id = (select app.company_scope('custom_roles.manage'))));
create policy role_permissions_auth on kastell.role_permissions for select to kastell_auth using (true);

-- users and memberships together: each one's read policy looks at the other.
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

-- users: oneself, global readers, and a customer admin's own company
revoke all on kastell.users from public;
grant select (user_id, email, display_name, status, locale, created_at, updated_at) on kastell.users to kastell_app;
grant update (display_name, locale, status) on kastell.users to kastell_app;
grant select, insert, update on kastell.users to kastell_auth;
alter table kastell.users enable row level security;
alter table kastell.users force row level security;
create policy users_read on kastell.users for select to kastell_app
  using (user_id = (select app.current_user_id())
         or (select app.has_global('users.read'))
         or exists (select 1 from kastell.memberships m
                    where m.user_id = users.user_id
                      and m.company_id = (select app.company_scope('users.read'))));
create policy users_update on kastell.users for update to kastell_app
  using (user_id = (select app.current_user_id())
         or (select app.has_global('users.update'))
         or exists (select 1 from kastell.memberships m
                    where m.user_id = users.user_id
                      and m.company_id = (select app.company_scope('users.update'))))
  with check (true);
create policy users_auth on kastell.users for all to kastell_auth using (true) with check (true);

-- memberships: who holds which role where
revoke all on kastell.memberships from public;
grant select, update (role_id) on kastell.memberships to kastell_app;
grant select, insert on kastell.memberships to kastell_auth;
alter table kastell.memberships enable row level security;
alter table kastell.memberships force row level security;
create policy memberships_read on kastell.memberships for select to kastell_app
  using (user_id = (select app.current_user_id())
         or (select app.has_global('users.read'))
         or company_id = (select app.company_scope('users.read')));
create policy memberships_update on kastell.memberships for update to kastell_app
  using ((select app.has_global('users.update')) or company_id = (select app.company_scope('users.update')))
  with check ((select app.has_global('users.update')) or company_id = (select app.company_scope('users.update')));
create policy memberships_auth on kastell.memberships for all to kastell_auth using (true) with check (true);
