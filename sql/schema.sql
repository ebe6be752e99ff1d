-- The schema a fresh `kastell migrate` produces: generated, do not edit.
-- Regenerate with `npm run schema:dump` (pg_dump 15 --schema-only, normalised by
-- test/harness/dump-schema.ts); test/foundation/schema-file.test.ts checks it.
-- Left out: the monthly audit partitions audit.events_YYYY_MM and
-- audit.chain_YYYY_MM that audit.ensure_partitions() creates (their names
-- depend on the date); audit.events_default and audit.chain_default are here.

--
-- Name: app; Type: SCHEMA; Schema: -; Owner: kastell_owner
--

CREATE SCHEMA app;

ALTER SCHEMA app OWNER TO kastell_owner;

--
-- Name: audit; Type: SCHEMA; Schema: -; Owner: kastell_owner
--

CREATE SCHEMA audit;

ALTER SCHEMA audit OWNER TO kastell_owner;

--
-- Name: kastell; Type: SCHEMA; Schema: -; Owner: kastell_owner
--

CREATE SCHEMA kastell;

ALTER SCHEMA kastell OWNER TO kastell_owner;

--
-- Name: kastell_meta; Type: SCHEMA; Schema: -; Owner: kastell_owner
--

CREATE SCHEMA kastell_meta;

ALTER SCHEMA kastell_meta OWNER TO kastell_owner;

--
-- Name: accept_invite(bytea, text, text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.accept_invite(p_token_hash bytea, p_display_name text, p_password_hash text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  i kastell.invites%rowtype;
  v_user_id uuid;
begin
  select * into i from kastell.invites
  where token_hash = p_token_hash and accepted_at is null and revoked_at is null
    and expires_at > pg_catalog.now()
  for update;
  if not found then
    raise exception 'invite link invalid, used or expired' using errcode = 'P0002';
  end if;
  insert into kastell.users (email, display_name, password_hash, locale)
  values (i.email, p_display_name, p_password_hash, i.locale)
  returning user_id into v_user_id;
  insert into kastell.memberships (user_id, role_id, company_id, expires_at)
  values (v_user_id, i.role_id, i.company_id,
          case when i.membership_days is not null then pg_catalog.now() + pg_catalog.make_interval(days => i.membership_days) end);
  update kastell.invites set accepted_at = pg_catalog.now() where invite_id = i.invite_id;
  return v_user_id;
end
$$;

ALTER FUNCTION app.accept_invite(p_token_hash bytea, p_display_name text, p_password_hash text) OWNER TO kastell_auth;

--
-- Name: active_membership(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.active_membership() RETURNS TABLE(role_id uuid, company_id uuid)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

ALTER FUNCTION app.active_membership() OWNER TO kastell_auth;

--
-- Name: add_passkey(text, bytea, bigint, text[], text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.add_passkey(p_credential_id text, p_public_key bytea, p_sign_count bigint, p_transports text[], p_name text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v uuid;
begin
  if app.current_user_id() is null then
    raise exception 'not signed in' using errcode = '42501';
  end if;
  insert into kastell.passkeys (user_id, credential_id, public_key, sign_count, transports, name)
  values (app.current_user_id(), p_credential_id, p_public_key, p_sign_count, p_transports, p_name)
  returning passkey_id into v;
  return v;
end
$$;

ALTER FUNCTION app.add_passkey(p_credential_id text, p_public_key bytea, p_sign_count bigint, p_transports text[], p_name text) OWNER TO kastell_auth;

--
-- Name: assigned_asset_ids(text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.assigned_asset_ids(permission text) RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  return query
  select ja.asset_id from kastell.job_assets ja
  where ja.job_id in (select s from app.assigned_job_ids(assigned_asset_ids.permission) s);
end
$$;

ALTER FUNCTION app.assigned_asset_ids(permission text) OWNER TO kastell_auth;

--
-- Name: assigned_document_ids(text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.assigned_document_ids(permission text) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select d.document_id from kastell.documents d
  where d.job_id in (select s.job_id from app.assigned_jobs(permission) s)
$$;

ALTER FUNCTION app.assigned_document_ids(permission text) OWNER TO kastell_auth;

--
-- Name: assigned_job_ids(text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.assigned_job_ids(permission text) RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

ALTER FUNCTION app.assigned_job_ids(permission text) OWNER TO kastell_auth;

--
-- Name: assigned_jobs(text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.assigned_jobs(permission text) RETURNS TABLE(job_id uuid, company_id uuid, site_id uuid)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

ALTER FUNCTION app.assigned_jobs(permission text) OWNER TO kastell_auth;

--
-- Name: auth_failure_counts(text[], integer); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.auth_failure_counts(p_subjects text[], p_minutes integer) RETURNS TABLE(subject text, failures integer)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select s, (select pg_catalog.count(*)::integer from kastell.auth_failures f
              where f.subject = s
                and f.created_at > pg_catalog.now() - pg_catalog.make_interval(mins => least(greatest(p_minutes, 1), 1440)))
  from pg_catalog.unnest(p_subjects) as s
$$;

ALTER FUNCTION app.auth_failure_counts(p_subjects text[], p_minutes integer) OWNER TO kastell_auth;

--
-- Name: auth_locked_until(text, integer); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.auth_locked_until(p_subject text, p_scale integer) RETURNS timestamp with time zone
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select case
           when f.n >= 20 * p_scale then f.latest + interval '24 hours'
           when f.n >= 10 * p_scale then f.latest + interval '15 minutes'
           when f.n >= 5 * p_scale then f.latest + interval '1 minute'
         end
  from (select pg_catalog.count(*) as n, pg_catalog.max(created_at) as latest
          from kastell.auth_failures
         where subject = p_subject and created_at > pg_catalog.now() - interval '24 hours') f
$$;

ALTER FUNCTION app.auth_locked_until(p_subject text, p_scale integer) OWNER TO kastell_auth;

--
-- Name: backup_code_hash(uuid, bytea, integer); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.backup_code_hash(p_user_id uuid, p_challenge_hash bytea, p_slot integer) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v text;
begin
  perform app.require_act_for(p_user_id, p_challenge_hash);
  select code_hash into v from kastell.backup_codes where user_id = p_user_id and slot = p_slot and used_at is null;
  return v;
end
$$;

ALTER FUNCTION app.backup_code_hash(p_user_id uuid, p_challenge_hash bytea, p_slot integer) OWNER TO kastell_auth;

--
-- Name: begin_totp_enrolment(uuid, bytea, text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.begin_totp_enrolment(p_user_id uuid, p_challenge_hash bytea, p_secret_enc text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform app.require_act_for(p_user_id, p_challenge_hash);
  insert into kastell.totp_factors (user_id, pending_secret_enc) values (p_user_id, p_secret_enc)
  on conflict (user_id) do update set pending_secret_enc = excluded.pending_secret_enc;
end
$$;

ALTER FUNCTION app.begin_totp_enrolment(p_user_id uuid, p_challenge_hash bytea, p_secret_enc text) OWNER TO kastell_auth;

--
-- Name: check_invite_change(); Type: FUNCTION; Schema: app; Owner: kastell_owner
--

CREATE FUNCTION app.check_invite_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  if tg_op = 'UPDATE' then
    if old.accepted_at is not null and new.accepted_at is distinct from old.accepted_at
       or old.revoked_at is not null and new.revoked_at is distinct from old.revoked_at then
      raise exception 'an accepted or revoked invitation stays so' using errcode = '23514';
    end if;
    if (new.token_hash is distinct from old.token_hash or new.expires_at is distinct from old.expires_at)
       and (old.accepted_at is not null or old.revoked_at is not null) then
      raise exception 'only an open invitation can be sent again' using errcode = '23514';
    end if;
    if new.role_id is distinct from old.role_id or new.company_id is distinct from old.company_id
       or new.email is distinct from old.email or new.membership_days is distinct from old.membership_days then
      raise exception 'an invitation''s address, role and length do not change' using errcode = '23514';
    end if;
  end if;
  if exists (select 1 from kastell.roles r where r.role_id = new.role_id and r.role_key = 'external_auditor') then
    if new.membership_days is null then
      raise exception 'an external auditor''s membership needs an end (at most 90 days)' using errcode = '23514';
    end if;
  elsif new.membership_days is not null then
    raise exception 'only an external auditor''s membership has an end' using errcode = '23514';
  end if;
  return new;
end
$$;

ALTER FUNCTION app.check_invite_change() OWNER TO kastell_owner;

--
-- Name: check_job_assignment(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.check_job_assignment() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if not exists (select 1 from kastell.memberships m join kastell.roles r on r.role_id = m.role_id
                 where m.user_id = new.technician_id and r.role_key = 'technician') then
    raise exception 'only a technician can be assigned to a job' using errcode = '23514';
  end if;
  return new;
end
$$;

ALTER FUNCTION app.check_job_assignment() OWNER TO kastell_auth;

--
-- Name: check_job_status(); Type: FUNCTION; Schema: app; Owner: kastell_owner
--

CREATE FUNCTION app.check_job_status() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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

ALTER FUNCTION app.check_job_status() OWNER TO kastell_owner;

--
-- Name: check_membership_expiry(); Type: FUNCTION; Schema: app; Owner: kastell_owner
--

CREATE FUNCTION app.check_membership_expiry() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  if exists (select 1 from kastell.roles r where r.role_id = new.role_id and r.role_key = 'external_auditor') then
    if new.expires_at is null then
      raise exception 'an external auditor''s membership needs an end (at most 90 days)' using errcode = '23514';
    end if;
    if (tg_op = 'INSERT' or new.expires_at is distinct from old.expires_at or new.role_id is distinct from old.role_id)
       and new.expires_at > pg_catalog.now() + interval '90 days' then
      raise exception 'an external auditor''s membership lasts at most 90 days' using errcode = '23514';
    end if;
  end if;
  return new;
end
$$;

ALTER FUNCTION app.check_membership_expiry() OWNER TO kastell_owner;

--
-- Name: check_membership_role(); Type: FUNCTION; Schema: app; Owner: kastell_owner
--

CREATE FUNCTION app.check_membership_role() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  r record;
begin
  select side, company_id into r from kastell.roles where role_id = new.role_id;
  if not found then
    raise exception 'unknown role' using errcode = '23503';
  end if;
  if r.side = 'customer' and new.company_id is null then
    raise exception 'a customer role needs a company' using errcode = '23514';
  end if;
  if r.side <> 'customer' and new.company_id is not null then
    raise exception 'an operator role has no company' using errcode = '23514';
  end if;
  if r.company_id is not null and r.company_id <> new.company_id then
    raise exception 'a custom role belongs to another company' using errcode = '23514';
  end if;
  return new;
end
$$;

ALTER FUNCTION app.check_membership_role() OWNER TO kastell_owner;

--
-- Name: check_permission_assignable(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.check_permission_assignable() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if old.customer_assignable and not new.customer_assignable
     and exists (select 1 from kastell.role_permissions rp join kastell.roles r on r.role_id = rp.role_id
                 where rp.permission_key = new.permission_key and r.company_id is not null) then
    raise exception 'custom roles hold %: remove it from them first', new.permission_key using errcode = '23514';
  end if;
  return new;
end
$$;

ALTER FUNCTION app.check_permission_assignable() OWNER TO kastell_auth;

--
-- Name: check_report_change(); Type: FUNCTION; Schema: app; Owner: kastell_owner
--

CREATE FUNCTION app.check_report_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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

ALTER FUNCTION app.check_report_change() OWNER TO kastell_owner;

--
-- Name: check_report_part_change(); Type: FUNCTION; Schema: app; Owner: kastell_owner
--

CREATE FUNCTION app.check_report_part_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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

ALTER FUNCTION app.check_report_part_change() OWNER TO kastell_owner;

--
-- Name: check_request_status(); Type: FUNCTION; Schema: app; Owner: kastell_owner
--

CREATE FUNCTION app.check_request_status() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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

ALTER FUNCTION app.check_request_status() OWNER TO kastell_owner;

--
-- Name: check_role_permission(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.check_role_permission() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if exists (select 1 from kastell.roles r where r.role_id = new.role_id and r.company_id is not null)
     and (new.scope = 'global'
          or not exists (select 1 from kastell.permissions p
                         where p.permission_key = new.permission_key and p.customer_assignable)) then
    raise exception 'a custom role holds only customer-scope permissions (% at % scope is not one)', new.permission_key, new.scope
      using errcode = '23514', constraint = 'role_permissions_custom_customer_scope';
  end if;
  return new;
end
$$;

ALTER FUNCTION app.check_role_permission() OWNER TO kastell_auth;

--
-- Name: claim_auth_attempt(text, integer); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.claim_auth_attempt(p_subject text, p_scale integer) RETURNS TABLE(attempt_id uuid, locked_until timestamp with time zone, failures integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_until timestamptz;
  v_id uuid;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('kastell.auth:' || p_subject));
  v_until := app.auth_locked_until(p_subject, p_scale);
  if v_until is not null and v_until > pg_catalog.now() then
    return query select null::uuid, v_until,
      (select pg_catalog.count(*)::integer from kastell.auth_failures f
        where f.subject = p_subject and f.created_at > pg_catalog.now() - interval '24 hours');
    return;
  end if;
  delete from kastell.auth_failures f where f.subject = p_subject and f.created_at <= pg_catalog.now() - interval '24 hours';
  insert into kastell.auth_failures (subject) values (p_subject) returning auth_failure_id into v_id;
  return query select v_id, null::timestamptz,
    (select pg_catalog.count(*)::integer from kastell.auth_failures f
      where f.subject = p_subject and f.created_at > pg_catalog.now() - interval '24 hours');
end
$$;

ALTER FUNCTION app.claim_auth_attempt(p_subject text, p_scale integer) OWNER TO kastell_auth;

--
-- Name: claim_notification_mails(integer); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.claim_notification_mails(p_limit integer) RETURNS TABLE(notification_id uuid, email text, locale text, kind text, job_id uuid, request_id uuid)
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  with claimed as (
    update kastell.notifications n set mail_status = 'sending', mail_claimed_at = pg_catalog.now()
    where n.notification_id in (
      select c.notification_id from kastell.notifications c
      where c.mail_status = 'pending'
         or (c.mail_status = 'sending' and c.mail_claimed_at < pg_catalog.now() - interval '10 minutes')
      order by c.created_at
      limit p_limit
      for update skip locked)
    returning n.notification_id, n.user_id, n.kind, n.job_id, n.request_id
  )
  select c.notification_id, u.email, coalesce(u.locale, o.default_locale), c.kind, c.job_id, c.request_id
  from claimed c
  join kastell.users u on u.user_id = c.user_id
  cross join kastell.organisation o
$$;

ALTER FUNCTION app.claim_notification_mails(p_limit integer) OWNER TO kastell_auth;

--
-- Name: claim_setup_token(bytea, text, text, text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.claim_setup_token(p_token_hash bytea, p_email text, p_display_name text, p_password_hash text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_user_id uuid;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('kastell.claim_setup_token'));
  if not app.setup_token_valid(p_token_hash) then
    raise exception 'set-up link invalid, used or expired' using errcode = 'P0002';
  end if;
  insert into kastell.users (email, display_name, password_hash)
  values (p_email, p_display_name, p_password_hash)
  returning user_id into v_user_id;
  insert into kastell.memberships (user_id, role_id)
  select v_user_id, role_id from kastell.roles where role_key = 'owner';
  update kastell.setup_tokens set used_at = pg_catalog.now() where used_at is null;
  return v_user_id;
end
$$;

ALTER FUNCTION app.claim_setup_token(p_token_hash bytea, p_email text, p_display_name text, p_password_hash text) OWNER TO kastell_auth;

--
-- Name: clear_auth_failures(text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.clear_auth_failures(p_subject text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$ delete from kastell.auth_failures where subject = p_subject $$;

ALTER FUNCTION app.clear_auth_failures(p_subject text) OWNER TO kastell_auth;

--
-- Name: clear_lock_after_reset(bytea); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.clear_lock_after_reset(p_token_hash bytea) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_email text;
  v_cleared integer;
begin
  select u.email into v_email
    from kastell.password_reset_tokens t join kastell.users u on u.user_id = t.user_id
   where t.token_hash = p_token_hash and t.used_at = pg_catalog.now();
  if v_email is null then
    return 0;
  end if;
  delete from kastell.auth_failures where subject = 'account:' || pg_catalog.lower(v_email);
  get diagnostics v_cleared = row_count;
  return v_cleared;
end
$$;

ALTER FUNCTION app.clear_lock_after_reset(p_token_hash bytea) OWNER TO kastell_auth;

--
-- Name: company_scope(text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.company_scope(permission text) RETURNS uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  return (select m.company_id from app.active_membership() m
          join kastell.role_permissions rp on rp.role_id = m.role_id
          where m.company_id is not null and rp.permission_key = company_scope.permission and rp.scope = 'company');
end
$$;

ALTER FUNCTION app.company_scope(permission text) OWNER TO kastell_auth;

--
-- Name: complete_password_reset(bytea, text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.complete_password_reset(p_token_hash bytea, p_new_hash text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  t kastell.password_reset_tokens%rowtype;
begin
  select * into t from kastell.password_reset_tokens
   where token_hash = p_token_hash and used_at is null and voided_at is null and expires_at > pg_catalog.now()
  for update;
  if not found or not exists (select 1 from kastell.users u where u.user_id = t.user_id and u.status = 'active') then
    raise exception 'reset link invalid, used or expired' using errcode = 'P0002';
  end if;
  update kastell.password_reset_tokens set used_at = pg_catalog.now() where password_reset_token_id = t.password_reset_token_id;
  update kastell.password_reset_tokens set voided_at = pg_catalog.now(), void_reason = 'used_other'
   where user_id = t.user_id and used_at is null and voided_at is null;
  update kastell.users set password_hash = p_new_hash where user_id = t.user_id;
  return t.user_id;
end
$$;

ALTER FUNCTION app.complete_password_reset(p_token_hash bytea, p_new_hash text) OWNER TO kastell_auth;

--
-- Name: confirm_email_change(bytea); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.confirm_email_change(p_token_hash bytea) RETURNS TABLE(user_id uuid, old_email text, new_email text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  e kastell.email_changes%rowtype;
  v_old text;
begin
  select * into e from kastell.email_changes
   where token_hash = p_token_hash and confirmed_at is null and voided_at is null and expires_at > pg_catalog.now()
  for update;
  if not found then
    raise exception 'confirmation link invalid, used or expired' using errcode = 'P0002';
  end if;
  select u.email into v_old from kastell.users u where u.user_id = e.user_id and u.status = 'active';
  if not found then
    raise exception 'confirmation link invalid, used or expired' using errcode = 'P0002';
  end if;
  update kastell.email_changes set confirmed_at = pg_catalog.now() where email_change_id = e.email_change_id;
  update kastell.users set email = e.new_email where users.user_id = e.user_id;
  return query select e.user_id, v_old, e.new_email;
end
$$;

ALTER FUNCTION app.confirm_email_change(p_token_hash bytea) OWNER TO kastell_auth;

--
-- Name: confirm_totp_enrolment(uuid, bytea, bigint); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.confirm_totp_enrolment(p_user_id uuid, p_challenge_hash bytea, p_step bigint) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform app.require_act_for(p_user_id, p_challenge_hash);
  update kastell.totp_factors
     set secret_enc = pending_secret_enc, pending_secret_enc = null, last_step = p_step, confirmed_at = pg_catalog.now()
   where user_id = p_user_id and pending_secret_enc is not null;
  return found;
end
$$;

ALTER FUNCTION app.confirm_totp_enrolment(p_user_id uuid, p_challenge_hash bytea, p_step bigint) OWNER TO kastell_auth;

--
-- Name: consume_auth_challenge(bytea, text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.consume_auth_challenge(p_token_hash bytea, p_purpose text) RETURNS TABLE(user_id uuid, webauthn_challenge text, via_unlock boolean)
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  delete from kastell.auth_challenges
  where token_hash = p_token_hash and purpose = p_purpose and expires_at > pg_catalog.now()
  returning user_id, webauthn_challenge, via_unlock
$$;

ALTER FUNCTION app.consume_auth_challenge(p_token_hash bytea, p_purpose text) OWNER TO kastell_auth;

--
-- Name: consume_bot_challenge(text, text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.consume_bot_challenge(p_challenge text, p_endpoint text) RETURNS boolean
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  with used as (
    update kastell.bot_challenges set used_at = pg_catalog.now()
     where challenge = p_challenge and endpoint = p_endpoint
       and used_at is null and expires_at > pg_catalog.now()
    returning 1
  )
  select exists (select 1 from used)
$$;

ALTER FUNCTION app.consume_bot_challenge(p_challenge text, p_endpoint text) OWNER TO kastell_auth;

--
-- Name: count_requests(bytea[], integer); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.count_requests(p_buckets bytea[], p_window_seconds integer) RETURNS TABLE(bucket bytea, hits integer, reset_seconds integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  v_start timestamptz := pg_catalog.to_timestamp(
    pg_catalog.floor(extract(epoch from pg_catalog.clock_timestamp()) / p_window_seconds) * p_window_seconds);
begin
  if p_window_seconds < 1 or p_window_seconds > 86400 then
    raise exception 'window out of range' using errcode = '22023';
  end if;
  if pg_catalog.random() < 0.005 then
    delete from kastell.rate_limit_windows w where w.window_start < pg_catalog.now() - interval '1 hour';
  end if;
  return query
    insert into kastell.rate_limit_windows as w (bucket, window_start, hits)
    select distinct b, v_start, 1 from pg_catalog.unnest(p_buckets) as b
    on conflict on constraint rate_limit_windows_pkey do update set hits = w.hits + 1
    returning w.bucket, w.hits,
      greatest(1, pg_catalog.ceil(extract(epoch from (v_start + pg_catalog.make_interval(secs => p_window_seconds) - pg_catalog.clock_timestamp())))::integer);
end
$$;

ALTER FUNCTION app.count_requests(p_buckets bytea[], p_window_seconds integer) OWNER TO kastell_auth;

--
-- Name: count_share_download(uuid); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.count_share_download(p_share_link_id uuid) RETURNS integer
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  update kastell.share_links
     set downloads = downloads + 1, failed_attempts = 0
   where share_link_id = p_share_link_id
     and revoked_at is null and expires_at > pg_catalog.now()
     and (max_downloads is null or downloads < max_downloads)
  returning downloads
$$;

ALTER FUNCTION app.count_share_download(p_share_link_id uuid) OWNER TO kastell_auth;

--
-- Name: create_auth_challenge(bytea, text, uuid, text, boolean, interval); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.create_auth_challenge(p_token_hash bytea, p_purpose text, p_user_id uuid, p_webauthn_challenge text, p_via_unlock boolean, p_ttl interval) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  delete from kastell.auth_challenges where expires_at < pg_catalog.now();
  insert into kastell.auth_challenges (token_hash, purpose, user_id, webauthn_challenge, via_unlock, expires_at)
  values (p_token_hash, p_purpose, p_user_id, p_webauthn_challenge, p_via_unlock, pg_catalog.now() + p_ttl);
$$;

ALTER FUNCTION app.create_auth_challenge(p_token_hash bytea, p_purpose text, p_user_id uuid, p_webauthn_challenge text, p_via_unlock boolean, p_ttl interval) OWNER TO kastell_auth;

--
-- Name: create_setup_token(bytea, interval); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.create_setup_token(p_token_hash bytea, p_ttl interval) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if app.owner_exists() then
    raise exception 'an owner exists already' using errcode = '55000';
  end if;
  insert into kastell.setup_tokens (token_hash, expires_at) values (p_token_hash, pg_catalog.now() + p_ttl);
end
$$;

ALTER FUNCTION app.create_setup_token(p_token_hash bytea, p_ttl interval) OWNER TO kastell_auth;

--
-- Name: create_unlock_token(uuid, bytea, interval); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.create_unlock_token(p_user_id uuid, p_token_hash bytea, p_ttl interval) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('kastell.unlock:' || p_user_id::text));
  if exists (select 1 from kastell.unlock_tokens
              where user_id = p_user_id and created_at > pg_catalog.now() - interval '15 minutes') then
    return false;
  end if;
  delete from kastell.unlock_tokens where user_id = p_user_id and expires_at < pg_catalog.now() - interval '1 day';
  insert into kastell.unlock_tokens (user_id, token_hash, expires_at) values (p_user_id, p_token_hash, pg_catalog.now() + p_ttl);
  return true;
end
$$;

ALTER FUNCTION app.create_unlock_token(p_user_id uuid, p_token_hash bytea, p_ttl interval) OWNER TO kastell_auth;

--
-- Name: current_company_id(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.current_company_id() RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$ select company_id from app.active_membership() $$;

ALTER FUNCTION app.current_company_id() OWNER TO kastell_auth;

--
-- Name: current_user_id(); Type: FUNCTION; Schema: app; Owner: kastell_owner
--

CREATE FUNCTION app.current_user_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$ select nullif(pg_catalog.current_setting('kastell.user_id', true), '')::uuid $$;

ALTER FUNCTION app.current_user_id() OWNER TO kastell_owner;

--
-- Name: delete_own_passkey(uuid); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.delete_own_passkey(p_passkey_id uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  delete from kastell.passkeys where passkey_id = p_passkey_id and user_id = app.current_user_id();
  return found;
end
$$;

ALTER FUNCTION app.delete_own_passkey(p_passkey_id uuid) OWNER TO kastell_auth;

--
-- Name: encrypted_column(text, text); Type: FUNCTION; Schema: app; Owner: kastell_owner
--

CREATE FUNCTION app.encrypted_column(p_table text, p_column text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
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

ALTER FUNCTION app.encrypted_column(p_table text, p_column text) OWNER TO kastell_owner;

--
-- Name: encrypted_key_counts(text, text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.encrypted_key_counts(p_table text, p_column text) RETURNS TABLE(key_id text, n bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $_$
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
$_$;

ALTER FUNCTION app.encrypted_key_counts(p_table text, p_column text) OWNER TO kastell_auth;

--
-- Name: encrypted_sample(text, text, integer); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.encrypted_sample(p_table text, p_column text, p_limit integer) RETURNS TABLE(row_id uuid, value text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $_$
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
$_$;

ALTER FUNCTION app.encrypted_sample(p_table text, p_column text, p_limit integer) OWNER TO kastell_auth;

--
-- Name: end_session(bytea, text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.end_session(p_token_hash bytea, p_reason text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  update kastell.sessions set ended_at = pg_catalog.now(), end_reason = p_reason
  where token_hash = p_token_hash and ended_at is null
$$;

ALTER FUNCTION app.end_session(p_token_hash bytea, p_reason text) OWNER TO kastell_auth;

--
-- Name: end_session_by_id(uuid, text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.end_session_by_id(p_session_id uuid, p_reason text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_owner uuid;
begin
  select user_id into v_owner from kastell.sessions where session_id = p_session_id and ended_at is null;
  if not found then return false; end if;
  if v_owner <> app.current_user_id() and not app.has_global('sessions.end') then
    raise exception 'not allowed' using errcode = '42501';
  end if;
  update kastell.sessions set ended_at = pg_catalog.now(), end_reason = p_reason where session_id = p_session_id;
  return true;
end
$$;

ALTER FUNCTION app.end_session_by_id(p_session_id uuid, p_reason text) OWNER TO kastell_auth;

--
-- Name: end_sessions_of(uuid, text, uuid); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.end_sessions_of(p_user_id uuid, p_reason text, p_except uuid) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if p_user_id <> app.current_user_id() and not app.has_global('sessions.end') then
    raise exception 'not allowed' using errcode = '42501';
  end if;
  return app.end_user_sessions(p_user_id, p_reason, p_except);
end
$$;

ALTER FUNCTION app.end_sessions_of(p_user_id uuid, p_reason text, p_except uuid) OWNER TO kastell_auth;

--
-- Name: end_user_sessions(uuid, text, uuid); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.end_user_sessions(p_user_id uuid, p_reason text, p_except uuid DEFAULT NULL::uuid) RETURNS integer
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  with ended as (
    update kastell.sessions set ended_at = pg_catalog.now(), end_reason = p_reason
    where user_id = p_user_id and ended_at is null and (p_except is null or session_id <> p_except)
    returning 1)
  select pg_catalog.count(*)::integer from ended
$$;

ALTER FUNCTION app.end_user_sessions(p_user_id uuid, p_reason text, p_except uuid) OWNER TO kastell_auth;

--
-- Name: erase_person(uuid, text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.erase_person(p_user_id uuid, p_pseudonym text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
  counts jsonb := '{}';
  n bigint;
begin
  if not app.has_global('users.disable') then
    raise exception 'only an admin may delete a person' using errcode = '42501';
  end if;
  if p_user_id = app.current_user_id() then
    raise exception 'an admin does not delete themselves' using errcode = '42501';
  end if;
  if p_pseudonym !~ '^Person [0-9a-f]{8}$' then
    raise exception 'a pseudonym is "Person" and 8 hex digits' using errcode = '22023';
  end if;
  if exists (select 1 from kastell.memberships m join kastell.roles r on r.role_id = m.role_id
             where m.user_id = p_user_id and r.role_key = 'owner') then
    raise exception 'the owner is not deleted: hand ownership over first' using errcode = '42501';
  end if;
  update kastell.users u set display_name = p_pseudonym,
         email = pg_catalog.format('erased-%s@erased.invalid', pg_catalog.replace(p_user_id::text, '-', '')),
         password_hash = null, status = 'disabled', locale = null
   where u.user_id = p_user_id;
  if not found then
    raise exception 'no such person' using errcode = 'P0002';
  end if;
  delete from kastell.sessions s where s.user_id = p_user_id; get diagnostics n = row_count; counts := counts || pg_catalog.jsonb_build_object('sessions', n);
  delete from kastell.totp_factors t where t.user_id = p_user_id; get diagnostics n = row_count; counts := counts || pg_catalog.jsonb_build_object('totp_factors', n);
  delete from kastell.backup_codes b where b.user_id = p_user_id; get diagnostics n = row_count; counts := counts || pg_catalog.jsonb_build_object('backup_codes', n);
  delete from kastell.passkeys p where p.user_id = p_user_id; get diagnostics n = row_count; counts := counts || pg_catalog.jsonb_build_object('passkeys', n);
  delete from kastell.password_history h where h.user_id = p_user_id; get diagnostics n = row_count; counts := counts || pg_catalog.jsonb_build_object('password_history', n);
  delete from kastell.unlock_tokens t where t.user_id = p_user_id; get diagnostics n = row_count; counts := counts || pg_catalog.jsonb_build_object('unlock_tokens', n);
  delete from kastell.auth_challenges c where c.user_id = p_user_id; get diagnostics n = row_count; counts := counts || pg_catalog.jsonb_build_object('auth_challenges', n);
  delete from kastell.idempotency_keys k where k.user_id = p_user_id; get diagnostics n = row_count; counts := counts || pg_catalog.jsonb_build_object('idempotency_keys', n);
  delete from kastell.notification_preferences p where p.user_id = p_user_id; get diagnostics n = row_count; counts := counts || pg_catalog.jsonb_build_object('notification_preferences', n);
  delete from kastell.notifications x where x.user_id = p_user_id; get diagnostics n = row_count; counts := counts || pg_catalog.jsonb_build_object('notifications', n);
  delete from kastell.job_message_reads r where r.user_id = p_user_id; get diagnostics n = row_count; counts := counts || pg_catalog.jsonb_build_object('job_message_reads', n);
  delete from kastell.password_reset_tokens x where x.user_id = p_user_id; get diagnostics n = row_count; counts := counts || pg_catalog.jsonb_build_object('password_reset_tokens', n);
  delete from kastell.email_changes x where x.user_id = p_user_id; get diagnostics n = row_count; counts := counts || pg_catalog.jsonb_build_object('email_changes', n);
  delete from kastell.memberships m where m.user_id = p_user_id; get diagnostics n = row_count; counts := counts || pg_catalog.jsonb_build_object('memberships', n);
  return counts;
end
$_$;

ALTER FUNCTION app.erase_person(p_user_id uuid, p_pseudonym text) OWNER TO kastell_auth;

--
-- Name: factor_adoption_by_role(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.factor_adoption_by_role() RETURNS TABLE(role_key text, role_name text, side text, accounts bigint, with_factor bigint, with_passkey bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select coalesce(r.role_key, 'custom'), case when r.role_key is null then null else r.name end, r.side,
         pg_catalog.count(*),
         pg_catalog.count(*) filter (where t.confirmed_at is not null
                                     or exists (select 1 from kastell.passkeys p where p.user_id = u.user_id)),
         pg_catalog.count(*) filter (where exists (select 1 from kastell.passkeys p where p.user_id = u.user_id))
  from kastell.users u
  join kastell.memberships m on m.user_id = u.user_id
  join kastell.roles r on r.role_id = m.role_id
  left join kastell.totp_factors t on t.user_id = u.user_id
  where u.status = 'active' and (m.expires_at is null or m.expires_at > pg_catalog.now())
  group by 1, 2, 3
  order by 3, 1
$$;

ALTER FUNCTION app.factor_adoption_by_role() OWNER TO kastell_auth;

--
-- Name: factor_changed(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.factor_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_user uuid := coalesce(new.user_id, old.user_id);
begin
  if tg_table_name = 'totp_factors' then
    if tg_op = 'UPDATE' and new.confirmed_at is not distinct from old.confirmed_at then return null; end if;
    if tg_op = 'INSERT' and new.confirmed_at is null then return null; end if;
    if tg_op = 'DELETE' and old.confirmed_at is null then return null; end if;
  end if;
  perform app.end_user_sessions(v_user, 'factor_change');
  return null;
end
$$;

ALTER FUNCTION app.factor_changed() OWNER TO kastell_auth;

--
-- Name: find_account(text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.find_account(p_email text) RETURNS TABLE(user_id uuid, email text, display_name text, password_hash text, status text, role_key text, side text, has_totp boolean, passkey_count integer)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select u.user_id, u.email, u.display_name, u.password_hash, u.status, r.role_key, r.side,
         exists (select 1 from kastell.totp_factors t where t.user_id = u.user_id and t.confirmed_at is not null),
         (select pg_catalog.count(*)::integer from kastell.passkeys p where p.user_id = u.user_id)
  from kastell.users u
  join kastell.memberships m on m.user_id = u.user_id
  join kastell.roles r on r.role_id = m.role_id
  where pg_catalog.lower(u.email) = pg_catalog.lower(p_email)
$$;

ALTER FUNCTION app.find_account(p_email text) OWNER TO kastell_auth;

--
-- Name: find_account_by_id(uuid); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.find_account_by_id(p_user_id uuid) RETURNS TABLE(user_id uuid, email text, display_name text, password_hash text, status text, role_key text, side text, has_totp boolean, passkey_count integer)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select u.user_id, u.email, u.display_name, u.password_hash, u.status, r.role_key, r.side,
         exists (select 1 from kastell.totp_factors t where t.user_id = u.user_id and t.confirmed_at is not null),
         (select pg_catalog.count(*)::integer from kastell.passkeys p where p.user_id = u.user_id)
  from kastell.users u
  join kastell.memberships m on m.user_id = u.user_id
  join kastell.roles r on r.role_id = m.role_id
  where u.user_id = p_user_id
$$;

ALTER FUNCTION app.find_account_by_id(p_user_id uuid) OWNER TO kastell_auth;

--
-- Name: find_auth_challenge(bytea, text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.find_auth_challenge(p_token_hash bytea, p_purpose text) RETURNS TABLE(user_id uuid, webauthn_challenge text, via_unlock boolean)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select user_id, webauthn_challenge, via_unlock from kastell.auth_challenges
  where token_hash = p_token_hash and purpose = p_purpose and expires_at > pg_catalog.now()
$$;

ALTER FUNCTION app.find_auth_challenge(p_token_hash bytea, p_purpose text) OWNER TO kastell_auth;

--
-- Name: find_passkey(text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.find_passkey(p_credential_id text) RETURNS TABLE(passkey_id uuid, user_id uuid, public_key bytea, sign_count bigint, transports text[])
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select passkey_id, user_id, public_key, sign_count, transports from kastell.passkeys where credential_id = p_credential_id
$$;

ALTER FUNCTION app.find_passkey(p_credential_id text) OWNER TO kastell_auth;

--
-- Name: find_share_link(bytea); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.find_share_link(p_token_hash bytea) RETURNS TABLE(share_link_id uuid, document_id uuid, owner_company_id uuid, created_by uuid, expires_at timestamp with time zone, password_hash text, max_downloads integer, downloads integer, locked_until timestamp with time zone, revoked_at timestamp with time zone)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select l.share_link_id, l.document_id, l.owner_company_id, l.created_by, l.expires_at, l.password_hash,
         l.max_downloads, l.downloads, l.locked_until, l.revoked_at
  from kastell.share_links l where l.token_hash = p_token_hash
$$;

ALTER FUNCTION app.find_share_link(p_token_hash bytea) OWNER TO kastell_auth;

--
-- Name: find_sign_in(text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.find_sign_in(p_email text) RETURNS TABLE(user_id uuid, password_hash text, status text, role_key text, side text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select u.user_id, u.password_hash, u.status, r.role_key, r.side
  from kastell.users u
  join kastell.memberships m on m.user_id = u.user_id
  join kastell.roles r on r.role_id = m.role_id
  where pg_catalog.lower(u.email) = pg_catalog.lower(p_email)
$$;

ALTER FUNCTION app.find_sign_in(p_email text) OWNER TO kastell_auth;

--
-- Name: find_unlock_bypass(bytea); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.find_unlock_bypass(p_bypass_hash bytea) RETURNS TABLE(unlock_token_id uuid, user_id uuid, email text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select t.unlock_token_id, t.user_id, u.email from kastell.unlock_tokens t
  join kastell.users u on u.user_id = t.user_id
  where t.bypass_hash = p_bypass_hash and t.bypass_expires_at > pg_catalog.now() and u.status = 'active'
$$;

ALTER FUNCTION app.find_unlock_bypass(p_bypass_hash bytea) OWNER TO kastell_auth;

--
-- Name: finish_notification_mail(uuid, boolean); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.finish_notification_mail(p_notification_id uuid, p_sent boolean) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  update kastell.notifications set
    mail_status = case when p_sent then 'sent' when mail_attempts + 1 >= 5 then 'failed' else 'pending' end,
    mail_attempts = mail_attempts + case when p_sent then 0 else 1 end,
    mail_sent_at = case when p_sent then pg_catalog.now() end
  where notification_id = p_notification_id and mail_status = 'sending'
$$;

ALTER FUNCTION app.finish_notification_mail(p_notification_id uuid, p_sent boolean) OWNER TO kastell_auth;

--
-- Name: follow_report(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.follow_report() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

ALTER FUNCTION app.follow_report() OWNER TO kastell_auth;

--
-- Name: has_global(text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.has_global(permission text) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  return exists (
    select 1 from app.active_membership() m
    join kastell.role_permissions rp on rp.role_id = m.role_id
    where rp.permission_key = has_global.permission and rp.scope = 'global');
end
$$;

ALTER FUNCTION app.has_global(permission text) OWNER TO kastell_auth;

--
-- Name: held_version_company(uuid); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.held_version_company(p_version_id uuid) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select d.owner_company_id from kastell.document_versions v join kastell.documents d on d.document_id = v.document_id
   where v.version_id = p_version_id and v.status = 'pending'
$$;

ALTER FUNCTION app.held_version_company(p_version_id uuid) OWNER TO kastell_auth;

--
-- Name: held_version_uploader(uuid); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.held_version_uploader(p_version_id uuid) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select v.uploaded_by from kastell.document_versions v where v.version_id = p_version_id and v.status = 'pending'
$$;

ALTER FUNCTION app.held_version_uploader(p_version_id uuid) OWNER TO kastell_auth;

--
-- Name: invite_for_token(bytea); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.invite_for_token(p_token_hash bytea) RETURNS TABLE(invite_id uuid, email text, role_name text, company_name text, expires_at timestamp with time zone)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select i.invite_id, i.email, r.name, c.name, i.expires_at
  from kastell.invites i
  join kastell.roles r on r.role_id = i.role_id
  left join kastell.companies c on c.company_id = i.company_id
  where i.token_hash = p_token_hash
    and i.accepted_at is null and i.revoked_at is null
    and i.expires_at > pg_catalog.now()
$$;

ALTER FUNCTION app.invite_for_token(p_token_hash bytea) OWNER TO kastell_auth;

--
-- Name: issue_bot_challenge(text, text, integer); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.issue_bot_challenge(p_challenge text, p_endpoint text, p_seconds integer) RETURNS timestamp with time zone
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_expires timestamptz;
begin
  if p_seconds < 10 or p_seconds > 600 then
    raise exception 'challenge lifetime out of range' using errcode = '22023';
  end if;
  if pg_catalog.random() < 0.02 then
    delete from kastell.bot_challenges where expires_at < pg_catalog.now() - interval '1 hour';
  end if;
  insert into kastell.bot_challenges (challenge, endpoint, expires_at)
  values (p_challenge, p_endpoint, pg_catalog.now() + pg_catalog.make_interval(secs => p_seconds))
  returning expires_at into v_expires;
  return v_expires;
end
$$;

ALTER FUNCTION app.issue_bot_challenge(p_challenge text, p_endpoint text, p_seconds integer) OWNER TO kastell_auth;

--
-- Name: job_technician_names(uuid); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.job_technician_names(job uuid) RETURNS TABLE(user_id uuid, display_name text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select u.user_id, u.display_name
  from kastell.jobs j
  join kastell.job_assignments a on a.job_id = j.job_id
  join kastell.users u on u.user_id = a.technician_id
  where j.job_id = job
    and (app.has_global('jobs.read') or j.company_id = app.company_scope('jobs.read')
         or j.job_id in (select s.job_id from app.assigned_jobs('jobs.read') s))
  order by a.assigned_at, u.user_id
$$;

ALTER FUNCTION app.job_technician_names(job uuid) OWNER TO kastell_auth;

--
-- Name: keep_last_technician(); Type: FUNCTION; Schema: app; Owner: kastell_owner
--

CREATE FUNCTION app.keep_last_technician() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
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

ALTER FUNCTION app.keep_last_technician() OWNER TO kastell_owner;

--
-- Name: may_act_for(uuid, bytea); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.may_act_for(p_user_id uuid, p_challenge_hash bytea) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select p_user_id is not null and (
    p_user_id = app.current_user_id()
    or exists (select 1 from kastell.auth_challenges c
                where c.token_hash = p_challenge_hash and c.user_id = p_user_id
                  and c.purpose in ('second_factor', 'webauthn_second_factor')
                  and c.expires_at > pg_catalog.now()))
$$;

ALTER FUNCTION app.may_act_for(p_user_id uuid, p_challenge_hash bytea) OWNER TO kastell_auth;

--
-- Name: may_write_report(uuid); Type: FUNCTION; Schema: app; Owner: kastell_owner
--

CREATE FUNCTION app.may_write_report(job uuid) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select app.has_global('reports.write') or job in (select s.job_id from app.assigned_jobs('reports.write') s)
$$;

ALTER FUNCTION app.may_write_report(job uuid) OWNER TO kastell_owner;

--
-- Name: memberships_changed(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.memberships_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if tg_op = 'DELETE' then
    perform app.end_user_sessions(old.user_id, 'role_change');
    return old;
  end if;
  if new.role_id is distinct from old.role_id or new.company_id is distinct from old.company_id
     or new.expires_at is distinct from old.expires_at then
    perform app.end_user_sessions(new.user_id, 'role_change');
  end if;
  return new;
end
$$;

ALTER FUNCTION app.memberships_changed() OWNER TO kastell_auth;

--
-- Name: notify(text, uuid, uuid, text[], uuid[]); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.notify(p_kind text, p_job_id uuid, p_request_id uuid, p_audiences text[], p_user_ids uuid[]) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_permission text;
  v_company uuid;
  v_audiences text[] := coalesce(p_audiences, case when p_user_ids is not null then array['customer', 'operator'] end, '{}');
  v_count integer;
begin
  select k.permission_key into v_permission from kastell.notification_kinds k where k.kind = p_kind;
  if not found then
    raise exception 'unknown notification kind %', p_kind using errcode = '22023';
  end if;
  if (p_job_id is null) = (p_request_id is null) then
    raise exception 'a notification is about one job or one request' using errcode = '22023';
  end if;
  if p_job_id is not null then
    select j.company_id into v_company from kastell.jobs j
    where j.job_id = p_job_id
      and (app.has_global('jobs.read') or j.company_id = app.company_scope('jobs.read')
           or j.job_id in (select s.job_id from app.assigned_jobs('jobs.read') s));
  else
    select r.company_id into v_company from kastell.service_requests r
    where r.request_id = p_request_id
      and (app.has_global('requests.read') or r.company_id = app.company_scope('requests.read'));
  end if;
  if v_company is null then
    raise exception 'nothing to notify about: the job or request is not visible' using errcode = '42501';
  end if;

  with holders as (
    -- active memberships with the role's permissions
    select m.user_id, m.company_id, rp.permission_key, rp.scope
    from kastell.memberships m
    join kastell.users u on u.user_id = m.user_id
    join kastell.role_permissions rp on rp.role_id = m.role_id
    where u.status = 'active' and (m.expires_at is null or m.expires_at > pg_catalog.now())
  ), audience as (
    select h.user_id from holders h
    where 'customer' = any (v_audiences) and h.company_id = v_company
      and h.permission_key = v_permission and h.scope = 'company'
    union
    select h.user_id from holders h
    join kastell.job_assignments a on a.technician_id = h.user_id and a.job_id = p_job_id
    where ('technicians' = any (v_audiences) or 'operator' = any (v_audiences))
      and h.company_id is null and h.permission_key = v_permission and h.scope = 'company'
    union
    select h.user_id from holders h
    where 'operator' = any (v_audiences) and h.company_id is null
      and h.permission_key = v_permission and h.scope = 'global'
      and exists (select 1 from holders runs where runs.user_id = h.user_id and runs.scope = 'global'
                  and runs.permission_key = case when p_job_id is not null then 'jobs.assign' else 'requests.update' end)
  ), recipients as (
    select a.user_id, coalesce(p.in_app, true) as in_app, coalesce(p.email, true) as email
    from audience a
    left join kastell.notification_preferences p on p.user_id = a.user_id and p.kind = p_kind
    where a.user_id is distinct from app.current_user_id()
      and (p_user_ids is null or a.user_id = any (p_user_ids))
      and exists (select 1 from holders h where h.user_id = a.user_id and h.permission_key = 'notifications.read')
  )
  insert into kastell.notifications (user_id, kind, company_id, job_id, request_id, actor_id, in_app, mail_status)
  select r.user_id, p_kind, v_company, p_job_id, p_request_id, app.current_user_id(), r.in_app,
         case when r.email then 'pending' else 'none' end
  from recipients r
  where r.in_app or r.email;
  get diagnostics v_count = row_count;
  if v_count > 0 then
    perform pg_catalog.pg_notify('kastell_notification_mail', '');
  end if;
  return v_count;
end
$$;

ALTER FUNCTION app.notify(p_kind text, p_job_id uuid, p_request_id uuid, p_audiences text[], p_user_ids uuid[]) OWNER TO kastell_auth;

--
-- Name: object_removal_failed(uuid, text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.object_removal_failed(p_id uuid, p_error text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if app.current_user_id() is not null then
    raise exception 'the object sweep runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  update kastell.object_removals r set attempts = r.attempts + 1, last_error = pg_catalog.left(p_error, 500),
         not_before = pg_catalog.now() + least(interval '1 minute' * pg_catalog.power(2, least(r.attempts, 11)), interval '1 day')
   where r.removal_id = p_id;
end
$$;

ALTER FUNCTION app.object_removal_failed(p_id uuid, p_error text) OWNER TO kastell_auth;

--
-- Name: object_removals_done(uuid[]); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.object_removals_done(p_ids uuid[]) RETURNS TABLE(removal_id uuid, object_key text, company_id uuid, version_id uuid, attempts integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if app.current_user_id() is not null then
    raise exception 'the object sweep runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  return query delete from kastell.object_removals r where r.removal_id = any (p_ids)
    returning r.removal_id, r.object_key, r.company_id, r.version_id, r.attempts;
end
$$;

ALTER FUNCTION app.object_removals_done(p_ids uuid[]) OWNER TO kastell_auth;

--
-- Name: object_removals_due(integer, text[]); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.object_removals_due(p_limit integer, p_keys text[]) RETURNS TABLE(removal_id uuid, object_key text, company_id uuid, version_id uuid, attempts integer)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if app.current_user_id() is not null then
    raise exception 'the object sweep runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  return query select r.removal_id, r.object_key, r.company_id, r.version_id, r.attempts from kastell.object_removals r
    where case when p_keys is null then coalesce(r.not_before, r.queued_at) <= pg_catalog.now() else r.object_key = any (p_keys) end
    order by coalesce(r.not_before, r.queued_at), r.removal_id
    limit least(greatest(p_limit, 1), 10000);
end
$$;

ALTER FUNCTION app.object_removals_due(p_limit integer, p_keys text[]) OWNER TO kastell_auth;

--
-- Name: object_removals_waiting(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.object_removals_waiting() RETURNS TABLE(waiting bigint, failed bigint, oldest timestamp with time zone)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select pg_catalog.count(*), pg_catalog.count(*) filter (where r.attempts > 0), pg_catalog.min(r.queued_at) from kastell.object_removals r
$$;

ALTER FUNCTION app.object_removals_waiting() OWNER TO kastell_auth;

--
-- Name: owner_exists(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.owner_exists() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select exists (select 1 from kastell.memberships m
                 join kastell.roles r on r.role_id = m.role_id
                 where r.role_key = 'owner')
$$;

ALTER FUNCTION app.owner_exists() OWNER TO kastell_auth;

--
-- Name: passkey_credentials_of(uuid, bytea); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.passkey_credentials_of(p_user_id uuid, p_challenge_hash bytea) RETURNS TABLE(credential_id text, transports text[])
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform app.require_act_for(p_user_id, p_challenge_hash);
  return query select p.credential_id, p.transports from kastell.passkeys p where p.user_id = p_user_id;
end
$$;

ALTER FUNCTION app.passkey_credentials_of(p_user_id uuid, p_challenge_hash bytea) OWNER TO kastell_auth;

--
-- Name: password_history_of(uuid); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.password_history_of(p_user_id uuid) RETURNS SETOF text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select password_hash from kastell.password_history where user_id = p_user_id order by created_at desc limit 5
$$;

ALTER FUNCTION app.password_history_of(p_user_id uuid) OWNER TO kastell_auth;

--
-- Name: password_reset_for_token(bytea); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.password_reset_for_token(p_token_hash bytea) RETURNS TABLE(user_id uuid, email text, display_name text, locale text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select u.user_id, u.email, u.display_name, u.locale
  from kastell.password_reset_tokens t
  join kastell.users u on u.user_id = t.user_id
  where t.token_hash = p_token_hash and t.used_at is null and t.voided_at is null
    and t.expires_at > pg_catalog.now() and u.status = 'active'
$$;

ALTER FUNCTION app.password_reset_for_token(p_token_hash bytea) OWNER TO kastell_auth;

--
-- Name: peek_requests(bytea[], integer); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.peek_requests(p_buckets bytea[], p_window_seconds integer) RETURNS TABLE(bucket bytea, hits integer)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  v_start timestamptz := pg_catalog.to_timestamp(
    pg_catalog.floor(extract(epoch from pg_catalog.clock_timestamp()) / p_window_seconds) * p_window_seconds);
begin
  if p_window_seconds < 1 or p_window_seconds > 86400 then
    raise exception 'window out of range' using errcode = '22023';
  end if;
  return query
    select b, coalesce((select pg_catalog.sum(w.hits)::integer from kastell.rate_limit_windows w
                         where w.bucket = b and w.window_start >= v_start - pg_catalog.make_interval(secs => p_window_seconds)), 0)
    from pg_catalog.unnest(p_buckets) as b;
end
$$;

ALTER FUNCTION app.peek_requests(p_buckets bytea[], p_window_seconds integer) OWNER TO kastell_auth;

--
-- Name: person_data(uuid); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.person_data(p_user_id uuid) RETURNS TABLE(table_name text, row_data jsonb)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
  src record;
  secrets text[] := array['token_hash', 'password_hash', 'code_hash', 'secret_enc', 'pending_secret_enc', 'request_hash',
                          'response_sealed', 'bypass_hash', 'webauthn_challenge', 'public_key', 'signer_ip_hash', 'signer_ua_hash', 'permissions'];
  people text[];
  r jsonb;
  c text;
  subject_email text;
begin
  if p_user_id is distinct from app.current_user_id() and not app.has_global('users.update') then
    raise exception 'only the person or an admin may read a person''s data' using errcode = '42501';
  end if;
  select u.email into subject_email from kastell.users u where u.user_id = p_user_id;
  for src in select s.table_name, array_agg(s.column_name) as cols from app.person_data_sources() s group by s.table_name order by s.table_name loop
    -- every column of this table that names a person, to blank the others'
    select array_agg(p.column_name) into people from app.person_data_sources() p where p.table_name = src.table_name;
    -- who caused a notification names someone too, but selects no row of theirs
    if src.table_name = 'notifications' then people := people || array['actor_id']; end if;
    for r in execute pg_catalog.format('select pg_catalog.to_jsonb(t) from kastell.%I t where %s',
        src.table_name, (select pg_catalog.string_agg(pg_catalog.format('t.%I = $1', col), ' or ') from pg_catalog.unnest(src.cols) col))
      using p_user_id loop
      r := r - secrets;
      foreach c in array people loop
        if r ? c and r->>c is distinct from p_user_id::text and r->>c is not null then
          r := pg_catalog.jsonb_set(r, array[c], '"someone else"'::jsonb);
        end if;
      end loop;
      -- an invitation the person sent names the invitee's address: not theirs
      if src.table_name = 'invites' and pg_catalog.lower(r->>'email') is distinct from pg_catalog.lower(subject_email) then
        r := pg_catalog.jsonb_set(r, '{email}'::text[], '"someone else"'::jsonb);
      end if;
      table_name := src.table_name; row_data := r;
      return next;
    end loop;
  end loop;
  -- invitations sent to the person's address
  for r in select pg_catalog.to_jsonb(i) - secrets from kastell.invites i
           join kastell.users u on u.user_id = p_user_id and pg_catalog.lower(i.email) = pg_catalog.lower(u.email)
           where i.invited_by is distinct from p_user_id loop
    table_name := 'invites'; row_data := pg_catalog.jsonb_set(r, '{invited_by}'::text[], (case when r->>'invited_by' is null then 'null' else '"someone else"' end)::jsonb);
    return next;
  end loop;
end
$_$;

ALTER FUNCTION app.person_data(p_user_id uuid) OWNER TO kastell_auth;

--
-- Name: person_data_sources(); Type: FUNCTION; Schema: app; Owner: kastell_owner
--

CREATE FUNCTION app.person_data_sources() RETURNS TABLE(table_name text, column_name text)
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
  values
    ('users', 'user_id'), ('memberships', 'user_id'), ('sessions', 'user_id'), ('totp_factors', 'user_id'),
    ('backup_codes', 'user_id'), ('passkeys', 'user_id'), ('password_history', 'user_id'),
    ('unlock_tokens', 'user_id'), ('auth_challenges', 'user_id'), ('idempotency_keys', 'user_id'),
    ('notification_preferences', 'user_id'), ('notifications', 'user_id'), ('job_message_reads', 'user_id'),
    ('job_messages', 'author_id'), ('service_requests', 'raised_by'), ('jobs', 'created_by'),
    ('job_assignments', 'technician_id'), ('job_assignments', 'assigned_by'),
    ('job_status_history', 'changed_by'), ('visits', 'technician_id'), ('visits', 'recorded_by'),
    ('service_reports', 'created_by'), ('service_reports', 'frozen_by'), ('service_reports', 'signed_by'),
    ('service_reports', 'refused_by'), ('documents', 'created_by'), ('document_versions', 'uploaded_by'),
    ('share_links', 'created_by'), ('share_links', 'revoked_by'), ('invites', 'invited_by'),
    ('notifiable_breaches', 'entered_by'), ('password_reset_tokens', 'user_id'), ('email_changes', 'user_id')
$$;

ALTER FUNCTION app.person_data_sources() OWNER TO kastell_owner;

--
-- Name: purge_expired_idempotency_keys(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.purge_expired_idempotency_keys() RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  delete from kastell.idempotency_keys where expires_at < pg_catalog.now();
$$;

ALTER FUNCTION app.purge_expired_idempotency_keys() OWNER TO kastell_auth;

--
-- Name: queue_object_removals(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.queue_object_removals() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  insert into kastell.object_removals (object_key, company_id, version_id)
  select g.object_key, g.owner_company_id, g.version_id from gone g where g.object_key is not null
  on conflict (object_key) do nothing;
  return null;
end
$$;

ALTER FUNCTION app.queue_object_removals() OWNER TO kastell_auth;

--
-- Name: record_job_status(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.record_job_status() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if tg_op = 'INSERT' or new.status is distinct from old.status then
    insert into kastell.job_status_history (job_id, company_id, from_status, to_status, reason, changed_by)
    values (new.job_id, new.company_id, case when tg_op = 'UPDATE' then old.status end, new.status,
            new.status_reason, app.current_user_id());
  end if;
  return null;
end
$$;

ALTER FUNCTION app.record_job_status() OWNER TO kastell_auth;

--
-- Name: record_passkey_use(uuid, bigint); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.record_passkey_use(p_passkey_id uuid, p_sign_count bigint) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  update kastell.passkeys set sign_count = greatest(sign_count, p_sign_count), last_used_at = pg_catalog.now()
  where passkey_id = p_passkey_id
$$;

ALTER FUNCTION app.record_passkey_use(p_passkey_id uuid, p_sign_count bigint) OWNER TO kastell_auth;

--
-- Name: redeem_unlock_token(bytea, bytea, interval); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.redeem_unlock_token(p_token_hash bytea, p_bypass_hash bytea, p_bypass_ttl interval) RETURNS TABLE(unlock_token_id uuid, user_id uuid, email text)
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  update kastell.unlock_tokens t
     set used_at = pg_catalog.now(), bypass_hash = p_bypass_hash, bypass_expires_at = pg_catalog.now() + p_bypass_ttl
    from kastell.users u
   where t.token_hash = p_token_hash and t.used_at is null and t.expires_at > pg_catalog.now()
     and u.user_id = t.user_id and u.status = 'active'
  returning t.unlock_token_id, t.user_id, u.email
$$;

ALTER FUNCTION app.redeem_unlock_token(p_token_hash bytea, p_bypass_hash bytea, p_bypass_ttl interval) OWNER TO kastell_auth;

--
-- Name: refuse_history_change(); Type: FUNCTION; Schema: app; Owner: kastell_owner
--

CREATE FUNCTION app.refuse_history_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  raise exception 'job status history is append-only: % refused', tg_op using errcode = '42501';
end
$$;

ALTER FUNCTION app.refuse_history_change() OWNER TO kastell_owner;

--
-- Name: rehash_password(uuid, text, text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.rehash_password(p_user_id uuid, p_old_hash text, p_new_hash text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform pg_catalog.set_config('kastell.rehash', 'on', true);
  update kastell.users set password_hash = p_new_hash where user_id = p_user_id and password_hash = p_old_hash;
  perform pg_catalog.set_config('kastell.rehash', '', true);
end
$$;

ALTER FUNCTION app.rehash_password(p_user_id uuid, p_old_hash text, p_new_hash text) OWNER TO kastell_auth;

--
-- Name: remove_own_totp(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.remove_own_totp() RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  delete from kastell.backup_codes where user_id = app.current_user_id();
  delete from kastell.totp_factors where user_id = app.current_user_id();
  return found;
end
$$;

ALTER FUNCTION app.remove_own_totp() OWNER TO kastell_auth;

--
-- Name: replace_backup_codes(uuid, bytea, text[]); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.replace_backup_codes(p_user_id uuid, p_challenge_hash bytea, p_hashes text[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform app.require_act_for(p_user_id, p_challenge_hash);
  if pg_catalog.cardinality(p_hashes) <> 10 then
    raise exception 'ten backup codes' using errcode = '22023';
  end if;
  delete from kastell.backup_codes where user_id = p_user_id;
  insert into kastell.backup_codes (user_id, slot, code_hash)
  select p_user_id, s.i, p_hashes[s.i] from pg_catalog.generate_series(1, 10) as s(i);
end
$$;

ALTER FUNCTION app.replace_backup_codes(p_user_id uuid, p_challenge_hash bytea, p_hashes text[]) OWNER TO kastell_auth;

--
-- Name: reports_past_retention(timestamp with time zone); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.reports_past_retention(p_cutoff timestamp with time zone) RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select count(*) from kastell.service_reports r where coalesce(r.signed_at, r.frozen_at, r.created_at) < p_cutoff
$$;

ALTER FUNCTION app.reports_past_retention(p_cutoff timestamp with time zone) OWNER TO kastell_auth;

--
-- Name: request_email_change(text, bytea); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.request_email_change(p_new_email text, p_token_hash bytea) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if app.current_user_id() is null then
    raise exception 'not signed in' using errcode = '42501';
  end if;
  if exists (select 1 from kastell.users u where pg_catalog.lower(u.email) = pg_catalog.lower(p_new_email)) then
    raise exception 'an account has this address' using errcode = '23505';
  end if;
  update kastell.email_changes set voided_at = pg_catalog.now()
   where user_id = app.current_user_id() and confirmed_at is null and voided_at is null;
  insert into kastell.email_changes (user_id, new_email, token_hash, expires_at)
  values (app.current_user_id(), p_new_email, p_token_hash, pg_catalog.now() + interval '24 hours');
end
$$;

ALTER FUNCTION app.request_email_change(p_new_email text, p_token_hash bytea) OWNER TO kastell_auth;

--
-- Name: request_password_reset(text, bytea, interval); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.request_password_reset(p_email text, p_token_hash bytea, p_ttl interval) RETURNS TABLE(user_id uuid, email text, display_name text, locale text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  u kastell.users%rowtype;
begin
  if p_ttl > interval '30 minutes' then
    raise exception 'a reset link lives at most 30 minutes' using errcode = '22023';
  end if;
  select * into u from kastell.users where pg_catalog.lower(users.email) = pg_catalog.lower(p_email) and status = 'active';
  if not found then return; end if;
  update kastell.password_reset_tokens t set voided_at = pg_catalog.now(), void_reason = 'superseded'
   where t.user_id = u.user_id and t.used_at is null and t.voided_at is null;
  insert into kastell.password_reset_tokens (user_id, token_hash, expires_at)
  values (u.user_id, p_token_hash, pg_catalog.now() + p_ttl);
  return query select u.user_id, u.email, u.display_name, u.locale;
end
$$;

ALTER FUNCTION app.request_password_reset(p_email text, p_token_hash bytea, p_ttl interval) OWNER TO kastell_auth;

--
-- Name: require_act_for(uuid, bytea); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.require_act_for(p_user_id uuid, p_challenge_hash bytea) RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if not app.may_act_for(p_user_id, p_challenge_hash) then
    raise exception 'not allowed' using errcode = '42501';
  end if;
end
$$;

ALTER FUNCTION app.require_act_for(p_user_id uuid, p_challenge_hash bytea) OWNER TO kastell_auth;

--
-- Name: reseal_candidates(text, text, text[], text[], integer, uuid); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.reseal_candidates(p_table text, p_column text, p_current text[], p_known text[], p_limit integer, p_after uuid) RETURNS TABLE(row_id uuid, company_id uuid, value text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $_$
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
$_$;

ALTER FUNCTION app.reseal_candidates(p_table text, p_column text, p_current text[], p_known text[], p_limit integer, p_after uuid) OWNER TO kastell_auth;

--
-- Name: reseal_fields(text, text, uuid[], text[], text[]); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.reseal_fields(p_table text, p_column text, p_row_ids uuid[], p_old text[], p_new text[]) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
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
$_$;

ALTER FUNCTION app.reseal_fields(p_table text, p_column text, p_row_ids uuid[], p_old text[], p_new text[]) OWNER TO kastell_auth;

--
-- Name: reseal_objects(uuid, integer); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.reseal_objects(p_after uuid, p_limit integer) RETURNS TABLE(version_id uuid, owner_company_id uuid, object_key text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if app.current_user_id() is not null then
    raise exception 're-encryption runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  return query select v.version_id, v.owner_company_id, v.object_key from kastell.document_versions v
    where v.object_key is not null and (p_after is null or v.version_id > p_after)
    order by v.version_id limit least(greatest(p_limit, 1), 10000);
end
$$;

ALTER FUNCTION app.reseal_objects(p_after uuid, p_limit integer) OWNER TO kastell_auth;

--
-- Name: reseal_report_objects(uuid, integer); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.reseal_report_objects(p_after uuid, p_limit integer) RETURNS TABLE(report_id uuid, company_id uuid, pdf_object_key text, pdf_sha256 bytea, sealed_object_key text, sealed_sha256 bytea)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

ALTER FUNCTION app.reseal_report_objects(p_after uuid, p_limit integer) OWNER TO kastell_auth;

--
-- Name: reseal_totp(uuid[], text[], text[], text[], text[]); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.reseal_totp(p_user_ids uuid[], p_old_secret text[], p_new_secret text[], p_old_pending text[], p_new_pending text[]) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  swapped integer;
begin
  if app.current_user_id() is not null then
    raise exception 're-encryption runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  if pg_catalog.cardinality(p_user_ids) is distinct from pg_catalog.cardinality(p_old_secret)
     or pg_catalog.cardinality(p_user_ids) is distinct from pg_catalog.cardinality(p_new_secret)
     or pg_catalog.cardinality(p_user_ids) is distinct from pg_catalog.cardinality(p_old_pending)
     or pg_catalog.cardinality(p_user_ids) is distinct from pg_catalog.cardinality(p_new_pending) then
    raise exception 'one old and one new value of each secret per factor' using errcode = '22023';
  end if;
  -- a secret stays absent or becomes a v2 value: never dropped, never plain
  if exists (select 1 from rows from (pg_catalog.unnest(p_old_secret), pg_catalog.unnest(p_new_secret),
                                      pg_catalog.unnest(p_old_pending), pg_catalog.unnest(p_new_pending)) as x(os, ns, op, np)
             where (x.os is null) <> (x.ns is null) or (x.op is null) <> (x.np is null)
                or x.ns not like 'v2:%' or x.np not like 'v2:%') then
    raise exception 'a re-seal keeps each secret, as a v2 value' using errcode = '22023';
  end if;
  update kastell.totp_factors t set secret_enc = x.ns, pending_secret_enc = x.np
    from rows from (pg_catalog.unnest(p_user_ids), pg_catalog.unnest(p_old_secret), pg_catalog.unnest(p_new_secret),
                    pg_catalog.unnest(p_old_pending), pg_catalog.unnest(p_new_pending)) as x(id, os, ns, op, np)
   where t.user_id = x.id and t.secret_enc is not distinct from x.os and t.pending_secret_enc is not distinct from x.op;
  get diagnostics swapped = row_count;
  return swapped;
end
$$;

ALTER FUNCTION app.reseal_totp(p_user_ids uuid[], p_old_secret text[], p_new_secret text[], p_old_pending text[], p_new_pending text[]) OWNER TO kastell_auth;

--
-- Name: reset_factors(uuid); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.reset_factors(p_user_id uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if not (app.has_global('users.update')
          or exists (select 1 from kastell.memberships m
                      where m.user_id = p_user_id and m.company_id = app.company_scope('users.update'))) then
    raise exception 'not allowed' using errcode = '42501';
  end if;
  delete from kastell.backup_codes where user_id = p_user_id;
  delete from kastell.totp_factors where user_id = p_user_id;
  delete from kastell.passkeys where user_id = p_user_id;
  perform app.end_user_sessions(p_user_id, 'factor_change');
end
$$;

ALTER FUNCTION app.reset_factors(p_user_id uuid) OWNER TO kastell_auth;

--
-- Name: resume_session(bytea); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.resume_session(p_token_hash bytea) RETURNS TABLE(session_id uuid, user_id uuid, email text, display_name text, locale text, role_key text, role_name text, side text, company_id uuid, permissions text[], reauth_at timestamp with time zone, auth_method text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  s kastell.sessions%rowtype;
  v_permissions text[];
begin
  select * into s from kastell.sessions where token_hash = p_token_hash and ended_at is null;
  if not found then return; end if;
  if pg_catalog.now() >= s.hard_expires_at or pg_catalog.now() >= s.expires_at then
    update kastell.sessions set ended_at = pg_catalog.now(), end_reason = 'expired' where sessions.session_id = s.session_id;
    return;
  end if;
  if pg_catalog.now() - s.last_seen_at >= s.idle_timeout then
    update kastell.sessions set ended_at = pg_catalog.now(), end_reason = 'idle' where sessions.session_id = s.session_id;
    return;
  end if;
  v_permissions := s.permissions;
  if v_permissions is null then
    select array(select rp.permission_key || ':' || rp.scope from kastell.role_permissions rp
                 join kastell.memberships m on m.role_id = rp.role_id
                 where m.user_id = s.user_id order by 1)
      into v_permissions;
    update kastell.sessions set permissions = v_permissions where sessions.session_id = s.session_id;
  end if;
  if pg_catalog.now() - s.last_seen_at >= interval '30 seconds' then
    update kastell.sessions
       set last_seen_at = pg_catalog.now(),
           expires_at = least(pg_catalog.now() + interval '30 days', s.hard_expires_at)
     where sessions.session_id = s.session_id;
  end if;
  return query
    select s.session_id, u.user_id, u.email, u.display_name, u.locale, r.role_key, r.name, r.side, m.company_id,
           v_permissions, s.reauth_at, s.auth_method
    from kastell.users u
    join kastell.memberships m on m.user_id = u.user_id
    join kastell.roles r on r.role_id = m.role_id
    where u.user_id = s.user_id
      and u.status = 'active'
      and (m.expires_at is null or m.expires_at > pg_catalog.now());
end
$$;

ALTER FUNCTION app.resume_session(p_token_hash bytea) OWNER TO kastell_auth;

--
-- Name: retention_aged_at(text, uuid); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.retention_aged_at(p_resource text, p_id uuid) RETURNS timestamp with time zone
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  aged timestamptz;
begin
  case p_resource
  when 'sessions' then
    select case when s.ended_at is not null then s.ended_at
                when least(s.expires_at, s.hard_expires_at) < pg_catalog.now() then least(s.expires_at, s.hard_expires_at) end
      into aged from kastell.sessions s where s.session_id = p_id;
  when 'share_links' then
    select case when l.revoked_at is not null then least(l.revoked_at, l.expires_at)
                when l.expires_at < pg_catalog.now() then l.expires_at end
      into aged from kastell.share_links l where l.share_link_id = p_id;
  when 'messages' then
    select (select max(h.changed_at) from kastell.job_status_history h
             where h.job_id = j.job_id and h.to_status = j.status)
      into aged from kastell.job_messages m join kastell.jobs j on j.job_id = m.job_id
      where m.message_id = p_id and j.status in ('closed', 'cancelled');
  when 'rejected_uploads' then
    select coalesce(v.decided_at, v.created_at) into aged from kastell.document_versions v
      where v.version_id = p_id and v.status = 'rejected';
  when 'contracts' then
    select greatest(d.updated_at, (select max(v.created_at) from kastell.document_versions v where v.document_id = d.document_id))
      into aged from kastell.documents d where d.document_id = p_id and d.kind = 'contract';
  when 'notifications' then
    select n.created_at into aged from kastell.notifications n where n.notification_id = p_id;
  else
    raise exception 'unknown retention resource %', p_resource using errcode = '22023';
  end case;
  return aged;
end
$$;

ALTER FUNCTION app.retention_aged_at(p_resource text, p_id uuid) OWNER TO kastell_auth;

--
-- Name: retention_candidates(text, timestamp with time zone, uuid, integer); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.retention_candidates(p_resource text, p_cutoff timestamp with time zone, p_after uuid, p_limit integer) RETURNS TABLE(entity_id uuid, company_id uuid, aged_at timestamp with time zone)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if app.current_user_id() is not null then
    raise exception 'retention runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  if p_cutoff > pg_catalog.now() - interval '1 day' then
    raise exception 'a retention cutoff lies at least a day in the past (got %)', p_cutoff using errcode = '22023';
  end if;
  case p_resource
  when 'sessions' then
    return query select s.session_id, null::uuid, coalesce(s.ended_at, least(s.expires_at, s.hard_expires_at))
      from kastell.sessions s
      where (s.ended_at is not null and s.ended_at < p_cutoff
             or s.ended_at is null and least(s.expires_at, s.hard_expires_at) < least(p_cutoff, pg_catalog.now()))
        and (p_after is null or s.session_id > p_after)
      order by s.session_id limit p_limit;
  when 'share_links' then
    return query select l.share_link_id, l.owner_company_id, coalesce(least(l.revoked_at, l.expires_at), l.expires_at)
      from kastell.share_links l
      where coalesce(least(l.revoked_at, l.expires_at), l.expires_at) < least(p_cutoff, pg_catalog.now())
        and (p_after is null or l.share_link_id > p_after)
      order by l.share_link_id limit p_limit;
  when 'messages' then
    return query select m.message_id, m.company_id, c.closed_at
      from kastell.job_messages m
      join lateral (select max(h.changed_at) as closed_at from kastell.jobs j
                    join kastell.job_status_history h on h.job_id = j.job_id and h.to_status = j.status
                    where j.job_id = m.job_id and j.status in ('closed', 'cancelled')) c on true
      where c.closed_at < p_cutoff and (p_after is null or m.message_id > p_after)
      order by m.message_id limit p_limit;
  when 'rejected_uploads' then
    return query select v.version_id, v.owner_company_id, coalesce(v.decided_at, v.created_at)
      from kastell.document_versions v
      where v.status = 'rejected' and coalesce(v.decided_at, v.created_at) < p_cutoff
        and (p_after is null or v.version_id > p_after)
      order by v.version_id limit p_limit;
  when 'contracts' then
    return query select d.document_id, d.owner_company_id, a.aged
      from kastell.documents d
      join lateral (select greatest(d.updated_at, max(v.created_at)) as aged from kastell.document_versions v
                    where v.document_id = d.document_id) a on true
      where d.kind = 'contract' and a.aged < p_cutoff and (p_after is null or d.document_id > p_after)
      order by d.document_id limit p_limit;
  when 'notifications' then
    return query select n.notification_id, n.company_id, n.created_at
      from kastell.notifications n
      where n.created_at < p_cutoff and (p_after is null or n.notification_id > p_after)
      order by n.notification_id limit p_limit;
  else
    raise exception 'unknown retention resource %', p_resource using errcode = '22023';
  end case;
end
$$;

ALTER FUNCTION app.retention_candidates(p_resource text, p_cutoff timestamp with time zone, p_after uuid, p_limit integer) OWNER TO kastell_auth;

--
-- Name: retention_purge(text, timestamp with time zone, uuid[]); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.retention_purge(p_resource text, p_cutoff timestamp with time zone, p_ids uuid[]) RETURNS TABLE(entity_id uuid, company_id uuid, aged_at timestamp with time zone, object_keys text[])
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  id uuid;
  aged timestamptz;
  company uuid;
  keys text[];
begin
  if app.current_user_id() is not null then
    raise exception 'retention runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  if p_cutoff > pg_catalog.now() - interval '1 day' then
    raise exception 'a retention cutoff lies at least a day in the past (got %)', p_cutoff using errcode = '22023';
  end if;
  foreach id in array p_ids loop
    aged := app.retention_aged_at(p_resource, id);
    continue when aged is null or aged >= p_cutoff;
    keys := '{}';
    company := null;
    case p_resource
    when 'sessions' then
      delete from kastell.sessions s where s.session_id = id;
    when 'share_links' then
      delete from kastell.share_links l where l.share_link_id = id returning l.owner_company_id into company;
    when 'messages' then
      delete from kastell.job_messages m where m.message_id = id returning m.company_id into company;
    when 'rejected_uploads' then
      delete from kastell.document_versions v where v.version_id = id and v.status = 'rejected'
        returning v.owner_company_id, case when v.object_key is null then '{}'::text[] else array[v.object_key] end into company, keys;
    when 'contracts' then
      select coalesce(array_agg(v.object_key) filter (where v.object_key is not null), '{}') into keys
        from kastell.document_versions v where v.document_id = id;
      delete from kastell.documents d where d.document_id = id and d.kind = 'contract' returning d.owner_company_id into company;
    when 'notifications' then
      delete from kastell.notifications n where n.notification_id = id returning n.company_id into company;
    end case;
    if found then
      entity_id := id; company_id := company; aged_at := aged; object_keys := keys;
      return next;
    end if;
  end loop;
end
$$;

ALTER FUNCTION app.retention_purge(p_resource text, p_cutoff timestamp with time zone, p_ids uuid[]) OWNER TO kastell_auth;

--
-- Name: role_permissions_changed(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.role_permissions_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  update kastell.sessions s set permissions = null
   where s.ended_at is null and s.permissions is not null
     and s.user_id in (select m.user_id from kastell.memberships m
                        where m.role_id in (select role_id from changed_rows));
  return null;
end
$$;

ALTER FUNCTION app.role_permissions_changed() OWNER TO kastell_auth;

--
-- Name: rotate_session(bytea, bytea, boolean); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.rotate_session(p_old_hash bytea, p_new_hash bytea, p_reauth boolean) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  s kastell.sessions%rowtype;
  v_id uuid;
begin
  update kastell.sessions set ended_at = pg_catalog.now(), end_reason = 'rotated'
   where token_hash = p_old_hash and ended_at is null
  returning * into s;
  if not found then
    raise exception 'session ended' using errcode = '42501';
  end if;
  insert into kastell.sessions (user_id, token_hash, idle_timeout, expires_at, hard_expires_at, ip, user_agent,
                                auth_method, reauth_at)
  values (s.user_id, p_new_hash, s.idle_timeout, least(pg_catalog.now() + interval '30 days', s.hard_expires_at),
          s.hard_expires_at, s.ip, s.user_agent, s.auth_method,
          case when p_reauth then pg_catalog.now() else s.reauth_at end)
  returning session_id into v_id;
  return v_id;
end
$$;

ALTER FUNCTION app.rotate_session(p_old_hash bytea, p_new_hash bytea, p_reauth boolean) OWNER TO kastell_auth;

--
-- Name: security_officer_emails(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.security_officer_emails() RETURNS SETOF text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select u.email from kastell.users u
  join kastell.memberships m on m.user_id = u.user_id
  join kastell.roles r on r.role_id = m.role_id
  where r.role_key = 'security_officer' and u.status = 'active'
$$;

ALTER FUNCTION app.security_officer_emails() OWNER TO kastell_auth;

--
-- Name: sessions_void_password_resets(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.sessions_void_password_resets() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  update kastell.password_reset_tokens set voided_at = pg_catalog.now(), void_reason = 'signed_in'
   where user_id = new.user_id and used_at is null and voided_at is null;
  return new;
end
$$;

ALTER FUNCTION app.sessions_void_password_resets() OWNER TO kastell_auth;

--
-- Name: set_own_password(text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.set_own_password(p_new_hash text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if app.current_user_id() is null then
    raise exception 'not signed in' using errcode = '42501';
  end if;
  update kastell.users set password_hash = p_new_hash where user_id = app.current_user_id();
end
$$;

ALTER FUNCTION app.set_own_password(p_new_hash text) OWNER TO kastell_auth;

--
-- Name: setup_token_valid(bytea); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.setup_token_valid(p_token_hash bytea) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select not app.owner_exists() and exists (
    select 1 from kastell.setup_tokens
    where token_hash = p_token_hash and used_at is null and expires_at > pg_catalog.now())
$$;

ALTER FUNCTION app.setup_token_valid(p_token_hash bytea) OWNER TO kastell_auth;

--
-- Name: share_link_failed(uuid); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.share_link_failed(p_share_link_id uuid) RETURNS timestamp with time zone
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  update kastell.share_links
     set failed_attempts = failed_attempts + 1,
         locked_until = case when failed_attempts + 1 >= 5 then pg_catalog.now() + interval '15 minutes' else locked_until end
   where share_link_id = p_share_link_id
  returning locked_until
$$;

ALTER FUNCTION app.share_link_failed(p_share_link_id uuid) OWNER TO kastell_auth;

--
-- Name: start_session(uuid, bytea, interval, text, text, text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.start_session(p_user_id uuid, p_token_hash bytea, p_idle_timeout interval, p_ip text, p_user_agent text, p_auth_method text) RETURNS uuid
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  insert into kastell.sessions (user_id, token_hash, idle_timeout, expires_at, hard_expires_at, ip, user_agent,
                                auth_method, reauth_at)
  values (p_user_id, p_token_hash, p_idle_timeout,
          pg_catalog.now() + interval '30 days', pg_catalog.now() + interval '90 days',
          p_ip, pg_catalog.left(p_user_agent, 512), p_auth_method, pg_catalog.now())
  returning session_id
$$;

ALTER FUNCTION app.start_session(p_user_id uuid, p_token_hash bytea, p_idle_timeout interval, p_ip text, p_user_agent text, p_auth_method text) OWNER TO kastell_auth;

--
-- Name: totp_key_counts(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.totp_key_counts() RETURNS TABLE(key_id text, n bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if app.current_user_id() is not null then
    raise exception 'key status runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  return query
    select pg_catalog.split_part(x.v, ':', 2), pg_catalog.count(*)
      from kastell.totp_factors t cross join lateral (values (t.secret_enc), (t.pending_secret_enc)) as x(v)
     where x.v is not null
     group by 1 order by 1;
end
$$;

ALTER FUNCTION app.totp_key_counts() OWNER TO kastell_auth;

--
-- Name: totp_reseal_candidates(text, uuid, integer); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.totp_reseal_candidates(p_current text, p_after uuid, p_limit integer) RETURNS TABLE(user_id uuid, secret_enc text, pending_secret_enc text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if app.current_user_id() is not null then
    raise exception 're-encryption runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  return query
    select t.user_id, t.secret_enc, t.pending_secret_enc from kastell.totp_factors t
     where (p_after is null or t.user_id > p_after)
       and ((t.secret_enc is not null and pg_catalog.split_part(t.secret_enc, ':', 2) <> p_current)
         or (t.pending_secret_enc is not null and pg_catalog.split_part(t.pending_secret_enc, ':', 2) <> p_current))
     order by t.user_id limit least(greatest(p_limit, 1), 10000);
end
$$;

ALTER FUNCTION app.totp_reseal_candidates(p_current text, p_after uuid, p_limit integer) OWNER TO kastell_auth;

--
-- Name: totp_state(uuid, bytea); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.totp_state(p_user_id uuid, p_challenge_hash bytea) RETURNS TABLE(secret_enc text, pending_secret_enc text, last_step bigint, confirmed_at timestamp with time zone)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform app.require_act_for(p_user_id, p_challenge_hash);
  return query select t.secret_enc, t.pending_secret_enc, t.last_step, t.confirmed_at
                 from kastell.totp_factors t where t.user_id = p_user_id;
end
$$;

ALTER FUNCTION app.totp_state(p_user_id uuid, p_challenge_hash bytea) OWNER TO kastell_auth;

--
-- Name: touch_updated_at(); Type: FUNCTION; Schema: app; Owner: kastell_owner
--

CREATE FUNCTION app.touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$ begin new.updated_at := pg_catalog.now(); return new; end $$;

ALTER FUNCTION app.touch_updated_at() OWNER TO kastell_owner;

--
-- Name: use_backup_code(uuid, bytea, integer, text); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.use_backup_code(p_user_id uuid, p_challenge_hash bytea, p_slot integer, p_code_hash text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform app.require_act_for(p_user_id, p_challenge_hash);
  update kastell.backup_codes set used_at = pg_catalog.now()
   where user_id = p_user_id and slot = p_slot and code_hash = p_code_hash and used_at is null;
  return found;
end
$$;

ALTER FUNCTION app.use_backup_code(p_user_id uuid, p_challenge_hash bytea, p_slot integer, p_code_hash text) OWNER TO kastell_auth;

--
-- Name: use_totp_step(uuid, bytea, bigint); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.use_totp_step(p_user_id uuid, p_challenge_hash bytea, p_step bigint) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform app.require_act_for(p_user_id, p_challenge_hash);
  update kastell.totp_factors set last_step = p_step
   where user_id = p_user_id and confirmed_at is not null and last_step < p_step;
  return found;
end
$$;

ALTER FUNCTION app.use_totp_step(p_user_id uuid, p_challenge_hash bytea, p_step bigint) OWNER TO kastell_auth;

--
-- Name: users_first_password(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.users_first_password() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if new.password_hash is not null then
    insert into kastell.password_history (user_id, password_hash) values (new.user_id, new.password_hash);
  end if;
  return new;
end
$$;

ALTER FUNCTION app.users_first_password() OWNER TO kastell_auth;

--
-- Name: users_identity_changed(); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.users_identity_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if new.password_hash is distinct from old.password_hash then
    if new.password_hash is not null then
      insert into kastell.password_history (user_id, password_hash) values (new.user_id, new.password_hash);
      delete from kastell.password_history h
       where h.user_id = new.user_id
         and h.password_history_id not in (select h2.password_history_id from kastell.password_history h2
                                            where h2.user_id = new.user_id order by h2.created_at desc, h2.password_history_id desc limit 5);
    end if;
    -- a rehash of the same password (new parameters) is not a change
    if not coalesce(current_setting('kastell.rehash', true), '') = 'on' then
      perform app.end_user_sessions(new.user_id, 'password_change');
    end if;
  end if;
  if new.status = 'disabled' and old.status <> 'disabled' then
    perform app.end_user_sessions(new.user_id, 'disabled');
  end if;
  return new;
end
$$;

ALTER FUNCTION app.users_identity_changed() OWNER TO kastell_auth;

--
-- Name: uuidv7(); Type: FUNCTION; Schema: app; Owner: kastell_owner
--

CREATE FUNCTION app.uuidv7() RETURNS uuid
    LANGUAGE sql PARALLEL SAFE
    SET search_path TO ''
    AS $$
  select pg_catalog.encode(
    pg_catalog.set_bit(
      pg_catalog.set_bit(
        overlay(
          pg_catalog.uuid_send(pg_catalog.gen_random_uuid())
          placing substring(
            pg_catalog.int8send((extract(epoch from pg_catalog.clock_timestamp()) * 1000)::bigint) from 3)
          from 1 for 6),
        52, 1),
      53, 1),
    'hex')::uuid
$$;

ALTER FUNCTION app.uuidv7() OWNER TO kastell_owner;

--
-- Name: withdraw_auth_attempt(uuid, boolean); Type: FUNCTION; Schema: app; Owner: kastell_auth
--

CREATE FUNCTION app.withdraw_auth_attempt(p_attempt_id uuid, p_reset boolean) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_subject text;
begin
  delete from kastell.auth_failures where auth_failure_id = p_attempt_id returning subject into v_subject;
  if p_reset and v_subject is not null then
    delete from kastell.auth_failures where subject = v_subject;
  end if;
end
$$;

ALTER FUNCTION app.withdraw_auth_attempt(p_attempt_id uuid, p_reset boolean) OWNER TO kastell_auth;

--
-- Name: append(text, uuid, text, text, text, text, uuid, text, bytea, bytea, uuid, jsonb); Type: FUNCTION; Schema: audit; Owner: kastell_audit
--

CREATE FUNCTION audit.append(p_actor_type text, p_actor_id uuid, p_actor_label text, p_action text, p_entity_type text, p_entity_id text, p_company_id uuid, p_outcome text, p_ip_hmac bytea, p_user_agent_hmac bytea, p_request_id uuid, p_detail jsonb) RETURNS uuid
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  insert into audit.events (actor_type, actor_id, actor_label, action, entity_type, entity_id, company_id,
                            outcome, ip_hmac, user_agent_hmac, request_id, detail)
  values (p_actor_type, p_actor_id, p_actor_label, p_action, p_entity_type, p_entity_id, p_company_id,
          p_outcome, p_ip_hmac, p_user_agent_hmac, p_request_id, coalesce(p_detail, '{}'::jsonb))
  returning event_id
$$;

ALTER FUNCTION audit.append(p_actor_type text, p_actor_id uuid, p_actor_label text, p_action text, p_entity_type text, p_entity_id text, p_company_id uuid, p_outcome text, p_ip_hmac bytea, p_user_agent_hmac bytea, p_request_id uuid, p_detail jsonb) OWNER TO kastell_audit;

--
-- Name: append_links(bigint[], uuid[], timestamp with time zone[], xid8[], bytea[], bytea[], text[], bytea[], timestamp with time zone); Type: FUNCTION; Schema: audit; Owner: kastell_audit
--

CREATE FUNCTION audit.append_links(p_seqs bigint[], p_event_ids uuid[], p_occurred timestamp with time zone[], p_txids xid8[], p_prev bytea[], p_hashes bytea[], p_key_ids text[], p_macs bytea[], p_chained_at timestamp with time zone) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  head record;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('kastell.audit.sequencer'));
  select * into head from audit.chain_head();
  if p_seqs[1] <> head.seq + 1 or p_prev[1] <> head.hash then
    raise exception 'audit chain batch does not continue the head (head %, batch starts %)', head.seq, p_seqs[1]
      using errcode = '40001';
  end if;
  insert into audit.chain (seq, event_id, event_occurred_at, txid, prev_hash, hash, key_id, mac, chained_at)
  select u.seq, u.event_id, u.occurred, u.txid, u.prev, u.hash, u.key_id, u.mac, p_chained_at
  from unnest(p_seqs, p_event_ids, p_occurred, p_txids, p_prev, p_hashes, p_key_ids, p_macs)
    as u(seq, event_id, occurred, txid, prev, hash, key_id, mac);
  return pg_catalog.array_length(p_seqs, 1);
end
$$;

ALTER FUNCTION audit.append_links(p_seqs bigint[], p_event_ids uuid[], p_occurred timestamp with time zone[], p_txids xid8[], p_prev bytea[], p_hashes bytea[], p_key_ids text[], p_macs bytea[], p_chained_at timestamp with time zone) OWNER TO kastell_audit;

--
-- Name: append_signed(uuid, timestamp with time zone, text, uuid, text, text, text, text, uuid, text, bytea, bytea, uuid, jsonb, text, bytea); Type: FUNCTION; Schema: audit; Owner: kastell_audit
--

CREATE FUNCTION audit.append_signed(p_event_id uuid, p_occurred_at timestamp with time zone, p_actor_type text, p_actor_id uuid, p_actor_label text, p_action text, p_entity_type text, p_entity_id text, p_company_id uuid, p_outcome text, p_ip_hmac bytea, p_user_agent_hmac bytea, p_request_id uuid, p_detail jsonb, p_key_id text, p_signature bytea) RETURNS uuid
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  insert into audit.events (event_id, occurred_at, actor_type, actor_id, actor_label, action, entity_type, entity_id,
                            company_id, outcome, ip_hmac, user_agent_hmac, request_id, detail, key_id, signature)
  values (p_event_id, p_occurred_at, p_actor_type, p_actor_id, p_actor_label, p_action, p_entity_type, p_entity_id,
          p_company_id, p_outcome, p_ip_hmac, p_user_agent_hmac, p_request_id, coalesce(p_detail, '{}'::jsonb),
          p_key_id, p_signature)
  returning event_id
$$;

ALTER FUNCTION audit.append_signed(p_event_id uuid, p_occurred_at timestamp with time zone, p_actor_type text, p_actor_id uuid, p_actor_label text, p_action text, p_entity_type text, p_entity_id text, p_company_id uuid, p_outcome text, p_ip_hmac bytea, p_user_agent_hmac bytea, p_request_id uuid, p_detail jsonb, p_key_id text, p_signature bytea) OWNER TO kastell_audit;

--
-- Name: chain_head(); Type: FUNCTION; Schema: audit; Owner: kastell_audit
--

CREATE FUNCTION audit.chain_head() RETURNS TABLE(seq bigint, hash bytea, txid xid8)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select * from (
    select c.seq, c.hash, c.txid from audit.chain c order by c.seq desc limit 1
  ) last
  union all
  select r.dropped_through_seq, r.dropped_through_hash, '0'::xid8 from audit.retention_log r
  where not exists (select 1 from audit.chain)
  union all
  select 0::bigint, pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex'), '0'::xid8
  where not exists (select 1 from audit.chain) and not exists (select 1 from audit.retention_log)
  limit 1
$$;

ALTER FUNCTION audit.chain_head() OWNER TO kastell_audit;

--
-- Name: chain_range(bigint, bigint); Type: FUNCTION; Schema: audit; Owner: kastell_audit
--

CREATE FUNCTION audit.chain_range(p_after_seq bigint, p_through_seq bigint) RETURNS TABLE(seq bigint, link_event_id uuid, prev_hash text, hash text, event_id uuid, occurred_at text, actor_type text, actor_id uuid, actor_label text, action text, entity_type text, entity_id text, company_id uuid, outcome text, ip_hmac text, user_agent_hmac text, request_id uuid, detail jsonb, key_id text, signature text, link_key_id text, mac text, chained_at text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET max_parallel_workers_per_gather TO '0'
    AS $$
  select c.seq, c.event_id, pg_catalog.encode(c.prev_hash, 'hex'), pg_catalog.encode(c.hash, 'hex'), e.event_id,
         pg_catalog.to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         e.actor_type, e.actor_id, e.actor_label, e.action, e.entity_type, e.entity_id, e.company_id, e.outcome,
         pg_catalog.encode(e.ip_hmac, 'hex'), pg_catalog.encode(e.user_agent_hmac, 'hex'), e.request_id, e.detail,
         e.key_id, pg_catalog.encode(e.signature, 'hex'), c.key_id, pg_catalog.encode(c.mac, 'hex'),
         pg_catalog.to_char(c.chained_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  from audit.chain c
  left join audit.events e on e.event_id = c.event_id and e.occurred_at = c.event_occurred_at
  where c.seq > p_after_seq and c.seq <= p_through_seq
  order by c.seq
$$;

ALTER FUNCTION audit.chain_range(p_after_seq bigint, p_through_seq bigint) OWNER TO kastell_audit;

--
-- Name: FUNCTION chain_range(p_after_seq bigint, p_through_seq bigint); Type: COMMENT; Schema: audit; Owner: kastell_audit
--

COMMENT ON FUNCTION audit.chain_range(p_after_seq bigint, p_through_seq bigint) IS 'One range of the audit chain, every value in the text form of the canonical encoding; kastell audit verify reads one range per query.';

--
-- Name: chain_slice(bigint, integer); Type: FUNCTION; Schema: audit; Owner: kastell_audit
--

CREATE FUNCTION audit.chain_slice(p_after_seq bigint, p_limit integer) RETURNS TABLE(seq bigint, link_event_id uuid, prev_hash bytea, hash bytea, chained_at timestamp with time zone, event_id uuid, occurred_at_text text, actor_type text, actor_id uuid, actor_label text, action text, entity_type text, entity_id text, company_id uuid, outcome text, ip_hmac bytea, user_agent_hmac bytea, request_id uuid, detail jsonb, key_id text, signature bytea, link_key_id text, mac bytea, chained_at_text text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    AS $$
  select c.seq, c.event_id, c.prev_hash, c.hash, c.chained_at,
         e.event_id, pg_catalog.to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         e.actor_type, e.actor_id, e.actor_label, e.action, e.entity_type, e.entity_id,
         e.company_id, e.outcome, e.ip_hmac, e.user_agent_hmac, e.request_id, e.detail,
         e.key_id, e.signature, c.key_id, c.mac,
         pg_catalog.to_char(c.chained_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  from audit.chain c
  left join audit.events e on e.event_id = c.event_id and e.occurred_at = c.event_occurred_at
  where c.seq > p_after_seq
  order by c.seq
  limit p_limit
$$;

ALTER FUNCTION audit.chain_slice(p_after_seq bigint, p_limit integer) OWNER TO kastell_audit;

--
-- Name: chain_stats(); Type: FUNCTION; Schema: audit; Owner: kastell_audit
--

CREATE FUNCTION audit.chain_stats() RETURNS TABLE(links bigint, first_seq bigint, last_seq bigint, retained_from bigint, retained_hash bytea)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select (select count(*) from audit.chain), (select min(seq) from audit.chain), (select max(seq) from audit.chain),
         (select max(dropped_through_seq) from audit.retention_log),
         (select r.dropped_through_hash from audit.retention_log r order by r.dropped_through_seq desc limit 1)
$$;

ALTER FUNCTION audit.chain_stats() OWNER TO kastell_audit;

--
-- Name: drop_expired_month(date, uuid, timestamp with time zone, jsonb, text, bytea); Type: FUNCTION; Schema: audit; Owner: kastell_owner
--

CREATE FUNCTION audit.drop_expired_month(p_month date, p_event_id uuid, p_occurred_at timestamp with time zone, p_detail jsonb, p_key_id text, p_signature bytea) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $_$
declare
  v_suffix text := pg_catalog.to_char(p_month, 'YYYY_MM');
  v_events text := 'events_' || v_suffix;
  v_chain text := 'chain_' || v_suffix;
  v_first bigint;
  v_last bigint;
  v_links bigint;
  v_hash bytea;
  v_retained bigint;
  v_uncovered bigint;
begin
  if p_month <> pg_catalog.date_trunc('month', p_month)::date then
    raise exception 'give the first day of a month, not %', p_month using errcode = '22023';
  end if;
  if (p_month + interval '1 month') > pg_catalog.now() - interval '7 years' then
    raise exception 'audit month % is inside the 7-year retention period', pg_catalog.to_char(p_month, 'YYYY-MM') using errcode = '55000';
  end if;
  if pg_catalog.to_regclass('audit.' || v_events) is null or pg_catalog.to_regclass('audit.' || v_chain) is null then
    raise exception 'no audit partitions for %', pg_catalog.to_char(p_month, 'YYYY-MM') using errcode = 'P0002';
  end if;
  execute pg_catalog.format('select min(seq), max(seq), count(*) from audit.%I', v_chain) into v_first, v_last, v_links;
  if p_detail is distinct from pg_catalog.jsonb_build_object('first_seq', v_first, 'last_seq', v_last, 'links', v_links) then
    raise exception 'the retention event does not describe audit month % (links % to %, % links)', pg_catalog.to_char(p_month, 'YYYY-MM'), v_first, v_last, v_links
      using errcode = '22023';
  end if;
  if v_links > 0 then
    select coalesce(max(r.dropped_through_seq), 0) into v_retained from audit.retention_log r;
    if v_first <> v_retained + 1 or v_last - v_first + 1 <> v_links
       or exists (select 1 from audit.chain c where c.seq <= v_last and (c.event_occurred_at < p_month or c.event_occurred_at >= p_month + interval '1 month')) then
      raise exception 'the links of % are not the oldest unbroken part of the chain (links % to %)', pg_catalog.to_char(p_month, 'YYYY-MM'), v_first, v_last
        using errcode = '55000';
    end if;
    select count(*) into v_uncovered from pg_catalog.generate_series(v_first, v_last) s(seq)
    where not exists (select 1 from audit.exports x where x.verified and s.seq between x.first_seq and x.last_seq);
    if v_uncovered > 0 then
      raise exception '% links of % are in no verified export: export them first', v_uncovered, pg_catalog.to_char(p_month, 'YYYY-MM')
        using errcode = '55000';
    end if;
    execute pg_catalog.format('select hash from audit.%I where seq = $1', v_chain) into v_hash using v_last;
    insert into audit.retention_log (month, dropped_through_seq, dropped_through_hash) values (p_month, v_last, v_hash);
  end if;
  perform audit.append_signed(p_event_id, p_occurred_at, 'system', null, 'retention', 'audit.retention.dropped', 'audit_month',
    pg_catalog.to_char(p_month, 'YYYY-MM'), null, 'success', null, null, null, p_detail, p_key_id, p_signature);
  execute pg_catalog.format('alter table audit.events detach partition audit.%I', v_events);
  execute pg_catalog.format('alter table audit.chain detach partition audit.%I', v_chain);
  execute pg_catalog.format('drop table audit.%I', v_events);
  execute pg_catalog.format('drop table audit.%I', v_chain);
  return v_links;
end
$_$;

ALTER FUNCTION audit.drop_expired_month(p_month date, p_event_id uuid, p_occurred_at timestamp with time zone, p_detail jsonb, p_key_id text, p_signature bytea) OWNER TO kastell_owner;

--
-- Name: ensure_partitions(integer); Type: FUNCTION; Schema: audit; Owner: kastell_owner
--

CREATE FUNCTION audit.ensure_partitions(p_months_ahead integer) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  m date;
  created integer := 0;
  t text;
begin
  for i in 0..p_months_ahead loop
    m := (pg_catalog.date_trunc('month', pg_catalog.now()) + pg_catalog.make_interval(months => i))::date;
    foreach t in array array['events', 'chain'] loop
      if pg_catalog.to_regclass(pg_catalog.format('audit.%s_%s', t, pg_catalog.to_char(m, 'YYYY_MM'))) is null then
        execute pg_catalog.format('create table audit.%I partition of audit.%I for values from (%L) to (%L)',
          t || '_' || pg_catalog.to_char(m, 'YYYY_MM'), t, m, (m + interval '1 month')::date);
        execute pg_catalog.format('create trigger no_truncate before truncate on audit.%I for each statement execute function audit.refuse_change()',
          t || '_' || pg_catalog.to_char(m, 'YYYY_MM'));
        execute pg_catalog.format('alter table audit.%I enable row level security', t || '_' || pg_catalog.to_char(m, 'YYYY_MM'));
        execute pg_catalog.format('alter table audit.%I force row level security', t || '_' || pg_catalog.to_char(m, 'YYYY_MM'));
        execute pg_catalog.format('create policy read_through_parent on audit.%I for select to kastell_audit using (true)', t || '_' || pg_catalog.to_char(m, 'YYYY_MM'));
        created := created + 1;
      end if;
    end loop;
  end loop;
  return created;
end
$$;

ALTER FUNCTION audit.ensure_partitions(p_months_ahead integer) OWNER TO kastell_owner;

--
-- Name: events_naming(uuid); Type: FUNCTION; Schema: audit; Owner: kastell_audit
--

CREATE FUNCTION audit.events_naming(p_user_id uuid) RETURNS TABLE(event_id uuid, occurred_at timestamp with time zone, actor_type text, actor_id uuid, action text, entity_type text, entity_id text, outcome text, request_id uuid, detail jsonb)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if p_user_id is distinct from app.current_user_id() and not app.has_global('users.update') then
    raise exception 'only the person or an admin may read a person''s data' using errcode = '42501';
  end if;
  return query select e.event_id, e.occurred_at, e.actor_type, case when e.actor_id = p_user_id then e.actor_id end,
                      e.action, e.entity_type,
                      case when e.entity_type = 'user' and e.entity_id <> p_user_id::text then 'someone else' else e.entity_id end,
                      e.outcome, e.request_id, e.detail
    from audit.events e
    where e.actor_id = p_user_id or (e.entity_type = 'user' and e.entity_id = p_user_id::text)
    order by e.occurred_at, e.event_id;
end
$$;

ALTER FUNCTION audit.events_naming(p_user_id uuid) OWNER TO kastell_audit;

--
-- Name: expired_month_links(date); Type: FUNCTION; Schema: audit; Owner: kastell_owner
--

CREATE FUNCTION audit.expired_month_links(p_month date) RETURNS TABLE(first_seq bigint, last_seq bigint, links bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if pg_catalog.to_regclass('audit.chain_' || pg_catalog.to_char(p_month, 'YYYY_MM')) is null then
    raise exception 'no audit partitions for %', pg_catalog.to_char(p_month, 'YYYY-MM') using errcode = 'P0002';
  end if;
  return query execute pg_catalog.format('select min(seq), max(seq), count(*) from audit.%I', 'chain_' || pg_catalog.to_char(p_month, 'YYYY_MM'));
end
$$;

ALTER FUNCTION audit.expired_month_links(p_month date) OWNER TO kastell_owner;

--
-- Name: latest_checkpoint(); Type: FUNCTION; Schema: audit; Owner: kastell_audit
--

CREATE FUNCTION audit.latest_checkpoint() RETURNS TABLE(seq bigint, hash bytea, statement text, signature text, created_at timestamp with time zone)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select seq, hash, statement, signature, created_at from audit.checkpoints order by created_at desc, seq desc limit 1
$$;

ALTER FUNCTION audit.latest_checkpoint() OWNER TO kastell_audit;

--
-- Name: latest_verification_summary(); Type: FUNCTION; Schema: audit; Owner: kastell_audit
--

CREATE FUNCTION audit.latest_verification_summary() RETURNS TABLE(ok boolean, checked_links bigint, head_seq bigint, first_bad_seq bigint, verified_at timestamp with time zone)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select v.ok, v.checked_links, v.head_seq, v.first_bad_seq, v.created_at
  from audit.verifications v order by v.created_at desc limit 1
$$;

ALTER FUNCTION audit.latest_verification_summary() OWNER TO kastell_audit;

--
-- Name: note_download(text, uuid, uuid, integer, integer); Type: FUNCTION; Schema: audit; Owner: kastell_audit
--

CREATE FUNCTION audit.note_download(p_subject_type text, p_subject_id uuid, p_company_id uuid, p_limit integer, p_window_seconds integer) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  since timestamptz := pg_catalog.now() - pg_catalog.make_interval(secs => p_window_seconds);
  n bigint;
begin
  if p_limit < 1 or p_window_seconds < 1 then
    raise exception 'limit and window must be positive' using errcode = '22023';
  end if;
  if p_subject_type = 'user' then
    select count(*) into n from (
      select 1 from audit.events e
      where e.actor_id = p_subject_id and e.action = 'document.read' and e.occurred_at > since
      limit p_limit) reads;
  elsif p_subject_type = 'share_link' then
    select count(*) into n from (
      select 1 from audit.events e
      where (e.detail->>'shareLinkId') = p_subject_id::text and e.action = 'document.read' and e.occurred_at > since
      limit p_limit) reads;
  else
    raise exception 'unknown subject type %', p_subject_type using errcode = '22023';
  end if;
  if n < p_limit then
    return null;
  end if;
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('kastell.download_volume:' || p_subject_id::text, 0));
  if exists (select 1 from audit.events e
             where e.action = 'document.download_volume' and e.entity_id = p_subject_id::text and e.occurred_at > since) then
    return null;
  end if;
  insert into audit.events (actor_type, actor_label, action, entity_type, entity_id, company_id, outcome, detail)
  values ('system', 'download volume watch', 'document.download_volume', p_subject_type, p_subject_id::text, p_company_id, 'success',
          pg_catalog.jsonb_build_object('downloads', n, 'limit', p_limit, 'windowSeconds', p_window_seconds));
  return n;
end
$$;

ALTER FUNCTION audit.note_download(p_subject_type text, p_subject_id uuid, p_company_id uuid, p_limit integer, p_window_seconds integer) OWNER TO kastell_audit;

--
-- Name: partition_months(); Type: FUNCTION; Schema: audit; Owner: kastell_owner
--

CREATE FUNCTION audit.partition_months() RETURNS SETOF date
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $_$
  select pg_catalog.to_date(pg_catalog.substr(c.relname, 8), 'YYYY_MM')
  from pg_catalog.pg_inherits i join pg_catalog.pg_class c on c.oid = i.inhrelid
  where i.inhparent = 'audit.events'::pg_catalog.regclass and c.relname ~ '^events_\d{4}_\d{2}$'
  order by 1
$_$;

ALTER FUNCTION audit.partition_months() OWNER TO kastell_owner;

--
-- Name: pending_events(xid8, bigint, integer); Type: FUNCTION; Schema: audit; Owner: kastell_audit
--

CREATE FUNCTION audit.pending_events(p_after_txid xid8, p_after_ingest bigint, p_limit integer) RETURNS TABLE(event_id uuid, ingest_seq bigint, txid xid8, occurred_at timestamp with time zone, occurred_at_text text, actor_type text, actor_id uuid, actor_label text, action text, entity_type text, entity_id text, company_id uuid, outcome text, ip_hmac bytea, user_agent_hmac bytea, request_id uuid, detail jsonb, key_id text, signature bytea)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select e.event_id, e.ingest_seq, e.txid, e.occurred_at,
         pg_catalog.to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         e.actor_type, e.actor_id, e.actor_label, e.action, e.entity_type, e.entity_id,
         e.company_id, e.outcome, e.ip_hmac, e.user_agent_hmac, e.request_id, e.detail, e.key_id, e.signature
  from audit.events e
  where (e.txid, e.ingest_seq) > (p_after_txid, p_after_ingest)
    and e.txid < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())
    and not exists (select 1 from audit.chain c where c.event_id = e.event_id)
  order by e.txid, e.ingest_seq
  limit p_limit
$$;

ALTER FUNCTION audit.pending_events(p_after_txid xid8, p_after_ingest bigint, p_limit integer) OWNER TO kastell_audit;

--
-- Name: record_checkpoint(bigint, bytea, text, text); Type: FUNCTION; Schema: audit; Owner: kastell_audit
--

CREATE FUNCTION audit.record_checkpoint(p_seq bigint, p_hash bytea, p_statement text, p_signature text) RETURNS uuid
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  insert into audit.checkpoints (seq, hash, statement, signature) values (p_seq, p_hash, p_statement, p_signature)
  returning checkpoint_id
$$;

ALTER FUNCTION audit.record_checkpoint(p_seq bigint, p_hash bytea, p_statement text, p_signature text) OWNER TO kastell_audit;

--
-- Name: record_export(date, bigint, bigint, bigint, text, bytea, boolean); Type: FUNCTION; Schema: audit; Owner: kastell_audit
--

CREATE FUNCTION audit.record_export(p_day date, p_first bigint, p_last bigint, p_count bigint, p_target text, p_manifest_sha256 bytea, p_verified boolean) RETURNS uuid
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  insert into audit.exports (day, first_seq, last_seq, event_count, target, manifest_sha256, verified)
  values (p_day, p_first, p_last, p_count, p_target, p_manifest_sha256, p_verified)
  returning export_id
$$;

ALTER FUNCTION audit.record_export(p_day date, p_first bigint, p_last bigint, p_count bigint, p_target text, p_manifest_sha256 bytea, p_verified boolean) OWNER TO kastell_audit;

--
-- Name: record_verification(boolean, bigint, bigint, bigint, text, integer, timestamp with time zone); Type: FUNCTION; Schema: audit; Owner: kastell_audit
--

CREATE FUNCTION audit.record_verification(p_ok boolean, p_checked bigint, p_head bigint, p_first_bad bigint, p_problem text, p_duration_ms integer, p_started timestamp with time zone) RETURNS uuid
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  insert into audit.verifications (ok, checked_links, head_seq, first_bad_seq, problem, duration_ms, started_at)
  values (p_ok, p_checked, p_head, p_first_bad, p_problem, p_duration_ms, p_started)
  returning verification_id
$$;

ALTER FUNCTION audit.record_verification(p_ok boolean, p_checked bigint, p_head bigint, p_first_bad bigint, p_problem text, p_duration_ms integer, p_started timestamp with time zone) OWNER TO kastell_audit;

--
-- Name: refuse_change(); Type: FUNCTION; Schema: audit; Owner: kastell_owner
--

CREATE FUNCTION audit.refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  raise exception 'audit records are append-only: % on audit.% refused', tg_op, tg_table_name
    using errcode = '42501';
end
$$;

ALTER FUNCTION audit.refuse_change() OWNER TO kastell_owner;

--
-- Name: report_seal_event(text); Type: FUNCTION; Schema: audit; Owner: kastell_audit
--

CREATE FUNCTION audit.report_seal_event(p_sealed_sha256 text) RETURNS TABLE(seq bigint, event_id uuid, report_id text, occurred_at timestamp with time zone)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select c.seq, e.event_id, e.entity_id, e.occurred_at
  from audit.events e
  left join audit.chain c on c.event_id = e.event_id and c.event_occurred_at = e.occurred_at
  where e.action = 'report.signed' and e.detail->>'sealedSha256' = p_sealed_sha256
  order by e.occurred_at
  limit 1
$$;

ALTER FUNCTION audit.report_seal_event(p_sealed_sha256 text) OWNER TO kastell_audit;

--
-- Name: seq_range(timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: audit; Owner: kastell_audit
--

CREATE FUNCTION audit.seq_range(p_from timestamp with time zone, p_to timestamp with time zone) RETURNS TABLE(first_seq bigint, last_seq bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select min(seq), max(seq) from audit.chain where chained_at >= p_from and chained_at < p_to
$$;

ALTER FUNCTION audit.seq_range(p_from timestamp with time zone, p_to timestamp with time zone) OWNER TO kastell_audit;

--
-- Name: unchained_before(timestamp with time zone); Type: FUNCTION; Schema: audit; Owner: kastell_audit
--

CREATE FUNCTION audit.unchained_before(p_before timestamp with time zone) RETURNS TABLE(event_id uuid, occurred_at timestamp with time zone, action text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select e.event_id, e.occurred_at, e.action from audit.events e
  where e.occurred_at < p_before
    and not exists (select 1 from audit.chain c where c.event_id = e.event_id)
  order by e.occurred_at
  limit 10
$$;

ALTER FUNCTION audit.unchained_before(p_before timestamp with time zone) OWNER TO kastell_audit;

--
-- Name: unsigned_through(); Type: FUNCTION; Schema: audit; Owner: kastell_audit
--

CREATE FUNCTION audit.unsigned_through() RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select coalesce(min(unsigned_through), 0) from audit.signing_start
$$;

ALTER FUNCTION audit.unsigned_through() OWNER TO kastell_audit;

--
-- Name: chain; Type: TABLE; Schema: audit; Owner: kastell_owner
--

CREATE TABLE audit.chain (
    seq bigint NOT NULL,
    event_id uuid NOT NULL,
    event_occurred_at timestamp with time zone NOT NULL,
    txid xid8 NOT NULL,
    prev_hash bytea NOT NULL,
    hash bytea NOT NULL,
    chained_at timestamp with time zone DEFAULT now() NOT NULL,
    key_id text,
    mac bytea,
    CONSTRAINT chain_hash_check CHECK ((length(hash) = 32)),
    CONSTRAINT chain_key_id_check CHECK ((key_id ~ '^[0-9a-f]{16}$'::text)),
    CONSTRAINT chain_mac_check CHECK ((length(mac) = 32)),
    CONSTRAINT chain_prev_hash_check CHECK ((length(prev_hash) = 32)),
    CONSTRAINT chain_seq_check CHECK ((seq > 0))
)
PARTITION BY RANGE (event_occurred_at);

ALTER TABLE ONLY audit.chain FORCE ROW LEVEL SECURITY;

ALTER TABLE audit.chain OWNER TO kastell_owner;

--
-- Name: chain_default; Type: TABLE; Schema: audit; Owner: kastell_owner
--

CREATE TABLE audit.chain_default (
    seq bigint NOT NULL,
    event_id uuid NOT NULL,
    event_occurred_at timestamp with time zone NOT NULL,
    txid xid8 NOT NULL,
    prev_hash bytea NOT NULL,
    hash bytea NOT NULL,
    chained_at timestamp with time zone DEFAULT now() NOT NULL,
    key_id text,
    mac bytea,
    CONSTRAINT chain_hash_check CHECK ((length(hash) = 32)),
    CONSTRAINT chain_key_id_check CHECK ((key_id ~ '^[0-9a-f]{16}$'::text)),
    CONSTRAINT chain_mac_check CHECK ((length(mac) = 32)),
    CONSTRAINT chain_prev_hash_check CHECK ((length(prev_hash) = 32)),
    CONSTRAINT chain_seq_check CHECK ((seq > 0))
);

ALTER TABLE ONLY audit.chain_default FORCE ROW LEVEL SECURITY;

ALTER TABLE audit.chain_default OWNER TO kastell_owner;

--
-- Name: checkpoints; Type: TABLE; Schema: audit; Owner: kastell_owner
--

CREATE TABLE audit.checkpoints (
    checkpoint_id uuid DEFAULT app.uuidv7() NOT NULL,
    seq bigint NOT NULL,
    hash bytea NOT NULL,
    statement text NOT NULL,
    signature text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT checkpoints_hash_check CHECK ((length(hash) = 32))
);

ALTER TABLE ONLY audit.checkpoints FORCE ROW LEVEL SECURITY;

ALTER TABLE audit.checkpoints OWNER TO kastell_owner;

--
-- Name: events_ingest_seq; Type: SEQUENCE; Schema: audit; Owner: kastell_owner
--

CREATE SEQUENCE audit.events_ingest_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER TABLE audit.events_ingest_seq OWNER TO kastell_owner;

--
-- Name: events; Type: TABLE; Schema: audit; Owner: kastell_owner
--

CREATE TABLE audit.events (
    event_id uuid DEFAULT app.uuidv7() NOT NULL,
    ingest_seq bigint DEFAULT nextval('audit.events_ingest_seq'::regclass) NOT NULL,
    txid xid8 DEFAULT pg_current_xact_id() NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    actor_type text NOT NULL,
    actor_id uuid,
    actor_label text,
    action text NOT NULL,
    entity_type text,
    entity_id text,
    company_id uuid,
    outcome text NOT NULL,
    ip_hmac bytea,
    user_agent_hmac bytea,
    request_id uuid,
    detail jsonb DEFAULT '{}'::jsonb NOT NULL,
    key_id text,
    signature bytea,
    CONSTRAINT events_action_check CHECK (((action ~ '^[a-z_]+(\.[a-z_]+)+$'::text) AND (length(action) <= 100))),
    CONSTRAINT events_actor_label_check CHECK ((length(actor_label) <= 100)),
    CONSTRAINT events_actor_type_check CHECK ((actor_type = ANY (ARRAY['user'::text, 'system'::text, 'anonymous'::text]))),
    CONSTRAINT events_detail_check CHECK (((jsonb_typeof(detail) = 'object'::text) AND (pg_column_size(detail) <= 4096))),
    CONSTRAINT events_entity_id_check CHECK ((length(entity_id) <= 100)),
    CONSTRAINT events_entity_type_check CHECK ((entity_type ~ '^[a-z_]+$'::text)),
    CONSTRAINT events_ip_hmac_check CHECK ((length(ip_hmac) = 32)),
    CONSTRAINT events_key_id_check CHECK ((key_id ~ '^[0-9a-f]{16}$'::text)),
    CONSTRAINT events_outcome_check CHECK ((outcome = ANY (ARRAY['success'::text, 'failure'::text, 'denied'::text]))),
    CONSTRAINT events_signature_check CHECK ((length(signature) = 64)),
    CONSTRAINT events_user_agent_hmac_check CHECK ((length(user_agent_hmac) = 32))
)
PARTITION BY RANGE (occurred_at);

ALTER TABLE ONLY audit.events FORCE ROW LEVEL SECURITY;

ALTER TABLE audit.events OWNER TO kastell_owner;

--
-- Name: events_default; Type: TABLE; Schema: audit; Owner: kastell_owner
--

CREATE TABLE audit.events_default (
    event_id uuid DEFAULT app.uuidv7() NOT NULL,
    ingest_seq bigint DEFAULT nextval('audit.events_ingest_seq'::regclass) NOT NULL,
    txid xid8 DEFAULT pg_current_xact_id() NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    actor_type text NOT NULL,
    actor_id uuid,
    actor_label text,
    action text NOT NULL,
    entity_type text,
    entity_id text,
    company_id uuid,
    outcome text NOT NULL,
    ip_hmac bytea,
    user_agent_hmac bytea,
    request_id uuid,
    detail jsonb DEFAULT '{}'::jsonb NOT NULL,
    key_id text,
    signature bytea,
    CONSTRAINT events_action_check CHECK (((action ~ '^[a-z_]+(\.[a-z_]+)+$'::text) AND (length(action) <= 100))),
    CONSTRAINT events_actor_label_check CHECK ((length(actor_label) <= 100)),
    CONSTRAINT events_actor_type_check CHECK ((actor_type = ANY (ARRAY['user'::text, 'system'::text, 'anonymous'::text]))),
    CONSTRAINT events_detail_check CHECK (((jsonb_typeof(detail) = 'object'::text) AND (pg_column_size(detail) <= 4096))),
    CONSTRAINT events_entity_id_check CHECK ((length(entity_id) <= 100)),
    CONSTRAINT events_entity_type_check CHECK ((entity_type ~ '^[a-z_]+$'::text)),
    CONSTRAINT events_ip_hmac_check CHECK ((length(ip_hmac) = 32)),
    CONSTRAINT events_key_id_check CHECK ((key_id ~ '^[0-9a-f]{16}$'::text)),
    CONSTRAINT events_outcome_check CHECK ((outcome = ANY (ARRAY['success'::text, 'failure'::text, 'denied'::text]))),
    CONSTRAINT events_signature_check CHECK ((length(signature) = 64)),
    CONSTRAINT events_user_agent_hmac_check CHECK ((length(user_agent_hmac) = 32))
);

ALTER TABLE ONLY audit.events_default FORCE ROW LEVEL SECURITY;

ALTER TABLE audit.events_default OWNER TO kastell_owner;

--
-- Name: exports; Type: TABLE; Schema: audit; Owner: kastell_owner
--

CREATE TABLE audit.exports (
    export_id uuid DEFAULT app.uuidv7() NOT NULL,
    day date NOT NULL,
    first_seq bigint,
    last_seq bigint,
    event_count bigint NOT NULL,
    target text NOT NULL,
    manifest_sha256 bytea NOT NULL,
    verified boolean NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY audit.exports FORCE ROW LEVEL SECURITY;

ALTER TABLE audit.exports OWNER TO kastell_owner;

--
-- Name: retention_log; Type: TABLE; Schema: audit; Owner: kastell_owner
--

CREATE TABLE audit.retention_log (
    retention_id uuid DEFAULT app.uuidv7() NOT NULL,
    month date NOT NULL,
    dropped_through_seq bigint NOT NULL,
    dropped_through_hash bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY audit.retention_log FORCE ROW LEVEL SECURITY;

ALTER TABLE audit.retention_log OWNER TO kastell_owner;

--
-- Name: signing_start; Type: TABLE; Schema: audit; Owner: kastell_owner
--

CREATE TABLE audit.signing_start (
    unsigned_through bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT signing_start_unsigned_through_check CHECK ((unsigned_through >= 0))
);

ALTER TABLE ONLY audit.signing_start FORCE ROW LEVEL SECURITY;

ALTER TABLE audit.signing_start OWNER TO kastell_owner;

--
-- Name: verifications; Type: TABLE; Schema: audit; Owner: kastell_owner
--

CREATE TABLE audit.verifications (
    verification_id uuid DEFAULT app.uuidv7() NOT NULL,
    ok boolean NOT NULL,
    checked_links bigint NOT NULL,
    head_seq bigint,
    first_bad_seq bigint,
    problem text,
    duration_ms integer NOT NULL,
    started_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY audit.verifications FORCE ROW LEVEL SECURITY;

ALTER TABLE audit.verifications OWNER TO kastell_owner;

--
-- Name: assets; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.assets (
    asset_id uuid DEFAULT app.uuidv7() NOT NULL,
    company_id uuid NOT NULL,
    site_id uuid NOT NULL,
    name text NOT NULL,
    kind text,
    serial_number text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT assets_kind_check CHECK ((length(kind) <= 100)),
    CONSTRAINT assets_name_check CHECK (((length(name) >= 1) AND (length(name) <= 200))),
    CONSTRAINT assets_serial_number_check CHECK ((length(serial_number) <= 100))
);

ALTER TABLE ONLY kastell.assets FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.assets OWNER TO kastell_owner;

--
-- Name: auth_challenges; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.auth_challenges (
    token_hash bytea NOT NULL,
    purpose text NOT NULL,
    user_id uuid,
    webauthn_challenge text,
    via_unlock boolean DEFAULT false NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT auth_challenges_purpose_check CHECK ((purpose = ANY (ARRAY['second_factor'::text, 'webauthn_sign_in'::text, 'webauthn_register'::text, 'webauthn_second_factor'::text]))),
    CONSTRAINT auth_challenges_token_hash_check CHECK ((length(token_hash) = 32))
);

ALTER TABLE ONLY kastell.auth_challenges FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.auth_challenges OWNER TO kastell_owner;

--
-- Name: auth_failures; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.auth_failures (
    auth_failure_id uuid DEFAULT app.uuidv7() NOT NULL,
    subject text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT auth_failures_subject_check CHECK (((length(subject) >= 3) AND (length(subject) <= 400)))
);

ALTER TABLE ONLY kastell.auth_failures FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.auth_failures OWNER TO kastell_owner;

--
-- Name: backup_codes; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.backup_codes (
    user_id uuid NOT NULL,
    slot smallint NOT NULL,
    code_hash text NOT NULL,
    used_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT backup_codes_code_hash_check CHECK ((code_hash ~~ '$argon2id$%'::text)),
    CONSTRAINT backup_codes_slot_check CHECK (((slot >= 1) AND (slot <= 10)))
);

ALTER TABLE ONLY kastell.backup_codes FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.backup_codes OWNER TO kastell_owner;

--
-- Name: bot_challenges; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.bot_challenges (
    bot_challenge_id uuid DEFAULT app.uuidv7() NOT NULL,
    challenge text NOT NULL,
    endpoint text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    CONSTRAINT bot_challenges_challenge_check CHECK ((challenge ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT bot_challenges_endpoint_check CHECK ((endpoint = ANY (ARRAY['sign-in'::text, 'password-reset'::text, 'invite'::text]))),
    CONSTRAINT bot_challenges_short_lived CHECK (((expires_at > created_at) AND (expires_at <= (created_at + '00:10:00'::interval)))),
    CONSTRAINT bot_challenges_used_in_time CHECK (((used_at IS NULL) OR (used_at <= expires_at)))
);

ALTER TABLE ONLY kastell.bot_challenges FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.bot_challenges OWNER TO kastell_owner;

--
-- Name: companies; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.companies (
    company_id uuid DEFAULT app.uuidv7() NOT NULL,
    name text NOT NULL,
    customer_number text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT companies_customer_number_check CHECK (((length(customer_number) >= 1) AND (length(customer_number) <= 50))),
    CONSTRAINT companies_name_check CHECK (((length(name) >= 1) AND (length(name) <= 200)))
);

ALTER TABLE ONLY kastell.companies FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.companies OWNER TO kastell_owner;

--
-- Name: document_versions; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.document_versions (
    version_id uuid DEFAULT app.uuidv7() NOT NULL,
    document_id uuid NOT NULL,
    owner_company_id uuid NOT NULL,
    file_name text NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    reason text,
    detected_type text,
    size bigint,
    sha256 bytea,
    object_key text,
    uploaded_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    decided_at timestamp with time zone,
    CONSTRAINT document_versions_clean_is_complete CHECK (((status <> 'clean'::text) OR ((object_key IS NOT NULL) AND (sha256 IS NOT NULL) AND (size IS NOT NULL) AND (detected_type IS NOT NULL)))),
    CONSTRAINT document_versions_detected_type_check CHECK ((length(detected_type) <= 100)),
    CONSTRAINT document_versions_file_name_check CHECK (((length(file_name) >= 1) AND (length(file_name) <= 200))),
    CONSTRAINT document_versions_object_key_check CHECK ((object_key ~ '^documents/[0-9a-f-]{36}/[0-9a-f]{32}$'::text)),
    CONSTRAINT document_versions_reason_check CHECK ((length(reason) <= 200)),
    CONSTRAINT document_versions_rejected_has_reason CHECK (((status <> 'rejected'::text) OR (reason IS NOT NULL))),
    CONSTRAINT document_versions_sha256_check CHECK ((length(sha256) = 32)),
    CONSTRAINT document_versions_size_check CHECK ((size >= 0)),
    CONSTRAINT document_versions_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'clean'::text, 'rejected'::text])))
);

ALTER TABLE ONLY kastell.document_versions FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.document_versions OWNER TO kastell_owner;

--
-- Name: documents; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.documents (
    document_id uuid DEFAULT app.uuidv7() NOT NULL,
    owner_company_id uuid NOT NULL,
    company_id uuid,
    site_id uuid,
    asset_id uuid,
    title text NOT NULL,
    kind text NOT NULL,
    created_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    job_id uuid,
    CONSTRAINT documents_company_is_owner CHECK (((company_id IS NULL) OR (company_id = owner_company_id))),
    CONSTRAINT documents_kind_check CHECK ((kind = ANY (ARRAY['contract'::text, 'certificate'::text, 'manual'::text, 'invoice'::text, 'photo'::text, 'other'::text]))),
    CONSTRAINT documents_one_parent CHECK ((num_nonnulls(company_id, site_id, asset_id, job_id) = 1)),
    CONSTRAINT documents_title_check CHECK (((length(title) >= 1) AND (length(title) <= 200)))
);

ALTER TABLE ONLY kastell.documents FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.documents OWNER TO kastell_owner;

--
-- Name: email_changes; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.email_changes (
    email_change_id uuid DEFAULT app.uuidv7() NOT NULL,
    user_id uuid NOT NULL,
    new_email text NOT NULL,
    token_hash bytea NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    confirmed_at timestamp with time zone,
    voided_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT email_changes_new_email_check CHECK (((new_email ~ '^[^@\s]+@[^@\s]+$'::text) AND (length(new_email) <= 254))),
    CONSTRAINT email_changes_token_hash_check CHECK ((length(token_hash) = 32))
);

ALTER TABLE ONLY kastell.email_changes FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.email_changes OWNER TO kastell_owner;

--
-- Name: idempotency_keys; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.idempotency_keys (
    user_id uuid NOT NULL,
    idempotency_key text NOT NULL,
    request_hash bytea NOT NULL,
    response_status smallint,
    response_sealed text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone DEFAULT (now() + '24:00:00'::interval) NOT NULL,
    CONSTRAINT idempotency_keys_check CHECK (((response_status IS NULL) = (response_sealed IS NULL))),
    CONSTRAINT idempotency_keys_idempotency_key_check CHECK ((idempotency_key ~ '^[!-~]{1,255}$'::text)),
    CONSTRAINT idempotency_keys_request_hash_check CHECK ((length(request_hash) = 32)),
    CONSTRAINT idempotency_keys_response_status_check CHECK (((response_status >= 200) AND (response_status <= 299)))
);

ALTER TABLE ONLY kastell.idempotency_keys FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.idempotency_keys OWNER TO kastell_owner;

--
-- Name: invites; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.invites (
    invite_id uuid DEFAULT app.uuidv7() NOT NULL,
    email text NOT NULL,
    role_id uuid NOT NULL,
    company_id uuid,
    token_hash bytea NOT NULL,
    invited_by uuid,
    expires_at timestamp with time zone NOT NULL,
    accepted_at timestamp with time zone,
    revoked_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    locale text DEFAULT 'en'::text NOT NULL,
    membership_days integer,
    sent_count integer DEFAULT 1 NOT NULL,
    last_sent_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT invites_email_check CHECK (((email ~ '^[^@\s]+@[^@\s]+$'::text) AND (length(email) <= 254))),
    CONSTRAINT invites_locale_check CHECK ((locale = ANY (ARRAY['en'::text, 'de'::text, 'fr'::text, 'it'::text]))),
    CONSTRAINT invites_membership_days_check CHECK (((membership_days >= 1) AND (membership_days <= 90))),
    CONSTRAINT invites_sent_count_check CHECK ((sent_count >= 1)),
    CONSTRAINT invites_token_hash_check CHECK ((length(token_hash) = 32))
);

ALTER TABLE ONLY kastell.invites FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.invites OWNER TO kastell_owner;

--
-- Name: job_assets; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.job_assets (
    job_id uuid NOT NULL,
    asset_id uuid NOT NULL,
    company_id uuid NOT NULL
);

ALTER TABLE ONLY kastell.job_assets FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.job_assets OWNER TO kastell_owner;

--
-- Name: job_assignments; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.job_assignments (
    job_id uuid NOT NULL,
    technician_id uuid NOT NULL,
    company_id uuid NOT NULL,
    assigned_by uuid,
    assigned_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY kastell.job_assignments FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.job_assignments OWNER TO kastell_owner;

--
-- Name: job_message_reads; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.job_message_reads (
    user_id uuid DEFAULT app.current_user_id() NOT NULL,
    job_id uuid NOT NULL,
    company_id uuid NOT NULL,
    read_up_to timestamp with time zone NOT NULL
);

ALTER TABLE ONLY kastell.job_message_reads FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.job_message_reads OWNER TO kastell_owner;

--
-- Name: job_messages; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.job_messages (
    message_id uuid DEFAULT app.uuidv7() NOT NULL,
    job_id uuid NOT NULL,
    company_id uuid NOT NULL,
    internal boolean DEFAULT false NOT NULL,
    body text NOT NULL,
    author_id uuid DEFAULT app.current_user_id(),
    author_side text DEFAULT 
CASE
    WHEN (app.current_company_id() IS NULL) THEN 'operator'::text
    ELSE 'customer'::text
END NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT job_messages_author_side_check CHECK ((author_side = ANY (ARRAY['operator'::text, 'customer'::text]))),
    CONSTRAINT job_messages_body_check CHECK (
CASE
    WHEN (body ~~ 'v2:%'::text) THEN (length(body) <= 30000)
    ELSE ((length(body) >= 1) AND (length(body) <= 5000))
END),
    CONSTRAINT job_messages_check CHECK (((NOT internal) OR (author_side = 'operator'::text)))
);

ALTER TABLE ONLY kastell.job_messages FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.job_messages OWNER TO kastell_owner;

--
-- Name: job_status_history; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.job_status_history (
    history_id uuid DEFAULT app.uuidv7() NOT NULL,
    job_id uuid NOT NULL,
    company_id uuid NOT NULL,
    from_status text,
    to_status text NOT NULL,
    reason text,
    changed_by uuid,
    changed_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY kastell.job_status_history FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.job_status_history OWNER TO kastell_owner;

--
-- Name: job_status_transitions; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.job_status_transitions (
    from_status text NOT NULL,
    to_status text NOT NULL,
    by_technician boolean DEFAULT false NOT NULL
);

ALTER TABLE ONLY kastell.job_status_transitions FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.job_status_transitions OWNER TO kastell_owner;

--
-- Name: jobs; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.jobs (
    job_id uuid DEFAULT app.uuidv7() NOT NULL,
    company_id uuid NOT NULL,
    site_id uuid NOT NULL,
    request_id uuid,
    title text NOT NULL,
    description text,
    status text DEFAULT 'new'::text NOT NULL,
    planned_start timestamp with time zone,
    actual_start timestamp with time zone,
    report_frozen_at timestamp with time zone,
    status_reason text,
    created_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT jobs_description_check CHECK ((length(description) <= 5000)),
    CONSTRAINT jobs_status_check CHECK ((status = ANY (ARRAY['new'::text, 'scheduled'::text, 'in_progress'::text, 'work_done'::text, 'awaiting_signoff'::text, 'signed'::text, 'closed'::text, 'on_hold'::text, 'cancelled'::text]))),
    CONSTRAINT jobs_status_reason_check CHECK (((length(status_reason) >= 1) AND (length(status_reason) <= 2000))),
    CONSTRAINT jobs_title_check CHECK (((length(title) >= 1) AND (length(title) <= 200)))
);

ALTER TABLE ONLY kastell.jobs FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.jobs OWNER TO kastell_owner;

--
-- Name: memberships; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.memberships (
    membership_id uuid DEFAULT app.uuidv7() NOT NULL,
    user_id uuid NOT NULL,
    role_id uuid NOT NULL,
    company_id uuid,
    expires_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY kastell.memberships FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.memberships OWNER TO kastell_owner;

--
-- Name: notifiable_breaches; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.notifiable_breaches (
    breach_id uuid DEFAULT app.uuidv7() NOT NULL,
    title text NOT NULL,
    description text,
    occurred_on date,
    discovered_on date NOT NULL,
    authority text,
    authority_notified_on date,
    subjects_notified_on date,
    entered_by uuid DEFAULT app.current_user_id(),
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT notifiable_breaches_authority_check CHECK (((length(authority) >= 1) AND (length(authority) <= 200))),
    CONSTRAINT notifiable_breaches_check CHECK (((occurred_on IS NULL) OR (occurred_on <= discovered_on))),
    CONSTRAINT notifiable_breaches_check1 CHECK (((authority_notified_on IS NULL) OR (authority_notified_on >= discovered_on))),
    CONSTRAINT notifiable_breaches_check2 CHECK (((subjects_notified_on IS NULL) OR (subjects_notified_on >= discovered_on))),
    CONSTRAINT notifiable_breaches_description_check CHECK (((length(description) >= 1) AND (length(description) <= 4000))),
    CONSTRAINT notifiable_breaches_title_check CHECK (((length(title) >= 1) AND (length(title) <= 200)))
);

ALTER TABLE ONLY kastell.notifiable_breaches FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.notifiable_breaches OWNER TO kastell_owner;

--
-- Name: notification_kinds; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.notification_kinds (
    kind text NOT NULL,
    permission_key text NOT NULL
);

ALTER TABLE ONLY kastell.notification_kinds FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.notification_kinds OWNER TO kastell_owner;

--
-- Name: notification_preferences; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.notification_preferences (
    user_id uuid DEFAULT app.current_user_id() NOT NULL,
    kind text NOT NULL,
    in_app boolean DEFAULT true NOT NULL,
    email boolean DEFAULT true NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY kastell.notification_preferences FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.notification_preferences OWNER TO kastell_owner;

--
-- Name: notifications; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.notifications (
    notification_id uuid DEFAULT app.uuidv7() NOT NULL,
    user_id uuid NOT NULL,
    kind text NOT NULL,
    company_id uuid NOT NULL,
    job_id uuid,
    request_id uuid,
    actor_id uuid,
    in_app boolean NOT NULL,
    read_at timestamp with time zone,
    mail_status text NOT NULL,
    mail_attempts integer DEFAULT 0 NOT NULL,
    mail_claimed_at timestamp with time zone,
    mail_sent_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT notifications_check CHECK (((job_id IS NULL) <> (request_id IS NULL))),
    CONSTRAINT notifications_mail_status_check CHECK ((mail_status = ANY (ARRAY['none'::text, 'pending'::text, 'sending'::text, 'sent'::text, 'failed'::text])))
);

ALTER TABLE ONLY kastell.notifications FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.notifications OWNER TO kastell_owner;

--
-- Name: object_removals; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.object_removals (
    removal_id uuid DEFAULT app.uuidv7() NOT NULL,
    object_key text NOT NULL,
    company_id uuid,
    version_id uuid NOT NULL,
    queued_at timestamp with time zone DEFAULT now() NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text,
    not_before timestamp with time zone,
    CONSTRAINT object_removals_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT object_removals_last_error_check CHECK ((length(last_error) <= 500)),
    CONSTRAINT object_removals_object_key_check CHECK ((object_key ~ '^documents/[0-9a-f-]{36}/[0-9a-f]{32}$'::text))
);

ALTER TABLE ONLY kastell.object_removals FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.object_removals OWNER TO kastell_owner;

--
-- Name: organisation; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.organisation (
    organisation_id boolean DEFAULT true NOT NULL,
    name text NOT NULL,
    default_locale text DEFAULT 'en'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT organisation_default_locale_check CHECK ((default_locale = ANY (ARRAY['en'::text, 'de'::text, 'fr'::text, 'it'::text]))),
    CONSTRAINT organisation_name_check CHECK (((length(name) >= 1) AND (length(name) <= 200))),
    CONSTRAINT organisation_organisation_id_check CHECK (organisation_id)
);

ALTER TABLE ONLY kastell.organisation FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.organisation OWNER TO kastell_owner;

--
-- Name: passkeys; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.passkeys (
    passkey_id uuid DEFAULT app.uuidv7() NOT NULL,
    user_id uuid NOT NULL,
    credential_id text NOT NULL,
    public_key bytea NOT NULL,
    sign_count bigint DEFAULT 0 NOT NULL,
    transports text[] DEFAULT '{}'::text[] NOT NULL,
    name text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_used_at timestamp with time zone,
    CONSTRAINT passkeys_credential_id_check CHECK (((credential_id ~ '^[A-Za-z0-9_-]+$'::text) AND ((length(credential_id) >= 16) AND (length(credential_id) <= 1400)))),
    CONSTRAINT passkeys_name_check CHECK (((length(name) >= 1) AND (length(name) <= 100)))
);

ALTER TABLE ONLY kastell.passkeys FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.passkeys OWNER TO kastell_owner;

--
-- Name: password_history; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.password_history (
    password_history_id uuid DEFAULT app.uuidv7() NOT NULL,
    user_id uuid NOT NULL,
    password_hash text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT password_history_password_hash_check CHECK ((password_hash ~~ '$argon2id$%'::text))
);

ALTER TABLE ONLY kastell.password_history FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.password_history OWNER TO kastell_owner;

--
-- Name: password_reset_tokens; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.password_reset_tokens (
    password_reset_token_id uuid DEFAULT app.uuidv7() NOT NULL,
    user_id uuid NOT NULL,
    token_hash bytea NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    voided_at timestamp with time zone,
    void_reason text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT password_reset_tokens_token_hash_check CHECK ((length(token_hash) = 32)),
    CONSTRAINT password_reset_tokens_void CHECK (((voided_at IS NULL) = (void_reason IS NULL))),
    CONSTRAINT password_reset_tokens_void_reason_check CHECK ((void_reason = ANY (ARRAY['superseded'::text, 'signed_in'::text, 'used_other'::text])))
);

ALTER TABLE ONLY kastell.password_reset_tokens FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.password_reset_tokens OWNER TO kastell_owner;

--
-- Name: permissions; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.permissions (
    permission_key text NOT NULL,
    description text NOT NULL,
    customer_assignable boolean DEFAULT false NOT NULL,
    CONSTRAINT permissions_permission_key_check CHECK ((permission_key ~ '^[a-z_]+\.[a-z_]+$'::text))
);

ALTER TABLE ONLY kastell.permissions FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.permissions OWNER TO kastell_owner;

--
-- Name: rate_limit_windows; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE UNLOGGED TABLE kastell.rate_limit_windows (
    bucket bytea NOT NULL,
    window_start timestamp with time zone NOT NULL,
    hits integer NOT NULL,
    CONSTRAINT rate_limit_windows_bucket_check CHECK ((length(bucket) = 32)),
    CONSTRAINT rate_limit_windows_hits_check CHECK ((hits > 0))
);

ALTER TABLE ONLY kastell.rate_limit_windows FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.rate_limit_windows OWNER TO kastell_owner;

--
-- Name: report_measurements; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.report_measurements (
    measurement_id uuid DEFAULT app.uuidv7() NOT NULL,
    report_id uuid NOT NULL,
    company_id uuid NOT NULL,
    "position" integer NOT NULL,
    quantity text NOT NULL,
    value text NOT NULL,
    unit text NOT NULL,
    CONSTRAINT report_measurements_position_check CHECK ((("position" >= 1) AND ("position" <= 200))),
    CONSTRAINT report_measurements_quantity_check CHECK (((length(quantity) >= 1) AND (length(quantity) <= 200))),
    CONSTRAINT report_measurements_unit_check CHECK (((length(unit) >= 1) AND (length(unit) <= 50))),
    CONSTRAINT report_measurements_value_check CHECK (
CASE
    WHEN (value ~~ 'v2:%'::text) THEN (length(value) <= 400)
    ELSE ((length(value) >= 1) AND (length(value) <= 60))
END)
);

ALTER TABLE ONLY kastell.report_measurements FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.report_measurements OWNER TO kastell_owner;

--
-- Name: report_photos; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.report_photos (
    report_id uuid NOT NULL,
    document_id uuid NOT NULL,
    job_id uuid NOT NULL,
    company_id uuid NOT NULL,
    "position" integer NOT NULL,
    CONSTRAINT report_photos_position_check CHECK ((("position" >= 1) AND ("position" <= 50)))
);

ALTER TABLE ONLY kastell.report_photos FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.report_photos OWNER TO kastell_owner;

--
-- Name: role_permissions; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.role_permissions (
    role_id uuid NOT NULL,
    permission_key text NOT NULL,
    scope text NOT NULL,
    CONSTRAINT role_permissions_scope_check CHECK ((scope = ANY (ARRAY['own'::text, 'company'::text, 'global'::text])))
);

ALTER TABLE ONLY kastell.role_permissions FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.role_permissions OWNER TO kastell_owner;

--
-- Name: roles; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.roles (
    role_id uuid DEFAULT app.uuidv7() NOT NULL,
    role_key text,
    company_id uuid,
    name text NOT NULL,
    side text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT roles_custom_are_customer CHECK (((company_id IS NULL) OR (side = 'customer'::text))),
    CONSTRAINT roles_name_check CHECK (((length(name) >= 1) AND (length(name) <= 100))),
    CONSTRAINT roles_role_key_check CHECK ((role_key ~ '^[a-z_]+$'::text)),
    CONSTRAINT roles_side_check CHECK ((side = ANY (ARRAY['operator'::text, 'customer'::text, 'guest'::text]))),
    CONSTRAINT roles_system_or_custom CHECK (((role_key IS NULL) = (company_id IS NOT NULL)))
);

ALTER TABLE ONLY kastell.roles FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.roles OWNER TO kastell_owner;

--
-- Name: service_reports; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.service_reports (
    report_id uuid DEFAULT app.uuidv7() NOT NULL,
    job_id uuid NOT NULL,
    company_id uuid NOT NULL,
    version integer NOT NULL,
    status text DEFAULT 'draft'::text NOT NULL,
    work_done text DEFAULT ''::text NOT NULL,
    language text NOT NULL,
    created_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    frozen_at timestamp with time zone,
    frozen_by uuid,
    pdf_object_key text,
    pdf_sha256 bytea,
    signed_at timestamp with time zone,
    signed_by uuid,
    signer_name text,
    signed_how text,
    signer_ip_hash bytea,
    signer_ua_hash bytea,
    shown_sha256 bytea,
    sealed_object_key text,
    sealed_sha256 bytea,
    refused_at timestamp with time zone,
    refused_by uuid,
    refusal_comment text,
    CONSTRAINT service_reports_frozen_is_complete CHECK (((status = 'draft'::text) OR ((frozen_at IS NOT NULL) AND (pdf_object_key IS NOT NULL) AND (pdf_sha256 IS NOT NULL)))),
    CONSTRAINT service_reports_language_check CHECK ((language = ANY (ARRAY['en'::text, 'de'::text, 'fr'::text, 'it'::text]))),
    CONSTRAINT service_reports_pdf_object_key_check CHECK ((pdf_object_key ~ '^reports/[0-9a-f-]{36}/[0-9a-f]{32}\.pdf$'::text)),
    CONSTRAINT service_reports_pdf_sha256_check CHECK ((length(pdf_sha256) = 32)),
    CONSTRAINT service_reports_refusal_comment_check CHECK (((length(refusal_comment) >= 1) AND (length(refusal_comment) <= 2000))),
    CONSTRAINT service_reports_refusal_comment_length CHECK (
CASE
    WHEN (refusal_comment ~~ 'v2:%'::text) THEN (length(refusal_comment) <= 3000)
    ELSE (length(refusal_comment) <= 2000)
END),
    CONSTRAINT service_reports_refused_is_complete CHECK (((status = 'refused'::text) <= ((refusal_comment IS NOT NULL) AND (refused_at IS NOT NULL)))),
    CONSTRAINT service_reports_sealed_object_key_check CHECK ((sealed_object_key ~ '^reports/[0-9a-f-]{36}/[0-9a-f]{32}\.pdf$'::text)),
    CONSTRAINT service_reports_sealed_sha256_check CHECK ((length(sealed_sha256) = 32)),
    CONSTRAINT service_reports_shown_sha256_check CHECK ((length(shown_sha256) = 32)),
    CONSTRAINT service_reports_signed_how_check CHECK ((signed_how = ANY (ARRAY['own_device'::text, 'on_site'::text]))),
    CONSTRAINT service_reports_signed_is_complete CHECK (((signed_at IS NULL) OR ((signed_by IS NOT NULL) AND (signer_name IS NOT NULL) AND (signed_how IS NOT NULL) AND (shown_sha256 = pdf_sha256) AND (sealed_object_key IS NOT NULL) AND (sealed_sha256 IS NOT NULL)))),
    CONSTRAINT service_reports_signed_state CHECK (((status = 'signed'::text) <= (signed_at IS NOT NULL))),
    CONSTRAINT service_reports_signer_name_check CHECK (((length(signer_name) >= 1) AND (length(signer_name) <= 200))),
    CONSTRAINT service_reports_status_check CHECK ((status = ANY (ARRAY['draft'::text, 'frozen'::text, 'signed'::text, 'refused'::text, 'superseded'::text]))),
    CONSTRAINT service_reports_version_check CHECK (((version >= 1) AND (version <= 1000))),
    CONSTRAINT service_reports_work_done_check CHECK (
CASE
    WHEN (work_done ~~ 'v2:%'::text) THEN (length(work_done) <= 120000)
    ELSE (length(work_done) <= 20000)
END)
);

ALTER TABLE ONLY kastell.service_reports FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.service_reports OWNER TO kastell_owner;

--
-- Name: service_requests; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.service_requests (
    request_id uuid DEFAULT app.uuidv7() NOT NULL,
    company_id uuid NOT NULL,
    site_id uuid NOT NULL,
    asset_id uuid,
    title text NOT NULL,
    description text,
    urgency text DEFAULT 'normal'::text NOT NULL,
    status text DEFAULT 'submitted'::text NOT NULL,
    decline_reason text,
    raised_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT service_requests_check CHECK (((status <> 'declined'::text) OR (decline_reason IS NOT NULL))),
    CONSTRAINT service_requests_decline_reason_check CHECK (((length(decline_reason) >= 1) AND (length(decline_reason) <= 2000))),
    CONSTRAINT service_requests_description_check CHECK ((length(description) <= 5000)),
    CONSTRAINT service_requests_status_check CHECK ((status = ANY (ARRAY['submitted'::text, 'triaged'::text, 'accepted'::text, 'declined'::text, 'withdrawn'::text]))),
    CONSTRAINT service_requests_title_check CHECK (((length(title) >= 1) AND (length(title) <= 200))),
    CONSTRAINT service_requests_urgency_check CHECK ((urgency = ANY (ARRAY['low'::text, 'normal'::text, 'high'::text, 'urgent'::text])))
);

ALTER TABLE ONLY kastell.service_requests FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.service_requests OWNER TO kastell_owner;

--
-- Name: sessions; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.sessions (
    session_id uuid DEFAULT app.uuidv7() NOT NULL,
    user_id uuid NOT NULL,
    token_hash bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    idle_timeout interval NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    hard_expires_at timestamp with time zone NOT NULL,
    ip text,
    user_agent text,
    ended_at timestamp with time zone,
    end_reason text,
    reauth_at timestamp with time zone,
    auth_method text,
    permissions text[],
    CONSTRAINT sessions_auth_method_check CHECK ((auth_method = ANY (ARRAY['password'::text, 'password+totp'::text, 'password+backup_code'::text, 'password+passkey'::text, 'passkey'::text, 'unlock+password+totp'::text]))),
    CONSTRAINT sessions_end_reason_check CHECK ((end_reason = ANY (ARRAY['sign_out'::text, 'idle'::text, 'expired'::text, 'ended_by_user'::text, 'ended_by_admin'::text, 'password_change'::text, 'factor_change'::text, 'role_change'::text, 'disabled'::text, 'rotated'::text, 'network'::text]))),
    CONSTRAINT sessions_token_hash_check CHECK ((length(token_hash) = 32)),
    CONSTRAINT sessions_user_agent_check CHECK ((length(user_agent) <= 512))
);

ALTER TABLE ONLY kastell.sessions FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.sessions OWNER TO kastell_owner;

--
-- Name: setup_tokens; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.setup_tokens (
    setup_token_id uuid DEFAULT app.uuidv7() NOT NULL,
    token_hash bytea NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT setup_tokens_token_hash_check CHECK ((length(token_hash) = 32))
);

ALTER TABLE ONLY kastell.setup_tokens FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.setup_tokens OWNER TO kastell_owner;

--
-- Name: share_links; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.share_links (
    share_link_id uuid DEFAULT app.uuidv7() NOT NULL,
    document_id uuid NOT NULL,
    owner_company_id uuid NOT NULL,
    token_hash bytea NOT NULL,
    created_by uuid NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    password_hash text,
    max_downloads integer,
    downloads integer DEFAULT 0 NOT NULL,
    failed_attempts integer DEFAULT 0 NOT NULL,
    locked_until timestamp with time zone,
    revoked_at timestamp with time zone,
    revoked_by uuid,
    CONSTRAINT share_links_check CHECK (((downloads >= 0) AND ((max_downloads IS NULL) OR (downloads <= max_downloads)))),
    CONSTRAINT share_links_expiry CHECK (((expires_at > created_at) AND (expires_at <= (created_at + '90 days'::interval)))),
    CONSTRAINT share_links_failed_attempts_check CHECK ((failed_attempts >= 0)),
    CONSTRAINT share_links_max_downloads_check CHECK (((max_downloads >= 1) AND (max_downloads <= 10000))),
    CONSTRAINT share_links_password_hash_check CHECK ((password_hash ~~ '$argon2id$%'::text)),
    CONSTRAINT share_links_token_hash_check CHECK ((length(token_hash) = 32))
);

ALTER TABLE ONLY kastell.share_links FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.share_links OWNER TO kastell_owner;

--
-- Name: sites; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.sites (
    site_id uuid DEFAULT app.uuidv7() NOT NULL,
    company_id uuid NOT NULL,
    name text NOT NULL,
    street text,
    postal_code text,
    city text,
    country text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT sites_city_check CHECK (
CASE
    WHEN (city ~~ 'v2:%'::text) THEN (length(city) <= 700)
    ELSE (length(city) <= 100)
END),
    CONSTRAINT sites_country_check CHECK ((country ~ '^[A-Z]{2}$'::text)),
    CONSTRAINT sites_name_check CHECK (((length(name) >= 1) AND (length(name) <= 200))),
    CONSTRAINT sites_postal_code_check CHECK (
CASE
    WHEN (postal_code ~~ 'v2:%'::text) THEN (length(postal_code) <= 200)
    ELSE (length(postal_code) <= 20)
END),
    CONSTRAINT sites_street_check CHECK (
CASE
    WHEN (street ~~ 'v2:%'::text) THEN (length(street) <= 1200)
    ELSE (length(street) <= 200)
END)
);

ALTER TABLE ONLY kastell.sites FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.sites OWNER TO kastell_owner;

--
-- Name: totp_factors; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.totp_factors (
    user_id uuid NOT NULL,
    secret_enc text,
    pending_secret_enc text,
    last_step bigint DEFAULT 0 NOT NULL,
    confirmed_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT totp_factors_pending_secret_enc_check CHECK ((pending_secret_enc ~~ 'v2:%'::text)),
    CONSTRAINT totp_factors_secret_enc_check CHECK ((secret_enc ~~ 'v2:%'::text))
);

ALTER TABLE ONLY kastell.totp_factors FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.totp_factors OWNER TO kastell_owner;

--
-- Name: unlock_tokens; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.unlock_tokens (
    unlock_token_id uuid DEFAULT app.uuidv7() NOT NULL,
    user_id uuid NOT NULL,
    token_hash bytea NOT NULL,
    bypass_hash bytea,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    bypass_expires_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT unlock_tokens_bypass_hash_check CHECK ((length(bypass_hash) = 32)),
    CONSTRAINT unlock_tokens_token_hash_check CHECK ((length(token_hash) = 32))
);

ALTER TABLE ONLY kastell.unlock_tokens FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.unlock_tokens OWNER TO kastell_owner;

--
-- Name: users; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.users (
    user_id uuid DEFAULT app.uuidv7() NOT NULL,
    email text NOT NULL,
    display_name text NOT NULL,
    password_hash text,
    status text DEFAULT 'active'::text NOT NULL,
    locale text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT users_display_name_check CHECK (((length(display_name) >= 1) AND (length(display_name) <= 200))),
    CONSTRAINT users_email_check CHECK (((email ~ '^[^@\s]+@[^@\s]+$'::text) AND (length(email) <= 254))),
    CONSTRAINT users_locale_check CHECK ((locale = ANY (ARRAY['en'::text, 'de'::text, 'fr'::text, 'it'::text]))),
    CONSTRAINT users_password_hash_check CHECK ((password_hash ~~ '$argon2id$%'::text)),
    CONSTRAINT users_status_check CHECK ((status = ANY (ARRAY['active'::text, 'disabled'::text])))
);

ALTER TABLE ONLY kastell.users FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.users OWNER TO kastell_owner;

--
-- Name: visits; Type: TABLE; Schema: kastell; Owner: kastell_owner
--

CREATE TABLE kastell.visits (
    visit_id uuid DEFAULT app.uuidv7() NOT NULL,
    job_id uuid NOT NULL,
    technician_id uuid NOT NULL,
    company_id uuid NOT NULL,
    check_in_at timestamp with time zone DEFAULT now() NOT NULL,
    check_out_at timestamp with time zone,
    notes text,
    recorded_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT visits_check CHECK (((check_out_at IS NULL) OR (check_out_at >= check_in_at))),
    CONSTRAINT visits_notes_check CHECK (
CASE
    WHEN (notes ~~ 'v2:%'::text) THEN (length(notes) <= 30000)
    ELSE (length(notes) <= 5000)
END)
);

ALTER TABLE ONLY kastell.visits FORCE ROW LEVEL SECURITY;

ALTER TABLE kastell.visits OWNER TO kastell_owner;

--
-- Name: schema_migrations; Type: TABLE; Schema: kastell_meta; Owner: kastell_owner
--

CREATE TABLE kastell_meta.schema_migrations (
    version text NOT NULL,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE kastell_meta.schema_migrations OWNER TO kastell_owner;

--
-- Name: chain_default; Type: TABLE ATTACH; Schema: audit; Owner: kastell_owner
--

ALTER TABLE ONLY audit.chain ATTACH PARTITION audit.chain_default DEFAULT;

--
-- Name: events_default; Type: TABLE ATTACH; Schema: audit; Owner: kastell_owner
--

ALTER TABLE ONLY audit.events ATTACH PARTITION audit.events_default DEFAULT;

--
-- Name: chain chain_pkey; Type: CONSTRAINT; Schema: audit; Owner: kastell_owner
--

ALTER TABLE ONLY audit.chain
    ADD CONSTRAINT chain_pkey PRIMARY KEY (seq, event_occurred_at);

--
-- Name: chain_default chain_default_pkey; Type: CONSTRAINT; Schema: audit; Owner: kastell_owner
--

ALTER TABLE ONLY audit.chain_default
    ADD CONSTRAINT chain_default_pkey PRIMARY KEY (seq, event_occurred_at);

--
-- Name: checkpoints checkpoints_pkey; Type: CONSTRAINT; Schema: audit; Owner: kastell_owner
--

ALTER TABLE ONLY audit.checkpoints
    ADD CONSTRAINT checkpoints_pkey PRIMARY KEY (checkpoint_id);

--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: audit; Owner: kastell_owner
--

ALTER TABLE ONLY audit.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (event_id, occurred_at);

--
-- Name: events_default events_default_pkey; Type: CONSTRAINT; Schema: audit; Owner: kastell_owner
--

ALTER TABLE ONLY audit.events_default
    ADD CONSTRAINT events_default_pkey PRIMARY KEY (event_id, occurred_at);

--
-- Name: exports exports_pkey; Type: CONSTRAINT; Schema: audit; Owner: kastell_owner
--

ALTER TABLE ONLY audit.exports
    ADD CONSTRAINT exports_pkey PRIMARY KEY (export_id);

--
-- Name: retention_log retention_log_pkey; Type: CONSTRAINT; Schema: audit; Owner: kastell_owner
--

ALTER TABLE ONLY audit.retention_log
    ADD CONSTRAINT retention_log_pkey PRIMARY KEY (retention_id);

--
-- Name: verifications verifications_pkey; Type: CONSTRAINT; Schema: audit; Owner: kastell_owner
--

ALTER TABLE ONLY audit.verifications
    ADD CONSTRAINT verifications_pkey PRIMARY KEY (verification_id);

--
-- Name: assets assets_asset_id_company_id_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.assets
    ADD CONSTRAINT assets_asset_id_company_id_key UNIQUE (asset_id, company_id);

--
-- Name: assets assets_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.assets
    ADD CONSTRAINT assets_pkey PRIMARY KEY (asset_id);

--
-- Name: auth_challenges auth_challenges_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.auth_challenges
    ADD CONSTRAINT auth_challenges_pkey PRIMARY KEY (token_hash);

--
-- Name: auth_failures auth_failures_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.auth_failures
    ADD CONSTRAINT auth_failures_pkey PRIMARY KEY (auth_failure_id);

--
-- Name: backup_codes backup_codes_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.backup_codes
    ADD CONSTRAINT backup_codes_pkey PRIMARY KEY (user_id, slot);

--
-- Name: bot_challenges bot_challenges_challenge_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.bot_challenges
    ADD CONSTRAINT bot_challenges_challenge_key UNIQUE (challenge);

--
-- Name: bot_challenges bot_challenges_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.bot_challenges
    ADD CONSTRAINT bot_challenges_pkey PRIMARY KEY (bot_challenge_id);

--
-- Name: companies companies_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.companies
    ADD CONSTRAINT companies_pkey PRIMARY KEY (company_id);

--
-- Name: document_versions document_versions_object_key_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.document_versions
    ADD CONSTRAINT document_versions_object_key_key UNIQUE (object_key);

--
-- Name: document_versions document_versions_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.document_versions
    ADD CONSTRAINT document_versions_pkey PRIMARY KEY (version_id);

--
-- Name: documents documents_document_id_job_id_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.documents
    ADD CONSTRAINT documents_document_id_job_id_key UNIQUE (document_id, job_id);

--
-- Name: documents documents_document_id_owner_company_id_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.documents
    ADD CONSTRAINT documents_document_id_owner_company_id_key UNIQUE (document_id, owner_company_id);

--
-- Name: documents documents_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.documents
    ADD CONSTRAINT documents_pkey PRIMARY KEY (document_id);

--
-- Name: email_changes email_changes_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.email_changes
    ADD CONSTRAINT email_changes_pkey PRIMARY KEY (email_change_id);

--
-- Name: email_changes email_changes_token_hash_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.email_changes
    ADD CONSTRAINT email_changes_token_hash_key UNIQUE (token_hash);

--
-- Name: idempotency_keys idempotency_keys_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (user_id, idempotency_key);

--
-- Name: invites invites_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.invites
    ADD CONSTRAINT invites_pkey PRIMARY KEY (invite_id);

--
-- Name: invites invites_token_hash_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.invites
    ADD CONSTRAINT invites_token_hash_key UNIQUE (token_hash);

--
-- Name: job_assets job_assets_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.job_assets
    ADD CONSTRAINT job_assets_pkey PRIMARY KEY (job_id, asset_id);

--
-- Name: job_assignments job_assignments_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.job_assignments
    ADD CONSTRAINT job_assignments_pkey PRIMARY KEY (job_id, technician_id);

--
-- Name: job_message_reads job_message_reads_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.job_message_reads
    ADD CONSTRAINT job_message_reads_pkey PRIMARY KEY (user_id, job_id);

--
-- Name: job_messages job_messages_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.job_messages
    ADD CONSTRAINT job_messages_pkey PRIMARY KEY (message_id);

--
-- Name: job_status_history job_status_history_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.job_status_history
    ADD CONSTRAINT job_status_history_pkey PRIMARY KEY (history_id);

--
-- Name: job_status_transitions job_status_transitions_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.job_status_transitions
    ADD CONSTRAINT job_status_transitions_pkey PRIMARY KEY (from_status, to_status);

--
-- Name: jobs jobs_job_id_company_id_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.jobs
    ADD CONSTRAINT jobs_job_id_company_id_key UNIQUE (job_id, company_id);

--
-- Name: jobs jobs_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.jobs
    ADD CONSTRAINT jobs_pkey PRIMARY KEY (job_id);

--
-- Name: memberships memberships_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.memberships
    ADD CONSTRAINT memberships_pkey PRIMARY KEY (membership_id);

--
-- Name: memberships memberships_user_id_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.memberships
    ADD CONSTRAINT memberships_user_id_key UNIQUE (user_id);

--
-- Name: notifiable_breaches notifiable_breaches_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.notifiable_breaches
    ADD CONSTRAINT notifiable_breaches_pkey PRIMARY KEY (breach_id);

--
-- Name: notification_kinds notification_kinds_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.notification_kinds
    ADD CONSTRAINT notification_kinds_pkey PRIMARY KEY (kind);

--
-- Name: notification_preferences notification_preferences_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.notification_preferences
    ADD CONSTRAINT notification_preferences_pkey PRIMARY KEY (user_id, kind);

--
-- Name: notifications notifications_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.notifications
    ADD CONSTRAINT notifications_pkey PRIMARY KEY (notification_id);

--
-- Name: object_removals object_removals_object_key_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.object_removals
    ADD CONSTRAINT object_removals_object_key_key UNIQUE (object_key);

--
-- Name: object_removals object_removals_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.object_removals
    ADD CONSTRAINT object_removals_pkey PRIMARY KEY (removal_id);

--
-- Name: organisation organisation_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.organisation
    ADD CONSTRAINT organisation_pkey PRIMARY KEY (organisation_id);

--
-- Name: passkeys passkeys_credential_id_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.passkeys
    ADD CONSTRAINT passkeys_credential_id_key UNIQUE (credential_id);

--
-- Name: passkeys passkeys_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.passkeys
    ADD CONSTRAINT passkeys_pkey PRIMARY KEY (passkey_id);

--
-- Name: password_history password_history_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.password_history
    ADD CONSTRAINT password_history_pkey PRIMARY KEY (password_history_id);

--
-- Name: password_reset_tokens password_reset_tokens_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.password_reset_tokens
    ADD CONSTRAINT password_reset_tokens_pkey PRIMARY KEY (password_reset_token_id);

--
-- Name: password_reset_tokens password_reset_tokens_token_hash_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.password_reset_tokens
    ADD CONSTRAINT password_reset_tokens_token_hash_key UNIQUE (token_hash);

--
-- Name: permissions permissions_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.permissions
    ADD CONSTRAINT permissions_pkey PRIMARY KEY (permission_key);

--
-- Name: rate_limit_windows rate_limit_windows_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.rate_limit_windows
    ADD CONSTRAINT rate_limit_windows_pkey PRIMARY KEY (bucket, window_start);

--
-- Name: report_measurements report_measurements_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.report_measurements
    ADD CONSTRAINT report_measurements_pkey PRIMARY KEY (measurement_id);

--
-- Name: report_measurements report_measurements_report_id_position_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.report_measurements
    ADD CONSTRAINT report_measurements_report_id_position_key UNIQUE (report_id, "position");

--
-- Name: report_photos report_photos_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.report_photos
    ADD CONSTRAINT report_photos_pkey PRIMARY KEY (report_id, document_id);

--
-- Name: report_photos report_photos_report_id_position_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.report_photos
    ADD CONSTRAINT report_photos_report_id_position_key UNIQUE (report_id, "position");

--
-- Name: role_permissions role_permissions_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.role_permissions
    ADD CONSTRAINT role_permissions_pkey PRIMARY KEY (role_id, permission_key);

--
-- Name: roles roles_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.roles
    ADD CONSTRAINT roles_pkey PRIMARY KEY (role_id);

--
-- Name: roles roles_role_key_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.roles
    ADD CONSTRAINT roles_role_key_key UNIQUE (role_key);

--
-- Name: service_reports service_reports_job_id_version_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.service_reports
    ADD CONSTRAINT service_reports_job_id_version_key UNIQUE (job_id, version);

--
-- Name: service_reports service_reports_pdf_object_key_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.service_reports
    ADD CONSTRAINT service_reports_pdf_object_key_key UNIQUE (pdf_object_key);

--
-- Name: service_reports service_reports_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.service_reports
    ADD CONSTRAINT service_reports_pkey PRIMARY KEY (report_id);

--
-- Name: service_reports service_reports_report_id_company_id_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.service_reports
    ADD CONSTRAINT service_reports_report_id_company_id_key UNIQUE (report_id, company_id);

--
-- Name: service_reports service_reports_report_id_job_id_company_id_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.service_reports
    ADD CONSTRAINT service_reports_report_id_job_id_company_id_key UNIQUE (report_id, job_id, company_id);

--
-- Name: service_reports service_reports_sealed_object_key_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.service_reports
    ADD CONSTRAINT service_reports_sealed_object_key_key UNIQUE (sealed_object_key);

--
-- Name: service_requests service_requests_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.service_requests
    ADD CONSTRAINT service_requests_pkey PRIMARY KEY (request_id);

--
-- Name: service_requests service_requests_request_id_company_id_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.service_requests
    ADD CONSTRAINT service_requests_request_id_company_id_key UNIQUE (request_id, company_id);

--
-- Name: sessions sessions_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (session_id);

--
-- Name: sessions sessions_token_hash_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.sessions
    ADD CONSTRAINT sessions_token_hash_key UNIQUE (token_hash);

--
-- Name: setup_tokens setup_tokens_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.setup_tokens
    ADD CONSTRAINT setup_tokens_pkey PRIMARY KEY (setup_token_id);

--
-- Name: setup_tokens setup_tokens_token_hash_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.setup_tokens
    ADD CONSTRAINT setup_tokens_token_hash_key UNIQUE (token_hash);

--
-- Name: share_links share_links_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.share_links
    ADD CONSTRAINT share_links_pkey PRIMARY KEY (share_link_id);

--
-- Name: share_links share_links_token_hash_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.share_links
    ADD CONSTRAINT share_links_token_hash_key UNIQUE (token_hash);

--
-- Name: sites sites_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.sites
    ADD CONSTRAINT sites_pkey PRIMARY KEY (site_id);

--
-- Name: sites sites_site_id_company_id_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.sites
    ADD CONSTRAINT sites_site_id_company_id_key UNIQUE (site_id, company_id);

--
-- Name: totp_factors totp_factors_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.totp_factors
    ADD CONSTRAINT totp_factors_pkey PRIMARY KEY (user_id);

--
-- Name: unlock_tokens unlock_tokens_bypass_hash_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.unlock_tokens
    ADD CONSTRAINT unlock_tokens_bypass_hash_key UNIQUE (bypass_hash);

--
-- Name: unlock_tokens unlock_tokens_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.unlock_tokens
    ADD CONSTRAINT unlock_tokens_pkey PRIMARY KEY (unlock_token_id);

--
-- Name: unlock_tokens unlock_tokens_token_hash_key; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.unlock_tokens
    ADD CONSTRAINT unlock_tokens_token_hash_key UNIQUE (token_hash);

--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (user_id);

--
-- Name: visits visits_pkey; Type: CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.visits
    ADD CONSTRAINT visits_pkey PRIMARY KEY (visit_id);

--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: kastell_meta; Owner: kastell_owner
--

ALTER TABLE ONLY kastell_meta.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);

--
-- Name: chain_chained_at_idx; Type: INDEX; Schema: audit; Owner: kastell_owner
--

CREATE INDEX chain_chained_at_idx ON ONLY audit.chain USING btree (chained_at);

--
-- Name: chain_default_chained_at_idx; Type: INDEX; Schema: audit; Owner: kastell_owner
--

CREATE INDEX chain_default_chained_at_idx ON audit.chain_default USING btree (chained_at);

--
-- Name: chain_event_id_idx; Type: INDEX; Schema: audit; Owner: kastell_owner
--

CREATE INDEX chain_event_id_idx ON ONLY audit.chain USING btree (event_id);

--
-- Name: chain_default_event_id_idx; Type: INDEX; Schema: audit; Owner: kastell_owner
--

CREATE INDEX chain_default_event_id_idx ON audit.chain_default USING btree (event_id);

--
-- Name: chain_txid_idx; Type: INDEX; Schema: audit; Owner: kastell_owner
--

CREATE INDEX chain_txid_idx ON ONLY audit.chain USING btree (txid);

--
-- Name: chain_default_txid_idx; Type: INDEX; Schema: audit; Owner: kastell_owner
--

CREATE INDEX chain_default_txid_idx ON audit.chain_default USING btree (txid);

--
-- Name: checkpoints_created_at_idx; Type: INDEX; Schema: audit; Owner: kastell_owner
--

CREATE INDEX checkpoints_created_at_idx ON audit.checkpoints USING btree (created_at DESC);

--
-- Name: events_actor_idx; Type: INDEX; Schema: audit; Owner: kastell_owner
--

CREATE INDEX events_actor_idx ON ONLY audit.events USING btree (actor_id, occurred_at);

--
-- Name: events_company_idx; Type: INDEX; Schema: audit; Owner: kastell_owner
--

CREATE INDEX events_company_idx ON ONLY audit.events USING btree (company_id, occurred_at);

--
-- Name: events_default_actor_id_occurred_at_idx; Type: INDEX; Schema: audit; Owner: kastell_owner
--

CREATE INDEX events_default_actor_id_occurred_at_idx ON audit.events_default USING btree (actor_id, occurred_at);

--
-- Name: events_default_company_id_occurred_at_idx; Type: INDEX; Schema: audit; Owner: kastell_owner
--

CREATE INDEX events_default_company_id_occurred_at_idx ON audit.events_default USING btree (company_id, occurred_at);

--
-- Name: events_share_link_idx; Type: INDEX; Schema: audit; Owner: kastell_owner
--

CREATE INDEX events_share_link_idx ON ONLY audit.events USING btree (((detail ->> 'shareLinkId'::text)), occurred_at) WHERE ((action = 'document.read'::text) AND ((detail ->> 'shareLinkId'::text) IS NOT NULL));

--
-- Name: events_default_expr_occurred_at_idx; Type: INDEX; Schema: audit; Owner: kastell_owner
--

CREATE INDEX events_default_expr_occurred_at_idx ON audit.events_default USING btree (((detail ->> 'shareLinkId'::text)), occurred_at) WHERE ((action = 'document.read'::text) AND ((detail ->> 'shareLinkId'::text) IS NOT NULL));

--
-- Name: events_occurred_at_idx; Type: INDEX; Schema: audit; Owner: kastell_owner
--

CREATE INDEX events_occurred_at_idx ON ONLY audit.events USING btree (occurred_at);

--
-- Name: events_default_occurred_at_idx; Type: INDEX; Schema: audit; Owner: kastell_owner
--

CREATE INDEX events_default_occurred_at_idx ON audit.events_default USING btree (occurred_at);

--
-- Name: events_txid_idx; Type: INDEX; Schema: audit; Owner: kastell_owner
--

CREATE INDEX events_txid_idx ON ONLY audit.events USING btree (txid, ingest_seq);

--
-- Name: events_default_txid_ingest_seq_idx; Type: INDEX; Schema: audit; Owner: kastell_owner
--

CREATE INDEX events_default_txid_ingest_seq_idx ON audit.events_default USING btree (txid, ingest_seq);

--
-- Name: exports_day_idx; Type: INDEX; Schema: audit; Owner: kastell_owner
--

CREATE INDEX exports_day_idx ON audit.exports USING btree (day);

--
-- Name: assets_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX assets_company_id_idx ON kastell.assets USING btree (company_id);

--
-- Name: assets_site_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX assets_site_id_idx ON kastell.assets USING btree (site_id);

--
-- Name: auth_challenges_expires_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX auth_challenges_expires_idx ON kastell.auth_challenges USING btree (expires_at);

--
-- Name: auth_failures_subject_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX auth_failures_subject_idx ON kastell.auth_failures USING btree (subject, created_at);

--
-- Name: bot_challenges_expires_at_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX bot_challenges_expires_at_idx ON kastell.bot_challenges USING btree (expires_at);

--
-- Name: companies_customer_number_key; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE UNIQUE INDEX companies_customer_number_key ON kastell.companies USING btree (customer_number);

--
-- Name: document_versions_document_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX document_versions_document_id_idx ON kastell.document_versions USING btree (document_id, created_at DESC);

--
-- Name: document_versions_owner_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX document_versions_owner_company_id_idx ON kastell.document_versions USING btree (owner_company_id);

--
-- Name: document_versions_uploaded_by_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX document_versions_uploaded_by_idx ON kastell.document_versions USING btree (uploaded_by) WHERE (status <> 'clean'::text);

--
-- Name: documents_asset_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX documents_asset_id_idx ON kastell.documents USING btree (asset_id) WHERE (asset_id IS NOT NULL);

--
-- Name: documents_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX documents_company_id_idx ON kastell.documents USING btree (company_id) WHERE (company_id IS NOT NULL);

--
-- Name: documents_job_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX documents_job_id_idx ON kastell.documents USING btree (job_id) WHERE (job_id IS NOT NULL);

--
-- Name: documents_owner_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX documents_owner_company_id_idx ON kastell.documents USING btree (owner_company_id);

--
-- Name: documents_site_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX documents_site_id_idx ON kastell.documents USING btree (site_id) WHERE (site_id IS NOT NULL);

--
-- Name: email_changes_user_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX email_changes_user_id_idx ON kastell.email_changes USING btree (user_id) WHERE ((confirmed_at IS NULL) AND (voided_at IS NULL));

--
-- Name: idempotency_keys_expires_at_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX idempotency_keys_expires_at_idx ON kastell.idempotency_keys USING btree (expires_at);

--
-- Name: invites_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX invites_company_id_idx ON kastell.invites USING btree (company_id);

--
-- Name: job_assets_asset_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX job_assets_asset_id_idx ON kastell.job_assets USING btree (asset_id);

--
-- Name: job_assets_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX job_assets_company_id_idx ON kastell.job_assets USING btree (company_id);

--
-- Name: job_assignments_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX job_assignments_company_id_idx ON kastell.job_assignments USING btree (company_id);

--
-- Name: job_assignments_technician_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX job_assignments_technician_id_idx ON kastell.job_assignments USING btree (technician_id);

--
-- Name: job_message_reads_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX job_message_reads_company_id_idx ON kastell.job_message_reads USING btree (company_id);

--
-- Name: job_message_reads_job_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX job_message_reads_job_id_idx ON kastell.job_message_reads USING btree (job_id);

--
-- Name: job_messages_author_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX job_messages_author_id_idx ON kastell.job_messages USING btree (author_id);

--
-- Name: job_messages_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX job_messages_company_id_idx ON kastell.job_messages USING btree (company_id);

--
-- Name: job_messages_job_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX job_messages_job_id_idx ON kastell.job_messages USING btree (job_id, created_at);

--
-- Name: job_status_history_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX job_status_history_company_id_idx ON kastell.job_status_history USING btree (company_id);

--
-- Name: job_status_history_job_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX job_status_history_job_id_idx ON kastell.job_status_history USING btree (job_id, changed_at);

--
-- Name: jobs_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX jobs_company_id_idx ON kastell.jobs USING btree (company_id, created_at DESC);

--
-- Name: jobs_list_order_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX jobs_list_order_idx ON kastell.jobs USING btree (COALESCE(planned_start, created_at) DESC, job_id);

--
-- Name: jobs_request_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX jobs_request_id_idx ON kastell.jobs USING btree (request_id);

--
-- Name: jobs_site_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX jobs_site_id_idx ON kastell.jobs USING btree (site_id);

--
-- Name: jobs_status_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX jobs_status_idx ON kastell.jobs USING btree (status);

--
-- Name: memberships_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX memberships_company_id_idx ON kastell.memberships USING btree (company_id);

--
-- Name: memberships_role_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX memberships_role_id_idx ON kastell.memberships USING btree (role_id);

--
-- Name: notifiable_breaches_discovered_on_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX notifiable_breaches_discovered_on_idx ON kastell.notifiable_breaches USING btree (discovered_on DESC);

--
-- Name: notifiable_breaches_entered_by_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX notifiable_breaches_entered_by_idx ON kastell.notifiable_breaches USING btree (entered_by);

--
-- Name: notifications_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX notifications_company_id_idx ON kastell.notifications USING btree (company_id);

--
-- Name: notifications_job_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX notifications_job_id_idx ON kastell.notifications USING btree (job_id);

--
-- Name: notifications_mail_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX notifications_mail_idx ON kastell.notifications USING btree (created_at) WHERE (mail_status = ANY (ARRAY['pending'::text, 'sending'::text]));

--
-- Name: notifications_request_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX notifications_request_id_idx ON kastell.notifications USING btree (request_id);

--
-- Name: notifications_unread_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX notifications_unread_idx ON kastell.notifications USING btree (user_id) WHERE ((read_at IS NULL) AND in_app);

--
-- Name: notifications_user_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX notifications_user_id_idx ON kastell.notifications USING btree (user_id, created_at DESC);

--
-- Name: object_removals_due_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX object_removals_due_idx ON kastell.object_removals USING btree (COALESCE(not_before, queued_at), removal_id);

--
-- Name: passkeys_user_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX passkeys_user_id_idx ON kastell.passkeys USING btree (user_id);

--
-- Name: password_history_user_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX password_history_user_id_idx ON kastell.password_history USING btree (user_id, created_at DESC);

--
-- Name: password_reset_tokens_open_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX password_reset_tokens_open_idx ON kastell.password_reset_tokens USING btree (user_id) WHERE ((used_at IS NULL) AND (voided_at IS NULL));

--
-- Name: rate_limit_windows_window_start_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX rate_limit_windows_window_start_idx ON kastell.rate_limit_windows USING btree (window_start);

--
-- Name: report_measurements_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX report_measurements_company_id_idx ON kastell.report_measurements USING btree (company_id);

--
-- Name: report_photos_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX report_photos_company_id_idx ON kastell.report_photos USING btree (company_id);

--
-- Name: report_photos_document_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX report_photos_document_id_idx ON kastell.report_photos USING btree (document_id);

--
-- Name: role_permissions_permission_key_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX role_permissions_permission_key_idx ON kastell.role_permissions USING btree (permission_key);

--
-- Name: roles_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX roles_company_id_idx ON kastell.roles USING btree (company_id);

--
-- Name: roles_company_name_key; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE UNIQUE INDEX roles_company_name_key ON kastell.roles USING btree (company_id, lower(name));

--
-- Name: service_reports_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX service_reports_company_id_idx ON kastell.service_reports USING btree (company_id);

--
-- Name: service_reports_one_open_per_job; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE UNIQUE INDEX service_reports_one_open_per_job ON kastell.service_reports USING btree (job_id) WHERE (status = ANY (ARRAY['draft'::text, 'frozen'::text]));

--
-- Name: service_requests_asset_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX service_requests_asset_id_idx ON kastell.service_requests USING btree (asset_id);

--
-- Name: service_requests_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX service_requests_company_id_idx ON kastell.service_requests USING btree (company_id, created_at DESC);

--
-- Name: service_requests_raised_by_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX service_requests_raised_by_idx ON kastell.service_requests USING btree (raised_by);

--
-- Name: service_requests_site_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX service_requests_site_id_idx ON kastell.service_requests USING btree (site_id);

--
-- Name: sessions_active_user_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX sessions_active_user_idx ON kastell.sessions USING btree (user_id) WHERE (ended_at IS NULL);

--
-- Name: sessions_user_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX sessions_user_id_idx ON kastell.sessions USING btree (user_id);

--
-- Name: share_links_document_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX share_links_document_id_idx ON kastell.share_links USING btree (document_id);

--
-- Name: share_links_owner_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX share_links_owner_company_id_idx ON kastell.share_links USING btree (owner_company_id);

--
-- Name: sites_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX sites_company_id_idx ON kastell.sites USING btree (company_id);

--
-- Name: unlock_tokens_user_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX unlock_tokens_user_id_idx ON kastell.unlock_tokens USING btree (user_id, created_at);

--
-- Name: users_email_key; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE UNIQUE INDEX users_email_key ON kastell.users USING btree (lower(email));

--
-- Name: visits_company_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX visits_company_id_idx ON kastell.visits USING btree (company_id);

--
-- Name: visits_one_open_per_technician; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE UNIQUE INDEX visits_one_open_per_technician ON kastell.visits USING btree (job_id, technician_id) WHERE (check_out_at IS NULL);

--
-- Name: visits_technician_id_idx; Type: INDEX; Schema: kastell; Owner: kastell_owner
--

CREATE INDEX visits_technician_id_idx ON kastell.visits USING btree (technician_id);

--
-- Name: chain_default_chained_at_idx; Type: INDEX ATTACH; Schema: audit; Owner: kastell_owner
--

ALTER INDEX audit.chain_chained_at_idx ATTACH PARTITION audit.chain_default_chained_at_idx;

--
-- Name: chain_default_event_id_idx; Type: INDEX ATTACH; Schema: audit; Owner: kastell_owner
--

ALTER INDEX audit.chain_event_id_idx ATTACH PARTITION audit.chain_default_event_id_idx;

--
-- Name: chain_default_pkey; Type: INDEX ATTACH; Schema: audit; Owner: kastell_owner
--

ALTER INDEX audit.chain_pkey ATTACH PARTITION audit.chain_default_pkey;

--
-- Name: chain_default_txid_idx; Type: INDEX ATTACH; Schema: audit; Owner: kastell_owner
--

ALTER INDEX audit.chain_txid_idx ATTACH PARTITION audit.chain_default_txid_idx;

--
-- Name: events_default_actor_id_occurred_at_idx; Type: INDEX ATTACH; Schema: audit; Owner: kastell_owner
--

ALTER INDEX audit.events_actor_idx ATTACH PARTITION audit.events_default_actor_id_occurred_at_idx;

--
-- Name: events_default_company_id_occurred_at_idx; Type: INDEX ATTACH; Schema: audit; Owner: kastell_owner
--

ALTER INDEX audit.events_company_idx ATTACH PARTITION audit.events_default_company_id_occurred_at_idx;

--
-- Name: events_default_expr_occurred_at_idx; Type: INDEX ATTACH; Schema: audit; Owner: kastell_owner
--

ALTER INDEX audit.events_share_link_idx ATTACH PARTITION audit.events_default_expr_occurred_at_idx;

--
-- Name: events_default_occurred_at_idx; Type: INDEX ATTACH; Schema: audit; Owner: kastell_owner
--

ALTER INDEX audit.events_occurred_at_idx ATTACH PARTITION audit.events_default_occurred_at_idx;

--
-- Name: events_default_pkey; Type: INDEX ATTACH; Schema: audit; Owner: kastell_owner
--

ALTER INDEX audit.events_pkey ATTACH PARTITION audit.events_default_pkey;

--
-- Name: events_default_txid_ingest_seq_idx; Type: INDEX ATTACH; Schema: audit; Owner: kastell_owner
--

ALTER INDEX audit.events_txid_idx ATTACH PARTITION audit.events_default_txid_ingest_seq_idx;

--
-- Name: chain chain_append_only; Type: TRIGGER; Schema: audit; Owner: kastell_owner
--

CREATE TRIGGER chain_append_only BEFORE DELETE OR UPDATE ON audit.chain FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

--
-- Name: chain chain_no_truncate; Type: TRIGGER; Schema: audit; Owner: kastell_owner
--

CREATE TRIGGER chain_no_truncate BEFORE TRUNCATE ON audit.chain FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

--
-- Name: checkpoints checkpoints_append_only; Type: TRIGGER; Schema: audit; Owner: kastell_owner
--

CREATE TRIGGER checkpoints_append_only BEFORE DELETE OR UPDATE ON audit.checkpoints FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

--
-- Name: checkpoints checkpoints_no_truncate; Type: TRIGGER; Schema: audit; Owner: kastell_owner
--

CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON audit.checkpoints FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

--
-- Name: events events_append_only; Type: TRIGGER; Schema: audit; Owner: kastell_owner
--

CREATE TRIGGER events_append_only BEFORE DELETE OR UPDATE ON audit.events FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

--
-- Name: events events_no_truncate; Type: TRIGGER; Schema: audit; Owner: kastell_owner
--

CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON audit.events FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

--
-- Name: exports exports_append_only; Type: TRIGGER; Schema: audit; Owner: kastell_owner
--

CREATE TRIGGER exports_append_only BEFORE DELETE OR UPDATE ON audit.exports FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

--
-- Name: exports exports_no_truncate; Type: TRIGGER; Schema: audit; Owner: kastell_owner
--

CREATE TRIGGER exports_no_truncate BEFORE TRUNCATE ON audit.exports FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

--
-- Name: chain_default no_truncate; Type: TRIGGER; Schema: audit; Owner: kastell_owner
--

CREATE TRIGGER no_truncate BEFORE TRUNCATE ON audit.chain_default FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

--
-- Name: events_default no_truncate; Type: TRIGGER; Schema: audit; Owner: kastell_owner
--

CREATE TRIGGER no_truncate BEFORE TRUNCATE ON audit.events_default FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

--
-- Name: retention_log retention_log_append_only; Type: TRIGGER; Schema: audit; Owner: kastell_owner
--

CREATE TRIGGER retention_log_append_only BEFORE DELETE OR UPDATE ON audit.retention_log FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

--
-- Name: retention_log retention_log_no_truncate; Type: TRIGGER; Schema: audit; Owner: kastell_owner
--

CREATE TRIGGER retention_log_no_truncate BEFORE TRUNCATE ON audit.retention_log FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

--
-- Name: signing_start signing_start_append_only; Type: TRIGGER; Schema: audit; Owner: kastell_owner
--

CREATE TRIGGER signing_start_append_only BEFORE DELETE OR UPDATE ON audit.signing_start FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

--
-- Name: signing_start signing_start_no_truncate; Type: TRIGGER; Schema: audit; Owner: kastell_owner
--

CREATE TRIGGER signing_start_no_truncate BEFORE TRUNCATE ON audit.signing_start FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

--
-- Name: verifications verifications_append_only; Type: TRIGGER; Schema: audit; Owner: kastell_owner
--

CREATE TRIGGER verifications_append_only BEFORE DELETE OR UPDATE ON audit.verifications FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

--
-- Name: verifications verifications_no_truncate; Type: TRIGGER; Schema: audit; Owner: kastell_owner
--

CREATE TRIGGER verifications_no_truncate BEFORE TRUNCATE ON audit.verifications FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

--
-- Name: assets assets_touch; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER assets_touch BEFORE UPDATE ON kastell.assets FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

--
-- Name: companies companies_touch; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER companies_touch BEFORE UPDATE ON kastell.companies FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

--
-- Name: document_versions document_versions_queue_object_removals; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER document_versions_queue_object_removals AFTER DELETE ON kastell.document_versions REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION app.queue_object_removals();

--
-- Name: documents documents_touch; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER documents_touch BEFORE UPDATE ON kastell.documents FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

--
-- Name: invites invites_check_change; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER invites_check_change BEFORE INSERT OR UPDATE ON kastell.invites FOR EACH ROW EXECUTE FUNCTION app.check_invite_change();

--
-- Name: invites invites_check_role; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER invites_check_role BEFORE INSERT OR UPDATE ON kastell.invites FOR EACH ROW EXECUTE FUNCTION app.check_membership_role();

--
-- Name: job_assignments job_assignments_check; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER job_assignments_check BEFORE INSERT OR UPDATE ON kastell.job_assignments FOR EACH ROW EXECUTE FUNCTION app.check_job_assignment();

--
-- Name: job_assignments job_assignments_keep_last; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER job_assignments_keep_last BEFORE DELETE ON kastell.job_assignments FOR EACH ROW EXECUTE FUNCTION app.keep_last_technician();

--
-- Name: job_status_history job_status_history_append_only; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER job_status_history_append_only BEFORE DELETE OR UPDATE ON kastell.job_status_history FOR EACH ROW EXECUTE FUNCTION app.refuse_history_change();

--
-- Name: job_status_history job_status_history_no_truncate; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER job_status_history_no_truncate BEFORE TRUNCATE ON kastell.job_status_history FOR EACH STATEMENT EXECUTE FUNCTION app.refuse_history_change();

--
-- Name: jobs jobs_check_status; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER jobs_check_status BEFORE INSERT OR UPDATE ON kastell.jobs FOR EACH ROW EXECUTE FUNCTION app.check_job_status();

--
-- Name: jobs jobs_record_status; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER jobs_record_status AFTER INSERT OR UPDATE OF status ON kastell.jobs FOR EACH ROW EXECUTE FUNCTION app.record_job_status();

--
-- Name: jobs jobs_touch; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER jobs_touch BEFORE UPDATE ON kastell.jobs FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

--
-- Name: memberships memberships_changed; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER memberships_changed AFTER DELETE OR UPDATE ON kastell.memberships FOR EACH ROW EXECUTE FUNCTION app.memberships_changed();

--
-- Name: memberships memberships_check_expiry; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER memberships_check_expiry BEFORE INSERT OR UPDATE ON kastell.memberships FOR EACH ROW EXECUTE FUNCTION app.check_membership_expiry();

--
-- Name: memberships memberships_check_role; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER memberships_check_role BEFORE INSERT OR UPDATE ON kastell.memberships FOR EACH ROW EXECUTE FUNCTION app.check_membership_role();

--
-- Name: notifiable_breaches notifiable_breaches_touch; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER notifiable_breaches_touch BEFORE UPDATE ON kastell.notifiable_breaches FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

--
-- Name: notification_preferences notification_preferences_touch; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER notification_preferences_touch BEFORE UPDATE ON kastell.notification_preferences FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

--
-- Name: passkeys passkeys_changed; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER passkeys_changed AFTER INSERT OR DELETE ON kastell.passkeys FOR EACH ROW EXECUTE FUNCTION app.factor_changed();

--
-- Name: permissions permissions_assignable; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER permissions_assignable BEFORE UPDATE ON kastell.permissions FOR EACH ROW EXECUTE FUNCTION app.check_permission_assignable();

--
-- Name: report_measurements report_measurements_check; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER report_measurements_check BEFORE INSERT OR DELETE OR UPDATE ON kastell.report_measurements FOR EACH ROW EXECUTE FUNCTION app.check_report_part_change();

--
-- Name: report_photos report_photos_check; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER report_photos_check BEFORE INSERT OR DELETE OR UPDATE ON kastell.report_photos FOR EACH ROW EXECUTE FUNCTION app.check_report_part_change();

--
-- Name: role_permissions role_permissions_customer_scope; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER role_permissions_customer_scope BEFORE INSERT OR UPDATE ON kastell.role_permissions FOR EACH ROW EXECUTE FUNCTION app.check_role_permission();

--
-- Name: role_permissions role_permissions_deleted; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER role_permissions_deleted AFTER DELETE ON kastell.role_permissions REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION app.role_permissions_changed();

--
-- Name: role_permissions role_permissions_inserted; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER role_permissions_inserted AFTER INSERT ON kastell.role_permissions REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION app.role_permissions_changed();

--
-- Name: role_permissions role_permissions_updated; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER role_permissions_updated AFTER UPDATE ON kastell.role_permissions REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION app.role_permissions_changed();

--
-- Name: service_reports service_reports_check; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER service_reports_check BEFORE INSERT OR DELETE OR UPDATE ON kastell.service_reports FOR EACH ROW EXECUTE FUNCTION app.check_report_change();

--
-- Name: service_reports service_reports_follow; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER service_reports_follow AFTER INSERT OR UPDATE OF status ON kastell.service_reports FOR EACH ROW EXECUTE FUNCTION app.follow_report();

--
-- Name: service_reports service_reports_touch; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER service_reports_touch BEFORE UPDATE ON kastell.service_reports FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

--
-- Name: service_requests service_requests_check_status; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER service_requests_check_status BEFORE INSERT OR UPDATE ON kastell.service_requests FOR EACH ROW EXECUTE FUNCTION app.check_request_status();

--
-- Name: service_requests service_requests_touch; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER service_requests_touch BEFORE UPDATE ON kastell.service_requests FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

--
-- Name: sessions sessions_void_password_resets; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER sessions_void_password_resets AFTER INSERT ON kastell.sessions FOR EACH ROW EXECUTE FUNCTION app.sessions_void_password_resets();

--
-- Name: sites sites_touch; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER sites_touch BEFORE UPDATE ON kastell.sites FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

--
-- Name: totp_factors totp_factors_changed; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER totp_factors_changed AFTER INSERT OR DELETE OR UPDATE ON kastell.totp_factors FOR EACH ROW EXECUTE FUNCTION app.factor_changed();

--
-- Name: users users_first_password; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER users_first_password AFTER INSERT ON kastell.users FOR EACH ROW EXECUTE FUNCTION app.users_first_password();

--
-- Name: users users_identity_changed; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER users_identity_changed AFTER UPDATE OF password_hash, status ON kastell.users FOR EACH ROW EXECUTE FUNCTION app.users_identity_changed();

--
-- Name: users users_touch; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER users_touch BEFORE UPDATE ON kastell.users FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

--
-- Name: visits visits_touch; Type: TRIGGER; Schema: kastell; Owner: kastell_owner
--

CREATE TRIGGER visits_touch BEFORE UPDATE ON kastell.visits FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

--
-- Name: assets assets_site_id_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.assets
    ADD CONSTRAINT assets_site_id_company_id_fkey FOREIGN KEY (site_id, company_id) REFERENCES kastell.sites(site_id, company_id) ON DELETE CASCADE;

--
-- Name: auth_challenges auth_challenges_user_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.auth_challenges
    ADD CONSTRAINT auth_challenges_user_id_fkey FOREIGN KEY (user_id) REFERENCES kastell.users(user_id) ON DELETE CASCADE;

--
-- Name: backup_codes backup_codes_user_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.backup_codes
    ADD CONSTRAINT backup_codes_user_id_fkey FOREIGN KEY (user_id) REFERENCES kastell.users(user_id) ON DELETE CASCADE;

--
-- Name: document_versions document_versions_document_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.document_versions
    ADD CONSTRAINT document_versions_document_id_fkey FOREIGN KEY (document_id) REFERENCES kastell.documents(document_id) ON DELETE CASCADE;

--
-- Name: document_versions document_versions_document_id_owner_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.document_versions
    ADD CONSTRAINT document_versions_document_id_owner_company_id_fkey FOREIGN KEY (document_id, owner_company_id) REFERENCES kastell.documents(document_id, owner_company_id) ON DELETE CASCADE;

--
-- Name: document_versions document_versions_uploaded_by_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.document_versions
    ADD CONSTRAINT document_versions_uploaded_by_fkey FOREIGN KEY (uploaded_by) REFERENCES kastell.users(user_id) ON DELETE SET NULL;

--
-- Name: documents documents_asset_id_owner_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.documents
    ADD CONSTRAINT documents_asset_id_owner_company_id_fkey FOREIGN KEY (asset_id, owner_company_id) REFERENCES kastell.assets(asset_id, company_id) ON DELETE CASCADE;

--
-- Name: documents documents_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.documents
    ADD CONSTRAINT documents_company_id_fkey FOREIGN KEY (company_id) REFERENCES kastell.companies(company_id) ON DELETE CASCADE;

--
-- Name: documents documents_created_by_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.documents
    ADD CONSTRAINT documents_created_by_fkey FOREIGN KEY (created_by) REFERENCES kastell.users(user_id) ON DELETE SET NULL;

--
-- Name: documents documents_job_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.documents
    ADD CONSTRAINT documents_job_id_fkey FOREIGN KEY (job_id, owner_company_id) REFERENCES kastell.jobs(job_id, company_id);

--
-- Name: documents documents_owner_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.documents
    ADD CONSTRAINT documents_owner_company_id_fkey FOREIGN KEY (owner_company_id) REFERENCES kastell.companies(company_id) ON DELETE CASCADE;

--
-- Name: documents documents_site_id_owner_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.documents
    ADD CONSTRAINT documents_site_id_owner_company_id_fkey FOREIGN KEY (site_id, owner_company_id) REFERENCES kastell.sites(site_id, company_id) ON DELETE CASCADE;

--
-- Name: email_changes email_changes_user_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.email_changes
    ADD CONSTRAINT email_changes_user_id_fkey FOREIGN KEY (user_id) REFERENCES kastell.users(user_id) ON DELETE CASCADE;

--
-- Name: idempotency_keys idempotency_keys_user_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.idempotency_keys
    ADD CONSTRAINT idempotency_keys_user_id_fkey FOREIGN KEY (user_id) REFERENCES kastell.users(user_id) ON DELETE CASCADE;

--
-- Name: invites invites_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.invites
    ADD CONSTRAINT invites_company_id_fkey FOREIGN KEY (company_id) REFERENCES kastell.companies(company_id) ON DELETE CASCADE;

--
-- Name: invites invites_invited_by_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.invites
    ADD CONSTRAINT invites_invited_by_fkey FOREIGN KEY (invited_by) REFERENCES kastell.users(user_id) ON DELETE SET NULL;

--
-- Name: invites invites_role_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.invites
    ADD CONSTRAINT invites_role_id_fkey FOREIGN KEY (role_id) REFERENCES kastell.roles(role_id);

--
-- Name: job_assets job_assets_asset_id_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.job_assets
    ADD CONSTRAINT job_assets_asset_id_company_id_fkey FOREIGN KEY (asset_id, company_id) REFERENCES kastell.assets(asset_id, company_id) ON DELETE CASCADE;

--
-- Name: job_assets job_assets_job_id_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.job_assets
    ADD CONSTRAINT job_assets_job_id_company_id_fkey FOREIGN KEY (job_id, company_id) REFERENCES kastell.jobs(job_id, company_id) ON DELETE CASCADE;

--
-- Name: job_assignments job_assignments_assigned_by_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.job_assignments
    ADD CONSTRAINT job_assignments_assigned_by_fkey FOREIGN KEY (assigned_by) REFERENCES kastell.users(user_id) ON DELETE SET NULL;

--
-- Name: job_assignments job_assignments_job_id_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.job_assignments
    ADD CONSTRAINT job_assignments_job_id_company_id_fkey FOREIGN KEY (job_id, company_id) REFERENCES kastell.jobs(job_id, company_id) ON DELETE CASCADE;

--
-- Name: job_assignments job_assignments_technician_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.job_assignments
    ADD CONSTRAINT job_assignments_technician_id_fkey FOREIGN KEY (technician_id) REFERENCES kastell.users(user_id);

--
-- Name: job_message_reads job_message_reads_job_id_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.job_message_reads
    ADD CONSTRAINT job_message_reads_job_id_company_id_fkey FOREIGN KEY (job_id, company_id) REFERENCES kastell.jobs(job_id, company_id) ON DELETE CASCADE;

--
-- Name: job_message_reads job_message_reads_user_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.job_message_reads
    ADD CONSTRAINT job_message_reads_user_id_fkey FOREIGN KEY (user_id) REFERENCES kastell.users(user_id) ON DELETE CASCADE;

--
-- Name: job_messages job_messages_author_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.job_messages
    ADD CONSTRAINT job_messages_author_id_fkey FOREIGN KEY (author_id) REFERENCES kastell.users(user_id) ON DELETE SET NULL;

--
-- Name: job_messages job_messages_job_id_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.job_messages
    ADD CONSTRAINT job_messages_job_id_company_id_fkey FOREIGN KEY (job_id, company_id) REFERENCES kastell.jobs(job_id, company_id) ON DELETE CASCADE;

--
-- Name: job_status_history job_status_history_job_id_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.job_status_history
    ADD CONSTRAINT job_status_history_job_id_company_id_fkey FOREIGN KEY (job_id, company_id) REFERENCES kastell.jobs(job_id, company_id);

--
-- Name: jobs jobs_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.jobs
    ADD CONSTRAINT jobs_company_id_fkey FOREIGN KEY (company_id) REFERENCES kastell.companies(company_id);

--
-- Name: jobs jobs_created_by_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.jobs
    ADD CONSTRAINT jobs_created_by_fkey FOREIGN KEY (created_by) REFERENCES kastell.users(user_id) ON DELETE SET NULL;

--
-- Name: jobs jobs_request_id_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.jobs
    ADD CONSTRAINT jobs_request_id_company_id_fkey FOREIGN KEY (request_id, company_id) REFERENCES kastell.service_requests(request_id, company_id) ON DELETE SET NULL (request_id);

--
-- Name: jobs jobs_site_id_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.jobs
    ADD CONSTRAINT jobs_site_id_company_id_fkey FOREIGN KEY (site_id, company_id) REFERENCES kastell.sites(site_id, company_id);

--
-- Name: memberships memberships_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.memberships
    ADD CONSTRAINT memberships_company_id_fkey FOREIGN KEY (company_id) REFERENCES kastell.companies(company_id) ON DELETE CASCADE;

--
-- Name: memberships memberships_role_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.memberships
    ADD CONSTRAINT memberships_role_id_fkey FOREIGN KEY (role_id) REFERENCES kastell.roles(role_id);

--
-- Name: memberships memberships_user_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.memberships
    ADD CONSTRAINT memberships_user_id_fkey FOREIGN KEY (user_id) REFERENCES kastell.users(user_id) ON DELETE CASCADE;

--
-- Name: notifiable_breaches notifiable_breaches_entered_by_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.notifiable_breaches
    ADD CONSTRAINT notifiable_breaches_entered_by_fkey FOREIGN KEY (entered_by) REFERENCES kastell.users(user_id) ON DELETE SET NULL;

--
-- Name: notification_kinds notification_kinds_permission_key_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.notification_kinds
    ADD CONSTRAINT notification_kinds_permission_key_fkey FOREIGN KEY (permission_key) REFERENCES kastell.permissions(permission_key);

--
-- Name: notification_preferences notification_preferences_kind_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.notification_preferences
    ADD CONSTRAINT notification_preferences_kind_fkey FOREIGN KEY (kind) REFERENCES kastell.notification_kinds(kind);

--
-- Name: notification_preferences notification_preferences_user_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.notification_preferences
    ADD CONSTRAINT notification_preferences_user_id_fkey FOREIGN KEY (user_id) REFERENCES kastell.users(user_id) ON DELETE CASCADE;

--
-- Name: notifications notifications_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.notifications
    ADD CONSTRAINT notifications_company_id_fkey FOREIGN KEY (company_id) REFERENCES kastell.companies(company_id) ON DELETE CASCADE;

--
-- Name: notifications notifications_job_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.notifications
    ADD CONSTRAINT notifications_job_id_fkey FOREIGN KEY (job_id) REFERENCES kastell.jobs(job_id) ON DELETE CASCADE;

--
-- Name: notifications notifications_kind_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.notifications
    ADD CONSTRAINT notifications_kind_fkey FOREIGN KEY (kind) REFERENCES kastell.notification_kinds(kind);

--
-- Name: notifications notifications_request_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.notifications
    ADD CONSTRAINT notifications_request_id_fkey FOREIGN KEY (request_id) REFERENCES kastell.service_requests(request_id) ON DELETE CASCADE;

--
-- Name: notifications notifications_user_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.notifications
    ADD CONSTRAINT notifications_user_id_fkey FOREIGN KEY (user_id) REFERENCES kastell.users(user_id) ON DELETE CASCADE;

--
-- Name: passkeys passkeys_user_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.passkeys
    ADD CONSTRAINT passkeys_user_id_fkey FOREIGN KEY (user_id) REFERENCES kastell.users(user_id) ON DELETE CASCADE;

--
-- Name: password_history password_history_user_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.password_history
    ADD CONSTRAINT password_history_user_id_fkey FOREIGN KEY (user_id) REFERENCES kastell.users(user_id) ON DELETE CASCADE;

--
-- Name: password_reset_tokens password_reset_tokens_user_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.password_reset_tokens
    ADD CONSTRAINT password_reset_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES kastell.users(user_id) ON DELETE CASCADE;

--
-- Name: report_measurements report_measurements_report_id_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.report_measurements
    ADD CONSTRAINT report_measurements_report_id_company_id_fkey FOREIGN KEY (report_id, company_id) REFERENCES kastell.service_reports(report_id, company_id);

--
-- Name: report_photos report_photos_document_id_job_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.report_photos
    ADD CONSTRAINT report_photos_document_id_job_id_fkey FOREIGN KEY (document_id, job_id) REFERENCES kastell.documents(document_id, job_id);

--
-- Name: report_photos report_photos_report_id_job_id_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.report_photos
    ADD CONSTRAINT report_photos_report_id_job_id_company_id_fkey FOREIGN KEY (report_id, job_id, company_id) REFERENCES kastell.service_reports(report_id, job_id, company_id);

--
-- Name: role_permissions role_permissions_permission_key_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.role_permissions
    ADD CONSTRAINT role_permissions_permission_key_fkey FOREIGN KEY (permission_key) REFERENCES kastell.permissions(permission_key);

--
-- Name: role_permissions role_permissions_role_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.role_permissions
    ADD CONSTRAINT role_permissions_role_id_fkey FOREIGN KEY (role_id) REFERENCES kastell.roles(role_id) ON DELETE CASCADE;

--
-- Name: roles roles_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.roles
    ADD CONSTRAINT roles_company_id_fkey FOREIGN KEY (company_id) REFERENCES kastell.companies(company_id) ON DELETE CASCADE;

--
-- Name: service_reports service_reports_created_by_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.service_reports
    ADD CONSTRAINT service_reports_created_by_fkey FOREIGN KEY (created_by) REFERENCES kastell.users(user_id) ON DELETE SET NULL;

--
-- Name: service_reports service_reports_job_id_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.service_reports
    ADD CONSTRAINT service_reports_job_id_company_id_fkey FOREIGN KEY (job_id, company_id) REFERENCES kastell.jobs(job_id, company_id);

--
-- Name: service_requests service_requests_asset_id_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.service_requests
    ADD CONSTRAINT service_requests_asset_id_company_id_fkey FOREIGN KEY (asset_id, company_id) REFERENCES kastell.assets(asset_id, company_id) ON DELETE SET NULL (asset_id);

--
-- Name: service_requests service_requests_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.service_requests
    ADD CONSTRAINT service_requests_company_id_fkey FOREIGN KEY (company_id) REFERENCES kastell.companies(company_id) ON DELETE CASCADE;

--
-- Name: service_requests service_requests_raised_by_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.service_requests
    ADD CONSTRAINT service_requests_raised_by_fkey FOREIGN KEY (raised_by) REFERENCES kastell.users(user_id) ON DELETE SET NULL;

--
-- Name: service_requests service_requests_site_id_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.service_requests
    ADD CONSTRAINT service_requests_site_id_company_id_fkey FOREIGN KEY (site_id, company_id) REFERENCES kastell.sites(site_id, company_id) ON DELETE CASCADE;

--
-- Name: sessions sessions_user_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.sessions
    ADD CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES kastell.users(user_id) ON DELETE CASCADE;

--
-- Name: share_links share_links_created_by_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.share_links
    ADD CONSTRAINT share_links_created_by_fkey FOREIGN KEY (created_by) REFERENCES kastell.users(user_id) ON DELETE CASCADE;

--
-- Name: share_links share_links_document_id_owner_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.share_links
    ADD CONSTRAINT share_links_document_id_owner_company_id_fkey FOREIGN KEY (document_id, owner_company_id) REFERENCES kastell.documents(document_id, owner_company_id) ON DELETE CASCADE;

--
-- Name: share_links share_links_revoked_by_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.share_links
    ADD CONSTRAINT share_links_revoked_by_fkey FOREIGN KEY (revoked_by) REFERENCES kastell.users(user_id) ON DELETE SET NULL;

--
-- Name: sites sites_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.sites
    ADD CONSTRAINT sites_company_id_fkey FOREIGN KEY (company_id) REFERENCES kastell.companies(company_id) ON DELETE CASCADE;

--
-- Name: totp_factors totp_factors_user_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.totp_factors
    ADD CONSTRAINT totp_factors_user_id_fkey FOREIGN KEY (user_id) REFERENCES kastell.users(user_id) ON DELETE CASCADE;

--
-- Name: unlock_tokens unlock_tokens_user_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.unlock_tokens
    ADD CONSTRAINT unlock_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES kastell.users(user_id) ON DELETE CASCADE;

--
-- Name: visits visits_job_id_company_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.visits
    ADD CONSTRAINT visits_job_id_company_id_fkey FOREIGN KEY (job_id, company_id) REFERENCES kastell.jobs(job_id, company_id) ON DELETE CASCADE;

--
-- Name: visits visits_job_id_technician_id_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.visits
    ADD CONSTRAINT visits_job_id_technician_id_fkey FOREIGN KEY (job_id, technician_id) REFERENCES kastell.job_assignments(job_id, technician_id);

--
-- Name: visits visits_recorded_by_fkey; Type: FK CONSTRAINT; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE ONLY kastell.visits
    ADD CONSTRAINT visits_recorded_by_fkey FOREIGN KEY (recorded_by) REFERENCES kastell.users(user_id) ON DELETE SET NULL;

--
-- Name: chain audit_writer; Type: POLICY; Schema: audit; Owner: kastell_owner
--

CREATE POLICY audit_writer ON audit.chain TO kastell_audit USING (true) WITH CHECK (true);

--
-- Name: chain_default audit_writer; Type: POLICY; Schema: audit; Owner: kastell_owner
--

CREATE POLICY audit_writer ON audit.chain_default TO kastell_audit USING (true) WITH CHECK (true);

--
-- Name: checkpoints audit_writer; Type: POLICY; Schema: audit; Owner: kastell_owner
--

CREATE POLICY audit_writer ON audit.checkpoints TO kastell_audit USING (true) WITH CHECK (true);

--
-- Name: events audit_writer; Type: POLICY; Schema: audit; Owner: kastell_owner
--

CREATE POLICY audit_writer ON audit.events TO kastell_audit USING (true) WITH CHECK (true);

--
-- Name: events_default audit_writer; Type: POLICY; Schema: audit; Owner: kastell_owner
--

CREATE POLICY audit_writer ON audit.events_default TO kastell_audit USING (true) WITH CHECK (true);

--
-- Name: exports audit_writer; Type: POLICY; Schema: audit; Owner: kastell_owner
--

CREATE POLICY audit_writer ON audit.exports TO kastell_audit USING (true) WITH CHECK (true);

--
-- Name: retention_log audit_writer; Type: POLICY; Schema: audit; Owner: kastell_owner
--

CREATE POLICY audit_writer ON audit.retention_log TO kastell_audit USING (true) WITH CHECK (true);

--
-- Name: signing_start audit_writer; Type: POLICY; Schema: audit; Owner: kastell_owner
--

CREATE POLICY audit_writer ON audit.signing_start TO kastell_audit USING (true) WITH CHECK (true);

--
-- Name: verifications audit_writer; Type: POLICY; Schema: audit; Owner: kastell_owner
--

CREATE POLICY audit_writer ON audit.verifications TO kastell_audit USING (true) WITH CHECK (true);

--
-- Name: chain; Type: ROW SECURITY; Schema: audit; Owner: kastell_owner
--

ALTER TABLE audit.chain ENABLE ROW LEVEL SECURITY;

--
-- Name: chain_default; Type: ROW SECURITY; Schema: audit; Owner: kastell_owner
--

ALTER TABLE audit.chain_default ENABLE ROW LEVEL SECURITY;

--
-- Name: checkpoints; Type: ROW SECURITY; Schema: audit; Owner: kastell_owner
--

ALTER TABLE audit.checkpoints ENABLE ROW LEVEL SECURITY;

--
-- Name: checkpoints checkpoints_read; Type: POLICY; Schema: audit; Owner: kastell_owner
--

CREATE POLICY checkpoints_read ON audit.checkpoints FOR SELECT TO kastell_app USING (true);

--
-- Name: events; Type: ROW SECURITY; Schema: audit; Owner: kastell_owner
--

ALTER TABLE audit.events ENABLE ROW LEVEL SECURITY;

--
-- Name: events_default; Type: ROW SECURITY; Schema: audit; Owner: kastell_owner
--

ALTER TABLE audit.events_default ENABLE ROW LEVEL SECURITY;

--
-- Name: events events_read; Type: POLICY; Schema: audit; Owner: kastell_owner
--

CREATE POLICY events_read ON audit.events FOR SELECT TO kastell_app USING ((( SELECT app.has_global('audit.read'::text) AS has_global) OR ((company_id = ( SELECT app.company_scope('access_log.read'::text) AS company_scope)) AND (action = ANY (ARRAY['document.read'::text, 'document.download'::text, 'share_link.accessed'::text, 'share_link.refused'::text, 'company.read'::text])))));

--
-- Name: exports; Type: ROW SECURITY; Schema: audit; Owner: kastell_owner
--

ALTER TABLE audit.exports ENABLE ROW LEVEL SECURITY;

--
-- Name: exports exports_read; Type: POLICY; Schema: audit; Owner: kastell_owner
--

CREATE POLICY exports_read ON audit.exports FOR SELECT TO kastell_app USING ((( SELECT app.has_global('audit.read'::text) AS has_global) OR ( SELECT app.has_global('audit.export'::text) AS has_global)));

--
-- Name: retention_log; Type: ROW SECURITY; Schema: audit; Owner: kastell_owner
--

ALTER TABLE audit.retention_log ENABLE ROW LEVEL SECURITY;

--
-- Name: signing_start; Type: ROW SECURITY; Schema: audit; Owner: kastell_owner
--

ALTER TABLE audit.signing_start ENABLE ROW LEVEL SECURITY;

--
-- Name: verifications; Type: ROW SECURITY; Schema: audit; Owner: kastell_owner
--

ALTER TABLE audit.verifications ENABLE ROW LEVEL SECURITY;

--
-- Name: verifications verifications_read; Type: POLICY; Schema: audit; Owner: kastell_owner
--

CREATE POLICY verifications_read ON audit.verifications FOR SELECT TO kastell_app USING ((( SELECT app.has_global('audit.read'::text) AS has_global) OR ( SELECT app.has_global('evidence.read'::text) AS has_global)));

--
-- Name: assets; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.assets ENABLE ROW LEVEL SECURITY;

--
-- Name: assets assets_create; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY assets_create ON kastell.assets FOR INSERT TO kastell_app WITH CHECK ((( SELECT app.has_global('assets.create'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('assets.create'::text) AS company_scope))));

--
-- Name: assets assets_delete; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY assets_delete ON kastell.assets FOR DELETE TO kastell_app USING ((( SELECT app.has_global('assets.delete'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('assets.delete'::text) AS company_scope))));

--
-- Name: assets assets_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY assets_read ON kastell.assets FOR SELECT TO kastell_app USING ((( SELECT app.has_global('assets.read'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('assets.read'::text) AS company_scope))));

--
-- Name: assets assets_read_assigned; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY assets_read_assigned ON kastell.assets FOR SELECT TO kastell_app USING ((asset_id IN ( SELECT app.assigned_asset_ids('assets.read'::text) AS assigned_asset_ids)));

--
-- Name: assets assets_update; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY assets_update ON kastell.assets FOR UPDATE TO kastell_app USING ((( SELECT app.has_global('assets.update'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('assets.update'::text) AS company_scope)))) WITH CHECK ((( SELECT app.has_global('assets.update'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('assets.update'::text) AS company_scope))));

--
-- Name: auth_challenges; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.auth_challenges ENABLE ROW LEVEL SECURITY;

--
-- Name: auth_challenges auth_challenges_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY auth_challenges_auth ON kastell.auth_challenges TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: auth_failures; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.auth_failures ENABLE ROW LEVEL SECURITY;

--
-- Name: auth_failures auth_failures_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY auth_failures_auth ON kastell.auth_failures TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: backup_codes; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.backup_codes ENABLE ROW LEVEL SECURITY;

--
-- Name: backup_codes backup_codes_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY backup_codes_auth ON kastell.backup_codes TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: backup_codes backup_codes_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY backup_codes_read ON kastell.backup_codes FOR SELECT TO kastell_app USING ((user_id = ( SELECT app.current_user_id() AS current_user_id)));

--
-- Name: bot_challenges; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.bot_challenges ENABLE ROW LEVEL SECURITY;

--
-- Name: bot_challenges bot_challenges_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY bot_challenges_auth ON kastell.bot_challenges TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: companies; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.companies ENABLE ROW LEVEL SECURITY;

--
-- Name: companies companies_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY companies_auth ON kastell.companies FOR SELECT TO kastell_auth USING (true);

--
-- Name: companies companies_create; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY companies_create ON kastell.companies FOR INSERT TO kastell_app WITH CHECK (( SELECT app.has_global('companies.create'::text) AS has_global));

--
-- Name: companies companies_delete; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY companies_delete ON kastell.companies FOR DELETE TO kastell_app USING (( SELECT app.has_global('companies.delete'::text) AS has_global));

--
-- Name: companies companies_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY companies_read ON kastell.companies FOR SELECT TO kastell_app USING ((( SELECT app.has_global('companies.read'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('companies.read'::text) AS company_scope))));

--
-- Name: companies companies_read_assigned; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY companies_read_assigned ON kastell.companies FOR SELECT TO kastell_app USING ((company_id IN ( SELECT s.company_id
   FROM app.assigned_jobs('companies.read'::text) s(job_id, company_id, site_id))));

--
-- Name: companies companies_update; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY companies_update ON kastell.companies FOR UPDATE TO kastell_app USING ((( SELECT app.has_global('companies.update'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('companies.update'::text) AS company_scope)))) WITH CHECK ((( SELECT app.has_global('companies.update'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('companies.update'::text) AS company_scope))));

--
-- Name: document_versions; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.document_versions ENABLE ROW LEVEL SECURITY;

--
-- Name: document_versions document_versions_auth_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY document_versions_auth_read ON kastell.document_versions FOR SELECT TO kastell_auth USING (true);

--
-- Name: document_versions document_versions_create; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY document_versions_create ON kastell.document_versions FOR INSERT TO kastell_app WITH CHECK (((( SELECT app.has_global('documents.upload'::text) AS has_global) OR (owner_company_id = ( SELECT app.company_scope('documents.upload'::text) AS company_scope))) AND (uploaded_by = ( SELECT app.current_user_id() AS current_user_id)) AND (status = 'pending'::text)));

--
-- Name: document_versions document_versions_create_assigned; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY document_versions_create_assigned ON kastell.document_versions FOR INSERT TO kastell_app WITH CHECK (((document_id IN ( SELECT app.assigned_document_ids('documents.upload'::text) AS assigned_document_ids)) AND (uploaded_by = ( SELECT app.current_user_id() AS current_user_id)) AND (status = 'pending'::text)));

--
-- Name: document_versions document_versions_decide; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY document_versions_decide ON kastell.document_versions FOR UPDATE TO kastell_app USING (((status = 'pending'::text) AND (uploaded_by = ( SELECT app.current_user_id() AS current_user_id)) AND (( SELECT app.has_global('documents.upload'::text) AS has_global) OR (owner_company_id = ( SELECT app.company_scope('documents.upload'::text) AS company_scope))))) WITH CHECK ((uploaded_by = ( SELECT app.current_user_id() AS current_user_id)));

--
-- Name: document_versions document_versions_decide_assigned; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY document_versions_decide_assigned ON kastell.document_versions FOR UPDATE TO kastell_app USING (((status = 'pending'::text) AND (uploaded_by = ( SELECT app.current_user_id() AS current_user_id)) AND (document_id IN ( SELECT app.assigned_document_ids('documents.upload'::text) AS assigned_document_ids)))) WITH CHECK ((uploaded_by = ( SELECT app.current_user_id() AS current_user_id)));

--
-- Name: document_versions document_versions_held; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY document_versions_held ON kastell.document_versions FOR SELECT TO kastell_auth USING ((status = 'pending'::text));

--
-- Name: document_versions document_versions_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY document_versions_read ON kastell.document_versions FOR SELECT TO kastell_app USING (((( SELECT app.has_global('documents.read'::text) AS has_global) OR (owner_company_id = ( SELECT app.company_scope('documents.read'::text) AS company_scope))) AND ((status = 'clean'::text) OR (uploaded_by = ( SELECT app.current_user_id() AS current_user_id)))));

--
-- Name: document_versions document_versions_read_assigned; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY document_versions_read_assigned ON kastell.document_versions FOR SELECT TO kastell_app USING (((document_id IN ( SELECT app.assigned_document_ids('documents.read'::text) AS assigned_document_ids)) AND ((status = 'clean'::text) OR (uploaded_by = ( SELECT app.current_user_id() AS current_user_id)))));

--
-- Name: document_versions document_versions_reseal_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY document_versions_reseal_read ON kastell.document_versions FOR SELECT TO kastell_auth USING (true);

--
-- Name: document_versions document_versions_retention; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY document_versions_retention ON kastell.document_versions FOR DELETE TO kastell_auth USING ((status = 'rejected'::text));

--
-- Name: documents; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.documents ENABLE ROW LEVEL SECURITY;

--
-- Name: documents documents_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY documents_auth ON kastell.documents FOR SELECT TO kastell_auth USING (true);

--
-- Name: documents documents_create; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY documents_create ON kastell.documents FOR INSERT TO kastell_app WITH CHECK (((( SELECT app.has_global('documents.upload'::text) AS has_global) OR (owner_company_id = ( SELECT app.company_scope('documents.upload'::text) AS company_scope))) AND (created_by = ( SELECT app.current_user_id() AS current_user_id))));

--
-- Name: documents documents_create_assigned; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY documents_create_assigned ON kastell.documents FOR INSERT TO kastell_app WITH CHECK (((job_id IN ( SELECT s.job_id
   FROM app.assigned_jobs('documents.upload'::text) s(job_id, company_id, site_id))) AND (created_by = ( SELECT app.current_user_id() AS current_user_id))));

--
-- Name: documents documents_delete; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY documents_delete ON kastell.documents FOR DELETE TO kastell_app USING ((( SELECT app.has_global('documents.delete'::text) AS has_global) OR (owner_company_id = ( SELECT app.company_scope('documents.delete'::text) AS company_scope))));

--
-- Name: documents documents_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY documents_read ON kastell.documents FOR SELECT TO kastell_app USING ((( SELECT app.has_global('documents.read'::text) AS has_global) OR (owner_company_id = ( SELECT app.company_scope('documents.read'::text) AS company_scope))));

--
-- Name: documents documents_read_assigned; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY documents_read_assigned ON kastell.documents FOR SELECT TO kastell_app USING ((job_id IN ( SELECT s.job_id
   FROM app.assigned_jobs('documents.read'::text) s(job_id, company_id, site_id))));

--
-- Name: documents documents_retention; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY documents_retention ON kastell.documents FOR DELETE TO kastell_auth USING ((kind = 'contract'::text));

--
-- Name: documents documents_update; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY documents_update ON kastell.documents FOR UPDATE TO kastell_app USING ((( SELECT app.has_global('documents.upload'::text) AS has_global) OR (owner_company_id = ( SELECT app.company_scope('documents.upload'::text) AS company_scope)))) WITH CHECK ((( SELECT app.has_global('documents.upload'::text) AS has_global) OR (owner_company_id = ( SELECT app.company_scope('documents.upload'::text) AS company_scope))));

--
-- Name: email_changes; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.email_changes ENABLE ROW LEVEL SECURITY;

--
-- Name: email_changes email_changes_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY email_changes_auth ON kastell.email_changes TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: idempotency_keys; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.idempotency_keys ENABLE ROW LEVEL SECURITY;

--
-- Name: idempotency_keys idempotency_keys_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY idempotency_keys_auth ON kastell.idempotency_keys TO kastell_auth USING (true);

--
-- Name: idempotency_keys idempotency_keys_own; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY idempotency_keys_own ON kastell.idempotency_keys TO kastell_app USING ((user_id = ( SELECT app.current_user_id() AS current_user_id))) WITH CHECK ((user_id = ( SELECT app.current_user_id() AS current_user_id)));

--
-- Name: idempotency_keys idempotency_keys_purge; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY idempotency_keys_purge ON kastell.idempotency_keys TO kastell_auth USING ((expires_at < now()));

--
-- Name: invites; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.invites ENABLE ROW LEVEL SECURITY;

--
-- Name: invites invites_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY invites_auth ON kastell.invites TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: invites invites_create; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY invites_create ON kastell.invites FOR INSERT TO kastell_app WITH CHECK (((( SELECT app.has_global('users.invite'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('users.invite'::text) AS company_scope))) AND (invited_by = ( SELECT app.current_user_id() AS current_user_id)) AND (( SELECT app.has_global('roles.manage'::text) AS has_global) OR (NOT (EXISTS ( SELECT 1
   FROM kastell.roles r
  WHERE ((r.role_id = invites.role_id) AND (r.role_key = 'owner'::text))))))));

--
-- Name: invites invites_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY invites_read ON kastell.invites FOR SELECT TO kastell_app USING ((( SELECT app.has_global('users.invite'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('users.invite'::text) AS company_scope))));

--
-- Name: invites invites_resend; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY invites_resend ON kastell.invites FOR UPDATE TO kastell_app USING (((( SELECT app.has_global('users.invite'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('users.invite'::text) AS company_scope))) AND (accepted_at IS NULL) AND (revoked_at IS NULL))) WITH CHECK (((( SELECT app.has_global('users.invite'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('users.invite'::text) AS company_scope))) AND (accepted_at IS NULL)));

--
-- Name: invites invites_revoke; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY invites_revoke ON kastell.invites FOR UPDATE TO kastell_app USING ((( SELECT app.has_global('users.invite'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('users.invite'::text) AS company_scope)))) WITH CHECK ((revoked_at IS NOT NULL));

--
-- Name: job_assets; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.job_assets ENABLE ROW LEVEL SECURITY;

--
-- Name: job_assets job_assets_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_assets_auth ON kastell.job_assets FOR SELECT TO kastell_auth USING (true);

--
-- Name: job_assets job_assets_create; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_assets_create ON kastell.job_assets FOR INSERT TO kastell_app WITH CHECK (( SELECT app.has_global('jobs.create'::text) AS has_global));

--
-- Name: job_assets job_assets_delete; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_assets_delete ON kastell.job_assets FOR DELETE TO kastell_app USING (( SELECT app.has_global('jobs.update'::text) AS has_global));

--
-- Name: job_assets job_assets_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_assets_read ON kastell.job_assets FOR SELECT TO kastell_app USING ((( SELECT app.has_global('jobs.read'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('jobs.read'::text) AS company_scope)) OR (job_id IN ( SELECT app.assigned_job_ids('jobs.read'::text) AS assigned_job_ids))));

--
-- Name: job_assignments; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.job_assignments ENABLE ROW LEVEL SECURITY;

--
-- Name: job_assignments job_assignments_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_assignments_auth ON kastell.job_assignments FOR SELECT TO kastell_auth USING (true);

--
-- Name: job_assignments job_assignments_create; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_assignments_create ON kastell.job_assignments FOR INSERT TO kastell_app WITH CHECK ((( SELECT app.has_global('jobs.assign'::text) AS has_global) AND (assigned_by = ( SELECT app.current_user_id() AS current_user_id))));

--
-- Name: job_assignments job_assignments_delete; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_assignments_delete ON kastell.job_assignments FOR DELETE TO kastell_app USING (( SELECT app.has_global('jobs.assign'::text) AS has_global));

--
-- Name: job_assignments job_assignments_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_assignments_read ON kastell.job_assignments FOR SELECT TO kastell_app USING ((( SELECT app.has_global('jobs.read'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('jobs.read'::text) AS company_scope)) OR (job_id IN ( SELECT app.assigned_job_ids('jobs.read'::text) AS assigned_job_ids))));

--
-- Name: job_message_reads; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.job_message_reads ENABLE ROW LEVEL SECURITY;

--
-- Name: job_message_reads job_message_reads_auth_delete; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_message_reads_auth_delete ON kastell.job_message_reads FOR DELETE TO kastell_auth USING (true);

--
-- Name: job_message_reads job_message_reads_auth_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_message_reads_auth_read ON kastell.job_message_reads FOR SELECT TO kastell_auth USING (true);

--
-- Name: job_message_reads job_message_reads_create; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_message_reads_create ON kastell.job_message_reads FOR INSERT TO kastell_app WITH CHECK (((user_id = ( SELECT app.current_user_id() AS current_user_id)) AND (job_id IN ( SELECT j.job_id
   FROM kastell.jobs j))));

--
-- Name: job_message_reads job_message_reads_own; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_message_reads_own ON kastell.job_message_reads FOR SELECT TO kastell_app USING ((user_id = ( SELECT app.current_user_id() AS current_user_id)));

--
-- Name: job_message_reads job_message_reads_update; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_message_reads_update ON kastell.job_message_reads FOR UPDATE TO kastell_app USING ((user_id = ( SELECT app.current_user_id() AS current_user_id))) WITH CHECK ((user_id = ( SELECT app.current_user_id() AS current_user_id)));

--
-- Name: job_messages; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.job_messages ENABLE ROW LEVEL SECURITY;

--
-- Name: job_messages job_messages_auth_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_messages_auth_read ON kastell.job_messages FOR SELECT TO kastell_auth USING (true);

--
-- Name: job_messages job_messages_create; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_messages_create ON kastell.job_messages FOR INSERT TO kastell_app WITH CHECK (((author_id = ( SELECT app.current_user_id() AS current_user_id)) AND (( SELECT app.has_global('messages.write'::text) AS has_global) OR (job_id IN ( SELECT s.job_id
   FROM app.assigned_jobs('messages.write'::text) s(job_id, company_id, site_id))) OR ((company_id = ( SELECT app.company_scope('messages.write'::text) AS company_scope)) AND (NOT internal)))));

--
-- Name: job_messages job_messages_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_messages_read ON kastell.job_messages FOR SELECT TO kastell_app USING ((( SELECT app.has_global('messages.read'::text) AS has_global) OR (job_id IN ( SELECT s.job_id
   FROM app.assigned_jobs('messages.read'::text) s(job_id, company_id, site_id))) OR ((company_id = ( SELECT app.company_scope('messages.read'::text) AS company_scope)) AND (NOT internal))));

--
-- Name: job_messages job_messages_reseal; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_messages_reseal ON kastell.job_messages FOR UPDATE TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: job_messages job_messages_retention; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_messages_retention ON kastell.job_messages FOR DELETE TO kastell_auth USING ((EXISTS ( SELECT 1
   FROM kastell.jobs j
  WHERE ((j.job_id = job_messages.job_id) AND (j.status = ANY (ARRAY['closed'::text, 'cancelled'::text]))))));

--
-- Name: job_status_history; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.job_status_history ENABLE ROW LEVEL SECURITY;

--
-- Name: job_status_history job_status_history_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_status_history_auth ON kastell.job_status_history FOR INSERT TO kastell_auth WITH CHECK (true);

--
-- Name: job_status_history job_status_history_auth_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_status_history_auth_read ON kastell.job_status_history FOR SELECT TO kastell_auth USING (true);

--
-- Name: job_status_history job_status_history_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_status_history_read ON kastell.job_status_history FOR SELECT TO kastell_app USING ((( SELECT app.has_global('jobs.read'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('jobs.read'::text) AS company_scope)) OR (job_id IN ( SELECT app.assigned_job_ids('jobs.read'::text) AS assigned_job_ids))));

--
-- Name: job_status_transitions; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.job_status_transitions ENABLE ROW LEVEL SECURITY;

--
-- Name: job_status_transitions job_status_transitions_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_status_transitions_auth ON kastell.job_status_transitions FOR SELECT TO kastell_auth USING (true);

--
-- Name: job_status_transitions job_status_transitions_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY job_status_transitions_read ON kastell.job_status_transitions FOR SELECT TO kastell_app USING (true);

--
-- Name: jobs; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.jobs ENABLE ROW LEVEL SECURITY;

--
-- Name: jobs jobs_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY jobs_auth ON kastell.jobs FOR SELECT TO kastell_auth USING (true);

--
-- Name: jobs jobs_create; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY jobs_create ON kastell.jobs FOR INSERT TO kastell_app WITH CHECK ((( SELECT app.has_global('jobs.create'::text) AS has_global) AND (created_by = ( SELECT app.current_user_id() AS current_user_id))));

--
-- Name: jobs jobs_follow_report; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY jobs_follow_report ON kastell.jobs FOR UPDATE TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: jobs jobs_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY jobs_read ON kastell.jobs FOR SELECT TO kastell_app USING ((( SELECT app.has_global('jobs.read'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('jobs.read'::text) AS company_scope)) OR (job_id IN ( SELECT app.assigned_job_ids('jobs.read'::text) AS assigned_job_ids))));

--
-- Name: jobs jobs_update; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY jobs_update ON kastell.jobs FOR UPDATE TO kastell_app USING ((( SELECT app.has_global('jobs.update'::text) AS has_global) OR (job_id IN ( SELECT app.assigned_job_ids('jobs.update'::text) AS assigned_job_ids)))) WITH CHECK ((( SELECT app.has_global('jobs.update'::text) AS has_global) OR (job_id IN ( SELECT app.assigned_job_ids('jobs.update'::text) AS assigned_job_ids))));

--
-- Name: memberships; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.memberships ENABLE ROW LEVEL SECURITY;

--
-- Name: memberships memberships_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY memberships_auth ON kastell.memberships TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: memberships memberships_delete; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY memberships_delete ON kastell.memberships FOR DELETE TO kastell_app USING (((user_id <> ( SELECT app.current_user_id() AS current_user_id)) AND (( SELECT app.has_global('users.update'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('users.update'::text) AS company_scope))) AND (( SELECT app.has_global('roles.manage'::text) AS has_global) OR (NOT (EXISTS ( SELECT 1
   FROM kastell.roles r
  WHERE ((r.role_id = memberships.role_id) AND (r.role_key = 'owner'::text))))))));

--
-- Name: memberships memberships_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY memberships_read ON kastell.memberships FOR SELECT TO kastell_app USING (((user_id = ( SELECT app.current_user_id() AS current_user_id)) OR ( SELECT app.has_global('users.read'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('users.read'::text) AS company_scope))));

--
-- Name: memberships memberships_update; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY memberships_update ON kastell.memberships FOR UPDATE TO kastell_app USING ((( SELECT app.has_global('users.update'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('users.update'::text) AS company_scope)))) WITH CHECK ((( SELECT app.has_global('users.update'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('users.update'::text) AS company_scope))));

--
-- Name: notifiable_breaches; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.notifiable_breaches ENABLE ROW LEVEL SECURITY;

--
-- Name: notifiable_breaches notifiable_breaches_auth_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY notifiable_breaches_auth_read ON kastell.notifiable_breaches FOR SELECT TO kastell_auth USING (true);

--
-- Name: notifiable_breaches notifiable_breaches_create; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY notifiable_breaches_create ON kastell.notifiable_breaches FOR INSERT TO kastell_app WITH CHECK ((( SELECT app.has_global('trust.manage'::text) AS has_global) AND (entered_by = ( SELECT app.current_user_id() AS current_user_id))));

--
-- Name: notifiable_breaches notifiable_breaches_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY notifiable_breaches_read ON kastell.notifiable_breaches FOR SELECT TO kastell_app USING (true);

--
-- Name: notifiable_breaches notifiable_breaches_update; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY notifiable_breaches_update ON kastell.notifiable_breaches FOR UPDATE TO kastell_app USING (( SELECT app.has_global('trust.manage'::text) AS has_global)) WITH CHECK (( SELECT app.has_global('trust.manage'::text) AS has_global));

--
-- Name: notification_kinds; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.notification_kinds ENABLE ROW LEVEL SECURITY;

--
-- Name: notification_kinds notification_kinds_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY notification_kinds_read ON kastell.notification_kinds FOR SELECT TO kastell_app, kastell_auth USING (true);

--
-- Name: notification_preferences; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.notification_preferences ENABLE ROW LEVEL SECURITY;

--
-- Name: notification_preferences notification_preferences_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY notification_preferences_auth ON kastell.notification_preferences FOR SELECT TO kastell_auth USING (true);

--
-- Name: notification_preferences notification_preferences_auth_delete; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY notification_preferences_auth_delete ON kastell.notification_preferences FOR DELETE TO kastell_auth USING (true);

--
-- Name: notification_preferences notification_preferences_create; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY notification_preferences_create ON kastell.notification_preferences FOR INSERT TO kastell_app WITH CHECK ((user_id = ( SELECT app.current_user_id() AS current_user_id)));

--
-- Name: notification_preferences notification_preferences_own; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY notification_preferences_own ON kastell.notification_preferences FOR SELECT TO kastell_app USING ((user_id = ( SELECT app.current_user_id() AS current_user_id)));

--
-- Name: notification_preferences notification_preferences_update; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY notification_preferences_update ON kastell.notification_preferences FOR UPDATE TO kastell_app USING ((user_id = ( SELECT app.current_user_id() AS current_user_id))) WITH CHECK ((user_id = ( SELECT app.current_user_id() AS current_user_id)));

--
-- Name: notifications; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.notifications ENABLE ROW LEVEL SECURITY;

--
-- Name: notifications notifications_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY notifications_auth ON kastell.notifications TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: notifications notifications_mark_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY notifications_mark_read ON kastell.notifications FOR UPDATE TO kastell_app USING ((user_id = ( SELECT app.current_user_id() AS current_user_id))) WITH CHECK ((user_id = ( SELECT app.current_user_id() AS current_user_id)));

--
-- Name: notifications notifications_own; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY notifications_own ON kastell.notifications FOR SELECT TO kastell_app USING ((user_id = ( SELECT app.current_user_id() AS current_user_id)));

--
-- Name: object_removals; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.object_removals ENABLE ROW LEVEL SECURITY;

--
-- Name: object_removals object_removals_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY object_removals_auth ON kastell.object_removals TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: organisation; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.organisation ENABLE ROW LEVEL SECURITY;

--
-- Name: organisation organisation_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY organisation_read ON kastell.organisation FOR SELECT TO kastell_app, kastell_auth USING (true);

--
-- Name: organisation organisation_update; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY organisation_update ON kastell.organisation FOR UPDATE TO kastell_app USING (( SELECT app.has_global('organisation.update'::text) AS has_global)) WITH CHECK (( SELECT app.has_global('organisation.update'::text) AS has_global));

--
-- Name: passkeys; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.passkeys ENABLE ROW LEVEL SECURITY;

--
-- Name: passkeys passkeys_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY passkeys_auth ON kastell.passkeys TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: passkeys passkeys_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY passkeys_read ON kastell.passkeys FOR SELECT TO kastell_app USING (((user_id = ( SELECT app.current_user_id() AS current_user_id)) OR ( SELECT app.has_global('users.read'::text) AS has_global)));

--
-- Name: password_history; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.password_history ENABLE ROW LEVEL SECURITY;

--
-- Name: password_history password_history_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY password_history_auth ON kastell.password_history TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: password_reset_tokens; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.password_reset_tokens ENABLE ROW LEVEL SECURITY;

--
-- Name: password_reset_tokens password_reset_tokens_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY password_reset_tokens_auth ON kastell.password_reset_tokens TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: permissions; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.permissions ENABLE ROW LEVEL SECURITY;

--
-- Name: permissions permissions_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY permissions_read ON kastell.permissions FOR SELECT TO kastell_app, kastell_auth USING (true);

--
-- Name: rate_limit_windows; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.rate_limit_windows ENABLE ROW LEVEL SECURITY;

--
-- Name: rate_limit_windows rate_limit_windows_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY rate_limit_windows_auth ON kastell.rate_limit_windows TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: report_measurements; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.report_measurements ENABLE ROW LEVEL SECURITY;

--
-- Name: report_measurements report_measurements_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY report_measurements_read ON kastell.report_measurements FOR SELECT TO kastell_app USING ((report_id IN ( SELECT r.report_id
   FROM kastell.service_reports r)));

--
-- Name: report_measurements report_measurements_reseal; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY report_measurements_reseal ON kastell.report_measurements FOR UPDATE TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: report_measurements report_measurements_reseal_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY report_measurements_reseal_read ON kastell.report_measurements FOR SELECT TO kastell_auth USING (true);

--
-- Name: report_measurements report_measurements_write; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY report_measurements_write ON kastell.report_measurements TO kastell_app USING ((report_id IN ( SELECT r.report_id
   FROM kastell.service_reports r
  WHERE app.may_write_report(r.job_id)))) WITH CHECK ((report_id IN ( SELECT r.report_id
   FROM kastell.service_reports r
  WHERE app.may_write_report(r.job_id))));

--
-- Name: report_photos; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.report_photos ENABLE ROW LEVEL SECURITY;

--
-- Name: report_photos report_photos_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY report_photos_read ON kastell.report_photos FOR SELECT TO kastell_app USING ((report_id IN ( SELECT r.report_id
   FROM kastell.service_reports r)));

--
-- Name: report_photos report_photos_write; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY report_photos_write ON kastell.report_photos TO kastell_app USING ((report_id IN ( SELECT r.report_id
   FROM kastell.service_reports r
  WHERE app.may_write_report(r.job_id)))) WITH CHECK ((report_id IN ( SELECT r.report_id
   FROM kastell.service_reports r
  WHERE app.may_write_report(r.job_id))));

--
-- Name: role_permissions; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.role_permissions ENABLE ROW LEVEL SECURITY;

--
-- Name: role_permissions role_permissions_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY role_permissions_auth ON kastell.role_permissions FOR SELECT TO kastell_auth USING (true);

--
-- Name: role_permissions role_permissions_create; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY role_permissions_create ON kastell.role_permissions FOR INSERT TO kastell_app WITH CHECK (((scope <> 'global'::text) AND (EXISTS ( SELECT 1
   FROM kastell.roles r
  WHERE ((r.role_id = role_permissions.role_id) AND (r.company_id = ( SELECT app.company_scope('custom_roles.manage'::text) AS company_scope))))) AND (EXISTS ( SELECT 1
   FROM kastell.permissions p
  WHERE ((p.permission_key = role_permissions.permission_key) AND p.customer_assignable)))));

--
-- Name: role_permissions role_permissions_delete; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY role_permissions_delete ON kastell.role_permissions FOR DELETE TO kastell_app USING ((EXISTS ( SELECT 1
   FROM kastell.roles r
  WHERE ((r.role_id = role_permissions.role_id) AND (r.company_id = ( SELECT app.company_scope('custom_roles.manage'::text) AS company_scope))))));

--
-- Name: role_permissions role_permissions_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY role_permissions_read ON kastell.role_permissions FOR SELECT TO kastell_app USING ((EXISTS ( SELECT 1
   FROM kastell.roles r
  WHERE (r.role_id = role_permissions.role_id))));

--
-- Name: roles; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.roles ENABLE ROW LEVEL SECURITY;

--
-- Name: roles roles_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY roles_auth ON kastell.roles FOR SELECT TO kastell_auth USING (true);

--
-- Name: roles roles_create; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY roles_create ON kastell.roles FOR INSERT TO kastell_app WITH CHECK ((company_id = ( SELECT app.company_scope('custom_roles.manage'::text) AS company_scope)));

--
-- Name: roles roles_delete; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY roles_delete ON kastell.roles FOR DELETE TO kastell_app USING ((company_id = ( SELECT app.company_scope('custom_roles.manage'::text) AS company_scope)));

--
-- Name: roles roles_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY roles_read ON kastell.roles FOR SELECT TO kastell_app USING (((company_id IS NULL) OR (company_id = ( SELECT app.current_company_id() AS current_company_id)) OR ( SELECT app.has_global('roles.read'::text) AS has_global)));

--
-- Name: roles roles_update; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY roles_update ON kastell.roles FOR UPDATE TO kastell_app USING ((company_id = ( SELECT app.company_scope('custom_roles.manage'::text) AS company_scope))) WITH CHECK ((company_id = ( SELECT app.company_scope('custom_roles.manage'::text) AS company_scope)));

--
-- Name: service_reports; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.service_reports ENABLE ROW LEVEL SECURITY;

--
-- Name: service_reports service_reports_create; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY service_reports_create ON kastell.service_reports FOR INSERT TO kastell_app WITH CHECK (((created_by = ( SELECT app.current_user_id() AS current_user_id)) AND (( SELECT app.has_global('reports.write'::text) AS has_global) OR (job_id IN ( SELECT s.job_id
   FROM app.assigned_jobs('reports.write'::text) s(job_id, company_id, site_id))))));

--
-- Name: service_reports service_reports_follow; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY service_reports_follow ON kastell.service_reports FOR SELECT TO kastell_auth USING (true);

--
-- Name: service_reports service_reports_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY service_reports_read ON kastell.service_reports FOR SELECT TO kastell_app USING ((( SELECT app.has_global('reports.read'::text) AS has_global) OR ((company_id = ( SELECT app.company_scope('reports.read'::text) AS company_scope)) AND (status <> 'draft'::text)) OR (job_id IN ( SELECT s.job_id
   FROM app.assigned_jobs('reports.read'::text) s(job_id, company_id, site_id)))));

--
-- Name: service_reports service_reports_sign; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY service_reports_sign ON kastell.service_reports FOR UPDATE TO kastell_app USING (((status = 'frozen'::text) AND (( SELECT app.has_global('reports.sign'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('reports.sign'::text) AS company_scope))))) WITH CHECK ((( SELECT app.has_global('reports.sign'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('reports.sign'::text) AS company_scope))));

--
-- Name: service_reports service_reports_supersede; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY service_reports_supersede ON kastell.service_reports FOR UPDATE TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: service_reports service_reports_write; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY service_reports_write ON kastell.service_reports FOR UPDATE TO kastell_app USING ((( SELECT app.has_global('reports.write'::text) AS has_global) OR (job_id IN ( SELECT s.job_id
   FROM app.assigned_jobs('reports.write'::text) s(job_id, company_id, site_id))))) WITH CHECK ((( SELECT app.has_global('reports.write'::text) AS has_global) OR (job_id IN ( SELECT s.job_id
   FROM app.assigned_jobs('reports.write'::text) s(job_id, company_id, site_id)))));

--
-- Name: service_requests; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.service_requests ENABLE ROW LEVEL SECURITY;

--
-- Name: service_requests service_requests_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY service_requests_auth ON kastell.service_requests FOR SELECT TO kastell_auth USING (true);

--
-- Name: service_requests service_requests_create; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY service_requests_create ON kastell.service_requests FOR INSERT TO kastell_app WITH CHECK (((raised_by = ( SELECT app.current_user_id() AS current_user_id)) AND (( SELECT app.has_global('requests.create'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('requests.create'::text) AS company_scope)))));

--
-- Name: service_requests service_requests_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY service_requests_read ON kastell.service_requests FOR SELECT TO kastell_app USING ((( SELECT app.has_global('requests.read'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('requests.read'::text) AS company_scope))));

--
-- Name: service_requests service_requests_update; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY service_requests_update ON kastell.service_requests FOR UPDATE TO kastell_app USING ((( SELECT app.has_global('requests.update'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('requests.update'::text) AS company_scope)) OR ((raised_by = ( SELECT app.current_user_id() AS current_user_id)) AND (company_id = ( SELECT app.company_scope('requests.create'::text) AS company_scope))))) WITH CHECK ((( SELECT app.has_global('requests.update'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('requests.update'::text) AS company_scope)) OR ((raised_by = ( SELECT app.current_user_id() AS current_user_id)) AND (company_id = ( SELECT app.company_scope('requests.create'::text) AS company_scope)))));

--
-- Name: sessions; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.sessions ENABLE ROW LEVEL SECURITY;

--
-- Name: sessions sessions_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY sessions_auth ON kastell.sessions TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: sessions sessions_end; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY sessions_end ON kastell.sessions FOR UPDATE TO kastell_app USING (((user_id = ( SELECT app.current_user_id() AS current_user_id)) OR ( SELECT app.has_global('sessions.end'::text) AS has_global))) WITH CHECK ((ended_at IS NOT NULL));

--
-- Name: sessions sessions_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY sessions_read ON kastell.sessions FOR SELECT TO kastell_app USING (((user_id = ( SELECT app.current_user_id() AS current_user_id)) OR ( SELECT app.has_global('sessions.read'::text) AS has_global)));

--
-- Name: setup_tokens; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.setup_tokens ENABLE ROW LEVEL SECURITY;

--
-- Name: setup_tokens setup_tokens_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY setup_tokens_auth ON kastell.setup_tokens TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: share_links; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.share_links ENABLE ROW LEVEL SECURITY;

--
-- Name: share_links share_links_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY share_links_auth ON kastell.share_links TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: share_links share_links_create; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY share_links_create ON kastell.share_links FOR INSERT TO kastell_app WITH CHECK (((( SELECT app.has_global('share_links.create'::text) AS has_global) OR (owner_company_id = ( SELECT app.company_scope('share_links.create'::text) AS company_scope))) AND (created_by = ( SELECT app.current_user_id() AS current_user_id))));

--
-- Name: share_links share_links_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY share_links_read ON kastell.share_links FOR SELECT TO kastell_app USING ((( SELECT app.has_global('documents.read'::text) AS has_global) OR (owner_company_id = ( SELECT app.company_scope('documents.read'::text) AS company_scope))));

--
-- Name: share_links share_links_revoke; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY share_links_revoke ON kastell.share_links FOR UPDATE TO kastell_app USING ((( SELECT app.has_global('share_links.revoke'::text) AS has_global) OR (owner_company_id = ( SELECT app.company_scope('share_links.revoke'::text) AS company_scope)) OR (created_by = ( SELECT app.current_user_id() AS current_user_id)))) WITH CHECK ((revoked_by = ( SELECT app.current_user_id() AS current_user_id)));

--
-- Name: sites; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.sites ENABLE ROW LEVEL SECURITY;

--
-- Name: sites sites_create; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY sites_create ON kastell.sites FOR INSERT TO kastell_app WITH CHECK ((( SELECT app.has_global('sites.create'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('sites.create'::text) AS company_scope))));

--
-- Name: sites sites_delete; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY sites_delete ON kastell.sites FOR DELETE TO kastell_app USING ((( SELECT app.has_global('sites.delete'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('sites.delete'::text) AS company_scope))));

--
-- Name: sites sites_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY sites_read ON kastell.sites FOR SELECT TO kastell_app USING ((( SELECT app.has_global('sites.read'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('sites.read'::text) AS company_scope))));

--
-- Name: sites sites_read_assigned; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY sites_read_assigned ON kastell.sites FOR SELECT TO kastell_app USING ((site_id IN ( SELECT s.site_id
   FROM app.assigned_jobs('sites.read'::text) s(job_id, company_id, site_id))));

--
-- Name: sites sites_reseal; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY sites_reseal ON kastell.sites FOR UPDATE TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: sites sites_reseal_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY sites_reseal_read ON kastell.sites FOR SELECT TO kastell_auth USING (true);

--
-- Name: sites sites_update; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY sites_update ON kastell.sites FOR UPDATE TO kastell_app USING ((( SELECT app.has_global('sites.update'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('sites.update'::text) AS company_scope)))) WITH CHECK ((( SELECT app.has_global('sites.update'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('sites.update'::text) AS company_scope))));

--
-- Name: totp_factors; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.totp_factors ENABLE ROW LEVEL SECURITY;

--
-- Name: totp_factors totp_factors_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY totp_factors_auth ON kastell.totp_factors TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: totp_factors totp_factors_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY totp_factors_read ON kastell.totp_factors FOR SELECT TO kastell_app USING (((user_id = ( SELECT app.current_user_id() AS current_user_id)) OR ( SELECT app.has_global('users.read'::text) AS has_global) OR (EXISTS ( SELECT 1
   FROM kastell.memberships m
  WHERE ((m.user_id = totp_factors.user_id) AND (m.company_id = ( SELECT app.company_scope('users.read'::text) AS company_scope)))))));

--
-- Name: unlock_tokens; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.unlock_tokens ENABLE ROW LEVEL SECURITY;

--
-- Name: unlock_tokens unlock_tokens_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY unlock_tokens_auth ON kastell.unlock_tokens TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: users; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.users ENABLE ROW LEVEL SECURITY;

--
-- Name: users users_auth; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY users_auth ON kastell.users TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: users users_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY users_read ON kastell.users FOR SELECT TO kastell_app USING (((user_id = ( SELECT app.current_user_id() AS current_user_id)) OR ( SELECT app.has_global('users.read'::text) AS has_global) OR (EXISTS ( SELECT 1
   FROM kastell.memberships m
  WHERE ((m.user_id = users.user_id) AND (m.company_id = ( SELECT app.company_scope('users.read'::text) AS company_scope)))))));

--
-- Name: users users_update; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY users_update ON kastell.users FOR UPDATE TO kastell_app USING (((user_id = ( SELECT app.current_user_id() AS current_user_id)) OR ( SELECT app.has_global('users.update'::text) AS has_global) OR (EXISTS ( SELECT 1
   FROM kastell.memberships m
  WHERE ((m.user_id = users.user_id) AND (m.company_id = ( SELECT app.company_scope('users.update'::text) AS company_scope))))))) WITH CHECK (true);

--
-- Name: visits; Type: ROW SECURITY; Schema: kastell; Owner: kastell_owner
--

ALTER TABLE kastell.visits ENABLE ROW LEVEL SECURITY;

--
-- Name: visits visits_auth_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY visits_auth_read ON kastell.visits FOR SELECT TO kastell_auth USING (true);

--
-- Name: visits visits_create; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY visits_create ON kastell.visits FOR INSERT TO kastell_app WITH CHECK (((recorded_by = ( SELECT app.current_user_id() AS current_user_id)) AND (( SELECT app.has_global('visits.manage'::text) AS has_global) OR ((technician_id = ( SELECT app.current_user_id() AS current_user_id)) AND (job_id IN ( SELECT s.job_id
   FROM app.assigned_jobs('visits.manage'::text) s(job_id, company_id, site_id)))))));

--
-- Name: visits visits_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY visits_read ON kastell.visits FOR SELECT TO kastell_app USING ((( SELECT app.has_global('visits.read'::text) AS has_global) OR (company_id = ( SELECT app.company_scope('visits.read'::text) AS company_scope)) OR (job_id IN ( SELECT app.assigned_job_ids('visits.read'::text) AS assigned_job_ids))));

--
-- Name: visits visits_reseal; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY visits_reseal ON kastell.visits FOR UPDATE TO kastell_auth USING (true) WITH CHECK (true);

--
-- Name: visits visits_reseal_read; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY visits_reseal_read ON kastell.visits FOR SELECT TO kastell_auth USING (true);

--
-- Name: visits visits_update; Type: POLICY; Schema: kastell; Owner: kastell_owner
--

CREATE POLICY visits_update ON kastell.visits FOR UPDATE TO kastell_app USING ((( SELECT app.has_global('visits.manage'::text) AS has_global) OR ((technician_id = ( SELECT app.current_user_id() AS current_user_id)) AND (job_id IN ( SELECT s.job_id
   FROM app.assigned_jobs('visits.manage'::text) s(job_id, company_id, site_id)))))) WITH CHECK ((( SELECT app.has_global('visits.manage'::text) AS has_global) OR ((technician_id = ( SELECT app.current_user_id() AS current_user_id)) AND (job_id IN ( SELECT s.job_id
   FROM app.assigned_jobs('visits.manage'::text) s(job_id, company_id, site_id))))));

--
-- Name: SCHEMA app; Type: ACL; Schema: -; Owner: kastell_owner
--

GRANT USAGE ON SCHEMA app TO kastell_app;
GRANT ALL ON SCHEMA app TO kastell_auth;
GRANT USAGE ON SCHEMA app TO kastell_audit;

--
-- Name: SCHEMA audit; Type: ACL; Schema: -; Owner: kastell_owner
--

GRANT USAGE ON SCHEMA audit TO kastell_app;
GRANT ALL ON SCHEMA audit TO kastell_audit;

--
-- Name: SCHEMA kastell; Type: ACL; Schema: -; Owner: kastell_owner
--

GRANT USAGE ON SCHEMA kastell TO kastell_app;
GRANT USAGE ON SCHEMA kastell TO kastell_auth;

--
-- Name: SCHEMA kastell_meta; Type: ACL; Schema: -; Owner: kastell_owner
--

GRANT USAGE ON SCHEMA kastell_meta TO kastell_app;

--
-- Name: FUNCTION accept_invite(p_token_hash bytea, p_display_name text, p_password_hash text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.accept_invite(p_token_hash bytea, p_display_name text, p_password_hash text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.accept_invite(p_token_hash bytea, p_display_name text, p_password_hash text) TO kastell_app;

--
-- Name: FUNCTION active_membership(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.active_membership() FROM PUBLIC;

--
-- Name: FUNCTION add_passkey(p_credential_id text, p_public_key bytea, p_sign_count bigint, p_transports text[], p_name text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.add_passkey(p_credential_id text, p_public_key bytea, p_sign_count bigint, p_transports text[], p_name text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.add_passkey(p_credential_id text, p_public_key bytea, p_sign_count bigint, p_transports text[], p_name text) TO kastell_app;

--
-- Name: FUNCTION assigned_asset_ids(permission text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.assigned_asset_ids(permission text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.assigned_asset_ids(permission text) TO kastell_app;

--
-- Name: FUNCTION assigned_document_ids(permission text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.assigned_document_ids(permission text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.assigned_document_ids(permission text) TO kastell_app;

--
-- Name: FUNCTION assigned_job_ids(permission text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.assigned_job_ids(permission text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.assigned_job_ids(permission text) TO kastell_app;

--
-- Name: FUNCTION assigned_jobs(permission text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.assigned_jobs(permission text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.assigned_jobs(permission text) TO kastell_app;

--
-- Name: FUNCTION auth_failure_counts(p_subjects text[], p_minutes integer); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.auth_failure_counts(p_subjects text[], p_minutes integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app.auth_failure_counts(p_subjects text[], p_minutes integer) TO kastell_app;

--
-- Name: FUNCTION auth_locked_until(p_subject text, p_scale integer); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.auth_locked_until(p_subject text, p_scale integer) FROM PUBLIC;

--
-- Name: FUNCTION backup_code_hash(p_user_id uuid, p_challenge_hash bytea, p_slot integer); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.backup_code_hash(p_user_id uuid, p_challenge_hash bytea, p_slot integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app.backup_code_hash(p_user_id uuid, p_challenge_hash bytea, p_slot integer) TO kastell_app;

--
-- Name: FUNCTION begin_totp_enrolment(p_user_id uuid, p_challenge_hash bytea, p_secret_enc text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.begin_totp_enrolment(p_user_id uuid, p_challenge_hash bytea, p_secret_enc text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.begin_totp_enrolment(p_user_id uuid, p_challenge_hash bytea, p_secret_enc text) TO kastell_app;

--
-- Name: FUNCTION check_invite_change(); Type: ACL; Schema: app; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION app.check_invite_change() FROM PUBLIC;

--
-- Name: FUNCTION check_job_assignment(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.check_job_assignment() FROM PUBLIC;

--
-- Name: FUNCTION check_job_status(); Type: ACL; Schema: app; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION app.check_job_status() FROM PUBLIC;

--
-- Name: FUNCTION check_membership_expiry(); Type: ACL; Schema: app; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION app.check_membership_expiry() FROM PUBLIC;

--
-- Name: FUNCTION check_membership_role(); Type: ACL; Schema: app; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION app.check_membership_role() FROM PUBLIC;

--
-- Name: FUNCTION check_permission_assignable(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.check_permission_assignable() FROM PUBLIC;

--
-- Name: FUNCTION check_report_change(); Type: ACL; Schema: app; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION app.check_report_change() FROM PUBLIC;

--
-- Name: FUNCTION check_report_part_change(); Type: ACL; Schema: app; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION app.check_report_part_change() FROM PUBLIC;

--
-- Name: FUNCTION check_request_status(); Type: ACL; Schema: app; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION app.check_request_status() FROM PUBLIC;

--
-- Name: FUNCTION check_role_permission(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.check_role_permission() FROM PUBLIC;

--
-- Name: FUNCTION claim_auth_attempt(p_subject text, p_scale integer); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.claim_auth_attempt(p_subject text, p_scale integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app.claim_auth_attempt(p_subject text, p_scale integer) TO kastell_app;

--
-- Name: FUNCTION claim_notification_mails(p_limit integer); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.claim_notification_mails(p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app.claim_notification_mails(p_limit integer) TO kastell_app;

--
-- Name: FUNCTION claim_setup_token(p_token_hash bytea, p_email text, p_display_name text, p_password_hash text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.claim_setup_token(p_token_hash bytea, p_email text, p_display_name text, p_password_hash text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.claim_setup_token(p_token_hash bytea, p_email text, p_display_name text, p_password_hash text) TO kastell_app;

--
-- Name: FUNCTION clear_auth_failures(p_subject text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.clear_auth_failures(p_subject text) FROM PUBLIC;

--
-- Name: FUNCTION clear_lock_after_reset(p_token_hash bytea); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.clear_lock_after_reset(p_token_hash bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION app.clear_lock_after_reset(p_token_hash bytea) TO kastell_app;

--
-- Name: FUNCTION company_scope(permission text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.company_scope(permission text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.company_scope(permission text) TO kastell_app;

--
-- Name: FUNCTION complete_password_reset(p_token_hash bytea, p_new_hash text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.complete_password_reset(p_token_hash bytea, p_new_hash text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.complete_password_reset(p_token_hash bytea, p_new_hash text) TO kastell_app;

--
-- Name: FUNCTION confirm_email_change(p_token_hash bytea); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.confirm_email_change(p_token_hash bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION app.confirm_email_change(p_token_hash bytea) TO kastell_app;

--
-- Name: FUNCTION confirm_totp_enrolment(p_user_id uuid, p_challenge_hash bytea, p_step bigint); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.confirm_totp_enrolment(p_user_id uuid, p_challenge_hash bytea, p_step bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION app.confirm_totp_enrolment(p_user_id uuid, p_challenge_hash bytea, p_step bigint) TO kastell_app;

--
-- Name: FUNCTION consume_auth_challenge(p_token_hash bytea, p_purpose text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.consume_auth_challenge(p_token_hash bytea, p_purpose text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.consume_auth_challenge(p_token_hash bytea, p_purpose text) TO kastell_app;

--
-- Name: FUNCTION consume_bot_challenge(p_challenge text, p_endpoint text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.consume_bot_challenge(p_challenge text, p_endpoint text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.consume_bot_challenge(p_challenge text, p_endpoint text) TO kastell_app;

--
-- Name: FUNCTION count_requests(p_buckets bytea[], p_window_seconds integer); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.count_requests(p_buckets bytea[], p_window_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app.count_requests(p_buckets bytea[], p_window_seconds integer) TO kastell_app;

--
-- Name: FUNCTION count_share_download(p_share_link_id uuid); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.count_share_download(p_share_link_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.count_share_download(p_share_link_id uuid) TO kastell_app;

--
-- Name: FUNCTION create_auth_challenge(p_token_hash bytea, p_purpose text, p_user_id uuid, p_webauthn_challenge text, p_via_unlock boolean, p_ttl interval); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.create_auth_challenge(p_token_hash bytea, p_purpose text, p_user_id uuid, p_webauthn_challenge text, p_via_unlock boolean, p_ttl interval) FROM PUBLIC;
GRANT ALL ON FUNCTION app.create_auth_challenge(p_token_hash bytea, p_purpose text, p_user_id uuid, p_webauthn_challenge text, p_via_unlock boolean, p_ttl interval) TO kastell_app;

--
-- Name: FUNCTION create_setup_token(p_token_hash bytea, p_ttl interval); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.create_setup_token(p_token_hash bytea, p_ttl interval) FROM PUBLIC;
GRANT ALL ON FUNCTION app.create_setup_token(p_token_hash bytea, p_ttl interval) TO kastell_app;

--
-- Name: FUNCTION create_unlock_token(p_user_id uuid, p_token_hash bytea, p_ttl interval); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.create_unlock_token(p_user_id uuid, p_token_hash bytea, p_ttl interval) FROM PUBLIC;
GRANT ALL ON FUNCTION app.create_unlock_token(p_user_id uuid, p_token_hash bytea, p_ttl interval) TO kastell_app;

--
-- Name: FUNCTION current_company_id(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.current_company_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app.current_company_id() TO kastell_app;

--
-- Name: FUNCTION current_user_id(); Type: ACL; Schema: app; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION app.current_user_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app.current_user_id() TO kastell_app;
GRANT ALL ON FUNCTION app.current_user_id() TO kastell_auth;
GRANT ALL ON FUNCTION app.current_user_id() TO kastell_audit;

--
-- Name: FUNCTION delete_own_passkey(p_passkey_id uuid); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.delete_own_passkey(p_passkey_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.delete_own_passkey(p_passkey_id uuid) TO kastell_app;

--
-- Name: FUNCTION encrypted_column(p_table text, p_column text); Type: ACL; Schema: app; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION app.encrypted_column(p_table text, p_column text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.encrypted_column(p_table text, p_column text) TO kastell_auth;

--
-- Name: FUNCTION encrypted_key_counts(p_table text, p_column text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.encrypted_key_counts(p_table text, p_column text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.encrypted_key_counts(p_table text, p_column text) TO kastell_app;

--
-- Name: FUNCTION encrypted_sample(p_table text, p_column text, p_limit integer); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.encrypted_sample(p_table text, p_column text, p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app.encrypted_sample(p_table text, p_column text, p_limit integer) TO kastell_app;

--
-- Name: FUNCTION end_session(p_token_hash bytea, p_reason text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.end_session(p_token_hash bytea, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.end_session(p_token_hash bytea, p_reason text) TO kastell_app;

--
-- Name: FUNCTION end_session_by_id(p_session_id uuid, p_reason text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.end_session_by_id(p_session_id uuid, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.end_session_by_id(p_session_id uuid, p_reason text) TO kastell_app;

--
-- Name: FUNCTION end_sessions_of(p_user_id uuid, p_reason text, p_except uuid); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.end_sessions_of(p_user_id uuid, p_reason text, p_except uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.end_sessions_of(p_user_id uuid, p_reason text, p_except uuid) TO kastell_app;

--
-- Name: FUNCTION end_user_sessions(p_user_id uuid, p_reason text, p_except uuid); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.end_user_sessions(p_user_id uuid, p_reason text, p_except uuid) FROM PUBLIC;

--
-- Name: FUNCTION erase_person(p_user_id uuid, p_pseudonym text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.erase_person(p_user_id uuid, p_pseudonym text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.erase_person(p_user_id uuid, p_pseudonym text) TO kastell_app;

--
-- Name: FUNCTION factor_adoption_by_role(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.factor_adoption_by_role() FROM PUBLIC;
GRANT ALL ON FUNCTION app.factor_adoption_by_role() TO kastell_app;

--
-- Name: FUNCTION factor_changed(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.factor_changed() FROM PUBLIC;

--
-- Name: FUNCTION find_account(p_email text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.find_account(p_email text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.find_account(p_email text) TO kastell_app;

--
-- Name: FUNCTION find_account_by_id(p_user_id uuid); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.find_account_by_id(p_user_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.find_account_by_id(p_user_id uuid) TO kastell_app;

--
-- Name: FUNCTION find_auth_challenge(p_token_hash bytea, p_purpose text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.find_auth_challenge(p_token_hash bytea, p_purpose text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.find_auth_challenge(p_token_hash bytea, p_purpose text) TO kastell_app;

--
-- Name: FUNCTION find_passkey(p_credential_id text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.find_passkey(p_credential_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.find_passkey(p_credential_id text) TO kastell_app;

--
-- Name: FUNCTION find_share_link(p_token_hash bytea); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.find_share_link(p_token_hash bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION app.find_share_link(p_token_hash bytea) TO kastell_app;

--
-- Name: FUNCTION find_sign_in(p_email text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.find_sign_in(p_email text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.find_sign_in(p_email text) TO kastell_app;

--
-- Name: FUNCTION find_unlock_bypass(p_bypass_hash bytea); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.find_unlock_bypass(p_bypass_hash bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION app.find_unlock_bypass(p_bypass_hash bytea) TO kastell_app;

--
-- Name: FUNCTION finish_notification_mail(p_notification_id uuid, p_sent boolean); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.finish_notification_mail(p_notification_id uuid, p_sent boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app.finish_notification_mail(p_notification_id uuid, p_sent boolean) TO kastell_app;

--
-- Name: FUNCTION follow_report(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.follow_report() FROM PUBLIC;

--
-- Name: FUNCTION has_global(permission text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.has_global(permission text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.has_global(permission text) TO kastell_app;
GRANT ALL ON FUNCTION app.has_global(permission text) TO kastell_audit;

--
-- Name: FUNCTION held_version_company(p_version_id uuid); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.held_version_company(p_version_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.held_version_company(p_version_id uuid) TO kastell_app;

--
-- Name: FUNCTION held_version_uploader(p_version_id uuid); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.held_version_uploader(p_version_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.held_version_uploader(p_version_id uuid) TO kastell_app;

--
-- Name: FUNCTION invite_for_token(p_token_hash bytea); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.invite_for_token(p_token_hash bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION app.invite_for_token(p_token_hash bytea) TO kastell_app;

--
-- Name: FUNCTION issue_bot_challenge(p_challenge text, p_endpoint text, p_seconds integer); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.issue_bot_challenge(p_challenge text, p_endpoint text, p_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app.issue_bot_challenge(p_challenge text, p_endpoint text, p_seconds integer) TO kastell_app;

--
-- Name: FUNCTION job_technician_names(job uuid); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.job_technician_names(job uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.job_technician_names(job uuid) TO kastell_app;

--
-- Name: FUNCTION keep_last_technician(); Type: ACL; Schema: app; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION app.keep_last_technician() FROM PUBLIC;

--
-- Name: FUNCTION may_act_for(p_user_id uuid, p_challenge_hash bytea); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.may_act_for(p_user_id uuid, p_challenge_hash bytea) FROM PUBLIC;

--
-- Name: FUNCTION may_write_report(job uuid); Type: ACL; Schema: app; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION app.may_write_report(job uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.may_write_report(job uuid) TO kastell_app;
GRANT ALL ON FUNCTION app.may_write_report(job uuid) TO kastell_auth;

--
-- Name: FUNCTION memberships_changed(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.memberships_changed() FROM PUBLIC;

--
-- Name: FUNCTION notify(p_kind text, p_job_id uuid, p_request_id uuid, p_audiences text[], p_user_ids uuid[]); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.notify(p_kind text, p_job_id uuid, p_request_id uuid, p_audiences text[], p_user_ids uuid[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app.notify(p_kind text, p_job_id uuid, p_request_id uuid, p_audiences text[], p_user_ids uuid[]) TO kastell_app;

--
-- Name: FUNCTION object_removal_failed(p_id uuid, p_error text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.object_removal_failed(p_id uuid, p_error text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.object_removal_failed(p_id uuid, p_error text) TO kastell_app;

--
-- Name: FUNCTION object_removals_done(p_ids uuid[]); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.object_removals_done(p_ids uuid[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app.object_removals_done(p_ids uuid[]) TO kastell_app;

--
-- Name: FUNCTION object_removals_due(p_limit integer, p_keys text[]); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.object_removals_due(p_limit integer, p_keys text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app.object_removals_due(p_limit integer, p_keys text[]) TO kastell_app;

--
-- Name: FUNCTION object_removals_waiting(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.object_removals_waiting() FROM PUBLIC;
GRANT ALL ON FUNCTION app.object_removals_waiting() TO kastell_app;

--
-- Name: FUNCTION owner_exists(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.owner_exists() FROM PUBLIC;
GRANT ALL ON FUNCTION app.owner_exists() TO kastell_app;

--
-- Name: FUNCTION passkey_credentials_of(p_user_id uuid, p_challenge_hash bytea); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.passkey_credentials_of(p_user_id uuid, p_challenge_hash bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION app.passkey_credentials_of(p_user_id uuid, p_challenge_hash bytea) TO kastell_app;

--
-- Name: FUNCTION password_history_of(p_user_id uuid); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.password_history_of(p_user_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.password_history_of(p_user_id uuid) TO kastell_app;

--
-- Name: FUNCTION password_reset_for_token(p_token_hash bytea); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.password_reset_for_token(p_token_hash bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION app.password_reset_for_token(p_token_hash bytea) TO kastell_app;

--
-- Name: FUNCTION peek_requests(p_buckets bytea[], p_window_seconds integer); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.peek_requests(p_buckets bytea[], p_window_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app.peek_requests(p_buckets bytea[], p_window_seconds integer) TO kastell_app;

--
-- Name: FUNCTION person_data(p_user_id uuid); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.person_data(p_user_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.person_data(p_user_id uuid) TO kastell_app;

--
-- Name: FUNCTION person_data_sources(); Type: ACL; Schema: app; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION app.person_data_sources() FROM PUBLIC;
GRANT ALL ON FUNCTION app.person_data_sources() TO kastell_auth;

--
-- Name: FUNCTION purge_expired_idempotency_keys(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.purge_expired_idempotency_keys() FROM PUBLIC;
GRANT ALL ON FUNCTION app.purge_expired_idempotency_keys() TO kastell_app;

--
-- Name: FUNCTION queue_object_removals(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.queue_object_removals() FROM PUBLIC;

--
-- Name: FUNCTION record_job_status(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.record_job_status() FROM PUBLIC;

--
-- Name: FUNCTION record_passkey_use(p_passkey_id uuid, p_sign_count bigint); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.record_passkey_use(p_passkey_id uuid, p_sign_count bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION app.record_passkey_use(p_passkey_id uuid, p_sign_count bigint) TO kastell_app;

--
-- Name: FUNCTION redeem_unlock_token(p_token_hash bytea, p_bypass_hash bytea, p_bypass_ttl interval); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.redeem_unlock_token(p_token_hash bytea, p_bypass_hash bytea, p_bypass_ttl interval) FROM PUBLIC;
GRANT ALL ON FUNCTION app.redeem_unlock_token(p_token_hash bytea, p_bypass_hash bytea, p_bypass_ttl interval) TO kastell_app;

--
-- Name: FUNCTION refuse_history_change(); Type: ACL; Schema: app; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION app.refuse_history_change() FROM PUBLIC;

--
-- Name: FUNCTION rehash_password(p_user_id uuid, p_old_hash text, p_new_hash text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.rehash_password(p_user_id uuid, p_old_hash text, p_new_hash text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.rehash_password(p_user_id uuid, p_old_hash text, p_new_hash text) TO kastell_app;

--
-- Name: FUNCTION remove_own_totp(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.remove_own_totp() FROM PUBLIC;

--
-- Name: FUNCTION replace_backup_codes(p_user_id uuid, p_challenge_hash bytea, p_hashes text[]); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.replace_backup_codes(p_user_id uuid, p_challenge_hash bytea, p_hashes text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app.replace_backup_codes(p_user_id uuid, p_challenge_hash bytea, p_hashes text[]) TO kastell_app;

--
-- Name: FUNCTION reports_past_retention(p_cutoff timestamp with time zone); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.reports_past_retention(p_cutoff timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app.reports_past_retention(p_cutoff timestamp with time zone) TO kastell_app;

--
-- Name: FUNCTION request_email_change(p_new_email text, p_token_hash bytea); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.request_email_change(p_new_email text, p_token_hash bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION app.request_email_change(p_new_email text, p_token_hash bytea) TO kastell_app;

--
-- Name: FUNCTION request_password_reset(p_email text, p_token_hash bytea, p_ttl interval); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.request_password_reset(p_email text, p_token_hash bytea, p_ttl interval) FROM PUBLIC;
GRANT ALL ON FUNCTION app.request_password_reset(p_email text, p_token_hash bytea, p_ttl interval) TO kastell_app;

--
-- Name: FUNCTION require_act_for(p_user_id uuid, p_challenge_hash bytea); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.require_act_for(p_user_id uuid, p_challenge_hash bytea) FROM PUBLIC;

--
-- Name: FUNCTION reseal_candidates(p_table text, p_column text, p_current text[], p_known text[], p_limit integer, p_after uuid); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.reseal_candidates(p_table text, p_column text, p_current text[], p_known text[], p_limit integer, p_after uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.reseal_candidates(p_table text, p_column text, p_current text[], p_known text[], p_limit integer, p_after uuid) TO kastell_app;

--
-- Name: FUNCTION reseal_fields(p_table text, p_column text, p_row_ids uuid[], p_old text[], p_new text[]); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.reseal_fields(p_table text, p_column text, p_row_ids uuid[], p_old text[], p_new text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app.reseal_fields(p_table text, p_column text, p_row_ids uuid[], p_old text[], p_new text[]) TO kastell_app;

--
-- Name: FUNCTION reseal_objects(p_after uuid, p_limit integer); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.reseal_objects(p_after uuid, p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app.reseal_objects(p_after uuid, p_limit integer) TO kastell_app;

--
-- Name: FUNCTION reseal_report_objects(p_after uuid, p_limit integer); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.reseal_report_objects(p_after uuid, p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app.reseal_report_objects(p_after uuid, p_limit integer) TO kastell_app;

--
-- Name: FUNCTION reseal_totp(p_user_ids uuid[], p_old_secret text[], p_new_secret text[], p_old_pending text[], p_new_pending text[]); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.reseal_totp(p_user_ids uuid[], p_old_secret text[], p_new_secret text[], p_old_pending text[], p_new_pending text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app.reseal_totp(p_user_ids uuid[], p_old_secret text[], p_new_secret text[], p_old_pending text[], p_new_pending text[]) TO kastell_app;

--
-- Name: FUNCTION reset_factors(p_user_id uuid); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.reset_factors(p_user_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.reset_factors(p_user_id uuid) TO kastell_app;

--
-- Name: FUNCTION resume_session(p_token_hash bytea); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.resume_session(p_token_hash bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION app.resume_session(p_token_hash bytea) TO kastell_app;

--
-- Name: FUNCTION retention_aged_at(p_resource text, p_id uuid); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.retention_aged_at(p_resource text, p_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION retention_candidates(p_resource text, p_cutoff timestamp with time zone, p_after uuid, p_limit integer); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.retention_candidates(p_resource text, p_cutoff timestamp with time zone, p_after uuid, p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app.retention_candidates(p_resource text, p_cutoff timestamp with time zone, p_after uuid, p_limit integer) TO kastell_app;

--
-- Name: FUNCTION retention_purge(p_resource text, p_cutoff timestamp with time zone, p_ids uuid[]); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.retention_purge(p_resource text, p_cutoff timestamp with time zone, p_ids uuid[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app.retention_purge(p_resource text, p_cutoff timestamp with time zone, p_ids uuid[]) TO kastell_app;

--
-- Name: FUNCTION role_permissions_changed(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.role_permissions_changed() FROM PUBLIC;

--
-- Name: FUNCTION rotate_session(p_old_hash bytea, p_new_hash bytea, p_reauth boolean); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.rotate_session(p_old_hash bytea, p_new_hash bytea, p_reauth boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app.rotate_session(p_old_hash bytea, p_new_hash bytea, p_reauth boolean) TO kastell_app;

--
-- Name: FUNCTION security_officer_emails(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.security_officer_emails() FROM PUBLIC;
GRANT ALL ON FUNCTION app.security_officer_emails() TO kastell_app;

--
-- Name: FUNCTION sessions_void_password_resets(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.sessions_void_password_resets() FROM PUBLIC;

--
-- Name: FUNCTION set_own_password(p_new_hash text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.set_own_password(p_new_hash text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.set_own_password(p_new_hash text) TO kastell_app;

--
-- Name: FUNCTION setup_token_valid(p_token_hash bytea); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.setup_token_valid(p_token_hash bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION app.setup_token_valid(p_token_hash bytea) TO kastell_app;

--
-- Name: FUNCTION share_link_failed(p_share_link_id uuid); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.share_link_failed(p_share_link_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app.share_link_failed(p_share_link_id uuid) TO kastell_app;

--
-- Name: FUNCTION start_session(p_user_id uuid, p_token_hash bytea, p_idle_timeout interval, p_ip text, p_user_agent text, p_auth_method text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.start_session(p_user_id uuid, p_token_hash bytea, p_idle_timeout interval, p_ip text, p_user_agent text, p_auth_method text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.start_session(p_user_id uuid, p_token_hash bytea, p_idle_timeout interval, p_ip text, p_user_agent text, p_auth_method text) TO kastell_app;

--
-- Name: FUNCTION totp_key_counts(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.totp_key_counts() FROM PUBLIC;
GRANT ALL ON FUNCTION app.totp_key_counts() TO kastell_app;

--
-- Name: FUNCTION totp_reseal_candidates(p_current text, p_after uuid, p_limit integer); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.totp_reseal_candidates(p_current text, p_after uuid, p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app.totp_reseal_candidates(p_current text, p_after uuid, p_limit integer) TO kastell_app;

--
-- Name: FUNCTION totp_state(p_user_id uuid, p_challenge_hash bytea); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.totp_state(p_user_id uuid, p_challenge_hash bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION app.totp_state(p_user_id uuid, p_challenge_hash bytea) TO kastell_app;

--
-- Name: FUNCTION touch_updated_at(); Type: ACL; Schema: app; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION app.touch_updated_at() FROM PUBLIC;

--
-- Name: FUNCTION use_backup_code(p_user_id uuid, p_challenge_hash bytea, p_slot integer, p_code_hash text); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.use_backup_code(p_user_id uuid, p_challenge_hash bytea, p_slot integer, p_code_hash text) FROM PUBLIC;
GRANT ALL ON FUNCTION app.use_backup_code(p_user_id uuid, p_challenge_hash bytea, p_slot integer, p_code_hash text) TO kastell_app;

--
-- Name: FUNCTION use_totp_step(p_user_id uuid, p_challenge_hash bytea, p_step bigint); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.use_totp_step(p_user_id uuid, p_challenge_hash bytea, p_step bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION app.use_totp_step(p_user_id uuid, p_challenge_hash bytea, p_step bigint) TO kastell_app;

--
-- Name: FUNCTION users_first_password(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.users_first_password() FROM PUBLIC;

--
-- Name: FUNCTION users_identity_changed(); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.users_identity_changed() FROM PUBLIC;

--
-- Name: FUNCTION uuidv7(); Type: ACL; Schema: app; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION app.uuidv7() FROM PUBLIC;
GRANT ALL ON FUNCTION app.uuidv7() TO kastell_app;
GRANT ALL ON FUNCTION app.uuidv7() TO kastell_auth;
GRANT ALL ON FUNCTION app.uuidv7() TO kastell_audit;

--
-- Name: FUNCTION withdraw_auth_attempt(p_attempt_id uuid, p_reset boolean); Type: ACL; Schema: app; Owner: kastell_auth
--

REVOKE ALL ON FUNCTION app.withdraw_auth_attempt(p_attempt_id uuid, p_reset boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app.withdraw_auth_attempt(p_attempt_id uuid, p_reset boolean) TO kastell_app;

--
-- Name: FUNCTION append(p_actor_type text, p_actor_id uuid, p_actor_label text, p_action text, p_entity_type text, p_entity_id text, p_company_id uuid, p_outcome text, p_ip_hmac bytea, p_user_agent_hmac bytea, p_request_id uuid, p_detail jsonb); Type: ACL; Schema: audit; Owner: kastell_audit
--

REVOKE ALL ON FUNCTION audit.append(p_actor_type text, p_actor_id uuid, p_actor_label text, p_action text, p_entity_type text, p_entity_id text, p_company_id uuid, p_outcome text, p_ip_hmac bytea, p_user_agent_hmac bytea, p_request_id uuid, p_detail jsonb) FROM PUBLIC;

--
-- Name: FUNCTION append_links(p_seqs bigint[], p_event_ids uuid[], p_occurred timestamp with time zone[], p_txids xid8[], p_prev bytea[], p_hashes bytea[], p_key_ids text[], p_macs bytea[], p_chained_at timestamp with time zone); Type: ACL; Schema: audit; Owner: kastell_audit
--

REVOKE ALL ON FUNCTION audit.append_links(p_seqs bigint[], p_event_ids uuid[], p_occurred timestamp with time zone[], p_txids xid8[], p_prev bytea[], p_hashes bytea[], p_key_ids text[], p_macs bytea[], p_chained_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION audit.append_links(p_seqs bigint[], p_event_ids uuid[], p_occurred timestamp with time zone[], p_txids xid8[], p_prev bytea[], p_hashes bytea[], p_key_ids text[], p_macs bytea[], p_chained_at timestamp with time zone) TO kastell_app;

--
-- Name: FUNCTION append_signed(p_event_id uuid, p_occurred_at timestamp with time zone, p_actor_type text, p_actor_id uuid, p_actor_label text, p_action text, p_entity_type text, p_entity_id text, p_company_id uuid, p_outcome text, p_ip_hmac bytea, p_user_agent_hmac bytea, p_request_id uuid, p_detail jsonb, p_key_id text, p_signature bytea); Type: ACL; Schema: audit; Owner: kastell_audit
--

REVOKE ALL ON FUNCTION audit.append_signed(p_event_id uuid, p_occurred_at timestamp with time zone, p_actor_type text, p_actor_id uuid, p_actor_label text, p_action text, p_entity_type text, p_entity_id text, p_company_id uuid, p_outcome text, p_ip_hmac bytea, p_user_agent_hmac bytea, p_request_id uuid, p_detail jsonb, p_key_id text, p_signature bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION audit.append_signed(p_event_id uuid, p_occurred_at timestamp with time zone, p_actor_type text, p_actor_id uuid, p_actor_label text, p_action text, p_entity_type text, p_entity_id text, p_company_id uuid, p_outcome text, p_ip_hmac bytea, p_user_agent_hmac bytea, p_request_id uuid, p_detail jsonb, p_key_id text, p_signature bytea) TO kastell_app;

--
-- Name: FUNCTION chain_head(); Type: ACL; Schema: audit; Owner: kastell_audit
--

REVOKE ALL ON FUNCTION audit.chain_head() FROM PUBLIC;
GRANT ALL ON FUNCTION audit.chain_head() TO kastell_app;

--
-- Name: FUNCTION chain_range(p_after_seq bigint, p_through_seq bigint); Type: ACL; Schema: audit; Owner: kastell_audit
--

REVOKE ALL ON FUNCTION audit.chain_range(p_after_seq bigint, p_through_seq bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION audit.chain_range(p_after_seq bigint, p_through_seq bigint) TO kastell_app;

--
-- Name: FUNCTION chain_slice(p_after_seq bigint, p_limit integer); Type: ACL; Schema: audit; Owner: kastell_audit
--

REVOKE ALL ON FUNCTION audit.chain_slice(p_after_seq bigint, p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION audit.chain_slice(p_after_seq bigint, p_limit integer) TO kastell_app;

--
-- Name: FUNCTION chain_stats(); Type: ACL; Schema: audit; Owner: kastell_audit
--

REVOKE ALL ON FUNCTION audit.chain_stats() FROM PUBLIC;
GRANT ALL ON FUNCTION audit.chain_stats() TO kastell_app;

--
-- Name: FUNCTION drop_expired_month(p_month date, p_event_id uuid, p_occurred_at timestamp with time zone, p_detail jsonb, p_key_id text, p_signature bytea); Type: ACL; Schema: audit; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION audit.drop_expired_month(p_month date, p_event_id uuid, p_occurred_at timestamp with time zone, p_detail jsonb, p_key_id text, p_signature bytea) FROM PUBLIC;
GRANT ALL ON FUNCTION audit.drop_expired_month(p_month date, p_event_id uuid, p_occurred_at timestamp with time zone, p_detail jsonb, p_key_id text, p_signature bytea) TO kastell_app;

--
-- Name: FUNCTION ensure_partitions(p_months_ahead integer); Type: ACL; Schema: audit; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION audit.ensure_partitions(p_months_ahead integer) FROM PUBLIC;
GRANT ALL ON FUNCTION audit.ensure_partitions(p_months_ahead integer) TO kastell_app;

--
-- Name: FUNCTION events_naming(p_user_id uuid); Type: ACL; Schema: audit; Owner: kastell_audit
--

REVOKE ALL ON FUNCTION audit.events_naming(p_user_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION audit.events_naming(p_user_id uuid) TO kastell_app;

--
-- Name: FUNCTION expired_month_links(p_month date); Type: ACL; Schema: audit; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION audit.expired_month_links(p_month date) FROM PUBLIC;
GRANT ALL ON FUNCTION audit.expired_month_links(p_month date) TO kastell_app;

--
-- Name: FUNCTION latest_checkpoint(); Type: ACL; Schema: audit; Owner: kastell_audit
--

REVOKE ALL ON FUNCTION audit.latest_checkpoint() FROM PUBLIC;
GRANT ALL ON FUNCTION audit.latest_checkpoint() TO kastell_app;

--
-- Name: FUNCTION latest_verification_summary(); Type: ACL; Schema: audit; Owner: kastell_audit
--

REVOKE ALL ON FUNCTION audit.latest_verification_summary() FROM PUBLIC;
GRANT ALL ON FUNCTION audit.latest_verification_summary() TO kastell_app;

--
-- Name: FUNCTION note_download(p_subject_type text, p_subject_id uuid, p_company_id uuid, p_limit integer, p_window_seconds integer); Type: ACL; Schema: audit; Owner: kastell_audit
--

REVOKE ALL ON FUNCTION audit.note_download(p_subject_type text, p_subject_id uuid, p_company_id uuid, p_limit integer, p_window_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION audit.note_download(p_subject_type text, p_subject_id uuid, p_company_id uuid, p_limit integer, p_window_seconds integer) TO kastell_app;

--
-- Name: FUNCTION partition_months(); Type: ACL; Schema: audit; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION audit.partition_months() FROM PUBLIC;
GRANT ALL ON FUNCTION audit.partition_months() TO kastell_app;

--
-- Name: FUNCTION pending_events(p_after_txid xid8, p_after_ingest bigint, p_limit integer); Type: ACL; Schema: audit; Owner: kastell_audit
--

REVOKE ALL ON FUNCTION audit.pending_events(p_after_txid xid8, p_after_ingest bigint, p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION audit.pending_events(p_after_txid xid8, p_after_ingest bigint, p_limit integer) TO kastell_app;

--
-- Name: FUNCTION record_checkpoint(p_seq bigint, p_hash bytea, p_statement text, p_signature text); Type: ACL; Schema: audit; Owner: kastell_audit
--

REVOKE ALL ON FUNCTION audit.record_checkpoint(p_seq bigint, p_hash bytea, p_statement text, p_signature text) FROM PUBLIC;
GRANT ALL ON FUNCTION audit.record_checkpoint(p_seq bigint, p_hash bytea, p_statement text, p_signature text) TO kastell_app;

--
-- Name: FUNCTION record_export(p_day date, p_first bigint, p_last bigint, p_count bigint, p_target text, p_manifest_sha256 bytea, p_verified boolean); Type: ACL; Schema: audit; Owner: kastell_audit
--

REVOKE ALL ON FUNCTION audit.record_export(p_day date, p_first bigint, p_last bigint, p_count bigint, p_target text, p_manifest_sha256 bytea, p_verified boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION audit.record_export(p_day date, p_first bigint, p_last bigint, p_count bigint, p_target text, p_manifest_sha256 bytea, p_verified boolean) TO kastell_app;

--
-- Name: FUNCTION record_verification(p_ok boolean, p_checked bigint, p_head bigint, p_first_bad bigint, p_problem text, p_duration_ms integer, p_started timestamp with time zone); Type: ACL; Schema: audit; Owner: kastell_audit
--

REVOKE ALL ON FUNCTION audit.record_verification(p_ok boolean, p_checked bigint, p_head bigint, p_first_bad bigint, p_problem text, p_duration_ms integer, p_started timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION audit.record_verification(p_ok boolean, p_checked bigint, p_head bigint, p_first_bad bigint, p_problem text, p_duration_ms integer, p_started timestamp with time zone) TO kastell_app;

--
-- Name: FUNCTION refuse_change(); Type: ACL; Schema: audit; Owner: kastell_owner
--

REVOKE ALL ON FUNCTION audit.refuse_change() FROM PUBLIC;

--
-- Name: FUNCTION report_seal_event(p_sealed_sha256 text); Type: ACL; Schema: audit; Owner: kastell_audit
--

REVOKE ALL ON FUNCTION audit.report_seal_event(p_sealed_sha256 text) FROM PUBLIC;
GRANT ALL ON FUNCTION audit.report_seal_event(p_sealed_sha256 text) TO kastell_app;

--
-- Name: FUNCTION seq_range(p_from timestamp with time zone, p_to timestamp with time zone); Type: ACL; Schema: audit; Owner: kastell_audit
--

REVOKE ALL ON FUNCTION audit.seq_range(p_from timestamp with time zone, p_to timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION audit.seq_range(p_from timestamp with time zone, p_to timestamp with time zone) TO kastell_app;

--
-- Name: FUNCTION unchained_before(p_before timestamp with time zone); Type: ACL; Schema: audit; Owner: kastell_audit
--

REVOKE ALL ON FUNCTION audit.unchained_before(p_before timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION audit.unchained_before(p_before timestamp with time zone) TO kastell_app;

--
-- Name: FUNCTION unsigned_through(); Type: ACL; Schema: audit; Owner: kastell_audit
--

REVOKE ALL ON FUNCTION audit.unsigned_through() FROM PUBLIC;
GRANT ALL ON FUNCTION audit.unsigned_through() TO kastell_app;

--
-- Name: TABLE chain; Type: ACL; Schema: audit; Owner: kastell_owner
--

GRANT SELECT,INSERT ON TABLE audit.chain TO kastell_audit;

--
-- Name: TABLE chain_default; Type: ACL; Schema: audit; Owner: kastell_owner
--

GRANT SELECT,INSERT ON TABLE audit.chain_default TO kastell_audit;

--
-- Name: TABLE checkpoints; Type: ACL; Schema: audit; Owner: kastell_owner
--

GRANT SELECT,INSERT ON TABLE audit.checkpoints TO kastell_audit;
GRANT SELECT ON TABLE audit.checkpoints TO kastell_app;

--
-- Name: SEQUENCE events_ingest_seq; Type: ACL; Schema: audit; Owner: kastell_owner
--

GRANT USAGE ON SEQUENCE audit.events_ingest_seq TO kastell_audit;

--
-- Name: TABLE events; Type: ACL; Schema: audit; Owner: kastell_owner
--

GRANT SELECT,INSERT ON TABLE audit.events TO kastell_audit;
GRANT SELECT ON TABLE audit.events TO kastell_app;

--
-- Name: TABLE events_default; Type: ACL; Schema: audit; Owner: kastell_owner
--

GRANT SELECT,INSERT ON TABLE audit.events_default TO kastell_audit;

--
-- Name: TABLE exports; Type: ACL; Schema: audit; Owner: kastell_owner
--

GRANT SELECT,INSERT ON TABLE audit.exports TO kastell_audit;
GRANT SELECT ON TABLE audit.exports TO kastell_app;

--
-- Name: TABLE retention_log; Type: ACL; Schema: audit; Owner: kastell_owner
--

GRANT SELECT,INSERT ON TABLE audit.retention_log TO kastell_audit;

--
-- Name: TABLE signing_start; Type: ACL; Schema: audit; Owner: kastell_owner
--

GRANT SELECT,INSERT ON TABLE audit.signing_start TO kastell_audit;

--
-- Name: TABLE verifications; Type: ACL; Schema: audit; Owner: kastell_owner
--

GRANT SELECT,INSERT ON TABLE audit.verifications TO kastell_audit;
GRANT SELECT ON TABLE audit.verifications TO kastell_app;

--
-- Name: TABLE assets; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE kastell.assets TO kastell_app;

--
-- Name: TABLE auth_challenges; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE kastell.auth_challenges TO kastell_auth;

--
-- Name: TABLE auth_failures; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE ON TABLE kastell.auth_failures TO kastell_auth;

--
-- Name: TABLE backup_codes; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE kastell.backup_codes TO kastell_auth;

--
-- Name: COLUMN backup_codes.user_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(user_id) ON TABLE kastell.backup_codes TO kastell_app;

--
-- Name: COLUMN backup_codes.slot; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(slot) ON TABLE kastell.backup_codes TO kastell_app;

--
-- Name: COLUMN backup_codes.used_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(used_at) ON TABLE kastell.backup_codes TO kastell_app;

--
-- Name: COLUMN backup_codes.created_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(created_at) ON TABLE kastell.backup_codes TO kastell_app;

--
-- Name: TABLE bot_challenges; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE kastell.bot_challenges TO kastell_auth;

--
-- Name: TABLE companies; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE kastell.companies TO kastell_app;
GRANT SELECT ON TABLE kastell.companies TO kastell_auth;

--
-- Name: TABLE document_versions; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT ON TABLE kastell.document_versions TO kastell_app;
GRANT SELECT,DELETE ON TABLE kastell.document_versions TO kastell_auth;

--
-- Name: COLUMN document_versions.version_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(version_id) ON TABLE kastell.document_versions TO kastell_auth;

--
-- Name: COLUMN document_versions.owner_company_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(owner_company_id) ON TABLE kastell.document_versions TO kastell_auth;

--
-- Name: COLUMN document_versions.status; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(status) ON TABLE kastell.document_versions TO kastell_app;
GRANT SELECT(status) ON TABLE kastell.document_versions TO kastell_auth;

--
-- Name: COLUMN document_versions.reason; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(reason) ON TABLE kastell.document_versions TO kastell_app;

--
-- Name: COLUMN document_versions.detected_type; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(detected_type) ON TABLE kastell.document_versions TO kastell_app;

--
-- Name: COLUMN document_versions.size; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(size) ON TABLE kastell.document_versions TO kastell_app;

--
-- Name: COLUMN document_versions.sha256; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(sha256) ON TABLE kastell.document_versions TO kastell_app;

--
-- Name: COLUMN document_versions.object_key; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(object_key) ON TABLE kastell.document_versions TO kastell_app;
GRANT SELECT(object_key) ON TABLE kastell.document_versions TO kastell_auth;

--
-- Name: COLUMN document_versions.uploaded_by; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(uploaded_by) ON TABLE kastell.document_versions TO kastell_auth;

--
-- Name: COLUMN document_versions.decided_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(decided_at) ON TABLE kastell.document_versions TO kastell_app;

--
-- Name: TABLE documents; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE ON TABLE kastell.documents TO kastell_app;
GRANT SELECT,DELETE ON TABLE kastell.documents TO kastell_auth;

--
-- Name: COLUMN documents.document_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(document_id) ON TABLE kastell.documents TO kastell_auth;

--
-- Name: COLUMN documents.owner_company_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(owner_company_id) ON TABLE kastell.documents TO kastell_auth;

--
-- Name: COLUMN documents.title; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(title) ON TABLE kastell.documents TO kastell_app;

--
-- Name: COLUMN documents.kind; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(kind) ON TABLE kastell.documents TO kastell_app;

--
-- Name: COLUMN documents.job_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(job_id) ON TABLE kastell.documents TO kastell_auth;

--
-- Name: TABLE email_changes; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE kastell.email_changes TO kastell_auth;

--
-- Name: TABLE idempotency_keys; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE ON TABLE kastell.idempotency_keys TO kastell_app;
GRANT SELECT,DELETE ON TABLE kastell.idempotency_keys TO kastell_auth;

--
-- Name: COLUMN idempotency_keys.response_status; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(response_status) ON TABLE kastell.idempotency_keys TO kastell_app;

--
-- Name: COLUMN idempotency_keys.response_sealed; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(response_sealed) ON TABLE kastell.idempotency_keys TO kastell_app;

--
-- Name: TABLE invites; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT ON TABLE kastell.invites TO kastell_app;
GRANT SELECT,UPDATE ON TABLE kastell.invites TO kastell_auth;

--
-- Name: COLUMN invites.invite_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(invite_id) ON TABLE kastell.invites TO kastell_app;

--
-- Name: COLUMN invites.email; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(email),INSERT(email) ON TABLE kastell.invites TO kastell_app;

--
-- Name: COLUMN invites.role_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(role_id),INSERT(role_id) ON TABLE kastell.invites TO kastell_app;

--
-- Name: COLUMN invites.company_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(company_id),INSERT(company_id) ON TABLE kastell.invites TO kastell_app;

--
-- Name: COLUMN invites.token_hash; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(token_hash),UPDATE(token_hash) ON TABLE kastell.invites TO kastell_app;

--
-- Name: COLUMN invites.invited_by; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(invited_by),INSERT(invited_by) ON TABLE kastell.invites TO kastell_app;

--
-- Name: COLUMN invites.expires_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(expires_at),INSERT(expires_at),UPDATE(expires_at) ON TABLE kastell.invites TO kastell_app;

--
-- Name: COLUMN invites.accepted_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(accepted_at) ON TABLE kastell.invites TO kastell_app;

--
-- Name: COLUMN invites.revoked_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(revoked_at),UPDATE(revoked_at) ON TABLE kastell.invites TO kastell_app;

--
-- Name: COLUMN invites.created_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(created_at) ON TABLE kastell.invites TO kastell_app;

--
-- Name: COLUMN invites.locale; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(locale),INSERT(locale) ON TABLE kastell.invites TO kastell_app;

--
-- Name: COLUMN invites.membership_days; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(membership_days),INSERT(membership_days) ON TABLE kastell.invites TO kastell_app;

--
-- Name: COLUMN invites.sent_count; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(sent_count),UPDATE(sent_count) ON TABLE kastell.invites TO kastell_app;

--
-- Name: COLUMN invites.last_sent_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(last_sent_at),UPDATE(last_sent_at) ON TABLE kastell.invites TO kastell_app;

--
-- Name: TABLE job_assets; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE ON TABLE kastell.job_assets TO kastell_app;
GRANT SELECT ON TABLE kastell.job_assets TO kastell_auth;

--
-- Name: TABLE job_assignments; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,DELETE ON TABLE kastell.job_assignments TO kastell_app;
GRANT SELECT ON TABLE kastell.job_assignments TO kastell_auth;

--
-- Name: COLUMN job_assignments.job_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(job_id) ON TABLE kastell.job_assignments TO kastell_app;

--
-- Name: COLUMN job_assignments.technician_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(technician_id) ON TABLE kastell.job_assignments TO kastell_app;

--
-- Name: COLUMN job_assignments.company_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(company_id) ON TABLE kastell.job_assignments TO kastell_app;

--
-- Name: COLUMN job_assignments.assigned_by; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(assigned_by) ON TABLE kastell.job_assignments TO kastell_app;

--
-- Name: TABLE job_message_reads; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT ON TABLE kastell.job_message_reads TO kastell_app;
GRANT SELECT,DELETE ON TABLE kastell.job_message_reads TO kastell_auth;

--
-- Name: COLUMN job_message_reads.job_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(job_id) ON TABLE kastell.job_message_reads TO kastell_app;

--
-- Name: COLUMN job_message_reads.company_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(company_id) ON TABLE kastell.job_message_reads TO kastell_app;

--
-- Name: COLUMN job_message_reads.read_up_to; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(read_up_to),UPDATE(read_up_to) ON TABLE kastell.job_message_reads TO kastell_app;

--
-- Name: TABLE job_messages; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT ON TABLE kastell.job_messages TO kastell_app;
GRANT SELECT,DELETE ON TABLE kastell.job_messages TO kastell_auth;

--
-- Name: COLUMN job_messages.message_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(message_id) ON TABLE kastell.job_messages TO kastell_app;
GRANT SELECT(message_id) ON TABLE kastell.job_messages TO kastell_auth;

--
-- Name: COLUMN job_messages.job_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(job_id) ON TABLE kastell.job_messages TO kastell_app;

--
-- Name: COLUMN job_messages.company_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(company_id) ON TABLE kastell.job_messages TO kastell_app;
GRANT SELECT(company_id) ON TABLE kastell.job_messages TO kastell_auth;

--
-- Name: COLUMN job_messages.internal; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(internal) ON TABLE kastell.job_messages TO kastell_app;

--
-- Name: COLUMN job_messages.body; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(body) ON TABLE kastell.job_messages TO kastell_app;
GRANT SELECT(body),UPDATE(body) ON TABLE kastell.job_messages TO kastell_auth;

--
-- Name: TABLE job_status_history; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT ON TABLE kastell.job_status_history TO kastell_app;
GRANT SELECT,INSERT ON TABLE kastell.job_status_history TO kastell_auth;

--
-- Name: TABLE job_status_transitions; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT ON TABLE kastell.job_status_transitions TO kastell_app;
GRANT SELECT ON TABLE kastell.job_status_transitions TO kastell_auth;

--
-- Name: TABLE jobs; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT ON TABLE kastell.jobs TO kastell_app;
GRANT SELECT ON TABLE kastell.jobs TO kastell_auth;

--
-- Name: COLUMN jobs.company_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(company_id) ON TABLE kastell.jobs TO kastell_app;

--
-- Name: COLUMN jobs.site_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(site_id) ON TABLE kastell.jobs TO kastell_app;

--
-- Name: COLUMN jobs.request_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(request_id) ON TABLE kastell.jobs TO kastell_app;

--
-- Name: COLUMN jobs.title; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(title),UPDATE(title) ON TABLE kastell.jobs TO kastell_app;

--
-- Name: COLUMN jobs.description; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(description),UPDATE(description) ON TABLE kastell.jobs TO kastell_app;

--
-- Name: COLUMN jobs.status; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(status) ON TABLE kastell.jobs TO kastell_app;
GRANT UPDATE(status) ON TABLE kastell.jobs TO kastell_auth;

--
-- Name: COLUMN jobs.planned_start; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(planned_start),UPDATE(planned_start) ON TABLE kastell.jobs TO kastell_app;

--
-- Name: COLUMN jobs.actual_start; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(actual_start) ON TABLE kastell.jobs TO kastell_app;

--
-- Name: COLUMN jobs.report_frozen_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(report_frozen_at) ON TABLE kastell.jobs TO kastell_auth;

--
-- Name: COLUMN jobs.status_reason; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(status_reason) ON TABLE kastell.jobs TO kastell_app;
GRANT UPDATE(status_reason) ON TABLE kastell.jobs TO kastell_auth;

--
-- Name: COLUMN jobs.created_by; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(created_by) ON TABLE kastell.jobs TO kastell_app;

--
-- Name: TABLE memberships; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,DELETE ON TABLE kastell.memberships TO kastell_app;
GRANT SELECT,INSERT,DELETE ON TABLE kastell.memberships TO kastell_auth;

--
-- Name: COLUMN memberships.role_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(role_id) ON TABLE kastell.memberships TO kastell_app;

--
-- Name: TABLE notifiable_breaches; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT ON TABLE kastell.notifiable_breaches TO kastell_auth;

--
-- Name: COLUMN notifiable_breaches.breach_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(breach_id) ON TABLE kastell.notifiable_breaches TO kastell_app;

--
-- Name: COLUMN notifiable_breaches.title; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(title),INSERT(title) ON TABLE kastell.notifiable_breaches TO kastell_app;

--
-- Name: COLUMN notifiable_breaches.description; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(description),INSERT(description) ON TABLE kastell.notifiable_breaches TO kastell_app;

--
-- Name: COLUMN notifiable_breaches.occurred_on; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(occurred_on),INSERT(occurred_on) ON TABLE kastell.notifiable_breaches TO kastell_app;

--
-- Name: COLUMN notifiable_breaches.discovered_on; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(discovered_on),INSERT(discovered_on) ON TABLE kastell.notifiable_breaches TO kastell_app;

--
-- Name: COLUMN notifiable_breaches.authority; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(authority),INSERT(authority),UPDATE(authority) ON TABLE kastell.notifiable_breaches TO kastell_app;

--
-- Name: COLUMN notifiable_breaches.authority_notified_on; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(authority_notified_on),INSERT(authority_notified_on),UPDATE(authority_notified_on) ON TABLE kastell.notifiable_breaches TO kastell_app;

--
-- Name: COLUMN notifiable_breaches.subjects_notified_on; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(subjects_notified_on),INSERT(subjects_notified_on),UPDATE(subjects_notified_on) ON TABLE kastell.notifiable_breaches TO kastell_app;

--
-- Name: COLUMN notifiable_breaches.entered_by; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(entered_by) ON TABLE kastell.notifiable_breaches TO kastell_app;

--
-- Name: COLUMN notifiable_breaches.created_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(created_at) ON TABLE kastell.notifiable_breaches TO kastell_app;

--
-- Name: COLUMN notifiable_breaches.updated_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(updated_at) ON TABLE kastell.notifiable_breaches TO kastell_app;

--
-- Name: TABLE notification_kinds; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT ON TABLE kastell.notification_kinds TO kastell_app;
GRANT SELECT ON TABLE kastell.notification_kinds TO kastell_auth;

--
-- Name: TABLE notification_preferences; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT ON TABLE kastell.notification_preferences TO kastell_app;
GRANT SELECT,DELETE ON TABLE kastell.notification_preferences TO kastell_auth;

--
-- Name: COLUMN notification_preferences.kind; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(kind) ON TABLE kastell.notification_preferences TO kastell_app;

--
-- Name: COLUMN notification_preferences.in_app; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(in_app),UPDATE(in_app) ON TABLE kastell.notification_preferences TO kastell_app;

--
-- Name: COLUMN notification_preferences.email; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(email),UPDATE(email) ON TABLE kastell.notification_preferences TO kastell_app;

--
-- Name: TABLE notifications; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE ON TABLE kastell.notifications TO kastell_auth;

--
-- Name: COLUMN notifications.notification_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(notification_id) ON TABLE kastell.notifications TO kastell_app;

--
-- Name: COLUMN notifications.user_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(user_id) ON TABLE kastell.notifications TO kastell_app;

--
-- Name: COLUMN notifications.kind; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(kind) ON TABLE kastell.notifications TO kastell_app;

--
-- Name: COLUMN notifications.company_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(company_id) ON TABLE kastell.notifications TO kastell_app;

--
-- Name: COLUMN notifications.job_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(job_id) ON TABLE kastell.notifications TO kastell_app;

--
-- Name: COLUMN notifications.request_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(request_id) ON TABLE kastell.notifications TO kastell_app;

--
-- Name: COLUMN notifications.in_app; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(in_app) ON TABLE kastell.notifications TO kastell_app;

--
-- Name: COLUMN notifications.read_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(read_at),UPDATE(read_at) ON TABLE kastell.notifications TO kastell_app;

--
-- Name: COLUMN notifications.mail_status; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(mail_status) ON TABLE kastell.notifications TO kastell_auth;

--
-- Name: COLUMN notifications.mail_attempts; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(mail_attempts) ON TABLE kastell.notifications TO kastell_auth;

--
-- Name: COLUMN notifications.mail_claimed_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(mail_claimed_at) ON TABLE kastell.notifications TO kastell_auth;

--
-- Name: COLUMN notifications.mail_sent_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(mail_sent_at) ON TABLE kastell.notifications TO kastell_auth;

--
-- Name: COLUMN notifications.created_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(created_at) ON TABLE kastell.notifications TO kastell_app;

--
-- Name: TABLE object_removals; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE kastell.object_removals TO kastell_auth;

--
-- Name: TABLE organisation; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT ON TABLE kastell.organisation TO kastell_app;
GRANT SELECT ON TABLE kastell.organisation TO kastell_auth;

--
-- Name: COLUMN organisation.name; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(name) ON TABLE kastell.organisation TO kastell_app;

--
-- Name: COLUMN organisation.default_locale; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(default_locale) ON TABLE kastell.organisation TO kastell_app;

--
-- Name: TABLE passkeys; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE kastell.passkeys TO kastell_auth;

--
-- Name: COLUMN passkeys.passkey_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(passkey_id) ON TABLE kastell.passkeys TO kastell_app;

--
-- Name: COLUMN passkeys.user_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(user_id) ON TABLE kastell.passkeys TO kastell_app;

--
-- Name: COLUMN passkeys.name; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(name) ON TABLE kastell.passkeys TO kastell_app;

--
-- Name: COLUMN passkeys.created_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(created_at) ON TABLE kastell.passkeys TO kastell_app;

--
-- Name: COLUMN passkeys.last_used_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(last_used_at) ON TABLE kastell.passkeys TO kastell_app;

--
-- Name: TABLE password_history; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE ON TABLE kastell.password_history TO kastell_auth;

--
-- Name: TABLE password_reset_tokens; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE kastell.password_reset_tokens TO kastell_auth;

--
-- Name: TABLE permissions; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT ON TABLE kastell.permissions TO kastell_app;
GRANT SELECT ON TABLE kastell.permissions TO kastell_auth;

--
-- Name: TABLE rate_limit_windows; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE kastell.rate_limit_windows TO kastell_auth;

--
-- Name: TABLE report_measurements; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,DELETE ON TABLE kastell.report_measurements TO kastell_app;

--
-- Name: COLUMN report_measurements.measurement_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(measurement_id) ON TABLE kastell.report_measurements TO kastell_app;
GRANT SELECT(measurement_id) ON TABLE kastell.report_measurements TO kastell_auth;

--
-- Name: COLUMN report_measurements.report_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(report_id) ON TABLE kastell.report_measurements TO kastell_app;

--
-- Name: COLUMN report_measurements.company_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(company_id) ON TABLE kastell.report_measurements TO kastell_app;
GRANT SELECT(company_id) ON TABLE kastell.report_measurements TO kastell_auth;

--
-- Name: COLUMN report_measurements."position"; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT("position") ON TABLE kastell.report_measurements TO kastell_app;

--
-- Name: COLUMN report_measurements.quantity; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(quantity) ON TABLE kastell.report_measurements TO kastell_app;

--
-- Name: COLUMN report_measurements.value; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(value) ON TABLE kastell.report_measurements TO kastell_app;
GRANT SELECT(value),UPDATE(value) ON TABLE kastell.report_measurements TO kastell_auth;

--
-- Name: COLUMN report_measurements.unit; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(unit) ON TABLE kastell.report_measurements TO kastell_app;

--
-- Name: TABLE report_photos; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,DELETE ON TABLE kastell.report_photos TO kastell_app;

--
-- Name: COLUMN report_photos.report_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(report_id) ON TABLE kastell.report_photos TO kastell_app;

--
-- Name: COLUMN report_photos.document_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(document_id) ON TABLE kastell.report_photos TO kastell_app;

--
-- Name: COLUMN report_photos.job_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(job_id) ON TABLE kastell.report_photos TO kastell_app;

--
-- Name: COLUMN report_photos.company_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(company_id) ON TABLE kastell.report_photos TO kastell_app;

--
-- Name: COLUMN report_photos."position"; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT("position") ON TABLE kastell.report_photos TO kastell_app;

--
-- Name: TABLE role_permissions; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE ON TABLE kastell.role_permissions TO kastell_app;
GRANT SELECT ON TABLE kastell.role_permissions TO kastell_auth;

--
-- Name: TABLE roles; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE ON TABLE kastell.roles TO kastell_app;
GRANT SELECT ON TABLE kastell.roles TO kastell_auth;

--
-- Name: COLUMN roles.name; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(name) ON TABLE kastell.roles TO kastell_app;

--
-- Name: TABLE service_reports; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT ON TABLE kastell.service_reports TO kastell_app;
GRANT SELECT ON TABLE kastell.service_reports TO kastell_auth;

--
-- Name: COLUMN service_reports.report_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(report_id) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.job_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(job_id) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.company_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(company_id) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.version; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(version) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.status; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(status) ON TABLE kastell.service_reports TO kastell_app;
GRANT UPDATE(status) ON TABLE kastell.service_reports TO kastell_auth;

--
-- Name: COLUMN service_reports.work_done; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(work_done),UPDATE(work_done) ON TABLE kastell.service_reports TO kastell_app;
GRANT UPDATE(work_done) ON TABLE kastell.service_reports TO kastell_auth;

--
-- Name: COLUMN service_reports.language; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(language),UPDATE(language) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.created_by; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(created_by) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.frozen_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(frozen_at) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.frozen_by; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(frozen_by) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.pdf_object_key; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(pdf_object_key) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.pdf_sha256; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(pdf_sha256) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.signed_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(signed_at) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.signed_by; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(signed_by) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.signer_name; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(signer_name) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.signed_how; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(signed_how) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.signer_ip_hash; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(signer_ip_hash) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.signer_ua_hash; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(signer_ua_hash) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.shown_sha256; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(shown_sha256) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.sealed_object_key; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(sealed_object_key) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.sealed_sha256; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(sealed_sha256) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.refused_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(refused_at) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.refused_by; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(refused_by) ON TABLE kastell.service_reports TO kastell_app;

--
-- Name: COLUMN service_reports.refusal_comment; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(refusal_comment) ON TABLE kastell.service_reports TO kastell_app;
GRANT UPDATE(refusal_comment) ON TABLE kastell.service_reports TO kastell_auth;

--
-- Name: TABLE service_requests; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT ON TABLE kastell.service_requests TO kastell_app;
GRANT SELECT ON TABLE kastell.service_requests TO kastell_auth;

--
-- Name: COLUMN service_requests.company_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(company_id) ON TABLE kastell.service_requests TO kastell_app;

--
-- Name: COLUMN service_requests.site_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(site_id) ON TABLE kastell.service_requests TO kastell_app;

--
-- Name: COLUMN service_requests.asset_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(asset_id) ON TABLE kastell.service_requests TO kastell_app;

--
-- Name: COLUMN service_requests.title; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(title) ON TABLE kastell.service_requests TO kastell_app;

--
-- Name: COLUMN service_requests.description; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(description) ON TABLE kastell.service_requests TO kastell_app;

--
-- Name: COLUMN service_requests.urgency; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(urgency) ON TABLE kastell.service_requests TO kastell_app;

--
-- Name: COLUMN service_requests.status; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(status) ON TABLE kastell.service_requests TO kastell_app;

--
-- Name: COLUMN service_requests.decline_reason; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(decline_reason) ON TABLE kastell.service_requests TO kastell_app;

--
-- Name: COLUMN service_requests.raised_by; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(raised_by) ON TABLE kastell.service_requests TO kastell_app;

--
-- Name: TABLE sessions; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE kastell.sessions TO kastell_auth;

--
-- Name: COLUMN sessions.session_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(session_id) ON TABLE kastell.sessions TO kastell_app;

--
-- Name: COLUMN sessions.user_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(user_id) ON TABLE kastell.sessions TO kastell_app;

--
-- Name: COLUMN sessions.created_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(created_at) ON TABLE kastell.sessions TO kastell_app;

--
-- Name: COLUMN sessions.last_seen_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(last_seen_at) ON TABLE kastell.sessions TO kastell_app;

--
-- Name: COLUMN sessions.expires_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(expires_at) ON TABLE kastell.sessions TO kastell_app;

--
-- Name: COLUMN sessions.ip; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(ip) ON TABLE kastell.sessions TO kastell_app;

--
-- Name: COLUMN sessions.user_agent; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(user_agent) ON TABLE kastell.sessions TO kastell_app;

--
-- Name: COLUMN sessions.ended_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(ended_at),UPDATE(ended_at) ON TABLE kastell.sessions TO kastell_app;

--
-- Name: COLUMN sessions.end_reason; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(end_reason),UPDATE(end_reason) ON TABLE kastell.sessions TO kastell_app;

--
-- Name: COLUMN sessions.reauth_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(reauth_at) ON TABLE kastell.sessions TO kastell_app;

--
-- Name: COLUMN sessions.auth_method; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(auth_method) ON TABLE kastell.sessions TO kastell_app;

--
-- Name: TABLE setup_tokens; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,UPDATE ON TABLE kastell.setup_tokens TO kastell_auth;

--
-- Name: TABLE share_links; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,DELETE,UPDATE ON TABLE kastell.share_links TO kastell_auth;

--
-- Name: COLUMN share_links.share_link_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(share_link_id) ON TABLE kastell.share_links TO kastell_app;

--
-- Name: COLUMN share_links.document_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(document_id),INSERT(document_id) ON TABLE kastell.share_links TO kastell_app;

--
-- Name: COLUMN share_links.owner_company_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(owner_company_id),INSERT(owner_company_id) ON TABLE kastell.share_links TO kastell_app;

--
-- Name: COLUMN share_links.token_hash; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(token_hash) ON TABLE kastell.share_links TO kastell_app;

--
-- Name: COLUMN share_links.created_by; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(created_by),INSERT(created_by) ON TABLE kastell.share_links TO kastell_app;

--
-- Name: COLUMN share_links.created_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(created_at) ON TABLE kastell.share_links TO kastell_app;

--
-- Name: COLUMN share_links.expires_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(expires_at),INSERT(expires_at) ON TABLE kastell.share_links TO kastell_app;

--
-- Name: COLUMN share_links.password_hash; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(password_hash) ON TABLE kastell.share_links TO kastell_app;

--
-- Name: COLUMN share_links.max_downloads; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(max_downloads),INSERT(max_downloads) ON TABLE kastell.share_links TO kastell_app;

--
-- Name: COLUMN share_links.downloads; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(downloads) ON TABLE kastell.share_links TO kastell_app;

--
-- Name: COLUMN share_links.locked_until; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(locked_until) ON TABLE kastell.share_links TO kastell_app;

--
-- Name: COLUMN share_links.revoked_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(revoked_at),UPDATE(revoked_at) ON TABLE kastell.share_links TO kastell_app;

--
-- Name: COLUMN share_links.revoked_by; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(revoked_by),UPDATE(revoked_by) ON TABLE kastell.share_links TO kastell_app;

--
-- Name: TABLE sites; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE kastell.sites TO kastell_app;

--
-- Name: COLUMN sites.site_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(site_id) ON TABLE kastell.sites TO kastell_auth;

--
-- Name: COLUMN sites.company_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(company_id) ON TABLE kastell.sites TO kastell_auth;

--
-- Name: COLUMN sites.street; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(street),UPDATE(street) ON TABLE kastell.sites TO kastell_auth;

--
-- Name: COLUMN sites.postal_code; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(postal_code),UPDATE(postal_code) ON TABLE kastell.sites TO kastell_auth;

--
-- Name: COLUMN sites.city; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(city),UPDATE(city) ON TABLE kastell.sites TO kastell_auth;

--
-- Name: TABLE totp_factors; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE kastell.totp_factors TO kastell_auth;

--
-- Name: COLUMN totp_factors.user_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(user_id) ON TABLE kastell.totp_factors TO kastell_app;

--
-- Name: COLUMN totp_factors.confirmed_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(confirmed_at) ON TABLE kastell.totp_factors TO kastell_app;

--
-- Name: COLUMN totp_factors.created_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(created_at) ON TABLE kastell.totp_factors TO kastell_app;

--
-- Name: TABLE unlock_tokens; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE kastell.unlock_tokens TO kastell_auth;

--
-- Name: TABLE users; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT,INSERT,UPDATE ON TABLE kastell.users TO kastell_auth;

--
-- Name: COLUMN users.user_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(user_id) ON TABLE kastell.users TO kastell_app;

--
-- Name: COLUMN users.email; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(email) ON TABLE kastell.users TO kastell_app;

--
-- Name: COLUMN users.display_name; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(display_name),UPDATE(display_name) ON TABLE kastell.users TO kastell_app;

--
-- Name: COLUMN users.status; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(status),UPDATE(status) ON TABLE kastell.users TO kastell_app;

--
-- Name: COLUMN users.locale; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(locale),UPDATE(locale) ON TABLE kastell.users TO kastell_app;

--
-- Name: COLUMN users.created_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(created_at) ON TABLE kastell.users TO kastell_app;

--
-- Name: COLUMN users.updated_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT(updated_at) ON TABLE kastell.users TO kastell_app;

--
-- Name: TABLE visits; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT SELECT ON TABLE kastell.visits TO kastell_app;
GRANT SELECT ON TABLE kastell.visits TO kastell_auth;

--
-- Name: COLUMN visits.visit_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(visit_id) ON TABLE kastell.visits TO kastell_app;
GRANT SELECT(visit_id) ON TABLE kastell.visits TO kastell_auth;

--
-- Name: COLUMN visits.job_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(job_id) ON TABLE kastell.visits TO kastell_app;

--
-- Name: COLUMN visits.technician_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(technician_id) ON TABLE kastell.visits TO kastell_app;

--
-- Name: COLUMN visits.company_id; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(company_id) ON TABLE kastell.visits TO kastell_app;
GRANT SELECT(company_id) ON TABLE kastell.visits TO kastell_auth;

--
-- Name: COLUMN visits.check_out_at; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT UPDATE(check_out_at) ON TABLE kastell.visits TO kastell_app;

--
-- Name: COLUMN visits.notes; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(notes),UPDATE(notes) ON TABLE kastell.visits TO kastell_app;
GRANT SELECT(notes),UPDATE(notes) ON TABLE kastell.visits TO kastell_auth;

--
-- Name: COLUMN visits.recorded_by; Type: ACL; Schema: kastell; Owner: kastell_owner
--

GRANT INSERT(recorded_by) ON TABLE kastell.visits TO kastell_app;

--
-- Name: TABLE schema_migrations; Type: ACL; Schema: kastell_meta; Owner: kastell_owner
--

GRANT SELECT ON TABLE kastell_meta.schema_migrations TO kastell_app;

--
-- Name: DEFAULT PRIVILEGES FOR FUNCTIONS; Type: DEFAULT ACL; Schema: -; Owner: kastell_audit
--

ALTER DEFAULT PRIVILEGES FOR ROLE kastell_audit REVOKE ALL ON FUNCTIONS  FROM PUBLIC;

--
-- Name: DEFAULT PRIVILEGES FOR FUNCTIONS; Type: DEFAULT ACL; Schema: -; Owner: kastell_auth
--

ALTER DEFAULT PRIVILEGES FOR ROLE kastell_auth REVOKE ALL ON FUNCTIONS  FROM PUBLIC;

--
-- Name: DEFAULT PRIVILEGES FOR FUNCTIONS; Type: DEFAULT ACL; Schema: -; Owner: kastell_owner
--

ALTER DEFAULT PRIVILEGES FOR ROLE kastell_owner REVOKE ALL ON FUNCTIONS  FROM PUBLIC;
