import { clearAllDataLoaders } from '@pothos/plugin-dataloader';
import { decodeGlobalID, resolveCursorConnection } from '@pothos/plugin-relay';
import DataLoader from 'dataloader';
import { createGraphQLError } from 'graphql-yoga';
import { builder } from '../builder.js';
import { merchantOf, type GraphQLContext } from '../context.js';
import { ORDER_EVENT_SOURCES } from '../orders/order-event.entity.js';
import { restrictedView, type OrderEventView, type OrderView } from '../orders/order-snapshot.js';
import { ORDER_KINDS, Order } from '../orders/order.entity.js';
import {
  decodeOrderCursor,
  encodeOrderCursor,
  findEventsByOrderIds,
  findMerchantOrdersByIds,
  findOrderPage,
} from '../orders/order-queries.js';
import { ORDER_STATUSES } from '../orders/order-status.js';
import { OrderError } from '../orders/order-errors.js';
import type { UserErrorDetail } from '../user-errors.js';
import { UserErrorRef } from './user-error.js';

export const OrderKindEnum = builder.enumType('OrderKind', { values: ORDER_KINDS });
export const OrderStatusEnum = builder.enumType('OrderStatus', {
  description:
    "TarsPay's state codes (0 CREATED … 9 PARTIALLY_PAID), plus SUBMITTING (stored, TarsPay not yet answered) and UNKNOWN (TarsPay's answer was lost; reconciliation will settle it).",
  values: ORDER_STATUSES,
});
export const OrderEventSourceEnum = builder.enumType('OrderEventSource', { values: ORDER_EVENT_SOURCES });

export const OrderRef = builder.objectRef<OrderView>('Order');
export const OrderEventRef = builder.objectRef<OrderEventView>('OrderEvent');

/** Loads orders of the caller's merchant only: another merchant's id reads as "not found". */
function loadOrders(ids: readonly string[], context: GraphQLContext): Promise<(Order | null)[]> {
  if (!context.auth) return Promise.resolve(ids.map(() => null));
  return findMerchantOrdersByIds(context.em, context.auth.merchant.id, ids);
}

interface ContextLoaders {
  orders: DataLoader<string, OrderView>;
  events: DataLoader<string, OrderEventView[]>;
}

const loaders = new WeakMap<GraphQLContext, ContextLoaders>();

/**
 * A subscription keeps one context for its whole life: before each event, forget what earlier
 * events loaded (dataloader caches, the EntityManager's identity map) so that each is read fresh.
 */
export function freshReadsFor(context: GraphQLContext): void {
  clearAllDataLoaders(context);
  loaders.delete(context);
  context.em.clear();
}

function loadersOf(context: GraphQLContext): ContextLoaders {
  let found = loaders.get(context);
  if (!found) {
    found = {
      orders: new DataLoader(async (ids: readonly string[]) => (await loadOrders(ids, context)).map((order) => order ?? new Error('order not found'))),
      events: new DataLoader((orderIds: readonly string[]) => findEventsByOrderIds(context.em, orderIds)),
    };
    loaders.set(context, found);
  }
  return found;
}

/** The order a create replayed, as this token may see it: whole with orders:read, else id and status only. */
export function replayedOrderFor(context: GraphQLContext, order: OrderView): OrderView {
  return context.auth?.scopes.includes('orders:read') ? order : restrictedView(order);
}

builder.node(OrderRef, {
  description: 'A collection (pay-in) or payout, as the gateway knows it.',
  id: { resolve: (order) => order.id },
  loadMany: loadOrders,
  fields: (t) => ({
    kind: t.field({ type: OrderKindEnum, resolve: (order) => order.kind }),
    merchantOrderNo: t.exposeString('merchantOrderNo'),
    platformOrderId: t.string({ nullable: true, description: "TarsPay's payOrderId", resolve: (order) => order.platformOrderId ?? null }),
    status: t.field({ type: OrderStatusEnum, resolve: (order) => order.status }),
    amount: t.string({ description: 'Whole rupiah', resolve: (order) => order.amount }),
    paidAmount: t.string({ nullable: true, resolve: (order) => order.paidAmount ?? null }),
    fee: t.string({ nullable: true, resolve: (order) => order.fee ?? null }),
    currency: t.exposeString('currency'),
    method: t.string({ description: 'wayCode for collections, bank code for payouts', resolve: (order) => order.method }),
    payUrl: t.string({ nullable: true, description: 'Cashier URL, VA number or mart code, per method', resolve: (order) => order.payUrl ?? null }),
    payData: t.string({ nullable: true, description: 'QR string (QRIS) or e-wallet QR data', resolve: (order) => order.payData ?? null }),
    vaNumber: t.string({
      nullable: true,
      description: 'The virtual account number to transfer to (bank VA collections)',
      resolve: (order) => (order.kind === 'COLLECTION' && order.method.startsWith('BANK_') ? stringOrNull(order.instructions?.accountNumber) ?? order.payUrl ?? null : null),
    }),
    subject: t.string({ nullable: true, resolve: (order) => order.subject ?? null }),
    failureReason: t.string({ nullable: true, resolve: (order) => order.failureReason ?? null }),
    upstreamCode: t.int({ nullable: true, description: "TarsPay's error code when it refused the order", resolve: (order) => order.upstreamCode ?? null }),
    amountMismatch: t.boolean({ description: 'TarsPay reported a paid amount that differs from the amount', resolve: (order) => order.amountMismatch }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (order) => order.expiresAt ?? null }),
    payInstructionsAvailable: t.boolean({
      description:
        'Whether the gateway has how to pay (VA number, pay URL, QR data). False for a collection TarsPay confirmed only by inquiry after its create answer was lost (TarsPay\'s inquiry does not return them): do not show an empty VA; and always false for payouts.',
      resolve: (order) => order.kind === 'COLLECTION' && Boolean(order.payUrl || order.payData || stringOrNull(order.instructions?.accountNumber)),
    }),
    needsAttention: t.boolean({
      description: 'TarsPay has not settled this order long after it was created (its create outcome is still unknown): a person should check it in the TarsPay merchant console. The gateway never guesses.',
      resolve: (order) => order.attentionSince !== null && order.attentionSince !== undefined,
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (order) => order.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (order) => order.updatedAt }),
    events: t.field({
      type: [OrderEventRef],
      description: 'Every status report about the order, oldest first (ignored ones have applied: false)',
      resolve: (order, _args, context) => ('restricted' in order ? [] : loadersOf(context).events.load(order.id)),
    }),
  }),
});

builder.objectType(OrderEventRef, {
  description: 'A status change of an order, or a report that was recorded but not applied.',
  fields: (t) => ({
    id: t.globalID({ resolve: (event) => ({ type: 'OrderEvent', id: event.id }) }),
    order: t.field({
      type: OrderRef,
      // Events from pub/sub carry the order as it was then; events from the database load it in batches.
      resolve: (event, _args, context) => ('status' in event.order ? event.order : loadersOf(context).orders.load(event.order.id)),
    }),
    status: t.field({ type: OrderStatusEnum, resolve: (event) => event.status }),
    previousStatus: t.field({ type: OrderStatusEnum, nullable: true, resolve: (event) => event.previousStatus ?? null }),
    source: t.string({ description: 'API, CALLBACK, RECONCILIATION or SANDBOX', resolve: (event) => event.source }),
    applied: t.boolean({ description: 'false: recorded but not applied (it would have moved the order backwards)', resolve: (event) => event.applied }),
    note: t.string({ nullable: true, resolve: (event) => event.note ?? null }),
    createdAt: t.field({ type: 'DateTime', resolve: (event) => event.createdAt }),
  }),
});

export interface OrderPayloadShape {
  order: OrderView | null;
  userErrors: UserErrorDetail[];
}

export const OrderPayloadRef = builder.objectRef<OrderPayloadShape>('OrderPayload').implement({
  description: 'A mutation result: the order (also when there are userErrors, if one exists) and what went wrong.',
  fields: (t) => ({
    order: t.field({ type: OrderRef, nullable: true, resolve: (payload) => payload.order }),
    userErrors: t.field({ type: [UserErrorRef], resolve: (payload) => payload.userErrors }),
  }),
});

const OrderFilterInput = builder.inputType('OrderFilter', {
  fields: (t) => ({
    kind: t.field({ type: OrderKindEnum }),
    status: t.field({ type: [OrderStatusEnum], description: 'Any of these statuses' }),
    method: t.string({ validate: { maxLength: 64 } }),
    createdAfter: t.field({ type: 'DateTime', description: 'Inclusive' }),
    createdBefore: t.field({ type: 'DateTime', description: 'Exclusive' }),
    needsAttention: t.boolean({ description: 'Only orders that need (true) or do not need (false) a person' }),
  }),
});

/** The local id of an Order global ID, or null when the text is not one. */
export function parseOrderId(globalId: string): string | null {
  try {
    const { typename, id } = decodeGlobalID(globalId);
    return typename === 'Order' ? id : null;
  } catch {
    return null;
  }
}

export async function loadOwnOrder(context: GraphQLContext, globalId: string): Promise<Order | null> {
  const id = parseOrderId(globalId);
  if (!id) return null;
  const [order] = await findMerchantOrdersByIds(context.em, merchantOf(context).id, [id]);
  return order ?? null;
}

export async function loadOwnOrderOrFail(context: GraphQLContext, globalId: string): Promise<Order> {
  const order = await loadOwnOrder(context, globalId);
  if (!order) throw new OrderError('NOT_FOUND', 'No order with this id for this merchant', { field: 'id' });
  return order;
}

builder.queryFields((t) => ({
  order: t.field({
    type: OrderRef,
    nullable: true,
    authScopes: { scope: 'orders:read' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => loadOwnOrder(context, String(args.id)),
  }),
  orderByMerchantOrderNo: t.field({
    type: OrderRef,
    nullable: true,
    authScopes: { scope: 'orders:read' },
    args: { merchantOrderNo: t.arg.string({ required: true, validate: { minLength: 1, maxLength: 64 } }) },
    resolve: (_root, args, context) => context.em.findOne(Order, { merchant: merchantOf(context).id, merchantOrderNo: args.merchantOrderNo }),
  }),
  orders: t.connection(
    {
      type: OrderRef,
      description: "The merchant's orders, newest first",
      authScopes: { scope: 'orders:read' },
      args: { filter: t.arg({ type: OrderFilterInput }) },
      resolve: (_root, args, context) =>
        resolveCursorConnection<Promise<readonly Order[]>>({ args, toCursor: (order: Order) => encodeOrderCursor(order), defaultSize: 20, maxSize: 100 }, ({ before, after, limit, inverted }): Promise<readonly Order[]> => {
          const afterPosition = after ? decodeOrderCursor(after) : null;
          const beforePosition = before ? decodeOrderCursor(before) : null;
          if ((after && !afterPosition) || (before && !beforePosition)) {
            throw createGraphQLError('Invalid cursor: pass a cursor returned by this connection', { extensions: { code: 'BAD_USER_INPUT' } });
          }
          return findOrderPage(context.em, merchantOf(context).id, args.filter ?? {}, { after: afterPosition, before: beforePosition, limit, inverted });
        }),
    },
    // The names CONTRACT.md gives (Pothos would call them QueryOrdersConnection / QueryOrdersConnectionEdge).
    { name: 'OrderConnection' },
    { name: 'OrderEdge' },
  ),
}));

builder.mutationFields((t) => ({
  orderRefresh: t.field({
    type: OrderPayloadRef,
    description: "Asks TarsPay for the order's state now and applies the answer",
    authScopes: { scope: 'orders:read' },
    // upstreamCost: one TarsPay inquiry each time it resolves, charged by the rate limits on top of the mutation's 1.
    extensions: { userErrors: { subject: 'order' }, upstreamCost: 1 },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      const order = await loadOwnOrderOrFail(context, String(args.id));
      const refreshed = await context.services.orders.refresh(context.em, merchantOf(context), order);
      return { order: refreshed, userErrors: [] };
    },
  }),
}));

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value ? value : null;
}
