/** TarsPay's order states and business types. Error codes: error-codes.ts. */

/** TarsPay's order states, each at the index of the code TarsPay sends as `state` / `orderState`. */
export const TARSPAY_STATES = [
  'CREATED',
  'PROCESSING',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'REFUNDED',
  'EXPIRED',
  'QUEUED',
  'REJECTED',
  'PARTIALLY_PAID',
] as const;
export type TarsPayState = (typeof TARSPAY_STATES)[number];

/** The code TarsPay sends for each state: STATE_CODE.SUCCEEDED is 2. */
export const STATE_CODE = Object.fromEntries(TARSPAY_STATES.map((state, code) => [state, code])) as Readonly<Record<TarsPayState, number>>;

/** The doc's tables say "string" but the examples carry numbers: accept both. */
export function stateFromCode(value: unknown): TarsPayState | undefined {
  const numeric = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof numeric === 'number' && Number.isInteger(numeric) ? TARSPAY_STATES[numeric] : undefined;
}

export const BIZ_TYPE = { COLLECTION: 1, PAYOUT: 2 } as const;

/**
 * The kind of order a `bizType` names: 1 (or "1") a collection, 2 (or "2") a payout; undefined for
 * anything else (3 and 4 are TarsPay's USDT and plain withdrawals, which the gateway never makes).
 */
export function bizTypeKind(value: unknown): keyof typeof BIZ_TYPE | undefined {
  for (const kind of ['COLLECTION', 'PAYOUT'] as const) {
    if (value === BIZ_TYPE[kind] || value === String(BIZ_TYPE[kind])) return kind;
  }
  return undefined;
}
