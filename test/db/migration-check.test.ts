import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MikroORM } from '@mikro-orm/postgresql';
import { everyShippedMigrationApplied, initOrm, migrateDown, migrateUp, shippedMigrationNames } from '../../src/db/orm.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

/** A start skips the migrator only when every shipped migration is recorded as applied. */
describe('the migration check at start', () => {
  let database: TestDatabase;
  const orms: MikroORM[] = [];
  const statements: string[] = [];
  const connect = async () => {
    const orm = await initOrm({ clientUrl: database.url, poolMax: 2, onQuery: (sql) => statements.push(sql) });
    orms.push(orm);
    return orm;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    for (const orm of orms) await orm.close(true);
    await database?.close();
  });

  it('runs the migrator on a database that never saw one', async () => {
    const orm = await connect();
    expect(await everyShippedMigrationApplied(orm)).toBe(false);
    expect(await migrateUp(orm)).toEqual(shippedMigrationNames());
  });

  it('costs one query, and never loads the migrator, when nothing is pending', async () => {
    const orm = await connect(); // a fresh start on the migrated database
    statements.length = 0;
    expect(await migrateUp(orm)).toEqual([]);
    expect(statements).toEqual(['select name from mikro_orm_migrations']);
    expect(orm.config.getExtension('@mikro-orm/migrator')).toBeUndefined();
  });

  it('applies a migration that is missing, even when all the others are there', async () => {
    const orm = await connect();
    const newest = shippedMigrationNames().at(-1)!;
    expect(await migrateDown(orm)).toEqual([newest]);
    expect(await everyShippedMigrationApplied(await connect())).toBe(false);
    expect(await migrateUp(await connect())).toEqual([newest]);
    expect(await everyShippedMigrationApplied(orm)).toBe(true);
  });
});
