import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLimitStores } from '../../src/limits/limit-stores.js';
import { createLogger } from '../../src/observability/logger.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { closedPort, waitFor } from '../helpers/wait.js';

function capturingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
  return { logger, lines };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('rate-limit stores with REDIS_URL', () => {
  it('do not hold the start on a Redis that refuses connections: no timer has to run out', async () => {
    const { logger, lines } = capturingLogger();
    const redisUrl = `redis://127.0.0.1:${await closedPort()}`;
    // Fake timers never fire unless advanced: a start that waited for a timeout would hang here.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const stores = await createLimitStores({ redisUrl, logger, leaseMs: 15_000, coolOffMs: 10_000 });
    vi.useRealTimers();
    try {
      expect(lines.map((line) => line.msg)).toContain('rate limits: Redis not ready yet, limiting per instance until it answers');
      // Meanwhile this instance counts alone: the bucket still answers.
      const bucket = [{ key: 'token:t1', burst: 1, perSecond: 0.001 }];
      expect(await stores.buckets.take(bucket, 1)).toEqual({ taken: true });
      expect(await stores.buckets.take(bucket, 1)).toMatchObject({ taken: false });
    } finally {
      await stores.close();
    }
  });
});

/** Script runs Redis has executed (EVAL and EVALSHA), from its own statistics. */
async function scriptRuns(admin: Redis): Promise<number> {
  const stats = await admin.info('commandstats');
  return [...stats.matchAll(/^cmdstat_eval(?:sha)?:calls=(\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

describe('rate-limit stores on a hung Redis (SIGSTOP)', () => {
  it('wait for one timed-out check, then limit alone for the cool-off without asking Redis, and share again once Redis answers', async () => {
    const server = await startRedisServer();
    const admin = new Redis(server.url);
    const { logger, lines } = capturingLogger();
    const coolOffMs = 60_000;
    const stores = await createLimitStores({ redisUrl: server.url, logger, leaseMs: 15_000, coolOffMs });
    const coolOff = stores.redis!;
    const bucket = [{ key: 'token:hung', burst: 100, perSecond: 0.001 }];
    const unitsInRedis = async () => Number(await admin.hget('token:hung', 'units'));
    try {
      expect(await stores.buckets.take(bucket, 1)).toEqual({ taken: true });
      expect(coolOff.state).toBe('shared');
      await admin.config('RESETSTAT');
      const sent = coolOff.commandsSent;

      // The clock stands still from here on: every check below falls within the cool-off.
      vi.useFakeTimers({ toFake: ['Date'] });
      server.hang();
      // This one waits for the command timeout, then counts alone.
      expect(await stores.buckets.take(bucket, 1)).toEqual({ taken: true });
      expect(coolOff.state).toBe('alone');
      for (let i = 0; i < 20; i++) expect(await stores.buckets.take(bucket, 1)).toEqual({ taken: true });
      expect(await stores.leases.acquire('token-hung', 'c1', 1)).toBe(true);
      expect(await stores.leases.acquire('token-hung', 'c2', 1)).toBe(false);
      await stores.leases.release('token-hung', 'c1');
      await stores.leases.renew([['token-hung', 'c2']]);
      expect(coolOff.commandsSent).toBe(sent + 1);
      const coolOffWarnings = lines.filter((line) => line.msg.startsWith('rate limits: Redis did not answer'));
      expect(coolOffWarnings).toHaveLength(1);

      server.resume();
      // Redis saw the one script sent before the timeout, none of the 20 checks after it.
      await waitFor(async () => ((await scriptRuns(admin)) === 1 ? true : undefined));
      const unitsBefore = await unitsInRedis();
      // Within the cool-off Redis is not asked, even though it answers again.
      await stores.buckets.take(bucket, 1);
      expect(coolOff.state).toBe('alone');
      expect(coolOff.commandsSent).toBe(sent + 1);

      vi.setSystemTime(Date.now() + coolOffMs);
      // The first check after the cool-off counts alone and sends one probe; the shared store is used again once it answers.
      expect(await stores.buckets.take(bucket, 1)).toEqual({ taken: true });
      vi.useRealTimers();
      await waitFor(() => (coolOff.state === 'shared' ? true : undefined));
      expect(await stores.buckets.take(bucket, 1)).toEqual({ taken: true });
      expect(await unitsInRedis()).toBeCloseTo(unitsBefore - 1, 2);
      expect(await scriptRuns(admin)).toBe(2);
      expect(lines.map((line) => line.msg)).toContain('rate limits: Redis answers again, limits are shared across instances');
    } finally {
      vi.useRealTimers();
      await stores.close();
      admin.disconnect();
      await server.close();
    }
  });
});
