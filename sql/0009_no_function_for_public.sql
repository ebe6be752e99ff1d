-- No function of ours is executable by PUBLIC. PostgreSQL grants EXECUTE to
-- PUBLIC on every new function, and the per-schema `alter default privileges
-- in schema … revoke` of 0001 cannot take that away (per-schema defaults only
-- add), so until now every function not revoked by hand — SECURITY DEFINER
-- ones included — was callable by any role that reaches its schema: the
-- application could call functions it was never granted.
-- From here on the owners' own defaults revoke it for every new function.
revoke execute on all functions in schema app, kastell, audit from public;
alter default privileges for role kastell_owner revoke execute on functions from public;
alter default privileges for role kastell_auth revoke execute on functions from public;
alter default privileges for role kastell_audit revoke execute on functions from public;


-- What one owner's function used of another's through PUBLIC: the audit
-- writer (kastell_audit) fills event ids from app.uuidv7() (kastell_owner).
grant execute on function app.uuidv7() to kastell_audit;
