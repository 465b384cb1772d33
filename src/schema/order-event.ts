import DataLoader from 'dataloader';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { findEventsByOrderIds } from '../orders/order-queries.js';
import type { OrderEventView } from '../orders/order-snapshot.js';
import { OrderRef, OrderStatusEnum } from './order.js';

export const OrderEventRef = builder.objectRef<OrderEventView>('OrderEvent');

builder.objectType(OrderEventRef, {
  description: 'A status change of an order, or a report that was recorded but not applied.',
  fields: (t) => ({
    id: t.globalID({ resolve: (event) => ({ type: 'OrderEvent', id: event.id }) }),
    order: t.field({
      type: OrderRef,
      // Events from pub/sub carry the order as it was then; events from the database load it by id.
      resolve: (event) => ('status' in event.order ? event.order : event.order.id),
    }),
    status: t.field({ type: OrderStatusEnum, resolve: (event) => event.status }),
    previousStatus: t.field({ type: OrderStatusEnum, nullable: true, resolve: (event) => event.previousStatus ?? null }),
    source: t.string({ description: 'API, CALLBACK, RECONCILIATION or SANDBOX', resolve: (event) => event.source }),
    applied: t.boolean({ description: 'false: recorded but not applied (it would have moved the order backwards)', resolve: (event) => event.applied }),
    note: t.string({ nullable: true, resolve: (event) => event.note ?? null }),
    createdAt: t.field({ type: 'DateTime', resolve: (event) => event.createdAt }),
  }),
});

const eventLoaders = new WeakMap<GraphQLContext, DataLoader<string, OrderEventView[]>>();

/** An order's events, oldest first, loaded in one statement for every order of the request. */
export function eventsOf(context: GraphQLContext, orderId: string): Promise<OrderEventView[]> {
  let loader = eventLoaders.get(context);
  if (!loader) {
    loader = new DataLoader((orderIds: readonly string[]) => findEventsByOrderIds(context.em, orderIds));
    eventLoaders.set(context, loader);
  }
  return loader.load(orderId);
}

/** Forgets the events read for this context (a subscription reads each event afresh). */
export function forgetEvents(context: GraphQLContext): void {
  eventLoaders.delete(context);
}
