import type { z } from 'zod';
import type { Audit } from '../db/audit-event.ts';
import type { Tx } from '../db/client.ts';
import type { Site, siteInputSchema, sitePatchSchema } from './schema.ts';

type Row = { site_id: string; company_id: string; name: string; street: string | null; postal_code: string | null;
  city: string | null; country: string | null; created_at: Date };

const columns = 'site_id, company_id, name, street, postal_code, city, country, created_at';

export const presentSite = (row: Row): Site => ({
  siteId: row.site_id,
  companyId: row.company_id,
  name: row.name,
  street: row.street,
  postalCode: row.postal_code,
  city: row.city,
  country: row.country,
  createdAt: row.created_at.toISOString(),
});

export async function listSitesOfCompany(tx: Tx, companyId: string): Promise<Site[]> {
  const rows = await tx<Row[]>`select ${tx.unsafe(columns)} from sites where company_id = ${companyId} order by name, site_id`;
  return rows.map(presentSite);
}

export async function findSite(tx: Tx, siteId: string): Promise<Site | undefined> {
  const [row] = await tx<Row[]>`select ${tx.unsafe(columns)} from sites where site_id = ${siteId}`;
  return row && presentSite(row);
}

export async function createSite(tx: Tx, audit: Audit, companyId: string, input: z.infer<typeof siteInputSchema>): Promise<Site> {
  const [row] = await tx<Row[]>`
    insert into sites (company_id, name, street, postal_code, city, country)
    values (${companyId}, ${input.name}, ${input.street ?? null}, ${input.postalCode ?? null}, ${input.city ?? null}, ${input.country ?? null})
    returning ${tx.unsafe(columns)}`;
  await audit(tx, { action: 'site.created', entityType: 'site', entityId: row!.site_id, companyId });
  return presentSite(row!);
}

export async function updateSite(tx: Tx, audit: Audit, siteId: string, patch: z.infer<typeof sitePatchSchema>): Promise<Site | undefined> {
  const keep = (field: keyof typeof patch) => patch[field] === undefined;
  const [row] = await tx<Row[]>`
    update sites set
      name = coalesce(${patch.name ?? null}, name),
      street = case when ${keep('street')} then street else ${patch.street ?? null} end,
      postal_code = case when ${keep('postalCode')} then postal_code else ${patch.postalCode ?? null} end,
      city = case when ${keep('city')} then city else ${patch.city ?? null} end,
      country = case when ${keep('country')} then country else ${patch.country ?? null} end
    where site_id = ${siteId}
    returning ${tx.unsafe(columns)}`;
  if (row) await audit(tx, { action: 'site.updated', entityType: 'site', entityId: siteId, companyId: row.company_id, detail: { fields: Object.keys(patch).join(',') } });
  return row && presentSite(row);
}

export async function deleteSite(tx: Tx, audit: Audit, siteId: string): Promise<boolean> {
  const [row] = await tx`delete from sites where site_id = ${siteId} returning company_id`;
  if (row) await audit(tx, { action: 'site.deleted', entityType: 'site', entityId: siteId, companyId: row.company_id });
  return row !== undefined;
}
