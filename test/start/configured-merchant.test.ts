import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConfiguredMerchant } from '../../src/start/configured-merchant.js';
import { parseEnvironment } from '../../src/config.js';
import { openPrivateKey } from '../../src/merchants/merchant-keys.js';
import { rotateMerchantKeys } from '../../src/merchants/merchant.service.js';
import { Merchant } from '../../src/merchants/merchant.entity.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { createTestOrm, type TestOrm } from '../helpers/database.js';

let db: TestOrm;
beforeAll(async () => {
  db = await createTestOrm();
});
afterAll(() => db?.close());

const platform = PrivateKey.generate().publicKeyHex;
const environment = (key: PrivateKey) =>
  parseEnvironment({ TARSPAY_MERCHANT_NO: 'M-ENV', TARSPAY_PRIVATE_KEY: key.revealHex(), TARSPAY_PLATFORM_PUBLIC_KEY: platform }).tarspay;

describe('the merchant the environment configures', () => {
  it('is stored encrypted; a key rotated with the CLI survives restarts until the environment changes', async () => {
    const first = PrivateKey.generate();
    const created = await ensureConfiguredMerchant(db.orm.em.fork(), db.keyRing, environment(first), null);
    expect(created).toMatchObject({ mchNo: 'M-ENV', publicKey: first.publicKeyHex, platformPublicKey: platform, keyVersion: 1 });
    expect(openPrivateKey(db.keyRing, created).revealHex()).toBe(first.revealHex());

    const rotated = PrivateKey.generate();
    await rotateMerchantKeys(db.orm.em.fork(), db.keyRing, { mchNo: 'M-ENV', privateKeyHex: rotated.revealHex() });
    // A restart with the same environment keeps the rotated key...
    const restarted = await ensureConfiguredMerchant(db.orm.em.fork(), db.keyRing, environment(first), null);
    expect(restarted).toMatchObject({ publicKey: rotated.publicKeyHex, keyVersion: 2 });
    // ...and a changed environment is applied.
    const next = PrivateKey.generate();
    const changed = await ensureConfiguredMerchant(db.orm.em.fork(), db.keyRing, environment(next), null);
    expect(changed).toMatchObject({ publicKey: next.publicKeyHex, keyVersion: 3 });
    expect(openPrivateKey(db.keyRing, changed).revealHex()).toBe(next.revealHex());
  });

  it('against the sandbox, reuses (decrypts) the stored development key when the sandbox platform key changes', async () => {
    const sandboxEnvironment = parseEnvironment({}).tarspay;
    const firstPlatform = PrivateKey.generate().publicKeyHex;
    const created = await ensureConfiguredMerchant(db.orm.em.fork(), db.keyRing, sandboxEnvironment, firstPlatform);
    const secondPlatform = PrivateKey.generate().publicKeyHex;
    const restarted = await ensureConfiguredMerchant(db.orm.em.fork(), db.keyRing, sandboxEnvironment, secondPlatform);
    expect(restarted).toMatchObject({ id: created.id, publicKey: created.publicKey, platformPublicKey: secondPlatform, keyVersion: 2 });
    expect(openPrivateKey(db.keyRing, restarted).revealHex()).toBe(openPrivateKey(db.keyRing, created).revealHex());
  });

  it('is created once when instances start together on a new database: each gets the same merchant and development key', async () => {
    const sandboxEnvironment = { ...parseEnvironment({}).tarspay, merchantNo: 'M-TOGETHER' };
    const sandboxPlatform = PrivateKey.generate().publicKeyHex;
    const starts = await Promise.all([1, 2, 3].map(() => ensureConfiguredMerchant(db.orm.em.fork(), db.keyRing, sandboxEnvironment, sandboxPlatform)));
    expect(new Set(starts.map((merchant) => merchant.id)).size).toBe(1);
    expect(new Set(starts.map((merchant) => merchant.publicKey)).size).toBe(1);
    const stored = await db.orm.em.fork().findOneOrFail(Merchant, { mchNo: 'M-TOGETHER' });
    expect(stored).toMatchObject({ publicKey: starts[0]!.publicKey, keyVersion: 1 });
  });
});
