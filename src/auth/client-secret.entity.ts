import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import { Merchant } from '../merchants/merchant.entity.js';
import { Order } from '../orders/order.entity.js';

/**
 * The client secret of one collection: a browser credential that reaches that order only. Looked
 * up by its SHA-256; the secret itself is kept sealed under the key-encryption key, so that a token
 * with orders:read can read it again (Order.clientSecret).
 */
export const ClientSecret = defineEntity({
  name: 'ClientSecret',
  tableName: 'client_secrets',
  properties: (p) => ({
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    order: p.manyToOne(Order).unique(),
    merchant: p.manyToOne(Merchant),
    /** SHA-256 hex of the secret text. */
    secretHash: p.text().unique().hidden(),
    /** The secret sealed with the key ring (context `client-secret:<order id>`). */
    secretEncrypted: p.text().hidden(),
    /** The order's expiry plus a grace period: refused from then on. */
    expiresAt: p.datetime(),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    revokedAt: p.datetime().nullable(),
  }),
});
export interface ClientSecret extends InferEntity<typeof ClientSecret> {}
