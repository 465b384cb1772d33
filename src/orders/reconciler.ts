import type { MikroORM } from '@mikro-orm/postgresql';
import { inRootSpan } from '../lib/tracing.js';
import type { Logger } from '../observability/logger.js';
import { TarsPayError } from '../tarspay/errors.js';
import type { Sql } from '../db/sql.js';
import { LockSession } from '../db/lock-session.js';
import { Merchant } from '../merchants/merchant.entity.js';
import type { Attention } from './attention.js';
import type { OrderRecord } from './order-row.js';
import { countCreateAttempt, readOrder } from './order-store.js';
import type { OrderService } from './order.service.js';
import { checkDelaySql, CLOSED_UNPAID_STATUSES, UNCHECKED_STATUSES, type CheckSchedule } from './check-schedule.js';

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
  /** The back-off between checks, and how long closed orders are checked for a late payment. */
  schedule: CheckSchedule;
  onRun?: (result: ReconcileResult) => void;
}

export interface ResendRules {
  /** Not before this long after the order was stored, nor after the last re-send (longer than a create can take). */
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

const sqlList = (statuses: readonly string[]) => statuses.map((status) => `'${status}'`).join(', ');
const UNCHECKED_SQL = sqlList(UNCHECKED_STATUSES);
const CLOSED_UNPAID_SQL = sqlList(CLOSED_UNPAID_STATUSES);

/** The advisory-lock namespace of order checks (any fixed int4). */
const CHECK_LOCK_NAMESPACE = 740_311_826;
/** The application_name of the connection that holds them. */
export const RECONCILER_LOCKS_APPLICATION = 'tarspay-graphql reconciler locks';

/**
 * Asks TarsPay about orders whose state is unknown or overdue (UNKNOWN, SUBMITTING for too long,
 * not final past their expected time, closed unpaid within the late-payment window), with a
 * growing delay per order, and applies the answers through the state machine.
 *
 * Several instances can run it. A claimed order is held, from its claim to the end of its check,
 * by an advisory lock on a connection of this reconciler's own (LockSession): however long the
 * check takes, no other instance checks it meanwhile, and a killed instance's locks go with its
 * connection. The claim also moves next_check_at out by the back-off. A re-sent create is counted
 * first, on that same connection, as a compare-and-set on create_attempts that also holds the next
 * check past the time the create can take: if the connection was lost (and the lock with it), or
 * another instance counted one first, nothing is sent.
 */
export class Reconciler {
  readonly #locks: LockSession;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<ReconcileResult> | undefined;
  #stopped = false;
  /** Set by stop(): the pass under way ends after its current check. */
  #abortPass = false;

  constructor(private readonly options: ReconcilerOptions) {
    this.#locks = new LockSession(options.orm.config.get('clientUrl'), CHECK_LOCK_NAMESPACE, RECONCILER_LOCKS_APPLICATION);
  }

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
    await this.#locks.close();
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
    await this.#locks.open();
    try {
      return await this.#pass();
    } finally {
      // Claims a stopped pass did not check; a lost session has no locks left to release.
      await this.#locks.unlockAll().catch(() => undefined);
    }
  }

  async #pass(): Promise<ReconcileResult> {
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
      // The claim lasts until here (a throw above ends the pass, whose end releases every claim).
      await this.#locks.unlock(row.id).catch(() => undefined);
    }
  }

  /**
   * Claims due orders: locks each (skipping those another instance holds), then, if it is still due,
   * moves its next check out by checkDelayMs(check_attempts), in SQL, but never past the end of
   * its attention window, so an overdue order is flagged on time. A closed unpaid order whose next
   * check would fall past the late-payment window gets none.
   */
  async #claim(): Promise<ClaimedRow[]> {
    const batch = this.options.batchSize ?? 20;
    const { schedule } = this.options;
    const candidates = await this.#locks.query<{ id: string }>(
      `select id from orders where next_check_at <= now() and status not in (${UNCHECKED_SQL}) order by next_check_at limit $1`,
      [2 * batch],
    );
    const delay = checkDelaySql('o.check_attempts', 3, schedule);
    const windowEnd = this.options.attention.windowEndSql('o', 3 + delay.values.length);
    const claimed: ClaimedRow[] = [];
    for (const { id } of candidates) {
      if (claimed.length >= batch || this.#abortPass) break;
      if (!(await this.#locks.tryLock(id))) continue;
      const [row] = await this.#locks.query<ClaimedRow>(
        `update orders o
            set next_check_at = case when o.status in (${CLOSED_UNPAID_SQL}) and now() + ${delay.sql} > o.updated_at + $2 * interval '1 millisecond'
                                     then null
                                     else least(now() + ${delay.sql}, case when ${windowEnd.sql} > now() then ${windowEnd.sql} end) end,
                check_attempts = o.check_attempts + 1
          where o.id = $1 and o.next_check_at <= now() and o.status not in (${UNCHECKED_SQL})
         returning o.id, o.check_attempts`,
        [id, schedule.latePaymentWindowMs, ...delay.values, ...windowEnd.values],
      );
      if (row) claimed.push(row);
      else await this.#locks.unlock(id);
    }
    return claimed;
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
    const outcome = await this.options.orders.resendCreate(merchant, order, () =>
      countCreateAttempt((text, values) => this.#locks.query(text, values), order, this.options.resend.afterMs),
    );
    if (outcome !== 'not-sent') result.resent += 1;
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
