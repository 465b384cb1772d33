import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';

/**
 * An EntityManager fork made on first use. Most operations never need one (the write paths run
 * plain SQL, a subscription reads its snapshot with one statement, a cached token needs no lookup),
 * and a fork held for a subscription's whole life costs memory per subscriber.
 */
export class LazyFork {
  #em: EntityManager | undefined;

  constructor(private readonly orm: MikroORM) {}

  readonly get = (): EntityManager => (this.#em ??= this.orm.em.fork());

  /** Forgets what the fork has loaded, if one was made. */
  clear(): void {
    this.#em?.clear();
  }
}
