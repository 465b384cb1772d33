import { PAYOUT_BANKS } from './payout-banks.js';

export const PAYMENT_METHOD_TYPES = ['BANK_VA', 'MART', 'EWALLET', 'QRIS', 'CASHIER'] as const;
export type PaymentMethodType = (typeof PAYMENT_METHOD_TYPES)[number];

export interface PaymentMethod {
  readonly code: string;
  readonly name: string;
  readonly type: PaymentMethodType;
}

/** An amount range in whole rupiah; no `max`: no upper limit. */
export interface AmountLimit {
  readonly min: bigint;
  readonly max?: bigint;
}

/**
 * The amounts TarsPay takes per collection method type: it documents bank VA 10,000–50,000,000 and
 * e-wallet from 10,000; the QRIS, MART and CASHIER minimums are our assumption (it documents none).
 * The sandbox enforces these; the gateway checks them before calling TarsPay (COLLECTION_LIMITS overrides).
 */
export const COLLECTION_AMOUNT_LIMITS: Readonly<Record<PaymentMethodType, AmountLimit>> = {
  BANK_VA: { min: 10_000n, max: 50_000_000n },
  EWALLET: { min: 10_000n },
  QRIS: { min: 10_000n },
  MART: { min: 10_000n },
  CASHIER: { min: 10_000n },
};

/** TarsPay documents no payout limits: this minimum is our assumption (PAYOUT_LIMIT overrides it in the gateway). */
export const PAYOUT_AMOUNT_LIMIT: AmountLimit = { min: 10_000n };

/** Collection `wayCode`s: the doc's table, plus BANK_BSI and BANK_DANAMON that TarsPay's other docs add. */
export const PAYMENT_METHODS: readonly PaymentMethod[] = [
  { code: 'CASHIER', name: 'TarsPay hosted cashier', type: 'CASHIER' },
  { code: 'BANK_BCA', name: 'BCA virtual account', type: 'BANK_VA' },
  { code: 'BANK_BNI', name: 'BNI virtual account', type: 'BANK_VA' },
  { code: 'BANK_BRI', name: 'BRI virtual account', type: 'BANK_VA' },
  { code: 'BANK_BSS', name: 'Bank Sahabat Sampoerna virtual account', type: 'BANK_VA' },
  { code: 'BANK_CIMB', name: 'CIMB Niaga virtual account', type: 'BANK_VA' },
  { code: 'BANK_MANDIRI', name: 'Mandiri virtual account', type: 'BANK_VA' },
  { code: 'BANK_MAY', name: 'Maybank virtual account', type: 'BANK_VA' },
  { code: 'BANK_PERMATA', name: 'Permata virtual account', type: 'BANK_VA' },
  { code: 'BANK_BSI', name: 'Bank Syariah Indonesia virtual account', type: 'BANK_VA' },
  { code: 'BANK_DANAMON', name: 'Danamon virtual account', type: 'BANK_VA' },
  { code: 'EWALLET_DANA', name: 'DANA', type: 'EWALLET' },
  { code: 'EWALLET_GOPAY', name: 'GoPay', type: 'EWALLET' },
  { code: 'EWALLET_LINKAJA', name: 'LinkAja', type: 'EWALLET' },
  { code: 'EWALLET_OVO', name: 'OVO', type: 'EWALLET' },
  { code: 'EWALLET_SHOPEEPAY', name: 'ShopeePay', type: 'EWALLET' },
  { code: 'QRIS', name: 'QRIS', type: 'QRIS' },
  { code: 'MART_ALFA', name: 'Alfamart', type: 'MART' },
  { code: 'MART_INDO', name: 'Indomaret', type: 'MART' },
];

const methodsByCode = new Map(PAYMENT_METHODS.map((method) => [method.code, method]));
const banksByCode = new Map(PAYOUT_BANKS.map((bank) => [bank.code, bank]));

export function findPaymentMethod(code: string): PaymentMethod | undefined {
  return methodsByCode.get(code);
}

export function listPaymentMethods(type?: PaymentMethodType): PaymentMethod[] {
  return PAYMENT_METHODS.filter((method) => type === undefined || method.type === type);
}

export function findPayoutBank(code: string): { code: string; name: string } | undefined {
  return banksByCode.get(code);
}

/**
 * Case-insensitive search over code and name; every word must match ("bca syariah").
 * Exact code matches first, then codes or names starting with the query, then the rest, each alphabetical.
 */
export function searchPayoutBanks(search?: string): Array<{ code: string; name: string }> {
  const query = (search ?? '')
    .trim()
    .toUpperCase()
    .replace(/[\s_]+/g, ' ');
  if (!query) return [...PAYOUT_BANKS];
  const words = query.split(' ');
  const rank = (bank: { code: string; name: string }): number => {
    const code = bank.code.replace(/_/g, ' ');
    if (code === query || code === `BANK ${query}`) return 0;
    if (code.startsWith(query) || code.startsWith(`BANK ${query}`)) return 1;
    return 2;
  };
  return PAYOUT_BANKS.filter((bank) => {
    const haystack = `${bank.code.replace(/_/g, ' ')} ${bank.name}`.toUpperCase();
    return words.every((word) => haystack.includes(word));
  }).sort((a, b) => rank(a) - rank(b) || a.code.localeCompare(b.code));
}
