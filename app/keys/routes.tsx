// Keys from the portal (README "Keys and encryption").
// Rotation progress: /keys and GET /api/v1/keys (keys.read: the owner, the
// security officer): per data key version, how many rows and stored objects
// still use it — the same function as `kastell keys status`
// (app/crypto/key-status.ts) — and this server's re-encryption worker.
// Crypto-shredding: the owner (keys.rotate) destroys a customer company's
// data key on /companies/:companyId/shred or POST
// /api/v1/companies/:companyId/shred, in sudo mode, after typing the
// company's name or id. The same code as `kastell company shred`
// (app/crypto/shred.ts); audited as company.shredded.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { findCompany } from '../companies/queries.ts';
import type { Company } from '../companies/schema.ts';
import type { EncryptingStore } from '../crypto/encrypting-store.ts';
import { keyStatus, type KeyStatus } from '../crypto/key-status.ts';
import { reencryptionWorker } from '../crypto/reencrypt.ts';
import { shredCompany } from '../crypto/shred.ts';
import { installationKeyIds } from '../crypto/secret-box.ts';
import type { Tx } from '../db/client.ts';
import type { FeatureDeps } from '../feature.ts';
import type { AppEnv, SessionUser } from '../http/context.ts';
import { HttpError, notFound, type Issue } from '../http/errors.ts';
import { inSudoMode, requirePermission, requireSudo } from '../http/guards.ts';
import { CsrfField, Field, FormErrors, renderPage } from '../http/layout.tsx';
import { idParam, issuesOf, readFormFields, requiredText } from '../http/validate.ts';

export const shredInputSchema = z.strictObject({ confirm: requiredText('keys.enterConfirmation', 200) });
const shreddedSchema = z.object({ companyId: z.uuid(), destroyedKeys: z.array(z.string()) });

const keyStatusSchema = z.object({
  kekId: z.string(),
  keys: z.array(z.object({
    keyId: z.string(), owner: z.string(), ownerName: z.string().nullable(), version: z.number(), current: z.boolean(), kekId: z.string(), createdAt: z.string(),
    rows: z.number(), objects: z.number(),
  })),
  others: z.array(z.object({ id: z.string(), rows: z.number(), objects: z.number() })),
  progress: z.array(z.object({ owner: z.string(), ownerName: z.string().nullable(), done: z.number(), total: z.number() })),
  worker: z.object({
    scheduled: z.boolean(),
    running: z.boolean(),
    startedAt: z.string().nullable(),
    lastRun: z.object({ startedAt: z.string(), finishedAt: z.string(), rows: z.number(), objects: z.number(), error: z.string().nullable() }).nullable(),
    lastBatchAt: z.string().nullable(),
  }),
});
type KeyStatusView = z.infer<typeof keyStatusSchema>;

/** Company names for the owners (as the user sees them, RLS), and the newest re-seal batch in the audit trail (audit.read, else null). */
async function describe(tx: Tx, status: KeyStatus, scheduled: boolean): Promise<KeyStatusView> {
  const ids = [...new Set(status.keys.map((k) => k.owner).filter((o) => o !== 'operator'))];
  const names = new Map((await tx<{ company_id: string; name: string }[]>`select company_id, name from companies where company_id = any(${ids}::uuid[])`)
    .map((r) => [r.company_id, r.name]));
  const [batch] = await tx<{ at: Date }[]>`
    select occurred_at as at from audit.events where action in ('keys.rows_resealed', 'keys.objects_resealed') order by occurred_at desc limit 1`;
  const nameOf = (owner: string) => (owner === 'operator' ? null : names.get(owner) ?? null);
  return {
    kekId: status.kekId,
    keys: status.keys.map((k) => ({ ...k, ownerName: nameOf(k.owner) })),
    others: status.others,
    progress: status.progress.map((p) => ({ ...p, ownerName: nameOf(p.owner) })),
    worker: { scheduled, running: reencryptionWorker.running, startedAt: reencryptionWorker.startedAt, lastRun: reencryptionWorker.lastRun, lastBatchAt: batch ? batch.at.toISOString() : null },
  };
}

const confirmed = (company: Company, typed: string) => typed === company.companyId || typed === company.name;

export function keyRoutes({ db, config, keyring, api, store }: FeatureDeps): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();
  // objects are counted by the key id on their first line: the adapter as stored, not the decrypting wrapper
  const stored = (store as Partial<EncryptingStore>).inner ?? store;
  const status = async (user: SessionUser) => {
    const counted = await keyStatus(db, stored, keyring, installationKeyIds(config));
    return db.withPrincipal({ userId: user.userId }, (tx) => describe(tx, counted, config.jobs));
  };

  api.add({
    method: 'get', permission: 'keys.read', path: '/keys',
    summary: 'Rotation progress: every data key version with the rows and stored objects (documents, report PDFs) still under it, and the re-encryption worker of this server (the same counts as `kastell keys status`)',
    tag: 'keys',
    response: keyStatusSchema,
    handler: (_c, { user }) => status(user),
  });

  pages.get('/keys', async (c) => {
    const user = requirePermission(c, 'keys.read');
    const t = c.get('t');
    return renderPage(c, t('keys.statusTitle'), <KeyStatusPage t={t} view={await status(user)} />);
  });

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

const when = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '—');

/** Phone first: one block per owner (progress bar, then its versions as short lines), no wide table. */
function KeyStatusPage({ t, view }: { t: AppEnv['Variables']['t']; view: KeyStatusView }) {
  const w = view.worker;
  const ownerLabel = (owner: string, name: string | null) => (owner === 'operator' ? t('keys.operator') : name ?? owner);
  return (
    <>
      <section aria-labelledby="worker">
        <h2 id="worker">{t('keys.worker')}</h2>
        <p role="status">{w.running ? t('keys.workerRunning', { since: when(w.startedAt) }) : t('keys.workerIdle')}</p>
        {w.lastRun ? (
          <p>{w.lastRun.error
            ? t('keys.lastRunFailed', { at: when(w.lastRun.finishedAt), error: w.lastRun.error })
            : t('keys.lastRun', { at: when(w.lastRun.finishedAt), rows: String(w.lastRun.rows), objects: String(w.lastRun.objects) })}</p>
        ) : <p>{t('keys.noRunHere')}</p>}
        <p>{t('keys.lastBatch', { at: when(w.lastBatchAt) })}</p>
        <p><small>{w.scheduled ? t('keys.scheduleOn') : t('keys.scheduleOff')}</small></p>
      </section>
      {view.progress.map((p) => (
        <section class="key-owner">
          <h2>{ownerLabel(p.owner, p.ownerName)}</h2>
          <p>
            <progress value={p.done} max={Math.max(p.total, 1)}>{`${p.done}/${p.total}`}</progress>{' '}
            {t('keys.progress', { done: String(p.done), total: String(p.total) })}
          </p>
          <ul>
            {view.keys.filter((k) => k.owner === p.owner).map((k) => (
              <li data-key={k.keyId}>
                <strong>v{k.version}</strong>{k.current ? ` (${t('keys.current')})` : ''} · <code>{k.keyId}</code>
                <br />{t('keys.counts', { rows: String(k.rows), objects: String(k.objects) })}
                <br /><small>{t('keys.made', { at: when(k.createdAt), kek: k.kekId })}</small>
              </li>
            ))}
          </ul>
        </section>
      ))}
      {view.others.length > 0 ? (
        <section aria-labelledby="others">
          <h2 id="others">{t('keys.others')}</h2>
          <ul>
            {view.others.map((o) => (
              <li>{o.id === '' ? t('keys.notEncrypted') : o.id === '(missing)' ? t('keys.missingObjects') : t('keys.destroyedKey', { id: o.id })}
                <br />{t('keys.counts', { rows: String(o.rows), objects: String(o.objects) })}</li>
            ))}
          </ul>
        </section>
      ) : null}
      <p><small>{t('keys.kek', { kek: view.kekId })}</small></p>
    </>
  );
}

