import { createGraphQLError } from 'graphql-yoga';
import { builder } from '../builder.js';
import { merchantOf, type GraphQLContext } from '../context.js';
import { eventViewOf, reviveChangeMessage, toOrderView, type OrderChangeMessage, type OrderView } from '../orders/order-snapshot.js';
import { isSettled } from '../orders/state-machine.js';
import { clearAllDataLoaders } from '@pothos/plugin-dataloader';
import { forgetEvents } from './event-loader.js';
import { OrderEventRef, OrderKindEnum, OrderRef, OrderStatusEnum, loadOwnOrder, parseOrderId } from './order.js';

const OrderEventFilterInput = builder.inputType('OrderEventFilter', {
  fields: (t) => ({
    kind: t.field({ type: OrderKindEnum }),
    status: t.field({ type: [OrderStatusEnum], description: 'Only changes to any of these statuses' }),
    orderId: t.id({ description: 'Only this order' }),
    includeIgnored: t.boolean({ description: 'Also reports recorded but not applied (e.g. late or replayed callbacks); default false' }),
  }),
});

async function* orderUpdates(context: GraphQLContext, globalId: string): AsyncGenerator<OrderView> {
  const id = parseOrderId(globalId);
  const changes = context.services.live.pubsub.subscribe('order:changed', id ?? 'none');
  // Start listening before reading the snapshot, so that no change falls between the two.
  let pending = changes.next();
  try {
    const order = await loadOwnOrder(context, globalId);
    if (!order) throw createGraphQLError('No order with this id for this merchant', { extensions: { code: 'NOT_FOUND' } });
    const snapshot = toOrderView(order);
    yield snapshot;
    if (isSettled(snapshot.status)) return;
    for (let next = await pending; !next.done; next = await pending) {
      pending = changes.next();
      const message = reviveChangeMessage(next.value);
      if (!message.event.applied || message.order.updatedAt <= snapshot.updatedAt) continue;
      yield message.order;
      if (isSettled(message.order.status)) return;
    }
  } finally {
    await changes.return?.();
  }
}

async function* merchantEvents(
  context: GraphQLContext,
  filter: { kind?: string | null; status?: string[] | null; orderId?: string | number | null; includeIgnored?: boolean | null },
): AsyncGenerator<OrderChangeMessage> {
  const changes = context.services.live.pubsub.subscribe('merchant:order-changed', merchantOf(context).id);
  const orderId = filter.orderId ? parseOrderId(String(filter.orderId)) : null;
  try {
    for await (const raw of changes) {
      const message = reviveChangeMessage(raw);
      if (!message.event.applied && !filter.includeIgnored) continue;
      if (filter.kind && message.order.kind !== filter.kind) continue;
      if (filter.status?.length && !filter.status.includes(message.event.status)) continue;
      if (orderId && message.order.id !== orderId) continue;
      yield message;
    }
  } finally {
    await changes.return?.();
  }
}

/**
 * A subscription keeps one context for its whole life: before each event, forget what earlier
 * events loaded (dataloader caches, the EntityManager's identity map) so that each is read fresh.
 */
function freshReadsFor(context: GraphQLContext): void {
  clearAllDataLoaders(context);
  forgetEvents(context);
  context.em.clear();
}

builder.subscriptionType({});

builder.subscriptionFields((t) => ({
  orderUpdated: t.field({
    type: OrderRef,
    description: 'The order as it is now, then every change; completes once the order is settled (SUCCEEDED or a final status).',
    authScopes: { scope: 'orders:read' },
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, args, context) => orderUpdates(context, String(args.id)),
    resolve: (order: OrderView, _args, context) => {
      freshReadsFor(context);
      return order;
    },
  }),
  orderEvents: t.field({
    type: OrderEventRef,
    description: "Every status change of the merchant's orders, as it is committed",
    authScopes: { scope: 'orders:read' },
    // Its events depend on the merchant, scopes and arguments only: equal subscriptions share one execution.
    extensions: { sharedStream: true },
    args: { filter: t.arg({ type: OrderEventFilterInput }) },
    subscribe: (_root, args, context) => merchantEvents(context, args.filter ?? {}),
    resolve: (message: OrderChangeMessage, _args, context) => {
      freshReadsFor(context);
      return eventViewOf(message);
    },
  }),
}));
