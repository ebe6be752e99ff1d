// Asset forms and page parts, shared by the asset and site pages.
import type { Context } from 'hono';
import type { AppEnv } from '../http/context.ts';
import type { Issue } from '../http/errors.ts';
import { CsrfField, Field, FormErrors } from '../http/layout.tsx';
import type { Asset } from './schema.ts';

export const assetValues = (asset: Asset) => ({ name: asset.name, kind: asset.kind ?? undefined, serialNumber: asset.serialNumber ?? undefined });

/** Creates an asset (action: the site's assets) or edits one (action: the asset). */
export function AssetForm(props: { c: Context<AppEnv>; action: string; issues: Issue[]; values: Record<string, string | undefined> }) {
  const t = props.c.get('t');
  const editing = props.action.startsWith('/assets/');
  return (
    <form method="post" action={props.action} novalidate>
      <FormErrors issues={props.issues} t={t} labels={{ name: t('assets.name'), kind: t('assets.kind'), serialNumber: t('assets.serialNumber') }} />
      <CsrfField token={props.c.get('csrfToken')} />
      <Field form="asset" name="name" label={t('assets.name')} value={props.values.name} required maxlength={200} />
      <Field form="asset" name="kind" label={t('assets.kind')} value={props.values.kind} maxlength={100} />
      <Field form="asset" name="serialNumber" label={t('assets.serialNumber')} value={props.values.serialNumber} maxlength={100} />
      <button type="submit">{editing ? t('form.save') : t('assets.create')}</button>
    </form>
  );
}
