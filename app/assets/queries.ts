import type { z } from 'zod';
import type { Audit } from '../db/audit-event.ts';
import type { Tx } from '../db/client.ts';
import type { Asset, assetInputSchema, assetPatchSchema } from './schema.ts';

type Row = { asset_id: string; company_id: string; site_id: string; name: string; kind: string | null;
  serial_number: string | null; created_at: Date };

const columns = 'asset_id, company_id, site_id, name, kind, serial_number, created_at';

export const presentAsset = (row: Row): Asset => ({
  assetId: row.asset_id,
  companyId: row.company_id,
  siteId: row.site_id,
  name: row.name,
  kind: row.kind,
  serialNumber: row.serial_number,
  createdAt: row.created_at.toISOString(),
});

export async function listAssetsOfSite(tx: Tx, siteId: string): Promise<Asset[]> {
  const rows = await tx<Row[]>`select ${tx.unsafe(columns)} from assets where site_id = ${siteId} order by name, asset_id`;
  return rows.map(presentAsset);
}

export async function findAsset(tx: Tx, assetId: string): Promise<Asset | undefined> {
  const [row] = await tx<Row[]>`select ${tx.unsafe(columns)} from assets where asset_id = ${assetId}`;
  return row && presentAsset(row);
}

/** The site's company is copied from the (visible) site; the composite FK keeps them equal. */
export async function createAsset(tx: Tx, audit: Audit, siteId: string, input: z.infer<typeof assetInputSchema>): Promise<Asset | undefined> {
  const [row] = await tx<Row[]>`
    insert into assets (company_id, site_id, name, kind, serial_number)
    select s.company_id, s.site_id, ${input.name}, ${input.kind ?? null}, ${input.serialNumber ?? null}
    from sites s where s.site_id = ${siteId}
    returning ${tx.unsafe(columns)}`;
  if (row) await audit(tx, { action: 'asset.created', entityType: 'asset', entityId: row.asset_id, companyId: row.company_id });
  return row && presentAsset(row);
}

export async function updateAsset(tx: Tx, audit: Audit, assetId: string, patch: z.infer<typeof assetPatchSchema>): Promise<Asset | undefined> {
  const [row] = await tx<Row[]>`
    update assets set
      name = coalesce(${patch.name ?? null}, name),
      kind = case when ${patch.kind === undefined} then kind else ${patch.kind ?? null} end,
      serial_number = case when ${patch.serialNumber === undefined} then serial_number else ${patch.serialNumber ?? null} end
    where asset_id = ${assetId}
    returning ${tx.unsafe(columns)}`;
  if (row) await audit(tx, { action: 'asset.updated', entityType: 'asset', entityId: assetId, companyId: row.company_id, detail: { fields: Object.keys(patch).join(',') } });
  return row && presentAsset(row);
}

export async function deleteAsset(tx: Tx, audit: Audit, assetId: string): Promise<boolean> {
  const [row] = await tx`delete from assets where asset_id = ${assetId} returning company_id`;
  if (row) await audit(tx, { action: 'asset.deleted', entityType: 'asset', entityId: assetId, companyId: row.company_id });
  return row !== undefined;
}
