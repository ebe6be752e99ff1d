// The audit trail's faces: the signed checkpoint for outside witnesses, the
// viewer and its CSV/JSON export for the security officer (the export is
// itself audited), and "who accessed our documents" for a customer admin.
import type { FeatureDeps } from '../feature.ts';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { requirePermission } from '../http/guards.ts';
import type { Tx } from '../db/client.ts';
import type { AppEnv } from '../http/context.ts';
import { notFound } from '../http/errors.ts';
import { renderPage } from '../http/layout.tsx';
import { text } from '../http/text-schema.ts';
import { readQuery } from '../http/validate.ts';

export const auditFilterSchema = z.strictObject({
  actor: z.uuid({ error: 'actor must be a user id' }).optional(),
  action: z.string().regex(/^[a-z_.]+$/, 'action looks like company.created').max(100).optional(),
  entityType: z.string().regex(/^[a-z_]+$/, 'entity type looks like company').max(50).optional(),
  entityId: text().max(100).optional(),
  from: z.iso.date({ error: 'from must be a date (YYYY-MM-DD)' }).optional(),
  to: z.iso.date({ error: 'to must be a date (YYYY-MM-DD)' }).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(200),
  format: z.enum(['csv', 'json']).optional(),
});
type AuditFilter = z.infer<typeof auditFilterSchema>;

export const auditEventSchema = z.object({
  eventId: z.uuid(),
  occurredAt: z.iso.datetime(),
  actorType: z.string(),
  actorId: z.uuid().nullable(),
  actorLabel: z.string().nullable(),
  action: z.string(),
  entityType: z.string().nullable(),
  entityId: z.string().nullable(),
  companyId: z.uuid().nullable(),
  outcome: z.string(),
  requestId: z.uuid().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
type AuditEventView = z.infer<typeof auditEventSchema>;

const checkpointSchema = z.object({
  seq: z.number(), hash: z.string(), time: z.string(), statement: z.string(), signature: z.string(), publicKey: z.string(),
});

async function findEvents(tx: Tx, filter: AuditFilter): Promise<AuditEventView[]> {
  const rows = await tx`
    select event_id, occurred_at, actor_type, actor_id, actor_label, action, entity_type, entity_id,
           company_id, outcome, request_id, detail
    from audit.events
    where true
      ${filter.actor ? tx`and actor_id = ${filter.actor}` : tx``}
      ${filter.action ? tx`and action = ${filter.action}` : tx``}
      ${filter.entityType ? tx`and entity_type = ${filter.entityType}` : tx``}
      ${filter.entityId ? tx`and entity_id = ${filter.entityId}` : tx``}
      ${filter.from ? tx`and occurred_at >= ${filter.from}::date` : tx``}
      ${filter.to ? tx`and occurred_at < ${filter.to}::date + 1` : tx``}
    order by occurred_at desc, event_id desc
    limit ${filter.limit}`;
  return rows.map((r) => ({
    eventId: r.event_id, occurredAt: r.occurred_at.toISOString(), actorType: r.actor_type, actorId: r.actor_id,
    actorLabel: r.actor_label, action: r.action, entityType: r.entity_type, entityId: r.entity_id,
    companyId: r.company_id, outcome: r.outcome, requestId: r.request_id, detail: r.detail,
  }));
}

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
      const [row] = await db.withPrincipal(null, (tx) => tx`select * from audit.latest_checkpoint()`);
      if (!row) throw notFound();
      const time = /time: (\S+)/.exec(row.statement)![1]!;
      return { seq: Number(row.seq), hash: (row.hash as Buffer).toString('hex'), time, statement: row.statement,
        signature: row.signature, publicKey: audit.keys.publicKeyArmored };
    },
  });

  api.add({
    method: 'get', permission: 'audit.read', path: '/audit/events', tag: 'audit', summary: 'Audit events, newest first, filtered',
    query: auditFilterSchema.omit({ format: true }), response: z.array(auditEventSchema),
    handler: (c, { query, user }) => db.withPrincipal(user, (tx) => findEvents(tx, query)),
  });

  api.add({
    method: 'get', permission: 'evidence.read', path: '/audit/verifications/latest', tag: 'audit', summary: 'The latest chain verification',
    response: z.object({ ok: z.boolean(), checkedLinks: z.number(), headSeq: z.number().nullable(), firstBadSeq: z.number().nullable(),
      problem: z.string().nullable(), durationMs: z.number(), at: z.iso.datetime() }),
    handler: async (c, { user }) => {
      const [row] = await db.withPrincipal(user, (tx) => tx`select * from audit.verifications order by created_at desc limit 1`);
      if (!row) throw notFound();
      return { ok: row.ok, checkedLinks: Number(row.checked_links), headSeq: row.head_seq === null ? null : Number(row.head_seq),
        firstBadSeq: row.first_bad_seq === null ? null : Number(row.first_bad_seq), problem: row.problem,
        durationMs: row.duration_ms, at: row.created_at.toISOString() };
    },
  });

  pages.get('/audit', async (c) => {
    const user = requirePermission(c, 'audit.read');
    const filter = readQuery(c, auditFilterSchema);
    if (filter.format) {
      return db.withPrincipal(user, async (tx) => {
        const events = await findEvents(tx, filter);
        await c.get('auditor').record(tx, c, { action: 'audit.exported', entityType: 'audit_log',
          detail: { format: filter.format!, count: events.length, filter: JSON.stringify({ ...filter, format: undefined }) } });
        const name = `kastell-audit-${new Date().toISOString().slice(0, 10)}.${filter.format}`;
        c.header('Content-Disposition', `attachment; filename="${name}"`);
        return filter.format === 'csv'
          ? c.body(toCsv(events), 200, { 'Content-Type': 'text/csv; charset=utf-8' })
          : c.json(events);
      });
    }
    const events = await db.withPrincipal(user, (tx) => findEvents(tx, filter));
    return renderPage(c, c.get('t')('audit.title'), <AuditView c={c} filter={filter} events={events} exportable />);
  });

  pages.get('/access-log', async (c) => {
    const user = requirePermission(c, 'access_log.read');
    const filter = readQuery(c, auditFilterSchema.omit({ format: true }));
    // RLS limits a customer admin to access events of their own company.
    const events = await db.withPrincipal(user, (tx) => findEvents(tx, filter));
    const t = c.get('t');
    return renderPage(c, t('accessLog.title'), (
      <>
        <p>{t('accessLog.intro')}</p>
        <AuditView c={c} filter={filter} events={events} exportable={false} />
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
