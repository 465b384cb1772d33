import { describe, expect, it } from 'vitest';
import { sandboxOptionsFromEnv } from '../../src/sandbox/config.js';
import { SandboxConfigError } from '../../src/sandbox/options.js';
import { buildQris, crc16Ccitt, parseQrisFields } from '../../src/sandbox/qris.js';
import { loadVectors } from '../helpers/vectors.js';

const vectors = loadVectors();

describe('sandboxOptionsFromEnv', () => {
  it('has the documented defaults', () => {
    expect(sandboxOptionsFromEnv({})).toEqual({
      port: 4100,
      host: '127.0.0.1',
      publicBaseUrl: undefined,
      merchants: [],
      platformPrivateKey: undefined,
      nonceWindowMs: 300_000,
      callbackRetryMs: 1_000,
      callbackRetryMaxMs: 600_000,
      orderExpiryMs: 1_800_000,
      initialBalance: '100000000',
      collectionFeePercent: 3,
      payoutFee: '5000',
      signInquiries: false,
      debug: false,
    });
  });

  it('reads every variable, empty values counting as unset', () => {
    const options = sandboxOptionsFromEnv({
      SANDBOX_PORT: '4200',
      SANDBOX_HOST: '0.0.0.0',
      SANDBOX_PUBLIC_URL: 'https://sandbox.example',
      SANDBOX_MERCHANTS: ` M1700000001:${vectors.keys.merchant.publicKey} , M2:${vectors.keys.sandboxPlatform.publicKey.toUpperCase()},`,
      SANDBOX_PLATFORM_PRIVATE_KEY: `0x${vectors.keys.sandboxPlatform.privateKey}`,
      SANDBOX_NONCE_WINDOW_MS: '0',
      SANDBOX_CALLBACK_RETRY_MS: '50',
      SANDBOX_ORDER_EXPIRY_MS: '60000',
      SANDBOX_INITIAL_BALANCE: '5',
      SANDBOX_COLLECTION_FEE_PERCENT: '2.5',
      SANDBOX_PAYOUT_FEE: '',
      SANDBOX_SIGN_INQUIRIES: 'true',
      SANDBOX_DEBUG: '1',
    });
    expect(options).toMatchObject({
      port: 4200,
      host: '0.0.0.0',
      publicBaseUrl: 'https://sandbox.example',
      merchants: [
        { mchNo: 'M1700000001', publicKey: vectors.keys.merchant.publicKey },
        { mchNo: 'M2', publicKey: vectors.keys.sandboxPlatform.publicKey },
      ],
      platformPrivateKey: vectors.keys.sandboxPlatform.privateKey,
      nonceWindowMs: 0,
      callbackRetryMs: 50,
      orderExpiryMs: 60_000,
      initialBalance: '5',
      collectionFeePercent: 2.5,
      payoutFee: '5000',
      signInquiries: true,
      debug: true,
    });
  });

  it('reads SANDBOX_DEBUG as a boolean: "0" and "false" are off', () => {
    expect(sandboxOptionsFromEnv({ SANDBOX_DEBUG: 'true' }).debug).toBe(true);
    expect(sandboxOptionsFromEnv({ SANDBOX_DEBUG: '0' }).debug).toBe(false);
    expect(sandboxOptionsFromEnv({ SANDBOX_DEBUG: 'false' }).debug).toBe(false);
  });

  it('names every bad variable', () => {
    let error: unknown;
    try {
      sandboxOptionsFromEnv({
        SANDBOX_PORT: 'eighty',
        SANDBOX_MERCHANTS: 'M1:02abc,justtext',
        SANDBOX_PLATFORM_PRIVATE_KEY: '-----BEGIN EC PRIVATE KEY-----',
        SANDBOX_INITIAL_BALANCE: '1e6',
        SANDBOX_DEBUG: 'verbose',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SandboxConfigError);
    const message = (error as Error).message;
    for (const part of [
      'SANDBOX_PORT',
      'M1: the public key',
      '"justtext" is not mchNo:publicKeyHex',
      'SANDBOX_PLATFORM_PRIVATE_KEY',
      'SANDBOX_INITIAL_BALANCE',
      'SANDBOX_DEBUG',
    ]) {
      expect(message).toContain(part);
    }
  });
});

describe('QRIS', () => {
  it('computes CRC-16/CCITT-FALSE', () => {
    expect(crc16Ccitt('123456789')).toBe('29B1');
  });

  it('builds a dynamic QRIS that parses back, with the CRC over everything before it', () => {
    const qris = buildQris({ merchantName: 'Toko Batik Sejahtera Abadi Jaya', nmid: 'ID1234567890123', amount: 150000n, reference: 'P1993000000000000001' });
    const fields = parseQrisFields(qris);
    expect(fields.get('00')).toBe('01');
    expect(fields.get('01')).toBe('12');
    expect(fields.get('53')).toBe('360');
    expect(fields.get('54')).toBe('150000');
    expect(fields.get('58')).toBe('ID');
    expect(fields.get('59')).toBe('Toko Batik Sejahtera Abad');
    expect(parseQrisFields(fields.get('62')!).get('05')).toBe('P1993000000000000001');
    expect(qris.slice(-8, -4)).toBe('6304');
    expect(fields.get('63')).toBe(crc16Ccitt(qris.slice(0, -4)));
  });
});
