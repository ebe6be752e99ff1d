// Request pages' parts: the form to raise one, state labels by side.
import type { Context } from 'hono';
import type { AppEnv, SessionUser } from '../http/context.ts';
import type { Issue } from '../http/errors.ts';
import { CsrfField, Field, FormErrors } from '../http/layout.tsx';
import type { Translate } from '../i18n/index.ts';
import { urgencies, type RequestStatus } from './schema.ts';

/** The customer reads their own word for a state; operators the working one. */
export const requestStatusLabel = (t: Translate, user: SessionUser, status: RequestStatus) =>
  user.side === 'customer' ? t(`requests.customerStatus.${status}`) : t(`requests.status.${status}`);

export type SiteOption = { siteId: string; label: string };
export type AssetOption = { assetId: string; label: string };

export function RequestForm(props: { c: Context<AppEnv>; sites: SiteOption[]; assets: AssetOption[]; issues: Issue[]; values: Record<string, string | undefined> }) {
  const t = props.c.get('t');
  const v = props.values;
  if (props.sites.length === 0) return <p>{t('requests.noSites')}</p>;
  return (
    <form method="post" action="/requests" novalidate>
      <h2>{t('requests.new')}</h2>
      <FormErrors issues={props.issues} t={t} labels={{ siteId: t('requests.site'), assetId: t('requests.asset'), title: t('requests.subject'),
        description: t('requests.description'), urgency: t('requests.urgency') }} />
      <CsrfField token={props.c.get('csrfToken')} />
      <p class="field">
        <label for="request-siteId">{t('requests.site')}</label>
        <select id="request-siteId" name="siteId" required>
          {props.sites.map((s) => <option value={s.siteId} selected={s.siteId === v.siteId}>{s.label}</option>)}
        </select>
      </p>
      <p class="field">
        <label for="request-assetId">{t('requests.asset')}</label>
        <select id="request-assetId" name="assetId">
          <option value="">{t('requests.noAsset')}</option>
          {props.assets.map((a) => <option value={a.assetId} selected={a.assetId === v.assetId}>{a.label}</option>)}
        </select>
      </p>
      <Field form="request" name="title" label={t('requests.subject')} value={v.title} required maxlength={200} />
      <p class="field">
        <label for="request-description">{t('requests.description')}</label>
        <textarea id="request-description" name="description" rows={5} maxlength={5000}>{v.description ?? ''}</textarea>
      </p>
      <p class="field">
        <label for="request-urgency">{t('requests.urgency')}</label>
        <select id="request-urgency" name="urgency">
          {urgencies.map((u) => <option value={u} selected={u === (v.urgency ?? 'normal')}>{t(`requests.urgency.${u}`)}</option>)}
        </select>
      </p>
      <button type="submit">{t('requests.submit')}</button>
    </form>
  );
}
