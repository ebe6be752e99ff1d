// The password policy (SPEC §3, NIST SP 800-63B §3.1.1.2): length 12–1024,
// no composition rules, no truncation; refused when in the bundled list of
// common passwords, when breached (HIBP range API), when it contains a
// context word, or when it equals one of the user's last five. Every
// reason comes back in plain words.
import { createRequire } from 'node:module';
import type { Config } from '../config.ts';
import type { Translate } from '../i18n/index.ts';
import { checkBreached } from './hibp.ts';
import { verifyPassword } from './password.ts';

export const minPasswordLength = 12;
export const maxPasswordLength = 1024;

const require = createRequire(import.meta.url);
let common: Set<string> | undefined;
/** 41 622 popular passwords (npm popular-passwords, MIT), compared case-insensitively. */
function commonPasswords(): Set<string> {
  common ??= new Set((require('popular-passwords/data.json') as string[]).map((p) => p.toLowerCase()));
  return common;
}

export interface PolicyContext {
  email?: string | undefined;
  displayName?: string | undefined;
  organisationName?: string | undefined;
  /** argon2id hashes of the user's last passwords (reuse is refused) */
  previousHashes?: string[];
}

export type PolicyReason = 'too_short' | 'too_long' | 'common' | 'breached' | 'breach_check_unavailable' | 'context' | 'reused';

export function contextWords(context: PolicyContext): string[] {
  const words = new Set<string>(['kastell']);
  const add = (text: string | undefined) => {
    if (!text) return;
    for (const part of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) if (part.length >= 4) words.add(part);
  };
  add(context.organisationName);
  add(context.displayName);
  if (context.email) {
    const [local, domain] = context.email.toLowerCase().split('@');
    add(local);
    if (local && local.length >= 4) words.add(local);
    add(domain?.split('.').slice(0, -1).join('.'));
  }
  return [...words];
}

export async function checkPasswordPolicy(config: Config, password: string, context: PolicyContext): Promise<PolicyReason[]> {
  const reasons: PolicyReason[] = [];
  const length = [...password].length; // code points, not UTF-16 units
  if (length < minPasswordLength) reasons.push('too_short');
  if (length > maxPasswordLength) reasons.push('too_long');
  if (reasons.length > 0) return reasons;
  const lower = password.toLowerCase();
  if (commonPasswords().has(lower) || commonPasswords().has(lower.replace(/\d+$/, ''))) reasons.push('common');
  if (contextWords(context).some((word) => lower.includes(word))) reasons.push('context');
  for (const hash of context.previousHashes ?? []) {
    if (await verifyPassword(hash, password)) {
      reasons.push('reused');
      break;
    }
  }
  const hibp = config.identity.hibpUrl;
  if (hibp && !reasons.includes('common')) {
    const answer = await checkBreached(hibp, password, config.identity.hibpTimeoutMs);
    if (answer === 'breached') reasons.push('breached');
    if (answer === 'unreachable' && config.identity.hibpUnreachable === 'refuse') reasons.push('breach_check_unavailable');
  }
  return reasons;
}

export function describePolicyReasons(t: Translate, reasons: PolicyReason[]): string[] {
  return reasons.map((reason) => t(`password.${reason}`, { min: String(minPasswordLength), max: String(maxPasswordLength) }));
}
