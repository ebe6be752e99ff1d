// Throwaway databases for the benchmarks: clones of the migrated template
// on one cluster (the same machinery the tests use, without node:test).
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { Cluster } from '../harness/postgres.ts';
import { appLoginRole, templateDatabase } from '../harness/template.ts';

export interface BenchDatabase {
  name: string;
  appUrl: string;
  admin: postgres.Sql;
  drop: () => Promise<void>;
}

export async function cloneTemplate(cluster: Cluster, appPassword: string): Promise<BenchDatabase> {
  const name = `bench_${randomBytes(5).toString('hex')}`;
  const server = postgres(cluster.adminUrl('postgres'), { max: 1, onnotice: () => {} });
  await server.unsafe(`create database ${name} template ${templateDatabase}`);
  await server.end();
  const admin = postgres(cluster.adminUrl(name), { max: 2, onnotice: () => {}, connection: { search_path: 'kastell' } });
  return {
    name,
    appUrl: `postgres://${appLoginRole}:${appPassword}@127.0.0.1:${cluster.port}/${name}`,
    admin,
    drop: async () => {
      await admin.end();
      const s = postgres(cluster.adminUrl('postgres'), { max: 1, onnotice: () => {} });
      await s.unsafe(`drop database if exists ${name} with (force)`);
      await s.end();
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
