import { keepsAttention } from './attention.js';
import { DEFAULT_CHECK_SCHEDULE, nextCheckAt, type CheckSchedule } from './check-schedule.js';
import type { OrderEventSource } from './order-event.entity.js';
import type { ColumnChanges, OrderInstructions, OrderRecord } from './order-row.js';
import type { OrderStatus } from './order-status.js';
import { isLatePayment, judgeTransition, type TransitionVerdict } from './state-machine.js';

/** A report about an order from any source: a create answer, a callback, an inquiry. */
export interface OrderReport {
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

export interface EventToWrite {
  status: OrderStatus;
  previousStatus: OrderStatus | null;
  source: OrderEventSource;
  applied: boolean;
  note: string | null;
  payload: Record<string, unknown> | null;
}

export interface OrderDecision {
  /** The order as it was read when judged: the write is a compare-and-set on its status. */
  order: OrderRecord;
  report: OrderReport;
  verdict: TransitionVerdict;
  latePayment: boolean;
  /** Nothing to write when empty (a repeat that teaches nothing new). */
  changes: ColumnChanges;
  /** Applied for 'apply', not applied for 'ignore', none for a duplicate. */
  event: EventToWrite | null;
}

/**
 * What a report does to an order, decided from the order as it is now: the state machine's
 * verdict, the columns to change and the event to write. Pure: the store writes it under a lock or
 * a compare-and-set on the status it was decided from. Facts that never go backwards (TarsPay's
 * order id, payment instructions) are kept whatever the verdict.
 */
export function decideReport(order: OrderRecord, report: OrderReport, now = Date.now(), schedule: CheckSchedule = DEFAULT_CHECK_SCHEDULE): OrderDecision {
  const changes: ColumnChanges = factChanges(order, report);
  const verdict = judgeTransition(order.status, report.status);
  const latePayment = verdict === 'apply' && isLatePayment(order.status, report.status);
  if (verdict === 'apply') {
    const paidAmount = report.paidAmount ?? order.paidAmount;
    Object.assign(changes, {
      status: report.status,
      paidAmount,
      fee: report.fee ?? order.fee,
      failureReason: report.failureReason ?? (latePayment ? null : order.failureReason),
      upstreamCode: report.upstreamCode ?? order.upstreamCode,
      amountMismatch: isAmountMismatch(report.status, order.amount, paidAmount),
      nextCheckAt: nextCheckAt({ status: report.status, kind: order.kind, expiresAt: changes.expiresAt ?? order.expiresAt }, now, schedule),
      // The reconciliation back-off starts over from the new status.
      checkAttempts: 0,
      ...(order.attentionSince === null || keepsAttention(order.attentionReason, report.status) ? {} : { attentionSince: null, attentionReason: null }),
    } satisfies ColumnChanges);
    const note = latePayment ? `late payment: TarsPay reported ${report.status} for an order that was ${order.status}` : undefined;
    return { order, report, verdict, latePayment, changes, event: eventOf(order, report, true, [note, report.note].filter(Boolean).join('; ') || null) };
  }
  if (verdict === 'ignore') {
    const note = `ignored: ${order.status} does not move to ${report.status}${report.note ? ` (${report.note})` : ''}`;
    return { order, report, verdict, latePayment, changes, event: eventOf(order, report, false, note) };
  }
  if (report.paidAmount !== undefined && order.paidAmount === null) changes.paidAmount = report.paidAmount;
  if (report.fee !== undefined && order.fee === null) changes.fee = report.fee;
  return { order, report, verdict, latePayment, changes, event: null };
}

function eventOf(order: OrderRecord, report: OrderReport, applied: boolean, note: string | null): EventToWrite {
  return { status: report.status, previousStatus: order.status, source: report.source, applied, note, payload: report.payload ?? null };
}

function factChanges(order: OrderRecord, report: OrderReport): ColumnChanges {
  const changes: ColumnChanges = {};
  if (report.platformOrderId && !order.platformOrderId) changes.platformOrderId = report.platformOrderId;
  if ((report.platformOrderId || report.upstreamConfirmed) && !order.upstreamConfirmed) changes.upstreamConfirmed = true;
  if (report.payUrl && !order.payUrl) changes.payUrl = report.payUrl;
  if (report.payData && !order.payData) changes.payData = report.payData;
  if (report.instructions && !order.instructions) changes.instructions = report.instructions;
  if (report.expiresAt && report.expiresAt.getTime() !== order.expiresAt?.getTime()) changes.expiresAt = report.expiresAt;
  return changes;
}

function isAmountMismatch(status: OrderStatus, amount: string, paidAmount: string | null): boolean {
  if (paidAmount === null) return false;
  if (status === 'SUCCEEDED') return BigInt(paidAmount) !== BigInt(amount);
  if (status === 'PARTIALLY_PAID') return BigInt(paidAmount) >= BigInt(amount);
  return false;
}
