import type { OrderStatus } from '../tarspay/codes.js';

/**
 * The one state machine for every source of truth: create answers, callbacks, inquiry answers,
 * reconciliation and the sandbox. A table, read as "from → the statuses it may move to".
 * Final: FAILED, CANCELLED, REFUNDED, EXPIRED, REJECTED never move; SUCCEEDED may only be refunded.
 * Anything else (a late, replayed or out-of-order update) is recorded but not applied.
 */
const OPEN_TARGETS: readonly OrderStatus[] = [
  'CREATED',
  'PROCESSING',
  'QUEUED',
  'SUCCEEDED',
  'PARTIALLY_PAID',
  'FAILED',
  'CANCELLED',
  'EXPIRED',
  'REJECTED',
];

export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  SUBMITTING: [...OPEN_TARGETS, 'UNKNOWN'],
  UNKNOWN: OPEN_TARGETS,
  CREATED: OPEN_TARGETS.filter((status) => status !== 'CREATED'),
  QUEUED: ['PROCESSING', 'SUCCEEDED', 'PARTIALLY_PAID', 'FAILED', 'CANCELLED', 'EXPIRED', 'REJECTED'],
  PROCESSING: ['SUCCEEDED', 'PARTIALLY_PAID', 'FAILED', 'CANCELLED', 'EXPIRED', 'REJECTED'],
  PARTIALLY_PAID: ['SUCCEEDED', 'REFUNDED'],
  SUCCEEDED: ['REFUNDED'],
  FAILED: [],
  CANCELLED: [],
  REFUNDED: [],
  EXPIRED: [],
  REJECTED: [],
};

export const FINAL_STATUSES: readonly OrderStatus[] = ['FAILED', 'CANCELLED', 'REFUNDED', 'EXPIRED', 'REJECTED'];

/** Statuses after which nothing more is expected from TarsPay (SUCCEEDED can only be refunded later). */
export function isSettled(status: OrderStatus): boolean {
  return status === 'SUCCEEDED' || FINAL_STATUSES.includes(status);
}

export type TransitionVerdict = 'apply' | 'duplicate' | 'ignore';

export function judgeTransition(from: OrderStatus, to: OrderStatus): TransitionVerdict {
  if (from === to) return 'duplicate';
  return TRANSITIONS[from].includes(to) ? 'apply' : 'ignore';
}
