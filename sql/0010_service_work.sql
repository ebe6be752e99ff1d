-- Service work: requests raised by customers, jobs made from them by
-- dispatchers, technicians assigned to jobs, the status history of each job,
-- and visits (check-in / check-out per technician).
--
-- Job states move only along kastell.job_status_transitions, and the guards
-- of the target state (a technician and a planned start before 'scheduled',
-- an actual start before 'in_progress', a frozen report before 'work_done',
-- a reason for 'on_hold' and 'cancelled', the customer's comment when a
-- refused sign-off sends a job back) are checked here by a trigger, so SQL
-- under the application's role cannot skip them. Every status change appends
-- to kastell.job_status_history, which nothing can update or delete.
--
-- The technician scope: a technician holds jobs.read, companies.read,
-- sites.read, assets.read … at 'company' scope but belongs to no company, so
-- app.company_scope() answers NULL for them. app.assigned_jobs(permission)
-- answers the jobs assigned to the current user (with their company and
-- site) when they hold `permission` at company scope as an operator; the
-- policies below and the new read policies on companies, sites and assets
-- use it, so a technician sees exactly their assigned jobs, the company and
-- site of each, the job's assets — and nothing else of that company.

-- An asset named by a request or a job belongs to the same company.
alter table kastell.assets add constraint assets_asset_id_company_id_key unique (asset_id, company_id);

-- service requests ---------------------------------------------------------
create table kastell.service_requests (
  request_id uuid primary key default app.uuidv7(),
  company_id uuid not null references kastell.companies on delete cascade,
  site_id uuid not null,
  asset_id uuid,
  title text not null check (length(title) between 1 and 200),
  description text check (length(description) <= 5000),
  urgency text not null default 'normal' check (urgency in ('low', 'normal', 'high', 'urgent')),
  status text not null default 'submitted' check (status in ('submitted', 'triaged', 'accepted', 'declined', 'withdrawn')),
  decline_reason text check (length(decline_reason) between 1 and 2000),
  raised_by uuid references kastell.users on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (request_id, company_id),
  foreign key (site_id, company_id) references kastell.sites (site_id, company_id) on delete cascade,
  foreign key (asset_id, company_id) references kastell.assets (asset_id, company_id) on delete set null (asset_id),
  check (status <> 'declined' or decline_reason is not null)
);
create index service_requests_company_id_idx on kastell.service_requests (company_id, created_at desc);
create index service_requests_site_id_idx on kastell.service_requests (site_id);
create index service_requests_asset_id_idx on kastell.service_requests (asset_id);
create index service_requests_raised_by_idx on kastell.service_requests (raised_by);
create trigger service_requests_touch before update on kastell.service_requests
  for each row execute function app.touch_updated_at();

-- submitted → triaged → accepted | declined, and withdrawn (by the customer)
-- from submitted or triaged. Customer-side principals (no global
-- requests.update) may only withdraw; 'accepted' is set when a job is made.
create function app.check_request_status() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    if new.status <> 'submitted' then
      raise exception 'a service request starts as submitted' using errcode = '55000';
    end if;
    return new;
  end if;
  if new.status is distinct from old.status then
    if (old.status, new.status) not in (('submitted', 'triaged'), ('submitted', 'accepted'), ('triaged', 'accepted'),
        ('submitted', 'declined'), ('triaged', 'declined'), ('submitted', 'withdrawn'), ('triaged', 'withdrawn')) then
      raise exception 'a service request cannot go from % to %', old.status, new.status using errcode = '55000';
    end if;
    if new.status <> 'withdrawn' and not app.has_global('requests.update') then
      raise exception 'only the operator triages, accepts or declines a request' using errcode = '42501';
    end if;
  end if;
  return new;
end
$$;
create trigger service_requests_check_status before insert or update on kastell.service_requests
  for each row execute function app.check_request_status();

revoke all on kastell.service_requests from public;
grant select, insert (company_id, site_id, asset_id, title, description, urgency, raised_by) on kastell.service_requests to kastell_app;
grant update (status, decline_reason) on kastell.service_requests to kastell_app;
alter table kastell.service_requests enable row level security;
alter table kastell.service_requests force row level security;
create policy service_requests_read on kastell.service_requests for select to kastell_app
  using ((select app.has_global('requests.read')) or company_id = (select app.company_scope('requests.read')));
create policy service_requests_create on kastell.service_requests for insert to kastell_app
  with check (raised_by = (select app.current_user_id())
              and ((select app.has_global('requests.create')) or company_id = (select app.company_scope('requests.create'))));
-- operators with requests.update; a customer admin for their company; the
-- customer who raised it (to withdraw: the trigger allows nothing else)
create policy service_requests_update on kastell.service_requests for update to kastell_app
  using ((select app.has_global('requests.update'))
         or company_id = (select app.company_scope('requests.update'))
         or (raised_by = (select app.current_user_id()) and company_id = (select app.company_scope('requests.create'))))
  with check ((select app.has_global('requests.update'))
              or company_id = (select app.company_scope('requests.update'))
              or (raised_by = (select app.current_user_id()) and company_id = (select app.company_scope('requests.create'))));

-- jobs ---------------------------------------------------------------------
create table kastell.job_status_transitions (
  from_status text not null,
  to_status text not null,
  -- a technician (jobs.update for assigned jobs only) may make this move;
  -- the others need jobs.update at global scope (dispatchers)
  by_technician boolean not null default false,
  primary key (from_status, to_status)
);
insert into kastell.job_status_transitions (from_status, to_status, by_technician) values
  ('new', 'scheduled', false),
  ('new', 'on_hold', false),
  ('new', 'cancelled', false),
  ('scheduled', 'in_progress', true),
  ('scheduled', 'on_hold', false),
  ('scheduled', 'cancelled', false),
  ('in_progress', 'work_done', true),
  ('in_progress', 'on_hold', true),
  ('in_progress', 'cancelled', false),
  ('work_done', 'awaiting_signoff', true),
  ('work_done', 'in_progress', true),
  ('awaiting_signoff', 'signed', false),
  ('awaiting_signoff', 'in_progress', false),
  ('signed', 'closed', false),
  ('on_hold', 'new', false),
  ('on_hold', 'scheduled', false),
  ('on_hold', 'in_progress', true),
  ('on_hold', 'cancelled', false);
revoke all on kastell.job_status_transitions from public;
grant select on kastell.job_status_transitions to kastell_app;
alter table kastell.job_status_transitions enable row level security;
alter table kastell.job_status_transitions force row level security;
create policy job_status_transitions_read on kastell.job_status_transitions for select to kastell_app using (true);

create table kastell.jobs (
  job_id uuid primary key default app.uuidv7(),
  company_id uuid not null references kastell.companies,
  site_id uuid not null,
  request_id uuid,
  title text not null check (length(title) between 1 and 200),
  description text check (length(description) <= 5000),
  status text not null default 'new' check (status in ('new', 'scheduled', 'in_progress', 'work_done', 'awaiting_signoff',
    'signed', 'closed', 'on_hold', 'cancelled')),
  planned_start timestamptz,
  actual_start timestamptz,
  -- set by service reports (issue 11 part 7) when the job's report is
  -- frozen; not writable by the application role until then
  report_frozen_at timestamptz,
  status_reason text check (length(status_reason) between 1 and 2000),
  created_by uuid references kastell.users on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (job_id, company_id),
  -- no cascade: a job and its history outlive nothing they point at; a site
  -- or company with jobs cannot be deleted (23503)
  foreign key (site_id, company_id) references kastell.sites (site_id, company_id),
  foreign key (request_id, company_id) references kastell.service_requests (request_id, company_id) on delete set null (request_id)
);
create index jobs_company_id_idx on kastell.jobs (company_id, created_at desc);
create index jobs_site_id_idx on kastell.jobs (site_id);
create index jobs_request_id_idx on kastell.jobs (request_id);
create index jobs_status_idx on kastell.jobs (status);
create trigger jobs_touch before update on kastell.jobs
  for each row execute function app.touch_updated_at();

create table kastell.job_assets (
  job_id uuid not null,
  asset_id uuid not null,
  company_id uuid not null,
  primary key (job_id, asset_id),
  foreign key (job_id, company_id) references kastell.jobs (job_id, company_id) on delete cascade,
  foreign key (asset_id, company_id) references kastell.assets (asset_id, company_id) on delete cascade
);
create index job_assets_asset_id_idx on kastell.job_assets (asset_id);
create index job_assets_company_id_idx on kastell.job_assets (company_id);

create table kastell.job_assignments (
  job_id uuid not null,
  technician_id uuid not null references kastell.users,
  company_id uuid not null,
  assigned_by uuid references kastell.users on delete set null,
  assigned_at timestamptz not null default now(),
  primary key (job_id, technician_id),
  foreign key (job_id, company_id) references kastell.jobs (job_id, company_id) on delete cascade
);
create index job_assignments_technician_id_idx on kastell.job_assignments (technician_id);
create index job_assignments_company_id_idx on kastell.job_assignments (company_id);

create table kastell.job_status_history (
  history_id uuid primary key default app.uuidv7(),
  job_id uuid not null,
  company_id uuid not null,
  from_status text,
  to_status text not null,
  reason text,
  -- who made the change; no foreign key (a key action would rewrite history)
  changed_by uuid,
  changed_at timestamptz not null default now(),
  foreign key (job_id, company_id) references kastell.jobs (job_id, company_id)
);
create index job_status_history_job_id_idx on kastell.job_status_history (job_id, changed_at);
create index job_status_history_company_id_idx on kastell.job_status_history (company_id);

-- The technician scope (see the top of this file). SECURITY DEFINER, owned by
-- kastell_auth like the other principal helpers, so it reads assignments and
-- jobs without the policies that call it.
set local check_function_bodies = off;
create function app.assigned_jobs(permission text) returns table (job_id uuid, company_id uuid, site_id uuid)
language sql stable security definer
set search_path = ''
as $$
  select j.job_id, j.company_id, j.site_id
  from kastell.job_assignments a
  join kastell.jobs j on j.job_id = a.job_id
  where a.technician_id = app.current_user_id()
    and exists (select 1 from app.active_membership() m
                join kastell.role_permissions rp on rp.role_id = m.role_id
                where m.company_id is null and rp.permission_key = permission and rp.scope = 'company')
$$;
create function app.assigned_asset_ids(permission text) returns setof uuid
language sql stable security definer
set search_path = ''
as $$
  select ja.asset_id from kastell.job_assets ja
  where ja.job_id in (select s.job_id from app.assigned_jobs(permission) s)
$$;

-- Appends the status change to the history; the only writer of that table.
create function app.record_job_status() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' or new.status is distinct from old.status then
    insert into kastell.job_status_history (job_id, company_id, from_status, to_status, reason, changed_by)
    values (new.job_id, new.company_id, case when tg_op = 'UPDATE' then old.status end, new.status,
            new.status_reason, app.current_user_id());
  end if;
  return null;
end
$$;
-- Assigned users are technicians. SECURITY DEFINER (kastell_auth, above):
-- it reads the technician's membership, which the caller may not see.
create function app.check_job_assignment() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if not exists (select 1 from kastell.memberships m join kastell.roles r on r.role_id = m.role_id
                 where m.user_id = new.technician_id and r.role_key = 'technician') then
    raise exception 'only a technician can be assigned to a job' using errcode = '23514';
  end if;
  return new;
end
$$;
set local check_function_bodies = on;
alter function app.assigned_jobs(text) owner to kastell_auth;
alter function app.assigned_asset_ids(text) owner to kastell_auth;
alter function app.check_job_assignment() owner to kastell_auth;
alter function app.record_job_status() owner to kastell_auth;
grant execute on function app.assigned_jobs(text) to kastell_app;
grant execute on function app.assigned_asset_ids(text) to kastell_app;

-- The transition table and the guards of the target state. Runs as the
-- caller (invoker): has_global() answers for the current principal.
create function app.check_job_status() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  move record;
begin
  if tg_op = 'INSERT' then
    if new.status <> 'new' then
      raise exception 'a job starts as new' using errcode = '55000';
    end if;
    return new;
  end if;
  -- what the job is and when it is planned are the dispatcher's: a technician
  -- (jobs.update on assigned jobs only) changes the state and its reason
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
  if not move.by_technician and not app.has_global('jobs.update') then
    raise exception 'only a dispatcher moves a job from % to %', old.status, new.status using errcode = '42501';
  end if;
  if new.status = 'scheduled' and (new.planned_start is null
      or not exists (select 1 from kastell.job_assignments a where a.job_id = new.job_id)) then
    raise exception 'a scheduled job needs a technician and a planned start' using errcode = '55000';
  end if;
  if new.status = 'in_progress' and new.actual_start is null then
    raise exception 'a job in progress needs an actual start' using errcode = '55000';
  end if;
  if new.status = 'work_done' and new.report_frozen_at is null then
    raise exception 'work is done only with a frozen report' using errcode = '55000';
  end if;
  if (new.status in ('on_hold', 'cancelled') or (old.status = 'awaiting_signoff' and new.status = 'in_progress'))
      and new.status_reason is null then
    raise exception 'moving a job to % needs a reason', new.status using errcode = '23514';
  end if;
  return new;
end
$$;
create trigger jobs_check_status before insert or update on kastell.jobs
  for each row execute function app.check_job_status();
create trigger jobs_record_status after insert or update of status on kastell.jobs
  for each row execute function app.record_job_status();

create trigger job_assignments_check before insert or update on kastell.job_assignments
  for each row execute function app.check_job_assignment();

-- Nothing rewrites the history, the owner and superuser included.
create function app.refuse_history_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'job status history is append-only: % refused', tg_op using errcode = '42501';
end
$$;
create trigger job_status_history_append_only before update or delete on kastell.job_status_history
  for each row execute function app.refuse_history_change();
create trigger job_status_history_no_truncate before truncate on kastell.job_status_history
  for each statement execute function app.refuse_history_change();

revoke all on kastell.jobs from public;
grant select, insert (company_id, site_id, request_id, title, description, planned_start, created_by) on kastell.jobs to kastell_app;
grant update (title, description, status, planned_start, actual_start, status_reason) on kastell.jobs to kastell_app;
grant select on kastell.jobs to kastell_auth;
alter table kastell.jobs enable row level security;
alter table kastell.jobs force row level security;
create policy jobs_read on kastell.jobs for select to kastell_app
  using ((select app.has_global('jobs.read'))
         or company_id = (select app.company_scope('jobs.read'))
         or job_id in (select s.job_id from app.assigned_jobs('jobs.read') s));
create policy jobs_create on kastell.jobs for insert to kastell_app
  with check ((select app.has_global('jobs.create')) and created_by = (select app.current_user_id()));
create policy jobs_update on kastell.jobs for update to kastell_app
  using ((select app.has_global('jobs.update')) or job_id in (select s.job_id from app.assigned_jobs('jobs.update') s))
  with check ((select app.has_global('jobs.update')) or job_id in (select s.job_id from app.assigned_jobs('jobs.update') s));
create policy jobs_auth on kastell.jobs for select to kastell_auth using (true);

revoke all on kastell.job_assets from public;
grant select, insert, delete on kastell.job_assets to kastell_app;
grant select on kastell.job_assets to kastell_auth;
alter table kastell.job_assets enable row level security;
alter table kastell.job_assets force row level security;
create policy job_assets_read on kastell.job_assets for select to kastell_app
  using ((select app.has_global('jobs.read'))
         or company_id = (select app.company_scope('jobs.read'))
         or job_id in (select s.job_id from app.assigned_jobs('jobs.read') s));
create policy job_assets_create on kastell.job_assets for insert to kastell_app
  with check ((select app.has_global('jobs.create')));
create policy job_assets_delete on kastell.job_assets for delete to kastell_app
  using ((select app.has_global('jobs.update')));
create policy job_assets_auth on kastell.job_assets for select to kastell_auth using (true);

revoke all on kastell.job_assignments from public;
grant select, insert (job_id, technician_id, company_id, assigned_by), delete on kastell.job_assignments to kastell_app;
grant select on kastell.job_assignments to kastell_auth;
alter table kastell.job_assignments enable row level security;
alter table kastell.job_assignments force row level security;
create policy job_assignments_read on kastell.job_assignments for select to kastell_app
  using ((select app.has_global('jobs.read'))
         or company_id = (select app.company_scope('jobs.read'))
         or job_id in (select s.job_id from app.assigned_jobs('jobs.read') s));
create policy job_assignments_create on kastell.job_assignments for insert to kastell_app
  with check ((select app.has_global('jobs.assign')) and assigned_by = (select app.current_user_id()));
create policy job_assignments_delete on kastell.job_assignments for delete to kastell_app
  using ((select app.has_global('jobs.assign')));
create policy job_assignments_auth on kastell.job_assignments for select to kastell_auth using (true);

revoke all on kastell.job_status_history from public;
grant select on kastell.job_status_history to kastell_app;
grant insert on kastell.job_status_history to kastell_auth;
alter table kastell.job_status_history enable row level security;
alter table kastell.job_status_history force row level security;
create policy job_status_history_read on kastell.job_status_history for select to kastell_app
  using ((select app.has_global('jobs.read'))
         or company_id = (select app.company_scope('jobs.read'))
         or job_id in (select s.job_id from app.assigned_jobs('jobs.read') s));
create policy job_status_history_auth on kastell.job_status_history for insert to kastell_auth with check (true);

-- visits -------------------------------------------------------------------
-- One technician's time on site for a job. The technician is assigned to the
-- job (foreign key to the assignment), has at most one open visit per job,
-- and checks out after checking in.
create table kastell.visits (
  visit_id uuid primary key default app.uuidv7(),
  job_id uuid not null,
  technician_id uuid not null,
  company_id uuid not null,
  check_in_at timestamptz not null default now(),
  check_out_at timestamptz,
  notes text check (length(notes) <= 5000),
  recorded_by uuid references kastell.users on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (job_id, technician_id) references kastell.job_assignments (job_id, technician_id),
  foreign key (job_id, company_id) references kastell.jobs (job_id, company_id) on delete cascade,
  check (check_out_at is null or check_out_at >= check_in_at)
);
create unique index visits_one_open_per_technician on kastell.visits (job_id, technician_id) where check_out_at is null;
create index visits_company_id_idx on kastell.visits (company_id);
create index visits_technician_id_idx on kastell.visits (technician_id);
create trigger visits_touch before update on kastell.visits
  for each row execute function app.touch_updated_at();
revoke all on kastell.visits from public;
grant select, insert (job_id, technician_id, company_id, notes, recorded_by) on kastell.visits to kastell_app;
grant update (check_out_at, notes) on kastell.visits to kastell_app;
alter table kastell.visits enable row level security;
alter table kastell.visits force row level security;
create policy visits_read on kastell.visits for select to kastell_app
  using ((select app.has_global('visits.read'))
         or company_id = (select app.company_scope('visits.read'))
         or job_id in (select s.job_id from app.assigned_jobs('visits.read') s));
-- dispatchers record any assigned technician's visit; a technician only their own
create policy visits_create on kastell.visits for insert to kastell_app
  with check (recorded_by = (select app.current_user_id())
              and ((select app.has_global('visits.manage'))
                   or (technician_id = (select app.current_user_id())
                       and job_id in (select s.job_id from app.assigned_jobs('visits.manage') s))));
create policy visits_update on kastell.visits for update to kastell_app
  using ((select app.has_global('visits.manage'))
         or (technician_id = (select app.current_user_id())
             and job_id in (select s.job_id from app.assigned_jobs('visits.manage') s)))
  with check ((select app.has_global('visits.manage'))
              or (technician_id = (select app.current_user_id())
                  and job_id in (select s.job_id from app.assigned_jobs('visits.manage') s)));

-- the technician scope on what a job points at ------------------------------
create policy companies_read_assigned on kastell.companies for select to kastell_app
  using (company_id in (select s.company_id from app.assigned_jobs('companies.read') s));
create policy sites_read_assigned on kastell.sites for select to kastell_app
  using (site_id in (select s.site_id from app.assigned_jobs('sites.read') s));
create policy assets_read_assigned on kastell.assets for select to kastell_app
  using (asset_id in (select app.assigned_asset_ids('assets.read')));
