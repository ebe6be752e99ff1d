// Site forms and page parts, shared by the site and company pages.
import type { Context } from 'hono';
import type { AppEnv } from '../http/context.ts';
import type { Issue } from '../http/errors.ts';
import { CsrfField, Field, FormErrors } from '../http/layout.tsx';
import type { Site } from './schema.ts';

export const siteValues = (site: Site) => ({
  name: site.name, street: site.street ?? undefined, postalCode: site.postalCode ?? undefined,
  city: site.city ?? undefined, country: site.country ?? undefined,
});

/** Creates a site (action: the company's sites) or edits one (action: the site). */
export function SiteForm(props: { c: Context<AppEnv>; action: string; issues: Issue[]; values: Record<string, string | undefined> }) {
  const t = props.c.get('t');
  const editing = props.action.startsWith('/sites/');
  return (
    <form method="post" action={props.action} novalidate>
      <FormErrors issues={props.issues} t={t} labels={{ name: t('sites.name'), street: t('sites.street'), postalCode: t('sites.postalCode'), city: t('sites.city'), country: t('sites.country') }} />
      <CsrfField token={props.c.get('csrfToken')} />
      <Field form="site" name="name" label={t('sites.name')} value={props.values.name} required maxlength={200} />
      <Field form="site" name="street" label={t('sites.street')} value={props.values.street} maxlength={200} autocomplete="street-address" />
      <Field form="site" name="postalCode" label={t('sites.postalCode')} value={props.values.postalCode} maxlength={20} autocomplete="postal-code" />
      <Field form="site" name="city" label={t('sites.city')} value={props.values.city} maxlength={100} />
      <Field form="site" name="country" label={t('sites.country')} value={props.values.country} maxlength={2} autocomplete="country" />
      <button type="submit">{editing ? t('form.save') : t('sites.create')}</button>
    </form>
  );
}
