// UI strings in the portal's four languages, one catalogue per area (see
// README "Languages"). Each area file types its German, French and Italian
// to have exactly the keys of its English, so no page falls back to English;
// this file only puts the areas together.
import { accountDe, accountEn, accountFr, accountIt } from './account.ts';
import { assetsDe, assetsEn, assetsFr, assetsIt } from './assets.ts';
import { auditDe, auditEn, auditFr, auditIt } from './audit.ts';
import { botChallengeDe, botChallengeEn, botChallengeFr, botChallengeIt } from './bot-challenge.ts';
import { commonDe, commonEn, commonFr, commonIt } from './common.ts';
import { conversationDe, conversationEn, conversationFr, conversationIt } from './conversation.ts';
import { companiesDe, companiesEn, companiesFr, companiesIt } from './companies.ts';
import { documentsDe, documentsEn, documentsFr, documentsIt } from './documents.ts';
import { identityDe, identityEn, identityFr, identityIt } from './identity.ts';
import { invitesDe, invitesEn, invitesFr, invitesIt } from './invites.ts';
import { keysDe, keysEn, keysFr, keysIt } from './keys.ts';
import { privacyDe, privacyEn, privacyFr, privacyIt } from './privacy.ts';
import { passwordResetDe, passwordResetEn, passwordResetFr, passwordResetIt } from './password-reset.ts';
import { profileDe, profileEn, profileFr, profileIt } from './profile.ts';
import { reportsDe, reportsEn, reportsFr, reportsIt } from './reports.ts';
import { rolesDe, rolesEn, rolesFr, rolesIt } from './roles.ts';
import { serviceDe, serviceEn, serviceFr, serviceIt } from './service.ts';
import { setupDe, setupEn, setupFr, setupIt } from './setup.ts';
import { sitesDe, sitesEn, sitesFr, sitesIt } from './sites.ts';
import { trustDe, trustEn, trustFr, trustIt } from './trust.ts';
import { usersDe, usersEn, usersFr, usersIt } from './users.ts';

/** Every area's catalogue by language (the i18n test checks that no key is in two areas). */
export const areas = {
  common: { en: commonEn, de: commonDe, fr: commonFr, it: commonIt },
  identity: { en: identityEn, de: identityDe, fr: identityFr, it: identityIt },
  setup: { en: setupEn, de: setupDe, fr: setupFr, it: setupIt },
  botChallenge: { en: botChallengeEn, de: botChallengeDe, fr: botChallengeFr, it: botChallengeIt },
  passwordReset: { en: passwordResetEn, de: passwordResetDe, fr: passwordResetFr, it: passwordResetIt },
  profile: { en: profileEn, de: profileDe, fr: profileFr, it: profileIt },
  account: { en: accountEn, de: accountDe, fr: accountFr, it: accountIt },
  users: { en: usersEn, de: usersDe, fr: usersFr, it: usersIt },
  roles: { en: rolesEn, de: rolesDe, fr: rolesFr, it: rolesIt },
  companies: { en: companiesEn, de: companiesDe, fr: companiesFr, it: companiesIt },
  sites: { en: sitesEn, de: sitesDe, fr: sitesFr, it: sitesIt },
  assets: { en: assetsEn, de: assetsDe, fr: assetsFr, it: assetsIt },
  invites: { en: invitesEn, de: invitesDe, fr: invitesFr, it: invitesIt },
  audit: { en: auditEn, de: auditDe, fr: auditFr, it: auditIt },
  service: { en: serviceEn, de: serviceDe, fr: serviceFr, it: serviceIt },
  documents: { en: documentsEn, de: documentsDe, fr: documentsFr, it: documentsIt },
  reports: { en: reportsEn, de: reportsDe, fr: reportsFr, it: reportsIt },
  conversation: { en: conversationEn, de: conversationDe, fr: conversationFr, it: conversationIt },
  trust: { en: trustEn, de: trustDe, fr: trustFr, it: trustIt },
  privacy: { en: privacyEn, de: privacyDe, fr: privacyFr, it: privacyIt },
  keys: { en: keysEn, de: keysDe, fr: keysFr, it: keysIt },
} as const;

export const en = {
  ...commonEn, ...identityEn, ...setupEn, ...passwordResetEn, ...botChallengeEn, ...profileEn, ...accountEn, ...usersEn, ...rolesEn,
  ...companiesEn, ...sitesEn, ...assetsEn, ...invitesEn, ...auditEn, ...serviceEn, ...documentsEn, ...reportsEn, ...conversationEn, ...trustEn, ...privacyEn, ...keysEn,
} as const;

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;

export const de: Messages = {
  ...commonDe, ...identityDe, ...setupDe, ...passwordResetDe, ...botChallengeDe, ...profileDe, ...accountDe, ...usersDe, ...rolesDe,
  ...companiesDe, ...sitesDe, ...assetsDe, ...invitesDe, ...auditDe, ...serviceDe, ...documentsDe, ...reportsDe, ...conversationDe, ...trustDe, ...privacyDe, ...keysDe,
};

export const fr: Messages = {
  ...commonFr, ...identityFr, ...setupFr, ...passwordResetFr, ...botChallengeFr, ...profileFr, ...accountFr, ...usersFr, ...rolesFr,
  ...companiesFr, ...sitesFr, ...assetsFr, ...invitesFr, ...auditFr, ...serviceFr, ...documentsFr, ...reportsFr, ...conversationFr, ...trustFr, ...privacyFr, ...keysFr,
};

export const it: Messages = {
  ...commonIt, ...identityIt, ...setupIt, ...passwordResetIt, ...botChallengeIt, ...profileIt, ...accountIt, ...usersIt, ...rolesIt,
  ...companiesIt, ...sitesIt, ...assetsIt, ...invitesIt, ...auditIt, ...serviceIt, ...documentsIt, ...reportsIt, ...conversationIt, ...trustIt, ...privacyIt, ...keysIt,
};
