import { builder } from './builder.js';
import { merchantOf } from './context.js';
import * as rules from './input-rules.js';
import { CustomerInput } from './collection.js';
import { OrderPayloadRef } from './order-payload.js';
import { replayedOrderFor, requesterOf } from './order.js';

const PayoutCreateInput = builder.inputType('PayoutCreateInput', {
  fields: (t) => ({
    amount: t.string({ required: true, description: 'Whole rupiah, e.g. "250000"', validate: { schema: rules.amountRule } }),
    bankCode: t.string({ required: true, description: 'A payout bank code, e.g. BANK_BCA', validate: { schema: rules.payoutBankRule } }),
    accountNumber: t.string({ required: true, validate: { schema: rules.accountNumberRule } }),
    accountName: t.string({ required: true, validate: { schema: rules.nameRule } }),
    merchantOrderNo: t.string({
      required: true,
      description: 'Required: a payout is never created twice for one key',
      validate: { schema: rules.merchantOrderNoRule },
    }),
    customer: t.field({ type: CustomerInput, required: true, description: 'email and phone are required by TarsPay for payouts' }),
    address: t.string({ validate: { schema: rules.addressRule } }),
  }),
  validate: [
    [(input) => Boolean(input.customer.email), { message: 'customer.email is required for payouts', path: ['customer', 'email'] }],
    [(input) => Boolean(input.customer.phone), { message: 'customer.phone is required for payouts', path: ['customer', 'phone'] }],
  ],
});

builder.mutationFields((t) => ({
  payoutCreate: t.field({
    type: OrderPayloadRef,
    description: 'Sends money to a bank account. Never sent twice for one merchantOrderNo, whatever the retries.',
    authScopes: { scope: 'payouts:write' },
    extensions: { userErrors: { subject: 'order', input: 'input' } },
    args: { input: t.arg({ type: PayoutCreateInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const { order, replayed } = await context.services.orders.createPayout(merchantOf(context), input, requesterOf(context));
      return { order: replayed ? replayedOrderFor(context, order) : order, userErrors: [] };
    },
  }),
}));
