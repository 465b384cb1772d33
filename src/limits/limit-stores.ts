import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { MemoryConnectionLeases, RedisConnectionLeases, type ConnectionLeases } from './connection-leases.js';
import { MemoryTokenBuckets, RedisTokenBuckets, type TokenBuckets } from './token-buckets.js';

export interface LimitStores {
  buckets: TokenBuckets;
  leases: ConnectionLeases;
  close(): Promise<void>;
}

/** How long Redis may take to answer a limit check before this instance counts alone. */
const REDIS_COMMAND_TIMEOUT_MS = 1000;
const REDIS_READY_WAIT_MS = 3000;

/**
 * Where rate-limit buckets and WebSocket connection leases live: in Redis when `redisUrl` is set,
 * so that every instance shares them, else in this process. With Redis, a command that fails or
 * takes over a second falls back to this instance's own count (see the stores), so an outage of
 * Redis never blocks payments.
 */
export async function createLimitStores(options: { redisUrl?: string; logger: Logger; leaseMs: number }): Promise<LimitStores> {
  if (!options.redisUrl) {
    const buckets = new MemoryTokenBuckets();
    return { buckets, leases: new MemoryConnectionLeases(), close: () => buckets.close() };
  }
  // Commands fail at once while disconnected (no offline queue): the fallback answers instead of a wait.
  const redis = new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: REDIS_COMMAND_TIMEOUT_MS });
  redis.on('error', (error) => options.logger.warn({ err: error.message }, 'redis connection problem (rate limits)'));
  // Not events.once: it rejects on the first 'error', and a Redis that is down must not stop the start.
  const ready = new Promise<boolean>((resolve) => redis.once('ready', () => resolve(true)));
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), REDIS_READY_WAIT_MS).unref());
  if (!(await Promise.race([ready, timeout]))) options.logger.warn('rate limits: Redis not ready yet, limiting per instance until it answers');
  const buckets = new RedisTokenBuckets(redis, options.logger);
  return {
    buckets,
    leases: new RedisConnectionLeases(redis, options.logger, options.leaseMs),
    async close() {
      await buckets.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
