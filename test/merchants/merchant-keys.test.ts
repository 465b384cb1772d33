import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPrivateKey } from '../../src/merchants/merchant-keys.js';
import { findMerchantByMchNo, upsertMerchant } from '../../src/merchants/merchant.service.js';
import { generateKeyPair } from '../../src/tarspay/signer.js';
import { createTestOrm, type TestOrm } from '../helpers/database.js';

let db: TestOrm;
beforeAll(async () => {
  db = await createTestOrm();
  for (const mchNo of ['M-KEYS-A', 'M-KEYS-B']) {
    await upsertMerchant(db.orm.em.fork(), db.keyRing, { mchNo, privateKeyHex: generateKeyPair().privateKey, platformPublicKey: generateKeyPair().publicKey });
  }
});
afterAll(() => db?.close());

const load = async (mchNo: string) => (await findMerchantByMchNo(db.orm.em.fork(), mchNo))!;
const execute = (sql: string, params: unknown[]) => db.orm.em.getConnection().execute(sql, params);

describe('a stored private key is opened only for its own row', () => {
  it("refuses another merchant's encrypted key copied into a row (a database writer cannot swap keys)", async () => {
    const a = await load('M-KEYS-A');
    await execute('update merchants set private_key_encrypted = ? where mch_no = ?', [a.privateKeyEncrypted, 'M-KEYS-B']);
    await expect(load('M-KEYS-B').then((b) => openPrivateKey(db.keyRing, b))).rejects.toThrow(
      /M-KEYS-B: its private key does not decrypt .*belongs to another row/,
    );
  });

  it('refuses a key that is not the half of the stored public key', async () => {
    const a = await load('M-KEYS-A');
    await execute('update merchants set public_key = ? where mch_no = ?', [generateKeyPair().publicKey, 'M-KEYS-A']);
    expect(() => openPrivateKey(db.keyRing, a)).not.toThrow();
    await expect(load('M-KEYS-A').then((changed) => openPrivateKey(db.keyRing, changed))).rejects.toThrow(/does not match its public key/);
  });
});
