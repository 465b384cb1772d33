import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import type { OrderStatus } from './order-status.js';
import { OrderEvent, type OrderEventSource } from './order-event.entity.js';
import { Order, type OrderInstructions } from './order.entity.js';
import { isLatePayment, isSettled, judgeTransition, type TransitionVerdict } from './state-machine.js';

/** A report about an order from any source: a create answer, a callback, an inquiry, the sandbox. */
export interface OrderUpdate {
  status: OrderStatus;
  source: OrderEventSource;
  payload?: Record<string, unknown> | null;
  note?: string;
  platformOrderId?: string;
  paidAmount?: string;
  fee?: string;
  failureReason?: string;
  upstreamCode?: number;
  payUrl?: string;
  payData?: string;
  instructions?: OrderInstructions;
  /** TarsPay proved it holds the order (e.g. "already exists" to a re-sent create). */
  upstreamConfirmed?: boolean;
}

export interface OrderChange {
  order: Order;
  verdict: TransitionVerdict;
  /** The event written: applied for 'apply', not applied for 'ignore', none for a duplicate. */
  event: OrderEvent | null;
  /** TarsPay reported a payment for an order that had ended without one (FAILED, EXPIRED, CANCELLED). */
  latePayment: boolean;
}

const SECOND = 1000;

/** When reconciliation should next ask TarsPay, given the status an order is in now. */
export function nextCheckAt(order: Pick<Order, 'status' | 'kind' | 'expiresAt'>, now = Date.now()): Date | null {
  if (isSettled(order.status)) return null;
  if (order.status === 'UNKNOWN' || order.status === 'SUBMITTING') return new Date(now + 30 * SECOND);
  if (order.kind === 'COLLECTION' && order.expiresAt) return new Date(Math.max(order.expiresAt.getTime() + 60 * SECOND, now + 60 * SECOND));
  return new Date(now + 10 * 60 * SECOND);
}

/**
 * Applies one update through the state machine, in a transaction holding the order's row lock, so
 * concurrent callbacks and inquiry answers for one order are judged one after the other.
 * Facts that never go backwards (TarsPay's order id, payment instructions) are kept whatever the verdict.
 */
export async function applyOrderUpdate(em: EntityManager, orderId: string, update: OrderUpdate): Promise<OrderChange> {
  return em.transactional(async (tx) => {
    const order = await tx.findOneOrFail(Order, { id: orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    return applyToLockedOrder(tx, order, update);
  });
}

/**
 * The same, for a caller already inside a transaction that read `order` with its row lock
 * (PESSIMISTIC_WRITE) in that transaction: no savepoint, no second read. Flushes `tx`.
 */
export async function applyToLockedOrder(tx: EntityManager, order: Order, update: OrderUpdate): Promise<OrderChange> {
  mergeFacts(order, update);
  const verdict = judgeTransition(order.status, update.status);
  const latePayment = verdict === 'apply' && isLatePayment(order.status, update.status);
  let event: OrderEvent | null = null;
  if (verdict === 'apply') {
    const previousStatus = order.status;
    order.status = update.status;
    if (update.paidAmount !== undefined) order.paidAmount = update.paidAmount;
    if (update.fee !== undefined) order.fee = update.fee;
    if (update.failureReason !== undefined) order.failureReason = update.failureReason;
    else if (latePayment) order.failureReason = null;
    if (update.upstreamCode !== undefined) order.upstreamCode = update.upstreamCode;
    order.amountMismatch = isAmountMismatch(order);
    order.nextCheckAt = nextCheckAt(order);
    order.checkAttempts = 0; // the reconciliation backoff starts over from the new status
    if (order.status !== 'UNKNOWN' && order.status !== 'SUBMITTING') order.attentionSince = null;
    const note = latePayment ? `late payment: TarsPay reported ${update.status} for an order that was ${previousStatus}` : undefined;
    event = tx.create(OrderEvent, {
      order,
      status: update.status,
      previousStatus,
      source: update.source,
      applied: true,
      note: [note, update.note].filter(Boolean).join('; ') || null,
      payload: update.payload ?? null,
    });
  } else if (verdict === 'ignore') {
    event = tx.create(OrderEvent, {
      order,
      status: update.status,
      previousStatus: order.status,
      source: update.source,
      applied: false,
      note: `ignored: ${order.status} does not move to ${update.status}${update.note ? ` (${update.note})` : ''}`,
      payload: update.payload ?? null,
    });
  } else {
    if (update.paidAmount !== undefined && order.paidAmount === null) order.paidAmount = update.paidAmount;
    if (update.fee !== undefined && order.fee === null) order.fee = update.fee;
  }
  await tx.flush();
  return { order, verdict, event, latePayment };
}

function mergeFacts(order: Order, update: OrderUpdate): void {
  if (update.platformOrderId && !order.platformOrderId) order.platformOrderId = update.platformOrderId;
  if (update.platformOrderId || update.upstreamConfirmed) order.upstreamConfirmed = true;
  if (update.payUrl && !order.payUrl) order.payUrl = update.payUrl;
  if (update.payData && !order.payData) order.payData = update.payData;
  if (update.instructions && !order.instructions) order.instructions = update.instructions;
}

function isAmountMismatch(order: Order): boolean {
  if (order.paidAmount === null || order.paidAmount === undefined) return false;
  const paid = BigInt(order.paidAmount);
  const amount = BigInt(order.amount);
  if (order.status === 'SUCCEEDED') return paid !== amount;
  if (order.status === 'PARTIALLY_PAID') return paid >= amount;
  return false;
}
