import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveDatabase } from '../../src/db/database-url.js';
import { SHARED_BUFFERS, readServerInfo, serverInfoPath, startEmbeddedPostgres } from '../../src/db/embedded.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tpg-embedded-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  it('announces itself in server.json while running, and resolveDatabase uses it', async () => {
    const server = await startEmbeddedPostgres({ dataDir, maxConnections: 4 });
    try {
      expect(server.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      expect(readServerInfo(dataDir)).toMatchObject({ url: server.url, pid: process.pid });

      const resolved = await resolveDatabase({ dataDir });
      expect(resolved).toMatchObject({ url: server.url, embedded: false });
      await resolved.close(); // not ours to stop: a no-op

      await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(/already open in process/);

      await query(server.url, 'create table kept (value text)');
      await query(server.url, "insert into kept values ('still here')");
    } finally {
      await server.close();
    }
    expect(existsSync(serverInfoPath(dataDir))).toBe(false);
  });

  it('keeps its data across close and reopen; a crashed process’s server.json and lock are ignored', async () => {
    const deadPid = 2 ** 22 + 1; // above Linux's pid_max
    writeFileSync(serverInfoPath(dataDir), JSON.stringify({ url: 'postgres://postgres@127.0.0.1:1/postgres', pid: deadPid }));
    writeFileSync(join(dataDir, 'server.lock'), String(deadPid));
    const resolved = await resolveDatabase({ dataDir });
    try {
      expect(resolved.embedded).toBe(true);
      expect(readServerInfo(dataDir)?.url).toBe(resolved.url);
      expect(await query<{ value: string }>(resolved.url, 'select value from kept')).toEqual([{ value: 'still here' }]);
      // Reopened, not created: the small buffer cache applies too (initdb wrote 128MB in postgresql.conf).
      expect(await query(resolved.url, 'show shared_buffers')).toEqual([{ shared_buffers: SHARED_BUFFERS }]);
    } finally {
      await resolved.close();
    }
    expect(existsSync(serverInfoPath(dataDir))).toBe(false);
    expect(existsSync(join(dataDir, 'server.lock'))).toBe(false);
  });

  it('keeps a small buffer cache: 128 MB of it would be resident memory from the start', async () => {
    const server = await startEmbeddedPostgres();
    try {
      expect(SHARED_BUFFERS).toBe('16MB');
      expect(await query(server.url, 'show shared_buffers')).toEqual([{ shared_buffers: '16MB' }]);
    } finally {
      await server.close();
    }
  });

  it('prefers DATABASE_URL when given', async () => {
    const resolved = await resolveDatabase({ databaseUrl: 'postgres://example.invalid/db', dataDir });
    expect(resolved).toMatchObject({ url: 'postgres://example.invalid/db', embedded: false });
    expect(existsSync(serverInfoPath(dataDir))).toBe(false);
  });
});
