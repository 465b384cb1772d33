import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_PATH } from '../../src/db/mikro-orm.config.js';
import { initOrm, migrateDown, migrateUp } from '../../src/db/orm.js';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

/** Every migration in migrations/, oldest first. */
const MIGRATIONS = readdirSync(MIGRATIONS_PATH)
  .filter((file) => /^Migration\d{14}_\w+\.ts$/.test(file))
  .map((file) => file.replace(/\.ts$/, ''))
  .sort();

describe('migrations', () => {
  let database: TestDatabase;
  let orm: MikroORM;

  beforeAll(async () => {
    database = await createTestDatabase();
    orm = await initOrm({ clientUrl: database.url, poolMax: 2 });
  });
  afterAll(async () => {
    await orm?.close(true);
    await database?.close();
  });

  it('apply on an empty database', async () => {
    const applied = await migrateUp(orm);
    expect(applied).toEqual(MIGRATIONS);
    expect(applied[0]).toMatch(/^Migration\d{14}_initial$/);
    expect(applied).toContainEqual(expect.stringMatching(/^Migration\d{14}_encrypt_merchant_keys$/));
    const tables = await orm.em
      .getConnection()
      .execute<{ table_name: string }[]>(`select table_name from information_schema.tables where table_schema = 'public' order by table_name`);
    expect(tables.map((row) => row.table_name)).toEqual([
      'api_tokens',
      'callback_receipts',
      'client_secrets',
      'merchants',
      'mikro_orm_migrations',
      'order_events',
      'orders',
      'webhook_deliveries',
      'webhook_endpoints',
    ]);
  });

  it('leave nothing for the entities to change', async () => {
    const needed = await orm.getMigrator().checkMigrationNeeded();
    if (needed) {
      // Show what differs when this fails: the SQL a new migration would contain.
      const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
      expect(diff).toBe('');
    }
    expect(needed).toBe(false);
  });

  it('are a no-op the second time', async () => {
    expect(await migrateUp(orm)).toEqual([]);
    expect(await orm.getMigrator().getPendingMigrations()).toEqual([]);
  });

  it('can be reverted and applied again', async () => {
    const tableCount = async () =>
      (await orm.em.getConnection().execute<{ n: string }[]>(`select count(*) as n from information_schema.tables where table_schema = 'public'`))[0]!.n;
    expect(await migrateDown(orm, {}, 0)).toEqual([...MIGRATIONS].reverse());
    expect(Number(await tableCount())).toBe(1); // only mikro_orm_migrations is left
    expect(await migrateUp(orm)).toEqual(MIGRATIONS);
    expect(Number(await tableCount())).toBe(9);
  });
});

describe('migrations run by instances starting together', () => {
  it('apply once: the second waits for the first, then finds nothing left to do', async () => {
    const database = await createTestDatabase();
    const orms = await Promise.all([1, 2, 3].map(() => initOrm({ clientUrl: database.url, poolMax: 2 })));
    try {
      const results = await Promise.all(orms.map((orm) => migrateUp(orm)));
      expect(results.map((applied) => applied.length).sort()).toEqual([0, 0, MIGRATIONS.length]);
    } finally {
      await Promise.all(orms.map((orm) => orm.close(true)));
      await database.close();
    }
  }, 120_000); // every migration from an empty database, on PGlite: tens of seconds on a loaded 2-core machine
});
