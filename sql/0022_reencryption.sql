-- Re-encryption (README "Keys and encryption", app/crypto/reencrypt.ts):
-- `kastell keys reencrypt` and the scheduled run re-seal every encrypted
-- column (app/crypto/fields.ts encryptedColumns) under the owning company's
-- current key version, and `kastell keys status` counts the values per key
-- version. The application decrypts and seals; the database only hands out
-- the values still under another key and swaps a value for its re-seal.
--
-- Everything runs in SECURITY DEFINER functions owned by kastell_auth, for
-- the system only (no signed-in user): the application's own role gains no
-- SELECT or UPDATE past RLS. A re-seal is a compare-and-swap: it writes only
-- while the value is still the one that was read (an edit made meanwhile
-- wins; the next run picks it up), and only a `v2:` value under another key
-- id than the one it replaces.
--
-- Frozen reports: the report trigger (0012) refuses every change to a
-- frozen report's work_done. It now lets exactly a re-seal through: when
-- the UPDATE runs as kastell_auth (only inside a kastell_auth function) and
-- the transaction-local setting kastell.resealing names that report, which
-- only app.reseal_fields() sets (and clears), and nothing but work_done
-- changes. The application role can set the setting but cannot become
-- kastell_auth, so a plain UPDATE of frozen text is still refused.

set local check_function_bodies = off;

grant select (message_id, company_id, body), update (body) on kastell.job_messages to kastell_auth;
grant select (visit_id, company_id, notes), update (notes) on kastell.visits to kastell_auth;
grant select (site_id, company_id, street, postal_code, city), update (street, postal_code, city) on kastell.sites to kastell_auth;
grant update (work_done) on kastell.service_reports to kastell_auth;
grant select (version_id, owner_company_id, object_key) on kastell.document_versions to kastell_auth;

create policy job_messages_reseal on kastell.job_messages for update to kastell_auth using (true) with check (true);
create policy visits_reseal_read on kastell.visits for select to kastell_auth using (true);
create policy visits_reseal on kastell.visits for update to kastell_auth using (true) with check (true);
create policy sites_reseal_read on kastell.sites for select to kastell_auth using (true);
create policy sites_reseal on kastell.sites for update to kastell_auth using (true) with check (true);
create policy document_versions_reseal_read on kastell.document_versions for select to kastell_auth using (true);
-- service_reports: kastell_auth reads (service_reports_follow) and updates (service_reports_supersede) already

-- The encrypted columns, as app/crypto/fields.ts lists them, and their row id column; null for any other.
create function app.encrypted_column(p_table text, p_column text) returns text
language sql immutable
set search_path = ''
as $$
  select case (p_table || '.' || p_column)
    when 'job_messages.body' then 'message_id'
    when 'visits.notes' then 'visit_id'
    when 'service_reports.work_done' then 'report_id'
    when 'sites.street' then 'site_id'
    when 'sites.postal_code' then 'site_id'
    when 'sites.city' then 'site_id'
  end
$$;

-- How many values of one encrypted column each key id holds ('' for values not sealed yet).
create function app.encrypted_key_counts(p_table text, p_column text)
returns table (key_id text, n bigint)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if app.current_user_id() is not null then
    raise exception 'key status runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  if app.encrypted_column(p_table, p_column) is null then
    raise exception 'not an encrypted column: %.%', p_table, p_column using errcode = '22023';
  end if;
  return query execute pg_catalog.format(
    'select case when t.%1$I like ''v2:%%'' then pg_catalog.split_part(t.%1$I, '':'', 2) else '''' end, pg_catalog.count(*)
       from kastell.%2$I t where t.%1$I is not null and t.%1$I <> '''' group by 1 order by 1', p_column, p_table);
end
$$;

-- Up to p_limit values of one column still to re-seal, in row id order: under
-- a key id that is not current (p_current) but still exists (p_known: a
-- destroyed key's values cannot be opened and stay as they are), or not
-- sealed at all.
create function app.reseal_candidates(p_table text, p_column text, p_current text[], p_known text[], p_limit integer)
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
      where t.%1$I is not null and t.%1$I <> ''''
        and case when t.%1$I like ''v2:%%''
                 then pg_catalog.split_part(t.%1$I, '':'', 2) <> all ($1) and pg_catalog.split_part(t.%1$I, '':'', 2) = any ($2)
                 else true end
      order by t.%3$I limit $3', p_column, p_table, id_column)
    using p_current, p_known, least(greatest(p_limit, 1), 10000);
end
$$;

-- Swaps p_old[i] for p_new[i] in row p_row_ids[i], each only while the row still holds p_old[i]. Returns how many it swapped.
create function app.reseal_fields(p_table text, p_column text, p_row_ids uuid[], p_old text[], p_new text[])
returns integer
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  id_column text := app.encrypted_column(p_table, p_column);
  statement text;
  changed integer;
  swapped integer := 0;
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
  statement := pg_catalog.format('update kastell.%2$I set %1$I = $1 where %3$I = $2 and %1$I = $3', p_column, p_table, id_column);
  for i in 1 .. coalesce(pg_catalog.cardinality(p_row_ids), 0) loop
    if p_new[i] is null or p_new[i] not like 'v2:%' or (p_old[i] like 'v2:%' and pg_catalog.split_part(p_new[i], ':', 2) = pg_catalog.split_part(p_old[i], ':', 2)) then
      raise exception 'a re-seal writes a v2 value under another key' using errcode = '22023';
    end if;
    perform pg_catalog.set_config('kastell.resealing', p_row_ids[i]::text, true);
    execute statement using p_new[i], p_row_ids[i], p_old[i];
    get diagnostics changed = row_count;
    swapped := swapped + changed;
  end loop;
  perform pg_catalog.set_config('kastell.resealing', '', true);
  return swapped;
end
$$;

-- Document versions with a stored object, in id order after p_after (the worker reads each object's first line for its key id).
create function app.reseal_objects(p_after uuid, p_limit integer)
returns table (version_id uuid, owner_company_id uuid, object_key text)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if app.current_user_id() is not null then
    raise exception 're-encryption runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  return query select v.version_id, v.owner_company_id, v.object_key from kastell.document_versions v
    where v.object_key is not null and (p_after is null or v.version_id > p_after)
    order by v.version_id limit least(greatest(p_limit, 1), 10000);
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
  -- a re-seal (sql/0022): only app.reseal_fields(), running as kastell_auth with
  -- this report named in kastell.resealing, and nothing but work_done changes
  if current_user = 'kastell_auth' and pg_catalog.current_setting('kastell.resealing', true) = old.report_id::text
      and (pg_catalog.to_jsonb(new) - 'work_done') = (pg_catalog.to_jsonb(old) - 'work_done') then
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

alter function app.encrypted_key_counts(text, text) owner to kastell_auth;
alter function app.reseal_candidates(text, text, text[], text[], integer) owner to kastell_auth;
alter function app.reseal_fields(text, text, uuid[], text[], text[]) owner to kastell_auth;
alter function app.reseal_objects(uuid, integer) owner to kastell_auth;
revoke execute on function app.encrypted_column(text, text), app.encrypted_key_counts(text, text),
  app.reseal_candidates(text, text, text[], text[], integer), app.reseal_fields(text, text, uuid[], text[], text[]),
  app.reseal_objects(uuid, integer) from public;
grant execute on function app.encrypted_column(text, text), app.current_user_id() to kastell_auth;
grant execute on function app.encrypted_key_counts(text, text), app.reseal_candidates(text, text, text[], text[], integer),
  app.reseal_fields(text, text, uuid[], text[], text[]), app.reseal_objects(uuid, integer) to kastell_app;
