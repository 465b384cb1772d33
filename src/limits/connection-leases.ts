import type { Redis } from 'ioredis';
import type { RedisCoolOff } from './redis-cool-off.js';

/**
 * Who holds the WebSocket connections of each token, to cap them. A connection takes a lease when it
 * opens, renews it while it lives and releases it when it closes.
 */
export interface ConnectionLeases {
  /** Takes a lease for `connectionId` unless `tokenId` already holds `max`; false then. */
  acquire(tokenId: string, connectionId: string, max: number): Promise<boolean>;
  release(tokenId: string, connectionId: string): Promise<void>;
  /** Keeps (or takes again, after a Redis restart) the leases of live connections; called every few seconds. */
  renew(leases: ReadonlyArray<readonly [tokenId: string, connectionId: string]>): Promise<void>;
}

/** This instance's connections only. */
export class MemoryConnectionLeases implements ConnectionLeases {
  readonly #byToken = new Map<string, Set<string>>();

  async acquire(tokenId: string, connectionId: string, max: number): Promise<boolean> {
    return this.acquireNow(tokenId, connectionId, max);
  }

  acquireNow(tokenId: string, connectionId: string, max: number): boolean {
    const held = this.#byToken.get(tokenId) ?? new Set<string>();
    if (held.size >= max) return false;
    held.add(connectionId);
    this.#byToken.set(tokenId, held);
    return true;
  }

  async release(tokenId: string, connectionId: string): Promise<void> {
    const held = this.#byToken.get(tokenId);
    held?.delete(connectionId);
    if (held?.size === 0) this.#byToken.delete(tokenId);
  }

  async renew(): Promise<void> {}
}

/**
 * Leases in Redis, one sorted set per token (member: connection id, score: when the lease lapses,
 * by Redis's clock), so the cap holds across every instance. Leases of an instance that died
 * without closing its connections lapse after `leaseMs`.
 */
const ACQUIRE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`;

const RENEW_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`;

type Script = (key: string, ...args: (string | number)[]) => Promise<number>;

/**
 * With this instance's leases as the fallback: while Redis fails, hangs or is cooling off (see
 * RedisCoolOff), the cap holds per instance.
 */
export class RedisConnectionLeases implements ConnectionLeases {
  readonly #local = new MemoryConnectionLeases();

  constructor(
    private readonly redis: Redis,
    private readonly coolOff: RedisCoolOff,
    private readonly leaseMs: number,
  ) {
    redis.defineCommand('tarspayAcquireLease', { lua: ACQUIRE_SCRIPT, numberOfKeys: 1 });
    redis.defineCommand('tarspayRenewLease', { lua: RENEW_SCRIPT, numberOfKeys: 1 });
  }

  #script(name: 'tarspayAcquireLease' | 'tarspayRenewLease'): Script {
    return (this.redis as unknown as Record<string, Script>)[name]!.bind(this.redis);
  }

  #key(tokenId: string): string {
    return `tarspay:ws-connections:${tokenId}`;
  }

  async acquire(tokenId: string, connectionId: string, max: number): Promise<boolean> {
    if (!this.#local.acquireNow(tokenId, connectionId, max)) return false;
    const answer = await this.coolOff.attempt(() => this.#script('tarspayAcquireLease')(this.#key(tokenId), connectionId, max, this.leaseMs));
    if (!answer || answer.value === 1) return true;
    await this.#local.release(tokenId, connectionId);
    return false;
  }

  async release(tokenId: string, connectionId: string): Promise<void> {
    await this.#local.release(tokenId, connectionId);
    // Shutting down: the client is closed already and the lease lapses by itself (as it does when
    // Redis is not asked now).
    if (this.redis.status === 'end') return;
    await this.coolOff.attempt(() => this.redis.zrem(this.#key(tokenId), connectionId));
  }

  async renew(leases: ReadonlyArray<readonly [string, string]>): Promise<void> {
    if (leases.length === 0) return;
    await this.coolOff.attempt(() =>
      Promise.all(leases.map(([tokenId, connectionId]) => this.#script('tarspayRenewLease')(this.#key(tokenId), connectionId, this.leaseMs))),
    );
  }
}
