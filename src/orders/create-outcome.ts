import { TarsPayError } from '../tarspay/errors.js';
import type { OrderErrorCode } from './order-errors.js';
import type { OrderStatus } from './order-status.js';

/**
 * What a failed create proves, decided in this one place (the code table is tarspay/error-codes.ts):
 * - FAILED only when TarsPay refused definitively, or when the request never left this process
 *   (the connection could not be made);
 * - UNKNOWN for everything else: ambiguous or unknown codes, "already exists", HTTP errors,
 *   timeouts, answers that can't be read or verified, and our own faults after the call. An UNKNOWN
 *   order is reconciled from TarsPay's records; the gateway never guesses its outcome.
 */
export interface CreateFailure {
  status: Extract<OrderStatus, 'FAILED' | 'UNKNOWN'>;
  /** The error the create answers with. */
  errorCode: OrderErrorCode;
  upstreamCode?: number;
  /** TarsPay proved it holds an order with this merchantOrderNo. */
  upstreamConfirmed: boolean;
  /** For the order's failureReason (FAILED) or the event note (UNKNOWN). */
  explanation: string;
}

const REFUSAL_CODES: Partial<Record<NonNullable<TarsPayError['refusalReason']>, OrderErrorCode>> = {
  method: 'METHOD_NOT_SUPPORTED',
  balance: 'INSUFFICIENT_BALANCE',
};

export function classifyCreateFailure(error: unknown): CreateFailure {
  if (!(error instanceof TarsPayError)) {
    return { status: 'UNKNOWN', errorCode: 'UPSTREAM_UNAVAILABLE', upstreamConfirmed: false, explanation: 'create outcome unknown: internal error' };
  }
  const unknown = (explanation: string, upstreamConfirmed = false): CreateFailure => ({
    status: 'UNKNOWN',
    errorCode: 'UPSTREAM_UNAVAILABLE',
    upstreamCode: error.code,
    upstreamConfirmed,
    explanation,
  });
  if (error.kind === 'unavailable' && error.notSent) {
    return { status: 'FAILED', errorCode: 'UPSTREAM_UNAVAILABLE', upstreamConfirmed: false, explanation: `${error.message}: nothing was sent to TarsPay` };
  }
  switch (error.meaning) {
    case 'refused':
      return {
        status: 'FAILED',
        errorCode: REFUSAL_CODES[error.refusalReason!] ?? 'UPSTREAM_REJECTED',
        upstreamCode: error.code,
        upstreamConfirmed: false,
        explanation: error.message,
      };
    case 'exists':
      return unknown(`${error.message}: TarsPay holds an order with this merchantOrderNo`, true);
    default:
      return unknown(`create outcome unknown: ${error.message}`);
  }
}

/** The mutation's message for a create that did not end as CREATED/PROCESSING. */
export function createFailureMessage(failure: CreateFailure): string {
  if (failure.status === 'UNKNOWN')
    return `${failure.explanation}. The order is kept as UNKNOWN and will be reconciled with TarsPay; do not create it again under another merchantOrderNo.`;
  if (failure.errorCode === 'UPSTREAM_UNAVAILABLE')
    return `${failure.explanation}. The order is FAILED: nothing was charged or paid; create it again with a new merchantOrderNo once TarsPay is reachable.`;
  return failure.explanation;
}
