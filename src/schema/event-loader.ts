import DataLoader from 'dataloader';
import { emOf, type GraphQLContext } from './context.js';
import { findEventsByOrderIds } from '../orders/order-queries.js';
import type { OrderEventView } from '../orders/change-message.js';

const eventLoaders = new WeakMap<GraphQLContext, DataLoader<string, OrderEventView[]>>();

/** An order's events, oldest first, loaded in one statement for every order of the request. */
export function eventsOf(context: GraphQLContext, orderId: string): Promise<OrderEventView[]> {
  let loader = eventLoaders.get(context);
  if (!loader) {
    loader = new DataLoader((orderIds: readonly string[]) => findEventsByOrderIds(emOf(context), orderIds));
    eventLoaders.set(context, loader);
  }
  return loader.load(orderId);
}

/** Forgets the events read for this context (a subscription reads each event afresh). */
export function forgetEvents(context: GraphQLContext): void {
  eventLoaders.delete(context);
}
