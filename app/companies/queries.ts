// Queries repeat what the policies enforce where the planner needs it;
// RLS decides which rows exist for the caller.
import type { Audit } from '../db/audit-event.ts';
import type { Tx } from '../db/client.ts';
import type { Company } from './schema.ts';
import type { z } from 'zod';
import type { companyInputSchema, companyPatchSchema } from './schema.ts';

type Row = { company_id: string; name: string; customer_number: string | null; created_at: Date };

export const presentCompany = (row: Row): Company => ({
  companyId: row.company_id,
  name: row.name,
  customerNumber: row.customer_number,
  createdAt: row.created_at.toISOString(),
});

export async function listCompanies(tx: Tx): Promise<Company[]> {
  const rows = await tx<Row[]>`select company_id, name, customer_number, created_at from companies order by name, company_id`;
  return rows.map(presentCompany);
}

export async function findCompany(tx: Tx, companyId: string): Promise<Company | undefined> {
  const [row] = await tx<Row[]>`select company_id, name, customer_number, created_at from companies where company_id = ${companyId}`;
  return row && presentCompany(row);
}

export async function createCompany(tx: Tx, audit: Audit, input: z.infer<typeof companyInputSchema>): Promise<Company> {
  const [row] = await tx<Row[]>`
    insert into companies (name, customer_number) values (${input.name}, ${input.customerNumber ?? null})
    returning company_id, name, customer_number, created_at`;
  await audit(tx, { action: 'company.created', entityType: 'company', entityId: row!.company_id, companyId: row!.company_id });
  return presentCompany(row!);
}

export async function updateCompany(tx: Tx, audit: Audit, companyId: string, patch: z.infer<typeof companyPatchSchema>): Promise<Company | undefined> {
  const [row] = await tx<Row[]>`
    update companies set
      name = coalesce(${patch.name ?? null}, name),
      customer_number = case when ${patch.customerNumber !== undefined} then ${patch.customerNumber ?? null} else customer_number end
    where company_id = ${companyId}
    returning company_id, name, customer_number, created_at`;
  if (row) await audit(tx, { action: 'company.updated', entityType: 'company', entityId: companyId, companyId, detail: { fields: Object.keys(patch).join(',') } });
  return row && presentCompany(row);
}

export async function deleteCompany(tx: Tx, audit: Audit, companyId: string): Promise<boolean> {
  const rows = await tx`delete from companies where company_id = ${companyId} returning company_id`;
  if (rows.length === 1) await audit(tx, { action: 'company.deleted', entityType: 'company', entityId: companyId, companyId });
  return rows.length === 1;
}
