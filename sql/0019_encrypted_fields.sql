-- Encrypted columns (app/crypto/fields.ts): these values are now written as
-- AES-256-GCM `v2:keyId:iv:tag:ct` under the owning company's data key, so
-- their length checks can no longer count the plain text. The application
-- checks the plain length (zod, before sealing); the database keeps its
-- bound on rows not yet sealed (written before this migration, re-encrypted
-- by `kastell keys reencrypt`) and a generous bound on ciphertexts.
alter table kastell.job_messages drop constraint job_messages_body_check;
alter table kastell.job_messages add constraint job_messages_body_check
  check (case when body like 'v2:%' then length(body) <= 30000 else length(body) between 1 and 5000 end);

alter table kastell.visits drop constraint visits_notes_check;
alter table kastell.visits add constraint visits_notes_check
  check (case when notes like 'v2:%' then length(notes) <= 30000 else length(notes) <= 5000 end);

alter table kastell.service_reports drop constraint service_reports_work_done_check;
alter table kastell.service_reports add constraint service_reports_work_done_check
  check (case when work_done like 'v2:%' then length(work_done) <= 120000 else length(work_done) <= 20000 end);

alter table kastell.sites drop constraint sites_street_check;
alter table kastell.sites add constraint sites_street_check
  check (case when street like 'v2:%' then length(street) <= 1200 else length(street) <= 200 end);
alter table kastell.sites drop constraint sites_postal_code_check;
alter table kastell.sites add constraint sites_postal_code_check
  check (case when postal_code like 'v2:%' then length(postal_code) <= 200 else length(postal_code) <= 20 end);
alter table kastell.sites drop constraint sites_city_check;
alter table kastell.sites add constraint sites_city_check
  check (case when city like 'v2:%' then length(city) <= 700 else length(city) <= 100 end);

-- The additional data binds a ciphertext to its row, so the application
-- makes the row's id (a UUIDv7, app/crypto/fields.ts) before it seals and
-- writes it: the id column joins the insert grants.
grant insert (visit_id) on kastell.visits to kastell_app;
grant insert (report_id) on kastell.service_reports to kastell_app;
grant insert (message_id) on kastell.job_messages to kastell_app;
