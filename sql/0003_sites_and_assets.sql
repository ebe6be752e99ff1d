-- Sites of a customer company and the assets (machines, installations) at
-- each site. An asset's company always matches its site's: a composite
-- foreign key, not a convention.

create table kastell.sites (
  site_id uuid primary key default app.uuidv7(),
  company_id uuid not null references kastell.companies on delete cascade,
  name text not null check (length(name) between 1 and 200),
  street text check (length(street) <= 200),
  postal_code text check (length(postal_code) <= 20),
  city text check (length(city) <= 100),
  country text check (country ~ '^[A-Z]{2}$'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (site_id, company_id)
);
create index sites_company_id_idx on kastell.sites (company_id);
create trigger sites_touch before update on kastell.sites
  for each row execute function app.touch_updated_at();
revoke all on kastell.sites from public;
grant select, insert, update, delete on kastell.sites to kastell_app;
alter table kastell.sites enable row level security;
alter table kastell.sites force row level security;
create policy sites_read on kastell.sites for select to kastell_app
  using ((select app.has_global('sites.read')) or company_id = (select app.company_scope('sites.read')));
create policy sites_create on kastell.sites for insert to kastell_app
  with check ((select app.has_global('sites.create')) or company_id = (select app.company_scope('sites.create')));
create policy sites_update on kastell.sites for update to kastell_app
  using ((select app.has_global('sites.update')) or company_id = (select app.company_scope('sites.update')))
  with check ((select app.has_global('sites.update')) or company_id = (select app.company_scope('sites.update')));
create policy sites_delete on kastell.sites for delete to kastell_app
  using ((select app.has_global('sites.delete')) or company_id = (select app.company_scope('sites.delete')));

create table kastell.assets (
  asset_id uuid primary key default app.uuidv7(),
  company_id uuid not null,
  site_id uuid not null,
  name text not null check (length(name) between 1 and 200),
  kind text check (length(kind) <= 100),
  serial_number text check (length(serial_number) <= 100),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (site_id, company_id) references kastell.sites (site_id, company_id) on delete cascade
);
create index assets_company_id_idx on kastell.assets (company_id);
create index assets_site_id_idx on kastell.assets (site_id);
create trigger assets_touch before update on kastell.assets
  for each row execute function app.touch_updated_at();
revoke all on kastell.assets from public;
grant select, insert, update, delete on kastell.assets to kastell_app;
alter table kastell.assets enable row level security;
alter table kastell.assets force row level security;
create policy assets_read on kastell.assets for select to kastell_app
  using ((select app.has_global('assets.read')) or company_id = (select app.company_scope('assets.read')));
create policy assets_create on kastell.assets for insert to kastell_app
  with check ((select app.has_global('assets.create')) or company_id = (select app.company_scope('assets.create')));
create policy assets_update on kastell.assets for update to kastell_app
  using ((select app.has_global('assets.update')) or company_id = (select app.company_scope('assets.update')))
  with check ((select app.has_global('assets.update')) or company_id = (select app.company_scope('assets.update')));
create policy assets_delete on kastell.assets for delete to kastell_app
  using ((select app.has_global('assets.delete')) or company_id = (select app.company_scope('assets.delete')));
