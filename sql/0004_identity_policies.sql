-- Grants and row-level security for the identity tables.
-- kastell_app: the application's requests, judged by the current principal.
-- kastell_auth: owner of the SECURITY DEFINER functions (sign-in, principal
-- helpers); it reads what those functions need and nothing else.

-- organisation: one row, readable by every signed-in user
revoke all on kastell.organisation from public;
grant select, update (name, default_locale) on kastell.organisation to kastell_app;
grant select on kastell.organisation to kastell_auth;
alter table kastell.organisation enable row level security;
alter table kastell.organisation force row level security;
create policy organisation_read on kastell.organisation for select to kastell_app, kastell_auth using (true);
create policy organisation_update on kastell.organisation for update to kastell_app
  using ((select app.has_global('organisation.update')))
  with check ((select app.has_global('organisation.update')));

-- permissions: reference data, read-only for everyone
revoke all on kastell.permissions from public;
grant select on kastell.permissions to kastell_app, kastell_auth;
alter table kastell.permissions enable row level security;
alter table kastell.permissions force row level security;
create policy permissions_read on kastell.permissions for select to kastell_app, kastell_auth using (true);

-- companies
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

-- roles: system roles are visible to all; custom roles to their company
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
create index role_permissions_permission_key_idx on kastell.role_permissions (permission_key);

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
