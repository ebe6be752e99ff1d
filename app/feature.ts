// What every feature's routes are built from: `xRoutes(deps)` takes this one
// object, declares its /api/v1 routes on `deps.api` and returns its pages.
// Built once by the composition root (app/app.tsx).
import type { Logger } from 'pino';
import type { AuditService } from './audit/service.ts';
import type { Config } from './config.ts';
import type { Keyring } from './crypto/keyring.ts';
import type { SecretBox } from './crypto/secret-box.ts';
import type { Database } from './db/client.ts';
import type { ApiRegistry } from './http/api.ts';
import type { Mailer } from './mail/mailer.ts';
import type { DocumentStore } from './storage/store.ts';

export interface FeatureDeps {
  config: Config;
  db: Database;
  store: DocumentStore;
  log: Logger;
  mailer: Mailer;
  audit: AuditService;
  /** the installation key's box (TOTP secrets, idempotency answers) */
  box: SecretBox;
  /** the key hierarchy (app/crypto/keyring.ts): company data keys, shredding */
  keyring: Keyring;
  api: ApiRegistry;
}
