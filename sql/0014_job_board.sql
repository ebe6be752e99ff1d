-- The dispatcher's board (issue 11, part 10): taking a technician off a job.
--
-- A scheduled or in-progress job keeps at least one technician: 'scheduled'
-- needs one to be reached (sql/0010's guard), so taking the last one away
-- afterwards would leave a job the guard would not have let in. Checked here,
-- beside that guard, so SQL under the application's role cannot do it either.
--
-- The trigger locks the job's row first: two dispatchers removing the last
-- two technicians at once, or a removal racing a move to 'scheduled'
-- (whose guard runs under the same row lock), are serialised, and the second
-- sees what the first did (each statement in a READ COMMITTED transaction
-- takes a fresh snapshot). It runs as the caller, which is fine: only a
-- global jobs.assign holder may delete an assignment (job_assignments_delete),
-- and every role that has that holds jobs.read and jobs.update globally too,
-- so it sees the job and all its assignments. A job deleted with its
-- assignments (cascade, the superuser only) is gone when this runs: allowed.
create function app.keep_last_technician() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  job_status text;
begin
  select j.status into job_status from kastell.jobs j where j.job_id = old.job_id for update;
  if job_status in ('scheduled', 'in_progress') and not exists (
      select 1 from kastell.job_assignments a where a.job_id = old.job_id and a.technician_id <> old.technician_id) then
    raise exception 'a job that is % keeps at least one technician', replace(job_status, '_', ' ') using errcode = '55000';
  end if;
  return old;
end
$$;
create trigger job_assignments_keep_last before delete on kastell.job_assignments
  for each row execute function app.keep_last_technician();

-- The lists' cost under RLS (npm run bench -- jobs). PostgreSQL 15 plans the
-- body of a SQL function it cannot inline — and a SECURITY DEFINER function
-- with SET search_path is never inlined — afresh in every statement that
-- calls it, so each policy's `(select app.has_global(…))` paid a planning of
-- has_global and of active_membership inside it, a dozen times in one job
-- list; PL/pgSQL keeps each statement's plan for the session. Same bodies,
-- owners and grants (create or replace keeps both).
create or replace function app.active_membership() returns table (role_id uuid, company_id uuid)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query
  select m.role_id, m.company_id
  from kastell.memberships m
  join kastell.users u on u.user_id = m.user_id
  where m.user_id = app.current_user_id()
    and u.status = 'active'
    and (m.expires_at is null or m.expires_at > pg_catalog.now());
end
$$;

create or replace function app.has_global(permission text) returns boolean
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return exists (
    select 1 from app.active_membership() m
    join kastell.role_permissions rp on rp.role_id = m.role_id
    where rp.permission_key = has_global.permission and rp.scope = 'global');
end
$$;

create or replace function app.company_scope(permission text) returns uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return (select m.company_id from app.active_membership() m
          join kastell.role_permissions rp on rp.role_id = m.role_id
          where m.company_id is not null and rp.permission_key = company_scope.permission and rp.scope = 'company');
end
$$;

create or replace function app.assigned_jobs(permission text) returns table (job_id uuid, company_id uuid, site_id uuid)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query
  select j.job_id, j.company_id, j.site_id
  from kastell.job_assignments a
  join kastell.jobs j on j.job_id = a.job_id
  where a.technician_id = app.current_user_id()
    and exists (select 1 from app.active_membership() m
                join kastell.role_permissions rp on rp.role_id = m.role_id
                where m.company_id is null and rp.permission_key = assigned_jobs.permission and rp.scope = 'company');
end
$$;

-- The technician scope by job id alone, which job_assignments holds: what the
-- policies on jobs and on the rows of a job ask (assigned_jobs, with company
-- and site, stays for the policies on companies and sites). No join to jobs:
-- the technician's assignments by index.
create function app.assigned_job_ids(permission text) returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query
  select a.job_id
  from kastell.job_assignments a
  where a.technician_id = app.current_user_id()
    and exists (select 1 from app.active_membership() m
                join kastell.role_permissions rp on rp.role_id = m.role_id
                where m.company_id is null and rp.permission_key = assigned_job_ids.permission and rp.scope = 'company');
end
$$;
alter function app.assigned_job_ids(text) owner to kastell_auth;
grant execute on function app.assigned_job_ids(text) to kastell_app;

create or replace function app.assigned_asset_ids(permission text) returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query
  select ja.asset_id from kastell.job_assets ja
  where ja.job_id in (select s from app.assigned_job_ids(assigned_asset_ids.permission) s);
end
$$;

alter policy jobs_read on kastell.jobs
  using ((select app.has_global('jobs.read'))
         or company_id = (select app.company_scope('jobs.read'))
         or job_id in (select app.assigned_job_ids('jobs.read')));
alter policy jobs_update on kastell.jobs
  using ((select app.has_global('jobs.update')) or job_id in (select app.assigned_job_ids('jobs.update')))
  with check ((select app.has_global('jobs.update')) or job_id in (select app.assigned_job_ids('jobs.update')));
alter policy job_assets_read on kastell.job_assets
  using ((select app.has_global('jobs.read'))
         or company_id = (select app.company_scope('jobs.read'))
         or job_id in (select app.assigned_job_ids('jobs.read')));
alter policy job_assignments_read on kastell.job_assignments
  using ((select app.has_global('jobs.read'))
         or company_id = (select app.company_scope('jobs.read'))
         or job_id in (select app.assigned_job_ids('jobs.read')));
alter policy job_status_history_read on kastell.job_status_history
  using ((select app.has_global('jobs.read'))
         or company_id = (select app.company_scope('jobs.read'))
         or job_id in (select app.assigned_job_ids('jobs.read')));
alter policy visits_read on kastell.visits
  using ((select app.has_global('visits.read'))
         or company_id = (select app.company_scope('visits.read'))
         or job_id in (select app.assigned_job_ids('visits.read')));
