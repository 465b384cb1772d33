import { OrderError, upstreamErrorCode, type OrderErrorCode } from '../orders/order-errors.js';
import { TarsPayError } from '../tarspay/errors.js';
import { WebhookError } from '../webhooks/webhook-errors.js';

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

/**
 * Every error code a client can meet, with what it means: those of `userErrors` (USER_ERROR_CODES)
 * and those of top-level GraphQL errors (`extensions.code`). The schema's UserErrorCode enum, so a
 * typed client can switch over one closed set; test/graphql/error-codes.test.ts checks that every
 * code written in src/ is here.
 */
export const ERROR_CODES: Readonly<Record<string, string>> = {
  VALIDATION: 'An input field breaks a rule (`field` names it)',
  IDEMPOTENCY_CONFLICT: 'The merchantOrderNo is taken by an order with other details',
  METHOD_NOT_SUPPORTED: 'TarsPay does not offer this method (or not for this amount)',
  INSUFFICIENT_BALANCE: 'The balance does not cover the payout',
  UPSTREAM_REJECTED: 'TarsPay refused the request (`upstreamCode` says why)',
  UPSTREAM_UNAVAILABLE: 'TarsPay could not be reached or did not answer in time: retry with the same merchantOrderNo',
  NOT_FOUND: 'No such object for this merchant',
  SANDBOX_ONLY: 'Only with the built-in sandbox',
  INVALID_STATE: 'The order is not in a state that allows this',
  BAD_USER_INPUT: 'Top-level: an argument or variable breaks a rule (a bad cursor, a list too long)',
  CURSOR_EXPIRED: 'Top-level: the `after` cursor is older than the events kept (EVENT_RETENTION_DAYS)',
  RATE_LIMITED: 'Top-level: too many requests; retry after `retryAfterSeconds`',
  UNAUTHENTICATED: 'Top-level: no valid token (missing, unknown, expired or revoked)',
  FORBIDDEN: 'Top-level: the token lacks the scope this field needs',
  TRUSTED_DOCUMENT_REQUIRED: 'Top-level: this token may only send trusted (persisted) documents',
  PERSISTED_QUERY_NOT_FOUND: 'Top-level: no trusted document with this hash',
  BAD_REQUEST: 'Top-level: the request has neither a query nor a persisted document',
  PAYLOAD_TOO_LARGE: 'Top-level: the request body is too large',
  LIMIT_REACHED: 'Top-level (WebSocket): too many operations on this connection',
};

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

const ENDPOINT_FIELDS = new Set(['url', 'query', 'description', 'enabled']);

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
  if (error instanceof WebhookError) {
    const detail: UserErrorDetail = { code: error.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'VALIDATION', message: error.message };
    // Fields of the endpoint sit under the input argument; ids and cursors are arguments of their own.
    if (error.field) detail.field = inputArgument && ENDPOINT_FIELDS.has(error.field) ? [inputArgument, error.field] : error.field.split('.');
    return { userErrors: [detail], subject: null };
  }
  if (error instanceof TarsPayError) {
    const detail: UserErrorDetail = { code: upstreamErrorCode(error), message: error.message };
    if (error.code !== undefined) detail.upstreamCode = error.code;
    return { userErrors: [detail], subject: null };
  }
  return null;
}
