// One migrated template database per cluster; every test file clones it
// (CREATE DATABASE … TEMPLATE), which takes milliseconds.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { migrate } from '../../app/db/migrate.ts';
import type { Cluster } from './postgres.ts';

export const templateDatabase = 'kastell_template';
export const appLoginRole = 'kastell_test_app';

export async function prepareTemplate(cluster: Cluster): Promise<{ appPassword: string }> {
  const appPassword = randomBytes(18).toString('base64url');
  const admin = postgres(cluster.adminUrl(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${templateDatabase}`);
  } finally {
    await admin.end();
  }
  await migrate({
    adminUrl: cluster.adminUrl(templateDatabase),
    appUrl: `postgres://${appLoginRole}:${appPassword}@127.0.0.1:${cluster.port}/${templateDatabase}`,
  });
  return { appPassword };
}
