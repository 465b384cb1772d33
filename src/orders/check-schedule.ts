import type { Order } from './order.entity.js';
import type { OrderStatus } from './order-status.js';
import { FINAL_STATUSES, TRANSITIONS } from './state-machine.js';

/**
 * When reconciliation asks TarsPay about an order: the first check by status (nextCheckAt), then,
 * while TarsPay's answer changes nothing, a delay doubling per check (checkDelayMs; the claim in
 * reconciler.ts computes the same in SQL from backoffParameters). The one home of the back-off.
 * Every delay comes from the configuration (RECONCILE_*_MS, LATE_PAYMENT_WINDOW_MS).
 */
export interface CheckSchedule {
  /** The first check of an UNKNOWN or SUBMITTING order, after this long. */
  firstCheckMs: number;
  /** The first check of an open order without an expiry (CREATED, PROCESSING, QUEUED), and of one TarsPay closed unpaid. */
  openCheckMs: number;
  /** The first check of an open collection, this long after it expires. */
  afterExpiryMs: number;
  /** The delay after the first check of a status. */
  backoffFirstMs: number;
  /** The longest delay between two checks of one order. */
  backoffMaxMs: number;
  /** FAILED, EXPIRED and CANCELLED orders are asked about this long after their last change, for a late payment. */
  latePaymentWindowMs: number;
}

export const DEFAULT_CHECK_SCHEDULE: CheckSchedule = {
  firstCheckMs: 30_000,
  openCheckMs: 10 * 60_000,
  afterExpiryMs: 60_000,
  backoffFirstMs: 15_000,
  backoffMaxMs: 30 * 60_000,
  latePaymentWindowMs: 72 * 60 * 60_000,
};

/**
 * Statuses reconciliation never checks. A SUCCEEDED order can only be refunded, which the merchant
 * starts at TarsPay and so knows of; REFUNDED and REJECTED never move.
 */
export const UNCHECKED_STATUSES: readonly OrderStatus[] = ['SUCCEEDED', ...FINAL_STATUSES.filter((status) => TRANSITIONS[status].length === 0)];

/**
 * Statuses TarsPay closed without a payment but that still take one (state-machine.ts): checked
 * within latePaymentWindowMs of the order's last change, so a late payment whose callback was lost
 * still shows. Such checks never re-send a create nor flag the order (both are for UNKNOWN orders).
 */
export const CLOSED_UNPAID_STATUSES: readonly OrderStatus[] = FINAL_STATUSES.filter((status) => TRANSITIONS[status].length > 0);

/** When reconciliation should first ask TarsPay, given the status an order is in now. */
export function nextCheckAt(order: Pick<Order, 'status' | 'kind' | 'expiresAt'>, now = Date.now(), schedule = DEFAULT_CHECK_SCHEDULE): Date | null {
  if (UNCHECKED_STATUSES.includes(order.status)) return null;
  if (order.status === 'UNKNOWN' || order.status === 'SUBMITTING') return new Date(now + schedule.firstCheckMs);
  if (CLOSED_UNPAID_STATUSES.includes(order.status)) return schedule.latePaymentWindowMs > 0 ? new Date(now + schedule.openCheckMs) : null;
  if (order.kind === 'COLLECTION' && order.expiresAt) {
    return new Date(Math.max(order.expiresAt.getTime() + schedule.afterExpiryMs, now + schedule.afterExpiryMs));
  }
  return new Date(now + schedule.openCheckMs);
}

/** Doublings before the delay reaches its maximum (the exponent stays small in SQL). */
function maxDoublings(schedule: CheckSchedule): number {
  return Math.max(0, Math.ceil(Math.log2(schedule.backoffMaxMs / schedule.backoffFirstMs)));
}

/** The delay before the next check of an order already checked `checks` times with no change. */
export function checkDelayMs(checks: number, schedule = DEFAULT_CHECK_SCHEDULE): number {
  return Math.min(schedule.backoffMaxMs, schedule.backoffFirstMs * 2 ** Math.min(checks, maxDoublings(schedule)));
}

/**
 * checkDelayMs as SQL over the column `checks`: `$max`, `$first` and `$doublings` are the
 * positions of the values returned beside it.
 */
export function checkDelaySql(checks: string, first: number, schedule: CheckSchedule): { sql: string; values: number[] } {
  return {
    sql: `least($${first}::float8, $${first + 1}::float8 * power(2, least(${checks}, $${first + 2}::int))) * interval '1 millisecond'`,
    values: [schedule.backoffMaxMs, schedule.backoffFirstMs, maxDoublings(schedule)],
  };
}
