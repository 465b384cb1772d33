import type { EntityManager } from '@mikro-orm/postgresql';
import { PrivateKey } from '../tarspay/signer.js';
import { privateKeyContext, type KeyRing } from './key-encryption.js';
import type { Merchant } from './merchant.entity.js';

/** A merchant's private key cannot be opened: unknown key-encryption key, altered row, or a key that does not match the public key. */
export class MerchantKeyError extends Error {
  override name = 'MerchantKeyError';
}

/** The columns that store a merchant's private key, sealed under the ring's current KEK. */
export function sealPrivateKey(keyRing: KeyRing, merchantId: string, key: PrivateKey): { privateKeyEncrypted: string; keyEncryptionKeyId: string } {
  return { privateKeyEncrypted: keyRing.encrypt(key.revealHex(), privateKeyContext(merchantId)), keyEncryptionKeyId: keyRing.currentKeyId };
}

/** The one way to the plain private key: decrypts it and checks it is the half of the stored public key. */
export function openPrivateKey(keyRing: KeyRing, merchant: Pick<Merchant, 'id' | 'mchNo' | 'publicKey' | 'privateKeyEncrypted'>): PrivateKey {
  let key: PrivateKey;
  try {
    key = PrivateKey.fromHex(keyRing.decrypt(merchant.privateKeyEncrypted, privateKeyContext(merchant.id)));
  } catch (error) {
    throw new MerchantKeyError(`merchant ${merchant.mchNo}: its private key ${(error as Error).message}`, { cause: error });
  }
  if (key.publicKeyHex !== merchant.publicKey) {
    throw new MerchantKeyError(
      `merchant ${merchant.mchNo}: its stored private key does not match its public key ${merchant.publicKey}; set its keys again with "merchant rotate-key"`,
    );
  }
  return key;
}

interface SealedRow {
  id: string;
  mch_no: string;
  public_key: string;
  private_key_encrypted: string;
  key_encryption_key_id: string;
}

/**
 * Re-encrypts, under the current KEK, every private key sealed with a previous one: how the KEK
 * itself is rotated (new KEK in KEY_ENCRYPTION_KEY, old one in KEY_ENCRYPTION_KEY_PREVIOUS, start
 * once). Checks every row first: if any is under a KEK the ring lacks, it changes nothing and
 * throws MerchantKeyError naming the key ids. Key versions stay: the keys themselves are unchanged.
 * Returns the merchant numbers re-encrypted.
 */
export async function reencryptMerchantKeys(em: EntityManager, keyRing: KeyRing): Promise<string[]> {
  const connection = em.getConnection();
  const rows = await connection.execute<SealedRow[]>(
    'select id, mch_no, public_key, private_key_encrypted, key_encryption_key_id from merchants where key_encryption_key_id <> ? order by mch_no',
    [keyRing.currentKeyId],
  );
  const missing = rows.filter((row) => !keyRing.has(row.key_encryption_key_id));
  if (missing.length) {
    const keyIds = [...new Set(missing.map((row) => row.key_encryption_key_id))];
    throw new MerchantKeyError(
      `the private keys of ${missing.map((row) => row.mch_no).join(', ')} are encrypted with key-encryption key ${keyIds.join(', ')}, ` +
        `which this process does not have (it has ${keyRing.keyIds.join(', ')}): set that key in KEY_ENCRYPTION_KEY_PREVIOUS (or as KEY_ENCRYPTION_KEY)`,
    );
  }
  const done: string[] = [];
  for (const row of rows) {
    const key = openPrivateKey(keyRing, { id: row.id, mchNo: row.mch_no, publicKey: row.public_key, privateKeyEncrypted: row.private_key_encrypted });
    const sealed = sealPrivateKey(keyRing, row.id, key);
    // Compare-and-set: an instance starting at the same time, or a rotation, may have rewritten the row.
    const updated = await connection.execute<{ affectedRows: number }>(
      'update merchants set private_key_encrypted = ?, key_encryption_key_id = ? where id = ? and private_key_encrypted = ?',
      [sealed.privateKeyEncrypted, sealed.keyEncryptionKeyId, row.id, row.private_key_encrypted],
      'run',
    );
    if (updated.affectedRows) done.push(row.mch_no);
  }
  return done;
}
