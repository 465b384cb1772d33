import type { OrderStatus } from './order-status.js';

/**
 * The one state machine for every report about an order: create answers, callbacks, inquiry
 * answers and reconciliation. A table, read as "from → the statuses it may move to".
 *
 * - FAILED, EXPIRED and CANCELLED are final, except that a payment TarsPay reports (SUCCEEDED or
 *   PARTIALLY_PAID) always applies to them: the money moved, so the order must show it. Such a move
 *   is a late payment (see isLatePayment).
 * - REFUNDED and REJECTED never move. SUCCEEDED moves only to REFUNDED.
 * - Anything else (a late, replayed or out-of-order update) is recorded but not applied.
 */
const OPEN_TARGETS: readonly OrderStatus[] = ['CREATED', 'PROCESSING', 'QUEUED', 'SUCCEEDED', 'PARTIALLY_PAID', 'FAILED', 'CANCELLED', 'EXPIRED', 'REJECTED'];

const PAID: readonly OrderStatus[] = ['SUCCEEDED', 'PARTIALLY_PAID'];

export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  SUBMITTING: [...OPEN_TARGETS, 'UNKNOWN'],
  UNKNOWN: OPEN_TARGETS,
  CREATED: OPEN_TARGETS.filter((status) => status !== 'CREATED'),
  QUEUED: ['PROCESSING', 'SUCCEEDED', 'PARTIALLY_PAID', 'FAILED', 'CANCELLED', 'EXPIRED', 'REJECTED'],
  PROCESSING: ['SUCCEEDED', 'PARTIALLY_PAID', 'FAILED', 'CANCELLED', 'EXPIRED', 'REJECTED'],
  PARTIALLY_PAID: ['SUCCEEDED', 'REFUNDED'],
  SUCCEEDED: ['REFUNDED'],
  FAILED: PAID,
  CANCELLED: PAID,
  EXPIRED: PAID,
  REFUNDED: [],
  REJECTED: [],
};

/** Statuses that end an order; the first three still take a payment TarsPay reports later. */
export const FINAL_STATUSES: readonly OrderStatus[] = ['FAILED', 'CANCELLED', 'EXPIRED', 'REFUNDED', 'REJECTED'];

/** Nothing more is expected from TarsPay (SUCCEEDED can only be refunded, a final order only paid late). */
export function isSettled(status: OrderStatus): boolean {
  return status === 'SUCCEEDED' || FINAL_STATUSES.includes(status);
}

/** A payment applied to an order that had already ended without one. */
export function isLatePayment(from: OrderStatus, to: OrderStatus): boolean {
  return FINAL_STATUSES.includes(from) && PAID.includes(to);
}

export type TransitionVerdict = 'apply' | 'duplicate' | 'ignore';

export function judgeTransition(from: OrderStatus, to: OrderStatus): TransitionVerdict {
  if (from === to) return 'duplicate';
  return TRANSITIONS[from].includes(to) ? 'apply' : 'ignore';
}
