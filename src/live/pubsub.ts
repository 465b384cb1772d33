import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { OrderChangeMessage } from '../orders/order-snapshot.js';

/** Topics: one per order (orderUpdated) and one per merchant (orderEvents). */
export type OrderTopics = {
  'order:changed': [orderId: string, message: OrderChangeMessage];
  'merchant:order-changed': [merchantId: string, message: OrderChangeMessage];
};

export type OrderPubSub = ReturnType<typeof createPubSub<OrderTopics>>;

export interface LivePubSub {
  pubsub: OrderPubSub;
  /** Publishes one committed change to the order's and the merchant's subscribers, on every instance. */
  publishChange(message: OrderChangeMessage): void;
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
    return await Promise.race([client.ping().then((answer) => answer === 'PONG', () => false), timeout]);
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
 * instance reaches subscribers connected to any instance.
 */
export function createLivePubSub(options: { redisUrl?: string; logger: Logger }): LivePubSub {
  let clients: Redis[] = [];
  let eventTarget;
  if (options.redisUrl) {
    const connect = () => {
      const client = new Redis(options.redisUrl!, { maxRetriesPerRequest: 3, lazyConnect: false });
      client.on('error', (error) => options.logger.warn({ err: error.message }, 'redis connection problem'));
      return client;
    };
    clients = [connect(), connect()];
    eventTarget = createRedisEventTarget({ publishClient: clients[0]!, subscribeClient: clients[1]! });
  }
  const pubsub = createPubSub<OrderTopics>(eventTarget ? { eventTarget } : undefined);
  return {
    pubsub,
    publishChange(message) {
      pubsub.publish('order:changed', message.order.id, message);
      pubsub.publish('merchant:order-changed', message.merchantId, message);
    },
    async redisHealth(timeoutMs) {
      const [publisher, subscriber] = clients;
      if (!publisher || !subscriber) return 'not configured';
      // Between reconnect attempts a command would only wait in ioredis' offline queue.
      if (DOWN.has(publisher.status)) return `unreachable (${publisher.status})`;
      if (!(await pingWithin(publisher, timeoutMs))) return `no answer to PING within ${timeoutMs} ms`;
      return (await readyWithin(subscriber, timeoutMs)) ? 'ok' : `subscriber connection not ready (${subscriber.status})`;
    },
    async close() {
      await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
    },
  };
}
