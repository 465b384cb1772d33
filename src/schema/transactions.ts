import { builder } from './builder.js';
import { merchantOf } from './context.js';
import { BIZ_TYPE } from '../tarspay/codes.js';
import type { HistoryAnswer, HistoryRecord } from '../tarspay/types.js';
import { OrderKindEnum, OrderStatusEnum } from './order.js';

const TransactionRef = builder.objectRef<HistoryRecord>('Transaction').implement({
  description: "A settled order from TarsPay's transaction history",
  fields: (t) => ({
    platformOrderId: t.string({ resolve: (record) => String(record.payOrderId) }),
    merchantOrderNo: t.string({ resolve: (record) => String(record.mchOrderNo ?? '') }),
    kind: t.field({ type: OrderKindEnum, nullable: true, resolve: (record) => kindOf(record.bizType) }),
    status: t.field({ type: OrderStatusEnum, nullable: true, resolve: (record) => record.status ?? null }),
    orderAmount: t.string({ resolve: (record) => String(record.orderAmount ?? '') }),
    amount: t.string({ description: 'Settled amount (collections: after the fee)', resolve: (record) => String(record.amount ?? '') }),
    fee: t.string({ nullable: true, resolve: (record) => (record.mchFeeAmount === undefined ? null : String(record.mchFeeAmount)) }),
    currency: t.string({ resolve: (record) => String(record.currency ?? 'IDR') }),
    method: t.string({ nullable: true, resolve: (record) => (record.payWay ? String(record.payWay) : null) }),
    createdAt: t.field({ type: 'DateTime', nullable: true, resolve: (record) => fromSeconds(record.createdAt) }),
    succeededAt: t.field({ type: 'DateTime', nullable: true, resolve: (record) => fromSeconds(record.successTime) }),
  }),
});

const TransactionPageRef = builder.objectRef<HistoryAnswer & { pageSize: number }>('TransactionPage').implement({
  fields: (t) => ({
    page: t.exposeInt('page'),
    pageSize: t.exposeInt('pageSize'),
    pages: t.exposeInt('pages'),
    total: t.exposeInt('total'),
    records: t.field({ type: [TransactionRef], resolve: (page) => page.records }),
  }),
});

const TransactionFilterInput = builder.inputType('TransactionFilter', {
  fields: (t) => ({
    kind: t.field({ type: OrderKindEnum }),
    from: t.field({ type: 'DateTime', description: 'Inclusive, to the second' }),
    to: t.field({ type: 'DateTime', description: 'To the second' }),
  }),
});

builder.queryFields((t) => ({
  transactions: t.field({
    type: TransactionPageRef,
    description: "TarsPay's transaction history (settled orders), page by page",
    authScopes: { scope: 'orders:read' },
    // One TarsPay call each time it resolves: charged by the rate limits (src/graphql/operation-cost.ts).
    extensions: { upstreamCost: 1 },
    args: {
      filter: t.arg({ type: TransactionFilterInput }),
      page: t.arg.int({ description: 'From 1', validate: { min: 1, max: 100_000 } }),
      pageSize: t.arg.int({ description: 'At most 50 (TarsPay limit)', validate: { min: 1, max: 50 } }),
    },
    resolve: async (_root, args, context) => {
      const pageSize = args.pageSize ?? 20;
      const filter = args.filter ?? {};
      const client = await context.services.upstream.forMerchant(merchantOf(context));
      const answer = await client.transactionHistory({
        bizType: filter.kind ? BIZ_TYPE[filter.kind] : undefined,
        startTime: filter.from ? Math.floor(filter.from.getTime() / 1000) : undefined,
        endTime: filter.to ? Math.floor(filter.to.getTime() / 1000) : undefined,
        pageNumber: args.page ?? 1,
        pageSize,
      });
      return { ...answer, pageSize };
    },
  }),
}));

function kindOf(bizType: unknown): 'COLLECTION' | 'PAYOUT' | null {
  if (Number(bizType) === BIZ_TYPE.COLLECTION) return 'COLLECTION';
  if (Number(bizType) === BIZ_TYPE.PAYOUT) return 'PAYOUT';
  return null;
}

function fromSeconds(value: unknown): Date | null {
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : null;
}
