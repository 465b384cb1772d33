import { keepsAttention } from './attention.js';
import { DEFAULT_CHECK_SCHEDULE, nextCheckAt, type CheckSchedule } from './check-schedule.js';
import type { OrderEventSource } from './order-event.entity.js';
import type { OrderRecord } from './order-record.js';
import type { OrderStatus } from './order-status.js';
import type { OrderInstructions } from './order.entity.js';
import { isLatePayment, judgeTransition, type TransitionVerdict } from './state-machine.js';

/** A report about an order from any source: a create answer, a callback, an inquiry. */
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
  /** When TarsPay closes the unpaid collection, as its create answer said: replaces the estimate made at creation. */
  expiresAt?: Date;
  /** TarsPay proved it holds the order (e.g. "already exists" to a re-sent create). */
  upstreamConfirmed?: boolean;
}

/** The columns a decision changes (only those), by OrderRecord field. */
export type OrderChanges = Partial<
  Pick<
    OrderRecord,
    | 'status'
    | 'platformOrderId'
    | 'upstreamConfirmed'
    | 'payUrl'
    | 'payData'
    | 'instructions'
    | 'expiresAt'
    | 'paidAmount'
    | 'fee'
    | 'failureReason'
    | 'upstreamCode'
    | 'amountMismatch'
    | 'nextCheckAt'
    | 'checkAttempts'
    | 'attentionSince'
    | 'attentionReason'
  >
>;

export interface EventToWrite {
  status: OrderStatus;
  previousStatus: OrderStatus | null;
  source: OrderEventSource;
  applied: boolean;
  note: string | null;
  payload: Record<string, unknown> | null;
}

export interface OrderDecision {
  verdict: TransitionVerdict;
  latePayment: boolean;
  /** Nothing to write when empty (a repeat that teaches nothing new). */
  changes: OrderChanges;
  /** Applied for 'apply', not applied for 'ignore', none for a duplicate. */
  event: EventToWrite | null;
}

/**
 * What an update does to an order, decided from the order as it is now: the state machine's
 * verdict, the columns to change and the event to write. Pure: the store writes it under a lock or
 * a compare-and-set on the status it was decided from. Facts that never go backwards (TarsPay's
 * order id, payment instructions) are kept whatever the verdict.
 */
export function decideUpdate(order: OrderRecord, update: OrderUpdate, now = Date.now(), schedule: CheckSchedule = DEFAULT_CHECK_SCHEDULE): OrderDecision {
  const changes: OrderChanges = factChanges(order, update);
  const verdict = judgeTransition(order.status, update.status);
  const latePayment = verdict === 'apply' && isLatePayment(order.status, update.status);
  if (verdict === 'apply') {
    const paidAmount = update.paidAmount ?? order.paidAmount;
    Object.assign(changes, {
      status: update.status,
      paidAmount,
      fee: update.fee ?? order.fee,
      failureReason: update.failureReason ?? (latePayment ? null : order.failureReason),
      upstreamCode: update.upstreamCode ?? order.upstreamCode,
      amountMismatch: isAmountMismatch(update.status, order.amount, paidAmount),
      nextCheckAt: nextCheckAt({ status: update.status, kind: order.kind, expiresAt: changes.expiresAt ?? order.expiresAt }, now, schedule),
      // The reconciliation back-off starts over from the new status.
      checkAttempts: 0,
      ...(order.attentionSince === null || keepsAttention(order.attentionReason, update.status) ? {} : { attentionSince: null, attentionReason: null }),
    } satisfies OrderChanges);
    const note = latePayment ? `late payment: TarsPay reported ${update.status} for an order that was ${order.status}` : undefined;
    return { verdict, latePayment, changes, event: eventOf(order, update, true, [note, update.note].filter(Boolean).join('; ') || null) };
  }
  if (verdict === 'ignore') {
    const note = `ignored: ${order.status} does not move to ${update.status}${update.note ? ` (${update.note})` : ''}`;
    return { verdict, latePayment, changes, event: eventOf(order, update, false, note) };
  }
  if (update.paidAmount !== undefined && order.paidAmount === null) changes.paidAmount = update.paidAmount;
  if (update.fee !== undefined && order.fee === null) changes.fee = update.fee;
  return { verdict, latePayment, changes, event: null };
}

function eventOf(order: OrderRecord, update: OrderUpdate, applied: boolean, note: string | null): EventToWrite {
  return { status: update.status, previousStatus: order.status, source: update.source, applied, note, payload: update.payload ?? null };
}

function factChanges(order: OrderRecord, update: OrderUpdate): OrderChanges {
  const changes: OrderChanges = {};
  if (update.platformOrderId && !order.platformOrderId) changes.platformOrderId = update.platformOrderId;
  if ((update.platformOrderId || update.upstreamConfirmed) && !order.upstreamConfirmed) changes.upstreamConfirmed = true;
  if (update.payUrl && !order.payUrl) changes.payUrl = update.payUrl;
  if (update.payData && !order.payData) changes.payData = update.payData;
  if (update.instructions && !order.instructions) changes.instructions = update.instructions;
  if (update.expiresAt && update.expiresAt.getTime() !== order.expiresAt?.getTime()) changes.expiresAt = update.expiresAt;
  return changes;
}

function isAmountMismatch(status: OrderStatus, amount: string, paidAmount: string | null): boolean {
  if (paidAmount === null) return false;
  if (status === 'SUCCEEDED') return BigInt(paidAmount) !== BigInt(amount);
  if (status === 'PARTIALLY_PAID') return BigInt(paidAmount) >= BigInt(amount);
  return false;
}
