import { defineEntity, type InferEntity } from '@mikro-orm/core';
import type { OrderStatus } from './order-status.js';
import { Merchant } from '../merchants/merchant.entity.js';
import { Order } from './order.entity.js';

export const ORDER_EVENT_SOURCES = ['API', 'CALLBACK', 'RECONCILIATION', 'SANDBOX'] as const;
export type OrderEventSource = (typeof ORDER_EVENT_SOURCES)[number];

/**
 * One status report about an order, applied or not. `applied: false` records what arrived but
 * was ignored (e.g. a late callback that would move the order backwards). `id` grows with
 * insertion: order events by id for their history.
 */
export const OrderEvent = defineEntity({
  name: 'OrderEvent',
  tableName: 'order_events',
  properties: (p) => ({
    id: p.bigint('string').primary().autoincrement(),
    order: p.manyToOne(Order),
    /** The merchant's, so that its events can be read in order without a join. */
    merchant: p.manyToOne(Merchant),
    /**
     * The event's place in its merchant's stream, in commit order: null from its write until the
     * event sequencer numbers it, moments after its commit (see event-sequencer.ts).
     */
    seq: p.bigint('string').nullable(),
    status: p.text().$type<OrderStatus>(),
    previousStatus: p.text().$type<OrderStatus>().nullable(),
    source: p.text().$type<OrderEventSource>(),
    applied: p.boolean(),
    note: p.text().nullable(),
    /** The raw upstream payload (callback or inquiry answer) that caused this event. */
    payload: p.json<Record<string, unknown>>().nullable(),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
  }),
  indexes: [
    { name: 'order_events_order_id_id_index', properties: ['order', 'id'] },
    // What the sequencer has still to number, per merchant in id order.
    {
      name: 'order_events_unnumbered_index',
      expression: 'create index "order_events_unnumbered_index" on "order_events" ("merchant_id", "id") where "seq" is null',
    },
  ],
  uniques: [{ name: 'order_events_merchant_id_seq_unique', properties: ['merchant', 'seq'] }],
});
export interface OrderEvent extends InferEntity<typeof OrderEvent> {}
