import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import { MemoryConnectionLeases, RedisConnectionLeases, type ConnectionLeases } from './connection-leases.js';
import { RedisCoolOff, type RedisLimitState } from './redis-cool-off.js';
import { MemoryTokenBuckets, RedisTokenBuckets, type TokenBuckets } from './token-buckets.js';

export interface LimitStores {
  buckets: TokenBuckets;
  leases: ConnectionLeases;
  /** With Redis: whether this instance asks it now or limits alone (cool-off). */
  redis?: RedisCoolOff;
  close(): Promise<void>;
}

/** How long Redis may take to answer a limit check before this instance counts alone; also the longest the start waits for it. */
const REDIS_COMMAND_TIMEOUT_MS = 1000;

export interface LimitStoreOptions {
  redisUrl?: string;
  logger: Logger;
  leaseMs: number;
  /** After a Redis command fails or times out, how long this instance limits alone before it probes Redis again. */
  coolOffMs: number;
  onRedisState?: (state: RedisLimitState) => void;
}

/**
 * Where rate-limit buckets and WebSocket connection leases live: in Redis when `redisUrl` is set,
 * so that every instance shares them, else in this process. With Redis, a command that fails or
 * takes over a second makes this instance count alone for `coolOffMs` (RedisCoolOff), so neither an
 * outage nor a hang of Redis blocks payments or slows every request down.
 */
export async function createLimitStores(options: LimitStoreOptions): Promise<LimitStores> {
  if (!options.redisUrl) {
    const buckets = new MemoryTokenBuckets();
    return { buckets, leases: new MemoryConnectionLeases(), close: () => buckets.close() };
  }
  const { Redis } = await import('ioredis'); // loaded only when Redis is configured
  // Commands fail at once while disconnected (no offline queue): the fallback answers instead of a wait.
  const redis = new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: REDIS_COMMAND_TIMEOUT_MS });
  redis.on('error', (error) => options.logger.warn({ err: error.message }, 'redis connection problem (rate limits)'));
  // A Redis that is up is ready within milliseconds, so the first requests already share the limits.
  // One that refuses the connection ends the wait at once, and one that does not answer gets as long
  // as a limit check would: either way the start goes on and this instance limits alone meanwhile.
  if (!(await readyOrFailed(redis, REDIS_COMMAND_TIMEOUT_MS))) options.logger.warn('rate limits: Redis not ready yet, limiting per instance until it answers');
  const coolOff = new RedisCoolOff({ redis, logger: options.logger, coolOffMs: options.coolOffMs, onStateChange: options.onRedisState });
  options.onRedisState?.(coolOff.state);
  const buckets = new RedisTokenBuckets(redis, coolOff);
  return {
    buckets,
    leases: new RedisConnectionLeases(redis, coolOff, options.leaseMs),
    redis: coolOff,
    async close() {
      await buckets.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** True on 'ready'; false on the first error or after timeoutMs (not events.once: it rejects on 'error'). */
function readyOrFailed(redis: Redis, timeoutMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const finish = (ready: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      resolve(ready);
    };
    const onReady = () => finish(true);
    const onError = () => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    redis.once('ready', onReady);
    redis.once('error', onError);
  });
}
