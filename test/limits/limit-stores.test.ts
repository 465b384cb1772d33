import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLimitStores } from '../../src/limits/limit-stores.js';
import { createLogger } from '../../src/logger.js';
import { closedPort } from '../helpers/wait.js';

function capturingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
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
    const stores = await createLimitStores({ redisUrl, logger, leaseMs: 15_000 });
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
