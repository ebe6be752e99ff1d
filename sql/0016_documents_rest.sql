-- The rest of the documents feature (README "Documents"): unusual download
-- volume per user and per share link, read from the audit trail, and the
-- retry of versions held pending because the scanner gave no verdict.

-- A share link's reads are found by the link id in the event's detail: an
-- index for exactly those (the volume check below counts them per download).
create index events_share_link_idx on audit.events ((detail->>'shareLinkId'), occurred_at)
  where action = 'document.read' and (detail->>'shareLinkId') is not null;

set local check_function_bodies = off;

-- Called in a download's transaction, after its document.read event: counts
-- the subject's reads (a user's, or a share link's) within the window, and
-- once they reach the limit records one document.download_volume event per
-- subject and window (the alert itself is in the audit trail). Returns the
-- count when it raised the alert, else null. Below the limit it costs one
-- index range of at most p_limit rows; at or above it, concurrent downloads
-- of the same subject are serialised by a transaction-level advisory lock,
-- so the alert is raised once.
create function audit.note_download(p_subject_type text, p_subject_id uuid, p_company_id uuid, p_limit integer, p_window_seconds integer)
returns bigint
language plpgsql volatile security definer
set search_path = ''
as $$
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

-- The retry of a held version (app/documents/retry-held.ts) acts as its
-- uploader, so the policies that decide a version (document_versions_decide:
-- only the uploader's own pipeline, and only while they may upload) apply
-- unchanged. It needs only this: who uploaded a version that is still
-- pending. Nothing else of the version is told.
create function app.held_version_uploader(p_version_id uuid) returns uuid
language sql stable security definer
set search_path = ''
as $$
  select v.uploaded_by from kastell.document_versions v where v.version_id = p_version_id and v.status = 'pending'
$$;

set local check_function_bodies = on;

grant select (version_id, status, uploaded_by) on kastell.document_versions to kastell_auth;
create policy document_versions_held on kastell.document_versions for select to kastell_auth using (status = 'pending');

alter function audit.note_download(text, uuid, uuid, integer, integer) owner to kastell_audit;
alter function app.held_version_uploader(uuid) owner to kastell_auth;
revoke execute on function audit.note_download(text, uuid, uuid, integer, integer), app.held_version_uploader(uuid) from public;
grant execute on function audit.note_download(text, uuid, uuid, integer, integer), app.held_version_uploader(uuid) to kastell_app;
