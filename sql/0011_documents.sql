-- Documents (contracts, certificates, manuals, invoices, photos) and their
-- versions. A document hangs on exactly one parent — a company, a site or an
-- asset — enforced by a CHECK with foreign keys, never by convention.
-- (job_id joins the parents, and the CHECK, in a later migration: jobs
-- arrived in 0010 in the same wave.)
--
-- owner_company_id is the company the parent belongs to: what RLS filters
-- on. Composite foreign keys keep it equal to the parent's company, so a
-- document cannot claim another company's scope.

-- The composite foreign keys below point at assets (asset_id, company_id),
-- the key 0010 (service work) added.

create table kastell.documents (
  document_id uuid primary key default app.uuidv7(),
  owner_company_id uuid not null references kastell.companies on delete cascade,
  company_id uuid,
  site_id uuid,
  asset_id uuid,
  title text not null check (length(title) between 1 and 200),
  kind text not null check (kind in ('contract', 'certificate', 'manual', 'invoice', 'photo', 'other')),
  created_by uuid references kastell.users on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint documents_one_parent check (num_nonnulls(company_id, site_id, asset_id) = 1),
  constraint documents_company_is_owner check (company_id is null or company_id = owner_company_id),
  unique (document_id, owner_company_id),
  foreign key (company_id) references kastell.companies on delete cascade,
  foreign key (site_id, owner_company_id) references kastell.sites (site_id, company_id) on delete cascade,
  foreign key (asset_id, owner_company_id) references kastell.assets (asset_id, company_id) on delete cascade
);
create index documents_owner_company_id_idx on kastell.documents (owner_company_id);
create index documents_company_id_idx on kastell.documents (company_id) where company_id is not null;
create index documents_site_id_idx on kastell.documents (site_id) where site_id is not null;
create index documents_asset_id_idx on kastell.documents (asset_id) where asset_id is not null;
create trigger documents_touch before update on kastell.documents
  for each row execute function app.touch_updated_at();
revoke all on kastell.documents from public;
grant select, insert, delete on kastell.documents to kastell_app;
grant update (title, kind) on kastell.documents to kastell_app;
alter table kastell.documents enable row level security;
alter table kastell.documents force row level security;
create policy documents_read on kastell.documents for select to kastell_app
  using ((select app.has_global('documents.read')) or owner_company_id = (select app.company_scope('documents.read')));
-- uploading a document is creating it; renaming is uploading's right too
-- (the catalogue has no documents.update)
create policy documents_create on kastell.documents for insert to kastell_app
  with check (((select app.has_global('documents.upload')) or owner_company_id = (select app.company_scope('documents.upload')))
    and created_by = (select app.current_user_id()));
create policy documents_update on kastell.documents for update to kastell_app
  using ((select app.has_global('documents.upload')) or owner_company_id = (select app.company_scope('documents.upload')))
  with check ((select app.has_global('documents.upload')) or owner_company_id = (select app.company_scope('documents.upload')));
create policy documents_delete on kastell.documents for delete to kastell_app
  using ((select app.has_global('documents.delete')) or owner_company_id = (select app.company_scope('documents.delete')));

-- One row per upload. A version is 'pending' until the pipeline
-- (app/documents/pipeline.ts) has passed every step, then 'clean', or
-- 'rejected' with a reason. Only clean versions can be read by anyone
-- with documents.read; a pending or rejected version is visible to its
-- uploader alone (so they can read why), and its object is never served.
create table kastell.document_versions (
  version_id uuid primary key default app.uuidv7(),
  document_id uuid not null references kastell.documents on delete cascade,
  owner_company_id uuid not null,
  file_name text not null check (length(file_name) between 1 and 200),
  status text not null default 'pending' check (status in ('pending', 'clean', 'rejected')),
  reason text check (length(reason) <= 200),
  -- set when the pipeline finishes: what is stored and served
  detected_type text check (length(detected_type) <= 100),
  size bigint check (size >= 0),
  sha256 bytea check (length(sha256) = 32),
  -- random (never derived from a name), set only once the version is clean
  object_key text unique check (object_key ~ '^documents/[0-9a-f-]{36}/[0-9a-f]{32}$'),
  uploaded_by uuid references kastell.users on delete set null,
  created_at timestamptz not null default now(),
  decided_at timestamptz,
  constraint document_versions_clean_is_complete check (
    status <> 'clean' or (object_key is not null and sha256 is not null and size is not null and detected_type is not null)),
  constraint document_versions_rejected_has_reason check (status <> 'rejected' or reason is not null),
  -- the version's company is its document's: one FK, not a convention
  foreign key (document_id, owner_company_id) references kastell.documents (document_id, owner_company_id) on delete cascade
);
create index document_versions_document_id_idx on kastell.document_versions (document_id, created_at desc);
create index document_versions_owner_company_id_idx on kastell.document_versions (owner_company_id);
create index document_versions_uploaded_by_idx on kastell.document_versions (uploaded_by) where status <> 'clean';
revoke all on kastell.document_versions from public;
grant select, insert on kastell.document_versions to kastell_app;
grant update (status, reason, detected_type, size, sha256, object_key, decided_at) on kastell.document_versions to kastell_app;
alter table kastell.document_versions enable row level security;
alter table kastell.document_versions force row level security;
create policy document_versions_read on kastell.document_versions for select to kastell_app
  using (((select app.has_global('documents.read')) or owner_company_id = (select app.company_scope('documents.read')))
    and (status = 'clean' or uploaded_by = (select app.current_user_id())));
create policy document_versions_create on kastell.document_versions for insert to kastell_app
  with check (((select app.has_global('documents.upload')) or owner_company_id = (select app.company_scope('documents.upload')))
    and uploaded_by = (select app.current_user_id()) and status = 'pending');
-- only the uploader's own pipeline decides a pending version, once
create policy document_versions_decide on kastell.document_versions for update to kastell_app
  using (status = 'pending' and uploaded_by = (select app.current_user_id())
    and ((select app.has_global('documents.upload')) or owner_company_id = (select app.company_scope('documents.upload'))))
  with check (uploaded_by = (select app.current_user_id()));

-- Share links: one document to someone without an account. The token is
-- 128 random bits, only its SHA-256 is stored; expiry is required (at most
-- 90 days); an optional password (argon2id, its own lockout per link); an
-- optional download limit counted atomically; revoked and expired links are
-- kept as records. A public access reads the link through the narrow
-- SECURITY DEFINER functions below and then reads the document *as the
-- link's creator* (under RLS), so the creator's right is checked again on
-- every access.
create table kastell.share_links (
  share_link_id uuid primary key default app.uuidv7(),
  document_id uuid not null,
  owner_company_id uuid not null,
  token_hash bytea not null unique check (length(token_hash) = 32),
  created_by uuid not null references kastell.users on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  password_hash text check (password_hash like '$argon2id$%'),
  max_downloads integer check (max_downloads between 1 and 10000),
  downloads integer not null default 0 check (downloads >= 0 and (max_downloads is null or downloads <= max_downloads)),
  failed_attempts integer not null default 0 check (failed_attempts >= 0),
  locked_until timestamptz,
  revoked_at timestamptz,
  revoked_by uuid references kastell.users on delete set null,
  constraint share_links_expiry check (expires_at > created_at and expires_at <= created_at + interval '90 days'),
  foreign key (document_id, owner_company_id) references kastell.documents (document_id, owner_company_id) on delete cascade
);
create index share_links_document_id_idx on kastell.share_links (document_id);
create index share_links_owner_company_id_idx on kastell.share_links (owner_company_id);
revoke all on kastell.share_links from public;
grant select (share_link_id, document_id, owner_company_id, created_by, created_at, expires_at, max_downloads, downloads,
  locked_until, revoked_at, revoked_by) on kastell.share_links to kastell_app;
grant insert (document_id, owner_company_id, token_hash, created_by, expires_at, password_hash, max_downloads) on kastell.share_links to kastell_app;
grant update (revoked_at, revoked_by) on kastell.share_links to kastell_app;
grant select, update on kastell.share_links to kastell_auth;
alter table kastell.share_links enable row level security;
alter table kastell.share_links force row level security;
-- everyone who may read the document sees all its links (other people's too)
create policy share_links_read on kastell.share_links for select to kastell_app
  using ((select app.has_global('documents.read')) or owner_company_id = (select app.company_scope('documents.read')));
create policy share_links_create on kastell.share_links for insert to kastell_app
  with check (((select app.has_global('share_links.create')) or owner_company_id = (select app.company_scope('share_links.create')))
    and created_by = (select app.current_user_id()));
create policy share_links_revoke on kastell.share_links for update to kastell_app
  using ((select app.has_global('share_links.revoke')) or owner_company_id = (select app.company_scope('share_links.revoke'))
    or created_by = (select app.current_user_id()))
  with check (revoked_by = (select app.current_user_id()));
create policy share_links_auth on kastell.share_links for all to kastell_auth using (true) with check (true);

set local check_function_bodies = off;

-- The link behind a token, for the public page (no principal exists yet).
create function app.find_share_link(p_token_hash bytea)
returns table (share_link_id uuid, document_id uuid, owner_company_id uuid, created_by uuid, expires_at timestamptz,
               password_hash text, max_downloads integer, downloads integer, locked_until timestamptz, revoked_at timestamptz)
language sql stable security definer
set search_path = ''
as $$
  select l.share_link_id, l.document_id, l.owner_company_id, l.created_by, l.expires_at, l.password_hash,
         l.max_downloads, l.downloads, l.locked_until, l.revoked_at
  from kastell.share_links l where l.token_hash = p_token_hash
$$;

-- A wrong password: counted; the 5th within the lock locks the link for 15 minutes.
create function app.share_link_failed(p_share_link_id uuid) returns timestamptz
language sql volatile security definer
set search_path = ''
as $$
  update kastell.share_links
     set failed_attempts = failed_attempts + 1,
         locked_until = case when failed_attempts + 1 >= 5 then pg_catalog.now() + interval '15 minutes' else locked_until end
   where share_link_id = p_share_link_id
  returning locked_until
$$;

-- One download, counted atomically: no row when the limit is reached, the
-- link revoked or expired (20 parallel requests against a limit of 5 get 5).
create function app.count_share_download(p_share_link_id uuid) returns integer
language sql volatile security definer
set search_path = ''
as $$
  update kastell.share_links
     set downloads = downloads + 1, failed_attempts = 0
   where share_link_id = p_share_link_id
     and revoked_at is null and expires_at > pg_catalog.now()
     and (max_downloads is null or downloads < max_downloads)
  returning downloads
$$;

set local check_function_bodies = on;

alter function app.find_share_link(bytea) owner to kastell_auth;
alter function app.share_link_failed(uuid) owner to kastell_auth;
alter function app.count_share_download(uuid) owner to kastell_auth;
revoke execute on function app.find_share_link(bytea), app.share_link_failed(uuid), app.count_share_download(uuid) from public;
grant execute on function app.find_share_link(bytea), app.share_link_failed(uuid), app.count_share_download(uuid) to kastell_app;
