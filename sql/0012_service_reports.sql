-- Service reports: what the technician did on a job (text, measurements,
-- photos), frozen into a PDF whose SHA-256 is recorded, signed off (or
-- refused) by the customer, and kept as a sealed PDF. Also: jobs become a
-- document parent (report photos are documents of the job).
--
-- A report's life: draft → frozen → signed | refused → superseded (by the
-- next version). Only a draft changes; a frozen report is never edited, an
-- amendment is a new version. The trigger below holds this for every
-- caller, the application's role included, and the columns that say who
-- signed what are written once, in the same statement that signs: signing
-- is one conditional update, so a report is signed once.
--
-- The job follows its report (a SECURITY DEFINER trigger, owned by
-- kastell_auth): freezing records jobs.report_frozen_at (the work_done
-- guard of 0010), signing moves the job awaiting_signoff → signed, refusing
-- moves it back to in_progress with the customer's comment as the reason.
-- check_job_status (0010) lets these two moves through for kastell_auth
-- alone, and awaiting_signoff → signed now needs a signed report.

-- documents on jobs ----------------------------------------------------------
alter table kastell.documents add column job_id uuid;
alter table kastell.documents drop constraint documents_one_parent;
alter table kastell.documents add constraint documents_one_parent check (num_nonnulls(company_id, site_id, asset_id, job_id) = 1);
-- no cascade: jobs are never deleted (0010)
alter table kastell.documents add constraint documents_job_id_fkey
  foreign key (job_id, owner_company_id) references kastell.jobs (job_id, company_id);
alter table kastell.documents add constraint documents_document_id_job_id_key unique (document_id, job_id);
create index documents_job_id_idx on kastell.documents (job_id) where job_id is not null;

set local check_function_bodies = off;
-- The documents of the jobs assigned to the current technician (see
-- app.assigned_jobs in 0010); SECURITY DEFINER so the version policies can
-- ask without recursing into the documents policies.
create function app.assigned_document_ids(permission text) returns setof uuid
language sql stable security definer
set search_path = ''
as $$
  select d.document_id from kastell.documents d
  where d.job_id in (select s.job_id from app.assigned_jobs(permission) s)
$$;
set local check_function_bodies = on;
alter function app.assigned_document_ids(text) owner to kastell_auth;
grant select (document_id, job_id) on kastell.documents to kastell_auth;
create policy documents_auth on kastell.documents for select to kastell_auth using (true);
grant execute on function app.assigned_document_ids(text) to kastell_app;

create policy documents_read_assigned on kastell.documents for select to kastell_app
  using (job_id in (select s.job_id from app.assigned_jobs('documents.read') s));
create policy documents_create_assigned on kastell.documents for insert to kastell_app
  with check (job_id in (select s.job_id from app.assigned_jobs('documents.upload') s) and created_by = (select app.current_user_id()));
create policy document_versions_read_assigned on kastell.document_versions for select to kastell_app
  using (document_id in (select app.assigned_document_ids('documents.read'))
    and (status = 'clean' or uploaded_by = (select app.current_user_id())));
create policy document_versions_create_assigned on kastell.document_versions for insert to kastell_app
  with check (document_id in (select app.assigned_document_ids('documents.upload'))
    and uploaded_by = (select app.current_user_id()) and status = 'pending');
create policy document_versions_decide_assigned on kastell.document_versions for update to kastell_app
  using (status = 'pending' and uploaded_by = (select app.current_user_id())
    and document_id in (select app.assigned_document_ids('documents.upload')))
  with check (uploaded_by = (select app.current_user_id()));

-- reports --------------------------------------------------------------------
create table kastell.service_reports (
  report_id uuid primary key default app.uuidv7(),
  job_id uuid not null,
  company_id uuid not null,
  version integer not null check (version between 1 and 1000),
  status text not null default 'draft' check (status in ('draft', 'frozen', 'signed', 'refused', 'superseded')),
  work_done text not null default '' check (length(work_done) <= 20000),
  -- the customer's language: the PDF is rendered in it
  language text not null check (language in ('en', 'de', 'fr', 'it')),
  created_by uuid references kastell.users on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- frozen: the PDF shown for sign-off
  frozen_at timestamptz,
  frozen_by uuid,
  pdf_object_key text unique check (pdf_object_key ~ '^reports/[0-9a-f-]{36}/[0-9a-f]{32}\.pdf$'),
  pdf_sha256 bytea check (length(pdf_sha256) = 32),
  -- signed: who (the session's user; on site that is the technician), the
  -- name the signer typed, how, keyed hashes of IP and user agent, the hash
  -- of exactly the PDF that was shown, and the sealed PDF
  signed_at timestamptz,
  signed_by uuid,
  signer_name text check (length(signer_name) between 1 and 200),
  signed_how text check (signed_how in ('own_device', 'on_site')),
  signer_ip_hash bytea,
  signer_ua_hash bytea,
  shown_sha256 bytea check (length(shown_sha256) = 32),
  sealed_object_key text unique check (sealed_object_key ~ '^reports/[0-9a-f-]{36}/[0-9a-f]{32}\.pdf$'),
  sealed_sha256 bytea check (length(sealed_sha256) = 32),
  -- refused
  refused_at timestamptz,
  refused_by uuid,
  refusal_comment text check (length(refusal_comment) between 1 and 2000),
  unique (job_id, version),
  unique (report_id, company_id),
  -- a photo is a document of its report's job (report_photos below)
  unique (report_id, job_id, company_id),
  foreign key (job_id, company_id) references kastell.jobs (job_id, company_id),
  constraint service_reports_frozen_is_complete check (
    status = 'draft' or (frozen_at is not null and pdf_object_key is not null and pdf_sha256 is not null)),
  constraint service_reports_signed_is_complete check (
    signed_at is null or (signed_by is not null and signer_name is not null and signed_how is not null
      and shown_sha256 = pdf_sha256 and sealed_object_key is not null and sealed_sha256 is not null)),
  constraint service_reports_signed_state check ((status = 'signed') <= (signed_at is not null)),
  constraint service_reports_refused_is_complete check ((status = 'refused') <= (refusal_comment is not null and refused_at is not null))
);
-- at most one report of a job is being written or waits for sign-off
create unique index service_reports_one_open_per_job on kastell.service_reports (job_id) where status in ('draft', 'frozen');
create index service_reports_company_id_idx on kastell.service_reports (company_id);
create trigger service_reports_touch before update on kastell.service_reports
  for each row execute function app.touch_updated_at();

-- typed rows: what was measured, the value, its unit
create table kastell.report_measurements (
  measurement_id uuid primary key default app.uuidv7(),
  report_id uuid not null,
  company_id uuid not null,
  position integer not null check (position between 1 and 200),
  quantity text not null check (length(quantity) between 1 and 200),
  value numeric not null,
  unit text not null check (length(unit) between 1 and 50),
  unique (report_id, position),
  foreign key (report_id, company_id) references kastell.service_reports (report_id, company_id)
);
create index report_measurements_company_id_idx on kastell.report_measurements (company_id);

-- photos are documents of the report's job
create table kastell.report_photos (
  report_id uuid not null,
  document_id uuid not null,
  job_id uuid not null,
  company_id uuid not null,
  position integer not null check (position between 1 and 50),
  primary key (report_id, document_id),
  unique (report_id, position),
  foreign key (report_id, job_id, company_id) references kastell.service_reports (report_id, job_id, company_id),
  foreign key (document_id, job_id) references kastell.documents (document_id, job_id)
);
create index report_photos_document_id_idx on kastell.report_photos (document_id);
create index report_photos_company_id_idx on kastell.report_photos (company_id);

-- The names of a job's technicians, for its report (the PDF names them) and
-- everyone who may read the job, customers included, who cannot read
-- operator users. SECURITY DEFINER: the visibility test repeats jobs_read.
set local check_function_bodies = off;
create function app.job_technician_names(job uuid) returns table (user_id uuid, display_name text)
language sql stable security definer
set search_path = ''
as $$
  select u.user_id, u.display_name
  from kastell.jobs j
  join kastell.job_assignments a on a.job_id = j.job_id
  join kastell.users u on u.user_id = a.technician_id
  where j.job_id = job
    and (app.has_global('jobs.read') or j.company_id = app.company_scope('jobs.read')
         or j.job_id in (select s.job_id from app.assigned_jobs('jobs.read') s))
  order by a.assigned_at, u.user_id
$$;
set local check_function_bodies = on;
alter function app.job_technician_names(uuid) owner to kastell_auth;
grant execute on function app.job_technician_names(uuid) to kastell_app;

-- May the current principal write (or sign on site for) the job's report?
-- Invoker: answers for the caller.
create function app.may_write_report(job uuid) returns boolean
language sql stable
set search_path = ''
as $$
  select app.has_global('reports.write') or job in (select s.job_id from app.assigned_jobs('reports.write') s)
$$;
grant execute on function app.may_write_report(uuid) to kastell_app, kastell_auth;

-- The life of a report, for every caller (see the top of this file).
create function app.check_report_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    if new.status <> 'draft' then
      raise exception 'a report starts as a draft' using errcode = '55000';
    end if;
    if not exists (select 1 from kastell.jobs j where j.job_id = new.job_id and j.status = 'in_progress') then
      raise exception 'a report is written while its job is in progress' using errcode = '55000';
    end if;
    return new;
  end if;
  if tg_op = 'DELETE' then
    raise exception 'reports are kept: % refused', tg_op using errcode = '42501';
  end if;
  if (new.report_id, new.job_id, new.company_id, new.version, new.created_by, new.created_at)
      is distinct from (old.report_id, old.job_id, old.company_id, old.version, old.created_by, old.created_at) then
    raise exception 'a report''s identity does not change' using errcode = '42501';
  end if;
  if old.status <> 'draft' and (new.work_done, new.language, new.frozen_at, new.frozen_by, new.pdf_object_key, new.pdf_sha256)
      is distinct from (old.work_done, old.language, old.frozen_at, old.frozen_by, old.pdf_object_key, old.pdf_sha256) then
    raise exception 'a frozen report is never edited: write a new version' using errcode = '55000';
  end if;
  if old.status in ('signed', 'refused', 'superseded') and (new.signed_at, new.signed_by, new.signer_name, new.signed_how,
      new.signer_ip_hash, new.signer_ua_hash, new.shown_sha256, new.sealed_object_key, new.sealed_sha256,
      new.refused_at, new.refused_by, new.refusal_comment)
      is distinct from (old.signed_at, old.signed_by, old.signer_name, old.signed_how,
      old.signer_ip_hash, old.signer_ua_hash, old.shown_sha256, old.sealed_object_key, old.sealed_sha256,
      old.refused_at, old.refused_by, old.refusal_comment) then
    raise exception 'a signed or refused report stays as it was' using errcode = '55000';
  end if;
  if new.status is not distinct from old.status then
    -- who signed or refused, and how, is written only by the move that signs or refuses
    if old.status = 'frozen' and (new.signed_at, new.signed_by, new.signer_name, new.signed_how, new.signer_ip_hash, new.signer_ua_hash,
        new.shown_sha256, new.sealed_object_key, new.sealed_sha256, new.refused_at, new.refused_by, new.refusal_comment)
        is distinct from (old.signed_at, old.signed_by, old.signer_name, old.signed_how, old.signer_ip_hash, old.signer_ua_hash,
        old.shown_sha256, old.sealed_object_key, old.sealed_sha256, old.refused_at, old.refused_by, old.refusal_comment) then
      raise exception 'signing or refusing changes the report''s status' using errcode = '55000';
    end if;
    return new;
  end if;
  if (old.status, new.status) = ('draft', 'frozen') then
    if not app.may_write_report(new.job_id) or new.frozen_by is distinct from app.current_user_id() then
      raise exception 'only the job''s technician freezes its report' using errcode = '42501';
    end if;
  elsif (old.status, new.status) in (('frozen', 'signed'), ('frozen', 'refused')) then
    if not exists (select 1 from kastell.jobs j where j.job_id = new.job_id and j.status = 'awaiting_signoff') then
      raise exception 'the job is not awaiting sign-off' using errcode = '55000';
    end if;
    if new.status = 'signed' and (new.signed_by is distinct from app.current_user_id() or new.signed_at is null) then
      raise exception 'a report is signed by the session that signs it' using errcode = '42501';
    end if;
    if new.status = 'refused' and new.refused_by is distinct from app.current_user_id() then
      raise exception 'a report is refused by the session that refuses it' using errcode = '42501';
    end if;
    -- on their own device: a customer (or operator) holding reports.sign; on
    -- site: the job's technician hands over the phone
    if coalesce(new.signed_how, 'own_device') = 'own_device' then
      if not (app.has_global('reports.sign') or new.company_id = app.company_scope('reports.sign')) then
        raise exception 'signing off needs reports.sign for this company' using errcode = '42501';
      end if;
    elsif not app.may_write_report(new.job_id) then
      raise exception 'only the job''s technician collects an on-site signature' using errcode = '42501';
    end if;
  elsif (old.status, new.status) in (('signed', 'superseded'), ('refused', 'superseded')) then
    if current_user <> 'kastell_auth' then
      raise exception 'a report is superseded only by its next version' using errcode = '42501';
    end if;
  else
    raise exception 'a report cannot go from % to %', old.status, new.status using errcode = '55000';
  end if;
  return new;
end
$$;
create trigger service_reports_check before insert or update or delete on kastell.service_reports
  for each row execute function app.check_report_change();

-- measurements and photos change only while their report is a draft
create function app.check_report_part_change() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  report uuid := case when tg_op = 'DELETE' then old.report_id else new.report_id end;
begin
  if tg_op = 'UPDATE' and new.report_id <> old.report_id then
    raise exception 'a report''s part stays with its report' using errcode = '42501';
  end if;
  if (select r.status from kastell.service_reports r where r.report_id = report) is distinct from 'draft' then
    raise exception 'a frozen report is never edited: write a new version' using errcode = '55000';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end
$$;
create trigger report_measurements_check before insert or update or delete on kastell.report_measurements
  for each row execute function app.check_report_part_change();
create trigger report_photos_check before insert or update or delete on kastell.report_photos
  for each row execute function app.check_report_part_change();

-- The job follows its report, and a new version supersedes the last
-- decided one. SECURITY DEFINER (kastell_auth): a customer who signs may not
-- update jobs themselves.
set local check_function_bodies = off;
create function app.follow_report() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    update kastell.service_reports set status = 'superseded'
    where job_id = new.job_id and version < new.version and status in ('signed', 'refused');
    return null;
  end if;
  if (old.status, new.status) = ('draft', 'frozen') then
    update kastell.jobs set report_frozen_at = new.frozen_at where job_id = new.job_id;
  elsif (old.status, new.status) = ('frozen', 'signed') then
    update kastell.jobs set status = 'signed', status_reason = null where job_id = new.job_id and status = 'awaiting_signoff';
  elsif (old.status, new.status) = ('frozen', 'refused') then
    update kastell.jobs set status = 'in_progress', status_reason = new.refusal_comment, report_frozen_at = null
    where job_id = new.job_id and status = 'awaiting_signoff';
  end if;
  return null;
end
$$;
set local check_function_bodies = on;
alter function app.follow_report() owner to kastell_auth;
create trigger service_reports_follow after insert or update of status on kastell.service_reports
  for each row execute function app.follow_report();

-- 0010's transition check, with the two sign-off moves made by
-- app.follow_report (running as kastell_auth) and a signed report required
-- before a job is signed.
create or replace function app.check_job_status() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  move record;
  by_report boolean := current_user = 'kastell_auth';
begin
  if tg_op = 'INSERT' then
    if new.status <> 'new' then
      raise exception 'a job starts as new' using errcode = '55000';
    end if;
    return new;
  end if;
  if not app.has_global('jobs.update') and (new.title is distinct from old.title
      or new.description is distinct from old.description or new.planned_start is distinct from old.planned_start) then
    raise exception 'only a dispatcher changes a job''s title, description or planned start' using errcode = '42501';
  end if;
  if new.status is not distinct from old.status then
    return new;
  end if;
  select * into move from kastell.job_status_transitions t
  where t.from_status = old.status and t.to_status = new.status;
  if not found then
    raise exception 'a job cannot go from % to %', old.status, new.status using errcode = '55000';
  end if;
  if not move.by_technician and not app.has_global('jobs.update')
      and not (by_report and old.status = 'awaiting_signoff' and new.status in ('signed', 'in_progress')) then
    raise exception 'only a dispatcher moves a job from % to %', old.status, new.status using errcode = '42501';
  end if;
  if new.status = 'scheduled' and (new.planned_start is null
      or not exists (select 1 from kastell.job_assignments a where a.job_id = new.job_id)) then
    raise exception 'a scheduled job needs a technician and a planned start' using errcode = '55000';
  end if;
  if new.status = 'in_progress' and new.actual_start is null then
    raise exception 'a job in progress needs an actual start' using errcode = '55000';
  end if;
  if new.status in ('work_done', 'awaiting_signoff') and new.report_frozen_at is null then
    raise exception 'work is done only with a frozen report' using errcode = '55000';
  end if;
  if new.status = 'signed' and not exists (select 1 from kastell.service_reports r where r.job_id = new.job_id and r.status = 'signed') then
    raise exception 'a job is signed only by signing its report' using errcode = '55000';
  end if;
  if (new.status in ('on_hold', 'cancelled') or (old.status = 'awaiting_signoff' and new.status = 'in_progress'))
      and new.status_reason is null then
    raise exception 'moving a job to % needs a reason', new.status using errcode = '23514';
  end if;
  return new;
end
$$;

grant update (status, status_reason, report_frozen_at) on kastell.jobs to kastell_auth;
-- check_job_status runs as kastell_auth when the job follows its report
grant select on kastell.job_status_transitions to kastell_auth;
create policy job_status_transitions_auth on kastell.job_status_transitions for select to kastell_auth using (true);
create policy jobs_follow_report on kastell.jobs for update to kastell_auth using (true) with check (true);

revoke all on kastell.service_reports from public;
grant select, insert (job_id, company_id, version, work_done, language, created_by) on kastell.service_reports to kastell_app;
grant update (status, work_done, language, frozen_at, frozen_by, pdf_object_key, pdf_sha256,
  signed_at, signed_by, signer_name, signed_how, signer_ip_hash, signer_ua_hash, shown_sha256, sealed_object_key, sealed_sha256,
  refused_at, refused_by, refusal_comment) on kastell.service_reports to kastell_app;
grant select, update (status) on kastell.service_reports to kastell_auth;
alter table kastell.service_reports enable row level security;
alter table kastell.service_reports force row level security;
-- customers see a report once it is frozen (a draft is the technician's)
create policy service_reports_read on kastell.service_reports for select to kastell_app
  using ((select app.has_global('reports.read'))
         or (company_id = (select app.company_scope('reports.read')) and status <> 'draft')
         or job_id in (select s.job_id from app.assigned_jobs('reports.read') s));
create policy service_reports_create on kastell.service_reports for insert to kastell_app
  with check (created_by = (select app.current_user_id())
              and ((select app.has_global('reports.write')) or job_id in (select s.job_id from app.assigned_jobs('reports.write') s)));
create policy service_reports_write on kastell.service_reports for update to kastell_app
  using ((select app.has_global('reports.write')) or job_id in (select s.job_id from app.assigned_jobs('reports.write') s))
  with check ((select app.has_global('reports.write')) or job_id in (select s.job_id from app.assigned_jobs('reports.write') s));
create policy service_reports_sign on kastell.service_reports for update to kastell_app
  using (status = 'frozen' and ((select app.has_global('reports.sign')) or company_id = (select app.company_scope('reports.sign'))))
  with check ((select app.has_global('reports.sign')) or company_id = (select app.company_scope('reports.sign')));
create policy service_reports_follow on kastell.service_reports for select to kastell_auth using (true);
create policy service_reports_supersede on kastell.service_reports for update to kastell_auth using (true) with check (true);

revoke all on kastell.report_measurements from public;
grant select, insert (report_id, company_id, position, quantity, value, unit), delete on kastell.report_measurements to kastell_app;
alter table kastell.report_measurements enable row level security;
alter table kastell.report_measurements force row level security;
-- a part is visible with its report (the subquery runs under the reports' policies)
create policy report_measurements_read on kastell.report_measurements for select to kastell_app
  using (report_id in (select r.report_id from kastell.service_reports r));
create policy report_measurements_write on kastell.report_measurements for all to kastell_app
  using (report_id in (select r.report_id from kastell.service_reports r where app.may_write_report(r.job_id)))
  with check (report_id in (select r.report_id from kastell.service_reports r where app.may_write_report(r.job_id)));

revoke all on kastell.report_photos from public;
grant select, insert (report_id, document_id, job_id, company_id, position), delete on kastell.report_photos to kastell_app;
alter table kastell.report_photos enable row level security;
alter table kastell.report_photos force row level security;
create policy report_photos_read on kastell.report_photos for select to kastell_app
  using (report_id in (select r.report_id from kastell.service_reports r));
create policy report_photos_write on kastell.report_photos for all to kastell_app
  using (report_id in (select r.report_id from kastell.service_reports r where app.may_write_report(r.job_id)))
  with check (report_id in (select r.report_id from kastell.service_reports r where app.may_write_report(r.job_id)));

-- `kastell report verify`: the report.signed event that names a sealed PDF's
-- SHA-256, and its link in the chain (null while not chained yet).
create function audit.report_seal_event(p_sealed_sha256 text)
returns table (seq bigint, event_id uuid, report_id text, occurred_at timestamptz)
language sql stable security definer
set search_path = ''
as $$
  select c.seq, e.event_id, e.entity_id, e.occurred_at
  from audit.events e
  left join audit.chain c on c.event_id = e.event_id and c.event_occurred_at = e.occurred_at
  where e.action = 'report.signed' and e.detail->>'sealedSha256' = p_sealed_sha256
  order by e.occurred_at
  limit 1
$$;
alter function audit.report_seal_event(text) owner to kastell_audit;
grant execute on function audit.report_seal_event(text) to kastell_app;
