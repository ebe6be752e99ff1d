-- Self-service password reset, invitations sent by e-mail (language,
-- resend), and the external auditor's time-boxed membership.
--
-- Reset links: a 256-bit random token (SPEC: at least 128 bits) of which
-- only the SHA-256 is stored, valid 30 minutes, void once used, once the
-- user signs in (a session starts), or when a newer link is sent. Only
-- kastell_auth touches the table; the application reaches it through the
-- three functions below, each doing one narrow thing. Setting the password
-- goes through the users trigger of 0006, so history is kept and every
-- session ends; the second factors are not touched.

create table kastell.password_reset_tokens (
  password_reset_token_id uuid primary key default app.uuidv7(),
  user_id uuid not null references kastell.users on delete cascade,
  token_hash bytea not null unique check (length(token_hash) = 32),
  expires_at timestamptz not null,
  used_at timestamptz,
  voided_at timestamptz,
  void_reason text check (void_reason in ('superseded', 'signed_in', 'used_other')),
  created_at timestamptz not null default now(),
  constraint password_reset_tokens_void check ((voided_at is null) = (void_reason is null))
);
create index password_reset_tokens_open_idx on kastell.password_reset_tokens (user_id)
  where used_at is null and voided_at is null;
revoke all on kastell.password_reset_tokens from public;
grant select, insert, update on kastell.password_reset_tokens to kastell_auth;
alter table kastell.password_reset_tokens enable row level security;
alter table kastell.password_reset_tokens force row level security;
create policy password_reset_tokens_auth on kastell.password_reset_tokens for all to kastell_auth using (true) with check (true);

-- A reset asked for an address: for an active account, voids its open links
-- and stores the new one, returning whom to mail; for any other address
-- nothing (the caller answers the same either way).
create function app.request_password_reset(p_email text, p_token_hash bytea, p_ttl interval)
returns table (user_id uuid, email text, display_name text, locale text)
language plpgsql volatile security definer
set search_path = ''
as $$
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

-- The account behind a live reset link, or nothing.
create function app.password_reset_for_token(p_token_hash bytea)
returns table (user_id uuid, email text, display_name text, locale text)
language sql stable security definer
set search_path = ''
as $$
  select u.user_id, u.email, u.display_name, u.locale
  from kastell.password_reset_tokens t
  join kastell.users u on u.user_id = t.user_id
  where t.token_hash = p_token_hash and t.used_at is null and t.voided_at is null
    and t.expires_at > pg_catalog.now() and u.status = 'active'
$$;

-- Redeems a live link once (row lock: two parallel redemptions, one wins)
-- and sets the new password; the users trigger (0006) records it in the
-- history and ends every session of the user. P0002 when the link is not live.
create function app.complete_password_reset(p_token_hash bytea, p_new_hash text) returns uuid
language plpgsql volatile security definer
set search_path = ''
as $$
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

-- A session starting (sign-in, or a new id for the same browser) voids the
-- user's open reset links: someone who can sign in needs none.
create function app.sessions_void_password_resets() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  update kastell.password_reset_tokens set voided_at = pg_catalog.now(), void_reason = 'signed_in'
   where user_id = new.user_id and used_at is null and voided_at is null;
  return new;
end
$$;
create trigger sessions_void_password_resets after insert on kastell.sessions
  for each row execute function app.sessions_void_password_resets();

-- Invitations by e-mail: the language the invitee gets the mail in, how
-- often it was sent, and for an external auditor how many days the
-- membership lasts (at most 90; the membership trigger below enforces it).
alter table kastell.invites
  add column locale text not null default 'en' check (locale in ('en', 'de', 'fr', 'it')),
  add column membership_days integer check (membership_days between 1 and 90),
  add column sent_count integer not null default 1 check (sent_count >= 1),
  add column last_sent_at timestamptz not null default now();

-- Resend: a new token replaces the old one (the old link stops working, the
-- new one is again one-time) and the expiry starts again; only while open.
grant select (locale, membership_days, sent_count, last_sent_at) on kastell.invites to kastell_app;
grant insert (email, role_id, company_id, token_hash, invited_by, expires_at, locale, membership_days) on kastell.invites to kastell_app;
grant update (token_hash, expires_at, sent_count, last_sent_at) on kastell.invites to kastell_app;
create policy invites_resend on kastell.invites for update to kastell_app
  using (((select app.has_global('users.invite')) or company_id = (select app.company_scope('users.invite')))
         and accepted_at is null and revoked_at is null)
  with check (((select app.has_global('users.invite')) or company_id = (select app.company_scope('users.invite')))
              and accepted_at is null);

-- Permissive policies are OR'ed per row (the old row may pass one policy's
-- USING and the new row another's CHECK), so what may never happen is said
-- here: an accepted or revoked invitation stays so and gets no new token;
-- an auditor invitation carries its membership length.
create function app.check_invite_change() returns trigger
language plpgsql
set search_path = ''
as $$
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
create trigger invites_check_change before insert or update on kastell.invites
  for each row execute function app.check_invite_change();

-- An external auditor's membership always ends, at most 90 days after it is
-- granted or changed; app.active_membership() and app.resume_session() (0002,
-- 0004) already give an expired membership nothing.
create function app.check_membership_expiry() returns trigger
language plpgsql
set search_path = ''
as $$
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
create trigger memberships_check_expiry before insert or update on kastell.memberships
  for each row execute function app.check_membership_expiry();

-- Accepting an invitation: as in 0005, and an auditor's membership ends
-- membership_days after acceptance.
create or replace function app.accept_invite(p_token_hash bytea, p_display_name text, p_password_hash text)
returns uuid
language plpgsql volatile security definer
set search_path = ''
as $$
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

do $$
declare
  f text;
begin
  foreach f in array array[
    'app.request_password_reset(text, bytea, interval)', 'app.password_reset_for_token(bytea)',
    'app.complete_password_reset(bytea, text)', 'app.sessions_void_password_resets()']
  loop
    execute format('alter function %s owner to kastell_auth', f);
    execute format('revoke all on function %s from public', f);
  end loop;
  foreach f in array array[
    'app.request_password_reset(text, bytea, interval)', 'app.password_reset_for_token(bytea)',
    'app.complete_password_reset(bytea, text)']
  loop
    execute format('grant execute on function %s to kastell_app', f);
  end loop;
  foreach f in array array['app.check_invite_change()', 'app.check_membership_expiry()']
  loop
    execute format('revoke all on function %s from public', f);
  end loop;
end
$$;

-- People management. An admin (users.update) removes a person's membership:
-- the account stays (history, audit) but holds no role, so it signs in to
-- nothing; the memberships trigger of 0004 ends its sessions. Nobody
-- removes their own, and only the owner (roles.manage) removes an owner's.
grant delete on kastell.memberships to kastell_app;
create policy memberships_delete on kastell.memberships for delete to kastell_app
  using (user_id <> (select app.current_user_id())
         and ((select app.has_global('users.update')) or company_id = (select app.company_scope('users.update')))
         and ((select app.has_global('roles.manage'))
              or not exists (select 1 from kastell.roles r where r.role_id = memberships.role_id and r.role_key = 'owner')));

-- A user's new e-mail address waits here until a link mailed to it is
-- followed (256-bit token, stored hashed, 24 hours, single use; a newer
-- request voids the older). Only kastell_auth touches the table.
create table kastell.email_changes (
  email_change_id uuid primary key default app.uuidv7(),
  user_id uuid not null references kastell.users on delete cascade,
  new_email text not null check (new_email ~ '^[^@\s]+@[^@\s]+$' and length(new_email) <= 254),
  token_hash bytea not null unique check (length(token_hash) = 32),
  expires_at timestamptz not null,
  confirmed_at timestamptz,
  voided_at timestamptz,
  created_at timestamptz not null default now()
);
create index email_changes_user_id_idx on kastell.email_changes (user_id) where confirmed_at is null and voided_at is null;
revoke all on kastell.email_changes from public;
grant select, insert, update on kastell.email_changes to kastell_auth;
alter table kastell.email_changes enable row level security;
alter table kastell.email_changes force row level security;
create policy email_changes_auth on kastell.email_changes for all to kastell_auth using (true) with check (true);

-- The signed-in user asks for a new address (the application checks sudo mode).
create function app.request_email_change(p_new_email text, p_token_hash bytea) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
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

-- Following the link: the address changes once; returns the user, the old
-- and the new address. P0002 when the link is not live, 23505 when the
-- address was taken meanwhile.
create function app.confirm_email_change(p_token_hash bytea)
returns table (user_id uuid, old_email text, new_email text)
language plpgsql volatile security definer
set search_path = ''
as $$
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

do $$
declare
  f text;
begin
  foreach f in array array['app.request_email_change(text, bytea)', 'app.confirm_email_change(bytea)']
  loop
    execute format('alter function %s owner to kastell_auth', f);
    execute format('revoke all on function %s from public', f);
    execute format('grant execute on function %s to kastell_app', f);
  end loop;
end
$$;
