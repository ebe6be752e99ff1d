// What middleware puts on each request's context.
import type { Logger } from 'pino';
import type { Auditor } from '../audit/record.ts';
import type { Locale, Translate } from '../i18n/index.ts';

export interface SessionUser {
  sessionId: string;
  userId: string;
  email: string;
  displayName: string;
  roleKey: string | null;
  roleName: string;
  side: 'operator' | 'customer' | 'guest';
  companyId: string | null;
  /** permission key → scope */
  permissions: Map<string, 'own' | 'company' | 'global'>;
  /** last sign-in or re-authentication (sudo mode is measured from it) */
  reauthAt: Date | null;
  authMethod: string | null;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    nonce: string;
    clientIp: string;
    locale: Locale;
    t: Translate;
    csrfToken: string;
    user: SessionUser | null;
    sessionTokenHash: Buffer | null;
    auditor: Auditor;
  };
}
