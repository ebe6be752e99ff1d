-- The company of a held version (app/documents/retry-held.ts): a held
-- upload of a company crypto-shredded since is plaintext nobody may read
-- any more, so the retry removes it unscanned — also when its uploader can
-- no longer see it (offboarded with the company), which the uploader's own
-- principal could not tell. Like app.held_version_uploader (sql/0016): only
-- for a version still pending, and nothing else of it is told.
set local check_function_bodies = off;

create function app.held_version_company(p_version_id uuid) returns uuid
language sql stable security definer
set search_path = ''
as $$
  select d.owner_company_id from kastell.document_versions v join kastell.documents d on d.document_id = v.document_id
   where v.version_id = p_version_id and v.status = 'pending'
$$;

set local check_function_bodies = on;

grant select (owner_company_id) on kastell.documents to kastell_auth;
alter function app.held_version_company(uuid) owner to kastell_auth;
revoke execute on function app.held_version_company(uuid) from public;
grant execute on function app.held_version_company(uuid) to kastell_app;
