import { builder } from '../builder.js';
import { OrderEventRef, OrderRef, OrderStatusEnum } from './order.js';

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
