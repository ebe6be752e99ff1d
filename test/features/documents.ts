// app/documents: documents on a company, site, asset or job, their versions
// (the upload pipeline decides pending → clean/rejected) and share links
// (sql/0011_documents.sql; jobs as parents and the assigned technician's
// policies: sql/0012_service_reports.sql).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type postgres from 'postgres';
import { newToken } from '../../app/crypto/tokens.ts';
import { createDocumentStore } from '../../app/storage/open-store.ts';
import { download, upload } from '../documents/support.ts';
import { seedAsset, seedCompany, seedSession, seedSite, seedUser } from '../harness/seed.ts';
import type { TestClient } from '../harness/server.ts';
import { created, customerRoles, notReadable, type AuditWorld, type FeatureKit, type RlsWorld, type RlsWrite, type RoleKey } from './kit.ts';

// ---- RLS --------------------------------------------------------------------

/**
 * The RLS world's documents, seeded below: A's on the company, B's on B's site; each with a clean version, A's also a pending one by A's customer member; a share link on each.
 * And one on each job of the jobs kit's world (seeded before this kit): `jobDocA` on A's job assigned to users.technician, `jobDocB` on B's, each with a clean version (the reports kit's photos).
 */
export const rows = { docA: '', docB: '', pendingA: '', linkA: '', linkB: '', jobA: '', jobB: '', jobDocA: '', jobDocB: '' };

async function seedDocuments({ admin, users, world }: RlsWorld): Promise<void> {
  const { A, B } = world;
  const [docA] = await admin`insert into kastell.documents (owner_company_id, company_id, title, kind, created_by)
    values (${A}, ${A}, 'Contract A', 'contract', ${users.customer_admin.userId}) returning document_id`;
  const [docB] = await admin`insert into kastell.documents (owner_company_id, site_id, title, kind, created_by)
    values (${B}, ${world.siteB}, 'Manual B', 'manual', ${world.adminOfB.userId}) returning document_id`;
  const cleanVersion = (doc: string, company: string, by: string) => admin`insert into kastell.document_versions
    (document_id, owner_company_id, file_name, status, detected_type, size, sha256, object_key, uploaded_by)
    values (${doc}, ${company}, 'f.pdf', 'clean', 'application/pdf', 3, ${Buffer.alloc(32)}, ${`documents/${doc}/${Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32)}`}, ${by})
    returning version_id`;
  await cleanVersion(docA!.document_id, A, users.customer_admin.userId);
  await cleanVersion(docB!.document_id, B, world.adminOfB.userId);
  const [pendingA] = await admin`insert into kastell.document_versions (document_id, owner_company_id, file_name, uploaded_by)
    values (${docA!.document_id}, ${A}, 'new.pdf', ${users.customer_member.userId}) returning version_id`;
  const [linkA] = await admin`insert into kastell.share_links (document_id, owner_company_id, token_hash, created_by, expires_at)
    values (${docA!.document_id}, ${A}, ${newToken().hash}, ${users.customer_member.userId}, now() + interval '7 days') returning share_link_id`;
  const [linkB] = await admin`insert into kastell.share_links (document_id, owner_company_id, token_hash, created_by, expires_at)
    values (${docB!.document_id}, ${B}, ${newToken().hash}, ${world.adminOfB.userId}, now() + interval '7 days') returning share_link_id`;
  Object.assign(rows, { docA: docA!.document_id, docB: docB!.document_id, pendingA: pendingA!.version_id, linkA: linkA!.share_link_id, linkB: linkB!.share_link_id });
  const jobOf = async (title: string) => (await admin`select job_id from kastell.jobs where title = ${title}`)[0]!.job_id as string;
  rows.jobA = await jobOf('Repair pump');
  rows.jobB = await jobOf('Beta repair');
  const [jobDocA] = await admin`insert into kastell.documents (owner_company_id, job_id, title, kind, created_by)
    values (${A}, ${rows.jobA}, 'Pump photo', 'photo', ${users.technician.userId}) returning document_id`;
  const [jobDocB] = await admin`insert into kastell.documents (owner_company_id, job_id, title, kind, created_by)
    values (${B}, ${rows.jobB}, 'Beta photo', 'photo', ${users.dispatcher.userId}) returning document_id`;
  await cleanVersion(jobDocA!.document_id, A, users.technician.userId);
  await cleanVersion(jobDocB!.document_id, B, users.dispatcher.userId);
  Object.assign(rows, { jobDocA: jobDocA!.document_id, jobDocB: jobDocB!.document_id });
}

class RolledBack extends Error {
  constructor(readonly rows: postgres.RowList<postgres.Row[]>) { super('rolled back'); }
}

/** Runs a write in a savepoint that is rolled back, so every role meets the same rows. */
const rolledBack = (work: RlsWrite['work']): RlsWrite['work'] => async (tx) => {
  try {
    await tx.savepoint(async (sp) => { throw new RolledBack(await work(sp)); });
  } catch (error) {
    if (error instanceof RolledBack) return error.rows;
    throw error;
  }
  throw new Error('unreachable');
};

const isCustomer = (role: RoleKey) => (customerRoles as readonly string[]).includes(role);

// ---- audit ------------------------------------------------------------------

// Uploads are multipart streams; with no clamd here each version is held
// pending, which is audited too — the event checked is the upload's own. The
// scenarios act as an admin of their own on a company seeded by the first.
const clients = new WeakMap<AuditWorld, TestClient>();
async function start(w: AuditWorld): Promise<TestClient> {
  const known = clients.get(w);
  if (known) return known;
  w.ids.documentsCompany = await seedCompany(w.t.admin, 'Documents AG');
  w.ids.documentsSite = await seedSite(w.t.admin, w.ids.documentsCompany, 'Documents plant');
  w.ids.documentsAsset = await seedAsset(w.t.admin, w.ids.documentsCompany, w.ids.documentsSite, 'Documents pump');
  const [job] = await w.t.admin`insert into kastell.jobs (company_id, site_id, title) values (${w.ids.documentsCompany}, ${w.ids.documentsSite}, 'Documents job') returning job_id`;
  w.ids.documentsJob = job!.job_id;
  const admin = await seedUser(w.t.admin, 'admin');
  const client = w.server.client().withSession(await seedSession(w.t.admin, admin.userId, '30 minutes'));
  clients.set(w, client);
  return client;
}
const form = { title: 'Audit scenario', kind: 'other' };
async function send(w: AuditWorld, path: (ids: Record<string, string>) => string, fields: Record<string, string> = form) {
  const client = await start(w);
  return upload(client, path(w.ids), fields, { name: 'notes.txt', bytes: Buffer.from('audit scenario') });
}

export const documents: FeatureKit = {
  feature: 'documents',
  rls: {
    seed: seedDocuments,
    cases: (w) => {
      const { as, world, globalReaders } = w;
      const { A, B } = world;
      const both = [A, B].sort();
      const documentReaders = [...globalReaders];
      const writes: RlsWrite[] = [
        { name: 'create a document in A', allowed: ['owner', 'admin', 'dispatcher', 'customer_admin', 'customer_member'],
          work: (tx) => tx`insert into documents (owner_company_id, company_id, title, kind, created_by) values (${A}, ${A}, 'New', 'other', app.current_user_id()) returning 1` },
        { name: 'create a document on a site of B', allowed: ['owner', 'admin', 'dispatcher'],
          work: (tx) => tx`insert into documents (owner_company_id, site_id, title, kind, created_by) values (${B}, ${world.siteB}, 'New', 'other', app.current_user_id()) returning 1` },
        { name: "create a document in B admin's name", allowed: [],
          work: (tx) => tx`insert into documents (owner_company_id, company_id, title, kind, created_by) values (${A}, ${A}, 'New', 'other', ${world.adminOfB.userId}) returning 1` },
        { name: 'rename the document of A', allowed: ['owner', 'admin', 'dispatcher', 'customer_admin', 'customer_member'],
          work: (tx) => tx`update documents set title = 'Renamed' where document_id = ${rows.docA} returning 1` },
        { name: 'rename the document of B', allowed: ['owner', 'admin', 'dispatcher'],
          work: (tx) => tx`update documents set title = 'Renamed' where document_id = ${rows.docB} returning 1` },
        { name: "move A's document to B", allowed: [],
          work: (tx) => tx`update documents set owner_company_id = ${B} where document_id = ${rows.docA} returning 1` },
        { name: 'delete the document of A', allowed: ['owner', 'admin', 'customer_admin'],
          work: (tx) => tx`delete from documents where document_id = ${rows.docA} returning 1` },
        { name: 'delete the document of B', allowed: ['owner', 'admin'],
          work: (tx) => tx`delete from documents where document_id = ${rows.docB} returning 1` },
        { name: 'add a pending version to the document of A', allowed: ['owner', 'admin', 'dispatcher', 'customer_admin', 'customer_member'],
          work: (tx) => tx`insert into document_versions (document_id, owner_company_id, file_name, uploaded_by) values (${rows.docA}, ${A}, 'v.pdf', app.current_user_id()) returning 1` },
        { name: 'add a version to the document of B', allowed: ['owner', 'admin', 'dispatcher'],
          work: (tx) => tx`insert into document_versions (document_id, owner_company_id, file_name, uploaded_by) values (${rows.docB}, ${B}, 'v.pdf', app.current_user_id()) returning 1` },
        { name: 'insert a version that is already clean (skipping the pipeline)', allowed: [],
          work: (tx) => tx`insert into document_versions (document_id, owner_company_id, file_name, status, detected_type, size, sha256, object_key, uploaded_by)
            values (${rows.docA}, ${A}, 'v.pdf', 'clean', 'application/pdf', 1, ${Buffer.alloc(32)}, ${`documents/${rows.docA}/${'a'.repeat(32)}`}, app.current_user_id()) returning 1` },
        { name: "decide the member's pending version", allowed: ['customer_member'],
          work: (tx) => tx`update document_versions set status = 'rejected', reason = 'x' where version_id = ${rows.pendingA} returning 1` },
        { name: 'change the object of a clean version', allowed: [],
          work: (tx) => tx`update document_versions set object_key = ${`documents/${rows.docA}/${'b'.repeat(32)}`} where status = 'clean' returning 1` },
        { name: 'delete a version', allowed: [],
          work: (tx) => tx`delete from document_versions returning 1` },
        { name: "share A's document", allowed: ['owner', 'admin', 'customer_admin', 'customer_member'],
          work: (tx) => tx`insert into share_links (document_id, owner_company_id, token_hash, created_by, expires_at)
            values (${rows.docA}, ${A}, ${newToken().hash}, app.current_user_id(), now() + interval '7 days') returning 1` },
        { name: "share B's document", allowed: ['owner', 'admin'],
          work: (tx) => tx`insert into share_links (document_id, owner_company_id, token_hash, created_by, expires_at)
            values (${rows.docB}, ${B}, ${newToken().hash}, app.current_user_id(), now() + interval '7 days') returning 1` },
        { name: "share A's document in B admin's name", allowed: [],
          work: (tx) => tx`insert into share_links (document_id, owner_company_id, token_hash, created_by, expires_at)
            values (${rows.docA}, ${A}, ${newToken().hash}, ${world.adminOfB.userId}, now() + interval '7 days') returning 1` },
        { name: 'share for more than 90 days', allowed: [],
          work: (tx) => tx`insert into share_links (document_id, owner_company_id, token_hash, created_by, expires_at)
            values (${rows.docA}, ${A}, ${newToken().hash}, app.current_user_id(), now() + interval '91 days') returning 1` },
        { name: "revoke the member's link on A (share_links.revoke, or its creator)", allowed: ['owner', 'admin', 'customer_admin', 'customer_member'],
          work: (tx) => tx`update share_links set revoked_at = now(), revoked_by = app.current_user_id() where share_link_id = ${rows.linkA} returning 1` },
        { name: "revoke B's link", allowed: ['owner', 'admin'],
          work: (tx) => tx`update share_links set revoked_at = now(), revoked_by = app.current_user_id() where share_link_id = ${rows.linkB} returning 1` },
        { name: 'raise a link download limit', allowed: [],
          work: (tx) => tx`update share_links set downloads = 0 where share_link_id = ${rows.linkA} returning 1` },
        { name: "read a link's token hash", allowed: [],
          work: (tx) => tx`select token_hash from share_links` },
        // jobs as parents: the job's technician uploads to it (sql/0012), as the company's customers and the operator do
        { name: 'create a document on the job of A', allowed: ['owner', 'admin', 'dispatcher', 'technician', 'customer_admin', 'customer_member'],
          work: (tx) => tx`insert into documents (owner_company_id, job_id, title, kind, created_by) values (${A}, ${rows.jobA}, 'New', 'photo', app.current_user_id()) returning 1` },
        { name: 'create a document on the job of B', allowed: ['owner', 'admin', 'dispatcher'],
          work: (tx) => tx`insert into documents (owner_company_id, job_id, title, kind, created_by) values (${B}, ${rows.jobB}, 'New', 'photo', app.current_user_id()) returning 1` },
        { name: "create a document on the job of A in B admin's name", allowed: [],
          work: (tx) => tx`insert into documents (owner_company_id, job_id, title, kind, created_by) values (${A}, ${rows.jobA}, 'New', 'photo', ${world.adminOfB.userId}) returning 1` },
        { name: "create a document on A's job as B's", allowed: [],
          work: (tx) => tx`insert into documents (owner_company_id, job_id, title, kind, created_by) values (${B}, ${rows.jobA}, 'New', 'photo', app.current_user_id()) returning 1` },
        { name: 'add a pending version to the job document of A', allowed: ['owner', 'admin', 'dispatcher', 'technician', 'customer_admin', 'customer_member'],
          work: (tx) => tx`insert into document_versions (document_id, owner_company_id, file_name, uploaded_by) values (${rows.jobDocA}, ${A}, 'v.jpg', app.current_user_id()) returning 1` },
        { name: 'add a version to the job document of B', allowed: ['owner', 'admin', 'dispatcher'],
          work: (tx) => tx`insert into document_versions (document_id, owner_company_id, file_name, uploaded_by) values (${rows.jobDocB}, ${B}, 'v.jpg', app.current_user_id()) returning 1` },
        { name: 'add a clean version to the job document of A (skipping the pipeline)', allowed: [],
          work: (tx) => tx`insert into document_versions (document_id, owner_company_id, file_name, status, detected_type, size, sha256, object_key, uploaded_by)
            values (${rows.jobDocA}, ${A}, 'v.jpg', 'clean', 'image/jpeg', 1, ${Buffer.alloc(32)}, ${`documents/${rows.jobDocA}/${'e'.repeat(32)}`}, app.current_user_id()) returning 1` },
        // the technician uploads to the job; renaming is the company's and the operator's (documents.upload held company-wide)
        { name: 'rename the job document of A', allowed: ['owner', 'admin', 'dispatcher', 'customer_admin', 'customer_member'],
          work: (tx) => tx`update documents set title = 'Renamed' where document_id = ${rows.jobDocA} returning 1` },
      ];
      return {
        reads: {
          // one document of each company on a company or site, one on each company's job: the technician sees the one on its job
          documents: {
            read: async (role) => (await as(role, (tx) => tx`select owner_company_id from documents order by 1`)).map((r) => r.owner_company_id),
            expect: (role) => (documentReaders.includes(role) ? [...both, ...both].sort() : isCustomer(role) ? [A, A] : role === 'technician' ? [A] : []),
            noRowsWithoutPrincipal: true,
          },
          document_versions: {
            read: async (role) => (await as(role, (tx) => tx`select owner_company_id || ':' || status as v from document_versions order by 1`)).map((r) => r.v),
            // only clean versions, but the uploader also sees their own pending one
            expect: (role) => (documentReaders.includes(role) ? [...both, ...both].map((c) => `${c}:clean`).sort()
              : role === 'customer_member' ? [`${A}:clean`, `${A}:clean`, `${A}:pending`].sort()
              : isCustomer(role) ? [`${A}:clean`, `${A}:clean`] : role === 'technician' ? [`${A}:clean`] : []),
            noRowsWithoutPrincipal: true,
          },
          // one link on A's document by A's member, one on B's by B's admin
          share_links: {
            read: async (role) => (await as(role, (tx) => tx`select owner_company_id from share_links order by 1`)).map((r) => r.owner_company_id),
            expect: (role) => (documentReaders.includes(role) ? both : isCustomer(role) ? [A] : []),
            noRowsWithoutPrincipal: true,
          },
          // the objects of deleted versions, for the sweep (sql/0024): only its SECURITY DEFINER functions reach the table
          object_removals: notReadable(w, 'object_removals'),
        },
        // each attempt is rolled back, so every role meets the same rows
        writes: writes.map((write) => ({ ...write, work: rolledBack(write.work) })),
      };
    },
  },
  isolation: {
    // a document of the company on its site, with a clean version and a share link by its customer admin
    ids: async (admin, company) => {
      const [site] = await admin`select s.site_id, c.name from kastell.sites s join kastell.companies c using (company_id) where s.company_id = ${company.companyId} order by s.site_id limit 1`;
      const title = `${String(site!.name).split(' ')[0]} manual`;
      const [document] = await admin`insert into kastell.documents (owner_company_id, site_id, title, kind, created_by)
        values (${company.companyId}, ${site!.site_id}, ${title}, 'manual', ${company.userId}) returning document_id`;
      await admin`insert into kastell.document_versions (document_id, owner_company_id, file_name, status, detected_type, size, sha256, object_key, uploaded_by)
        values (${document!.document_id}, ${company.companyId}, ${`${title.toLowerCase().replace(' ', '-')}.pdf`}, 'clean', 'application/pdf', 3, ${Buffer.alloc(32, 1)},
          ${`documents/${document!.document_id}/${'c'.repeat(32)}`}, ${company.userId})`;
      const [link] = await admin`insert into kastell.share_links (document_id, owner_company_id, token_hash, created_by, expires_at)
        values (${document!.document_id}, ${company.companyId}, ${newToken().hash}, ${company.userId}, now() + interval '7 days') returning share_link_id`;
      return { documentId: document!.document_id, shareLinkId: link!.share_link_id };
    },
    bodies: {
      'patch /documents/:documentId': { body: () => ({ title: 'Pwned' }) },
      'post /documents/:documentId/share-links': { body: () => ({}) },
    },
    pages: (ids) => ({
      reads: [`/documents/${ids.documentId}`, `/documents/${ids.documentId}/download`, `/sites/${ids.siteId}/documents`, `/companies/${ids.companyId}/documents`, `/jobs/${ids.jobId}/documents`],
      writes: [[`/documents/${ids.documentId}`, { title: 'Pwned', kind: 'other' }], [`/documents/${ids.documentId}/share-links`, { expiresInDays: '2' }],
        [`/share-links/${ids.shareLinkId}/revoke`, {}], [`/documents/${ids.documentId}/delete`, {}]],
    }),
    // the streamed routes (uploads, download), which are not in the API registry
    checks: ({ admin, world, idsOfB, clientOf, assertNothingOfB, withoutRequestId }) => ({
      "documents: a customer of A uploads nothing to B's parents or document, reads nothing of B's, and B's ids answer as nobody's": async () => {
        const { A, B, siteB, assetB } = world;
        const documentOfB = idsOfB.documentId!;
        const client = await clientOf(await seedUser(admin, 'customer_admin', A));
        const file = { name: 'x.txt', bytes: Buffer.from('intruder') };
        const cases: Array<[string, string]> = [
          [`/api/v1/companies/${B}/documents`, `/api/v1/companies/${randomUUID()}/documents`],
          [`/api/v1/sites/${siteB}/documents`, `/api/v1/sites/${randomUUID()}/documents`],
          [`/api/v1/assets/${assetB}/documents`, `/api/v1/assets/${randomUUID()}/documents`],
          [`/api/v1/jobs/${idsOfB.jobId}/documents`, `/api/v1/jobs/${randomUUID()}/documents`],
          [`/jobs/${idsOfB.jobId}/documents`, `/jobs/${randomUUID()}/documents`],
          [`/api/v1/documents/${documentOfB}/versions`, `/api/v1/documents/${randomUUID()}/versions`],
          [`/sites/${siteB}/documents`, `/sites/${randomUUID()}/documents`],
          [`/documents/${documentOfB}/versions`, `/documents/${randomUUID()}/versions`],
        ];
        for (const [ofB, ofNobody] of cases) {
          const b = await upload(client, ofB, { title: 'Pwned', kind: 'other' }, file);
          const nobody = await upload(client, ofNobody, { title: 'Pwned', kind: 'other' }, file);
          assert.equal(b.status, 404, `${ofB}: ${b.text.slice(0, 200)}`);
          const same = (text: string) => withoutRequestId(text).replace(/Reference: [0-9a-f-]{36}/, 'Reference: ');
          assert.equal(same(b.text), same(nobody.text), ofB);
          assertNothingOfB(b.text, ofB);
        }
        for (const path of [`/documents/${documentOfB}`, `/documents/${documentOfB}/download`, `/sites/${siteB}/documents`, `/companies/${B}/documents`, `/jobs/${idsOfB.jobId}/documents`]) {
          const got = await download(client, path);
          assert.equal(got.status, 404, path);
          assertNothingOfB(got.bytes.toString(), path);
        }
        for (const path of [`/documents/${documentOfB}`, `/documents/${documentOfB}/delete`]) {
          assert.equal((await client.postForm(path, { title: 'Pwned', kind: 'other' })).status, 404, path);
        }
        // after the registry walk, the pages and the uploads above: B's document, link and versions as they were
        const [document] = await admin`select title from kastell.documents where document_id = ${documentOfB}`;
        assert.equal(document?.title, 'Beta manual');
        const [link] = await admin`select revoked_at from kastell.share_links where share_link_id = ${idsOfB.shareLinkId!}`;
        assert.equal(link?.revoked_at, null, "B's share link is not revoked");
        const links = await admin`select count(*)::int as n from kastell.share_links where owner_company_id = ${B}`;
        assert.equal(links[0]!.n, 1, 'no link to anything of B was made');
        // (the reports kit's sample photo of B has its clean version seeded)
        const versions = await admin`select count(*)::int as n from kastell.document_versions
          where owner_company_id = ${B} and document_id is distinct from ${idsOfB.photoDocumentId ?? null}::uuid`;
        assert.equal(versions[0]!.n, 1, 'no version was added to anything of B');
      },
    }),
  },
  audit: {
    scenarios: {
      'POST /api/v1/companies/:companyId/documents': {
        action: 'document.created',
        run: async (w) => { const r = await send(w, (ids) => `/api/v1/companies/${ids.documentsCompany}/documents`); w.ids.document = created(r, 'documentId'); return r; },
      },
      'POST /api/v1/sites/:siteId/documents': { action: 'document.version_uploaded', run: (w) => send(w, (ids) => `/api/v1/sites/${ids.documentsSite}/documents`) },
      'POST /api/v1/assets/:assetId/documents': { action: 'document.created', run: (w) => send(w, (ids) => `/api/v1/assets/${ids.documentsAsset}/documents`) },
      'POST /api/v1/jobs/:jobId/documents': { action: 'document.created', run: (w) => send(w, (ids) => `/api/v1/jobs/${ids.documentsJob}/documents`) },
      'POST /jobs/:jobId/documents': { action: 'document.created', run: (w) => send(w, (ids) => `/jobs/${ids.documentsJob}/documents`) },
      'POST /companies/:companyId/documents': { action: 'document.created', run: (w) => send(w, (ids) => `/companies/${ids.documentsCompany}/documents`) },
      'POST /sites/:siteId/documents': { action: 'document.created', run: (w) => send(w, (ids) => `/sites/${ids.documentsSite}/documents`) },
      'POST /assets/:assetId/documents': { action: 'document.version_uploaded', run: (w) => send(w, (ids) => `/assets/${ids.documentsAsset}/documents`) },
      'POST /api/v1/documents/:documentId/versions': { action: 'document.version_uploaded', run: (w) => send(w, (ids) => `/api/v1/documents/${ids.document}/versions`, {}) },
      'POST /documents/:documentId/versions': { action: 'document.version_uploaded', run: (w) => send(w, (ids) => `/documents/${ids.document}/versions`, {}) },
      'PATCH /api/v1/documents/:documentId': { action: 'document.updated', run: async (w) => (await start(w)).request('PATCH', `/api/v1/documents/${w.ids.document}`, { json: { title: 'Renamed' } }) },
      'POST /documents/:documentId': { action: 'document.updated', run: async (w) => (await start(w)).postForm(`/documents/${w.ids.document}`, { title: 'Renamed again', kind: 'manual' }) },
      'POST /api/v1/documents/:documentId/share-links': {
        action: 'share_link.created',
        run: async (w) => {
          const r = await (await start(w)).postJson(`/api/v1/documents/${w.ids.document}/share-links`, { maxDownloads: 3 });
          w.ids.shareLink = created(r, 'shareLinkId');
          w.ids.shareUrl = created(r, 'url');
          return r;
        },
      },
      'POST /documents/:documentId/share-links': {
        action: 'share_link.created',
        run: async (w) => (await start(w)).postForm(`/documents/${w.ids.document}/share-links`, { expiresInDays: '2', maxDownloads: '5' }),
      },
      'POST /share-links/:shareLinkId/revoke': {
        action: 'share_link.revoked',
        run: async (w) => {
          const [link] = await w.t.admin`select share_link_id from kastell.share_links where document_id = ${w.ids.document!} and revoked_at is null
            and share_link_id <> ${w.ids.shareLink!} order by created_at desc limit 1`;
          return (await start(w)).postForm(`/share-links/${link!.share_link_id}/revoke`, {});
        },
      },
      'POST /s/:token': {
        action: 'document.read',
        run: async (w) => {
          // a clean version to share (no clamd here: the uploads above stay pending), its object in the store
          const key = `documents/${w.ids.document}/${'d'.repeat(32)}`;
          await createDocumentStore(w.config.storage).put(key, Readable.from([Buffer.from('shared text')]));
          const [admin] = await w.t.admin`select created_by from kastell.documents where document_id = ${w.ids.document!}`;
          await w.t.admin`insert into kastell.document_versions (document_id, owner_company_id, file_name, status, detected_type, size, sha256, object_key, uploaded_by)
            values (${w.ids.document!}, ${w.ids.documentsCompany!}, 'shared.txt', 'clean', 'text/plain', 11, ${Buffer.alloc(32)}, ${key}, ${admin!.created_by})`;
          const path = new URL(w.ids.shareUrl!).pathname;
          await w.anonymous.get(path);
          return w.anonymous.request('POST', path, { form: {}, origin: 'null' });
        },
      },
      'POST /api/v1/share-links/:shareLinkId/revoke': {
        action: 'share_link.revoked',
        run: async (w) => (await start(w)).postJson(`/api/v1/share-links/${w.ids.shareLink}/revoke`, {}),
      },
      'POST /documents/:documentId/delete': { action: 'document.deleted', run: async (w) => (await start(w)).postForm(`/documents/${w.ids.document}/delete`, {}) },
      'DELETE /api/v1/documents/:documentId': {
        action: 'document.deleted',
        run: async (w) => {
          const r = await send(w, (ids) => `/api/v1/companies/${ids.documentsCompany}/documents`);
          return (await start(w)).request('DELETE', `/api/v1/documents/${created(r, 'documentId')}`);
        },
      },
    },
  },
};
