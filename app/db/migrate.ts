// `kastell migrate`: creates or updates Kastell's roles, then applies the
// forward-only migrations in sql/ under an advisory lock, recording each.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';

export const sqlDir = new URL('../../sql/', import.meta.url).pathname;

const MIGRATION_LOCK = 0x6b617374656c6c; // "kastell"
/** NOLOGIN roles: the owner of every object, the app's grants, the auth functions' owner. */
export const ownerRole = 'kastell_owner';
export const appGroupRole = 'kastell_app';
export const authRole = 'kastell_auth';
/** NOLOGIN owner of the audit append functions: may insert audit rows, nothing else. */
export const auditRole = 'kastell_audit';

export interface Migration {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

/**
 * The migrations in `dir`, in order. File names are `NNNN_name.sql` numbered
 * 0001, 0002, … with no gap and no number twice; anything else is refused
 * before a single file runs. `schema.sql` (generated, see README) is not a
 * migration; files not ending in .sql are ignored.
 */
export function readMigrations(dir = sqlDir): Migration[] {
  const files = readdirSync(dir).filter((file) => file.endsWith('.sql') && file !== 'schema.sql').sort();
  const migrations = files.map((file) => {
    if (!/^\d{4}_[a-z0-9_]+\.sql$/.test(file)) {
      throw new Error(`Migration file ${file} in ${dir} is not named NNNN_name.sql (four digits, _, lower-case letters, digits and _).`);
    }
    const text = readFileSync(join(dir, file), 'utf8');
    return {
      version: file.slice(0, 4),
      name: file.replace(/\.sql$/, ''),
      sql: text,
      checksum: createHash('sha256').update(text).digest('hex'),
    };
  });
  migrations.forEach((migration, index) => {
    const expected = String(index + 1).padStart(4, '0');
    if (migration.version === expected) return;
    const previous = migrations[index - 1];
    if (previous && previous.version === migration.version) {
      throw new Error(`Migrations ${previous.name} and ${migration.name} share the number ${migration.version}: each number is used once.`);
    }
    throw new Error(`Migration ${migration.name} is numbered ${migration.version}, expected ${expected}: migrations are numbered 0001, 0002, … without gaps.`);
  });
  return migrations;
}

/** The login role (and its password) the application connects as. */
export function appLoginFromUrl(appUrl: string): { role: string; password: string } {
  const url = new URL(appUrl);
  const role = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) {
    throw new Error(`KASTELL_DATABASE_URL names the login role "${role}": use lower-case letters, digits and _ only.`);
  }
  if ([ownerRole, appGroupRole, authRole, auditRole, 'postgres'].includes(role)) {
    throw new Error(`KASTELL_DATABASE_URL must name its own login role, not "${role}".`);
  }
  if (password.length < 16) {
    throw new Error('KASTELL_DATABASE_URL must carry a password of at least 16 characters for the login role.');
  }
  return { role, password };
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

export async function migrate(options: {
  adminUrl: string;
  appUrl: string;
  onApplied?: (name: string) => void;
  /** the migrations directory (tests use their own); sql/ by default */
  dir?: string;
}): Promise<MigrateResult> {
  const login = appLoginFromUrl(options.appUrl);
  const migrations = readMigrations(options.dir);
  const admin = postgres(options.adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`select pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      await ensureRoles(admin, login);
      const appliedRows = await admin`select version, name, checksum from kastell_meta.schema_migrations order by version`;
      const applied = new Map(appliedRows.map((row) => [row.version as string, row.checksum as string]));
      for (const migration of migrations) {
        const checksum = applied.get(migration.version);
        if (checksum !== undefined && checksum !== migration.checksum) {
          throw new Error(`Migration ${migration.name} changed after it ran. Migrations are forward-only: add a new file instead.`);
        }
      }
      // Forward-only: a pending migration numbered below the newest one this
      // database ran would run out of order; refuse before anything runs.
      const highest = appliedRows.at(-1);
      const early = migrations.find((m) => !applied.has(m.version) && highest && m.version < (highest.version as string));
      if (early && highest) {
        throw new Error(`Migration ${early.name} is numbered below ${highest.name as string}, the highest migration this database has run; ` +
          'migrations never run out of order, so this database cannot take this version of Kastell.');
      }
      const result: MigrateResult = { applied: [], alreadyApplied: 0 };
      for (const migration of migrations) {
        if (applied.has(migration.version)) {
          result.alreadyApplied += 1;
          continue;
        }
        await admin.begin(async (tx) => {
          await tx.unsafe(`set local role ${ownerRole}`);
          await tx.unsafe(migration.sql);
          await tx`insert into kastell_meta.schema_migrations (version, name, checksum)
                   values (${migration.version}, ${migration.name}, ${migration.checksum})`;
        });
        result.applied.push(migration.name);
        options.onApplied?.(migration.name);
      }
      return result;
    } finally {
      await admin`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
}

async function ensureRoles(admin: postgres.Sql, login: { role: string; password: string }): Promise<void> {
  const database = (await admin`select current_database() as name`)[0]!.name as string;
  for (const role of [ownerRole, appGroupRole, authRole, auditRole]) {
    await ensureRole(admin, role, 'nologin');
  }
  await ensureRole(admin, login.role, 'login');
  // format() quotes the identifier and the literal; DDL takes no parameters.
  await execFormatted(admin, 'alter role %I with password %L', login.role, login.password);
  await execFormatted(admin, 'grant %I to %I', appGroupRole, login.role);
  await execFormatted(admin, 'grant %I to %I', authRole, ownerRole);
  await execFormatted(admin, 'grant %I to %I', auditRole, ownerRole);
  await execFormatted(admin, 'grant create, connect on database %I to %I', database, ownerRole);
  await execFormatted(admin, 'grant connect on database %I to %I', database, login.role);
  await execFormatted(admin, 'create schema if not exists kastell_meta authorization %I', ownerRole);
  await admin.begin(async (tx) => {
    await tx.unsafe(`set local role ${ownerRole}`);
    await tx.unsafe(`
      create table if not exists kastell_meta.schema_migrations (
        version text primary key,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now()
      );
      revoke all on schema kastell_meta from public;
      grant usage on schema kastell_meta to ${appGroupRole};
      revoke all on kastell_meta.schema_migrations from public;
      grant select on kastell_meta.schema_migrations to ${appGroupRole};`);
  });
}

async function ensureRole(admin: postgres.Sql, role: string, login: 'login' | 'nologin'): Promise<void> {
  const exists = await admin`select 1 from pg_roles where rolname = ${role}`;
  if (exists.length === 0) await execFormatted(admin, 'create role %I', role);
  // Whatever existed before, these flags hold afterwards.
  await execFormatted(admin, `alter role %I with ${login} nosuperuser nobypassrls nocreatedb nocreaterole noreplication inherit`, role);
}

async function execFormatted(admin: postgres.Sql, template: string, ...args: string[]): Promise<void> {
  const placeholders = args.map((_, i) => `$${i + 2}::text`).join(', ');
  const [row] = await admin.unsafe(`select format($1::text, ${placeholders}) as statement`, [template, ...args]);
  await admin.unsafe(row!.statement as string);
}

/** Names of migrations on disk that the database has not run; `serve` refuses to start if any. */
export async function pendingMigrations(sql: postgres.Sql, dir = sqlDir): Promise<string[]> {
  let done: Set<string>;
  try {
    done = new Set((await sql`select version from kastell_meta.schema_migrations`).map((row) => row.version as string));
  } catch (error) {
    if (error instanceof postgres.PostgresError && (error.code === '42P01' || error.code === '3F000')) done = new Set();
    else throw error;
  }
  return readMigrations(dir).filter((m) => !done.has(m.version)).map((m) => m.name);
}
