import { builder } from './builder.js';
import { merchantOf, type GraphQLContext } from './context.js';
import { OrderError } from '../orders/order-errors.js';
import { eventViewOf, type OrderChangeMessage } from '../orders/change-message.js';
import type { OrderView } from '../orders/order-row.js';
import { isSettled } from '../orders/state-machine.js';
import { clearAllDataLoaders } from '@pothos/plugin-dataloader';
import { eventFilterOf, OrderEventFilterInput } from './order-event.js';
import { OrderEventRef, OrderRef, parseOrderId } from './order.js';

async function* orderUpdates(context: GraphQLContext, globalId: string): AsyncGenerator<OrderView> {
  const id = parseOrderId(globalId);
  const changes = context.services.live.orderChanges(id ?? 'none');
  // Start listening before reading the snapshot, so that no change falls between the two.
  const pending = { next: changes.next() };
  try {
    // A client secret follows its own order only; another id reads as not found.
    const reachable = id !== null && (context.auth?.orderId ?? id) === id;
    let order: OrderView | null = reachable ? await context.services.orders.view(merchantOf(context).id, id) : null;
    if (!order) throw new OrderError('NOT_FOUND', 'No order with this id for this merchant');
    // While it waits, a subscriber holds the time and status of the order it was shown last, not
    // the order: once a yield returns, its event's execution is over and what it read is let go.
    let shown = { status: order.status, updatedAt: order.updatedAt };
    for (; order; order = await nextChange(changes, pending, shown.updatedAt)) {
      shown = { status: order.status, updatedAt: order.updatedAt };
      yield order;
      order = null;
      freshReadsFor(context);
      if (isSettled(shown.status)) return;
    }
  } finally {
    await changes.return?.();
  }
}

/**
 * The order of the next applied change newer than `shown`, or null once the changes end. A message
 * carries the order as it was when its event was numbered: several events numbered together carry the same one.
 */
async function nextChange(
  changes: AsyncIterator<OrderChangeMessage>,
  pending: { next: Promise<IteratorResult<OrderChangeMessage>> },
  shown: Date,
): Promise<OrderView | null> {
  for (let next = await pending.next; !next.done; next = await pending.next) {
    pending.next = changes.next();
    const { order, event } = next.value;
    if (event.applied && order.updatedAt > shown) return order;
  }
  return null;
}

/**
 * A subscription keeps one context for its whole life: before each event, forget what earlier
 * events loaded (dataloader caches, the EntityManager's identity map) so that each is read fresh.
 */
function freshReadsFor(context: GraphQLContext): void {
  clearAllDataLoaders(context);
  context.entityManager.clear();
}

builder.subscriptionType({});

builder.subscriptionFields((t) => ({
  orderUpdated: t.field({
    type: OrderRef,
    description:
      'The order as it is now, then every change; completes once the order is settled (SUCCEEDED or a final status). With orders:read, or its own client secret.',
    authScopes: { scope: 'orders:read', clientSecret: true },
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, args, context) => orderUpdates(context, String(args.id)),
    resolve: (order: OrderView, _args, context) => {
      freshReadsFor(context);
      return order;
    },
  }),
  orderEvents: t.field({
    type: OrderEventRef,
    description: "Every status change of the merchant's orders, in commit order; with `after`, resumed from that event's cursor",
    authScopes: { scope: 'orders:read' },
    // Its events depend on the merchant, scopes and arguments only: equal subscriptions share one
    // execution; one with `after` replays on its own, then moves to it (see graphql/websocket.ts).
    extensions: { sharedStream: { replayArgument: 'after' } },
    args: {
      filter: t.arg({ type: OrderEventFilterInput }),
      after: t.arg.string({
        description: "An OrderEvent's cursor: first replays what was committed after it, in commit order, then goes live (nothing missed, nothing twice)",
      }),
    },
    subscribe: (_root, args, context) => {
      const merchantId = merchantOf(context).id;
      return context.services.events.stream(
        merchantId,
        () => context.services.live.merchantChanges(merchantId),
        args.after,
        eventFilterOf(args.filter),
        context.streamPosition,
      );
    },
    resolve: (message: OrderChangeMessage, _args, context) => {
      freshReadsFor(context);
      return eventViewOf(message);
    },
  }),
}));
