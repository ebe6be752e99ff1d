// A fresh database per test file, cloned from the migrated template. Run
// through test/run.ts the cluster is shared; run alone, a file starts its own.
import { after } from 'node:test';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import postgres from 'postgres';
import { connectDatabase, type Database } from '../../app/db/client.ts';
import { startCluster, type Cluster } from './postgres.ts';
import { appLoginRole, prepareTemplate, templateDatabase } from './template.ts';

export interface TestDatabase {
  name: string;
  /** superuser on this database: seeds and inspects, bypassing RLS */
  admin: postgres.Sql;
  adminUrl: string;
  appUrl: string;
  /** the application's connection (login role, under RLS) */
  db: Database;
  /**
   * Stops something using this database before it is dropped. node:test runs
   * `after` hooks first-registered-first, so a server's own hook would run
   * after the drop, whose forced disconnects can crash postgres.js
   * (porsager/postgres#1154: a write scheduled on a socket already closed).
   */
  beforeDrop(stop: () => Promise<void>): void;
}

let ownCluster: Promise<{ cluster: Cluster; appPassword: string }> | undefined;

async function clusterUrls(): Promise<{ adminUrl: (db: string) => string; appPassword: string }> {
  const shared = process.env.KASTELL_TEST_ADMIN_URL;
  if (shared && process.env.KASTELL_TEST_APP_PASSWORD) {
    return { adminUrl: (db) => shared.replace(/\/[^/]*$/, `/${db}`), appPassword: process.env.KASTELL_TEST_APP_PASSWORD };
  }
  ownCluster ??= (async () => {
    const cluster = await startCluster();
    after(() => cluster.stop());
    return { cluster, ...(await prepareTemplate(cluster)) };
  })();
  const { cluster, appPassword } = await ownCluster;
  return { adminUrl: (db) => cluster.adminUrl(db), appPassword };
}

/** The data directory (documents, keys) of the test database `name`: removed with the database. */
export const testDataDir = (name: string) => `/tmp/kastell-test-data-${name}`;

export async function createTestDatabase(): Promise<TestDatabase> {
  const { adminUrl, appPassword } = await clusterUrls();
  const name = `t_${randomBytes(6).toString('hex')}`;
  const server = postgres(adminUrl('postgres'), { max: 1, onnotice: () => {} });
  try {
    await server.unsafe(`create database ${name} template ${templateDatabase}`);
  } finally {
    await server.end();
  }
  const url = new URL(adminUrl(name));
  const appUrl = `postgres://${appLoginRole}:${appPassword}@${url.host}/${name}`;
  const admin = postgres(adminUrl(name), { max: 2, onnotice: () => {}, connection: { search_path: 'kastell' } });
  const db = connectDatabase(appUrl);
  const users: Array<() => Promise<void>> = [];
  after(async () => {
    for (const stop of users.reverse()) await stop();
    await db.close();
    await admin.end();
    const drop = postgres(adminUrl('postgres'), { max: 1, onnotice: () => {} });
    await drop.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
    await drop.end();
    // the data directory servers and stores of this database used (test/harness/server.ts names it)
    rmSync(testDataDir(name), { recursive: true, force: true });
  });
  return { name, admin, adminUrl: adminUrl(name), appUrl, db, beforeDrop: (stop) => { users.push(stop); } };
}
