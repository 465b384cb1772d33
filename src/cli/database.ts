import type { EntityManager } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { ResolvedDatabase } from '../db/database-url.js';
import type { KeyRing } from '../merchants/key-encryption.js';
import { CommandError, outputTo, type CliIo, type Command, type Values } from './command.js';

/**
 * Runs `command`, connecting (and migrating) on its first call to `database()`; disconnects after.
 * The database and the key-encryption key are the gateway's (DATABASE_URL, else the embedded
 * database in DATA_DIR; KEY_ENCRYPTION_KEY…), read by src/config.ts from `io.env`; `--data-dir`
 * names another embedded database directory.
 */
export async function runWithDatabase(command: Command, values: Values, io: CliIo): Promise<void> {
  const output = outputTo(io);
  const { readConfiguration, note } = output;
  let database: ResolvedDatabase | undefined;
  let orm: MikroORM | undefined;
  let keyRing: KeyRing | undefined;
  const connect = async (): Promise<EntityManager> => {
    if (!orm) {
      const { settings, embeddedDir } = await readConfiguration((config, env) => {
        const parsed = config.parseDatabaseSettings(env);
        return { settings: parsed, embeddedDir: config.embeddedDatabaseDir(parsed.database) };
      });
      const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : embeddedDir;
      const { resolveKeyRing } = await import('../merchants/key-encryption-config.js');
      const resolved = await readConfiguration(() => resolveKeyRing(settings));
      if (resolved.notice) note(resolved.notice);
      keyRing = resolved.keyRing;
      const { resolveDatabase } = await import('../db/database-url.js');
      const { DatabaseUnavailableError, initOrm, migrateUp } = await import('../db/orm.js');
      database = await resolveDatabase({ databaseUrl: settings.database.url, dataDir });
      try {
        orm = await initOrm({ clientUrl: database.url, poolMax: 2 });
        await migrateUp(orm, { keyRing });
      } catch (error) {
        if (error instanceof DatabaseUnavailableError) throw new CommandError(error.message);
        throw new CommandError(`cannot migrate the database at ${redact(database.url)}: ${(error as Error).message}`);
      }
    }
    return orm.em.fork();
  };
  const ring = (): KeyRing => {
    if (!keyRing) throw new Error('keyRing() called before database()');
    return keyRing;
  };
  try {
    await command.run(values, { ...output, database: connect, keyRing: ring });
  } finally {
    await orm?.close(true);
    await database?.close();
  }
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
