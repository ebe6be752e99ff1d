// Jobs, assignments and visits: pages and /api/v1 routes. Dispatchers make
// jobs (from a request or directly), assign technicians and move them
// through their states; technicians see only their assigned jobs (RLS:
// app.assigned_jobs in sql/0010) and check in and out; customers read their
// company's jobs with the history. Status moves are the database's to allow.
import type { FeatureDeps } from '../feature.ts';
import { Hono, type Context } from 'hono';
import postgres from 'postgres';
import { z } from 'zod';
import { auditFor } from '../audit/record.ts';
import type { AppEnv, SessionUser } from '../http/context.ts';
import { HttpError, notFound, type Issue } from '../http/errors.ts';
import { requirePermission } from '../http/guards.ts';
import { CsrfField, Field, FormErrors, renderPage } from '../http/layout.tsx';
import { idParam, issuesOf, readFormFields } from '../http/validate.ts';
import { findSite } from '../sites/queries.ts';
import { listCompanies } from '../companies/queries.ts';
import {
  assignTechnician, changeJobStatus, createJob, findJob, jobScopeOf, listJobs, listNextStatuses, listTechnicians, removeTechnician,
  type JobListFilter,
} from './queries.ts';
import {
  assignmentInputSchema, checkInSchema, checkOutSchema, jobDetailSchema, jobInputSchema, jobListQuerySchema, jobSchema, jobStatusChangeSchema,
  jobStatuses, visitSchema, type Job, type JobListQuery, type JobStatus,
} from './schema.ts';
import { checkIn, checkOut, listVisitsOfJob } from './visits-queries.ts';
import { formatWhen, JobForm } from './views.tsx';
import { listRequestTargets } from '../requests/queries.ts';
import { conversationForJobPage } from '../messages/routes.tsx';
import { JobMessages } from '../messages/views.tsx';

/** The list's filters as listJobs takes them: `mine` is a technician filter on oneself; `on` is a one-day range. */
function filterOf(user: SessionUser, query: JobListQuery): JobListFilter {
  return {
    status: query.status,
    companyId: query.companyId,
    technicianIds: [...(query.technicianId ? [query.technicianId] : []), ...(query.mine === 'true' ? [user.userId] : [])],
    from: query.on ?? query.from,
    to: query.on ?? query.to,
    // the technician's "today" view: jobs planned today come first
    todayFirst: jobScopeOf(user).assignedTo !== undefined,
  };
}

/** The last technician of a scheduled or in-progress job stays (sql/0014's trigger says so). */
async function refusedRemoval<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof postgres.PostgresError && error.code === '55000') {
      throw new HttpError(409, 'last_technician', `This technician cannot be removed: ${error.message}.`);
    }
    throw error;
  }
}

/** The database's refusal of a move (sql/0010's trigger) says what is missing: pass its words on. */
async function refusedMove<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof postgres.PostgresError && (error.code === '55000' || (error.code === '23514' && error.message.includes('needs a reason')))) {
      throw new HttpError(409, 'transition_refused', `This status change is not possible now: ${error.message}.`);
    }
    throw error;
  }
}

export function jobRoutes({ db, api }: FeatureDeps): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();

  api.add({
    method: 'get', permission: 'jobs.read', path: '/jobs', summary: 'List the jobs visible to you (a technician: those assigned to them)', tag: 'jobs',
    query: jobListQuerySchema, response: z.array(jobSchema),
    handler: (c, { query, user }) => db.withPrincipal(user, (tx) => listJobs(tx, jobScopeOf(user), filterOf(user, query))),
  });
  api.add({
    method: 'post', permission: 'jobs.create', path: '/jobs', summary: 'Create a job for a site, from a request or directly', tag: 'jobs', status: 201,
    body: jobInputSchema, response: jobDetailSchema,
    handler: async (c, { body, user }) => (await db.withPrincipal(user, (tx) => createJob(tx, auditFor(c), body))) ?? Promise.reject(notFound()),
  });
  api.add({
    method: 'get', permission: 'jobs.read', path: '/jobs/:jobId', summary: 'Read one job with its technicians, assets and status history', tag: 'jobs',
    response: jobDetailSchema,
    handler: async (c, { user }) => (await db.withPrincipal(user, (tx) => findJob(tx, idParam(c, 'jobId')))) ?? Promise.reject(notFound()),
  });
  api.add({
    method: 'post', permission: 'jobs.update', path: '/jobs/:jobId/status', summary: 'Move a job to another state (checked by the database)', tag: 'jobs',
    body: jobStatusChangeSchema, response: jobDetailSchema,
    handler: async (c, { body, user }) =>
      (await refusedMove(db.withPrincipal(user, (tx) => changeJobStatus(tx, auditFor(c), idParam(c, 'jobId'), body)))) ?? Promise.reject(notFound()),
  });
  api.add({
    method: 'post', permission: 'jobs.assign', path: '/jobs/:jobId/technicians', summary: 'Assign a technician to a job', tag: 'jobs',
    body: assignmentInputSchema, response: jobDetailSchema,
    handler: async (c, { body, user }) =>
      (await db.withPrincipal(user, (tx) => assignTechnician(tx, auditFor(c), idParam(c, 'jobId'), body.technicianId))) ?? Promise.reject(notFound()),
  });
  api.add({
    method: 'delete', permission: 'jobs.assign', path: '/jobs/:jobId/technicians/:technicianId', summary: 'Take a technician off a job (not the last one of a scheduled or in-progress job)', tag: 'jobs',
    response: jobDetailSchema,
    handler: async (c, { user }) =>
      (await refusedRemoval(db.withPrincipal(user, (tx) => removeTechnician(tx, auditFor(c), idParam(c, 'jobId'), idParam(c, 'technicianId'))))) ?? Promise.reject(notFound()),
  });
  api.add({
    method: 'get', permission: 'visits.read', path: '/jobs/:jobId/visits', summary: "List a job's visits", tag: 'visits',
    response: z.array(visitSchema),
    handler: async (c, { user }) => {
      const jobId = idParam(c, 'jobId');
      return db.withPrincipal(user, async (tx) => {
        if (!(await findJob(tx, jobId))) throw notFound();
        return listVisitsOfJob(tx, jobId);
      });
    },
  });
  api.add({
    method: 'post', permission: 'visits.manage', path: '/jobs/:jobId/visits', summary: 'Check a technician in on a job (yourself unless a dispatcher names one)', tag: 'visits', status: 201,
    body: checkInSchema, response: visitSchema,
    handler: async (c, { body, user }) =>
      (await db.withPrincipal(user, (tx) => checkIn(tx, auditFor(c), idParam(c, 'jobId'), body))) ?? Promise.reject(notFound()),
  });
  api.add({
    method: 'post', permission: 'visits.manage', path: '/visits/:visitId/check-out', summary: 'Check out of an open visit', tag: 'visits',
    body: checkOutSchema, response: visitSchema,
    handler: async (c, { body, user }) =>
      (await db.withPrincipal(user, (tx) => checkOut(tx, auditFor(c), idParam(c, 'visitId'), body))) ?? Promise.reject(notFound()),
  });

  const listPage = async (c: Context<AppEnv>, issues: Issue[], values: Record<string, string | undefined>, status: 200 | 422 = 200) => {
    const user = requirePermission(c, 'jobs.read');
    const t = c.get('t');
    // a GET form sends empty fields: they mean "any"
    const asked = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v.trim() !== ''));
    const parsed = jobListQuerySchema.safeParse(asked);
    const query: JobListQuery = parsed.success ? parsed.data : {};
    const filterIssues = parsed.success ? [] : issuesOf(parsed.error, t);
    const scope = jobScopeOf(user);
    const board = user.permissions.get('jobs.read') === 'global';
    const canCreate = user.permissions.has('jobs.create');
    const data = await db.withPrincipal(user, async (tx) => ({
      jobs: parsed.success ? await listJobs(tx, scope, filterOf(user, query)) : [],
      targets: canCreate ? await listRequestTargets(tx) : undefined,
      technicians: board ? await listTechnicians(tx) : [],
      companies: board ? await listCompanies(tx) : [],
    }));
    const technician = scope.assignedTo !== undefined;
    const sel = (value: string | undefined, wanted: string | undefined) => value === wanted;
    const item = (j: Job) => (
      <li><a href={`/jobs/${j.jobId}`}>{j.title}</a>{board ? null : <> — <strong>{t(`jobs.status.${j.status}`)}</strong></>}
        {' · '}{t('jobs.plannedStart')}: {formatWhen(j.plannedStart)}
        {board && j.technicians.length > 0 ? <> · {j.technicians.map((x) => x.displayName ?? t('jobs.someTechnician')).join(', ')}</> : null}</li>
    );
    const groups = jobStatuses.map((s) => [s, data.jobs.filter((j) => j.status === s)] as const).filter(([, js]) => js.length > 0);
    return renderPage(c, technician ? t('jobs.mine') : board ? t('jobs.board') : t('jobs.title'), (
      <>
        <form method="get" action="/jobs" class="filters" novalidate>
          <FormErrors issues={filterIssues} t={t} labels={{ status: t('jobs.status'), technicianId: t('jobs.filterTechnician'),
            companyId: t('jobs.filterCompany'), on: t('jobs.filterOn'), from: t('jobs.filterFrom'), to: t('jobs.filterTo') }} />
          <p class="field"><label for="jobs-status">{t('jobs.filter')}</label>
            <select id="jobs-status" name="status">
              <option value="">{t('jobs.allStatuses')}</option>
              {jobStatuses.map((s) => <option value={s} selected={sel(s, query.status)}>{t(`jobs.status.${s}`)}</option>)}
            </select></p>
          {board ? (
            <>
              <p class="field"><label for="jobs-technicianId">{t('jobs.filterTechnician')}</label>
                <select id="jobs-technicianId" name="technicianId">
                  <option value="">{t('jobs.anyTechnician')}</option>
                  {data.technicians.map((x) => <option value={x.userId} selected={sel(x.userId, query.technicianId)}>{x.displayName}</option>)}
                </select></p>
              <p class="field"><label for="jobs-companyId">{t('jobs.filterCompany')}</label>
                <select id="jobs-companyId" name="companyId">
                  <option value="">{t('jobs.anyCompany')}</option>
                  {data.companies.map((x) => <option value={x.companyId} selected={sel(x.companyId, query.companyId)}>{x.name}</option>)}
                </select></p>
            </>
          ) : null}
          <Field form="jobs" name="on" type="date" label={t('jobs.filterOn')} value={asked.on} />
          <Field form="jobs" name="from" type="date" label={t('jobs.filterFrom')} value={asked.from} />
          <Field form="jobs" name="to" type="date" label={t('jobs.filterTo')} value={asked.to} />
          <button type="submit">{t('jobs.filterFilter')}</button>
        </form>
        {data.jobs.length === 0 ? <p>{t('jobs.none')}</p> : board ? (
          groups.map(([s, js]) => (
            <section class="board-column" aria-labelledby={`board-${s}`}>
              <h2 id={`board-${s}`}>{t(`jobs.status.${s}`)} ({js.length})</h2>
              <ul class="cards">{js.map(item)}</ul>
            </section>
          ))
        ) : (
          <ul class="cards">{data.jobs.map(item)}</ul>
        )}
        {data.targets ? <><h2>{t('jobs.new')}</h2><JobForm c={c} sites={data.targets.sites} issues={issues} values={values} /></> : null}
      </>
    ), filterIssues.length > 0 ? 422 : status);
  };

  pages.get('/jobs', (c) => listPage(c, [], {}));

  pages.post('/jobs', async (c) => {
    const user = requirePermission(c, 'jobs.create');
    const fields = await readFormFields(c);
    const { assetIds, ...rest } = fields;
    const parsed = jobInputSchema.safeParse({ ...rest, assetIds: assetIds ? [assetIds] : [] });
    if (!parsed.success) return listPage(c, issuesOf(parsed.error, c.get('t')), fields, 422);
    const job = await db.withPrincipal(user, (tx) => createJob(tx, auditFor(c), parsed.data));
    if (!job) throw notFound();
    return c.redirect(`/jobs/${job.jobId}`, 303);
  });

  pages.get('/jobs/:jobId', async (c) => jobPage(c, idParam(c, 'jobId'), [], 200));

  const jobPage = async (c: Context<AppEnv>, jobId: string, issues: Issue[], status: 200 | 409 | 422) => {
    const user = requirePermission(c, 'jobs.read');
    const data = await db.withPrincipal(user, async (tx) => {
      const job = await findJob(tx, jobId);
      if (!job) return undefined;
      const can = (p: string) => user.permissions.has(p);
      return {
        job,
        site: await findSite(tx, job.siteId),
        visits: can('visits.read') ? await listVisitsOfJob(tx, jobId) : [],
        technicians: can('jobs.assign') ? await listTechnicians(tx) : [],
        nextStates: can('jobs.update') ? await listNextStatuses(tx, job.status, user.permissions.get('jobs.update') !== 'global') : [],
      };
    });
    if (!data) throw notFound();
    const conversation = await conversationForJobPage(db, user, jobId);
    return renderPage(c, data.job.title, <><JobPage c={c} user={user} {...data} issues={issues} /><JobMessages c={c} user={user} conversation={conversation} /></>, status);
  };

  pages.post('/jobs/:jobId/status', async (c) => {
    const user = requirePermission(c, 'jobs.update');
    const jobId = idParam(c, 'jobId');
    const parsed = jobStatusChangeSchema.safeParse(await readFormFields(c));
    if (!parsed.success) return jobPage(c, jobId, issuesOf(parsed.error, c.get('t')), 422);
    try {
      if (!(await refusedMove(db.withPrincipal(user, (tx) => changeJobStatus(tx, auditFor(c), jobId, parsed.data))))) throw notFound();
    } catch (error) {
      if (error instanceof HttpError && error.code === 'transition_refused') return jobPage(c, jobId, [{ path: '(body)', message: error.message }], 409);
      throw error;
    }
    return c.redirect(`/jobs/${jobId}`, 303);
  });

  pages.post('/jobs/:jobId/technicians', async (c) => {
    const user = requirePermission(c, 'jobs.assign');
    const jobId = idParam(c, 'jobId');
    const parsed = assignmentInputSchema.safeParse(await readFormFields(c));
    if (!parsed.success) return jobPage(c, jobId, issuesOf(parsed.error, c.get('t')), 422);
    if (!(await db.withPrincipal(user, (tx) => assignTechnician(tx, auditFor(c), jobId, parsed.data.technicianId)))) throw notFound();
    return c.redirect(`/jobs/${jobId}`, 303);
  });

  pages.post('/jobs/:jobId/technicians/:technicianId/remove', async (c) => {
    const user = requirePermission(c, 'jobs.assign');
    const jobId = idParam(c, 'jobId');
    const technicianId = idParam(c, 'technicianId');
    try {
      if (!(await refusedRemoval(db.withPrincipal(user, (tx) => removeTechnician(tx, auditFor(c), jobId, technicianId))))) throw notFound();
    } catch (error) {
      if (error instanceof HttpError && error.code === 'last_technician') return jobPage(c, jobId, [{ path: '(body)', message: c.get('t')('jobs.lastTechnician') }], 409);
      throw error;
    }
    return c.redirect(`/jobs/${jobId}`, 303);
  });

  pages.post('/jobs/:jobId/visits', async (c) => {
    const user = requirePermission(c, 'visits.manage');
    const jobId = idParam(c, 'jobId');
    const parsed = checkInSchema.safeParse(await readFormFields(c));
    if (!parsed.success) return jobPage(c, jobId, issuesOf(parsed.error, c.get('t')), 422);
    if (!(await db.withPrincipal(user, (tx) => checkIn(tx, auditFor(c), jobId, parsed.data)))) throw notFound();
    return c.redirect(`/jobs/${jobId}`, 303);
  });

  pages.post('/visits/:visitId/check-out', async (c) => {
    const user = requirePermission(c, 'visits.manage');
    const visitId = idParam(c, 'visitId');
    const parsed = checkOutSchema.safeParse(await readFormFields(c));
    if (!parsed.success) {
      const t = c.get('t');
      return renderPage(c, t('visits.checkOut'), (
        <form method="post" action={`/visits/${visitId}/check-out`} novalidate>
          <FormErrors issues={issuesOf(parsed.error, t)} t={t} labels={{ notes: t('visits.notes') }} />
          <CsrfField token={c.get('csrfToken')} />
          <p class="field"><label for="checkout-notes">{t('visits.notes')}</label>
            <textarea id="checkout-notes" name="notes" rows={3} maxlength={5000}></textarea></p>
          <button type="submit" class="primary">{t('visits.checkOut')}</button>
        </form>
      ), 422);
    }
    const visit = await db.withPrincipal(user, (tx) => checkOut(tx, auditFor(c), visitId, parsed.data));
    if (!visit) throw notFound();
    return c.redirect(`/jobs/${visit.jobId}`, 303);
  });

  return pages;
}

/** The reason the database writes when a report is refused (sql/0025: the comment stays sealed on the report), in the page's language. */
const reportRefusedReason = 'service report refused';
const shownReason = (t: (key: 'jobs.reasonReportRefused') => string, reason: string) => (reason === reportRefusedReason ? t('jobs.reasonReportRefused') : reason);

function JobPage(props: {
  c: Context<AppEnv>; user: SessionUser; issues: Issue[];
  job: Awaited<ReturnType<typeof findJob>> & object;
  site: Awaited<ReturnType<typeof findSite>>;
  visits: Awaited<ReturnType<typeof listVisitsOfJob>>;
  technicians: Awaited<ReturnType<typeof listTechnicians>>;
  nextStates: JobStatus[];
}) {
  const { c, user, job, site, visits, technicians, nextStates } = props;
  const t = c.get('t');
  const can = (p: string) => user.permissions.has(p);
  const csrf = <CsrfField token={c.get('csrfToken')} />;
  const mineOpen = visits.find((v) => v.technicianId === user.userId && v.checkOutAt === null);
  const assignedToMe = job.technicians.some((tech) => tech.userId === user.userId);
  return (
    <>
      <p><a href="/jobs">←</a> {t('jobs.status')}: <strong>{t(`jobs.status.${job.status}`)}</strong>
        {job.statusReason ? ` (${shownReason(t, job.statusReason)})` : ''}</p>
      <p>{t('jobs.site')}: {site ? <a href={`/sites/${site.siteId}`}>{site.name}</a> : '—'}
        {site?.city ? ` — ${site.city}` : ''}</p>
      <p>{t('jobs.plannedStart')}: {formatWhen(job.plannedStart)} · {t('jobs.actualStart')}: {formatWhen(job.actualStart)}</p>
      {job.requestId ? <p><a href={`/requests/${job.requestId}`}>{t('jobs.request')}</a></p> : null}
      {can('reports.read') ? <p><a class="button" href={`/jobs/${job.jobId}/report`}>{t('reports.title')}</a></p> : null}
      {job.description ? <p class="prose">{job.description}</p> : null}
      {job.assets.length > 0 ? (<><h2>{t('jobs.assets')}</h2><ul>{job.assets.map((a) => <li>{a.name === null ? t('jobs.someAsset') : <a href={`/assets/${a.assetId}`}>{a.name}</a>}</li>)}</ul></>) : null}
      {props.issues.length > 0 ? (
        <div class="errors" role="alert" id="form-errors" tabindex={-1}><p>{t('form.errors')}</p><ul>{props.issues.map((i) => <li>{i.message}</li>)}</ul></div>
      ) : null}

      {can('visits.manage') && assignedToMe ? (
        mineOpen ? (
          <form method="post" action={`/visits/${mineOpen.visitId}/check-out`} novalidate>
            {csrf}
            <p class="field"><label for="checkout-notes">{t('visits.notes')}</label>
              <textarea id="checkout-notes" name="notes" rows={3} maxlength={5000}>{mineOpen.notes ?? ''}</textarea></p>
            <button type="submit" class="primary">{t('visits.checkOut')}</button>
          </form>
        ) : (
          <form method="post" action={`/jobs/${job.jobId}/visits`} novalidate>{csrf}<button type="submit" class="primary">{t('visits.checkIn')}</button></form>
        )
      ) : null}

      <h2>{t('jobs.technicians')}</h2>
      {job.technicians.length === 0 ? <p>{t('jobs.noTechnicians')}</p> : (
        <ul>{job.technicians.map((tech) => (
          <li>{tech.displayName ?? t('jobs.someTechnician')}
            {can('jobs.assign') ? (
              <form method="post" action={`/jobs/${job.jobId}/technicians/${tech.userId}/remove`} class="inline">
                {' '}{csrf}<button type="submit" class="danger" aria-label={t('jobs.removeTechnicianNamed', { name: tech.displayName ?? t('jobs.someTechnician') })}>{t('jobs.removeTechnician')}</button>
              </form>
            ) : null}</li>
        ))}</ul>
      )}
      {can('jobs.assign') && technicians.length > 0 ? (
        <form method="post" action={`/jobs/${job.jobId}/technicians`} novalidate>
          {csrf}
          <p class="field"><label for="assign-technicianId">{t('jobs.technician')}</label>
            <select id="assign-technicianId" name="technicianId">
              {technicians.map((tech) => <option value={tech.userId}>{tech.displayName}</option>)}
            </select></p>
          <button type="submit">{t('jobs.assign')}</button>
        </form>
      ) : null}

      {can('jobs.update') && nextStates.length > 0 ? (
        <form method="post" action={`/jobs/${job.jobId}/status`} novalidate>
          <h2>{t('jobs.changeStatus')}</h2>
          {csrf}
          <p class="field"><label for="status-status">{t('jobs.newStatus')}</label>
            <select id="status-status" name="status">
              {nextStates.map((s) => <option value={s}>{t(`jobs.status.${s}`)}</option>)}
            </select></p>
          {user.side === 'operator' && can('jobs.assign') ? (
            <Field form="status" name="plannedStart" type="datetime-local" label={t('jobs.plannedStart')} value={job.plannedStart?.slice(0, 16)} />
          ) : null}
          <Field form="status" name="reason" label={t('jobs.reason')} maxlength={2000} hint={t('jobs.guardHint')} />
          <button type="submit">{t('jobs.apply')}</button>
        </form>
      ) : null}

      {can('visits.read') ? (
        <>
          <h2>{t('visits.title')}</h2>
          {visits.length === 0 ? <p>{t('visits.none')}</p> : (
            <ul>{visits.map((v) => (
              <li>{t('visits.checkedIn')}: {formatWhen(v.checkInAt)} · {t('visits.checkedOut')}: {v.checkOutAt ? formatWhen(v.checkOutAt) : t('visits.open')}
                {v.notes ? <> — {v.notes}</> : null}</li>
            ))}</ul>
          )}
        </>
      ) : null}

      <h2>{t('jobs.history')}</h2>
      <ol>{job.history.map((h) => (
        <li>{formatWhen(h.changedAt)}: {h.fromStatus ? `${t(`jobs.status.${h.fromStatus}`)} → ` : ''}{t(`jobs.status.${h.toStatus}`)}{h.reason ? ` (${shownReason(t, h.reason)})` : ''}</li>
      ))}</ol>
    </>
  );
}
