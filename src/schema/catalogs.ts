import { builder } from './builder.js';
import { PAYMENT_METHODS, PAYMENT_METHOD_TYPES, listPaymentMethods, searchPayoutBanks, type PaymentMethod } from '../tarspay/catalogs.js';

const PaymentMethodTypeEnum = builder.enumType('PaymentMethodType', { values: PAYMENT_METHOD_TYPES });

/** TarsPay's collection wayCodes, as the catalog has them: what `CollectionCreateInput.method` takes. */
export const PaymentMethodCodeEnum = builder.enumType('PaymentMethodCode', {
  description: 'A collection method (TarsPay wayCode): see the paymentMethods query for names and types',
  values: Object.fromEntries(PAYMENT_METHODS.map((method) => [method.code, { description: method.name }])),
});

const PaymentMethodRef = builder.objectRef<PaymentMethod>('PaymentMethod').implement({
  description: 'A collection method (TarsPay wayCode)',
  fields: (t) => ({
    code: t.field({ type: PaymentMethodCodeEnum, resolve: (method) => method.code }),
    name: t.exposeString('name'),
    type: t.field({ type: PaymentMethodTypeEnum, resolve: (method) => method.type }),
  }),
});

const BankRef = builder.objectRef<{ code: string; name: string }>('Bank').implement({
  description: 'A payout bank (or e-wallet-capable bank) as TarsPay lists it',
  fields: (t) => ({ code: t.exposeString('code'), name: t.exposeString('name') }),
});

builder.queryFields((t) => ({
  paymentMethods: t.field({
    type: [PaymentMethodRef],
    description: 'Collection methods, optionally of one type',
    authScopes: { authenticated: true },
    args: { type: t.arg({ type: PaymentMethodTypeEnum }) },
    resolve: (_root, args) => listPaymentMethods(args.type ?? undefined),
  }),
  payoutBanks: t.field({
    type: [BankRef],
    description: 'Payout banks; `search` matches code or name, every word, any case ("bca syariah")',
    authScopes: { authenticated: true },
    args: { search: t.arg.string({ validate: { maxLength: 64 } }) },
    resolve: (_root, args) => searchPayoutBanks(args.search ?? undefined),
  }),
}));
