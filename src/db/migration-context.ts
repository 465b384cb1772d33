import { AsyncLocalStorage } from 'node:async_hooks';
import type { KeyRing } from '../merchants/key-encryption.js';

/**
 * What data migrations need from the process that runs them. MikroORM builds migration classes
 * itself (with the driver and config only), so there is no constructor to pass anything through:
 * migrateUp/migrateDown put the context here for the duration of the run and a migration reads
 * it with migrationContext(). Async-local, so two runs at once in one process each see their own.
 */
export interface MigrationContext {
  /** Needed by migrations that encrypt or decrypt merchant private keys. */
  keyRing?: KeyRing;
}

const storage = new AsyncLocalStorage<MigrationContext>();

export function runWithMigrationContext<T>(context: MigrationContext, run: () => Promise<T>): Promise<T> {
  return storage.run(context, run);
}

export function migrationContext(): MigrationContext {
  return storage.getStore() ?? {};
}
