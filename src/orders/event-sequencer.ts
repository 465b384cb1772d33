import type { Query, SqlRunner } from '../db/sql.js';
import type { Logger } from '../observability/logger.js';
import { eventColumns, eventFromRow, toChangeMessage, type OrderChangeMessage } from './change-message.js';
import { orderColumnsOf, orderFromRow } from './order-row.js';

/**
 * Gives committed order events their `seq`, per merchant, in commit order, many at a time.
 *
 * Writes store events unnumbered (order-store.ts) and touch no merchant row, so a merchant's writes
 * commit side by side. A pass then numbers what they committed, in a short transaction of its own:
 * it locks the merchant's row (`for no key update`: it waits for the merchant's other passes, on
 * any instance, and for nothing else), then in a second statement, whose READ COMMITTED snapshot
 * is taken after the lock and so sees every event committed before it and everything earlier
 * passes numbered, numbers the merchant's unnumbered events in id order from `event_seq + 1` and
 * moves `event_seq` past them. Passes commit one after another under that lock, so seq has no
 * holes and a reader that has seen seq N never later finds a new event at or below N. Then the
 * numbered events are published, in seq order.
 *
 * Who commits an event wakes the merchant's pass (`wake`) and waits for it: wake-ups that come
 * while a pass runs are served by one more pass when it ends, so many writes share one numbering
 * transaction (group commit). A sweep numbers what an instance left unnumbered (killed between
 * its commit and its pass).
 */

/** The most events one numbering transaction takes; a pass goes on while there are more. */
const BATCH = 500;
const SWEEP_MS = 1_000;

/** Numbers the merchant's ($1) unnumbered events, at most $3, from $2 + 1; returns them with their orders, in seq order. */
const NUMBER_PENDING = `with pending as (
    select id, $2::bigint + row_number() over (order by id) as seq
      from order_events where merchant_id = $1 and seq is null
     order by id limit $3
  ),
  numbered as (update order_events e set seq = pending.seq from pending where e.id = pending.id returning e.*),
  counter as (update merchants set event_seq = $2::bigint + (select count(*) from pending) where id = $1 and exists (select 1 from pending))
  select ${eventColumns('n')}, ${orderColumnsOf('o')} from numbered n join orders o on o.id = n.order_id order by n.seq`;

/** What writers and readers need of the sequencer: wake a merchant's pass and wait for it. */
export interface EventWaker {
  wake(merchantId: string): Promise<void>;
}

export interface EventSequencerOptions {
  /** Its statements are the gateway's own shared work (Sql.background). */
  sql: SqlRunner;
  /** Events just numbered, in seq order, with their orders as they are now: publish them. */
  onNumbered(messages: OrderChangeMessage[]): void;
  logger: Logger;
  batchSize?: number;
  sweepMs?: number;
}

export class EventSequencer implements EventWaker {
  /** Merchants with a pass to run: who waits for it. */
  readonly #waiting = new Map<string, Array<() => void>>();
  /** Merchants whose passes are running on this instance. */
  readonly #running = new Map<string, Promise<void>>();
  #sweepTimer: NodeJS.Timeout | undefined;
  #sweeping = false;

  constructor(private readonly options: EventSequencerOptions) {}

  /**
   * Numbers and publishes the merchant's committed, unnumbered events; resolves once a pass that
   * began after this call has ended. Never rejects: what a failed pass left, a later one (or the
   * sweep) numbers.
   */
  wake(merchantId: string): Promise<void> {
    return new Promise((resolve) => {
      const waiting = this.#waiting.get(merchantId);
      if (waiting) {
        waiting.push(resolve);
        return;
      }
      this.#waiting.set(merchantId, [resolve]);
      if (!this.#running.has(merchantId)) this.#run(merchantId);
    });
  }

  /** Sweeps every `sweepMs` for events no pass numbered. */
  start(): void {
    this.#sweepTimer ??= setInterval(() => void this.sweep(), this.options.sweepMs ?? SWEEP_MS).unref();
  }

  /** Stops sweeping and waits for the passes running now. */
  async stop(): Promise<void> {
    clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
    while (this.#running.size) await Promise.all(this.#running.values());
  }

  /** Numbers the events of every merchant that has some left unnumbered. */
  async sweep(): Promise<void> {
    if (this.#sweeping) return;
    this.#sweeping = true;
    try {
      const merchants = await this.options.sql.query<{ merchant_id: string }>('select distinct merchant_id from order_events where seq is null');
      await Promise.all(merchants.map((row) => this.wake(row.merchant_id)));
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not look for unnumbered order events; will look again');
    } finally {
      this.#sweeping = false;
    }
  }

  /** Passes while someone waits for one; ends (and leaves #running) in the same step as it finds no one. */
  #run(merchantId: string): void {
    const passes = (async () => {
      try {
        for (let waiters = this.#take(merchantId); waiters; waiters = this.#take(merchantId)) {
          await this.#pass(merchantId);
          for (const resolve of waiters) resolve();
        }
      } finally {
        this.#running.delete(merchantId);
      }
    })();
    this.#running.set(merchantId, passes);
  }

  #take(merchantId: string): Array<() => void> | undefined {
    const waiters = this.#waiting.get(merchantId);
    this.#waiting.delete(merchantId);
    return waiters;
  }

  async #pass(merchantId: string): Promise<void> {
    const batchSize = this.options.batchSize ?? BATCH;
    try {
      for (;;) {
        const messages = await this.options.sql.transaction((query) => numberPending(query, merchantId, batchSize));
        if (messages.length) this.options.onNumbered(messages);
        if (messages.length < batchSize) return;
      }
    } catch (error) {
      this.options.logger.warn({ err: error, merchantId }, 'order events not numbered yet: the next pass or the sweep numbers them');
    }
  }
}

/** One numbering transaction's statements (see EventSequencer): lock the merchant's row, then number. */
async function numberPending(query: Query, merchantId: string, batchSize: number): Promise<OrderChangeMessage[]> {
  const [merchant] = await query<{ event_seq: string }>('select event_seq from merchants where id = $1 for no key update', [merchantId]);
  if (!merchant) return [];
  const rows = await query(NUMBER_PENDING, [merchantId, merchant.event_seq, batchSize]);
  return rows.map((row) => toChangeMessage(merchantId, orderFromRow(row), eventFromRow(row)));
}
