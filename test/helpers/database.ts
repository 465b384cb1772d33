import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { inject } from 'vitest';
import type { MikroORM } from '@mikro-orm/postgresql';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.js';
import { createScratchDatabase } from '../../src/db/scratch-database.js';
import { initOrm, migrateUp, type OrmOptions } from '../../src/db/orm.js';
import { KeyRing } from '../../src/merchants/key-encryption.js';

export interface TestDatabase {
  url: string;
  /** PGlite: one session for every connection, one transaction at a time (see src/db/embedded.ts). */
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * A database of this test file's own. With `DATABASE_URL` set: a fresh `tpg_t_<random>` database
 * on that server, dropped (connections terminated) by `close()`. Without: an in-memory PGlite.
 * Empty, or with `migrated`, a copy of the one test/global-setup.ts migrated for this run.
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    if (options.migrated) return takeMigratedEmbedded();
    const embedded = await startEmbeddedPostgres();
    return { url: embedded.url, embedded: true, close: () => embedded.close() };
  }
  const template = (options.migrated && inject('migratedDatabase')) || undefined;
  const scratch = await createScratchDatabase(serverUrl, 'tpg_t', template);
  return { url: scratch.url, embedded: false, close: scratch.drop };
}

/**
 * Migrated embedded databases of this worker process that a test file closed and that reset to the
 * migrated state: the next file takes one instead of starting PGlite again (~1 s of CPU each, a
 * hundred times a run). Files run one after another in a worker (isolate: false keeps this module).
 */
const idleEmbedded: EmbeddedPostgres[] = [];

async function takeMigratedEmbedded(): Promise<TestDatabase> {
  const embedded = idleEmbedded.pop() ?? (await startEmbeddedPostgres({ templatePath: inject('migratedEmbeddedTemplate') ?? undefined, resettable: true }));
  let closing: Promise<void> | undefined;
  return {
    url: embedded.url,
    embedded: true,
    close: () =>
      (closing ??= (async () => {
        if (idleEmbedded.length === 0 && (await embedded.reset())) idleEmbedded.push(embedded);
        else await embedded.close();
      })()),
  };
}

export interface TestOrm {
  orm: MikroORM;
  url: string;
  /** A random key ring of this database's own: merchant private keys are encrypted with it. */
  keyRing: KeyRing;
  /** Its key as hex, for KEY_ENCRYPTION_KEY in processes started on this database. */
  keyEncryptionKey: string;
  close(): Promise<void>;
}

/** A migrated test database with an ORM on it; `close()` closes both. */
export async function createTestOrm(options: Omit<OrmOptions, 'clientUrl'> = {}): Promise<TestOrm> {
  const database = await createTestDatabase({ migrated: true });
  const keyEncryptionKey = randomBytes(32).toString('hex');
  const keyRing = new KeyRing(Buffer.from(keyEncryptionKey, 'hex'));
  try {
    const orm = await initOrm({ poolMax: 5, ...options, clientUrl: database.url });
    await migrateUp(orm, { keyRing });
    return {
      orm,
      url: database.url,
      keyRing,
      keyEncryptionKey,
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

/**
 * Everything the database at `url` holds, as text: `pg_dump` (schema and data) on a PostgreSQL
 * server; on embedded PGlite, where pg_dump cannot connect, every column of every table cast to text.
 */
export async function dumpDatabase(url: string): Promise<string> {
  if (process.env.DATABASE_URL) {
    const { stdout } = await promisify(execFile)('pg_dump', ['--dbname', url, '--no-owner'], { maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = 'public'`);
    const parts: string[] = [];
    for (const { table_name } of tables.rows) {
      const rows = await client.query(`select t::text as row from "${table_name}" t`);
      parts.push(`-- ${table_name}`, ...rows.rows.map((row: { row: string }) => row.row));
    }
    return parts.join('\n');
  } finally {
    await client.end();
  }
}
