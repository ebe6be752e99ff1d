// The two-company world the ratchet tests share: Alpha AG (A) and Beta GmbH
// (B), each with a site and an asset; B also has a customer admin, an open
// invite and a custom role of its own. Seeded as the superuser (RLS
// bypassed), so a test can then show what each role may and may not see.
import type postgres from 'postgres';
import { newToken } from '../../app/crypto/tokens.ts';
import { seedAsset, seedCompany, seedSite, seedUser, type SeededUser } from './seed.ts';

/** One customer company with the rows a customer admin works with. */
export interface CustomerCompany {
  companyId: string;
  siteId: string;
  assetId: string;
  /** its customer admin */
  admin: SeededUser;
  /** an open invite into the customer_member role, sent by its admin */
  inviteId: string;
}

export interface TwoCompanyWorld {
  A: string;
  B: string;
  siteA: string;
  siteB: string;
  assetA: string;
  assetB: string;
  /** B's customer admin (beta.admin@example.test) */
  adminOfB: SeededUser;
  /** B's open invite (beta.invitee@example.test) */
  inviteB: string;
  /** a custom customer role of B's */
  customRoleB: string;
  /** the system role customer_member */
  memberRoleId: string;
}

export async function roleIdOf(admin: postgres.Sql, roleKey: string): Promise<string> {
  const [row] = await admin`select role_id from kastell.roles where role_key = ${roleKey}`;
  if (!row) throw new Error(`no system role ${roleKey}`);
  return row.role_id;
}

/** A company with a site, an asset, a customer admin and an open invite; names derive from `name`'s first word. */
export async function seedCustomerCompany(admin: postgres.Sql, name: string, site: string, asset: string): Promise<CustomerCompany> {
  const word = name.split(' ')[0]!.toLowerCase();
  const companyId = await seedCompany(admin, name);
  const siteId = await seedSite(admin, companyId, site);
  const assetId = await seedAsset(admin, companyId, siteId, asset);
  const user = await seedUser(admin, 'customer_admin', companyId, `${word}.admin@example.test`);
  const [invite] = await admin`insert into kastell.invites (email, role_id, company_id, token_hash, invited_by, expires_at)
    values (${`${word}.invitee@example.test`}, ${await roleIdOf(admin, 'customer_member')}, ${companyId}, ${newToken().hash}, ${user.userId}, now() + interval '1 day')
    returning invite_id`;
  return { companyId, siteId, assetId, admin: user, inviteId: invite!.invite_id };
}

export async function seedTwoCompanyWorld(admin: postgres.Sql): Promise<TwoCompanyWorld> {
  const A = await seedCompany(admin, 'Alpha AG');
  const siteA = await seedSite(admin, A, 'Alpha plant');
  const assetA = await seedAsset(admin, A, siteA, 'Alpha pump');
  const beta = await seedCustomerCompany(admin, 'Beta GmbH', 'Beta plant', 'Beta pump');
  const [customRole] = await admin`insert into kastell.roles (company_id, name, side) values (${beta.companyId}, 'Beta custom role', 'customer') returning role_id`;
  return {
    A, B: beta.companyId, siteA, siteB: beta.siteId, assetA, assetB: beta.assetId,
    adminOfB: beta.admin, inviteB: beta.inviteId, customRoleB: customRole!.role_id, memberRoleId: await roleIdOf(admin, 'customer_member'),
  };
}
