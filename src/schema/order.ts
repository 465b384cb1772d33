import { decodeGlobalID, resolveCursorConnection } from '@pothos/plugin-relay';
import { NIL } from 'uuid';
import { builder, scopeRefusal } from './builder.js';
import { emOf, merchantOf, type GraphQLContext } from './context.js';
import { OrderError } from '../orders/order-errors.js';
import { encodeOrderCursor, findEventsByOrderIds, findMerchantOrdersByIds, findOrderPage, readOrderCursor } from '../orders/order-queries.js';
import type { OrderEventView } from '../orders/change-message.js';
import { restrictedView, type OrderView } from '../orders/order-row.js';
import { ORDER_STATUSES } from '../orders/order-status.js';
import { ORDER_KINDS } from '../orders/order-row.js';
import { Order } from '../orders/order.entity.js';
import type { OrderRequester } from '../orders/order.service.js';

export const OrderKindEnum = builder.enumType('OrderKind', { values: ORDER_KINDS });
export const OrderStatusEnum = builder.enumType('OrderStatus', {
  description:
    "TarsPay's state codes (0 CREATED … 9 PARTIALLY_PAID), plus SUBMITTING (stored, TarsPay not yet answered) and UNKNOWN (TarsPay's answer was lost; reconciliation will settle it).",
  values: ORDER_STATUSES,
});

/** Implemented in order-event.ts. */
export const OrderEventRef = builder.objectRef<OrderEventView>('OrderEvent');

/**
 * The one Order node, loaded in batches per request (Pothos dataloader) by every field that returns
 * an order by id: order(id), node(id), OrderEvent.order, subscriptions. Only the caller's merchant's
 * orders load; another merchant's id reads as not found.
 */
export const OrderRef = builder.loadableNode('Order', {
  description: 'A collection (pay-in) or payout, as the gateway knows it.',
  id: { resolve: (order: OrderView) => order.id },
  // null for an id that is not one of the merchant's orders (for a client secret: not its own order):
  // node(id) and order(id) then answer null.
  load: async (ids: string[], context: GraphQLContext) => {
    const auth = context.auth;
    if (!auth) return ids.map(() => null) as unknown as OrderView[];
    const reachable = auth.orderId ? ids.filter((id) => id === auth.orderId) : ids;
    const found = reachable.length ? await findMerchantOrdersByIds(emOf(context), auth.merchant.id, reachable) : [];
    const byId = new Map(reachable.map((id, index) => [id, found[index] ?? null]));
    return ids.map((id) => byId.get(id) ?? null) as OrderView[];
  },
  cacheResolved: (order: OrderView) => order.id,
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
      resolve: (order) =>
        order.kind === 'COLLECTION' && order.method.startsWith('BANK_') ? (stringOrNull(order.instructions?.accountNumber) ?? order.payUrl ?? null) : null,
    }),
    subject: t.string({ nullable: true, resolve: (order) => order.subject ?? null }),
    failureReason: t.string({ nullable: true, resolve: (order) => order.failureReason ?? null }),
    upstreamCode: t.int({ nullable: true, description: "TarsPay's error code when it refused the order", resolve: (order) => order.upstreamCode ?? null }),
    amountMismatch: t.boolean({ description: 'TarsPay reported a paid amount that differs from the amount', resolve: (order) => order.amountMismatch }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (order) => order.expiresAt ?? null }),
    payInstructionsAvailable: t.boolean({
      description:
        "Whether the gateway has how to pay (VA number, pay URL, QR data). False for a collection TarsPay confirmed only by inquiry after its create answer was lost (TarsPay's inquiry does not return them): do not show an empty VA; and always false for payouts.",
      resolve: (order) => order.kind === 'COLLECTION' && Boolean(order.payUrl || order.payData || stringOrNull(order.instructions?.accountNumber)),
    }),
    needsAttention: t.boolean({
      description:
        'A person should check this order in the TarsPay merchant console (attentionReason says why): TarsPay has not settled it in its expected time, or reported something the gateway could not apply. The gateway never guesses; the flag clears when TarsPay settles the order.',
      resolve: (order) => order.attentionSince !== null && order.attentionSince !== undefined,
    }),
    attentionReason: t.string({
      nullable: true,
      description:
        'Why the order needs attention, as `CODE: message`; the code is one of UNRESOLVED_CREATE, PAST_EXPIRY, PAYOUT_STUCK, CALLBACK_NOT_APPLIED, ADOPTION_MISMATCH. Null when needsAttention is false.',
      resolve: (order) => order.attentionReason ?? null,
    }),
    clientSecret: t.string({
      nullable: true,
      description:
        "The collection's client secret, for the payer's browser: it reads and follows this order only (null for payouts, and once revoked). Needs orders:read.",
      authScopes: { scope: 'orders:read' },
      resolve: (order, _args, context) =>
        order.kind === 'COLLECTION'
          ? context.services.clientSecrets.issue({
              id: order.id,
              merchantId: merchantOf(context).id,
              expiresAt: order.expiresAt ?? null,
              createdAt: order.createdAt,
            })
          : null,
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (order) => order.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (order) => order.updatedAt }),
    events: t.loadableList({
      type: OrderEventRef,
      description: 'Every status report about the order, oldest first (ignored ones have applied: false)',
      // One statement for every order of the request. A restricted view shows no events: the nil id has none.
      load: (orderIds: string[], context) => findEventsByOrderIds(emOf(context), orderIds, context.services.sequencer),
      resolve: (order) => ('restricted' in order ? NIL : order.id),
    }),
  }),
});

/**
 * Order is a federation entity keyed by its global ID: a router resolves it through Query._entities.
 * _entities is not a Pothos field, so scope-auth does not guard it: it needs orders:read here (a
 * client secret never gets this far: use-client-secret-limits.ts), and the node's loader returns
 * only the caller's merchant's orders (null for any other). Async, so a refusal is the item's error.
 */
builder.asEntity(OrderRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: async (reference, context) => {
    const auth = context.auth;
    if (!auth || auth.orderId !== null || !auth.scopes.includes('orders:read')) throw scopeRefusal(context, 'Query._entities');
    return loadOwnOrder(context, reference.id);
  },
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

/** The caller's order by global ID (through the node's loader), or null. */
export async function loadOwnOrder(context: GraphQLContext, globalId: string): Promise<Order | null> {
  const id = parseOrderId(globalId);
  if (!id) return null;
  return (await OrderRef.getDataloader(context).load(id)) as Order | null;
}

export async function loadOwnOrderOrFail(context: GraphQLContext, globalId: string): Promise<Order> {
  const order = await loadOwnOrder(context, globalId);
  if (!order) throw new OrderError('NOT_FOUND', 'No order with this id for this merchant');
  return order;
}

/** Who asks for a create, as the orders domain judges a retry (see OrderRequester). */
export function requesterOf(context: GraphQLContext): OrderRequester {
  return { tokenId: context.auth?.tokenId ?? null, mayReadOrders: context.auth?.scopes.includes('orders:read') ?? false };
}

/** The order a create replayed, as this token may see it: whole with orders:read, else id and status only. */
export function replayedOrderFor(context: GraphQLContext, order: OrderView): OrderView {
  return context.auth?.scopes.includes('orders:read') ? order : restrictedView(order);
}

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

builder.queryFields((t) => ({
  order: t.field({
    type: OrderRef,
    nullable: true,
    description: 'One order by id: with orders:read, or its own client secret',
    authScopes: { scope: 'orders:read', clientSecret: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => loadOwnOrder(context, String(args.id)),
  }),
  orderByMerchantOrderNo: t.field({
    type: OrderRef,
    nullable: true,
    authScopes: { scope: 'orders:read' },
    args: { merchantOrderNo: t.arg.string({ required: true, validate: { minLength: 1, maxLength: 64 } }) },
    resolve: (_root, args, context) => emOf(context).findOne(Order, { merchant: merchantOf(context).id, merchantOrderNo: args.merchantOrderNo }),
  }),
  orders: t.connection(
    {
      type: OrderRef,
      description: "The merchant's orders, newest first",
      authScopes: { scope: 'orders:read' },
      args: { filter: t.arg({ type: OrderFilterInput }) },
      resolve: (_root, args, context) =>
        resolveCursorConnection<Promise<readonly Order[]>>(
          { args, toCursor: (order: Order) => encodeOrderCursor(order), defaultSize: 20, maxSize: 100 },
          ({ before, after, limit, inverted }): Promise<readonly Order[]> => {
            const afterPosition = after ? readOrderCursor(after) : null;
            const beforePosition = before ? readOrderCursor(before) : null;
            return findOrderPage(emOf(context), merchantOf(context).id, args.filter ?? {}, { after: afterPosition, before: beforePosition, limit, inverted });
          },
        ),
    },
    // The public names of the API (Pothos would call them QueryOrdersConnection / QueryOrdersConnectionEdge).
    { name: 'OrderConnection' },
    { name: 'OrderEdge' },
  ),
}));

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value ? value : null;
}
