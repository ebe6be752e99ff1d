// Job pages' parts, shared with the request page (making a job from a request).
import type { Context } from 'hono';
import type { AppEnv } from '../http/context.ts';
import type { Issue } from '../http/errors.ts';
import { CsrfField, Field, FormErrors } from '../http/layout.tsx';

/** 2026-12-01 09:30 UTC: the portal shows times in UTC until users have a time zone. */
export const formatWhen = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '—');

export function JobForm(props: { c: Context<AppEnv>; sites: { siteId: string; label: string }[]; issues: Issue[]; values: Record<string, string | undefined> }) {
  const t = props.c.get('t');
  const v = props.values;
  return (
    <form method="post" action="/jobs" novalidate>
      <FormErrors issues={props.issues} t={t} labels={{ siteId: t('jobs.site'), title: t('jobs.subject'), description: t('jobs.description'),
        plannedStart: t('jobs.plannedStart'), requestId: t('jobs.request'), assetIds: t('jobs.assets') }} />
      <CsrfField token={props.c.get('csrfToken')} />
      {v.requestId ? <input type="hidden" name="requestId" value={v.requestId} /> : null}
      {v.assetIds ? <input type="hidden" name="assetIds" value={v.assetIds} /> : null}
      <p class="field">
        <label for="job-siteId">{t('jobs.site')}</label>
        <select id="job-siteId" name="siteId" required>
          {props.sites.map((s) => <option value={s.siteId} selected={s.siteId === v.siteId}>{s.label}</option>)}
        </select>
      </p>
      <Field form="job" name="title" label={t('jobs.subject')} value={v.title} required maxlength={200} />
      <p class="field">
        <label for="job-description">{t('jobs.description')}</label>
        <textarea id="job-description" name="description" rows={4} maxlength={5000}>{v.description ?? ''}</textarea>
      </p>
      <Field form="job" name="plannedStart" type="datetime-local" label={t('jobs.plannedStart')} value={v.plannedStart} />
      <button type="submit">{t('jobs.create')}</button>
    </form>
  );
}
