/** TarsPay's numeric codes (tarspay-idr-api-doc.txt) and how the gateway reads them. */

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

/** What a TarsPay error code means for the gateway's user-facing error codes. */
export type UpstreamErrorCategory =
  | 'METHOD_NOT_SUPPORTED'
  | 'INSUFFICIENT_BALANCE'
  | 'DUPLICATE_ORDER'
  | 'INVALID_AMOUNT'
  | 'MISSING_PARAMETER'
  | 'SIGNATURE'
  | 'CREDENTIALS'
  | 'ORDER_NOT_FOUND'
  | 'REJECTED'
  | 'SYSTEM';

interface ErrorCodeInfo {
  message: string;
  category: UpstreamErrorCategory;
}

/** Every code in the doc's error table. 5003005 and 5003010 appear twice there; both texts are kept. */
export const ERROR_CODES: Readonly<Record<number, ErrorCodeInfo>> = {
  [-1]: { message: 'System error', category: 'SYSTEM' },
  5003001: { message: 'Missing parameter', category: 'MISSING_PARAMETER' },
  5003002: { message: 'Merchant or APIKey does not exist', category: 'CREDENTIALS' },
  5003003: { message: 'Merchant disabled', category: 'CREDENTIALS' },
  5003004: { message: 'Merchant not certified', category: 'CREDENTIALS' },
  5003005: { message: 'Merchant or api key does not exist', category: 'CREDENTIALS' },
  5003006: { message: 'api key expired', category: 'CREDENTIALS' },
  5003007: { message: 'ip error', category: 'CREDENTIALS' },
  5003008: { message: 'Signature error', category: 'SIGNATURE' },
  5003009: { message: 'Payment method not supported', category: 'METHOD_NOT_SUPPORTED' },
  5003010: { message: 'Order status error / Failed to create payment order', category: 'REJECTED' },
  5003011: { message: 'Merchant order number already exists', category: 'DUPLICATE_ORDER' },
  5003012: { message: 'URL format error', category: 'REJECTED' },
  5003013: { message: 'Channel error', category: 'REJECTED' },
  5003014: { message: 'Merchant rate configuration is not initialized', category: 'REJECTED' },
  5003015: { message: 'Channel does not exist', category: 'METHOD_NOT_SUPPORTED' },
  5003017: { message: 'Failed to create collection order', category: 'REJECTED' },
  5003018: { message: 'Failed to check collection order', category: 'ORDER_NOT_FOUND' },
  5003020: { message: 'Failed to query payment', category: 'ORDER_NOT_FOUND' },
  5004006: { message: 'Insufficient merchant balance', category: 'INSUFFICIENT_BALANCE' },
  500321: { message: 'Amount format is incorrect', category: 'INVALID_AMOUNT' },
  500322: { message: 'URL not supported', category: 'REJECTED' },
  500323: { message: 'Remote client error', category: 'REJECTED' },
  500324: { message: 'Order expired', category: 'REJECTED' },
  500326: { message: 'Error in querying channel balance', category: 'SYSTEM' },
  500327: { message: 'Wrong payment method', category: 'METHOD_NOT_SUPPORTED' },
};

export function describeErrorCode(code: number): ErrorCodeInfo {
  return ERROR_CODES[code] ?? { message: `TarsPay error ${code}`, category: 'REJECTED' };
}
