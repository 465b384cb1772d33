import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/tarspay/signer.js';
import { killGatewayProcesses, runGatewayProcess } from '../helpers/spawned-gateway.js';

// `npm start` failing for a reason the operator fixes: one message saying what to set, no stack trace, exit 1.
const KEK = 'ab'.repeat(32);
const NOT_A_SCALAR = 'f'.repeat(64); // 64 hex characters, above the curve's order
const OFF_CURVE = `02${'f'.repeat(64)}`;
const scratch = mkdtempSync(join(tmpdir(), 'tpg-start-errors-'));
const databaseUrl = process.env.DATABASE_URL;
const tarspay = generateKeyPair();
const platform = generateKeyPair();
const production = { NODE_ENV: 'production', KEY_ENCRYPTION_KEY: KEK, DATA_DIR: scratch };
const realTarsPay = {
  TARSPAY_BASE_URL: 'https://tarspay.example',
  TARSPAY_MERCHANT_NO: 'M-PROD-0001',
  TARSPAY_PRIVATE_KEY: tarspay.privateKey,
  TARSPAY_PLATFORM_PUBLIC_KEY: platform.publicKey,
  PUBLIC_URL: 'https://pay.example.com',
};
let taken: Server;
let takenPort: number;

beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  takenPort = (taken.address() as AddressInfo).port;
});
afterAll(() => {
  killGatewayProcesses();
  taken?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs the gateway until it exits; its exit code and everything it printed. */
async function failedStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const started = runGatewayProcess(env);
  const code = await started.exited;
  return { code, output: started.output() };
}

function expectOneMessage(run: { code: number | null; output: string }, ...messages: string[]): void {
  expect(run.code, run.output).toBe(1);
  for (const message of messages) expect(run.output).toContain(message);
  expect(run.output, 'no stack trace').not.toMatch(/^\s+at /m);
}

describe('npm start with NODE_ENV=production refuses what is unsafe, naming each variable and what to set it to', () => {
  it('no TARSPAY_BASE_URL (the sandbox would run) and no PUBLIC_URL (callbacks to localhost)', async () => {
    const run = await failedStart(production);
    expectOneMessage(
      run,
      'NODE_ENV=production refuses to start:',
      "TARSPAY_BASE_URL is not set: set it to TarsPay's API address (https://…), with TARSPAY_MERCHANT_NO, TARSPAY_PRIVATE_KEY and TARSPAY_PLATFORM_PUBLIC_KEY; or set TARSPAY_SANDBOX=true to run against the TarsPay sandbox (no real payments)",
      'PUBLIC_URL is not set: set it to the address TarsPay reaches this gateway at, e.g. https://pay.example.com (TarsPay sends its callbacks to PUBLIC_URL/tarspay/notify)',
    );
    expect(run.output).not.toMatch(/Bearer|tpg_/);
  }, 60_000);

  it('plain http to TarsPay and for its callbacks, unless TARSPAY_ALLOW_HTTP=true says it is a private network', async () => {
    const run = await failedStart({ ...production, ...realTarsPay, TARSPAY_BASE_URL: 'http://tarspay.internal', PUBLIC_URL: 'http://gateway.internal:4000' });
    expectOneMessage(
      run,
      "TARSPAY_BASE_URL is plain http (http://tarspay.internal): set it to TarsPay's https:// address, or set TARSPAY_ALLOW_HTTP=true if it is reached over a private network",
      "PUBLIC_URL is plain http (http://gateway.internal:4000): set it to the gateway's https:// address, or set TARSPAY_ALLOW_HTTP=true if TarsPay's callbacks reach it over a private network",
    );
  }, 60_000);

  it('a PUBLIC_URL that is not an absolute http(s) URL', async () => {
    const run = await failedStart({ ...production, ...realTarsPay, PUBLIC_URL: 'pay.example.com' });
    expectOneMessage(run, 'PUBLIC_URL: must be an absolute http:// or https:// URL, e.g. https://pay.example.com');
  }, 60_000);
});

describe('npm start names the variable of a key that is no key', () => {
  it('TARSPAY_PRIVATE_KEY, TARSPAY_PLATFORM_PUBLIC_KEY, KEY_ENCRYPTION_KEY', async () => {
    const run = await failedStart({
      ...realTarsPay,
      TARSPAY_PRIVATE_KEY: NOT_A_SCALAR,
      TARSPAY_PLATFORM_PUBLIC_KEY: OFF_CURVE,
      KEY_ENCRYPTION_KEY: 'not-a-key',
    });
    expectOneMessage(
      run,
      "TARSPAY_PRIVATE_KEY: is not a valid secp256k1 private key (zero, or not below the curve's order)",
      'TARSPAY_PLATFORM_PUBLIC_KEY: is not a point on secp256k1',
      'KEY_ENCRYPTION_KEY: must be 32 bytes',
    );
    expect(run.output).not.toContain(NOT_A_SCALAR);
  }, 60_000);

  it('TARSPAY_PRIVATE_KEY_FILE, before the database is touched', async () => {
    const file = join(scratch, 'merchant.key');
    writeFileSync(file, `${NOT_A_SCALAR}\n`);
    const { TARSPAY_PRIVATE_KEY: _inline, ...fromFile } = realTarsPay;
    const run = await failedStart({
      ...fromFile,
      TARSPAY_PRIVATE_KEY_FILE: file,
      KEY_ENCRYPTION_KEY: KEK,
      DATABASE_URL: 'postgres://nosuchrole@127.0.0.1:1/none',
    });
    expectOneMessage(run, `TARSPAY_PRIVATE_KEY_FILE (${file}): private key is not a valid secp256k1 scalar`);
    expect(run.output).not.toContain(NOT_A_SCALAR);
  }, 60_000);
});

describe('npm start names TRUSTED_DOCUMENTS_FILE when it is no manifest', () => {
  it('a missing file and a file that is not JSON, before the database is touched', async () => {
    const missing = join(scratch, 'no-such-manifest.json');
    const notJson = join(scratch, 'not-json.json');
    writeFileSync(notJson, '{"sha256:');
    const unreachableDatabase = { DATABASE_URL: 'postgres://nosuchrole@127.0.0.1:1/none' };
    expectOneMessage(
      await failedStart({ ...unreachableDatabase, TRUSTED_DOCUMENTS_FILE: missing }),
      `TRUSTED_DOCUMENTS_FILE: trusted documents ${missing}: ENOENT: no such file or directory`,
    );
    expectOneMessage(
      await failedStart({ ...unreachableDatabase, TRUSTED_DOCUMENTS_FILE: notJson }),
      `TRUSTED_DOCUMENTS_FILE: trusted documents ${notJson}: Unterminated string in JSON`,
    );
  }, 120_000);
});

describe('npm start says what to do about the port and the database', () => {
  it('a port in use: exactly "port N is in use: set PORT", before the database is tried', async () => {
    // The database URL would fail too (no such role): the port's message shows the port was taken first.
    const run = await failedStart({
      PORT: String(takenPort),
      KEY_ENCRYPTION_KEY: KEK,
      DATA_DIR: scratch,
      DATABASE_URL: 'postgres://nosuchrole@127.0.0.1:5432/test',
    });
    expect(run.code, run.output).toBe(1);
    expect(run.output.trim()).toBe(`port ${takenPort} is in use: set PORT`);
  }, 60_000);

  it.skipIf(!databaseUrl)(
    // Roles and databases are a PostgreSQL server's: embedded PGlite accepts any name, so without DATABASE_URL this is reported as skipped, by this name.
    'an unknown role: createuser; an unknown database: createdb, and migrations run at start (PostgreSQL server only)',
    async () => {
      const server = new URL(databaseUrl!);
      const role = new URL(databaseUrl!);
      role.username = 'tpg_no_such_role';
      const database = new URL(databaseUrl!);
      database.pathname = '/tpg_no_such_database';
      const [noRole, noDatabase] = await Promise.all([
        failedStart({ KEY_ENCRYPTION_KEY: KEK, DATA_DIR: scratch, DATABASE_URL: role.href }),
        failedStart({ KEY_ENCRYPTION_KEY: KEK, DATA_DIR: scratch, DATABASE_URL: database.href }),
      ]);
      expectOneMessage(
        noRole,
        `the gateway could not start: cannot connect to ${server.hostname}:${server.port || 5432}${server.pathname}: role "tpg_no_such_role" does not exist: create that role first (e.g. \`createuser tpg_no_such_role\`), or set DATABASE_URL to an existing user`,
      );
      expect(noRole.output).not.toMatch(/createdb/);
      expectOneMessage(
        noDatabase,
        'database "tpg_no_such_database" does not exist: create it first (e.g. `createdb tpg_no_such_database`); the gateway applies its migrations at start (`npm run migrate` applies them without starting it)',
      );
    },
    60_000,
  );
});
