import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.js';
import { TarsPayError } from '../tarspay/errors.js';
import { Order } from './order.entity.js';
import type { OrderService } from './order.service.js';
import { FINAL_STATUSES } from './state-machine.js';

export interface ReconcilerOptions {
  orm: MikroORM;
  orders: OrderService;
  logger: Logger;
  /** Between runs; 0 disables the loop (runOnce still works). */
  intervalMs: number;
  batchSize?: number;
  /** An UNKNOWN/SUBMITTING order TarsPay still has no record of this long after creation never reached it. */
  notFoundGraceMs?: number;
  /** Longest wait between two checks of one order. */
  maxBackoffMs?: number;
  onRun?: (result: ReconcileResult) => void;
}

export interface ReconcileResult {
  claimed: number;
  changed: number;
  failedChecks: number;
}

interface ClaimedRow {
  id: string;
  check_attempts: number;
}

const NOT_SETTLED_SQL = ['SUCCEEDED', ...FINAL_STATUSES].map((status) => `'${status}'`).join(', ');

/**
 * Asks TarsPay about orders whose state is unknown or overdue (UNKNOWN, SUBMITTING for too long,
 * not final past their expected time), with a growing delay per order, and applies the answers
 * through the state machine. Several instances can run it: rows are claimed with
 * FOR UPDATE SKIP LOCKED and leased by moving next_check_at forward.
 */
export class Reconciler {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<ReconcileResult> | undefined;
  #stopped = false;
  /** Set by stop(): the pass under way ends after its current check. */
  #abortPass = false;

  constructor(private readonly options: ReconcilerOptions) {}

  start(): void {
    if (this.options.intervalMs <= 0 || this.#timer) return;
    this.#stopped = false;
    const tick = async () => {
      await this.runOnce().catch((error: unknown) => this.options.logger.error({ err: error }, 'reconciliation run failed'));
      if (!this.#stopped) this.#timer = setTimeout(tick, this.options.intervalMs).unref();
    };
    this.#timer = setTimeout(tick, Math.min(1000, this.options.intervalMs)).unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abortPass = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** One pass over the orders due now. */
  runOnce(): Promise<ReconcileResult> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #run(): Promise<ReconcileResult> {
    this.#abortPass = false;
    const claimed = await this.#claim();
    const result: ReconcileResult = { claimed: claimed.length, changed: 0, failedChecks: 0 };
    for (const row of claimed) {
      if (this.#abortPass) break;
      const outcome = await this.#check(row.id).catch((error: unknown) => {
        this.options.logger.warn({ orderId: row.id, attempt: row.check_attempts, err: error instanceof Error ? error.message : error }, 'reconciliation check failed; will retry later');
        return 'failed' as const;
      });
      if (outcome === 'changed') result.changed += 1;
      if (outcome === 'failed') result.failedChecks += 1;
    }
    if (claimed.length) this.options.logger.info(result, 'reconciliation run');
    this.options.onRun?.(result);
    return result;
  }

  /** Claims due orders and leases them (next check pushed out by a backoff growing with attempts). */
  async #claim(): Promise<ClaimedRow[]> {
    const batch = this.options.batchSize ?? 20;
    const maxBackoffSeconds = Math.ceil((this.options.maxBackoffMs ?? 30 * 60_000) / 1000);
    return this.options.orm.em.getConnection().execute<ClaimedRow[]>(
      `with due as (
         select id from orders
         where next_check_at <= now() and status not in (${NOT_SETTLED_SQL})
         order by next_check_at
         limit ?
         for update skip locked
       )
       update orders o
          set next_check_at = now() + least(?::int, 15 * power(2, least(o.check_attempts, 16))::int) * interval '1 second',
              check_attempts = o.check_attempts + 1
         from due
        where o.id = due.id
       returning o.id, o.check_attempts`,
      [batch, maxBackoffSeconds],
    );
  }

  async #check(orderId: string): Promise<'changed' | 'unchanged'> {
    const em = this.options.orm.em.fork();
    const order = await em.findOneOrFail(Order, { id: orderId }, { populate: ['merchant'] });
    try {
      const answer = await this.options.orders.inquire(order.merchant, order);
      const change = await this.options.orders.applyInquiry(em, order.id, answer);
      return change.verdict === 'apply' ? 'changed' : 'unchanged';
    } catch (error) {
      if (!(error instanceof TarsPayError) || error.category !== 'ORDER_NOT_FOUND') throw error;
      const neverArrived = (order.status === 'UNKNOWN' || order.status === 'SUBMITTING') && Date.now() - order.createdAt.getTime() > (this.options.notFoundGraceMs ?? 120_000);
      if (!neverArrived) return 'unchanged';
      await this.options.orders.applyUpdate(em, order.id, {
        status: 'FAILED',
        source: 'RECONCILIATION',
        failureReason: 'TarsPay has no record of this order: the create never reached TarsPay. Nothing was charged or paid; create it again with a new merchantOrderNo.',
        upstreamCode: error.code,
        note: 'not found at TarsPay after the grace period',
      });
      return 'changed';
    }
  }
}
