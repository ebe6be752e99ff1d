// Seeds rows as the superuser (bypassing RLS) so tests can set up any world.
import type postgres from 'postgres';
import { hashPassword } from '../../app/auth/password.ts';
import { newToken } from '../../app/crypto/tokens.ts';
import { createSecretBox } from '../../app/crypto/secret-box.ts';
import { generate } from 'otplib';
import { generateEventKeyPem } from '../../app/audit/event-key.ts';
import type { TestClient } from './server.ts';

/** The key test servers seal TOTP secrets with (startTestServer passes it as KASTELL_SECRET_KEY). */
export const testSecretKey = Buffer.alloc(32, 7);
/** The audit event key of this test process: test servers, the CLI runs and the test's own audit writes all sign with it. */
export const testEventKeyPem = generateEventKeyPem();
export const testSecretKeyId = 'test';
export const testTotpSecret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const testBox = createSecretBox({ keyId: testSecretKeyId, key: testSecretKey });

export const testPassword = 'correct horse battery staple 42';
let passwordHash: Promise<string> | undefined;

export async function seedCompany(admin: postgres.Sql, name: string): Promise<string> {
  const [row] = await admin`insert into kastell.companies (name) values (${name}) returning company_id`;
  return row!.company_id;
}

export async function seedSite(admin: postgres.Sql, companyId: string, name: string): Promise<string> {
  const [row] = await admin`insert into kastell.sites (company_id, name, city) values (${companyId}, ${name}, 'Bern') returning site_id`;
  return row!.site_id;
}

export async function seedAsset(admin: postgres.Sql, companyId: string, siteId: string, name: string): Promise<string> {
  const [row] = await admin`insert into kastell.assets (company_id, site_id, name) values (${companyId}, ${siteId}, ${name}) returning asset_id`;
  return row!.asset_id;
}

export interface SeededUser {
  userId: string;
  email: string;
  password: string;
  roleKey: string;
  companyId: string | null;
}

export async function seedUser(admin: postgres.Sql, roleKey: string, companyId: string | null = null, email?: string): Promise<SeededUser> {
  passwordHash ??= hashPassword(testPassword);
  const address = email ?? `${roleKey}.${Math.random().toString(36).slice(2, 10)}@example.test`;
  const [user] = await admin`insert into kastell.users (email, display_name, password_hash)
    values (${address}, ${`Test ${roleKey}`}, ${await passwordHash}) returning user_id`;
  // an external auditor's membership always ends (sql/0017): 30 days, as KASTELL_AUDITOR_DAYS's default
  await admin`insert into kastell.memberships (user_id, role_id, company_id, expires_at)
    select ${user!.user_id}, role_id, ${companyId}, case when role_key = 'external_auditor' then now() + interval '30 days' end
    from kastell.roles where role_key = ${roleKey}`;
  return { userId: user!.user_id, email: address, password: testPassword, roleKey, companyId };
}

/** A live session for the user, as sign-in would create it; returns the cookie token. */
export async function seedSession(admin: postgres.Sql, userId: string, idle = '15 minutes'): Promise<string> {
  const { token, hash } = newToken();
  await admin`insert into kastell.sessions (user_id, token_hash, idle_timeout, expires_at, hard_expires_at)
    values (${userId}, ${hash}, ${idle}::interval, now() + interval '30 days', now() + interval '90 days')`;
  return token;
}

/** Gives a user a confirmed authenticator app (TOTP), as enrolment would. */
export async function seedTotp(admin: postgres.Sql, userId: string, secret = testTotpSecret): Promise<string> {
  await admin`insert into kastell.totp_factors (user_id, secret_enc, confirmed_at) values (${userId}, ${testBox.seal(secret, `totp:${userId}`)}, now())`;
  return secret;
}

/** The TOTP code of now (or `offsetSteps` × 30 s away: a second sign-in within one step needs the next code). */
export function totpCode(secret = testTotpSecret, offsetSteps = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });
}

/** Password, then the second factor when asked: the client is signed in afterwards. */
export async function signInWithTotp(client: TestClient, user: { email: string; password: string }, offsetSteps = 0, secret = testTotpSecret) {
  const first = await client.postJson('/api/v1/auth/sign-in', { email: user.email, password: user.password });
  if (first.status !== 200) throw new Error(`password step answered ${first.status}: ${first.text}`);
  if (first.json().signedIn) return first;
  const second = await client.postJson('/api/v1/auth/second-factor', { code: await totpCode(secret, offsetSteps) });
  if (second.status !== 200) throw new Error(`second factor answered ${second.status}: ${second.text}`);
  return second;
}

/** Forgets the last accepted TOTP step, so a test can sign the same user in many times within 30 s. */
export async function forgetTotpStep(admin: postgres.Sql, userId: string): Promise<void> {
  await admin`update kastell.totp_factors set last_step = 0 where user_id = ${userId}`;
}

/** A Keyring's KEK loader handing out the same KEK every time: a keyring reads its KEKs again now and then (a rotation elsewhere). */
export const fixedKek = (key: Buffer) => () => ({ kek: { kekId: 'kek1', key }, previous: [] as { kekId: string; key: Buffer }[] });
