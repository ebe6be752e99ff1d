// The trust page, the responsible-disclosure page and the breach register.
// Phone first: one column of figure cards that becomes a grid on wider
// screens; no script, nothing from another origin. Every word from the
// catalogue (app/i18n/trust.ts); times in UTC as the portal shows them,
// durations and shares through Intl in the page's language.
import type { Context } from 'hono';
import type { AppEnv } from '../http/context.ts';
import { CsrfField, Field, FormErrors } from '../http/layout.tsx';
import type { Issue } from '../http/errors.ts';
import type { Locale, Translate } from '../i18n/index.ts';
import type { Breach, FigureBase, FigureId, PublicBreach, TrustFigures, TrustReport } from './schema.ts';
import { figureIds } from './schema.ts';

export const utcTime = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

export function duration(seconds: number, locale: Locale): string {
  const unit = (value: number, name: 'minute' | 'hour' | 'day') =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'long', maximumFractionDigits: 0 }).format(value);
  if (seconds < 2 * 3600) return unit(Math.round(seconds / 60), 'minute');
  if (seconds < 3 * 86_400) return unit(Math.floor(seconds / 3600), 'hour');
  return unit(Math.floor(seconds / 86_400), 'day');
}

const percent = (share: number | null, locale: Locale) =>
  share === null ? '–' : new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(share);

/** Why a figure is not ok, in the page's language. */
function Reason({ id, figures, t, locale }: { id: FigureId; figures: TrustFigures; t: Translate; locale: Locale }) {
  const f = figures[id];
  const age = f.measuredAt ? duration((Date.now() - Date.parse(f.measuredAt)) / 1000, locale) : '';
  switch (`${id}.${f.code}`) {
    case 'auditVerification.none': return <p>{t('trust.reason.auditVerification.none')}</p>;
    case 'auditVerification.broken': return <p>{t('trust.reason.auditVerification.broken', { seq: String(figures.auditVerification.firstBadSeq ?? '?') })}</p>;
    case 'auditVerification.old': return <p>{t('trust.reason.auditVerification.old', { age })}</p>;
    case 'checkpoint.none': return <p>{t('trust.reason.checkpoint.none')}</p>;
    case 'checkpoint.old': return <p>{t('trust.reason.checkpoint.old', { age, count: String(figures.checkpoint.unsignedLinks ?? 0) })}</p>;
    case 'restoreDrill.none': return <p>{t('trust.reason.restoreDrill.none')}</p>;
    case 'restoreDrill.failed': return (
      <>
        <p>{t('trust.reason.restoreDrill.failed')}</p>
        {figures.restoreDrill.drillReason ? <p class="drill-reason"><q>{figures.restoreDrill.drillReason}</q></p> : null}
      </>
    );
    case 'restoreDrill.unreadable': return <p>{t('trust.reason.restoreDrill.unreadable')}</p>;
    case 'restoreDrill.old': return <p>{t('trust.reason.restoreDrill.old', { age })}</p>;
    case 'restoreDrill.rto_missed': return <p>{t('trust.reason.restoreDrill.rto_missed')}</p>;
    case 'restoreDrill.rpo_missed': return <p>{t('trust.reason.restoreDrill.rpo_missed')}</p>;
    case 'backup.none': return <p>{t('trust.reason.backup.none')}</p>;
    case 'backup.failed': return <p>{t('trust.reason.backup.failed')}</p>;
    case 'backup.unreadable': return <p>{t('trust.reason.backup.unreadable')}</p>;
    case 'backup.old': return <p>{t('trust.reason.backup.old', { age, max: duration(figures.backup.maxAgeSeconds, locale) })}</p>;
    case 'mfa.without_factor': {
      const count = figures.mfa.roles.filter((r) => r.required).reduce((n, r) => n + r.accounts - r.withFactor, 0);
      return <p>{t('trust.reason.mfa.without_factor', { count: String(count) })}</p>;
    }
    case 'headers.unreachable': return <p>{t('trust.reason.headers.unreachable')}</p>;
    case 'headers.weak_headers': return <p>{t('trust.reason.headers.weak_headers', { headers: figures.headers.checks.filter((x) => !x.ok).map((x) => x.header).join(', ') })}</p>;
    case 'headers.certificate_expired': return <p>{t('trust.reason.headers.certificate_expired')}</p>;
    case 'headers.certificate_expiring': return <p>{t('trust.reason.headers.certificate_expiring')}</p>;
    case 'headers.no_tls': return <p>{t('trust.reason.headers.no_tls')}</p>;
    case 'scanner.unreachable': return <p>{t('trust.reason.scanner.unreachable')}</p>;
    case 'scanner.no_date': return <p>{t('trust.reason.scanner.no_date')}</p>;
    case 'scanner.old': return <p>{t('trust.reason.scanner.old', { age: duration(figures.scanner.ageSeconds ?? 0, locale) })}</p>;
    case 'advisories.no_check': return <p>{t('trust.reason.advisories.no_check')}</p>;
    case 'advisories.unreachable': return <p>{t('trust.reason.advisories.unreachable')}</p>;
    case 'advisories.unreadable': return <p>{t('trust.reason.advisories.unreadable')}</p>;
    case 'advisories.unverified': return <p>{t('trust.reason.advisories.unverified')}</p>;
    case 'advisories.open_severe': return <p>{t('trust.reason.advisories.open_severe')}</p>;
    case 'advisories.open': return <p>{t('trust.reason.advisories.open')}</p>;
    case 'advisories.old': return <p>{t('trust.reason.advisories.old', { age })}</p>;
    default: return f.reason ? <p>{f.reason}</p> : null;
  }
}

/** What a figure measured, when there is a measurement to show. */
function Value({ id, figures, t, locale }: { id: FigureId; figures: TrustFigures; t: Translate; locale: Locale }) {
  switch (id) {
    case 'auditVerification': {
      const f = figures.auditVerification;
      return f.checkedLinks === null || f.status === 'failing' ? null
        : <p>{t('trust.value.verified', { links: String(f.checkedLinks), head: String(f.headSeq ?? 0) })}</p>;
    }
    case 'checkpoint': {
      const f = figures.checkpoint;
      return (
        <>
          {f.seq === null ? null : <p>{t('trust.value.checkpoint', { seq: String(f.seq), head: String(f.chainHeadSeq) })}</p>}
          <p>{t('trust.value.checkpointWindow', { window: new Intl.NumberFormat(locale, { style: 'unit', unit: 'second', unitDisplay: 'long' }).format(f.windowSeconds) })}</p>
          <p>{t(f.shippedOffBox ? 'trust.value.checkpointShipped' : 'trust.value.checkpointNotShipped')}</p>
        </>
      );
    }
    case 'restoreDrill': {
      const f = figures.restoreDrill;
      if (f.result === null) return null;
      return (
        <>
          <p>{f.result === 'pass' ? t('trust.value.drillPassed', { checks: f.checksPassed.join(', ') }) : t('trust.value.drillFailed')}</p>
          {f.rtoSeconds !== null && f.rtoTargetSeconds !== null
            ? <p>{t('trust.value.rto', { value: duration(f.rtoSeconds, locale), target: duration(f.rtoTargetSeconds, locale) })}</p> : null}
          {f.dataAgeSeconds !== null && f.rpoTargetSeconds !== null
            ? <p>{t('trust.value.rpo', { value: duration(f.dataAgeSeconds, locale), target: duration(f.rpoTargetSeconds, locale) })}</p> : null}
          {f.result === 'pass' && f.auditLinks !== null ? <p>{t('trust.value.drillAudit', { links: String(f.auditLinks) })}</p> : null}
        </>
      );
    }
    case 'backup': {
      const f = figures.backup;
      if (f.ageSeconds === null) return null;
      return (
        <>
          <p>{t('trust.value.backupAge', { age: duration(f.ageSeconds, locale), max: duration(f.maxAgeSeconds, locale) })}</p>
          {f.type ? <p>{t('trust.value.backupKind', { kind: f.type })}</p> : null}
        </>
      );
    }
    case 'mfa': {
      const f = figures.mfa;
      if (f.roles.length === 0) return <p>{t('trust.value.noAccounts')}</p>;
      return (
        <table>
          <thead><tr><th scope="col">{t('trust.value.role')}</th><th scope="col">{t('trust.value.accounts')}</th><th scope="col">{t('trust.value.withFactor')}</th><th scope="col">{t('trust.value.share')}</th><th scope="col">{t('trust.value.requiredLabel')}</th></tr></thead>
          <tbody>
            {f.roles.map((r) => (
              <tr data-role={r.role}>
                <td>{r.roleName ?? t('trust.value.customRoles')}</td>
                <td>{String(r.accounts)}</td>
                <td>{String(r.withFactor)}</td>
                <td>{percent(r.share, locale)}</td>
                <td>{r.required ? t('trust.value.yes') : t('trust.value.no')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      );
    }
    case 'passkeys': {
      const f = figures.passkeys;
      return <p>{t('trust.value.passkeys', { with: String(f.withPasskey), accounts: String(f.accounts), share: percent(f.share, locale) })}</p>;
    }
    case 'headers': {
      const f = figures.headers;
      return (
        <>
          {f.checks.length > 0 ? (
            <ul>{f.checks.map((x) => <li>{x.header}: {x.ok ? t('trust.value.headerOk') : t('trust.value.headerBad')}</li>)}</ul>
          ) : null}
          {f.certificateExpiresAt ? <p>{t('trust.value.certificate', { time: utcTime(f.certificateExpiresAt) })}</p> : null}
        </>
      );
    }
    case 'scanner': {
      const f = figures.scanner;
      return f.signaturesDate
        ? <p>{t('trust.value.signatures', { time: utcTime(f.signaturesDate), version: String(f.signatureVersion ?? '?'), engine: f.engine ?? '?' })}</p>
        : null;
    }
    case 'advisories': {
      const f = figures.advisories;
      if (f.counts === null || f.ageSeconds === null) return null;
      return (
        <>
          <p>{t('trust.value.advisories', { count: String(f.counts.total), severe: String(f.counts.high + f.counts.critical), age: duration(f.ageSeconds, locale) })}</p>
          {f.signedBy ? <p>{t('trust.value.advisoriesSigned', { fingerprint: f.signedBy })}</p> : null}
        </>
      );
    }
  }
}

function FigureCard({ id, report, t, locale }: { id: FigureId; report: TrustReport; t: Translate; locale: Locale }) {
  const f: FigureBase = report.figures[id];
  return (
    <li class={f.status} id={`figure-${id}`} data-status={f.status}>
      <h2>{t(`trust.figure.${id}`)}</h2>
      <p class="status">{t(`trust.status.${f.status}`)}</p>
      <Value id={id} figures={report.figures} t={t} locale={locale} />
      {f.status === 'ok' ? null : <Reason id={id} figures={report.figures} t={t} locale={locale} />}
      <p class="provenance">
        {f.measuredAt ? t('trust.measuredAt', { time: utcTime(f.measuredAt) }) : t('trust.neverMeasured')}
        <br />{t('trust.controlLabel')}: {t(`trust.control.${id}`)}
      </p>
    </li>
  );
}

export function BreachTable({ breaches, t }: { breaches: PublicBreach[]; t: Translate }) {
  if (breaches.length === 0) return <p id="breaches-none">{t('trust.breaches.none')}</p>;
  const day = (value: string | null) => value ?? t('trust.breaches.notYet');
  return (
    <table id="breaches">
      <thead><tr>
        <th scope="col">{t('trust.breaches.titleField')}</th><th scope="col">{t('trust.breaches.occurred')}</th><th scope="col">{t('trust.breaches.discovered')}</th>
        <th scope="col">{t('trust.breaches.authorityNotified')}</th><th scope="col">{t('trust.breaches.subjectsNotified')}</th>
      </tr></thead>
      <tbody>
        {breaches.map((b) => (
          <tr>
            <td>
              <strong>{b.title}</strong>
              {b.description ? <p class="drill-reason">{b.description}</p> : null}
              <small>{t('trust.breaches.entered', { time: utcTime(b.enteredAt) })}</small>
            </td>
            <td>{b.occurredOn ?? '–'}</td>
            <td>{b.discoveredOn}</td>
            <td>{day(b.authorityNotifiedOn)}{b.authority ? ` (${b.authority})` : ''}</td>
            <td>{day(b.subjectsNotifiedOn)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function TrustView({ c, report, canManage }: { c: Context<AppEnv>; report: TrustReport; canManage: boolean }) {
  const t = c.get('t');
  const locale = c.get('locale');
  return (
    <>
      <p>{t('trust.intro')}</p>
      <p class="provenance">{t('trust.computedAt', { time: utcTime(report.generatedAt), seconds: String(report.cacheSeconds) })}</p>
      <ul class="figures">
        {figureIds.map((id) => <FigureCard id={id} report={report} t={t} locale={locale} />)}
      </ul>
      <section aria-labelledby="breaches-title">
        <h2 id="breaches-title">{t('trust.breaches.title')}</h2>
        <p>{t('trust.breaches.intro')}</p>
        <BreachTable breaches={report.breaches} t={t} />
        {canManage ? <p><a href="/trust/breaches">{t('trust.breaches.manage')}</a></p> : null}
      </section>
      <section aria-labelledby="report-title">
        <h2 id="report-title">{t('trust.reportTitle')}</h2>
        <p><a href="/responsible-disclosure">{t('trust.reportText')}</a></p>
        <p>{t('trust.machineReadable', { json: '/trust.json', signature: '/trust.json.asc', key: '/trust/key.asc' })}</p>
      </section>
    </>
  );
}

export function DisclosureView({ c, contacts }: { c: Context<AppEnv>; contacts: string[] }) {
  const t = c.get('t');
  const shown = (uri: string) => uri.replace(/^(mailto|tel):/, '');
  return (
    <>
      <p>{t('trust.disclosure.intro')}</p>
      {contacts.length > 0 ? (
        <>
          <p>{t('trust.disclosure.contact')}</p>
          <ul id="security-contacts">{contacts.map((uri) => <li><a href={uri}>{shown(uri)}</a></li>)}</ul>
        </>
      ) : <p class="errors">{t('trust.disclosure.noContact')}</p>}
      <p>{t('trust.disclosure.languages')}</p>
      <p>{t('trust.disclosure.scopeTitle')}</p>
      <ul>
        <li>{t('trust.disclosure.rule1')}</li>
        <li>{t('trust.disclosure.rule2')}</li>
        <li>{t('trust.disclosure.rule3')}</li>
      </ul>
      <p>{t('trust.disclosure.promise')}</p>
      <p>{t('trust.disclosure.machine', { link: '/.well-known/security.txt', key: '/trust/key.asc' })}</p>
    </>
  );
}

export const breachFormLabels = (t: Translate) => ({
  title: t('trust.breaches.titleField'),
  description: t('trust.breaches.description'),
  occurredOn: t('trust.breaches.occurred'),
  discoveredOn: t('trust.breaches.discovered'),
  authority: t('trust.breaches.authority'),
  authorityNotifiedOn: t('trust.breaches.authorityNotified'),
  subjectsNotifiedOn: t('trust.breaches.subjectsNotified'),
});

export function BreachRegister(props: { c: Context<AppEnv>; breaches: Breach[]; issues: Issue[]; values: Record<string, string | undefined> }) {
  const { c, breaches, issues, values } = props;
  const t = c.get('t');
  const labels = breachFormLabels(t);
  return (
    <>
      <h2>{t('trust.breaches.new')}</h2>
      <form method="post" action="/trust/breaches">
        <FormErrors issues={issues} t={t} labels={labels} />
        <CsrfField token={c.get('csrfToken')} />
        <Field name="title" label={labels.title} value={values.title} required maxlength={200} />
        <p class="field">
          <label for="field-description">{labels.description}</label>
          <textarea id="field-description" name="description" maxlength={4000} rows={4}>{values.description ?? ''}</textarea>
        </p>
        <Field name="occurredOn" type="date" label={labels.occurredOn} value={values.occurredOn} />
        <Field name="discoveredOn" type="date" label={labels.discoveredOn} value={values.discoveredOn} required />
        <Field name="authority" label={labels.authority} value={values.authority} maxlength={200} />
        <Field name="authorityNotifiedOn" type="date" label={labels.authorityNotifiedOn} value={values.authorityNotifiedOn} />
        <Field name="subjectsNotifiedOn" type="date" label={labels.subjectsNotifiedOn} value={values.subjectsNotifiedOn} />
        <button type="submit">{t('trust.breaches.save')}</button>
      </form>
      <h2>{t('trust.breaches.title')}</h2>
      <BreachTable breaches={breaches} t={t} />
      {breaches.filter((b) => !b.authorityNotifiedOn || !b.subjectsNotifiedOn || !b.authority).map((b) => (
        <form method="post" action={`/trust/breaches/${b.breachId}`} data-breach-id={b.breachId}>
          <h3>{b.title}</h3>
          <CsrfField token={c.get('csrfToken')} />
          <p><small>{t('trust.breaches.notifyHint')}</small></p>
          {b.authority ? null : <Field form={`b-${b.breachId}`} name="authority" label={labels.authority} maxlength={200} />}
          {b.authorityNotifiedOn ? null : <Field form={`b-${b.breachId}`} name="authorityNotifiedOn" type="date" label={labels.authorityNotifiedOn} />}
          {b.subjectsNotifiedOn ? null : <Field form={`b-${b.breachId}`} name="subjectsNotifiedOn" type="date" label={labels.subjectsNotifiedOn} />}
          <button type="submit">{t('trust.breaches.notify')}</button>
        </form>
      ))}
    </>
  );
}
