import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/webhooks/webhook-retry.js';

describe('webhook retry delays', () => {
  const schedule = { firstMs: 100, maxDelayMs: 1_000, maxAgeMs: 60_000 };

  it('double per failure up to the cap, half of each fixed and half random', () => {
    const least = [1, 2, 3, 4, 5, 6].map((failures) => retryDelayMs(schedule, failures, () => 0));
    const most = [1, 2, 3, 4, 5, 6].map((failures) => retryDelayMs(schedule, failures, () => 1));
    expect(least).toEqual([50, 100, 200, 400, 500, 500]);
    expect(most).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(retryDelayMs(schedule, 2, () => 0.5)).toBe(150);
  });
});
