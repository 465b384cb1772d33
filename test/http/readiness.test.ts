import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shippedMigrationNames } from '../../src/db/orm.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function readyz(url: string): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('/readyz with the database and Redis up and migrated', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ env: { REDIS_URL } });
  });
  afterAll(() => t?.close());

  it('is ready, and says so check by check', async () => {
    expect(shippedMigrationNames().length).toBeGreaterThan(0);
    expect(await readyz(t.gateway.url)).toEqual({
      status: 200,
      body: { status: 'ready', failed: [], database: 'ok', migrations: 'ok', redis: 'ok' },
    });
  });

  it('is not ready, naming the migrations, once the database is recreated empty under it', async () => {
    const client = new pg.Client({ connectionString: t.database.url });
    await client.connect();
    try {
      await client.query('drop schema public cascade; create schema public');
    } finally {
      await client.end();
    }
    const answer = await waitFor(async () => {
      const current = await readyz(t.gateway.url);
      return current.status === 503 ? current : undefined;
    });
    expect(answer.body).toMatchObject({ status: 'not ready', failed: ['migrations'], database: 'ok', redis: 'ok' });
    expect(answer.body.migrations).toMatch(/npm run migrate/);
  });
});

describe('/readyz with REDIS_URL pointing at nothing', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ env: { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` } });
  });
  afterAll(() => t?.close());

  it('is not ready, naming redis', async () => {
    const { status, body } = await readyz(t.gateway.url);
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 'not ready', failed: ['redis'], database: 'ok', migrations: 'ok' });
    expect(body.redis).toMatch(/unreachable|no answer/);
  });
});

describe('/readyz without REDIS_URL', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(() => t?.close());

  it('does not need Redis', async () => {
    expect(await readyz(t.gateway.url)).toMatchObject({ status: 200, body: { status: 'ready', redis: 'not configured' } });
  });
});
