// Service requests: pages and /api/v1 routes. Customers raise and withdraw
// them; the operator triages, declines, or accepts one by making a job from
// it (app/jobs). Each state has a customer-facing label (views.tsx).
import type { FeatureDeps } from '../feature.ts';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { auditFor } from '../audit/record.ts';
import type { AppEnv } from '../http/context.ts';
import { notFound, type Issue } from '../http/errors.ts';
import { requirePermission } from '../http/guards.ts';
import { CsrfField, Field, FormErrors, renderPage } from '../http/layout.tsx';
import { idParam, issuesOf, readFormFields } from '../http/validate.ts';
import { listJobsOfRequest } from '../jobs/queries.ts';
import { JobForm, formatWhen } from '../jobs/views.tsx';
import { createRequest, findRequest, listRequests, listRequestTargets, setRequestStatus } from './queries.ts';
import { declineSchema, requestInputSchema, requestSchema, requestStatusChangeSchema } from './schema.ts';
import { RequestForm, requestStatusLabel } from './views.tsx';

export function requestRoutes({ db, api }: FeatureDeps): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();

  api.add({
    method: 'get', permission: 'requests.read', path: '/requests', summary: 'List the service requests visible to you', tag: 'requests',
    response: z.array(requestSchema),
    handler: (c, { user }) => db.withPrincipal(user, listRequests),
  });
  api.add({
    method: 'post', permission: 'requests.create', path: '/requests', summary: 'Raise a service request for a site', tag: 'requests', status: 201,
    body: requestInputSchema, response: requestSchema,
    handler: async (c, { body, user }) => (await db.withPrincipal(user, (tx) => createRequest(tx, auditFor(c), body))) ?? Promise.reject(notFound()),
  });
  api.add({
    method: 'get', permission: 'requests.read', path: '/requests/:requestId', summary: 'Read one service request with the jobs made from it', tag: 'requests',
    response: requestSchema,
    handler: async (c, { user }) => (await db.withPrincipal(user, (tx) => findRequest(tx, idParam(c, 'requestId')))) ?? Promise.reject(notFound()),
  });
  api.add({
    method: 'post', permission: 'requests.read', path: '/requests/:requestId/status',
    summary: 'Move a service request: withdrawn (its customer: requests.create), triaged or declined with a reason (the operator: requests.update)', tag: 'requests',
    body: requestStatusChangeSchema, response: requestSchema,
    handler: async (c, { body }) => {
      const user = requirePermission(c, body.status === 'withdrawn' ? 'requests.create' : 'requests.update');
      return (await db.withPrincipal(user, (tx) => setRequestStatus(tx, auditFor(c), idParam(c, 'requestId'), body.status, body.reason)))
        ?? Promise.reject(notFound());
    },
  });

  const listPage = async (c: Context<AppEnv>, issues: Issue[], values: Record<string, string | undefined>, status: 200 | 422 = 200) => {
    const user = requirePermission(c, 'requests.read');
    const t = c.get('t');
    const canRaise = user.permissions.has('requests.create');
    const [requests, targets] = await db.withPrincipal(user, async (tx) => [await listRequests(tx), canRaise ? await listRequestTargets(tx) : undefined] as const);
    return renderPage(c, t('requests.title'), (
      <>
        {targets ? <RequestForm c={c} sites={targets.sites} assets={targets.assets} issues={issues} values={values} /> : null}
        <h2>{t('requests.title')}</h2>
        {requests.length === 0 ? <p>{t('requests.none')}</p> : (
          <ul class="cards">
            {requests.map((r) => (
              <li><a href={`/requests/${r.requestId}`}>{r.title}</a> — <strong>{requestStatusLabel(t, user, r.status)}</strong>
                {' · '}{t(`requests.urgency.${r.urgency}`)}{' · '}{formatWhen(r.createdAt)}</li>
            ))}
          </ul>
        )}
      </>
    ), status);
  };

  pages.get('/requests', (c) => listPage(c, [], {}));

  pages.post('/requests', async (c) => {
    const user = requirePermission(c, 'requests.create');
    const fields = await readFormFields(c);
    const parsed = requestInputSchema.safeParse(fields);
    if (!parsed.success) return listPage(c, issuesOf(parsed.error, c.get('t')), fields, 422);
    const request = await db.withPrincipal(user, (tx) => createRequest(tx, auditFor(c), parsed.data));
    if (!request) throw notFound();
    return c.redirect(`/requests/${request.requestId}`, 303);
  });

  pages.get('/requests/:requestId', async (c) => {
    const user = requirePermission(c, 'requests.read');
    const requestId = idParam(c, 'requestId');
    const [request, jobs] = await db.withPrincipal(user, async (tx) => [await findRequest(tx, requestId), await listJobsOfRequest(tx, requestId)] as const);
    if (!request) throw notFound();
    const t = c.get('t');
    const open = request.status === 'submitted' || request.status === 'triaged';
    const operator = user.side === 'operator';
    const can = (p: string) => user.permissions.has(p);
    const button = (action: string, label: string) => (
      <form method="post" action={`/requests/${request.requestId}/${action}`}><CsrfField token={c.get('csrfToken')} /><button type="submit">{label}</button></form>
    );
    return renderPage(c, request.title, (
      <>
        <p><a href="/requests">←</a> {t('requests.status')}: <strong>{requestStatusLabel(t, user, request.status)}</strong>
          {' · '}{t('requests.urgency')}: {t(`requests.urgency.${request.urgency}`)}{' · '}{t('requests.raisedAt')}: {formatWhen(request.createdAt)}</p>
        <p><a href={`/sites/${request.siteId}`}>{t('requests.site')}</a>{request.assetId ? <> · <a href={`/assets/${request.assetId}`}>{t('requests.asset')}</a></> : null}</p>
        {request.description ? <p class="prose">{request.description}</p> : null}
        {request.declineReason ? <p>{t('requests.declineReason')}: {request.declineReason}</p> : null}
        <h2>{t('requests.jobs')}</h2>
        {jobs.length === 0 ? <p>{t('jobs.none')}</p> : (
          <ul>{jobs.map((j) => <li><a href={`/jobs/${j.jobId}`}>{j.title}</a> — {t(`jobs.status.${j.status}`)}</li>)}</ul>
        )}
        {open && !operator && (request.raisedBy === user.userId || can('requests.update')) ? button('withdraw', t('requests.withdraw')) : null}
        {open && operator && can('requests.update') ? (
          <>
            {request.status === 'submitted' ? button('triage', t('requests.triage')) : null}
            <form method="post" action={`/requests/${request.requestId}/decline`} novalidate>
              <CsrfField token={c.get('csrfToken')} />
              <Field form="decline" name="reason" label={t('requests.declineReason')} required maxlength={2000} />
              <button type="submit" class="danger">{t('requests.decline')}</button>
            </form>
          </>
        ) : null}
        {open && can('jobs.create') ? (
          <><h2>{t('requests.makeJob')}</h2>
            <JobForm c={c} sites={[{ siteId: request.siteId, label: t('requests.site') }]} issues={[]}
              values={{ siteId: request.siteId, requestId: request.requestId, title: request.title, description: request.description ?? undefined,
                assetIds: request.assetId ?? undefined }} /></>
        ) : null}
      </>
    ));
  });

  pages.post('/requests/:requestId/withdraw', async (c) => {
    const user = requirePermission(c, 'requests.create');
    const requestId = idParam(c, 'requestId');
    if (!(await db.withPrincipal(user, (tx) => setRequestStatus(tx, auditFor(c), requestId, 'withdrawn')))) throw notFound();
    return c.redirect(`/requests/${requestId}`, 303);
  });
  pages.post('/requests/:requestId/triage', async (c) => {
    const user = requirePermission(c, 'requests.update');
    const requestId = idParam(c, 'requestId');
    if (!(await db.withPrincipal(user, (tx) => setRequestStatus(tx, auditFor(c), requestId, 'triaged')))) throw notFound();
    return c.redirect(`/requests/${requestId}`, 303);
  });
  pages.post('/requests/:requestId/decline', async (c) => {
    const user = requirePermission(c, 'requests.update');
    const requestId = idParam(c, 'requestId');
    const fields = await readFormFields(c);
    const parsed = declineSchema.safeParse(fields);
    if (!parsed.success) {
      const t = c.get('t');
      return renderPage(c, t('requests.decline'), (
        <form method="post" action={`/requests/${requestId}/decline`} novalidate>
          <FormErrors issues={issuesOf(parsed.error, t)} t={t} labels={{ reason: t('requests.declineReason') }} />
          <CsrfField token={c.get('csrfToken')} />
          <Field form="decline" name="reason" label={t('requests.declineReason')} required maxlength={2000} />
          <button type="submit" class="danger">{t('requests.decline')}</button>
        </form>
      ), 422);
    }
    if (!(await db.withPrincipal(user, (tx) => setRequestStatus(tx, auditFor(c), requestId, 'declined', parsed.data.reason)))) throw notFound();
    return c.redirect(`/requests/${requestId}`, 303);
  });

  return pages;
}
