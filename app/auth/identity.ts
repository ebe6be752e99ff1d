// What the identity features share: database, configuration, mailer, the
// secret box for TOTP secrets, and the admin-network rule.
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { createProxyList, inNetwork } from '../http/client-ip.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { createBotChallenges, type BotChallenges } from './bot-challenge.ts';

export interface Identity {
  db: Database;
  config: Config;
  mailer: Mailer;
  box: SecretBox;
  log: Logger;
  /** false when the client IP is outside KASTELL_ADMIN_NETWORKS and the role is admin-side */
  networkAllows(roleKey: string | null, ip: string): boolean;
  /** the proof-of-work bot challenge (app/auth/bot-challenge.ts) */
  challenges: BotChallenges;
}

/** Roles that maintain the installation: they sign in only from the admin (WireGuard) networks. */
export const adminSideRoles = new Set(['owner', 'admin', 'security_officer']);

export function createIdentity(deps: Omit<Identity, 'networkAllows' | 'challenges'>): Identity {
  const networks = deps.config.adminNetworks ? createProxyList(deps.config.adminNetworks) : null;
  return {
    ...deps,
    challenges: createBotChallenges(deps),
    networkAllows(roleKey, ip) {
      if (!networks || !roleKey || !adminSideRoles.has(roleKey)) return true;
      return inNetwork(networks, ip);
    },
  };
}

/** MFA: mandatory for every operator (and guest) role; for customer roles unless configured optional. */
export function mfaRequired(config: Config, side: string): boolean {
  return side !== 'customer' || config.identity.mfaCustomers === 'required';
}
