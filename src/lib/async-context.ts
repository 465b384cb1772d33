import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * On Node 20, the first `AsyncLocalStorage#run` (or `enterWith`) in a process turns on a promise
 * hook that stays on while any AsyncLocalStorage is enabled: from then on every promise the
 * process makes runs that hook and carries extra fields (measured: `await` 3× slower; in the
 * gateway under mixed load, a sixth of all bytes allocated). MikroORM runs its storages for
 * `em.transactional`, `em.flush` and `findAndCount`, and migrations run ours: a start that
 * migrates, or upserts the configured merchant, left every later request paying for it, although
 * the hot paths (plain SQL, see src/db/sql.ts) never read a store.
 *
 * This records every storage that is run, so that `releaseAsyncContexts()` can disable the ones
 * no code is inside: call it once the start's ORM work is done, before traffic. A storage run again
 * later (a cold path that flushes) turns the hook back on, for as long as it stays enabled.
 */

const storages = new Set<AsyncLocalStorage<unknown>>();
const prototype = AsyncLocalStorage.prototype as unknown as Record<'run' | 'enterWith', (...args: unknown[]) => unknown>;
for (const method of ['run', 'enterWith'] as const) {
  const original = prototype[method];
  prototype[method] = function (this: AsyncLocalStorage<unknown>, ...args: unknown[]) {
    storages.add(this);
    return Reflect.apply(original, this, args);
  };
}

/**
 * Disables every storage run so far that holds no store here; the promise hook goes off when none
 * is left enabled. Only where no other async work can be inside a storage (the end of a start).
 */
export function releaseAsyncContexts(): number {
  let released = 0;
  for (const storage of storages) {
    if (storage.getStore() !== undefined) continue;
    storage.disable();
    storages.delete(storage);
    released += 1;
  }
  return released;
}
