import { createGraphQLError } from 'graphql-yoga';
import { builder } from './builder.js';
import { emOf, merchantOf } from './context.js';
import { amountRule } from './input-rules.js';
import { SANDBOX_OUTCOMES, settleInSandbox } from '../sandbox-client/settlement.js';
import { OrderPayloadRef } from './order-payload.js';
import { loadOwnOrderOrFail } from './order.js';

const SandboxOutcomeEnum = builder.enumType('SandboxOutcome', { values: SANDBOX_OUTCOMES });

builder.mutationFields((t) => ({
  sandboxOrderSettle: t.field({
    type: OrderPayloadRef,
    description:
      "Sandbox only: settles the order at the sandbox, which sends the signed callback as TarsPay would. Needs collections:write for collections, payouts:write for payouts, or the collection's own client secret.",
    authScopes: { authenticated: true, clientSecret: true },
    extensions: { userErrors: { subject: 'order' } },
    args: {
      id: t.arg.id({ required: true }),
      outcome: t.arg({ type: SandboxOutcomeEnum, required: true }),
      paidAmount: t.arg.string({ description: 'For PARTIALLY_PAID: what the payer paid', validate: { schema: amountRule } }),
    },
    resolve: async (_root, args, context) => {
      const order = await loadOwnOrderOrFail(context, String(args.id));
      const needed = order.kind === 'COLLECTION' ? 'collections:write' : 'payouts:write';
      // The loader gave a client secret its own order only: that one it may settle.
      const ownOrder = context.auth?.orderId === order.id && order.kind === 'COLLECTION';
      if (!ownOrder && !context.auth?.scopes.includes(needed)) {
        throw createGraphQLError(`Settling a ${order.kind.toLowerCase()} needs the ${needed} scope`, { extensions: { code: 'FORBIDDEN' } });
      }
      const settled = await settleInSandbox(emOf(context), context.services, order, merchantOf(context), args.outcome, args.paidAmount);
      return { order: settled, userErrors: [] };
    },
  }),
}));
