import { createPubSub } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import { reviveChangeMessage, type OrderChangeMessage } from '../orders/change-message.js';
import { LiveQueue } from './live-queue.js';

/** One topic (one Redis channel) for every committed change; each instance routes them to its subscribers. */
export type OrderTopics = {
  'order-changes': [message: OrderChangeMessage];
};

const CHANGES_TOPIC = 'order-changes';

export type OrderPubSub = ReturnType<typeof createPubSub<OrderTopics>>;

export interface LivePubSub {
  /** Publishes one committed change to the order's and the merchant's subscribers, on every instance. */
  publishChange(message: OrderChangeMessage): void;
  /** The changes of one order (orderUpdated), from now on: listening starts before this returns. */
  orderChanges(orderId: string): LiveQueue<OrderChangeMessage>;
  /** The changes of one merchant's orders (orderEvents), from now on. */
  merchantChanges(merchantId: string): LiveQueue<OrderChangeMessage>;
  /** Queues listening on this instance now (a subscriber that left is no longer counted). */
  listeners(): number;
  /**
   * With Redis: 'ok' when both connections are up and PING answers within `timeoutMs`, else why
   * not. Without: 'not configured'.
   */
  redisHealth(timeoutMs: number): Promise<string>;
  close(): Promise<void>;
}

/** ioredis connection states in which nothing gets through. */
const DOWN = new Set(['wait', 'reconnecting', 'close', 'end']);

async function pingWithin(client: Redis, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([
      client.ping().then(
        (answer) => answer === 'PONG',
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** True once the client is ready, waiting up to timeoutMs while it is still connecting. */
async function readyWithin(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return true;
  if (DOWN.has(client.status)) return false;
  let timer: NodeJS.Timeout | undefined;
  let onReady: (() => void) | undefined;
  try {
    return await new Promise<boolean>((resolve) => {
      onReady = () => resolve(true);
      client.once('ready', onReady);
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
  } finally {
    clearTimeout(timer);
    if (onReady) client.off('ready', onReady);
  }
}

/**
 * In process by default; with a Redis URL, over Redis pub/sub so that a callback received by one
 * instance reaches subscribers connected to any instance (ioredis is loaded only then).
 */
export async function createLivePubSub(options: { redisUrl?: string; logger: Logger }): Promise<LivePubSub> {
  let clients: Redis[] = [];
  let eventTarget;
  if (options.redisUrl) {
    const [{ Redis }, { createRedisEventTarget }] = await Promise.all([import('ioredis'), import('@graphql-yoga/redis-event-target')]);
    const connect = () => {
      const client = new Redis(options.redisUrl!, { maxRetriesPerRequest: 3, lazyConnect: false });
      client.on('error', (error) => options.logger.warn({ err: error.message }, 'redis connection problem'));
      return client;
    };
    clients = [connect(), connect()];
    const [publisher, subscriber] = clients as [Redis, Redis];
    // The event target does not handle these promises: a Redis that is down would make them
    // unhandled rejections. A failed publish reaches no other instance (its subscribers' streams
    // fill the hole from the database with the next change); a failed SUBSCRIBE is sent again
    // each time the connection is ready, since ioredis re-subscribes only what once succeeded.
    const publish = publisher.publish.bind(publisher);
    publisher.publish = (channel: string, message: string) =>
      publish(channel, message).catch((error: unknown) => {
        options.logger.warn({ err: (error as Error).message }, 'live update not published to Redis: other instances miss it');
        return 0;
      });
    const subscribe = subscriber.subscribe.bind(subscriber);
    subscriber.subscribe = ((...channels: string[]) =>
      subscribe(...channels).catch((error: unknown) => {
        options.logger.warn({ err: (error as Error).message }, 'redis SUBSCRIBE failed: sent again once the connection is ready');
        return 0;
      })) as typeof subscriber.subscribe;
    const unsubscribe = subscriber.unsubscribe.bind(subscriber);
    subscriber.unsubscribe = ((...channels: string[]) => unsubscribe(...channels).catch(() => 0)) as typeof subscriber.unsubscribe;
    subscriber.on('ready', () => void subscriber.subscribe(CHANGES_TOPIC));
    eventTarget = createRedisEventTarget({ publishClient: publisher, subscribeClient: subscriber });
  }
  const pubsub = createPubSub<OrderTopics>(eventTarget ? { eventTarget } : undefined);
  const router = new ChangeRouter();
  const changes = pubsub.subscribe(CHANGES_TOPIC)[Symbol.asyncIterator]();
  void (async () => {
    try {
      for (let next = await changes.next(); !next.done; next = await changes.next()) router.dispatch(next.value);
    } catch (error) {
      options.logger.error({ err: error }, 'live order changes stopped: subscribers get no more updates');
    }
  })();
  return {
    publishChange(message) {
      pubsub.publish(CHANGES_TOPIC, message);
    },
    orderChanges: (orderId) => router.listen(router.byOrder, orderId),
    merchantChanges: (merchantId) => router.listen(router.byMerchant, merchantId),
    listeners: () => router.count(),
    async redisHealth(timeoutMs) {
      const [publisher, subscriber] = clients;
      if (!publisher || !subscriber) return 'not configured';
      // Between reconnect attempts a command would only wait in ioredis' offline queue.
      if (DOWN.has(publisher.status)) return `unreachable (${publisher.status})`;
      if (!(await pingWithin(publisher, timeoutMs))) return `no answer to PING within ${timeoutMs} ms`;
      return (await readyWithin(subscriber, timeoutMs)) ? 'ok' : `subscriber connection not ready (${subscriber.status})`;
    },
    async close() {
      await changes.return?.();
      router.endAll();
      await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
    },
  };
}

/**
 * Routes each change to the queues of its order and of its merchant. One subscription to the
 * pub/sub per instance, however many subscribers: a subscriber costs a queue in a set, not a pub/sub
 * subscription (and, with Redis, not a channel of its own); a message from Redis is parsed and its
 * dates revived once, not once per subscriber.
 */
class ChangeRouter {
  readonly byOrder = new Map<string, Set<LiveQueue<OrderChangeMessage>>>();
  readonly byMerchant = new Map<string, Set<LiveQueue<OrderChangeMessage>>>();

  listen(index: Map<string, Set<LiveQueue<OrderChangeMessage>>>, key: string): LiveQueue<OrderChangeMessage> {
    const queue = new LiveQueue<OrderChangeMessage>((leaving) => {
      const queues = index.get(key);
      if (queues?.delete(leaving) && queues.size === 0) index.delete(key);
    });
    let queues = index.get(key);
    if (!queues) index.set(key, (queues = new Set()));
    queues.add(queue);
    return queue;
  }

  dispatch(received: OrderChangeMessage): void {
    const byOrder = this.byOrder.get(received.order.id);
    const byMerchant = this.byMerchant.get(received.merchantId);
    if (!byOrder && !byMerchant) return;
    // Dates arrive as text when the message crossed Redis.
    const message = reviveChangeMessage(received);
    if (byOrder) for (const queue of byOrder) queue.push(message);
    if (byMerchant) for (const queue of byMerchant) queue.push(message);
  }

  count(): number {
    let count = 0;
    for (const index of [this.byOrder, this.byMerchant]) for (const queues of index.values()) count += queues.size;
    return count;
  }

  endAll(): void {
    for (const index of [this.byOrder, this.byMerchant]) {
      for (const queues of index.values()) for (const queue of queues) queue.end();
      index.clear();
    }
  }
}
