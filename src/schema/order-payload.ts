import { builder } from './builder.js';
import { merchantOf } from './context.js';
import type { OrderView } from '../orders/order-row.js';
import type { UserErrorDetail } from './business-errors.js';
import { loadOwnOrderOrFail, OrderRef } from './order.js';
import { UserErrorRef } from './user-error.js';

export interface OrderPayloadShape {
  order: OrderView | null;
  userErrors: UserErrorDetail[];
  /** Set by collectionCreate. */
  clientSecret?: string | null;
}

export const OrderPayloadRef = builder.objectRef<OrderPayloadShape>('OrderPayload').implement({
  description: 'A mutation result: the order (also when there are userErrors, if one exists) and what went wrong.',
  fields: (t) => ({
    order: t.field({ type: OrderRef, nullable: true, resolve: (payload) => payload.order }),
    userErrors: t.field({ type: [UserErrorRef], resolve: (payload) => payload.userErrors }),
    clientSecret: t.string({
      nullable: true,
      description:
        "A collection's client secret, set by a successful collectionCreate (null for payouts): hand it to the payer's browser instead of a token. It reads and follows this order only (order, node, orderUpdated; sandboxOrderSettle against the sandbox) and expires with the order.",
      resolve: (payload) => payload.clientSecret ?? null,
    }),
  }),
});

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
      const refreshed = await context.services.orders.refresh(merchantOf(context), order);
      return { order: refreshed, userErrors: [] };
    },
  }),
}));
