import { builder } from './builder.js';
import { merchantOf } from './context.js';
import type { BalanceAnswer } from '../tarspay/types.js';

const BalanceRef = builder.objectRef<BalanceAnswer>('Balance').implement({
  description: "The merchant's balance at TarsPay, in whole rupiah",
  fields: (t) => ({
    availableAmount: t.exposeString('availableAmount'),
    frozenAmount: t.exposeString('frozenAmount'),
    currency: t.string({ resolve: () => 'IDR' }),
  }),
});

builder.queryFields((t) => ({
  balance: t.field({
    type: BalanceRef,
    authScopes: { scope: 'balance:read' },
    // One TarsPay call each time it resolves: charged by the rate limits (src/graphql/operation-cost.ts).
    extensions: { upstreamCost: 1 },
    resolve: async (_root, _args, context) => {
      const client = await context.services.upstream.forMerchant(merchantOf(context));
      return await client.balance();
    },
  }),
}));
