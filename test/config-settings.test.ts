import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { embeddedDatabaseDir, parseConfiguredMerchantSettings, parseDatabaseSettings, parseEnvironment } from '../src/config.js';
import { COLLECTION_AMOUNT_LIMITS, PAYOUT_AMOUNT_LIMIT } from '../src/tarspay/catalogs.js';
import { configErrorMessage as messageOf } from './helpers/config.js';

const KEK = 'ab'.repeat(32);

describe('parseDatabaseSettings (npm run cli, npm run migrate)', () => {
  it('has the gateway defaults and needs no TarsPay settings', () => {
    // TARSPAY_BASE_URL without its companions stops the gateway, not the CLI or migrate.
    const env = { TARSPAY_BASE_URL: 'https://payment.tarspay.com' };
    expect(() => parseEnvironment(env)).toThrow(/TARSPAY_MERCHANT_NO/);
    const settings = parseDatabaseSettings(env);
    expect(settings).toEqual({
      runtime: { nodeEnv: 'development', production: false },
      database: { url: undefined, dataDir: './.data' },
      keyEncryption: { key: undefined, keyFile: undefined, previous: [] },
      // `webhook create` checks an endpoint's URL as the gateway does.
      webhooks: expect.objectContaining({ allowPrivate: false }),
    });
  });

  it('reads DATABASE_URL and DATA_DIR as the gateway does; empty counts as unset', () => {
    const env = { DATABASE_URL: 'postgres://u@db:5432/tarspay', DATA_DIR: '/var/lib/tpg', KEY_ENCRYPTION_KEY: KEK };
    expect(parseDatabaseSettings(env)).toMatchObject({ database: { url: env.DATABASE_URL, dataDir: '/var/lib/tpg' }, keyEncryption: { key: KEK } });
    expect(parseDatabaseSettings({ DATABASE_URL: '' }).database.url).toBeUndefined();
  });

  it('names each bad variable, without echoing a key', () => {
    const message = messageOf(() => parseDatabaseSettings({ DATABASE_URL: 'mysql://db/tarspay', KEY_ENCRYPTION_KEY: 'secret-but-short', NODE_ENV: 'staging' }));
    expect(message).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
    expect(message).toMatch(/KEY_ENCRYPTION_KEY: must be 32 bytes/);
    expect(message).toMatch(/NODE_ENV/);
    expect(message).not.toContain('secret-but-short');
  });

  it('refuses production without a key-encryption key, and both forms of it at once', () => {
    expect(messageOf(() => parseDatabaseSettings({ NODE_ENV: 'production' }))).toMatch(/NODE_ENV=production needs KEY_ENCRYPTION_KEY/);
    expect(messageOf(() => parseDatabaseSettings({ KEY_ENCRYPTION_KEY: KEK, KEY_ENCRYPTION_KEY_FILE: '/run/kek' }))).toMatch(/both set/);
  });
});

describe('embeddedDatabaseDir', () => {
  it('is DATA_DIR/pglite, for the gateway, the CLI and migrate alike', () => {
    expect(embeddedDatabaseDir(parseEnvironment({}).database)).toBe(join('.data', 'pglite'));
    expect(embeddedDatabaseDir(parseDatabaseSettings({ DATA_DIR: '/var/lib/tpg' }).database)).toBe('/var/lib/tpg/pglite');
    expect(embeddedDatabaseDir(parseEnvironment({ DATA_DIR: '/var/lib/tpg' }).database)).toBe(
      embeddedDatabaseDir(parseDatabaseSettings({ DATA_DIR: '/var/lib/tpg' }).database),
    );
  });
});

describe('parseConfiguredMerchantSettings (the CLI key-rotation note)', () => {
  it('reads which merchant the TARSPAY_* variables configure', () => {
    expect(parseConfiguredMerchantSettings({ TARSPAY_MERCHANT_NO: ' M1 ', TARSPAY_PRIVATE_KEY_FILE: '/run/key', PORT: 'not read' })).toEqual({
      merchantNo: 'M1',
      privateKey: undefined,
      privateKeyFile: '/run/key',
    });
  });

  it('names a bad TARSPAY_PRIVATE_KEY without echoing it', () => {
    const message = messageOf(() => parseConfiguredMerchantSettings({ TARSPAY_PRIVATE_KEY: 'not-a-key-0123' }));
    expect(message).toMatch(/TARSPAY_PRIVATE_KEY: must be 64 hex characters/);
    expect(message).not.toContain('not-a-key-0123');
  });
});

describe('amount limits', () => {
  it("default to TarsPay's, the ones the sandbox enforces", () => {
    const { amountLimits } = parseEnvironment({});
    expect(amountLimits.collections).toEqual(COLLECTION_AMOUNT_LIMITS);
    expect(amountLimits.payout).toEqual(PAYOUT_AMOUNT_LIMIT);
    expect(COLLECTION_AMOUNT_LIMITS.BANK_VA).toEqual({ min: 10_000n, max: 50_000_000n });
    expect(COLLECTION_AMOUNT_LIMITS.EWALLET).toEqual({ min: 10_000n });
  });

  it('COLLECTION_LIMITS overrides the types it lists and keeps the others', () => {
    const { amountLimits } = parseEnvironment({ COLLECTION_LIMITS: 'EWALLET:1000-2000000', PAYOUT_LIMIT: '50000-' });
    expect(amountLimits.collections).toEqual({ ...COLLECTION_AMOUNT_LIMITS, EWALLET: { min: 1000n, max: 2_000_000n } });
    expect(amountLimits.payout).toEqual({ min: 50_000n });
    expect(COLLECTION_AMOUNT_LIMITS.EWALLET).toEqual({ min: 10_000n });
  });

  it('names a bad limit', () => {
    expect(messageOf(() => parseEnvironment({ COLLECTION_LIMITS: 'BANK_VA:500-100' }))).toMatch(/COLLECTION_LIMITS: "500-100": MAX is below MIN/);
    expect(messageOf(() => parseEnvironment({ COLLECTION_LIMITS: 'CRYPTO:1-' }))).toMatch(/COLLECTION_LIMITS: "CRYPTO:1-": expected TYPE:MIN-MAX/);
    expect(messageOf(() => parseEnvironment({ PAYOUT_LIMIT: 'lots' }))).toMatch(/PAYOUT_LIMIT: "lots" is not MIN-MAX/);
  });
});

describe('reconciliation delays', () => {
  it('has the defaults the README lists, and takes each from the environment', () => {
    expect(parseEnvironment({}).reconciliation.schedule).toEqual({
      firstCheckMs: 30_000,
      openCheckMs: 600_000,
      afterExpiryMs: 60_000,
      backoffFirstMs: 15_000,
      backoffMaxMs: 1_800_000,
      latePaymentWindowMs: 259_200_000,
    });
    const short = { RECONCILE_FIRST_CHECK_MS: '10', RECONCILE_BACKOFF_FIRST_MS: '20', RECONCILE_BACKOFF_MAX_MS: '40', LATE_PAYMENT_WINDOW_MS: '0' };
    expect(parseEnvironment(short).reconciliation.schedule).toMatchObject({
      firstCheckMs: 10,
      backoffFirstMs: 20,
      backoffMaxMs: 40,
      latePaymentWindowMs: 0,
    });
  });

  it('refuses a back-off whose longest delay is below its first, or a first delay of 0', () => {
    expect(messageOf(() => parseEnvironment({ RECONCILE_BACKOFF_FIRST_MS: '100', RECONCILE_BACKOFF_MAX_MS: '50' }))).toMatch(
      /RECONCILE_BACKOFF_MAX_MS: 50 is below RECONCILE_BACKOFF_FIRST_MS/,
    );
    expect(messageOf(() => parseEnvironment({ RECONCILE_BACKOFF_FIRST_MS: '0' }))).toMatch(/RECONCILE_BACKOFF_FIRST_MS/);
  });
});
