-- Documents (contracts, certificates, manuals, invoices, photos) and their
-- versions. A document hangs on exactly one parent — a company, a site or an
-- asset — enforced by a CHECK with foreign keys, never by convention.
-- (job_id joins the parents, and the CHECK, when jobs land.)
--
-- owner_company_id is the company the parent belongs to: what RLS filters
-- on. Composite foreign keys keep it equal to the parent's company, so a
-- document cannot claim another company's scope.

-- assets had no (asset_id, company_id) key to point a composite FK at
alter table kastell.assets add constraint assets_asset_id_company_id_key unique (asset_id, company_id);

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
