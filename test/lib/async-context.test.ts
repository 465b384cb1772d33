import { AsyncLocalStorage, executionAsyncId } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { releaseAsyncContexts } from '../../src/lib/async-context.js';

/** Two awaits in a row: with the promise hook on, each continuation runs as a resource of its own. */
async function continuationIds(): Promise<[number, number]> {
  await Promise.resolve();
  const first = executionAsyncId();
  await Promise.resolve();
  return [first, executionAsyncId()];
}

describe('releaseAsyncContexts', () => {
  it('turns the promise hook a storage run left on off again, and leaves a storage someone is inside alone', async () => {
    const storage = new AsyncLocalStorage<string>();
    await storage.run('start', async () => {
      await Promise.resolve();
    });
    const [before, after] = await continuationIds();
    expect(after).not.toBe(before);

    const busy = new AsyncLocalStorage<string>();
    await busy.run('request', async () => {
      releaseAsyncContexts();
      expect(busy.getStore()).toBe('request');
    });
    expect(releaseAsyncContexts()).toBeGreaterThanOrEqual(1);
    expect(storage.getStore()).toBeUndefined();
    const [first, second] = await continuationIds();
    expect(second).toBe(first);

    // Run again, it works as before (and turns the hook on again).
    expect(storage.run('again', () => storage.getStore())).toBe('again');
    releaseAsyncContexts();
  });
});
