import type { Order } from './order.entity.js';
import { FINAL_STATUSES, isSettled } from './state-machine.js';

/**
 * When reconciliation asks TarsPay about an order: the first check by status (nextCheckAt), then,
 * while TarsPay's answer changes nothing, a delay doubling per check (checkDelaySeconds; the claim
 * in reconciler.ts computes the same in SQL from these numbers). The one home of the back-off.
 */
export const CHECK_BACKOFF = {
  /** The delay after the first check of a status. */
  firstSeconds: 15,
  /** The longest delay between two checks of one order. */
  maxSeconds: 30 * 60,
  /** Doubling stops after this many checks (2^16 × 15 s is past any max). */
  maxDoublings: 16,
} as const;

/** Statuses reconciliation never checks: nothing more is expected from TarsPay but a late payment, which comes by callback. */
export const SETTLED_STATUSES = ['SUCCEEDED', ...FINAL_STATUSES] as const;

const SECOND = 1000;

/** When reconciliation should first ask TarsPay, given the status an order is in now. */
export function nextCheckAt(order: Pick<Order, 'status' | 'kind' | 'expiresAt'>, now = Date.now()): Date | null {
  if (isSettled(order.status)) return null;
  if (order.status === 'UNKNOWN' || order.status === 'SUBMITTING') return new Date(now + 30 * SECOND);
  if (order.kind === 'COLLECTION' && order.expiresAt) return new Date(Math.max(order.expiresAt.getTime() + 60 * SECOND, now + 60 * SECOND));
  return new Date(now + 10 * 60 * SECOND);
}

/** The delay before the next check of an order already checked `checks` times with no change. */
export function checkDelaySeconds(checks: number): number {
  return Math.min(CHECK_BACKOFF.maxSeconds, CHECK_BACKOFF.firstSeconds * 2 ** Math.min(checks, CHECK_BACKOFF.maxDoublings));
}
