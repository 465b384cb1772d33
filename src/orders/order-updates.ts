import type { Query, Sql } from '../db/sql.js';
import type { Logger } from '../observability/logger.js';
import type { CheckSchedule } from './check-schedule.js';
import { decideUpdate, type OrderUpdate } from './order-decision.js';
import type { OrderEventRecord, OrderRecord } from './order-record.js';
import { toChangeMessage, type OrderChangeMessage } from './order-snapshot.js';
import { readOrder, writeDecision, type WrittenOrder } from './order-store.js';
import type { TransitionVerdict } from './state-machine.js';

export type { OrderUpdate } from './order-decision.js';

export interface OrderChange {
  order: OrderRecord;
  verdict: TransitionVerdict;
  /** The event written: applied for 'apply', not applied for 'ignore', none for a duplicate. */
  event: OrderEventRecord | null;
  /** TarsPay reported a payment for an order that had ended without one (FAILED, EXPIRED, CANCELLED). */
  latePayment: boolean;
}

/** Where committed changes go: pub/sub to every instance's subscribers, and metrics. */
export interface OrderUpdateListeners {
  publish(message: OrderChangeMessage): void;
  /** A payment TarsPay reported for an order that had ended (FAILED, EXPIRED, CANCELLED). */
  onLatePayment?(change: OrderChange): void;
}

/** Applies a report to an order the transaction read with its row lock (`for update`). */
export type ApplyLocked = (order: OrderRecord, update: OrderUpdate) => Promise<OrderChange>;

/** Compare-and-set attempts before giving up: each lost one means another report moved the order meanwhile. */
const MAX_ATTEMPTS = 20;

/**
 * The one way to change an order's status: an update goes through the state machine
 * (decideUpdate), is written in one statement, and every change written is announced (published,
 * logged, counted) after it is committed, never before and never forgotten.
 */
export class OrderUpdates {
  constructor(private readonly options: { sql: Sql; listeners: OrderUpdateListeners; logger: Logger; schedule?: CheckSchedule }) {}

  /**
   * Applies one update: read the order, decide, write as a compare-and-set on the status it was
   * decided from (two statements, no lock held in between); when another report moved the order
   * meanwhile, decide again from a fresh read. Announced once written.
   */
  async apply(orderId: string, update: OrderUpdate, known?: OrderRecord): Promise<OrderChange> {
    const { query } = this.options.sql;
    let order = known ?? (await readOrder(query, orderId));
    for (let attempt = 1; order && attempt <= MAX_ATTEMPTS; attempt++) {
      const decision = decideUpdate(order, update, Date.now(), this.options.schedule);
      const written = await writeDecision(query, order, decision);
      if (written) {
        const change: OrderChange = { order: written.order, verdict: decision.verdict, event: written.event, latePayment: decision.latePayment };
        this.#announce(change, update);
        return change;
      }
      order = await readOrder(query, orderId);
    }
    throw new Error(order ? `order ${orderId}: status kept moving while an update was applied, ${MAX_ATTEMPTS} times` : `order ${orderId} does not exist`);
  }

  /**
   * Runs `work` in one transaction. `applyLocked` applies an update to an order `work` read with
   * its row lock; its changes are announced once the transaction has committed, and dropped if it
   * rolls back.
   */
  async transaction<T>(work: (query: Query, applyLocked: ApplyLocked) => Promise<T>): Promise<T> {
    const changes: Array<{ change: OrderChange; update: OrderUpdate }> = [];
    const result = await this.options.sql.transaction((query) =>
      work(query, async (order, update) => {
        const decision = decideUpdate(order, update, Date.now(), this.options.schedule);
        const written = await writeDecision(query, order, decision);
        if (!written) throw new Error(`order ${order.id} was not locked: its status moved under the transaction`);
        const change: OrderChange = { order: written.order, verdict: decision.verdict, event: written.event, latePayment: decision.latePayment };
        changes.push({ change, update });
        return change;
      }),
    );
    for (const { change, update } of changes) this.#announce(change, update);
    return result;
  }

  /** Announces the first event of an order just stored (SUBMITTING). */
  announceCreated(written: WrittenOrder): void {
    if (written.event) this.options.listeners.publish(toChangeMessage(written.order.merchant.id, written.order, written.event));
  }

  #announce(change: OrderChange, update: OrderUpdate): void {
    const { listeners, logger } = this.options;
    if (change.event) listeners.publish(toChangeMessage(change.order.merchant.id, change.order, change.event));
    const fields = { orderId: change.order.id, status: change.order.status, reported: update.status, source: update.source };
    if (change.latePayment) {
      logger.warn(
        { ...fields, previousStatus: change.event?.previousStatus, paidAmount: change.order.paidAmount },
        'late payment: TarsPay reported a payment for an order that had ended; applied',
      );
      listeners.onLatePayment?.(change);
    } else if (change.verdict === 'ignore') {
      logger.warn(fields, 'order update ignored: it would move the order backwards');
    }
  }
}
