import { describe, expect, it } from 'vitest';
import { parseEnvironment } from '../../src/config.js';
import { productionProblems } from '../../src/start/production-guard.js';
import { generateKeyPair } from '../../src/tarspay/signer.js';

const tarspay = {
  NODE_ENV: 'production',
  KEY_ENCRYPTION_KEY: 'ab'.repeat(32),
  TARSPAY_MERCHANT_NO: 'M-1',
  TARSPAY_PRIVATE_KEY: generateKeyPair().privateKey,
  TARSPAY_PLATFORM_PUBLIC_KEY: generateKeyPair().publicKey,
};
const problemsOf = (env: Record<string, string>) => productionProblems(parseEnvironment({ ...tarspay, ...env }));

describe('productionProblems (what npm start refuses with NODE_ENV=production)', () => {
  it('accepts TarsPay and the gateway over https', () => {
    expect(problemsOf({ TARSPAY_BASE_URL: 'https://payment.tarspay.com', PUBLIC_URL: 'https://pay.example.com' })).toEqual([]);
  });

  it('allows plain http for a sandbox (TARSPAY_SANDBOX=true) or a private network (TARSPAY_ALLOW_HTTP=true), nowhere else', () => {
    const plain = { TARSPAY_BASE_URL: 'http://sandbox:4100', PUBLIC_URL: 'http://gateway-1:4000' };
    expect(problemsOf(plain)).toHaveLength(2);
    expect(problemsOf({ ...plain, TARSPAY_SANDBOX: 'true' })).toEqual([]);
    expect(problemsOf({ ...plain, TARSPAY_ALLOW_HTTP: 'true' })).toEqual([]);
    expect(problemsOf({ TARSPAY_BASE_URL: 'https://payment.tarspay.com', PUBLIC_URL: 'http://gateway-1:4000' })).toEqual([
      expect.stringMatching(/^PUBLIC_URL is plain http \(http:\/\/gateway-1:4000\): set it to the gateway's https:\/\/ address/),
    ]);
  });

  it('runs the in-process sandbox only when TARSPAY_SANDBOX=true says so, and always wants PUBLIC_URL', () => {
    expect(problemsOf({ PUBLIC_URL: 'https://pay.example.com' })).toEqual([expect.stringMatching(/^TARSPAY_BASE_URL is not set: /)]);
    expect(problemsOf({ TARSPAY_SANDBOX: 'true', PUBLIC_URL: 'http://gateway:4000' })).toEqual([]);
    expect(problemsOf({ TARSPAY_SANDBOX: 'true' })).toEqual([expect.stringMatching(/^PUBLIC_URL is not set: /)]);
  });

  it('asks nothing outside production', () => {
    expect(productionProblems(parseEnvironment({}))).toEqual([]);
    expect(productionProblems(parseEnvironment({ ...tarspay, NODE_ENV: 'test', TARSPAY_BASE_URL: 'http://x' }))).toEqual([]);
  });
});
