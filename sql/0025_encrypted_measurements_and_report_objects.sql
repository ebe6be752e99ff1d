-- More encrypted fields, and report PDFs under re-encryption (README "Keys
-- and encryption", app/crypto/fields.ts encryptedColumns, reencrypt.ts).
--
-- Report measurements (report_measurements.value) and the refusal comment
-- (service_reports.refusal_comment) are sealed by the application like the
-- other encrypted columns (`v2:keyId:iv:tag:ct`, additional data
-- table.column:row). value was numeric: it becomes text, the values already
-- there stay as they are (plain digits) until the re-encryption worker seals
-- them (it re-seals every value that is not `v2:`).
--
-- The refusal comment used to be copied into the job's status reason (and
-- from there into the job's history) by app.follow_report(): that would be a
-- second, plain copy. The job's reason now is the fixed text
-- 'service report refused' (the pages translate it); the comment stays on
-- the report. Reasons copied before this migration stay as they were.
--
-- Re-seals: kastell_auth reads and swaps the new columns (only inside
-- app.reseal_fields(), now one UPDATE per batch; kastell.resealing names the
-- batch's row ids, comma-separated). A frozen report's refusal comment and its
-- measurements are let through the report triggers exactly like its text
-- (sql/0022): as kastell_auth, with kastell.resealing naming the row, and
-- nothing but the sealed column changing.
--
-- Report PDFs (frozen and sealed): app.reseal_report_objects() hands the
-- worker each report's object keys with the SHA-256 of the plain PDF, which
-- it checks before an object is replaced (the PDF stays the one the report
-- row and the audit trail name). app.encrypted_sample() hands `kastell keys
-- check-fields` (the restore drill) a spread sample of sealed values.

set local check_function_bodies = off;

alter table kastell.report_measurements alter column value type text using value::text;
alter table kastell.report_measurements add constraint report_measurements_value_check check (
  case when value like 'v2:%' then length(value) <= 400 else length(value) between 1 and 60 end);
alter table kastell.service_reports add constraint service_reports_refusal_comment_length check (
  case when refusal_comment like 'v2:%' then length(refusal_comment) <= 3000 else length(refusal_comment) <= 2000 end);

-- the application makes a measurement's id before sealing its value into it (like every sealed row)
grant insert (measurement_id) on kastell.report_measurements to kastell_app;
grant select (measurement_id, company_id, value), update (value) on kastell.report_measurements to kastell_auth;
grant update (refusal_comment) on kastell.service_reports to kastell_auth;
create policy report_measurements_reseal_read on kastell.report_measurements for select to kastell_auth using (true);
create policy report_measurements_reseal on kastell.report_measurements for update to kastell_auth using (true) with check (true);

create or replace function app.encrypted_column(p_table text, p_column text) returns text
language sql immutable
set search_path = ''
as $$
  select case (p_table || '.' || p_column)
    when 'job_messages.body' then 'message_id'
    when 'visits.notes' then 'visit_id'
    when 'service_reports.work_done' then 'report_id'
    when 'service_reports.refusal_comment' then 'report_id'
    when 'report_measurements.value' then 'measurement_id'
    when 'sites.street' then 'site_id'
    when 'sites.postal_code' then 'site_id'
    when 'sites.city' then 'site_id'
  end
$$;

-- Up to p_limit values of one column still to re-seal, in row id order after p_after (sql/0022's form started
-- from the first row each batch, walking past every row already done: a run over n rows read O(n²)). As
-- before: under a key id that is not current (p_current) but still exists (p_known), or not sealed at all.
drop function app.reseal_candidates(text, text, text[], text[], integer);
create function app.reseal_candidates(p_table text, p_column text, p_current text[], p_known text[], p_limit integer, p_after uuid)
returns table (row_id uuid, company_id uuid, value text)
language plpgsql stable security definer
set search_path = ''
as $$
declare
  id_column text := app.encrypted_column(p_table, p_column);
begin
  if app.current_user_id() is not null then
    raise exception 're-encryption runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  if id_column is null then
    raise exception 'not an encrypted column: %.%', p_table, p_column using errcode = '22023';
  end if;
  return query execute pg_catalog.format(
    'select t.%3$I, t.company_id, t.%1$I from kastell.%2$I t
      where ($4::uuid is null or t.%3$I > $4) and t.%1$I is not null and t.%1$I <> ''''
        and case when t.%1$I like ''v2:%%''
                 then pg_catalog.split_part(t.%1$I, '':'', 2) <> all ($1) and pg_catalog.split_part(t.%1$I, '':'', 2) = any ($2)
                 else true end
      order by t.%3$I limit $3', p_column, p_table, id_column)
    using p_current, p_known, least(greatest(p_limit, 1), 10000), p_after;
end
$$;

-- Swaps p_old[i] for p_new[i] in row p_row_ids[i], each only while the row still holds p_old[i]; returns how
-- many it swapped. One UPDATE for the whole batch (sql/0022 ran one dynamic UPDATE per row, planned each time:
-- the worker's main cost). kastell.resealing names the batch's rows (comma-separated) for the report triggers.
create or replace function app.reseal_fields(p_table text, p_column text, p_row_ids uuid[], p_old text[], p_new text[])
returns integer
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  id_column text := app.encrypted_column(p_table, p_column);
  swapped integer;
begin
  if app.current_user_id() is not null then
    raise exception 're-encryption runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  if id_column is null then
    raise exception 'not an encrypted column: %.%', p_table, p_column using errcode = '22023';
  end if;
  if pg_catalog.cardinality(p_row_ids) is distinct from pg_catalog.cardinality(p_old) or pg_catalog.cardinality(p_row_ids) is distinct from pg_catalog.cardinality(p_new) then
    raise exception 'one old and one new value per row' using errcode = '22023';
  end if;
  if exists (select 1 from rows from (pg_catalog.unnest(p_old), pg_catalog.unnest(p_new)) as x(o, n)
             where x.n is null or x.n not like 'v2:%' or (x.o like 'v2:%' and pg_catalog.split_part(x.n, ':', 2) = pg_catalog.split_part(x.o, ':', 2))) then
    raise exception 'a re-seal writes a v2 value under another key' using errcode = '22023';
  end if;
  perform pg_catalog.set_config('kastell.resealing', pg_catalog.array_to_string(p_row_ids, ','), true);
  execute pg_catalog.format(
    'update kastell.%2$I t set %1$I = x.n from rows from (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3)) as x(id, o, n) where t.%3$I = x.id and t.%1$I = x.o',
    p_column, p_table, id_column) using p_row_ids, p_old, p_new;
  get diagnostics swapped = row_count;
  perform pg_catalog.set_config('kastell.resealing', '', true);
  return swapped;
end
$$;

-- Every report with a stored PDF, in id order after p_after: the frozen PDF and the sealed (signed) one, with the
-- SHA-256 of their plain bytes (what the report row and the audit trail name).
create function app.reseal_report_objects(p_after uuid, p_limit integer)
returns table (report_id uuid, company_id uuid, pdf_object_key text, pdf_sha256 bytea, sealed_object_key text, sealed_sha256 bytea)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if app.current_user_id() is not null then
    raise exception 're-encryption runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  return query select r.report_id, r.company_id, r.pdf_object_key, r.pdf_sha256, r.sealed_object_key, r.sealed_sha256
    from kastell.service_reports r
    where r.pdf_object_key is not null and (p_after is null or r.report_id > p_after)
    order by r.report_id limit least(greatest(p_limit, 1), 10000);
end
$$;

-- A sample of up to p_limit sealed values of one encrypted column, spread over its rows (ordered by a hash of the
-- row id): `kastell keys check-fields` opens them, e.g. in the restore drill's scratch copy of the database.
create function app.encrypted_sample(p_table text, p_column text, p_limit integer)
returns table (row_id uuid, value text)
language plpgsql stable security definer
set search_path = ''
as $$
declare
  id_column text := app.encrypted_column(p_table, p_column);
begin
  if app.current_user_id() is not null then
    raise exception 'the field check runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  if id_column is null then
    raise exception 'not an encrypted column: %.%', p_table, p_column using errcode = '22023';
  end if;
  return query execute pg_catalog.format(
    'select t.%3$I, t.%1$I from kastell.%2$I t where t.%1$I like ''v2:%%''
      order by pg_catalog.md5(t.%3$I::text) limit $1', p_column, p_table, id_column)
    using least(greatest(p_limit, 1), 10000);
end
$$;

create or replace function app.follow_report() returns trigger
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
    -- the comment is sealed and stays on the report (sql/0025): the job names the refusal, not its words
    update kastell.jobs set status = 'in_progress', status_reason = 'service report refused', report_frozen_at = null
    where job_id = new.job_id and status = 'awaiting_signoff';
  end if;
  return null;
end
$$;

create or replace function app.check_report_part_change() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  report uuid := case when tg_op = 'DELETE' then old.report_id else new.report_id end;
begin
  if tg_op = 'UPDATE' and new.report_id <> old.report_id then
    raise exception 'a report''s part stays with its report' using errcode = '42501';
  end if;
  -- a re-seal of a measurement (sql/0025): only app.reseal_fields(), as kastell_auth, this row named, nothing but value changing
  if tg_op = 'UPDATE' and current_user = 'kastell_auth'
      and (pg_catalog.to_jsonb(old) ->> 'measurement_id') = any (pg_catalog.string_to_array(pg_catalog.current_setting('kastell.resealing', true), ','))
      and (pg_catalog.to_jsonb(new) - 'value') = (pg_catalog.to_jsonb(old) - 'value') then
    return new;
  end if;
  if (select r.status from kastell.service_reports r where r.report_id = report) is distinct from 'draft' then
    raise exception 'a frozen report is never edited: write a new version' using errcode = '55000';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end
$$;

create or replace function app.check_report_change() returns trigger
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
  -- a re-seal (sql/0022, 0025): only app.reseal_fields(), running as kastell_auth with
  -- this report named in kastell.resealing, and nothing but work_done or refusal_comment changes
  if current_user = 'kastell_auth' and old.report_id::text = any (pg_catalog.string_to_array(pg_catalog.current_setting('kastell.resealing', true), ','))
      and (pg_catalog.to_jsonb(new) - 'work_done' - 'refusal_comment') = (pg_catalog.to_jsonb(old) - 'work_done' - 'refusal_comment') then
    return new;
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

set local check_function_bodies = on;

alter function app.reseal_candidates(text, text, text[], text[], integer, uuid) owner to kastell_auth;
revoke execute on function app.reseal_candidates(text, text, text[], text[], integer, uuid) from public;
grant execute on function app.reseal_candidates(text, text, text[], text[], integer, uuid) to kastell_app;
alter function app.reseal_report_objects(uuid, integer) owner to kastell_auth;
alter function app.encrypted_sample(text, text, integer) owner to kastell_auth;
revoke execute on function app.reseal_report_objects(uuid, integer), app.encrypted_sample(text, text, integer) from public;
grant execute on function app.reseal_report_objects(uuid, integer), app.encrypted_sample(text, text, integer) to kastell_app;
