// Every feature's kit, in order: the audit scenarios run in this order (the
// setup kit creates the owner, the auth kit signs them in, the later kits act
// as them; documents follow jobs, which are document parents). A new feature
// adds its kit here. app/home and app/audit have no
// kit: no table in the kastell schema, no request body, no writing route.
import { account } from './account.ts';
import { assets } from './assets.ts';
import { auth } from './auth.ts';
import { companies } from './companies.ts';
import { core } from './core.ts';
import { documents } from './documents.ts';
import { invites } from './invites.ts';
import { jobs } from './jobs.ts';
import { keys } from './keys.ts';
import type { FeatureKit } from './kit.ts';
import { messages } from './messages.ts';
import { notifications } from './notifications.ts';
import { passwordReset } from './password-reset.ts';
import { profile } from './profile.ts';
import { reports } from './reports.ts';
import { requests } from './requests.ts';
import { retention } from './retention.ts';
import { roles } from './roles.ts';
import { setup } from './setup.ts';
import { sites } from './sites.ts';
import { trust } from './trust.ts';
import { users } from './users.ts';

export const kits: readonly FeatureKit[] = [setup, auth, passwordReset, companies, sites, assets, invites, account, profile, users, roles, requests, jobs, documents, messages, notifications, reports, trust, retention, keys, core];

/** One kind of entry from every kit, merged by key in the kits' order; `twice` lists the keys more than one kit gives (each must come from one). */
export function collect<T>(pick: (kit: FeatureKit) => Record<string, T> | undefined): { all: Record<string, T>; twice: Array<[key: string, features: string[]]> } {
  const all: Record<string, T> = {};
  const by: Record<string, string[]> = {};
  for (const kit of kits) {
    for (const [key, entry] of Object.entries(pick(kit) ?? {})) {
      all[key] = entry;
      (by[key] ??= []).push(kit.feature);
    }
  }
  return { all, twice: Object.entries(by).filter(([, features]) => features.length > 1) };
}
