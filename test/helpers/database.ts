import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { initOrm, migrateUp, type OrmOptions } from '../../src/db/orm.js';

export interface TestDatabase {
  url: string;
  close(): Promise<void>;
}

/**
 * A database of this test file's own. With `DATABASE_URL` set: a fresh `tpg_t_<random>` database
 * on that server, dropped (connections terminated) by `close()`. Without: an in-memory PGlite.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres();
    return { url: embedded.url, close: () => embedded.close() };
  }
  const name = `tpg_t_${randomBytes(6).toString('hex')}`;
  await withAdminClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let closing: Promise<void> | undefined;
  return {
    url: url.toString(),
    close() {
      closing ??= withAdminClient(serverUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      });
      return closing;
    },
  };
}

async function withAdminClient<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestOrm {
  orm: MikroORM;
  url: string;
  close(): Promise<void>;
}

/** A migrated test database with an ORM on it; `close()` closes both. */
export async function createTestOrm(options: Omit<OrmOptions, 'clientUrl'> = {}): Promise<TestOrm> {
  const database = await createTestDatabase();
  try {
    const orm = await initOrm({ poolMax: 5, ...options, clientUrl: database.url });
    await migrateUp(orm);
    return {
      orm,
      url: database.url,
      async close() {
        await orm.close(true);
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
