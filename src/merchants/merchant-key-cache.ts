import { LRUCache } from 'lru-cache';
import type { Query } from '../db/sql.js';
import type { CredentialsSource, UpstreamCredentials } from '../tarspay/upstream.js';
import type { KeyRing } from './key-encryption.js';
import { MerchantKeyError, openPrivateKey } from './merchant-keys.js';

export interface MerchantKeyCacheOptions {
  query: Query;
  keyRing: KeyRing;
  /** How long a merchant's row is used before it is read again. At most 5 s, so that every instance signs with rotated keys within 10 s. */
  ttlMs?: number;
}

/** A merchant's keys as stored; the private key is decrypted when something first signs with it. */
export interface MerchantKeys {
  id: string;
  mchNo: string;
  publicKey: string;
  platformPublicKey: string;
  keyVersion: number;
  privateKeyEncrypted: string;
  /** When the row was read (performance.now()). */
  readAt: number;
  credentials?: UpstreamCredentials;
}

interface KeysRow {
  id: string;
  mch_no: string;
  public_key: string;
  private_key_encrypted: string;
  platform_public_key: string;
  key_version: number;
}

export const MAX_CREDENTIALS_TTL_MS = 5_000;
const MAX_MERCHANTS = 1_000;
/** A callback that does not verify re-reads its merchant's platform key at most this often (forged callbacks cost no more). */
const REREAD_AFTER_MS = 1_000;
const COLUMNS = 'id, mch_no, public_key, private_key_encrypted, platform_public_key, key_version';

/** Every cache of this process, so that a key changed by merchant.service.ts in this process applies at once. */
const caches = new Set<MerchantKeyCache>();

/** After a merchant's keys changed in this process: every gateway in it reads them afresh on next use. */
export function forgetMerchantKeys(merchantId: string): void {
  for (const cache of caches) cache.forget(merchantId);
}

/**
 * The one cache of merchant rows, for signing requests (credentialsFor) and verifying callbacks
 * (byMchNo): an LRU with a TTL, whose fetch shares one read among concurrent callers. A key
 * rotated in this process (merchant.service.ts) applies at once; one rotated by another process
 * (the CLI, another instance) applies to signing within `ttlMs`, and to callbacks at once: a
 * callback that does not verify reads its merchant's row again (at most once a second).
 */
export class MerchantKeyCache implements CredentialsSource {
  readonly #rows: LRUCache<string, MerchantKeys>;
  /** mchNo → id: a merchant's number never changes. Unknown numbers are not kept. */
  readonly #ids = new LRUCache<string, string>({ max: MAX_MERCHANTS });

  constructor(private readonly options: MerchantKeyCacheOptions) {
    this.#rows = new LRUCache<string, MerchantKeys>({
      max: MAX_MERCHANTS,
      ttl: Math.min(options.ttlMs ?? MAX_CREDENTIALS_TTL_MS, MAX_CREDENTIALS_TTL_MS),
      fetchMethod: async (id, stale) => keysOf((await options.query<KeysRow>(`select ${COLUMNS} from merchants where id = $1`, [id]))[0], stale),
    });
    caches.add(this);
  }

  /** The merchant's signing credentials (UpstreamClients asks before every call). */
  async credentialsFor(merchantId: string): Promise<UpstreamCredentials> {
    const keys = await this.#fetch(merchantId);
    if (!keys) throw new MerchantKeyError(`merchant ${merchantId} does not exist`);
    keys.credentials ??= {
      merchantId,
      mchNo: keys.mchNo,
      privateKey: openPrivateKey(this.options.keyRing, {
        id: keys.id,
        mchNo: keys.mchNo,
        publicKey: keys.publicKey,
        privateKeyEncrypted: keys.privateKeyEncrypted,
      }),
      platformPublicKey: keys.platformPublicKey,
      keyVersion: keys.keyVersion,
    };
    return keys.credentials;
  }

  /**
   * The merchant a callback names, or null. `reread`: the keys given did not verify it; read the row
   * again unless it was read within the last second.
   */
  async byMchNo(mchNo: string, options: { reread?: MerchantKeys } = {}): Promise<MerchantKeys | null> {
    const id = this.#ids.get(mchNo);
    if (id === undefined) {
      const keys = keysOf((await this.options.query<KeysRow>(`select ${COLUMNS} from merchants where mch_no = $1`, [mchNo]))[0]);
      if (!keys) return null;
      this.#ids.set(mchNo, keys.id);
      this.#rows.set(keys.id, keys);
      return keys;
    }
    const reread = options.reread !== undefined && performance.now() - options.reread.readAt >= REREAD_AFTER_MS;
    return (await this.#fetch(id, reread)) ?? null;
  }

  /** Drops the merchant's row: the next use reads it afresh. */
  forget(merchantId: string): void {
    this.#rows.delete(merchantId);
  }

  /** Stops taking part in forgetMerchantKeys (the gateway closed). */
  close(): void {
    caches.delete(this);
  }

  /** A read whose entry was forgotten or replaced meanwhile may hold keys older than the change: read again. */
  async #fetch(id: string, forceRefresh = false): Promise<MerchantKeys | undefined> {
    try {
      return await this.#rows.fetch(id, { forceRefresh });
    } catch (error) {
      if (!(error instanceof Error && (error.message === 'deleted' || error.message === 'replaced'))) throw error;
      return this.#rows.fetch(id);
    }
  }
}

/** The row's keys; the stale entry's decrypted key is kept when the keys did not change (a KEK rotation re-encrypts rows, keys unchanged). */
function keysOf(row: KeysRow | undefined, stale?: MerchantKeys): MerchantKeys | undefined {
  if (!row) return undefined;
  const keys: MerchantKeys = {
    id: row.id,
    mchNo: row.mch_no,
    publicKey: row.public_key,
    platformPublicKey: row.platform_public_key,
    keyVersion: row.key_version,
    privateKeyEncrypted: row.private_key_encrypted,
    readAt: performance.now(),
  };
  const unchanged =
    stale?.credentials &&
    stale.keyVersion === keys.keyVersion &&
    stale.mchNo === keys.mchNo &&
    stale.publicKey === keys.publicKey &&
    stale.platformPublicKey === keys.platformPublicKey;
  if (unchanged) keys.credentials = stale.credentials;
  return keys;
}
