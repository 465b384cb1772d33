import { createGraphQLError } from 'graphql-yoga';
import { builder } from './builder.js';
import { merchantOf } from './context.js';
import { CursorError, encodeEventCursor, type EventFilter } from '../orders/event-stream.js';
import { eventViewOf } from '../orders/change-message.js';
import { OrderEventRef, OrderKindEnum, OrderRef, OrderStatusEnum, parseOrderId } from './order.js';

builder.objectType(OrderEventRef, {
  description: 'A status change of an order, or a report that was recorded but not applied.',
  fields: (t) => ({
    id: t.globalID({ resolve: (event) => ({ type: 'OrderEvent', id: event.id }) }),
    cursor: t.string({
      description: "The event's place in the merchant's stream, in commit order (opaque, stable): resume orderEvents or page events after it",
      resolve: (event) => encodeEventCursor(event),
    }),
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

export const OrderEventFilterInput = builder.inputType('OrderEventFilter', {
  fields: (t) => ({
    kind: t.field({ type: OrderKindEnum }),
    status: t.field({ type: [OrderStatusEnum], description: 'Only changes to any of these statuses' }),
    orderId: t.id({ description: 'Only this order' }),
    includeIgnored: t.boolean({ description: 'Also reports recorded but not applied (e.g. late or replayed callbacks); default false' }),
    needsAttention: t.boolean({ description: 'Only events of orders that need (true) or do not need (false) a person now' }),
  }),
});

export function eventFilterOf(
  filter:
    | { kind?: string | null; status?: string[] | null; orderId?: string | number | null; includeIgnored?: boolean | null; needsAttention?: boolean | null }
    | null
    | undefined,
): EventFilter {
  const orderId = filter?.orderId ? parseOrderId(String(filter.orderId)) : null;
  // An orderId that is not an Order's global ID matches no order.
  return { ...filter, orderId: filter?.orderId && !orderId ? '00000000-0000-0000-0000-000000000000' : orderId };
}

/** A bad or expired `after`: a top-level error with its code (CURSOR_EXPIRED or BAD_USER_INPUT). */
export function cursorError(error: unknown): unknown {
  if (!(error instanceof CursorError)) return error;
  return createGraphQLError(error.message, { extensions: { code: error.code === 'CURSOR_EXPIRED' ? 'CURSOR_EXPIRED' : 'BAD_USER_INPUT' } });
}

const PAGE_DEFAULT = 50;
const PAGE_MAX = 100; // as for orders: a page of 100 stays under the query cost limit with a full selection

const OrderEventConnectionRef = builder.connectionObject({ type: OrderEventRef, name: 'OrderEventConnection' }, { name: 'OrderEventEdge' });

builder.queryFields((t) => ({
  latestEventCursor: t.string({
    description:
      "A cursor at the merchant's latest committed event, as of now: pass it as `after` to orderEvents (or events) to get everything committed from now on, with nothing lost between this query and the subscription. A consumer starting for the first time saves it, then resumes from the cursor of each event it handles.",
    authScopes: { scope: 'orders:read' },
    resolve: (_root, _args, context) => context.services.events.latestCursor(merchantOf(context).id),
  }),
  events: t.field({
    type: OrderEventConnectionRef,
    description: "The merchant's committed order events in commit order, oldest first: for backfill and polling. Resume with `after` = the last edge's cursor.",
    authScopes: { scope: 'orders:read' },
    args: {
      first: t.arg.int({ description: `At most ${PAGE_MAX} (default ${PAGE_DEFAULT})`, validate: { min: 1, max: PAGE_MAX } }),
      after: t.arg.string({ description: "An OrderEvent's cursor" }),
      filter: t.arg({ type: OrderEventFilterInput }),
    },
    resolve: async (_root, args, context) => {
      try {
        const page = await context.services.events.page(
          merchantOf(context).id,
          { first: args.first ?? PAGE_DEFAULT, after: args.after },
          eventFilterOf(args.filter),
        );
        const edges = page.messages.map((message) => {
          const node = eventViewOf(message);
          return { cursor: encodeEventCursor(node), node };
        });
        return {
          edges,
          pageInfo: { hasNextPage: page.hasNextPage, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
        };
      } catch (error) {
        throw cursorError(error);
      }
    },
  }),
}));
