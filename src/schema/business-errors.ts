import type { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { MissingScopeError } from '../auth/scopes.js';
import { CursorError, OrderError, upstreamErrorCode, type OrderErrorCode } from '../orders/order-errors.js';
import { TarsPayError } from '../tarspay/errors.js';
import { WebhookError } from '../webhooks/webhook-errors.js';

/**
 * What clients see of the domain's errors, mapped here and nowhere else: a `userErrors` entry in a
 * mutation payload (toBusinessError), or a top-level GraphQL error with its `extensions.code`
 * (toGraphQLError). The domain names no GraphQL argument; the mapping adds them. The
 * userErrors plugin (plugins/user-errors.ts) applies both to every root field.
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

/** Where a field's domain errors are named (see UserErrorsOptions in plugins/user-errors.ts). */
export interface ErrorArguments {
  /** The argument holding the domain's fields: `amount` becomes ["input", "amount"] for `collectionCreate(input:)`. */
  input?: string;
  /** The argument naming the object itself: an error about the object as a whole (NOT_FOUND, INVALID_STATE) names it. */
  subjectId?: string;
}

/** Errors about the object a field names, not about one of its fields. */
const ABOUT_THE_SUBJECT: readonly OrderErrorCode[] = ['NOT_FOUND', 'INVALID_STATE'];

/** The client's view of a business error, or null for anything else (a bug, masked upstream). */
export function toBusinessError(error: unknown, names: ErrorArguments = {}): BusinessError | null {
  if (error instanceof InputError) return { userErrors: error.details, subject: null };
  if (error instanceof OrderError) {
    const field = fieldOf(error, names);
    const detail: UserErrorDetail = { code: CODES[error.code], message: error.message };
    if (field) detail.field = field;
    if (error.upstreamCode !== undefined) detail.upstreamCode = error.upstreamCode;
    return { userErrors: [detail], subject: error.order ?? null };
  }
  if (error instanceof WebhookError) {
    const detail: UserErrorDetail = { code: error.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'VALIDATION', message: error.message };
    // Fields of the endpoint sit under the input argument; ids and cursors are arguments of their own.
    if (error.field) detail.field = names.input && ENDPOINT_FIELDS.has(error.field) ? [names.input, error.field] : error.field.split('.');
    return { userErrors: [detail], subject: null };
  }
  if (error instanceof TarsPayError) {
    const detail: UserErrorDetail = { code: upstreamErrorCode(error), message: error.message };
    if (error.code !== undefined) detail.upstreamCode = error.code;
    return { userErrors: [detail], subject: null };
  }
  return null;
}

function fieldOf(error: OrderError, names: ErrorArguments): string[] | undefined {
  if (error.field !== undefined) return names.input ? [names.input, ...error.field.split('.')] : error.field.split('.');
  if (names.subjectId && ABOUT_THE_SUBJECT.includes(error.code)) return [names.subjectId];
  return undefined;
}

/**
 * A top-level GraphQL error for a domain error (a query's or subscription's, or a mutation's that
 * has no payload for it), or null for anything else (a bug: masked as "Unexpected error."). `args`
 * are the field's arguments, to name the one at fault.
 */
export function toGraphQLError(error: unknown, args: Readonly<Record<string, unknown>>, names: ErrorArguments = {}): GraphQLError | null {
  if (error instanceof CursorError) {
    const argument = Object.keys(args).find((name) => args[name] === error.cursor) ?? 'after';
    return error.code === 'CURSOR_EXPIRED'
      ? createGraphQLError(`${argument}: ${error.message} Read the orders' current state (orders query) and resume from a new cursor (latestEventCursor).`, {
          extensions: { code: 'CURSOR_EXPIRED' },
        })
      : createGraphQLError(`${argument}: ${error.message}`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  if (error instanceof MissingScopeError) return createGraphQLError(error.message, { extensions: { code: 'FORBIDDEN' } });
  const business = toBusinessError(error, names);
  if (!business) return null;
  const [first] = business.userErrors;
  return createGraphQLError(business.userErrors.map((detail) => detail.message).join('; '), {
    extensions: {
      code: first?.code === 'VALIDATION' ? 'BAD_USER_INPUT' : first?.code,
      userErrors: business.userErrors,
      ...(first?.upstreamCode !== undefined ? { upstreamCode: first.upstreamCode } : {}),
    },
  });
}
