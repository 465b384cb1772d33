import { readdirSync } from 'node:fs';
import type { IMigrator } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { runWithMigrationContext, type MigrationContext } from './migration-context.js';
import { MIGRATIONS_PATH, createOrmConfig, type OrmOptions } from './mikro-orm.config.js';

export type { OrmOptions } from './mikro-orm.config.js';

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

function hostAndDatabase(clientUrl: string): string {
  try {
    const url = new URL(clientUrl);
    return `${url.hostname}:${url.port || 5432}${url.pathname}`;
  } catch {
    return 'the configured database';
  }
}

/** What to do about PostgreSQL's "role … does not exist" and "database … does not exist". */
function connectionHint(reason: string): string {
  const role = /role "([^"]+)" does not exist/.exec(reason);
  if (role) return `: create that role first (e.g. \`createuser ${role[1]}\`), or set DATABASE_URL to an existing user`;
  const database = /database "([^"]+)" does not exist/.exec(reason);
  if (database)
    return `: create it first (e.g. \`createdb ${database[1]}\`); the gateway applies its migrations at start (\`npm run migrate\` applies them without starting it)`;
  return '';
}

/**
 * Connects the ORM (PostgreSqlDriver) to `clientUrl` and checks the connection, so a wrong URL
 * fails here with DatabaseUnavailableError instead of on the first request (and a mistyped
 * database name is never created behind your back). Close it with `orm.close()`.
 */
export async function initOrm(options: OrmOptions): Promise<MikroORM> {
  const orm = await MikroORM.init(createOrmConfig(options));
  const check = await orm.checkConnection();
  if (!check.ok) {
    await orm.close(true);
    const reason = check.error?.message ?? check.reason;
    const hint = connectionHint(reason);
    throw new DatabaseUnavailableError(`cannot connect to ${hostAndDatabase(options.clientUrl)}: ${reason}${hint}`, {
      cause: check.error,
    });
  }
  return orm;
}

/**
 * MikroORM's migrator, loaded at its first use: a start with nothing to apply never loads it
 * (nor umzug, nor the migration files).
 */
export async function loadMigrator(orm: MikroORM): Promise<IMigrator> {
  if (!orm.config.getExtension('@mikro-orm/migrator')) {
    const { Migrator } = await import('@mikro-orm/migrations');
    Migrator.register(orm);
  }
  return orm.getMigrator();
}

/**
 * True only when every migration this code ships is recorded as applied: one query, instead of the
 * migrator's table check and loading every migration file. Any doubt (no table yet, an error)
 * answers false, and the migrator decides.
 */
export async function everyShippedMigrationApplied(orm: MikroORM): Promise<boolean> {
  try {
    const applied = await appliedMigrationNames(orm);
    return shippedMigrationNames().every((name) => applied.has(name));
  } catch {
    return false;
  }
}

/**
 * Applies pending migrations from `migrations/`; returns the names it applied (empty: up to date).
 * `keyRing` (from the configuration, see resolveKeyRing) lets a migration encrypt merchant private
 * keys still stored in plain text; without it such a migration fails and changes nothing.
 */
export async function migrateUp(orm: MikroORM, context: MigrationContext = {}): Promise<string[]> {
  if (await everyShippedMigrationApplied(orm)) return [];
  return withMigrationLock(orm, async () => {
    const migrator = await loadMigrator(orm);
    const applied = await runWithMigrationContext(context, () => migrator.up());
    return applied.map((migration) => migration.name);
  });
}

/** Any fixed number: every instance of the gateway (and `npm run migrate`) takes the same advisory lock. */
const MIGRATION_LOCK_KEY = 7_403_118_265;

/** The migrator's own table, as MikroORM creates it, made in one statement that may run twice. */
const CREATE_MIGRATIONS_TABLE =
  'create table if not exists "mikro_orm_migrations" ("id" serial primary key, "name" varchar(255), "executed_at" timestamptz default current_timestamp)';

/**
 * Runs `work` holding a PostgreSQL advisory lock, so instances starting together migrate one after
 * the other (the second finds nothing left to do) instead of racing on the same DDL. The lock is
 * held on a connection of its own, outside the ORM's pool, and ends with it even if this process dies.
 *
 * The embedded database (PGlite) has one session for all its connections, so there the advisory
 * lock excludes nobody; what excludes is that it runs one transaction at a time. The migrator
 * reads what is pending inside its one transaction (allOrNothing), so a second instance waits for
 * the first's commit and finds nothing left; the only step outside that transaction, creating the
 * migrator's table, is done here in one statement that tolerates a table made meanwhile.
 */
async function withMigrationLock<T>(orm: MikroORM, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: orm.config.get('clientUrl') });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    return await work();
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The migrations this code ships (`migrations/Migration….ts`), by the name the migrator records them under. */
export function shippedMigrationNames(): string[] {
  return readdirSync(MIGRATIONS_PATH)
    .filter((file) => /\.(ts|js)$/.test(file) && !file.endsWith('.d.ts'))
    .map((file) => file.replace(/\.(ts|js)$/, ''))
    .sort();
}

/** Names recorded as applied in the database (throws TableNotFoundException when nothing ever was). */
export async function appliedMigrationNames(orm: MikroORM): Promise<Set<string>> {
  const rows = await orm.em.getConnection().execute<Array<{ name: string }>>('select name from mikro_orm_migrations');
  return new Set(rows.map((row) => row.name));
}

/** Reverts migrations (the last one, or down to `to`), with the same context as migrateUp. */
export async function migrateDown(orm: MikroORM, context: MigrationContext = {}, to?: string | 0): Promise<string[]> {
  return withMigrationLock(orm, async () => {
    const migrator = await loadMigrator(orm);
    const reverted = await runWithMigrationContext(context, () => migrator.down(to === undefined ? undefined : { to }));
    return reverted.map((migration) => migration.name);
  });
}
