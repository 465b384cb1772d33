import type { Redis } from 'ioredis';
import type { RedisCoolOff } from './redis-cool-off.js';

export interface BucketSpec {
  key: string;
  /** Units the bucket holds when full. */
  burst: number;
  /** Units it regains per second (> 0). */
  perSecond: number;
}

/** The outcome of a take: taken, or refused with the bucket that refused it. */
export type TakeResult =
  | { taken: true }
  /** `retryAfterMs` null: the cost is larger than that bucket's burst, it can never pass. */
  | { taken: false; bucket: number; retryAfterMs: number | null };

/**
 * Token buckets: `take` removes `cost` units from every bucket listed, or from none when one of
 * them holds too few (an operation is refused whole, never half charged).
 */
export interface TokenBuckets {
  take(buckets: readonly BucketSpec[], cost: number): Promise<TakeResult>;
  close(): Promise<void>;
}

const MAX_TRACKED_BUCKETS = 20_000;

/** In this process's memory: per instance. The oldest bucket is dropped past the limit (it is full by then, in practice). */
export class MemoryTokenBuckets implements TokenBuckets {
  readonly #buckets = new Map<string, { units: number; at: number }>();

  async take(buckets: readonly BucketSpec[], cost: number, now = Date.now()): Promise<TakeResult> {
    const levels = buckets.map((spec) => {
      const state = this.#buckets.get(spec.key);
      return state ? Math.min(spec.burst, state.units + (Math.max(0, now - state.at) / 1000) * spec.perSecond) : spec.burst;
    });
    for (const [index, spec] of buckets.entries()) {
      if (cost > spec.burst) return { taken: false, bucket: index, retryAfterMs: null };
      if (levels[index]! < cost) return { taken: false, bucket: index, retryAfterMs: Math.ceil(((cost - levels[index]!) / spec.perSecond) * 1000) };
    }
    for (const [index, spec] of buckets.entries()) {
      this.#buckets.delete(spec.key);
      if (this.#buckets.size >= MAX_TRACKED_BUCKETS) this.#buckets.delete(this.#buckets.keys().next().value!);
      this.#buckets.set(spec.key, { units: levels[index]! - cost, at: now });
    }
    return { taken: true };
  }

  async close(): Promise<void> {
    this.#buckets.clear();
  }
}

/**
 * The same buckets in Redis, shared by every instance: one atomic script reads every bucket, refills
 * it by Redis's clock, and either takes from all or from none. Returns {0} when taken, or
 * {1, index (1-based), wait ms} (wait -1: the cost exceeds that bucket's burst).
 */
const TAKE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local cost = tonumber(ARGV[1])
local levels = {}
for i, key in ipairs(KEYS) do
  local burst = tonumber(ARGV[i * 2])
  local rate = tonumber(ARGV[i * 2 + 1])
  if cost > burst then return {1, i, -1} end
  local state = redis.call('HMGET', key, 'units', 'at')
  local units = tonumber(state[1]) or burst
  local at = tonumber(state[2]) or now
  units = math.min(burst, units + math.max(0, now - at) * rate / 1000)
  if units < cost then return {1, i, math.ceil((cost - units) * 1000 / rate)} end
  levels[i] = units
end
for i, key in ipairs(KEYS) do
  local burst = tonumber(ARGV[i * 2])
  local rate = tonumber(ARGV[i * 2 + 1])
  redis.call('HSET', key, 'units', tostring(levels[i] - cost), 'at', tostring(now))
  redis.call('PEXPIRE', key, math.ceil(burst * 1000 / rate) + 1000)
end
return {0}
`;

type TakeCommand = (numberOfKeys: number, ...keysAndArgs: (string | number)[]) => Promise<number[]>;

/**
 * Redis buckets with this instance's memory as the fallback: while Redis fails, hangs or is cooling
 * off (see RedisCoolOff) the limits still hold per instance.
 */
export class RedisTokenBuckets implements TokenBuckets {
  readonly #fallback = new MemoryTokenBuckets();

  constructor(
    private readonly redis: Redis,
    private readonly coolOff: RedisCoolOff,
  ) {
    redis.defineCommand('tarspayTakeTokens', { lua: TAKE_SCRIPT });
  }

  async take(buckets: readonly BucketSpec[], cost: number): Promise<TakeResult> {
    const command = (this.redis as unknown as { tarspayTakeTokens: TakeCommand }).tarspayTakeTokens.bind(this.redis);
    const args = buckets.flatMap((spec) => [spec.burst, spec.perSecond]);
    const answer = await this.coolOff.attempt(() => command(buckets.length, ...buckets.map((spec) => spec.key), cost, ...args));
    if (!answer) return this.#fallback.take(buckets, cost);
    const [refused, index, waitMs] = answer.value;
    if (!refused) return { taken: true };
    return { taken: false, bucket: index! - 1, retryAfterMs: waitMs! < 0 ? null : waitMs! };
  }

  async close(): Promise<void> {
    await this.#fallback.close();
  }
}
