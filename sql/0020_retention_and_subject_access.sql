-- Privacy and retention (README "Privacy and retention", app/retention/):
-- the scheduled purge of what has outlived its retention, a person's data
-- for their access/export request (GDPR Art. 15/20, revDSG Art. 25), and the
-- class-based scrub when a person is deleted.
--
-- Everything runs in SECURITY DEFINER functions owned by kastell_auth with
-- narrow policies: the application's own role gains no DELETE anywhere.

set local check_function_bodies = off;

-- ---------------------------------------------------------------------------
-- Retention. The application computes each resource's cutoff (now minus its
-- configured retention) and passes it; the database refuses a cutoff less
-- than a day in the past, and a purge deletes only ids it is given that still
-- qualify under that same cutoff, so a run deletes exactly what its dry run
-- listed (less whatever changed in between, e.g. a contract with a new
-- version), never anything younger.

grant delete on kastell.sessions, kastell.share_links, kastell.notifications to kastell_auth;
grant select, delete on kastell.job_messages to kastell_auth;
grant select, delete on kastell.document_versions to kastell_auth;
grant select, delete on kastell.documents to kastell_auth;
grant select on kastell.job_status_history to kastell_auth;

-- a message may be purged once its job is closed or cancelled
create policy job_messages_retention on kastell.job_messages for delete to kastell_auth
  using (exists (select 1 from kastell.jobs j where j.job_id = job_messages.job_id and j.status in ('closed', 'cancelled')));
-- the purge and the data-subject functions read every version and message
create policy document_versions_auth_read on kastell.document_versions for select to kastell_auth using (true);
create policy job_messages_auth_read on kastell.job_messages for select to kastell_auth using (true);
create policy job_status_history_auth_read on kastell.job_status_history for select to kastell_auth using (true);
-- only rejected versions are purged one by one; contracts go whole (their versions by cascade)
create policy document_versions_retention on kastell.document_versions for delete to kastell_auth using (status = 'rejected');
create policy documents_retention on kastell.documents for delete to kastell_auth using (kind = 'contract');

-- the moment a row started to age, per resource; null: not ended, never purged
create function app.retention_aged_at(p_resource text, p_id uuid) returns timestamptz
language plpgsql stable security definer
set search_path = ''
as $$
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

-- Candidates past the cutoff, in id order, p_limit after p_after (keyset pages).
create function app.retention_candidates(p_resource text, p_cutoff timestamptz, p_after uuid, p_limit integer)
returns table (entity_id uuid, company_id uuid, aged_at timestamptz)
language plpgsql stable security definer
set search_path = ''
as $$
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

-- Deletes those of p_ids that still qualify under p_cutoff; returns each
-- deleted row with the stored objects that must now leave the store.
create function app.retention_purge(p_resource text, p_cutoff timestamptz, p_ids uuid[])
returns table (entity_id uuid, company_id uuid, aged_at timestamptz, object_keys text[])
language plpgsql volatile security definer
set search_path = ''
as $$
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

-- Report PDFs are kept (sql/0012: no report is ever deleted, the stores
-- refuse to delete under reports/), so the purge does not touch reports: the
-- count past their retention is shown by `kastell retention status`.
create function app.reports_past_retention(p_cutoff timestamptz) returns bigint
language sql stable security definer
set search_path = ''
as $$
  select count(*) from kastell.service_reports r where coalesce(r.signed_at, r.frozen_at, r.created_at) < p_cutoff
$$;

-- ---------------------------------------------------------------------------
-- A person's data (access and portability). Every column of the kastell
-- schema that names a person is listed here (test/retention/subject-export
-- compares this list with the catalogue: a new table with a user column
-- fails that test until it is added). Secrets (hashes of tokens and
-- passwords, TOTP secrets, sealed responses) never leave; ids of other people
-- in the same rows are blanked.
create function app.person_data_sources() returns table (table_name text, column_name text)
language sql immutable
set search_path = ''
as $$
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

grant select on kastell.visits, kastell.notifiable_breaches, kastell.idempotency_keys, kastell.job_message_reads to kastell_auth;
create policy visits_auth_read on kastell.visits for select to kastell_auth using (true);
create policy notifiable_breaches_auth_read on kastell.notifiable_breaches for select to kastell_auth using (true);
create policy job_message_reads_auth_read on kastell.job_message_reads for select to kastell_auth using (true);

-- Every row naming p_user_id, as JSON, one row per table row. Callable for
-- oneself, or by an operator with global users.update (an admin producing it
-- for the person).
create function app.person_data(p_user_id uuid) returns table (table_name text, row_data jsonb)
language plpgsql stable security definer
set search_path = ''
as $$
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
$$;

-- The audit events that name the person (as actor, or as the user an event is
-- about); another actor, or another user an event of theirs is about, is "someone else".
create function audit.events_naming(p_user_id uuid)
returns table (event_id uuid, occurred_at timestamptz, actor_type text, actor_id uuid, action text, entity_type text,
               entity_id text, outcome text, request_id uuid, detail jsonb)
language plpgsql stable security definer
set search_path = ''
as $$
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

-- ---------------------------------------------------------------------------
-- Deleting a person: class-based scrub. Kept (legal records): service
-- reports and their signatures, job history, contracts and other documents,
-- the audit trail — they keep pointing at the user row, whose name becomes a
-- pseudonym and whose e-mail an address that reaches nobody. Removed now:
-- contact data and everything that lets the account act (password, factors,
-- sessions, memberships, tokens, preferences, notifications, read marks).
-- Message contents and uploaded files stay until their own retention ends
-- (the purge above), shown under the pseudonym.
grant delete on kastell.memberships, kastell.notification_preferences, kastell.job_message_reads,
  kastell.idempotency_keys, kastell.password_reset_tokens, kastell.email_changes to kastell_auth;
create policy job_message_reads_auth_delete on kastell.job_message_reads for delete to kastell_auth using (true);
create policy notification_preferences_auth_delete on kastell.notification_preferences for delete to kastell_auth using (true);

create function app.erase_person(p_user_id uuid, p_pseudonym text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
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
$$;

set local check_function_bodies = on;

alter function app.retention_aged_at(text, uuid) owner to kastell_auth;
alter function app.retention_candidates(text, timestamptz, uuid, integer) owner to kastell_auth;
alter function app.retention_purge(text, timestamptz, uuid[]) owner to kastell_auth;
alter function app.reports_past_retention(timestamptz) owner to kastell_auth;
alter function app.person_data(uuid) owner to kastell_auth;
alter function app.erase_person(uuid, text) owner to kastell_auth;
alter function audit.events_naming(uuid) owner to kastell_audit;
revoke execute on function app.retention_aged_at(text, uuid), app.retention_candidates(text, timestamptz, uuid, integer),
  app.retention_purge(text, timestamptz, uuid[]), app.reports_past_retention(timestamptz), app.person_data_sources(),
  app.person_data(uuid), app.erase_person(uuid, text), audit.events_naming(uuid) from public;
grant execute on function app.retention_candidates(text, timestamptz, uuid, integer), app.retention_purge(text, timestamptz, uuid[]),
  app.reports_past_retention(timestamptz), app.person_data(uuid), app.erase_person(uuid, text),
  audit.events_naming(uuid) to kastell_app;
grant execute on function app.person_data_sources(), app.current_user_id(), app.has_global(text) to kastell_auth;
grant execute on function app.current_user_id(), app.has_global(text) to kastell_audit;
grant usage on schema app to kastell_audit;
create policy idempotency_keys_auth on kastell.idempotency_keys for all to kastell_auth using (true);
