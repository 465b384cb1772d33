import { v7 as uuidv7 } from 'uuid';
import { afterEach, describe, expect, it, vi } from 'vitest';

// Every id the gateway writes comes from the uuid package's v7. What the tables rely on: ids sort by
// creation time and, within one process, strictly increase, so `ORDER BY id` follows insertion order.
describe('uuidv7 ids', () => {
  // The package's v7 state is per process, and test files share a worker process: the fake clock
  // starts ahead of any id made before, as a fixed past instant would not be.
  const ahead = () => Date.now() + 1_000;

  afterEach(() => {
    vi.useRealTimers();
  });

  it('is a version 7, RFC 9562 variant UUID carrying the time', () => {
    const now = ahead();
    vi.useFakeTimers({ toFake: ['Date'], now });
    const id = uuidv7();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
  });

  it('strictly increases within a process, even inside one millisecond', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: ahead() });
    const ids = Array.from({ length: 5000 }, () => uuidv7());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('never goes backwards when the clock does', () => {
    const now = ahead();
    vi.useFakeTimers({ toFake: ['Date'], now });
    const before = uuidv7();
    vi.setSystemTime(now - 60_000);
    expect(uuidv7() > before).toBe(true);
  });
});
