import { type TarsPayError } from '../tarspay/errors.js';
import type { OrderView } from './order-row.js';

/** Why an order could not be created, read or moved, in the domain's words. */
export const ORDER_ERROR_CODES = [
  'INVALID_INPUT',
  'IDEMPOTENCY_CONFLICT',
  'METHOD_NOT_SUPPORTED',
  'INSUFFICIENT_BALANCE',
  'UPSTREAM_REJECTED',
  'UPSTREAM_UNAVAILABLE',
  'NOT_FOUND',
  'SANDBOX_ONLY',
  'INVALID_STATE',
] as const;
export type OrderErrorCode = (typeof ORDER_ERROR_CODES)[number];

/**
 * A business error of the orders domain. It names the order's field at fault in the domain's terms
 * (`amount`, `merchantOrderNo`, `method`); the API layer maps it to what its clients see, once.
 * Messages say what was wrong and what to do; they never carry secrets.
 */
export class OrderError extends Error {
  override name = 'OrderError';
  readonly code: OrderErrorCode;
  readonly field: string | undefined;
  readonly upstreamCode: number | undefined;
  /** The order the error is about, when one exists (e.g. kept as UNKNOWN). */
  readonly order: OrderView | undefined;

  constructor(code: OrderErrorCode, message: string, details: { field?: string; upstreamCode?: number; order?: OrderView } = {}) {
    super(message);
    this.code = code;
    this.field = details.field;
    this.upstreamCode = details.upstreamCode;
    this.order = details.order;
  }
}

/** A failed call to TarsPay, as an order error: a definitive refusal is REJECTED, anything else UNAVAILABLE. */
export function upstreamErrorCode(error: TarsPayError): 'UPSTREAM_REJECTED' | 'UPSTREAM_UNAVAILABLE' {
  return error.kind === 'rejected' && error.meaning !== 'could-not-check' ? 'UPSTREAM_REJECTED' : 'UPSTREAM_UNAVAILABLE';
}
