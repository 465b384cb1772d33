import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tpg-embedded-reset-'));
let server: EmbeddedPostgres;

async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  // The state to come back to: one table that starts empty, one that starts with a row.
  const setup = await startEmbeddedPostgres({ dataDir });
  const client = new pg.Client({ connectionString: setup.url });
  await client.connect();
  await client.query('create table entries (id serial primary key, value text)');
  await client.query("create table settings (name text primary key, value text); insert into settings values ('mode', 'test')");
  await client.end();
  await setup.close();
  server = await startEmbeddedPostgres({ dataDir, resettable: true });
});
afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('an embedded database started resettable', () => {
  it('empties the tables that started empty, restarts their sequences and discards session state', async () => {
    await query("insert into entries (value) values ('a'), ('b')");
    await query('set statement_timeout = 1234');
    expect(await server.reset()).toBe(true);
    expect(await query('select * from entries')).toEqual([]);
    expect(await query("insert into entries (value) values ('c') returning id")).toEqual([{ id: 1 }]);
    expect(await query('show statement_timeout')).toEqual([{ statement_timeout: '0' }]);
    expect(await query('select * from settings')).toEqual([{ name: 'mode', value: 'test' }]);
  });

  it('refuses while a connection is open, and resets once it is closed', async () => {
    const open = new pg.Client({ connectionString: server.url });
    await open.connect();
    expect(await server.reset()).toBe(false);
    await open.end();
    expect(await server.reset()).toBe(true);
  });

  it('refuses when a table that started with rows changed', async () => {
    await query("update settings set value = 'changed'");
    expect(await server.reset()).toBe(false);
    await query("update settings set value = 'test'");
    expect(await server.reset()).toBe(true);
  });

  it('refuses when the schema changed', async () => {
    await query('create table extra (id int)');
    expect(await server.reset()).toBe(false);
    await query('drop table extra');
    await query('alter table entries add column note text');
    expect(await server.reset()).toBe(false);
    await query('alter table entries drop column note');
    // A dropped column leaves its slot behind, but the columns read back as they started.
    expect(await server.reset()).toBe(true);
  });
});
