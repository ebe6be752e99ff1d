-- Messages on a job and notifications (issue 11, parts 5 and 6).
--
-- job_messages: the conversation on a job between the customer and the
-- operator, and internal notes (internal = true) that only the operator's
-- side reads. The customer's read policy itself leaves internal notes out,
-- so no query under a customer's identity can reach one. A technician reads
-- and writes the messages of the jobs assigned to them (app.assigned_jobs).
-- job_message_reads: how far each user has read each job's messages, for
-- the unread counts.
--
-- notifications: one row per recipient and event, readable only by the
-- recipient. Rows are written by app.notify() alone (SECURITY DEFINER: the
-- actor may not see the people it tells, e.g. a customer writing to the
-- operator). A row is also the e-mail outbox: mail_status 'pending' rows are
-- sent by the mail worker (app/notifications/deliver-mail.ts) after the
-- transaction that made them commits — a rolled-back action leaves no row,
-- so it sends nothing. notification_preferences: per user and kind, in-app
-- and e-mail on or off (no row: both on).

-- notification kinds, and the permission a recipient needs for each --------
create table kastell.notification_kinds (
  kind text primary key,
  permission_key text not null references kastell.permissions
);
insert into kastell.notification_kinds (kind, permission_key) values
  ('request_status_changed', 'requests.read'),
  ('job_scheduled', 'jobs.read'),
  ('message_received', 'messages.read'),
  ('report_awaiting_signoff', 'reports.read'),
  ('report_signed_or_refused', 'reports.read');
revoke all on kastell.notification_kinds from public;
grant select on kastell.notification_kinds to kastell_app, kastell_auth;
alter table kastell.notification_kinds enable row level security;
alter table kastell.notification_kinds force row level security;
create policy notification_kinds_read on kastell.notification_kinds for select to kastell_app, kastell_auth using (true);

-- messages -----------------------------------------------------------------
create table kastell.job_messages (
  message_id uuid primary key default app.uuidv7(),
  job_id uuid not null,
  company_id uuid not null,
  -- an internal note: the operator's side only
  internal boolean not null default false,
  body text not null check (length(body) between 1 and 5000),
  -- filled by the defaults from the writer's identity (the application may
  -- not set them); no name is copied, the author may be scrubbed later
  author_id uuid default app.current_user_id() references kastell.users on delete set null,
  author_side text not null default (case when app.current_company_id() is null then 'operator' else 'customer' end)
    check (author_side in ('operator', 'customer')),
  created_at timestamptz not null default now(),
  foreign key (job_id, company_id) references kastell.jobs (job_id, company_id) on delete cascade,
  check (not internal or author_side = 'operator')
);
create index job_messages_job_id_idx on kastell.job_messages (job_id, created_at);
create index job_messages_company_id_idx on kastell.job_messages (company_id);
create index job_messages_author_id_idx on kastell.job_messages (author_id);

revoke all on kastell.job_messages from public;
grant select, insert (job_id, company_id, internal, body) on kastell.job_messages to kastell_app;
alter table kastell.job_messages enable row level security;
alter table kastell.job_messages force row level security;
-- customers (company scope) never an internal note; operators with global
-- messages.read and the job's technicians everything on it
create policy job_messages_read on kastell.job_messages for select to kastell_app
  using ((select app.has_global('messages.read'))
         or job_id in (select s.job_id from app.assigned_jobs('messages.read') s)
         or (company_id = (select app.company_scope('messages.read')) and not internal));
create policy job_messages_create on kastell.job_messages for insert to kastell_app
  with check (author_id = (select app.current_user_id())
              and ((select app.has_global('messages.write'))
                   or job_id in (select s.job_id from app.assigned_jobs('messages.write') s)
                   or (company_id = (select app.company_scope('messages.write')) and not internal)));
-- messages are never changed or deleted by the application (no grant)

create table kastell.job_message_reads (
  user_id uuid not null default app.current_user_id() references kastell.users on delete cascade,
  job_id uuid not null,
  company_id uuid not null,
  -- the newest message the user was shown on the job
  read_up_to timestamptz not null,
  primary key (user_id, job_id),
  foreign key (job_id, company_id) references kastell.jobs (job_id, company_id) on delete cascade
);
create index job_message_reads_job_id_idx on kastell.job_message_reads (job_id);
create index job_message_reads_company_id_idx on kastell.job_message_reads (company_id);
revoke all on kastell.job_message_reads from public;
grant select, insert (job_id, company_id, read_up_to), update (read_up_to) on kastell.job_message_reads to kastell_app;
alter table kastell.job_message_reads enable row level security;
alter table kastell.job_message_reads force row level security;
create policy job_message_reads_own on kastell.job_message_reads for select to kastell_app
  using (user_id = (select app.current_user_id()));
-- only for a job the user sees (the sub-select runs under the jobs policy)
create policy job_message_reads_create on kastell.job_message_reads for insert to kastell_app
  with check (user_id = (select app.current_user_id()) and job_id in (select j.job_id from kastell.jobs j));
create policy job_message_reads_update on kastell.job_message_reads for update to kastell_app
  using (user_id = (select app.current_user_id()))
  with check (user_id = (select app.current_user_id()));

-- notification preferences -------------------------------------------------
create table kastell.notification_preferences (
  user_id uuid not null default app.current_user_id() references kastell.users on delete cascade,
  kind text not null references kastell.notification_kinds,
  in_app boolean not null default true,
  email boolean not null default true,
  updated_at timestamptz not null default now(),
  primary key (user_id, kind)
);
create trigger notification_preferences_touch before update on kastell.notification_preferences
  for each row execute function app.touch_updated_at();
revoke all on kastell.notification_preferences from public;
grant select, insert (kind, in_app, email), update (in_app, email) on kastell.notification_preferences to kastell_app;
grant select on kastell.notification_preferences to kastell_auth;
alter table kastell.notification_preferences enable row level security;
alter table kastell.notification_preferences force row level security;
create policy notification_preferences_own on kastell.notification_preferences for select to kastell_app
  using (user_id = (select app.current_user_id()));
create policy notification_preferences_create on kastell.notification_preferences for insert to kastell_app
  with check (user_id = (select app.current_user_id()));
create policy notification_preferences_update on kastell.notification_preferences for update to kastell_app
  using (user_id = (select app.current_user_id()))
  with check (user_id = (select app.current_user_id()));
create policy notification_preferences_auth on kastell.notification_preferences for select to kastell_auth using (true);

-- notifications ------------------------------------------------------------
create table kastell.notifications (
  notification_id uuid primary key default app.uuidv7(),
  user_id uuid not null references kastell.users on delete cascade,
  kind text not null references kastell.notification_kinds,
  company_id uuid not null references kastell.companies on delete cascade,
  job_id uuid references kastell.jobs on delete cascade,
  request_id uuid references kastell.service_requests on delete cascade,
  -- who caused it; no foreign key (the list outlives nothing it points at)
  actor_id uuid,
  -- shown in the list (false: only mailed)
  in_app boolean not null,
  read_at timestamptz,
  mail_status text not null check (mail_status in ('none', 'pending', 'sending', 'sent', 'failed')),
  mail_attempts integer not null default 0,
  mail_claimed_at timestamptz,
  mail_sent_at timestamptz,
  created_at timestamptz not null default now(),
  check ((job_id is null) <> (request_id is null))
);
create index notifications_user_id_idx on kastell.notifications (user_id, created_at desc);
create index notifications_unread_idx on kastell.notifications (user_id) where read_at is null and in_app;
create index notifications_mail_idx on kastell.notifications (created_at) where mail_status in ('pending', 'sending');
create index notifications_company_id_idx on kastell.notifications (company_id);
create index notifications_job_id_idx on kastell.notifications (job_id);
create index notifications_request_id_idx on kastell.notifications (request_id);
revoke all on kastell.notifications from public;
grant select (notification_id, user_id, kind, company_id, job_id, request_id, in_app, read_at, created_at),
  update (read_at) on kastell.notifications to kastell_app;
grant select, insert, update (mail_status, mail_attempts, mail_claimed_at, mail_sent_at) on kastell.notifications to kastell_auth;
alter table kastell.notifications enable row level security;
alter table kastell.notifications force row level security;
-- a user reads and marks only their own, whatever their role
create policy notifications_own on kastell.notifications for select to kastell_app
  using (user_id = (select app.current_user_id()));
create policy notifications_mark_read on kastell.notifications for update to kastell_app
  using (user_id = (select app.current_user_id()))
  with check (user_id = (select app.current_user_id()));
create policy notifications_auth on kastell.notifications for all to kastell_auth using (true) with check (true);

-- app.notify reads a request's company for the caller's check and audience
grant select on kastell.service_requests to kastell_auth;
create policy service_requests_auth on kastell.service_requests for select to kastell_auth using (true);

-- app.notify(kind, job, request, audiences, only users) ---------------------
-- Tells the people concerned about a job or a request, inside the caller's
-- transaction; answers how many were told. The caller must see the job or
-- request (else 42501). Audiences:
--   customer     the company's users whose role holds the kind's permission
--   technicians  the job's assigned technicians (with that permission)
--   operator     the technicians, and the operators who run the work
--                (global jobs.assign for a job, requests.update for a
--                request) holding the kind's permission globally
-- p_user_ids, when given, narrows the audiences to those users (all three
-- audiences when p_audiences is null), so nobody outside them can be told.
-- The actor is never told; every recipient holds notifications.read and is
-- active. A recipient's preferences decide in-app and e-mail; an e-mail is a
-- 'pending' row, announced on the channel kastell_notification_mail, which
-- PostgreSQL delivers only when the transaction commits.
set local check_function_bodies = off;
create function app.notify(p_kind text, p_job_id uuid, p_request_id uuid, p_audiences text[], p_user_ids uuid[])
returns integer
language plpgsql volatile security definer
set search_path = ''
as $$
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

-- The mail worker's side (it runs without a principal): claim pending mails
-- with what the e-mail needs — address, language (the user's, else the
-- organisation's), kind and link target, never a message's text — and
-- record the outcome. A claim older than ten minutes (a worker that died
-- mid-send) is claimed again; after five failures a mail is given up.
create function app.claim_notification_mails(p_limit integer)
returns table (notification_id uuid, email text, locale text, kind text, job_id uuid, request_id uuid)
language sql volatile security definer
set search_path = ''
as $$
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

create function app.finish_notification_mail(p_notification_id uuid, p_sent boolean) returns void
language sql volatile security definer
set search_path = ''
as $$
  update kastell.notifications set
    mail_status = case when p_sent then 'sent' when mail_attempts + 1 >= 5 then 'failed' else 'pending' end,
    mail_attempts = mail_attempts + case when p_sent then 0 else 1 end,
    mail_sent_at = case when p_sent then pg_catalog.now() end
  where notification_id = p_notification_id and mail_status = 'sending'
$$;
set local check_function_bodies = on;
alter function app.notify(text, uuid, uuid, text[], uuid[]) owner to kastell_auth;
alter function app.claim_notification_mails(integer) owner to kastell_auth;
alter function app.finish_notification_mail(uuid, boolean) owner to kastell_auth;
grant execute on function app.notify(text, uuid, uuid, text[], uuid[]) to kastell_app;
grant execute on function app.claim_notification_mails(integer) to kastell_app;
grant execute on function app.finish_notification_mail(uuid, boolean) to kastell_app;
