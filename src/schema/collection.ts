import { builder } from './builder.js';
import { merchantOf } from './context.js';
import * as rules from './input-rules.js';
import { PaymentMethodCodeEnum } from './catalogs.js';
import { OrderPayloadRef } from './order-payload.js';
import { replayedOrderFor, requesterOf } from './order.js';

export const CustomerInput = builder.inputType('CustomerInput', {
  description: 'Who pays (collections) or who is paid (payouts)',
  fields: (t) => ({
    name: t.string({ validate: { schema: rules.nameRule } }),
    email: t.string({ validate: { schema: rules.emailRule } }),
    phone: t.string({ description: 'Indonesian number, e.g. 081234567890', validate: { schema: rules.indonesianPhoneRule } }),
    accountNumber: t.string({ validate: { schema: rules.accountNumberRule } }),
  }),
});

const CollectionCreateInput = builder.inputType('CollectionCreateInput', {
  fields: (t) => ({
    amount: t.string({ required: true, description: 'Whole rupiah, e.g. "150000"', validate: { schema: rules.amountRule } }),
    method: t.field({ type: PaymentMethodCodeEnum, required: true, description: 'TarsPay wayCode: CASHIER, BANK_*, EWALLET_*, QRIS, MART_*' }),
    merchantOrderNo: t.string({ description: 'Idempotency key; generated when absent', validate: { schema: rules.merchantOrderNoRule } }),
    subject: t.string({ required: true, validate: { schema: rules.subjectRule } }),
    description: t.string({ required: true, description: "TarsPay's `body`", validate: { schema: rules.descriptionRule } }),
    returnUrl: t.string({ description: 'Where the cashier sends the payer back', validate: { schema: rules.urlRule } }),
    customer: t.field({ type: CustomerInput }),
  }),
});

builder.mutationFields((t) => ({
  collectionCreate: t.field({
    type: OrderPayloadRef,
    description: 'Creates a collection (pay-in). Safe to retry with the same merchantOrderNo.',
    authScopes: { scope: 'collections:write' },
    extensions: { userErrors: { subject: 'order', input: 'input' } },
    args: { input: t.arg({ type: CollectionCreateInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const merchant = merchantOf(context);
      const { order, replayed } = await context.services.orders.createCollection(merchant, input, requesterOf(context));
      // Idempotent: a retry by its creator gets the same secret.
      const clientSecret = await context.services.clientSecrets.issue({
        id: order.id,
        merchantId: merchant.id,
        expiresAt: order.expiresAt,
        createdAt: order.createdAt,
      });
      return { order: replayed ? replayedOrderFor(context, order) : order, userErrors: [], clientSecret };
    },
  }),
}));
