// A document hangs on exactly one parent — the database says so (CHECK +
// foreign keys), not the application — and its company is its parent's.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { createTestDatabase } from '../harness/database.ts';
import { seedAsset, seedCompany, seedSite } from '../harness/seed.ts';

const t = await createTestDatabase();
const A = await seedCompany(t.admin, 'Alpha AG');
const B = await seedCompany(t.admin, 'Beta GmbH');
const siteA = await seedSite(t.admin, A, 'Alpha plant');
const assetA = await seedAsset(t.admin, A, siteA, 'Alpha pump');
const siteB = await seedSite(t.admin, B, 'Beta plant');
const [jobRow] = await t.admin`insert into kastell.jobs (company_id, site_id, title) values (${A}, ${siteA}, 'Pump') returning job_id`;
const jobA = jobRow!.job_id as string;
const [jobRowB] = await t.admin`insert into kastell.jobs (company_id, site_id, title) values (${B}, ${siteB}, 'Pump') returning job_id`;
const jobB = jobRowB!.job_id as string;

const insert = (owner: string, company: string | null, site: string | null, asset: string | null, job: string | null = null) =>
  t.admin`insert into kastell.documents (owner_company_id, company_id, site_id, asset_id, job_id, title, kind)
    values (${owner}, ${company}, ${site}, ${asset}, ${job}, 'Contract', 'contract') returning document_id`;

test('one parent of each type is accepted', async () => {
  for (const [c, s, a, j] of [[A, null, null, null], [null, siteA, null, null], [null, null, assetA, null], [null, null, null, jobA]] as const) {
    const [row] = await insert(A, c, s, a, j);
    assert.ok(row!.document_id);
  }
});

test('zero parents are refused by documents_one_parent', async () => {
  await assert.rejects(insert(A, null, null, null), (e: { code: string; constraint_name: string }) => e.code === '23514' && e.constraint_name === 'documents_one_parent');
});

test('two, three or four parents are refused by documents_one_parent', async () => {
  for (const [c, s, a, j] of [[A, siteA, null, null], [null, siteA, assetA, null], [A, null, assetA, null], [A, siteA, assetA, null],
    [A, null, null, jobA], [null, siteA, null, jobA], [null, null, assetA, jobA], [A, siteA, assetA, jobA]] as const) {
    await assert.rejects(insert(A, c, s, a, j), (e: { code: string; constraint_name: string }) => e.code === '23514' && e.constraint_name === 'documents_one_parent');
  }
});

test('a parent that does not exist, or of another company, is refused by a foreign key', async () => {
  await assert.rejects(insert(A, null, randomUUID(), null), (e: { code: string }) => e.code === '23503');
  await assert.rejects(insert(A, null, siteB, null), (e: { code: string }) => e.code === '23503', "a site of B cannot carry A's document");
  await assert.rejects(insert(A, null, null, null, jobB), (e: { code: string }) => e.code === '23503', "a job of B cannot carry A's document");
  await assert.rejects(insert(A, B, null, null), (e: { code: string }) => e.code === '23514', 'company parent must be the owner');
});

test("a version's company is its document's", async () => {
  const [doc] = await insert(A, A, null, null);
  await assert.rejects(t.admin`insert into kastell.document_versions (document_id, owner_company_id, file_name) values (${doc!.document_id}, ${B}, 'x.pdf')`,
    (e: { code: string }) => e.code === '23503');
  await assert.rejects(t.admin`insert into kastell.document_versions (document_id, owner_company_id, file_name, status) values (${doc!.document_id}, ${A}, 'x.pdf', 'clean')`,
    (e: { code: string; constraint_name: string }) => e.constraint_name === 'document_versions_clean_is_complete', 'clean needs key, hash, size, type');
});
