import type { z } from 'zod';
import type { Audit } from '../db/audit-event.ts';
import { openField, sealField, uuidv7 } from '../crypto/fields.ts';
import type { Tx } from '../db/client.ts';
import type { Site, siteInputSchema, sitePatchSchema } from './schema.ts';

type Row = { site_id: string; company_id: string; name: string; street: string | null; postal_code: string | null;
  city: string | null; country: string | null; created_at: Date };

const columns = 'site_id, company_id, name, street, postal_code, city, country, created_at';

export const presentSite = (row: Row): Site => ({
  siteId: row.site_id,
  companyId: row.company_id,
  name: row.name,
  // the address is encrypted under the company's key (app/crypto/fields.ts); the name stays plain (lists, search)
  street: openField('sites', 'street', row.site_id, row.street),
  postalCode: openField('sites', 'postal_code', row.site_id, row.postal_code),
  city: openField('sites', 'city', row.site_id, row.city),
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
  const siteId = uuidv7();
  const seal = (column: 'street' | 'postal_code' | 'city', value: string | undefined) => sealField('sites', column, siteId, companyId, value);
  const [row] = await tx<Row[]>`
    insert into sites (site_id, company_id, name, street, postal_code, city, country)
    values (${siteId}, ${companyId}, ${input.name}, ${seal('street', input.street)}, ${seal('postal_code', input.postalCode)}, ${seal('city', input.city)}, ${input.country ?? null})
    returning ${tx.unsafe(columns)}`;
  await audit(tx, { action: 'site.created', entityType: 'site', entityId: row!.site_id, companyId });
  return presentSite(row!);
}

export async function updateSite(tx: Tx, audit: Audit, siteId: string, patch: z.infer<typeof sitePatchSchema>): Promise<Site | undefined> {
  const keep = (field: keyof typeof patch) => patch[field] === undefined;
  const [owner] = await tx<{ company_id: string }[]>`select company_id from sites where site_id = ${siteId}`;
  if (!owner) return undefined;
  const seal = (column: 'street' | 'postal_code' | 'city', value: string | null | undefined) => sealField('sites', column, siteId, owner.company_id, value);
  const [row] = await tx<Row[]>`
    update sites set
      name = coalesce(${patch.name ?? null}, name),
      street = case when ${keep('street')} then street else ${seal('street', patch.street)} end,
      postal_code = case when ${keep('postalCode')} then postal_code else ${seal('postal_code', patch.postalCode)} end,
      city = case when ${keep('city')} then city else ${seal('city', patch.city)} end,
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
