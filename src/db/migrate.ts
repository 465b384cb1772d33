/**
 * `npm run migrate`: applies the migrations in `migrations/` to DATABASE_URL, or to the embedded
 * database in `$DATA_DIR/pglite` (default ./.data/pglite) when DATABASE_URL is absent.
 */
import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import { resolveDatabase, type ResolvedDatabase } from './database-url.js';
import { DatabaseUnavailableError, initOrm, migrateUp } from './orm.js';

function describe(url: string, embedded: boolean): string {
  if (embedded) return 'the embedded database';
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

async function main(): Promise<number> {
  const dataDir = join(process.env.DATA_DIR || './.data', 'pglite');
  let database: ResolvedDatabase | undefined;
  let orm: MikroORM | undefined;
  let target = process.env.DATABASE_URL ? 'DATABASE_URL' : `the embedded database in ${dataDir}`;
  try {
    database = await resolveDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir });
    target = describe(database.url, database.embedded);
    orm = await initOrm({ clientUrl: database.url, poolMax: 1 });
    const applied = await migrateUp(orm);
    if (applied.length === 0) console.log(`${target}: up to date, no migration to apply.`);
    for (const name of applied) console.log(`${target}: applied ${name}`);
    return 0;
  } catch (error) {
    const message = (error as Error).message.replace(/\s+/g, ' ').trim();
    const where = error instanceof DatabaseUnavailableError ? '' : ` on ${target}`;
    console.error(`migrate failed${where}: ${message}`);
    return 1;
  } finally {
    await orm?.close(true);
    await database?.close();
  }
}

process.exitCode = await main();
