// Crypto-shredding from the portal (README "Keys and encryption"): the owner
// (keys.rotate) destroys a customer company's data key on
// /companies/:companyId/shred or POST /api/v1/companies/:companyId/shred,
// in sudo mode, after typing the company's name or id. The same code as
// `kastell company shred` (app/crypto/shred.ts); audited as company.shredded.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { findCompany } from '../companies/queries.ts';
import type { Company } from '../companies/schema.ts';
import { shredCompany } from '../crypto/shred.ts';
import type { FeatureDeps } from '../feature.ts';
import type { AppEnv, SessionUser } from '../http/context.ts';
import { HttpError, notFound, type Issue } from '../http/errors.ts';
import { inSudoMode, requirePermission, requireSudo } from '../http/guards.ts';
import { CsrfField, Field, FormErrors, renderPage } from '../http/layout.tsx';
import { idParam, issuesOf, readFormFields, requiredText } from '../http/validate.ts';

export const shredInputSchema = z.strictObject({ confirm: requiredText('keys.enterConfirmation', 200) });
const shreddedSchema = z.object({ companyId: z.uuid(), destroyedKeys: z.array(z.string()) });

const confirmed = (company: Company, typed: string) => typed === company.companyId || typed === company.name;

export function keyRoutes({ db, config, keyring, api }: FeatureDeps): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();

  /** Checks the typed confirmation and shreds, in one transaction with its event. */
  const shred = (c: Context<AppEnv>, user: SessionUser, companyId: string, typed: string) => db.withPrincipal({ userId: user.userId }, async (tx) => {
    const company = await findCompany(tx, companyId);
    if (!company) throw notFound();
    if (!confirmed(company, typed)) return { company, destroyed: undefined };
    const destroyed = await shredCompany(tx, keyring, companyId, (t, event) => c.get('auditor').record(t, c, event));
    return { company, destroyed };
  });

  api.add({
    method: 'post', permission: 'keys.rotate',
    path: '/companies/:companyId/shred',
    summary: 'Crypto-shredding: destroy every version of the company\'s data key, so its encrypted fields and documents are unreadable everywhere, backups included (sudo mode; confirm = the company\'s name or id)',
    tag: 'keys',
    body: shredInputSchema,
    response: shreddedSchema,
    handler: async (c, { body }) => {
      const user = requireSudo(c, config);
      const { destroyed } = await shred(c, user, idParam(c, 'companyId'), body.confirm);
      if (!destroyed) throw new HttpError(422, 'confirmation_mismatch', 'Type the company\'s name or id exactly to confirm: nothing was destroyed.');
      return { companyId: idParam(c, 'companyId'), destroyedKeys: destroyed };
    },
  });

  const page = (c: Context<AppEnv>, company: Company, issues: Issue[], status: 200 | 422 = 200) => {
    const t = c.get('t');
    return renderPage(c, t('keys.shredTitle', { name: company.name }), (
      <>
        <p>{t('keys.shredWarning')}</p>
        <p>{t('keys.shredBackups')}</p>
        <form method="post" action={`/companies/${company.companyId}/shred`} novalidate>
          <FormErrors issues={issues} t={t} labels={{ confirm: t('keys.shredConfirm') }} />
          <CsrfField token={c.get('csrfToken')} />
          <Field name="confirm" label={t('keys.shredConfirm')} required maxlength={200} autocomplete="off" />
          <button type="submit" class="danger">{t('keys.shredButton')}</button>
        </form>
      </>
    ), status);
  };

  const loadCompany = async (user: SessionUser, companyId: string) => {
    const company = await db.withPrincipal({ userId: user.userId }, (tx) => findCompany(tx, companyId));
    if (!company) throw notFound();
    return company;
  };

  pages.get('/companies/:companyId/shred', async (c) => {
    const user = requirePermission(c, 'keys.rotate');
    const companyId = idParam(c, 'companyId');
    if (!inSudoMode(user, config)) return c.redirect(`/security/reauth?next=${encodeURIComponent(`/companies/${companyId}/shred`)}`, 303);
    return page(c, await loadCompany(user, companyId), []);
  });

  pages.post('/companies/:companyId/shred', async (c) => {
    const user = requirePermission(c, 'keys.rotate');
    const companyId = idParam(c, 'companyId');
    if (!inSudoMode(user, config)) return c.redirect(`/security/reauth?next=${encodeURIComponent(`/companies/${companyId}/shred`)}`, 303);
    const t = c.get('t');
    const parsed = shredInputSchema.safeParse(await readFormFields(c));
    if (!parsed.success) return page(c, await loadCompany(user, companyId), issuesOf(parsed.error, t), 422);
    const { company, destroyed } = await shred(c, user, companyId, parsed.data.confirm);
    if (!destroyed) return page(c, company, [{ path: 'confirm', message: t('keys.shredMismatch') }], 422);
    return renderPage(c, t('keys.shredTitle', { name: company.name }), (
      <>
        <p role="status">{t('keys.shredDone', { count: String(destroyed.length) })}</p>
        <p>{t('keys.shredRefresh')}</p>
        <p><a href={`/companies/${company.companyId}`}>{company.name}</a></p>
      </>
    ));
  });

  return pages;
}
