-- Stored objects whose rows are gone, and refused share-link accesses on the
-- access page (README "Documents").
--
-- object_removals: a document version's object must leave the store when its
-- row leaves the database, however the row went — the document deleted, its
-- company, site or asset deleted and the foreign keys cascading, the
-- retention purge. A statement trigger on document_versions records the
-- object key of every deleted row in the same transaction as the delete (a
-- rolled-back delete records nothing; a committed one cannot be forgotten);
-- the sweeper (app/documents/sweep-objects.ts: every 10 minutes with
-- KASTELL_JOBS=on, `kastell documents sweep-objects`, and right after a
-- document delete or a purge) removes each object from the store and only
-- then deletes its row, with one audit event per object. A crash between
-- the two leaves the row: the next sweep removes the object again (already
-- gone is fine) and deletes it. A store that fails leaves the row with the
-- error and a later time to try again.
--
-- Report PDFs are not queued: no report is ever deleted (sql/0012) and the
-- stores refuse to delete under reports/. A held upload's file (quarantine,
-- not the store) is removed by the held-version retry once its version is
-- gone (app/documents/retry-held.ts).
--
-- Nobody reads or writes the table but the SECURITY DEFINER functions below,
-- owned by kastell_auth and for the system only (no signed-in user).

set local check_function_bodies = off;

create table kastell.object_removals (
  removal_id uuid primary key default app.uuidv7(),
  object_key text not null unique check (object_key ~ '^documents/[0-9a-f-]{36}/[0-9a-f]{32}$'),
  -- what the row was (no foreign keys: the company and the version are gone)
  company_id uuid,
  version_id uuid not null,
  queued_at timestamptz not null default pg_catalog.now(),
  attempts integer not null default 0 check (attempts >= 0),
  last_error text check (pg_catalog.length(last_error) <= 500),
  not_before timestamptz
);
create index object_removals_due_idx on kastell.object_removals (coalesce(not_before, queued_at), removal_id);
revoke all on kastell.object_removals from public;
grant select, insert, update, delete on kastell.object_removals to kastell_auth;
alter table kastell.object_removals enable row level security;
alter table kastell.object_removals force row level security;
create policy object_removals_auth on kastell.object_removals for all to kastell_auth using (true) with check (true);

-- One statement, however many rows it (or a cascade) deleted.
create function app.queue_object_removals() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into kastell.object_removals (object_key, company_id, version_id)
  select g.object_key, g.owner_company_id, g.version_id from gone g where g.object_key is not null
  on conflict (object_key) do nothing;
  return null;
end
$$;
alter function app.queue_object_removals() owner to kastell_auth;
revoke all on function app.queue_object_removals() from public;
create trigger document_versions_queue_object_removals after delete on kastell.document_versions
  referencing old table as gone for each statement execute function app.queue_object_removals();

-- Up to p_limit removals due now, oldest first; p_keys limits them to those
-- objects (the sweep right after a delete), and then they are due whatever
-- their retry time.
create function app.object_removals_due(p_limit integer, p_keys text[])
returns table (removal_id uuid, object_key text, company_id uuid, version_id uuid, attempts integer)
language plpgsql stable security definer
set search_path = ''
as $$
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

-- The store confirmed these objects are gone: their rows go (each returned
-- once, to the one sweep that deleted it: that sweep writes its audit event).
create function app.object_removals_done(p_ids uuid[])
returns table (removal_id uuid, object_key text, company_id uuid, version_id uuid, attempts integer)
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  if app.current_user_id() is not null then
    raise exception 'the object sweep runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  return query delete from kastell.object_removals r where r.removal_id = any (p_ids)
    returning r.removal_id, r.object_key, r.company_id, r.version_id, r.attempts;
end
$$;

-- The store failed on this object: the row stays, tried again after a pause
-- that doubles with each attempt (1 minute, 2, 4 … at most a day).
create function app.object_removal_failed(p_id uuid, p_error text)
returns void
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  if app.current_user_id() is not null then
    raise exception 'the object sweep runs as the system, not for a signed-in user' using errcode = '42501';
  end if;
  update kastell.object_removals r set attempts = r.attempts + 1, last_error = pg_catalog.left(p_error, 500),
         not_before = pg_catalog.now() + least(interval '1 minute' * pg_catalog.power(2, least(r.attempts, 11)), interval '1 day')
   where r.removal_id = p_id;
end
$$;

-- For `kastell documents sweep-objects` and /readyz-like checks: how many wait, how many failed before, the oldest.
create function app.object_removals_waiting()
returns table (waiting bigint, failed bigint, oldest timestamptz)
language sql stable security definer
set search_path = ''
as $$
  select pg_catalog.count(*), pg_catalog.count(*) filter (where r.attempts > 0), pg_catalog.min(r.queued_at) from kastell.object_removals r
$$;

set local check_function_bodies = on;

alter function app.object_removals_due(integer, text[]) owner to kastell_auth;
alter function app.object_removals_done(uuid[]) owner to kastell_auth;
alter function app.object_removal_failed(uuid, text) owner to kastell_auth;
alter function app.object_removals_waiting() owner to kastell_auth;
revoke all on function app.object_removals_due(integer, text[]), app.object_removals_done(uuid[]),
  app.object_removal_failed(uuid, text), app.object_removals_waiting() from public;
grant execute on function app.object_removals_due(integer, text[]), app.object_removals_done(uuid[]),
  app.object_removal_failed(uuid, text), app.object_removals_waiting() to kastell_app;

-- Access transparency: a customer admin also sees the refused accesses to
-- their company's share links (expired, revoked, wrong password, locked,
-- download limit reached, creator without access), with the reason.
alter policy events_read on audit.events
  using ((select app.has_global('audit.read'))
         or (company_id = (select app.company_scope('access_log.read'))
             and action in ('document.read', 'document.download', 'share_link.accessed', 'share_link.refused', 'company.read')));
