-- Schemas and the helpers every policy uses.
-- Runs as kastell_owner (the runner does SET LOCAL ROLE). Roles themselves
-- are created by `kastell migrate` before any file runs (see app/db/migrate.ts).
--
-- kastell  business tables; the app reaches them only through RLS
-- app      helper functions; the application may execute, never create
create schema kastell;
create schema app;

revoke all on schema kastell from public;
revoke all on schema app from public;
grant usage on schema kastell to kastell_app, kastell_auth;
grant usage on schema app to kastell_app, kastell_auth;
-- kastell_auth owns the SECURITY DEFINER functions; ALTER ... OWNER needs this.
grant create on schema app to kastell_auth;

-- Functions are executable by PUBLIC by default; nothing of ours should be.
alter default privileges in schema app revoke execute on functions from public;
alter default privileges in schema kastell revoke execute on functions from public;

-- UUIDv7 (RFC 9562) that works on PostgreSQL 15, which has no uuidv7():
-- 48-bit Unix milliseconds, then random bits, version 7, variant 10.
create function app.uuidv7() returns uuid
language sql volatile parallel safe
set search_path = ''
as $$
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
grant execute on function app.uuidv7() to kastell_app, kastell_auth;

-- The request identity, set per transaction by withPrincipal().
-- After a set_config(..., true) transaction the value reads '' — hence nullif.
create function app.current_user_id() returns uuid
language sql stable parallel safe
set search_path = ''
as $$ select nullif(pg_catalog.current_setting('kastell.user_id', true), '')::uuid $$;
grant execute on function app.current_user_id() to kastell_app, kastell_auth;

-- Keeps updated_at honest without trusting the caller.
create function app.touch_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$ begin new.updated_at := pg_catalog.now(); return new; end $$;
