import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { Merchant } from '../merchants/merchant.entity.js';
import { Order } from '../orders/order.entity.js';

/**
 * What the gateway did with a callback the first time it came. APPLIED, DUPLICATE, IGNORED and
 * UNKNOWN_ORDER are answered OK; MALFORMED (signed, but not a usable TarsPay callback) and MISMATCH
 * (its ids name different orders) are refused with 400 and change nothing.
 */
export const CALLBACK_OUTCOMES = ['APPLIED', 'DUPLICATE', 'IGNORED', 'UNKNOWN_ORDER', 'BAD_SIGNATURE', 'MALFORMED', 'MISMATCH'] as const;
export type CallbackOutcome = (typeof CALLBACK_OUTCOMES)[number];

/**
 * Every verified callback sent to /tarspay/notify, once per content: a delivery of the same content
 * again (TarsPay resending, a replay, whitespace padding, the other S of the signature) counts in
 * `deliveries` instead of adding a row.
 */
export const CallbackReceipt = defineEntity({
  name: 'CallbackReceipt',
  tableName: 'callback_receipts',
  properties: (p) => ({
    id: p.bigint('string').primary().autoincrement(),
    mchNo: p.text().nullable(),
    merchant: p.manyToOne(Merchant).nullable(),
    order: p.manyToOne(Order).nullable(),
    rawBody: p.text(),
    signature: p.text().nullable(),
    verified: p.boolean(),
    outcome: p.text().$type<CallbackOutcome>(),
    /** SHA-256 (hex) of the body's compact key-sorted JSON: what makes two deliveries "the same callback". */
    contentHash: p.text(),
    deliveries: p
      .integer()
      .default(1)
      .onCreate(() => 1),
    receivedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    lastReceivedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
  }),
  indexes: [{ name: 'callback_receipts_order_id_index', properties: ['order'] }],
  uniques: [{ name: 'callback_receipts_merchant_id_content_hash_unique', properties: ['merchant', 'contentHash'] }],
});
export interface CallbackReceipt extends InferEntity<typeof CallbackReceipt> {}
