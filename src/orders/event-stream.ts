import type { Query } from '../db/sql.js';
import { eventColumns, eventFromRow, toChangeMessage, type OrderChangeMessage } from './change-message.js';
import { CursorError } from './order-errors.js';
import { orderColumnsOf, orderFromRow } from './order-row.js';
import { StreamPosition } from '../lib/stream-position.js';

/**
 * A merchant's order events in commit order, resumable from a cursor.
 *
 * Every event gets `seq`, its place in its merchant's stream, from the event sequencer once it is
 * committed (event-sequencer.ts): passes number under the merchant's row lock, one after another,
 * so seqs commit in order and have no holes. Until then an event has no seq, and every read here
 * (`seq > N`) leaves it out. A reader that has seen seq N and reads `seq > N` can never miss an
 * event numbered later. Live messages that arrive out of order (two instances' passes publishing)
 * or not at all (a lost publish) leave a hole in what a stream has seen; the stream fills it from
 * the database before going on, so each event is delivered once, in seq order.
 */

/** What a stream reads: the merchant's events after a seq, with the order each belongs to. */
export interface EventFilter {
  kind?: string | null;
  status?: readonly string[] | null;
  /** The order's local id. */
  orderId?: string | null;
  includeIgnored?: boolean | null;
  /** Only events of orders flagged (true) or not flagged (false) for a person, as the order is now. */
  needsAttention?: boolean | null;
}

export interface EventCursor {
  seq: bigint;
  /** When the event was committed: a cursor older than the retention period has lost its events. */
  createdAt: Date;
}

const CURSOR_PREFIX = 'ev1:';
/** PostgreSQL's bigint, the type of `seq`. */
const MAX_SEQ = 9_223_372_036_854_775_807n;
/** No event of this API was committed before this; a cursor that says so was not made by it. */
const EARLIEST_EVENT_MS = Date.UTC(2020, 0, 1);
/** How far ahead of this instance's clock a cursor's time may be (another instance's clock, the database's). */
const CLOCK_SKEW_MS = 86_400_000;
/** The longest cursor encodeEventCursor writes is 52 characters; anything much longer is not worth decoding. */
const MAX_CURSOR_LENGTH = 64;

/** Opaque to clients: base64url of `ev1:<seq>:<createdAt ms>`. */
export function encodeEventCursor(cursor: { seq: string | bigint; createdAt: Date }): string {
  return Buffer.from(`${CURSOR_PREFIX}${String(cursor.seq)}:${cursor.createdAt.getTime()}`).toString('base64url');
}

/**
 * The cursor `text` names, or null when it is not one encodeEventCursor could have written: the
 * text must be exactly what encoding its own content gives back (no padding, no stray characters,
 * no leading zeros), with a seq that fits a bigint.
 */
export function decodeEventCursor(text: string): EventCursor | null {
  if (text.length > MAX_CURSOR_LENGTH) return null;
  const match = /^ev1:(\d{1,19}):(\d{1,15})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match) return null;
  const cursor = { seq: BigInt(match[1]!), createdAt: new Date(Number(match[2])) };
  if (cursor.seq > MAX_SEQ || encodeEventCursor(cursor) !== text) return null;
  return cursor;
}

/**
 * The cursor `after`, checked: not one this API gave (malformed, out of range, a time before any
 * event or in the future), or older than the retention period (its events are gone).
 */
export function readCursor(after: string, retentionDays: number, now = Date.now()): EventCursor {
  const cursor = decodeEventCursor(after);
  const time = cursor?.createdAt.getTime() ?? Number.NaN;
  if (!cursor || !(time >= EARLIEST_EVENT_MS && time <= now + CLOCK_SKEW_MS)) {
    throw new CursorError('INVALID_CURSOR', after, "not a cursor of this API: pass an event's cursor as it was given");
  }
  if (time < now - retentionDays * 86_400_000) {
    throw new CursorError(
      'CURSOR_EXPIRED',
      after,
      `the cursor is older than the ${retentionDays} days events are kept (EVENT_RETENTION_DAYS): the events after it may be gone.`,
    );
  }
  return cursor;
}

export function matchesFilter(message: OrderChangeMessage, filter: EventFilter): boolean {
  if (!message.event.applied && !filter.includeIgnored) return false;
  if (filter.kind && message.order.kind !== filter.kind) return false;
  if (filter.status?.length && !filter.status.includes(message.event.status)) return false;
  if (filter.orderId && message.order.id !== filter.orderId) return false;
  if (
    typeof filter.needsAttention === 'boolean' &&
    (message.order.attentionSince !== null && message.order.attentionSince !== undefined) !== filter.needsAttention
  )
    return false;
  return true;
}

/** An event with its order, in the column names eventFromRow and orderFromRow read. */
const EVENT_AND_ORDER_COLUMNS = `${eventColumns('e')}, ${orderColumnsOf('o')}`;

/**
 * The merchant's events with `seq` in (after, before), in seq order, as change messages (the order
 * as it is now). With `filter`, only matching ones (for pages of the events query); a stream reads
 * unfiltered, because it keeps track of every seq it passes.
 */
export async function readEvents(
  query: Query,
  merchantId: string,
  range: { after: bigint; before?: bigint; limit: number },
  filter?: EventFilter,
): Promise<OrderChangeMessage[]> {
  const rows = await query(
    `select ${EVENT_AND_ORDER_COLUMNS}
       from order_events e join orders o on o.id = e.order_id
      where e.merchant_id = $1 and e.seq > $2 and ($3::bigint is null or e.seq < $3)
        and ($5::boolean or e.applied) and ($6::text is null or o.kind = $6) and ($7::text[] is null or e.status = any($7)) and ($8::uuid is null or e.order_id = $8)
        and ($9::boolean is null or (o.attention_since is not null) = $9)
      order by e.seq
      limit $4`,
    [
      merchantId,
      range.after.toString(),
      range.before?.toString() ?? null,
      range.limit,
      filter ? Boolean(filter.includeIgnored) : true,
      filter?.kind ?? null,
      filter?.status?.length ? filter.status : null,
      filter?.orderId ?? null,
      typeof filter?.needsAttention === 'boolean' ? filter.needsAttention : null,
    ],
  );
  return rows.map((row) => toChangeMessage(merchantId, orderFromRow(row), eventFromRow(row)));
}

const PAGE = 500;

/**
 * Replays the merchant's events after `after` (when given), then goes on with `live` (messages
 * published after commit; subscribe before calling, so that nothing falls between the two), with
 * no event missed and none twice, in seq order. Filtered events are skipped, but counted as seen.
 * `position`, when given, says how far it has read, and can stop it reading (see StreamPosition):
 * the stream then stays open, idle, until it is closed.
 */
export function resumableEvents(
  query: Query,
  merchantId: string,
  live: AsyncIterator<OrderChangeMessage>,
  after: bigint | null,
  filter: EventFilter,
  position = new StreamPosition(),
): AsyncGenerator<OrderChangeMessage> {
  let unpark = () => {};
  const parked = new Promise<void>((resolve) => (unpark = resolve));
  position.onRelease(() => void live.return?.());
  const stream = releasing(replayThenLive(query, merchantId, live, after, filter, position, parked), live);
  // A generator closed before it ever ran skips its finally: `live` is let go here in every case
  // (the subscriber left during the replay, or before the stream was even started).
  const close = stream.return.bind(stream);
  stream.return = async (value) => {
    unpark();
    await live.return?.();
    return close(value);
  };
  return stream;
}

async function* releasing(events: AsyncGenerator<OrderChangeMessage>, live: AsyncIterator<OrderChangeMessage>): AsyncGenerator<OrderChangeMessage> {
  try {
    yield* events;
  } finally {
    await live.return?.();
  }
}

async function* replayThenLive(
  query: Query,
  merchantId: string,
  live: AsyncIterator<OrderChangeMessage>,
  after: bigint | null,
  filter: EventFilter,
  position: StreamPosition,
  parked: Promise<void>,
): AsyncGenerator<OrderChangeMessage> {
  let last = after;
  position.passed = position.from = after;
  /** Passes `message`: true when it is to be yielded (then counted as yielded already). */
  const pass = (message: OrderChangeMessage): boolean => {
    last = BigInt(message.event.seq);
    position.from ??= last - 1n;
    position.passed = last;
    if (!matchesFilter(message, filter)) return false;
    position.yielded = last;
    return true;
  };
  if (last !== null) {
    // A short page is the last: what commits after it arrives live (or fills a hole below).
    let page: OrderChangeMessage[];
    do {
      page = await readEvents(query, merchantId, { after: last, limit: PAGE });
      for (const message of page) if (pass(message)) yield message;
    } while (page.length === PAGE);
  }
  position.live = true;
  for (;;) {
    position.onIdle?.();
    const next = await live.next();
    if (next.done) break;
    const message = next.value;
    const seq = BigInt(message.event.seq);
    if (last !== null && seq <= last) continue;
    if (last !== null && seq > last + 1n) {
      // A hole: events committed before this one whose messages came late or never. Fill it from the database.
      for (const missed of await readEvents(query, merchantId, { after: last, before: seq, limit: Number(seq - last) })) {
        if (pass(missed)) yield missed;
      }
    }
    if (pass(message)) yield message;
  }
  // Released: what it would read next is delivered from elsewhere; it waits to be closed.
  if (position.released) await parked;
}
