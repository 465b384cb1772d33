/**
 * A consumer of the merchant's order events that survives restarts and network drops: it saves
 * each event's cursor after handling it and resumes from the saved cursor, so it receives every
 * event committed since its first start exactly once, in commit order (if it dies between handling and saving, the event comes again:
 * make `onEvent` idempotent, e.g. keyed by the event id).
 *
 *   GATEWAY_URL=http://localhost:4000 TOKEN=tpg_… CURSOR_FILE=.order-events.cursor npx tsx examples/event-consumer.ts
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { LatestEventCursorDocument, OrderEventsDocument, type OrderEventFilter, type OrderEventsSubscription } from '../src/generated/graphql.js';
import { createTarsPayClient, GraphQLRequestError } from './typed-client.js';

export type OrderEventMessage = OrderEventsSubscription['orderEvents'];

/** Where the consumer keeps its place: a file here; a row in your own database is better still (save it in the transaction that handles the event). */
export interface CursorStore {
  load(): Promise<string | null>;
  save(cursor: string): Promise<void>;
}

export function fileCursorStore(path: string): CursorStore {
  return {
    async load() {
      try {
        return (await readFile(path, 'utf8')).trim() || null;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async save(cursor) {
      const temporary = `${path}.${randomUUID()}.tmp`;
      await writeFile(temporary, cursor);
      await rename(temporary, path); // never a half-written cursor
    },
  };
}

export interface ConsumerOptions {
  url: string;
  token: string;
  store: CursorStore;
  onEvent: (event: OrderEventMessage) => Promise<void> | void;
  filter?: OrderEventFilter;
  /** Stops the consumer. */
  signal?: AbortSignal;
  /** Called before each reconnect, with the reason and the delay. */
  onReconnect?: (reason: unknown, delayMs: number) => void;
}

/**
 * Runs until `signal` aborts. Reconnects with exponential back-off (0.5 s doubling to 30 s) when
 * the connection is lost; stops with the error when the gateway refuses (bad token, or
 * CURSOR_EXPIRED: the saved cursor is older than the gateway keeps events, so read the orders'
 * current state and start again from a new cursor).
 */
export async function consumeOrderEvents(options: ConsumerOptions): Promise<void> {
  let failures = 0;
  while (!options.signal?.aborted) {
    const client = createTarsPayClient({ url: options.url, token: options.token, webSocketImpl: WebSocket });
    const stop = () => void client.close();
    options.signal?.addEventListener('abort', stop);
    let reason: unknown = 'the gateway ended the subscription';
    try {
      let after = await options.store.load();
      if (after === null) {
        // First start: from now on. (To take in the past as well, page through the events query first.)
        after = (await client.request(LatestEventCursorDocument, {})).latestEventCursor;
        await options.store.save(after);
      }
      for await (const { orderEvents } of client.subscribe(OrderEventsDocument, { filter: options.filter ?? null, after })) {
        failures = 0;
        await options.onEvent(orderEvents);
        await options.store.save(orderEvents.cursor);
      }
    } catch (error) {
      if (error instanceof GraphQLRequestError) throw error;
      reason = error;
    } finally {
      options.signal?.removeEventListener('abort', stop);
      await client.close();
    }
    if (options.signal?.aborted) break;
    failures += 1;
    const delay = Math.min(30_000, 500 * 2 ** (failures - 1));
    options.onReconnect?.(reason, delay);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const token = process.env.TOKEN;
  if (!token) throw new Error('set TOKEN to a token with orders:read (npm start prints one)');
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  await consumeOrderEvents({
    url: process.env.GATEWAY_URL ?? 'http://localhost:4000',
    token,
    store: fileCursorStore(process.env.CURSOR_FILE ?? '.order-events.cursor'),
    signal: stop.signal,
    onEvent: (event) => console.log(`${event.createdAt} ${event.order.merchantOrderNo} ${event.previousStatus ?? '-'} → ${event.status} (${event.source})`),
    onReconnect: (reason, delayMs) => console.log(`connection lost (${String(reason)}); resuming in ${delayMs} ms`),
  });
}
