import type { MikroORM } from '@mikro-orm/postgresql';
import { inRootSpan } from '../lib/tracing.js';
import type { Logger } from '../logger.js';
import { TarsPayError } from '../tarspay/errors.js';
import type { Sql } from '../db/sql.js';
import { Merchant } from '../merchants/merchant.entity.js';
import type { Attention } from './attention.js';
import type { OrderRecord } from './order-record.js';
import { readOrder } from './order-store.js';
import type { OrderService } from './order.service.js';
import { CHECK_BACKOFF, SETTLED_STATUSES } from './check-schedule.js';

export interface ReconcilerOptions {
  orm: MikroORM;
  sql: Sql;
  orders: OrderService;
  logger: Logger;
  /** Between runs; 0 disables the loop (runOnce still works). */
  intervalMs: number;
  batchSize?: number;
  /** Rules for re-sending the identical create of an order TarsPay's inquiry cannot find. */
  resend: ResendRules;
  /** Flags orders past their expected windows for a person (orders/attention.ts). */
  attention: Attention;
  onRun?: (result: ReconcileResult) => void;
}

export interface ResendRules {
  /** Not before this long after the order was stored (longer than a create can take). */
  afterMs: number;
  /** Payouts only within this long after the merchant asked for them; 0: payouts are never re-sent. */
  payoutWindowMs: number;
  /** Creates sent per order at most, the first included. */
  maxAttempts: number;
}

export interface ReconcileResult {
  claimed: number;
  changed: number;
  failedChecks: number;
  /** Identical creates re-sent for orders TarsPay's inquiry could not find. */
  resent: number;
  /** Orders newly flagged as needing a person. */
  flagged: number;
}

type CheckOutcome = 'changed' | 'unchanged' | 'failed';

interface ClaimedRow {
  id: string;
  check_attempts: number;
}

const SETTLED_SQL = SETTLED_STATUSES.map((status) => `'${status}'`).join(', ');

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
    const result: ReconcileResult = { claimed: claimed.length, changed: 0, failedChecks: 0, resent: 0, flagged: 0 };
    // A trace per pass that found work (an idle pass every few seconds would only be noise).
    if (claimed.length) {
      await inRootSpan('reconcile pass', {}, async (span) => {
        await this.#checkAll(claimed, result);
        span.setAttributes({ 'reconcile.claimed': result.claimed, 'reconcile.changed': result.changed, 'reconcile.failed_checks': result.failedChecks });
        this.options.logger.info(result, 'reconciliation run');
      });
    }
    this.options.onRun?.(result);
    return result;
  }

  async #checkAll(claimed: ClaimedRow[], result: ReconcileResult): Promise<void> {
    for (const row of claimed) {
      if (this.#abortPass) break;
      const outcome = await this.#check(row.id, result).catch((error: unknown): CheckOutcome => {
        this.options.logger.warn(
          { orderId: row.id, attempt: row.check_attempts, err: error instanceof Error ? error.message : error },
          'reconciliation check failed; will retry later',
        );
        return 'failed';
      });
      if (outcome === 'changed') result.changed += 1;
      if (outcome === 'failed') result.failedChecks += 1;
      if (await this.#flagIfStuck(row.id)) result.flagged += 1;
    }
  }

  /** Claims due orders and leases them: the next check moves out by checkDelaySeconds(check_attempts), in SQL. */
  async #claim(): Promise<ClaimedRow[]> {
    const batch = this.options.batchSize ?? 20;
    const { firstSeconds, maxSeconds, maxDoublings } = CHECK_BACKOFF;
    return this.options.orm.em.getConnection().execute<ClaimedRow[]>(
      `with due as (
         select id from orders
         where next_check_at <= now() and status not in (${SETTLED_SQL})
         order by next_check_at
         limit ?
         for update skip locked
       )
       update orders o
          set next_check_at = now() + least(?::int, ? * power(2, least(o.check_attempts, ?))::int) * interval '1 second',
              check_attempts = o.check_attempts + 1
         from due
        where o.id = due.id
       returning o.id, o.check_attempts`,
      [batch, maxSeconds, firstSeconds, maxDoublings],
    );
  }

  /**
   * Asks TarsPay about the order and applies its answer. TarsPay's inquiry failing never settles
   * anything; for an order whose create outcome is unknown and that TarsPay answered without
   * finding, the identical create may be re-sent (see mayResend).
   */
  async #check(orderId: string, result: ReconcileResult): Promise<CheckOutcome> {
    const order = await readOrder(this.options.sql.query, orderId);
    if (!order) return 'unchanged';
    const merchant = await this.options.orm.em.fork().findOneOrFail(Merchant, { id: order.merchant.id });
    try {
      const answer = await this.options.orders.inquire(merchant, order);
      const change = await this.options.orders.applyInquiry(order.id, answer);
      return change.verdict === 'apply' ? 'changed' : 'unchanged';
    } catch (error) {
      if (!(error instanceof TarsPayError)) throw error;
      // Only an inquiry TarsPay answered (with an error code) says it does not report the order now.
      if (error.kind !== 'rejected' || !this.#mayResend(order, Date.now())) throw error;
    }
    result.resent += 1;
    const outcome = await this.options.orders.resendCreate(merchant, order);
    return outcome === 'created' ? 'changed' : 'unchanged';
  }

  /**
   * Collections may be re-sent until they would have expired: an unpaid collection costs nothing.
   * A payout moves money, so it is re-sent only within the payout window after the merchant asked
   * for it, while the merchant still waits for its outcome; later it waits for a person.
   */
  #mayResend(order: OrderRecord, now: number): boolean {
    const { resend } = this.options;
    if (order.status !== 'UNKNOWN' && order.status !== 'SUBMITTING') return false;
    if (order.upstreamConfirmed || order.createAttempts >= resend.maxAttempts) return false;
    const age = now - order.createdAt.getTime();
    if (age < resend.afterMs) return false;
    if (order.kind === 'PAYOUT') return age <= resend.payoutWindowMs;
    return order.expiresAt === null || order.expiresAt === undefined || now < order.expiresAt.getTime();
  }

  /** Flags an order past one of its attention windows, once. True when it was flagged now. */
  async #flagIfStuck(orderId: string): Promise<boolean> {
    return (await this.options.attention.flagIfOverdue(this.options.sql.query, orderId)) !== undefined;
  }
}
