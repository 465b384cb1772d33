/**
 * `npm run migrate`: applies the migrations in `migrations/` to DATABASE_URL, or to the embedded
 * database in `$DATA_DIR/pglite` (default ./.data/pglite) when DATABASE_URL is absent, with the
 * key-encryption key the gateway uses (KEY_ENCRYPTION_KEY…): migrations encrypt private keys.
 * It reads its configuration through src/config.ts (parseDatabaseSettings): no TarsPay settings needed.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { ConfigError, embeddedDatabaseDir, parseDatabaseSettings } from '../config.js';
import { resolveKeyRing } from '../merchants/key-encryption-config.js';
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
  let database: ResolvedDatabase | undefined;
  let orm: MikroORM | undefined;
  let target: string | undefined;
  try {
    const settings = parseDatabaseSettings();
    const dataDir = embeddedDatabaseDir(settings.database);
    target = settings.database.url ? 'DATABASE_URL' : `the embedded database in ${dataDir}`;
    const { keyRing, notice } = resolveKeyRing(settings);
    if (notice) console.log(notice);
    database = await resolveDatabase({ databaseUrl: settings.database.url, dataDir });
    target = describe(database.url, database.embedded);
    orm = await initOrm({ clientUrl: database.url, poolMax: 1 });
    const applied = await migrateUp(orm, { keyRing });
    if (applied.length === 0) console.log(`${target}: up to date, no migration to apply.`);
    for (const name of applied) console.log(`${target}: applied ${name}`);
    return 0;
  } catch (error) {
    const message = (error as Error).message.replace(/\s+/g, ' ').trim();
    // A configuration problem (a variable, named) or an unreachable database says where itself.
    const where = error instanceof DatabaseUnavailableError || error instanceof ConfigError || !target ? '' : ` on ${target}`;
    console.error(`migrate failed${where}: ${message}`);
    return 1;
  } finally {
    await orm?.close(true);
    await database?.close();
  }
}

process.exitCode = await main();
