import { inspect } from 'node:util';
import { defineEntity, type EntityClass, type InferEntity } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';

/**
 * The class behind Merchant entities. Its only job: the merchant's (encrypted) private key never
 * shows up where entities get printed. `hidden` keeps it out of `toJSON()`/`toObject()` (so out of
 * pino and GraphQL by accident), and this `inspect` keeps it out of `console.log` and `util.inspect`.
 * The plain key exists only where openPrivateKey (merchant-keys.ts) is called.
 */
class MerchantRecord {
  declare id: string;
  declare mchNo: string;
  declare publicKey: string;
  declare keyVersion: number;

  [inspect.custom](): string {
    return `Merchant { id: ${inspect(this.id)}, mchNo: ${inspect(this.mchNo)}, publicKey: ${inspect(this.publicKey)}, keyVersion: ${inspect(this.keyVersion)}, privateKey: [encrypted] }`;
  }
}

/** A TarsPay merchant account served by this gateway; its keys sign requests and verify callbacks. */
export const Merchant = defineEntity({
  name: 'Merchant',
  tableName: 'merchants',
  class: MerchantRecord as unknown as EntityClass<never>,
  properties: (p) => ({
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    mchNo: p.text().unique(),
    /** Compressed secp256k1 public key hex (the one uploaded to TarsPay). */
    publicKey: p.text(),
    /**
     * The merchant's secp256k1 private key sealed with the key-encryption key (`v1:<keyId>:…`,
     * AES-256-GCM, bound to this row's id). Opened only by openPrivateKey (merchant-keys.ts).
     */
    privateKeyEncrypted: p.text().hidden(),
    /** The key-encryption key that sealed it: rows under a previous one are re-encrypted at start. */
    keyEncryptionKeyId: p.text(),
    /** TarsPay's public key that signs this merchant's callbacks and responses. */
    platformPublicKey: p.text(),
    /** 1, then +1 each time the private key or platform key changes: gateways rebuild their client on a new version. */
    keyVersion: p.integer().default(1),
    keysUpdatedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    /**
     * `<publicKey>:<platformPublicKey>` the environment (TARSPAY_PRIVATE_KEY, TARSPAY_PLATFORM_PUBLIC_KEY)
     * last set at start. A start applies the environment's keys only when they differ from this,
     * so keys rotated with the CLI are not put back by the next restart.
     */
    configuredKeys: p.text().nullable(),
    /** Overrides `${PUBLIC_URL}/tarspay/notify` for this merchant. */
    notifyUrl: p.text().nullable(),
    /** The last order event's `seq` of this merchant: the event sequencer numbers under this row's lock, so events are numbered in commit order. */
    eventSeq: p.bigint('string').default('0'),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
  }),
});
export interface Merchant extends InferEntity<typeof Merchant> {}
