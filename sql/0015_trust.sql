-- The public trust page (issue 14, parts 1 and 2).
--
-- notifiable_breaches: personal-data breaches the security officer records
-- once confirmed (GDPR Art. 33/34, Swiss revFADP Art. 24), with the dates the
-- authority and the people concerned were told. Public: the trust page shows
-- them to anyone, as entered. Only trust.manage writes; what was entered
-- (title, description, dates of the breach) is never changed by the
-- application afterwards — only the notification dates and the authority are
-- filled in later. No delete grant: a breach stays on the record.
--
-- Two read-only summaries for the page, each a SECURITY DEFINER function
-- whose answer holds counts and times only (the rows it reads are not
-- public): the latest chain verification (audit.verifications is readable by
-- audit.read/evidence.read only), and second-factor adoption by role
-- (users, memberships and factors are readable by users.read only).

create table kastell.notifiable_breaches (
  breach_id uuid primary key default app.uuidv7(),
  title text not null check (length(title) between 1 and 200),
  description text check (length(description) between 1 and 4000),
  occurred_on date,
  discovered_on date not null,
  authority text check (length(authority) between 1 and 200),
  authority_notified_on date,
  subjects_notified_on date,
  -- who entered it: from the writer's identity (the application may not set it)
  entered_by uuid default app.current_user_id() references kastell.users on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (occurred_on is null or occurred_on <= discovered_on),
  check (authority_notified_on is null or authority_notified_on >= discovered_on),
  check (subjects_notified_on is null or subjects_notified_on >= discovered_on)
);
create index notifiable_breaches_discovered_on_idx on kastell.notifiable_breaches (discovered_on desc);
create index notifiable_breaches_entered_by_idx on kastell.notifiable_breaches (entered_by);
create trigger notifiable_breaches_touch before update on kastell.notifiable_breaches
  for each row execute function app.touch_updated_at();

revoke all on kastell.notifiable_breaches from public;
grant select (breach_id, title, description, occurred_on, discovered_on, authority, authority_notified_on,
              subjects_notified_on, entered_by, created_at, updated_at),
      insert (title, description, occurred_on, discovered_on, authority, authority_notified_on, subjects_notified_on),
      update (authority, authority_notified_on, subjects_notified_on)
  on kastell.notifiable_breaches to kastell_app;
alter table kastell.notifiable_breaches enable row level security;
alter table kastell.notifiable_breaches force row level security;
-- public: everyone reads them, signed in or not
create policy notifiable_breaches_read on kastell.notifiable_breaches for select to kastell_app using (true);
create policy notifiable_breaches_create on kastell.notifiable_breaches for insert to kastell_app
  with check ((select app.has_global('trust.manage')) and entered_by = (select app.current_user_id()));
create policy notifiable_breaches_update on kastell.notifiable_breaches for update to kastell_app
  using ((select app.has_global('trust.manage')))
  with check ((select app.has_global('trust.manage')));

-- The latest verification, without its problem text (which may name an
-- event id or a path on the server): whether it held, how many links, where
-- it first broke, when.
create function audit.latest_verification_summary()
returns table (ok boolean, checked_links bigint, head_seq bigint, first_bad_seq bigint, verified_at timestamptz)
language sql stable security definer
set search_path = ''
as $$
  select v.ok, v.checked_links, v.head_seq, v.first_bad_seq, v.created_at
  from audit.verifications v order by v.created_at desc limit 1
$$;
alter function audit.latest_verification_summary() owner to kastell_audit;
grant execute on function audit.latest_verification_summary() to kastell_app;

-- Second factors by role, over active accounts with an active membership:
-- how many, how many with a confirmed TOTP or a passkey, how many with a
-- passkey. Custom roles (their names are a company's own) are counted
-- together as 'custom'.
create function app.factor_adoption_by_role()
returns table (role_key text, role_name text, side text, accounts bigint, with_factor bigint, with_passkey bigint)
language sql stable security definer
set search_path = ''
as $$
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
alter function app.factor_adoption_by_role() owner to kastell_auth;
grant execute on function app.factor_adoption_by_role() to kastell_app;
