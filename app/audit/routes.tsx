// The audit trail's faces: the signed checkpoint for outside witnesses, the
// viewer and its CSV/JSON export for the security officer (the export is
// itself audited), and "who accessed our documents" for a customer admin.
import type { FeatureDeps } from '../feature.ts';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { requirePermission } from '../http/guards.ts';
import type { AppEnv } from '../http/context.ts';
import { notFound } from '../http/errors.ts';
import { renderPage } from '../http/layout.tsx';
import { readQuery } from '../http/validate.ts';
import { accessQuerySchema, documentAccessSchema, findDocumentAccess, findRefusedShareLinks, refusalReasons, refusedShareLinkSchema, type AccessQuery, type DocumentAccess, type RefusedShareLink } from './access-log.ts';
import { auditFor } from './record.ts';
import { exportEvents, findEvents, findLatestCheckpoint, findLatestVerification } from './queries.ts';
import { auditEventSchema, auditFilterSchema, checkpointSchema, verificationSchema, type AuditEventView, type AuditFilter } from './schema.ts';

const csvColumns = ['occurredAt', 'actorType', 'actorId', 'action', 'entityType', 'entityId', 'companyId', 'outcome', 'requestId', 'eventId'] as const;
function toCsv(events: AuditEventView[]): string {
  // Leading =+-@ would make a spreadsheet run a formula: prefix a quote.
  const cell = (value: unknown) => {
    const text = value === null || value === undefined ? '' : String(value);
    const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
    return /[",\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return [csvColumns.join(','), ...events.map((e) => csvColumns.map((k) => cell(e[k])).join(','))].join('\n') + '\n';
}

export function auditRoutes({ db, api, audit }: FeatureDeps): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();

  api.add({
    method: 'get', path: '/audit/checkpoint', permission: 'public', tag: 'audit',
    summary: 'The latest signed chain head (for outside witnesses), with the public key to check it',
    response: checkpointSchema,
    handler: async () => {
      return (await db.withPrincipal(null, (tx) => findLatestCheckpoint(tx, audit.keys.publicKeyArmored))) ?? Promise.reject(notFound());
    },
  });

  api.add({
    method: 'get', permission: 'audit.read', path: '/audit/events', tag: 'audit', summary: 'Audit events, newest first, filtered',
    query: auditFilterSchema.omit({ format: true }), response: z.array(auditEventSchema),
    handler: (c, { query, user }) => db.withPrincipal(user, (tx) => findEvents(tx, query)),
  });

  api.add({
    method: 'get', permission: 'evidence.read', path: '/audit/verifications/latest', tag: 'audit', summary: 'The latest chain verification',
    response: verificationSchema,
    handler: async (c, { user }) => {
      return (await db.withPrincipal(user, findLatestVerification)) ?? Promise.reject(notFound());
    },
  });

  pages.get('/audit', async (c) => {
    const user = requirePermission(c, 'audit.read');
    const filter = readQuery(c, auditFilterSchema);
    const format = filter.format;
    if (format) {
      const events = await db.withPrincipal(user, (tx) => exportEvents(tx, auditFor(c), filter, format));
      const name = `kastell-audit-${new Date().toISOString().slice(0, 10)}.${format}`;
      c.header('Content-Disposition', `attachment; filename="${name}"`);
      return format === 'csv'
        ? c.body(toCsv(events), 200, { 'Content-Type': 'text/csv; charset=utf-8' })
        : c.json(events);
    }
    const events = await db.withPrincipal(user, (tx) => findEvents(tx, filter));
    return renderPage(c, c.get('t')('audit.title'), <AuditView c={c} filter={filter} events={events} exportable />);
  });

  api.add({
    method: 'get', permission: 'access_log.read', path: '/access-log', tag: 'audit',
    summary: "Who read the company's documents, when and how (a customer admin: their company only)",
    query: accessQuerySchema, response: z.array(documentAccessSchema),
    handler: (c, { query, user }) => db.withPrincipal(user, (tx) => findDocumentAccess(tx, user.companyId, query)),
  });
  api.add({
    method: 'get', permission: 'access_log.read', path: '/access-log/refused-share-links', tag: 'audit',
    summary: "Refused accesses to the company's share links (expired, revoked, wrong password, locked, limit reached), with the reason",
    query: accessQuerySchema, response: z.array(refusedShareLinkSchema),
    handler: (c, { query, user }) => db.withPrincipal(user, (tx) => findRefusedShareLinks(tx, user.companyId, query)),
  });

  pages.get('/access-log', async (c) => {
    const user = requirePermission(c, 'access_log.read');
    const query = readQuery(c, accessQuerySchema);
    // RLS limits a customer admin to access events of their own company; the filter repeats it.
    const { accesses, refused } = await db.withPrincipal(user, async (tx) => ({
      accesses: await findDocumentAccess(tx, user.companyId, query),
      refused: await findRefusedShareLinks(tx, user.companyId, query),
    }));
    const t = c.get('t');
    return renderPage(c, t('accessLog.title'), (
      <>
        <p>{t('accessLog.intro')}</p>
        <AccessLogView c={c} query={query} accesses={accesses} />
        <RefusedShareLinksView c={c} refused={refused} />
      </>
    ));
  });

  return pages;
}

function AuditView(props: { c: Context<AppEnv>; filter: Partial<AuditFilter>; events: AuditEventView[]; exportable: boolean }) {
  const { filter, events } = props;
  const t = props.c.get('t');
  const query = new URLSearchParams(Object.entries(filter).filter(([k, v]) => v !== undefined && k !== 'format').map(([k, v]) => [k, String(v)]));
  return (
    <>
      <form method="get" class="filters">
        {(['actor', 'action', 'entityType', 'entityId'] as const).map((name) => (
          <p class="field"><label for={`filter-${name}`}>{t(`audit.${name}`)}</label><input id={`filter-${name}`} name={name} value={filter[name] ?? ''} /></p>
        ))}
        <p class="field"><label for="filter-from">{t('audit.from')}</label><input id="filter-from" name="from" type="date" value={filter.from ?? ''} /></p>
        <p class="field"><label for="filter-to">{t('audit.to')}</label><input id="filter-to" name="to" type="date" value={filter.to ?? ''} /></p>
        <button type="submit">{t('audit.filter')}</button>
      </form>
      {props.exportable ? (
        <p><a href={`/audit?${query}&format=csv`}>{t('audit.exportCsv')}</a> · <a href={`/audit?${query}&format=json`}>{t('audit.exportJson')}</a></p>
      ) : null}
      <table>
        <thead><tr><th scope="col">{t('audit.time')}</th><th scope="col">{t('audit.actor')}</th><th scope="col">{t('audit.action')}</th><th scope="col">{t('audit.entity')}</th><th scope="col">{t('audit.outcome')}</th></tr></thead>
        <tbody>
          {events.map((e) => (
            <tr>
              <td>{e.occurredAt.replace('T', ' ').slice(0, 19)}</td>
              <td>{e.actorLabel ?? e.actorId ?? e.actorType}</td>
              <td>{e.action}</td>
              <td>{e.entityType ? `${e.entityType} ${e.entityId ?? ''}` : ''}</td>
              <td>{e.outcome}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function AccessLogView(props: { c: Context<AppEnv>; query: AccessQuery; accesses: DocumentAccess[] }) {
  const { query, accesses } = props;
  const t = props.c.get('t');
  const who = (a: DocumentAccess) => {
    const r = a.reader;
    if (r.kind === 'share_link') return r.sharedBy ? t('accessLog.shareLinkBy', { name: r.sharedBy }) : t('accessLog.shareLink');
    if (r.kind === 'operator') return r.name ?? (r.role ? t('accessLog.operatorRole', { role: r.role }) : t('accessLog.operator'));
    return r.name ?? t('accessLog.formerUser');
  };
  return (
    <>
      <form method="get" class="filters">
        <p class="field"><label for="access-from">{t('audit.from')}</label><input id="access-from" name="from" type="date" value={query.from ?? ''} /></p>
        <p class="field"><label for="access-to">{t('audit.to')}</label><input id="access-to" name="to" type="date" value={query.to ?? ''} /></p>
        <button type="submit">{t('audit.filter')}</button>
      </form>
      {accesses.length === 0 ? <p>{t('accessLog.none')}</p> : (
        <ul class="access-log">
          {accesses.map((a) => (
            <li data-reader={a.reader.kind} data-how={a.how}>
              <time datetime={a.occurredAt}>{a.occurredAt.replace('T', ' ').slice(0, 16)} UTC</time>{' · '}
              <strong>{who(a)}</strong>{' · '}{t(`accessLog.how.${a.how}`)}{' · '}
              {a.documentTitle && a.documentId ? <a href={`/documents/${a.documentId}`}>{a.documentTitle}</a> : t('accessLog.deleted')}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function RefusedShareLinksView(props: { c: Context<AppEnv>; refused: RefusedShareLink[] }) {
  const t = props.c.get('t');
  const reason = (r: RefusedShareLink) => ((refusalReasons as readonly string[]).includes(r.reason) ? t(`accessLog.refused.${r.reason as (typeof refusalReasons)[number]}`) : r.reason);
  return (
    <section aria-labelledby="refused-share-links">
      <h2 id="refused-share-links">{t('accessLog.refused.title')}</h2>
      {props.refused.length === 0 ? <p>{t('accessLog.refused.none')}</p> : (
        <ul class="access-log">
          {props.refused.map((r) => (
            <li data-reason={r.reason}>
              <time datetime={r.occurredAt}>{r.occurredAt.replace('T', ' ').slice(0, 16)} UTC</time>{' · '}
              <strong>{r.sharedBy ? t('accessLog.shareLinkBy', { name: r.sharedBy }) : t('accessLog.shareLink')}</strong>{' · '}
              {t('accessLog.refused.refused')} ({reason(r)}){' · '}
              {r.documentTitle && r.documentId ? <a href={`/documents/${r.documentId}`}>{r.documentTitle}</a> : t('accessLog.deleted')}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
