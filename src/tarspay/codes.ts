/** TarsPay's order state codes and business types. Error codes: error-codes.ts. */

export const ORDER_STATUSES = [
  'SUBMITTING',
  'CREATED',
  'PROCESSING',
  'SUCCEEDED',
  'FAILED',
  'PARTIALLY_PAID',
  'CANCELLED',
  'REFUNDED',
  'EXPIRED',
  'QUEUED',
  'REJECTED',
  'UNKNOWN',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** TarsPay `state` / `orderState` → the contract's OrderStatus. */
export const STATE_TO_STATUS: Readonly<Record<number, OrderStatus>> = {
  0: 'CREATED',
  1: 'PROCESSING',
  2: 'SUCCEEDED',
  3: 'FAILED',
  4: 'CANCELLED',
  5: 'REFUNDED',
  6: 'EXPIRED',
  7: 'QUEUED',
  8: 'REJECTED',
  9: 'PARTIALLY_PAID',
};

/** The doc's tables say "string" but the examples carry numbers: accept both. */
export function statusFromState(state: unknown): OrderStatus | undefined {
  const numeric = typeof state === 'string' && /^\d+$/.test(state) ? Number(state) : state;
  return typeof numeric === 'number' ? STATE_TO_STATUS[numeric] : undefined;
}

export const BIZ_TYPE = { COLLECTION: 1, PAYOUT: 2 } as const;
