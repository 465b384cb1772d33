import { OrderError, upstreamErrorCode, type OrderErrorCode } from './orders/order-errors.js';
import { TarsPayError } from './tarspay/errors.js';

/**
 * What clients see of a business error: a `userErrors` entry in a mutation payload, or the
 * extensions of a query's error. The one place that maps the domain's errors to it.
 */
export const USER_ERROR_CODES = [
  'VALIDATION',
  'IDEMPOTENCY_CONFLICT',
  'METHOD_NOT_SUPPORTED',
  'INSUFFICIENT_BALANCE',
  'UPSTREAM_REJECTED',
  'UPSTREAM_UNAVAILABLE',
  'NOT_FOUND',
  'SANDBOX_ONLY',
  'INVALID_STATE',
] as const;
export type UserErrorCode = (typeof USER_ERROR_CODES)[number];

export interface UserErrorDetail {
  code: UserErrorCode;
  message: string;
  /** The argument path at fault, e.g. ["input", "amount"]. */
  field?: string[];
  upstreamCode?: number;
}

/** Input the API refused before the domain saw it (zod rules, unstorable text), with argument paths. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(readonly details: UserErrorDetail[]) {
    super(details.map((detail) => detail.message).join('; '));
  }
}

const CODES: Record<OrderErrorCode, UserErrorCode> = {
  INVALID_INPUT: 'VALIDATION',
  IDEMPOTENCY_CONFLICT: 'IDEMPOTENCY_CONFLICT',
  METHOD_NOT_SUPPORTED: 'METHOD_NOT_SUPPORTED',
  INSUFFICIENT_BALANCE: 'INSUFFICIENT_BALANCE',
  UPSTREAM_REJECTED: 'UPSTREAM_REJECTED',
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  NOT_FOUND: 'NOT_FOUND',
  SANDBOX_ONLY: 'SANDBOX_ONLY',
  INVALID_STATE: 'INVALID_STATE',
};

export interface BusinessError {
  userErrors: UserErrorDetail[];
  /** The object the error is about, for the payload (e.g. the order kept as UNKNOWN). */
  subject: unknown;
}

/**
 * The client's view of a business error, or null for anything else (a bug, masked upstream).
 * `inputArgument` is the argument that holds the domain's fields: `amount` becomes
 * ["input", "amount"] for `collectionCreate(input:)`, and stays ["id"] for top-level arguments.
 */
export function toBusinessError(error: unknown, inputArgument?: string): BusinessError | null {
  if (error instanceof InputError) return { userErrors: error.details, subject: null };
  if (error instanceof OrderError) {
    const field = error.field === undefined ? undefined : inputArgument ? [inputArgument, ...error.field.split('.')] : error.field.split('.');
    const detail: UserErrorDetail = { code: CODES[error.code], message: error.message };
    if (field) detail.field = field;
    if (error.upstreamCode !== undefined) detail.upstreamCode = error.upstreamCode;
    return { userErrors: [detail], subject: error.order ?? null };
  }
  if (error instanceof TarsPayError) {
    const detail: UserErrorDetail = { code: upstreamErrorCode(error), message: error.message };
    if (error.code !== undefined) detail.upstreamCode = error.code;
    return { userErrors: [detail], subject: null };
  }
  return null;
}
