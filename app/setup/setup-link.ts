// First run: while no owner exists, a one-time set-up link (256-bit token,
// expiring) lets the owner create the account. No default password anywhere.
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { newToken } from '../crypto/tokens.ts';

export async function ownerExists(db: Database): Promise<boolean> {
  const [row] = await db.withPrincipal(null, (tx) => tx`select app.owner_exists() as exists`);
  return row!.exists as boolean;
}

export async function createSetupLink(db: Database, config: Config): Promise<{ url: string; expiresInMinutes: number }> {
  const { token, hash } = newToken();
  await db.withPrincipal(null, (tx) =>
    tx`select app.create_setup_token(${hash}, ${`${config.setupTokenTtlMinutes} minutes`}::interval)`,
  );
  return { url: `${config.publicUrl}/setup/${token}`, expiresInMinutes: config.setupTokenTtlMinutes };
}
