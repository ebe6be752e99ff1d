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
