import { inspect } from 'node:util';
import { defineEntity, type EntityClass, type InferEntity } from '@mikro-orm/core';
import { uuidv7 } from '../db/uuid.js';

/**
 * The class behind Merchant entities. Its only job: the merchant's private key never shows up
 * where entities get printed. `hidden` keeps it out of `toJSON()`/`toObject()` (so out of pino
 * and GraphQL by accident), and this `inspect` keeps it out of `console.log` and `util.inspect`.
 */
class MerchantRecord {
  declare id: string;
  declare mchNo: string;
  declare publicKey: string;

  [inspect.custom](): string {
    return `Merchant { id: ${inspect(this.id)}, mchNo: ${inspect(this.mchNo)}, publicKey: ${inspect(this.publicKey)}, privateKey: [hidden] }`;
  }
}

/** A TarsPay merchant account served by this gateway; its keys sign requests and verify callbacks. */
export const Merchant = defineEntity({
  name: 'Merchant',
  tableName: 'merchants',
  class: MerchantRecord as unknown as EntityClass<never>,
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => uuidv7()),
    mchNo: p.text().unique(),
    /** Compressed secp256k1 public key hex (the one uploaded to TarsPay). */
    publicKey: p.text(),
    /** The merchant's secp256k1 private key, 64 hex characters. A secret: hidden from serialisation. */
    privateKey: p.text().hidden(),
    /** TarsPay's public key that signs this merchant's callbacks and responses. */
    platformPublicKey: p.text(),
    /** Overrides `${PUBLIC_URL}/tarspay/notify` for this merchant. */
    notifyUrl: p.text().nullable(),
    createdAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()),
  }),
});
export interface Merchant extends InferEntity<typeof Merchant> {}
