import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { Merchant } from '../merchants/merchant.entity.js';
import { Order } from '../orders/order.entity.js';

export const CALLBACK_OUTCOMES = ['APPLIED', 'DUPLICATE', 'IGNORED', 'UNKNOWN_ORDER', 'BAD_SIGNATURE'] as const;
export type CallbackOutcome = (typeof CALLBACK_OUTCOMES)[number];

/** Every callback TarsPay (or anyone) sent to /tarspay/notify, with what the gateway did with it. */
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
    receivedAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()),
  }),
  indexes: [{ name: 'callback_receipts_order_id_index', properties: ['order'] }],
});
export interface CallbackReceipt extends InferEntity<typeof CallbackReceipt> {}
