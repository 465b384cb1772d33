import type { Sql } from '../db/sql.js';
import type { Logger } from '../observability/logger.js';
import { encodeEventCursor, readCursor, readEvents, resumableEvents, type EventFilter } from './event-stream.js';
import type { OrderChangeMessage } from './change-message.js';
import type { StreamPosition } from '../lib/stream-position.js';

export interface EventPage {
  messages: OrderChangeMessage[];
  hasNextPage: boolean;
}

/**
 * A merchant's order events: pages for the `events` query, resumable streams for `orderEvents`,
 * and their retention (EVENT_RETENTION_DAYS). Cursors older than the retention are refused with
 * CURSOR_EXPIRED rather than answered with a silent gap.
 */
export class EventFeed {
  constructor(
    private readonly sql: Sql,
    readonly retentionDays: number,
  ) {}

  async page(merchantId: string, options: { first: number; after?: string | null }, filter: EventFilter): Promise<EventPage> {
    const after = options.after != null ? readCursor(options.after, this.retentionDays).seq : 0n;
    const rows = await readEvents(this.sql.query, merchantId, { after, limit: options.first + 1 }, filter);
    return { messages: rows.slice(0, options.first), hasNextPage: rows.length > options.first };
  }

  /**
   * A cursor at the merchant's latest committed event, made now: everything committed later comes
   * after it. The merchant's counter is read, not the events, so it also works when there are none yet.
   */
  async latestCursor(merchantId: string): Promise<string> {
    const [row] = await this.sql.query<{ event_seq: string }>('select event_seq from merchants where id = $1', [merchantId]);
    return encodeEventCursor({ seq: row?.event_seq ?? '0', createdAt: new Date() });
  }

  /**
   * Checks `after` at once (a bad cursor fails the subscribe, not its first event); see
   * resumableEvents. With `after`, `listen` is called now, before the replay reads, so that nothing
   * committed in between is missed; without, at the stream's first read: a stream that is never
   * read (its subscriber joined another's shared execution) then queues no live messages.
   * `position` says how far it has read (see StreamPosition).
   */
  stream(
    merchantId: string,
    listen: () => AsyncIterator<OrderChangeMessage>,
    after: string | null | undefined,
    filter: EventFilter,
    position?: StreamPosition,
  ): AsyncGenerator<OrderChangeMessage> {
    const from = after != null ? readCursor(after, this.retentionDays).seq : null;
    return resumableEvents(this.sql.query, merchantId, from === null ? listenOnFirstRead(listen) : listen(), from, filter, position);
  }

  /** Prunes every `everyMs` (first a minute after start), logging what it deleted; returns the stop function. */
  startRetention(logger: Logger, everyMs = 3_600_000): () => void {
    const run = () =>
      void this.prune().then(
        (deleted) => deleted > 0 && logger.info({ deleted, retentionDays: this.retentionDays }, 'order events past their retention deleted'),
        (error: unknown) => logger.warn({ err: error }, 'order events could not be pruned; will try again'),
      );
    const first = setTimeout(run, Math.min(60_000, everyMs)).unref();
    const timer = setInterval(run, everyMs).unref();
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }

  /** Deletes events older than the retention period, a batch at a time; returns how many. */
  async prune(): Promise<number> {
    let deleted = 0;
    for (;;) {
      const rows = await this.sql.query(
        `delete from order_events where id in (select id from order_events where created_at < now() - $1 * interval '1 day' limit 5000) returning id`,
        [this.retentionDays],
      );
      deleted += rows.length;
      if (rows.length < 5000) return deleted;
    }
  }
}

/** `listen()` called at the first `next()`; a `return()` before then listens to nothing at all. */
function listenOnFirstRead<T>(listen: () => AsyncIterator<T>): AsyncIterator<T> {
  let live: AsyncIterator<T> | undefined;
  let closed = false;
  return {
    next: () => (closed ? Promise.resolve({ value: undefined, done: true }) : (live ??= listen()).next()),
    return: async () => {
      closed = true;
      await live?.return?.();
      return { value: undefined, done: true };
    },
  };
}
