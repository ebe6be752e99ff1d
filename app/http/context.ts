// What middleware puts on each request's context.
import type { Logger } from 'pino';
import type { Context } from 'hono';
import type { AuditActor, AuditEvent } from '../db/audit-event.ts';
import type { Tx } from '../db/client.ts';
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

/** The audit trail as a request sees it (implemented by app/audit/record.ts). */
export interface Auditor {
  /** For a request: the signed-in user (or anonymous), IP, user agent, request id. */
  record(tx: Tx, c: Context<AppEnv>, event: AuditEvent): Promise<string>;
  /** For a request before a session exists, acting as a user already known (set-up, invitation, sign-in). */
  recordForUser(tx: Tx, c: Context<AppEnv>, userId: string, event: AuditEvent): Promise<string>;
  /** For jobs and the CLI. */
  recordAs(tx: Tx, actor: AuditActor, event: AuditEvent): Promise<string>;
  hmac(value: string): Buffer;
}
