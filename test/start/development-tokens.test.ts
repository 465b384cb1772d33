import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { generateKeyPair } from '../../src/tarspay/signer.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { killGatewayProcesses, outputMatching, runGatewayProcess, stopGatewayProcess } from '../helpers/spawned-gateway.js';

const KEK = 'ab'.repeat(32);
const dataDir = mkdtempSync(join(tmpdir(), 'tpg-dev-tokens-'));
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  killGatewayProcesses();
  await database?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function tokenRows(): Promise<Array<{ name: string; purpose: string | null; revoked: boolean; scopes: string[] }>> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query('select name, purpose, revoked_at is not null as revoked, scopes, operations from api_tokens order by purpose');
    return rows as Array<{ name: string; purpose: string | null; revoked: boolean; scopes: string[]; operations: string[] | null }>;
  } finally {
    await client.end();
  }
}

/** One development start (sandbox in process) to its banner; the two tokens it printed. */
async function developmentStart(): Promise<{ token: string; demoToken: string }> {
  const started = runGatewayProcess({ NODE_ENV: 'development', DATABASE_URL: database.url, DATA_DIR: dataDir, KEY_ENCRYPTION_KEY: KEK });
  try {
    const output = await outputMatching(started, /ready in \d+ ms/);
    // The demo's token stays server-side (the page gets client secrets): the banner's demo link carries none.
    expect(output).toMatch(/\/demo$/m);
    expect(output).not.toMatch(/\/demo\?token=/);
    const kept = JSON.parse(readFileSync(join(dataDir, 'development-tokens.json'), 'utf8')) as { demo: string };
    return { token: /Bearer (tpg_[\w-]+)/.exec(output)![1]!, demoToken: kept.demo };
  } finally {
    await stopGatewayProcess(started);
  }
}

describe.skipIf(!process.env.DATABASE_URL)('development tokens', () => {
  it('three starts print the same two tokens, one per purpose, kept in DATA_DIR with mode 0600; a revoked one is replaced', async () => {
    const first = await developmentStart();
    const second = await developmentStart();
    const third = await developmentStart();
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect(await tokenRows()).toEqual([
      expect.objectContaining({
        purpose: 'demo',
        name: 'demo checkout (npm start)',
        revoked: false,
        scopes: ['collections:write'],
        operations: ['DemoCreateCollection'],
      }),
      expect.objectContaining({ purpose: 'development', name: 'development token (npm start)', revoked: false }),
    ]);
    const file = join(dataDir, 'development-tokens.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ development: first.token, demo: first.demoToken });

    // Revoked (e.g. with `token revoke`): the next start makes a new one and keeps it instead.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query("update api_tokens set revoked_at = now() where purpose = 'development'");
    await client.end();
    const fourth = await developmentStart();
    expect(fourth.demoToken).toBe(first.demoToken);
    expect(fourth.token).not.toBe(first.token);
    expect((await tokenRows()).filter((row) => !row.revoked).map((row) => row.purpose)).toEqual(['demo', 'development']);
  }, 240_000);

  it('production (here with TARSPAY_SANDBOX=true) makes and prints no token, and lists no GraphiQL or demo', async () => {
    const before = (await tokenRows()).length;
    const started = runGatewayProcess({
      NODE_ENV: 'production',
      TARSPAY_SANDBOX: 'true',
      PUBLIC_URL: 'http://gateway.internal:4000',
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      KEY_ENCRYPTION_KEY: KEK,
    });
    try {
      const output = await outputMatching(started, /ready in \d+ ms/);
      expect(output).toMatch(/^ {2}GraphQL: {12}http:\/\/gateway\.internal:4000\/graphql$/m);
      expect(output).not.toMatch(/GraphiQL|\/demo|Bearer|tpg_|Development token/);
    } finally {
      await stopGatewayProcess(started);
    }
    expect(await tokenRows()).toHaveLength(before);
  }, 120_000);
});

describe.skipIf(!process.env.DATABASE_URL)('the merchant key, checked with TarsPay at start', () => {
  let sandbox: Sandbox;
  const registered = generateKeyPair();
  const wrong = generateKeyPair();

  beforeAll(async () => {
    sandbox = await startSandbox({ host: '127.0.0.1', port: 0, merchants: [{ mchNo: 'M-WRONGKEY', publicKey: registered.publicKey }] });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('a well-formed key TarsPay does not have starts, with a warning naming the merchant and the variable', async () => {
    const started = runGatewayProcess({
      NODE_ENV: 'development',
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      KEY_ENCRYPTION_KEY: KEK,
      TARSPAY_BASE_URL: sandbox.url,
      TARSPAY_SANDBOX: 'true',
      TARSPAY_MERCHANT_NO: 'M-WRONGKEY',
      TARSPAY_PRIVATE_KEY: wrong.privateKey,
      TARSPAY_PLATFORM_PUBLIC_KEY: sandbox.platformPublicKey,
    });
    try {
      const output = await outputMatching(started, /TarsPay refused its credentials at start/);
      expect(output).toMatch(/ready in \d+ ms/);
      expect(output).toContain('merchant M-WRONGKEY: TarsPay refused its credentials at start (TarsPay rejected /api/balanceInfo: 5003002');
      expect(output).toContain(`check TARSPAY_MERCHANT_NO and that TARSPAY_PRIVATE_KEY is the private key whose public half (${wrong.publicKey}) TarsPay has`);
      expect(output).not.toContain(wrong.privateKey);
    } finally {
      await stopGatewayProcess(started);
    }
  }, 120_000);
});
