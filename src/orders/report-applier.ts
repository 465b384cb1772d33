import type { Query, Sql } from '../db/sql.js';
import type { Logger } from '../observability/logger.js';
import type { UnnumberedEvent } from './change-message.js';
import type { EventWaker } from './event-sequencer.js';
import type { CheckSchedule } from './check-schedule.js';
import { decideReport, type OrderDecision, type OrderReport } from './order-decision.js';
import type { OrderRecord } from './order-row.js';
import { readOrder, writeDecision, writeDecisions, type AlongsideWrite, type DecisionWrite, type WrittenOrder } from './order-store.js';
import type { TransitionVerdict } from './state-machine.js';

/** What applying a report did: the order as written, the verdict, and the event. */
export interface AppliedReport {
  order: OrderRecord;
  verdict: TransitionVerdict;
  /** The event written (numbered moments later, see EventSequencer): applied for 'apply', not applied for 'ignore', none for a duplicate. */
  event: UnnumberedEvent | null;
  /** TarsPay reported a payment for an order that had ended without one (FAILED, EXPIRED, CANCELLED). */
  latePayment: boolean;
}

/** Where committed changes go besides the events: metrics. */
export interface AppliedReportListeners {
  /** A payment TarsPay reported for an order that had ended (FAILED, EXPIRED, CANCELLED). */
  onLatePayment?(applied: AppliedReport): void;
}

/** Inside ReportApplier.transaction: judge a report against an order read with its row lock (`for update`), then write that decision. */
export interface LockedOrders {
  /** The state machine's decision, judged once: write this same decision. */
  decide(order: OrderRecord, report: OrderReport): OrderDecision;
  /** Writes `decision` (and `alongside` in the same statement); announced after commit. */
  write(decision: OrderDecision, alongside?: AlongsideWrite): Promise<AppliedReport>;
  /** Writes several, each about another order, in one statement: one result per write, undefined for a write without a decision. */
  writeAll(writes: readonly DecisionWrite[]): Promise<Array<AppliedReport | undefined>>;
}

/** Compare-and-set attempts before giving up: each lost one means another report moved the order meanwhile. */
const MAX_ATTEMPTS = 20;

/**
 * The one way to change an order's status: a report goes through the state machine
 * (decideReport), is written in one statement, and every change written is announced after it is
 * committed, never before and never forgotten: logged and counted, and its event numbered and
 * published by the sequencer, which `apply` and `transaction` wait for.
 */
export class ReportApplier {
  constructor(private readonly options: { sql: Sql; sequencer: EventWaker; listeners?: AppliedReportListeners; logger: Logger; schedule?: CheckSchedule }) {}

  /**
   * Applies one report: read the order, decide, write as a compare-and-set on the status it was
   * decided from (two statements, no lock held in between); when another report moved the order
   * meanwhile, decide again from a fresh read. Announced once written.
   */
  async apply(orderId: string, report: OrderReport, known?: OrderRecord): Promise<AppliedReport> {
    const { query } = this.options.sql;
    let order = known ?? (await readOrder(query, orderId));
    for (let attempt = 1; order && attempt <= MAX_ATTEMPTS; attempt++) {
      const decision = this.#decide(order, report);
      const written = await writeDecision(query, decision);
      if (written) {
        const applied = appliedOf(decision, written);
        this.#announce(applied, report);
        if (applied.event) await this.options.sequencer.wake(applied.order.merchant.id);
        return applied;
      }
      order = await readOrder(query, orderId);
    }
    throw new Error(order ? `order ${orderId}: status kept moving while a report was applied, ${MAX_ATTEMPTS} times` : `order ${orderId} does not exist`);
  }

  /**
   * Runs `work` in one transaction. `locked` decides and writes reports about orders `work` read
   * with their row locks; what it writes is announced once the transaction has committed, and
   * dropped if it rolls back.
   */
  async transaction<T>(work: (query: Query, locked: LockedOrders) => Promise<T>): Promise<T> {
    const written: Array<{ applied: AppliedReport; report: OrderReport }> = [];
    const record = (decision: OrderDecision, row: WrittenOrder | null): AppliedReport => {
      if (!row) throw new Error(`order ${decision.order.id} was not locked: its status moved under the transaction`);
      const applied = appliedOf(decision, row);
      written.push({ applied, report: decision.report });
      return applied;
    };
    const result = await this.options.sql.transaction((query) =>
      work(query, {
        decide: (order, report) => this.#decide(order, report),
        write: async (decision, alongside) => record(decision, await writeDecision(query, decision, alongside)),
        writeAll: async (writes) => {
          const rows = await writeDecisions(query, writes);
          return writes.map(({ decision }, index) => (decision ? record(decision, rows[index]!) : undefined));
        },
      }),
    );
    for (const { applied, report } of written) this.#announce(applied, report);
    const merchants = new Set(written.filter(({ applied }) => applied.event).map(({ applied }) => applied.order.merchant.id));
    await Promise.all([...merchants].map((merchantId) => this.options.sequencer.wake(merchantId)));
    return result;
  }

  /** Numbers and publishes the first event of an order just stored (SUBMITTING); resolves once it is. */
  announceCreated(written: WrittenOrder): Promise<void> {
    return written.event ? this.options.sequencer.wake(written.order.merchant.id) : Promise.resolve();
  }

  #decide(order: OrderRecord, report: OrderReport): OrderDecision {
    return decideReport(order, report, Date.now(), this.options.schedule);
  }

  /** Logs and counts what was applied; its event is the sequencer's to publish. */
  #announce(applied: AppliedReport, report: OrderReport): void {
    const { listeners, logger } = this.options;
    const fields = { orderId: applied.order.id, status: applied.order.status, reported: report.status, source: report.source };
    if (applied.latePayment) {
      logger.warn(
        { ...fields, previousStatus: applied.event?.previousStatus, paidAmount: applied.order.paidAmount },
        'late payment: TarsPay reported a payment for an order that had ended; applied',
      );
      listeners?.onLatePayment?.(applied);
    } else if (applied.verdict === 'ignore') {
      logger.warn(fields, 'order report ignored: it would move the order backwards');
    }
  }
}

function appliedOf(decision: OrderDecision, written: WrittenOrder): AppliedReport {
  return { order: written.order, verdict: decision.verdict, event: written.event, latePayment: decision.latePayment };
}
