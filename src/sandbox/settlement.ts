import { STATE_CODE } from '../tarspay/codes.js';
import type { Merchant, OrderKind, SandboxOrder } from './store.js';

/** How an order ends, and what that does to the merchant's balance. */

export const OUTCOMES = ['SUCCEEDED', 'FAILED', 'PARTIALLY_PAID', 'EXPIRED', 'REJECTED'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** TarsPay's state codes (STATE.SUCCEEDED is 2). */
export const STATE = STATE_CODE;

/** States an order never leaves (TarsPay's "final data" of the transaction history). */
export const FINAL_STATES: ReadonlySet<number> = new Set([
  STATE.SUCCEEDED,
  STATE.FAILED,
  STATE.CANCELLED,
  STATE.REFUNDED,
  STATE.EXPIRED,
  STATE.REJECTED,
  STATE.PARTIALLY_PAID,
]);

/** Which outcomes each kind of order accepts, and the state each leads to. */
export const TRANSITIONS: Readonly<Record<OrderKind, Partial<Record<Outcome, number>>>> = {
  collection: { SUCCEEDED: STATE.SUCCEEDED, FAILED: STATE.FAILED, PARTIALLY_PAID: STATE.PARTIALLY_PAID, EXPIRED: STATE.EXPIRED },
  payout: { SUCCEEDED: STATE.SUCCEEDED, FAILED: STATE.FAILED, REJECTED: STATE.REJECTED },
};

/**
 * Final states that still take a payment: TarsPay reports a payment that arrives after it closed
 * the collection (a VA paid late), so money that moved shows on the order. Every other final state
 * is final for good.
 */
export const LATE_PAYMENTS: Readonly<Record<OrderKind, Partial<Record<number, readonly Outcome[]>>>> = {
  collection: { [STATE.EXPIRED]: ['SUCCEEDED', 'PARTIALLY_PAID'] },
  payout: {},
};

/** The only states TarsPay sends a callback for; the others (expiry, payout rejection) are learnt by inquiry. */
export const CALLBACK_STATES: ReadonlySet<number> = new Set([STATE.SUCCEEDED, STATE.FAILED, STATE.PARTIALLY_PAID]);

const DEFAULT_FAIL_REASON: Partial<Record<Outcome, string>> = {
  FAILED: 'Payment failed (sandbox)',
  EXPIRED: 'Order expired',
  REJECTED: 'Rejected by the platform (sandbox)',
};

export class SettlementError extends Error {
  override name = 'SettlementError';
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

export interface Settlement {
  outcome: Outcome;
  /** PARTIALLY_PAID only: whole rupiah, more than 0 and less than the amount. */
  paidAmount?: string;
  failReason?: string;
  /** false: the state is recorded but its callback is never sent (lost), so the merchant learns it only by inquiry. */
  notify?: boolean;
}

export interface Fees {
  /** Percent × 10,000 (see ResolvedSandboxOptions). */
  collectionFeeMicros: bigint;
  payoutFee: bigint;
}

/** Rounded down to whole rupiah. */
export function collectionFee(paid: bigint, feeMicros: bigint): bigint {
  return (paid * feeMicros) / 1_000_000n;
}

/** What a payout holds from the available balance while it is processing. */
export function payoutHold(order: Pick<SandboxOrder, 'amount' | 'fee'>): bigint {
  return order.amount + order.fee;
}

function paidAmountOf(order: SandboxOrder, settlement: Settlement): bigint {
  const text = settlement.paidAmount;
  if (text === undefined || !/^\d+$/.test(text)) {
    throw new SettlementError(400, 'PARTIALLY_PAID needs paidAmount: whole rupiah digits, e.g. "50000"');
  }
  const paid = BigInt(text);
  if (paid <= 0n || paid >= order.amount) {
    throw new SettlementError(400, `paidAmount must be more than 0 and less than the order amount ${order.amount}, got ${text}`);
  }
  return paid;
}

/** Moves the order to its final state and adjusts the balance; throws SettlementError when it can't. */
export function settleOrder(order: SandboxOrder, merchant: Merchant, settlement: Settlement, fees: Fees, now: number): void {
  const nextState = TRANSITIONS[order.kind][settlement.outcome];
  if (nextState === undefined) {
    const allowed = Object.keys(TRANSITIONS[order.kind]).join(', ');
    throw new SettlementError(400, `a ${order.kind} cannot end ${settlement.outcome}; use one of ${allowed}`);
  }
  const latePayments = LATE_PAYMENTS[order.kind][order.state];
  if (FINAL_STATES.has(order.state) && !latePayments?.includes(settlement.outcome)) {
    const hint = latePayments ? ` (a late payment can still be settled: ${latePayments.join(' or ')})` : '';
    throw new SettlementError(409, `order ${order.payOrderId} is already final (state ${order.state}); final orders never move again${hint}`);
  }
  const paid = settlement.outcome === 'PARTIALLY_PAID' ? paidAmountOf(order, settlement) : undefined;

  if (order.kind === 'collection') {
    if (nextState === STATE.SUCCEEDED || nextState === STATE.PARTIALLY_PAID) {
      order.payAmount = paid ?? order.amount;
      order.fee = collectionFee(order.payAmount, fees.collectionFeeMicros);
      merchant.available += order.payAmount - order.fee;
    }
  } else {
    const held = payoutHold(order);
    merchant.frozen -= held;
    if (nextState === STATE.SUCCEEDED) {
      order.payAmount = order.amount;
    } else {
      merchant.available += held;
      order.fee = 0n;
    }
  }
  order.state = nextState;
  order.finishedAt = now;
  const failReason = settlement.failReason ?? DEFAULT_FAIL_REASON[settlement.outcome];
  if (nextState === STATE.SUCCEEDED || nextState === STATE.PARTIALLY_PAID) delete order.failReason;
  else if (failReason !== undefined) order.failReason = failReason;
}
