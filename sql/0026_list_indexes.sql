-- Indexes the hot lists need at size (test/foundation/query-plans.test.ts,
-- issue 15 part 5: it fails on a sequential scan of a big table).
--
-- The job list of a global reader (a dispatcher's, GET /api/v1/jobs with no
-- filter) is ordered by coalesce(planned_start, created_at) desc, job_id and
-- limited to 500: without an index on that order every job was read and
-- sorted; with it the newest 500 are read off the index.
create index jobs_list_order_idx on kastell.jobs ((coalesce(planned_start, created_at)) desc, job_id);
