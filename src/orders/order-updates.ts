import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import type { OrderStatus } from './order-status.js';
import { OrderEvent, type OrderEventSource } from './order-event.entity.js';
import { Order, type OrderInstructions } from './order.entity.js';
import type { Logger } from '../logger.js';
import { nextCheckAt } from './check-schedule.js';
import { toChangeMessage, type OrderChangeMessage } from './order-snapshot.js';
import { isLatePayment, judgeTransition, type TransitionVerdict } from './state-machine.js';

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

/** Where committed changes go: pub/sub to every instance's subscribers, and metrics. */
export interface OrderUpdateListeners {
  publish(message: OrderChangeMessage): void;
  /** A payment TarsPay reported for an order that had ended (FAILED, EXPIRED, CANCELLED). */
  onLatePayment?(change: OrderChange): void;
}

/** Applies a report to an order it holds the row lock of; usable only inside OrderUpdates.transaction. */
export type ApplyLocked = (order: Order, update: OrderUpdate) => Promise<OrderChange>;

/**
 * The one way to change an order's status: an update goes through the state machine under the
 * order's row lock, and every change written is announced (published, logged, counted) after the
 * transaction commits, never before and never forgotten.
 */
export class OrderUpdates {
  constructor(private readonly options: { listeners: OrderUpdateListeners; logger: Logger }) {}

  /** Applies one update in its own transaction (locking the order), then announces it. */
  apply(em: EntityManager, orderId: string, update: OrderUpdate): Promise<OrderChange> {
    return this.transaction(em, async (tx, applyLocked) => {
      const order = await tx.findOneOrFail(Order, { id: orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      return applyLocked(order, update);
    });
  }

  /**
   * Runs `work` in one transaction. `applyLocked` applies an update to an order `work` read with
   * its row lock (PESSIMISTIC_WRITE) in that transaction; its changes are announced once the
   * transaction has committed, and dropped if it rolls back.
   */
  async transaction<T>(em: EntityManager, work: (tx: EntityManager, applyLocked: ApplyLocked) => Promise<T>): Promise<T> {
    const changes: Array<{ change: OrderChange; update: OrderUpdate }> = [];
    const result = await em.transactional((tx) =>
      work(tx, async (order, update) => {
        const change = await applyToLockedOrder(tx, order, update);
        changes.push({ change, update });
        return change;
      }),
    );
    for (const { change, update } of changes) this.#announce(change, update);
    return result;
  }

  #announce(change: OrderChange, update: OrderUpdate): void {
    const { listeners, logger } = this.options;
    if (change.event) listeners.publish(toChangeMessage(change.order.merchant.id, change.order, change.event));
    const fields = { orderId: change.order.id, status: change.order.status, reported: update.status, source: update.source };
    if (change.latePayment) {
      logger.warn({ ...fields, previousStatus: change.event?.previousStatus, paidAmount: change.order.paidAmount }, 'late payment: TarsPay reported a payment for an order that had ended; applied');
      listeners.onLatePayment?.(change);
    } else if (change.verdict === 'ignore') {
      logger.warn(fields, 'order update ignored: it would move the order backwards');
    }
  }
}

/**
 * Judges `update` against the locked order through the state machine and writes what it decides.
 * Facts that never go backwards (TarsPay's order id, payment instructions) are kept whatever the verdict.
 */
async function applyToLockedOrder(tx: EntityManager, order: Order, update: OrderUpdate): Promise<OrderChange> {
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
