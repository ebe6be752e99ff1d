// The `kastell` command for operators.
import { Command } from 'commander';
import { ConfigError, parseConfig, type Config } from '../config.ts';
import { connectDatabase } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { createLogger } from '../log.ts';
import { main as serve } from '../main.ts';
import { resolveDatabase } from '../server.ts';
import { createSetupLink, ownerExists } from '../setup/setup-link.ts';

function loadConfig(): Config {
  try {
    return parseConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

export const program = new Command('kastell')
  .description('Operate a Kastell installation. Configuration comes from KASTELL_* environment variables (see README).')
  .showHelpAfterError();

program
  .command('migrate')
  .description('Create or update Kastell\'s database roles and apply pending migrations (needs KASTELL_ADMIN_DATABASE_URL and KASTELL_DATABASE_URL, or neither for the embedded default)')
  .action(async () => {
    const config = loadConfig();
    const log = createLogger({ level: 'warn' });
    if (config.databaseUrl) {
      if (!config.adminDatabaseUrl) {
        console.error('kastell migrate needs KASTELL_ADMIN_DATABASE_URL (a role that may create roles and schemas) beside KASTELL_DATABASE_URL.');
        process.exit(2);
      }
      const result = await migrate({ adminUrl: config.adminDatabaseUrl, appUrl: config.databaseUrl, onApplied: (name) => console.log(`applied ${name}`) });
      console.log(`${result.applied.length} applied, ${result.alreadyApplied} already applied`);
    } else {
      const { embedded } = await resolveDatabase(config, log);
      console.log('embedded database migrated');
      await embedded?.stop();
    }
  });

const owner = program.command('owner').description('The installation\'s owner account');
owner
  .command('create')
  .description('Print a one-time set-up link for the owner account (only while no owner exists)')
  .action(async () => {
    const config = loadConfig();
    const log = createLogger({ level: 'warn' });
    const { appUrl, embedded } = await resolveDatabase(config, log);
    const db = connectDatabase(appUrl, { max: 1 });
    let refused = false;
    try {
      if (await ownerExists(db)) {
        refused = true;
        console.error('An owner exists already. The owner invites further people from the portal.');
      } else {
        const link = await createSetupLink(db, config);
        console.log(`Open this one-time link within ${link.expiresInMinutes} minutes to create the owner account:\n\n  ${link.url}\n`);
      }
    } finally {
      await db.close();
      await embedded?.stop();
    }
    if (refused) process.exit(1);
  });

program
  .command('serve')
  .description('Run the portal (the same as npm start)')
  .action(() => serve());

if (import.meta.url === `file://${process.argv[1]}`) await program.parseAsync();
