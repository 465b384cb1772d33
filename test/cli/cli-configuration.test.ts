import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { findMerchantByMchNo, upsertMerchant } from '../../src/merchants/merchant.service.js';
import { generateKeyPair } from '../../src/tarspay/signer.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { createTestOrm, type TestOrm } from '../helpers/database.js';

/** The CLI reads its configuration through src/config.ts: a bad variable is named, and stops the command before it changes anything. */

const scratch = mkdtempSync(join(tmpdir(), 'tpg-cli-config-'));

let db: TestOrm;

function cli(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  return runCli({ DATABASE_URL: db.url, DATA_DIR: scratch, KEY_ENCRYPTION_KEY: db.keyEncryptionKey, ...env }, ...args);
}

async function keyVersionOf(mchNo: string): Promise<number> {
  return (await findMerchantByMchNo(db.orm.em.fork(), mchNo))!.keyVersion;
}

beforeAll(async () => {
  db = await createTestOrm();
  for (const mchNo of ['M-CFG-1', 'M-CFG-2']) {
    await upsertMerchant(db.orm.em.fork(), db.keyRing, { mchNo, privateKeyHex: generateKeyPair().privateKey, platformPublicKey: generateKeyPair().publicKey });
  }
});
afterAll(async () => {
  await db?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe.concurrent('cli configuration', () => {
  it('a bad DATABASE_URL is named, exit code 1', async ({ expect }) => {
    const run = await cli({ DATABASE_URL: 'mysql://db/tarspay' }, 'merchant', 'list');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
  });

  it('keys generate needs no configuration at all', async ({ expect }) => {
    const run = await cli({ DATABASE_URL: 'mysql://db/tarspay', KEY_ENCRYPTION_KEY: 'short' }, 'keys', 'generate');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Private key: [0-9a-f]{64}$/m);
  });

  it('rotate-key with a bad TARSPAY_PRIVATE_KEY names it and rotates nothing', async ({ expect }) => {
    const before = await keyVersionOf('M-CFG-1');
    const run = await cli(
      { TARSPAY_MERCHANT_NO: 'M-CFG-1', TARSPAY_PRIVATE_KEY: 'not-a-private-key' },
      'merchant',
      'rotate-key',
      '--mch-no',
      'M-CFG-1',
      '--generate',
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/TARSPAY_PRIVATE_KEY: must be 64 hex characters/);
    expect(run.stderr).not.toContain('not-a-private-key');
    expect(await keyVersionOf('M-CFG-1')).toBe(before);
  });

  it('rotate-key of the merchant TARSPAY_* configures says what a restart does', async ({ expect }) => {
    const env = { TARSPAY_MERCHANT_NO: 'M-CFG-2', TARSPAY_PRIVATE_KEY_FILE: join(scratch, 'merchant.key') };
    const configured = await cli(env, 'merchant', 'rotate-key', '--mch-no', 'M-CFG-2', '--generate');
    expect(configured.code, configured.stderr).toBe(0);
    expect(configured.stderr).toMatch(/note: M-CFG-2 is also TARSPAY_MERCHANT_NO here/);
    const other = await cli(
      { TARSPAY_MERCHANT_NO: 'M-CFG-1', TARSPAY_PRIVATE_KEY_FILE: join(scratch, 'merchant.key') },
      'merchant',
      'rotate-key',
      '--mch-no',
      'M-CFG-2',
      '--generate',
    );
    expect(other.code, other.stderr).toBe(0);
    expect(other.stderr).not.toMatch(/TARSPAY_MERCHANT_NO/);
  });
});
