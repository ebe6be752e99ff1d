// The report page (draft editor, photos, freeze, the versions) and the
// sign-off page. Phone first; the draft form works without JavaScript, and
// with it saves as the technician types (assets/report-draft.js).
import type { Context } from 'hono';
import type { AppEnv, SessionUser } from '../http/context.ts';
import type { Issue } from '../http/errors.ts';
import { CsrfField, Field, FormErrors } from '../http/layout.tsx';
import { formatWhen } from '../jobs/views.tsx';
import type { JobDetail } from '../jobs/schema.ts';
import type { ReportDetail } from './queries.ts';
import { reportLanguages } from './schema.ts';

const languageNames = { en: 'English', de: 'Deutsch', fr: 'Français', it: 'Italiano' } as const;

export function ReportPage(props: { c: Context<AppEnv>; user: SessionUser; job: JobDetail; reports: ReportDetail[]; issues: Issue[] }) {
  const { c, user, job, reports } = props;
  const t = c.get('t');
  const canWrite = user.permissions.has('reports.write') && user.side === 'operator';
  const canSign = user.permissions.has('reports.sign');
  const [latest, ...older] = reports;
  const csrf = <CsrfField token={c.get('csrfToken')} />;
  const startForm = (label: string) => (
    <form method="post" action={`/jobs/${job.jobId}/reports`}>{csrf}<button type="submit" class="primary">{label}</button></form>
  );
  return (
    <>
      <p><a href={`/jobs/${job.jobId}`}>← {job.title}</a></p>
      <FormErrors issues={props.issues} t={t} labels={{ workDone: t('reports.workDone'), file: t('reports.addPhoto'), title: t('reports.photoTitle') }} />
      {!latest ? (
        <>
          <p>{t('reports.none')}</p>
          {canWrite && job.status === 'in_progress' ? startForm(t('reports.start')) : null}
        </>
      ) : (
        <section>
          <h2>{t('reports.version', { version: String(latest.version) })} — <span class={`status status-${latest.status}`}>{t(`reports.status.${latest.status}`)}</span></h2>
          {latest.status === 'draft' && canWrite ? <DraftEditor c={c} report={latest} /> : <ReportSummary c={c} report={latest} />}
          {latest.status === 'frozen' ? (
            <p class="actions">
              {canSign ? <a class="button primary" href={`/reports/${latest.reportId}/sign`}>{t('reports.sign')}</a> : null}{' '}
              {canWrite ? <a class="button primary" href={`/reports/${latest.reportId}/sign-on-site`}>{t('reports.signOnSite')}</a> : null}
            </p>
          ) : null}
          {latest.status === 'refused' && canWrite && job.status === 'in_progress' ? startForm(t('reports.newVersion')) : null}
        </section>
      )}
      {older.length > 0 ? (
        <ul class="cards">
          {older.map((r) => (
            <li>{t('reports.version', { version: String(r.version) })} — {t(`reports.status.${r.status}`)}
              {r.pdfObjectKey ? <> · <a href={`/reports/${r.reportId}/pdf`}>{t('reports.pdfShown')}</a></> : null}
              {r.sealedObjectKey ? <> · <a href={`/reports/${r.reportId}/signed.pdf`}>{t('reports.sealedPdf')}</a></> : null}
              {r.refusalComment ? <> · {t('reports.refusedWith', { comment: r.refusalComment })}</> : null}</li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

function ReportSummary({ c, report }: { c: Context<AppEnv>; report: ReportDetail }) {
  const t = c.get('t');
  return (
    <>
      {report.workDone ? <p class="prose">{report.workDone}</p> : null}
      {report.measurements.length > 0 ? (
        <table>
          <thead><tr><th>{t('reports.quantity')}</th><th>{t('reports.value')}</th><th>{t('reports.unit')}</th></tr></thead>
          <tbody>{report.measurements.map((m) => <tr><td>{m.quantity}</td><td>{String(m.value)}</td><td>{m.unit}</td></tr>)}</tbody>
        </table>
      ) : null}
      {report.photos.length > 0 ? <p>{t('reports.photos')}: {report.photos.map((p) => p.title).join(', ')}</p> : null}
      {report.pdfObjectKey ? <p><a href={`/reports/${report.reportId}/pdf`}>{t('reports.pdfShown')}</a> <small>SHA-256 <code>{report.pdfSha256}</code></small></p> : null}
      {report.signedAt ? (
        <p>{t('reports.signedBy', { name: report.signerName ?? '', when: formatWhen(report.signedAt), how: t(`reports.how.${report.signedHow ?? 'own_device'}`) })}
          {' '}<a href={`/reports/${report.reportId}/signed.pdf`}>{t('reports.sealedPdf')}</a> <small>SHA-256 <code>{report.sealedSha256}</code></small></p>
      ) : null}
      {report.refusalComment ? <p role="status">{t('reports.refusedWith', { comment: report.refusalComment })}</p> : null}
    </>
  );
}

function DraftEditor({ c, report }: { c: Context<AppEnv>; report: ReportDetail }) {
  const t = c.get('t');
  const csrf = <CsrfField token={c.get('csrfToken')} />;
  // the rows there are, and two empty ones to type into (the script adds more)
  const rows = [...report.measurements, { quantity: '', value: '', unit: '' }, { quantity: '', value: '', unit: '' }];
  return (
    <>
      <form id="report-draft" method="post" action={`/reports/${report.reportId}/draft`} novalidate
        data-api={`/api/v1/reports/${report.reportId}/draft`} data-report={report.reportId} data-saved={report.updatedAt}>
        {csrf}
        <p class="field"><label for="draft-workDone">{t('reports.workDone')}</label>
          <textarea id="draft-workDone" name="workDone" rows={8} maxlength={20000}>{report.workDone}</textarea></p>
        <fieldset>
          <legend>{t('reports.measurements')}</legend>
          <table id="measurements">
            <thead><tr><th>{t('reports.quantity')}</th><th>{t('reports.value')}</th><th>{t('reports.unit')}</th></tr></thead>
            <tbody>
              {rows.map((m, i) => (
                <tr>
                  <td><input name={`m.${i + 1}.quantity`} value={m.quantity} maxlength={200} aria-label={t('reports.quantity')} /></td>
                  <td><input name={`m.${i + 1}.value`} value={String(m.value)} inputmode="decimal" maxlength={20} aria-label={t('reports.value')} /></td>
                  <td><input name={`m.${i + 1}.unit`} value={m.unit} maxlength={50} aria-label={t('reports.unit')} /></td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" id="add-measurement" hidden>{t('reports.addMeasurement')}</button>
        </fieldset>
        <p class="field"><label for="draft-language">{t('reports.language')}</label>
          <select id="draft-language" name="language">
            {reportLanguages.map((l) => <option value={l} selected={l === report.language}>{languageNames[l]}</option>)}
          </select></p>
        <p id="draft-status" role="status" aria-live="polite" data-saved-text={t('reports.saved')} data-offline-text={t('reports.savedLocally')}></p>
        <button type="submit">{t('reports.save')}</button>
      </form>

      <h3>{t('reports.photos')}</h3>
      {report.photos.length > 0 ? <ul>{report.photos.map((p) => <li><a href={`/documents/${p.documentId}`}>{p.title}</a></li>)}</ul> : null}
      <form method="post" action={`/reports/${report.reportId}/photos`} enctype="multipart/form-data" novalidate>
        {csrf}
        <p class="field"><label for="photo-file">{t('reports.addPhoto')}</label>
          <input id="photo-file" name="file" type="file" accept="image/jpeg,image/png,image/webp" capture="environment" required /></p>
        <Field form="photo" name="title" label={t('reports.photoTitle')} maxlength={200} />
        <button type="submit">{t('reports.addPhoto')}</button>
      </form>

      <form method="post" action={`/reports/${report.reportId}/freeze`} class="freeze">
        {csrf}
        <p>{t('reports.freezeHint')}</p>
        <button type="submit" class="primary">{t('reports.freeze')}</button>
      </form>
      <script src="/assets/reports/report-draft.js" nonce={c.get('nonce')} defer />
    </>
  );
}

/** `paths`: where this way of signing (own device or on site) posts its signature and its refusal. */
export function SignPage(props: { c: Context<AppEnv>; report: ReportDetail; paths: { sign: string; refuse: string }; issues: Issue[]; values: Record<string, string | undefined> }) {
  const { c, report } = props;
  const t = c.get('t');
  const csrf = <CsrfField token={c.get('csrfToken')} />;
  const { sign: base, refuse } = props.paths;
  return (
    <>
      <p><a href={`/jobs/${report.jobId}/report`}>←</a></p>
      <p>{t('reports.signIntro')}</p>
      <p><a class="button" href={`/reports/${report.reportId}/pdf`}>{t('reports.pdfShown')}</a> <small>SHA-256 <code>{report.pdfSha256}</code></small></p>
      <FormErrors issues={props.issues} t={t} labels={{ signerName: t('reports.signerName'), signature: t('reports.signHere'), comment: t('reports.refuseComment') }} />
      <form id="sign-form" method="post" action={`/reports/${report.reportId}/${base}`} novalidate>
        {csrf}
        <input type="hidden" name="shownSha256" value={report.pdfSha256 ?? ''} />
        <Field form="sign" name="signerName" label={t('reports.signerName')} value={props.values.signerName} required maxlength={200} autocomplete="name" />
        <p class="field"><label for="signature-canvas">{t('reports.signHere')}</label>
          <canvas id="signature-canvas" class="signature" width={600} height={200} role="img" aria-label={t('reports.signHere')}></canvas>
          <input type="hidden" name="signature" id="signature-data" />
          <button type="button" id="signature-clear">{t('reports.clear')}</button></p>
        <noscript><p class="errors">{t('reports.needsScript')}</p></noscript>
        <button type="submit" class="primary">{t('reports.sign')}</button>
      </form>
      <form method="post" action={`/reports/${report.reportId}/${refuse}`} novalidate>
        {csrf}
        <input type="hidden" name="shownSha256" value={report.pdfSha256 ?? ''} />
        <p class="field"><label for="refuse-comment">{t('reports.refuseComment')}</label>
          <textarea id="refuse-comment" name="comment" rows={3} maxlength={2000}>{props.values.comment ?? ''}</textarea></p>
        <button type="submit">{t('reports.refuse')}</button>
      </form>
      <script src="/assets/reports/signature_pad.js" nonce={c.get('nonce')} defer />
      <script src="/assets/reports/report-sign.js" nonce={c.get('nonce')} defer />
    </>
  );
}
