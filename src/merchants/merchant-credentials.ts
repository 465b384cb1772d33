import type { MikroORM } from '@mikro-orm/postgresql';
import type { CredentialsSource, UpstreamCredentials } from '../tarspay/upstream.js';
import type { KeyRing } from './key-encryption.js';
import { MerchantKeyError, openPrivateKey } from './merchant-keys.js';

export interface MerchantCredentialsOptions {
  orm: MikroORM;
  keyRing: KeyRing;
  /** How long loaded keys are used before the row is read again. At most 5 s, so that every instance signs with rotated keys within 10 s. */
  ttlMs?: number;
}

interface KeysRow {
  id: string;
  mch_no: string;
  public_key: string;
  private_key_encrypted: string;
  platform_public_key: string;
  key_version: number;
}

interface Entry {
  credentials: UpstreamCredentials;
  checkedAt: number;
}

export const MAX_CREDENTIALS_TTL_MS = 5_000;

/**
 * A merchant's signing credentials, decrypted from its row and reused for up to `ttlMs`. After that
 * the row is read again (one indexed select); the key is decrypted again only when its key version
 * or keys changed. Concurrent callers share one read.
 */
export class MerchantCredentials implements CredentialsSource {
  readonly #entries = new Map<string, Entry>();
  readonly #reading = new Map<string, Promise<UpstreamCredentials>>();
  readonly #ttlMs: number;

  constructor(private readonly options: MerchantCredentialsOptions) {
    this.#ttlMs = Math.min(options.ttlMs ?? MAX_CREDENTIALS_TTL_MS, MAX_CREDENTIALS_TTL_MS);
  }

  credentialsFor(merchantId: string): Promise<UpstreamCredentials> {
    const entry = this.#entries.get(merchantId);
    if (entry && Date.now() - entry.checkedAt < this.#ttlMs) return Promise.resolve(entry.credentials);
    let reading = this.#reading.get(merchantId);
    if (!reading) {
      reading = this.#read(merchantId).finally(() => this.#reading.delete(merchantId));
      this.#reading.set(merchantId, reading);
    }
    return reading;
  }

  forget(merchantId: string): void {
    this.#entries.delete(merchantId);
  }

  async #read(merchantId: string): Promise<UpstreamCredentials> {
    const checkedAt = Date.now();
    const rows = await this.options.orm.em
      .getConnection()
      .execute<KeysRow[]>('select id, mch_no, public_key, private_key_encrypted, platform_public_key, key_version from merchants where id = ?', [merchantId]);
    const row = rows[0];
    if (!row) throw new MerchantKeyError(`merchant ${merchantId} does not exist`);
    const cached = this.#entries.get(merchantId)?.credentials;
    const unchanged =
      cached &&
      cached.keyVersion === row.key_version &&
      cached.mchNo === row.mch_no &&
      cached.privateKey.publicKeyHex === row.public_key &&
      cached.platformPublicKey === row.platform_public_key;
    // A KEK rotation re-encrypts rows without changing the keys: an unchanged version needs no decryption.
    const credentials: UpstreamCredentials = unchanged
      ? cached
      : {
          merchantId,
          mchNo: row.mch_no,
          privateKey: openPrivateKey(this.options.keyRing, {
            id: row.id,
            mchNo: row.mch_no,
            publicKey: row.public_key,
            privateKeyEncrypted: row.private_key_encrypted,
          }),
          platformPublicKey: row.platform_public_key,
          keyVersion: row.key_version,
        };
    this.#entries.set(merchantId, { credentials, checkedAt });
    return credentials;
  }
}
