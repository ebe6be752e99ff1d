-- Idempotency-Key on create endpoints: a request retried with the same key
-- (a phone that lost its connection mid-request) gets the first answer again
-- instead of creating a second record. Keys belong to the user who sent them
-- and live 24 hours. The stored answer is sealed by the app (AES-256-GCM,
-- bound to user and key): it may carry a one-time link, and the database
-- never holds that in the clear.

create table kastell.idempotency_keys (
  user_id uuid not null references kastell.users on delete cascade,
  idempotency_key text not null check (idempotency_key ~ '^[!-~]{1,255}$'),
  request_hash bytea not null check (length(request_hash) = 32),
  -- null while the first request runs; set together when it has answered
  response_status smallint check (response_status between 200 and 299),
  response_sealed text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null default now() + interval '24 hours',
  primary key (user_id, idempotency_key),
  check ((response_status is null) = (response_sealed is null))
);
create index idempotency_keys_expires_at_idx on kastell.idempotency_keys (expires_at);

revoke all on kastell.idempotency_keys from public;
grant select, insert, delete on kastell.idempotency_keys to kastell_app;
grant update (response_status, response_sealed) on kastell.idempotency_keys to kastell_app;
grant select, delete on kastell.idempotency_keys to kastell_auth;
alter table kastell.idempotency_keys enable row level security;
alter table kastell.idempotency_keys force row level security;
-- Each user sees and writes only their own keys, whatever their role.
create policy idempotency_keys_own on kastell.idempotency_keys for all to kastell_app
  using (user_id = (select app.current_user_id()))
  with check (user_id = (select app.current_user_id()));
create policy idempotency_keys_purge on kastell.idempotency_keys for all to kastell_auth
  using (expires_at < now());

-- Removes every expired key (everyone's): called before each new claim, so
-- the table holds at most a day of keys without a scheduled job.
create function app.purge_expired_idempotency_keys()
returns void
language sql volatile security definer
set search_path = ''
as $$
  delete from kastell.idempotency_keys where expires_at < pg_catalog.now();
$$;
revoke all on function app.purge_expired_idempotency_keys() from public;
grant execute on function app.purge_expired_idempotency_keys() to kastell_app;
alter function app.purge_expired_idempotency_keys() owner to kastell_auth;
