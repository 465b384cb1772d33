import pg from 'pg';

/**
 * A PostgreSQL connection of its own, outside the ORM's pool, that holds session-level advisory
 * locks, one per key (a text, e.g. an order id) within a namespace. A lock lasts until it is
 * released or the connection ends: when this process is killed, PostgreSQL releases it as the
 * socket closes; a process that is only paused keeps it.
 *
 * A lost connection has lost its locks, so it is never replaced behind its holder's back: its
 * statements fail until `open()` is called again, which only a holder with no locks left should do.
 */
export class LockSession {
  #client: pg.Client | undefined;
  #lost = false;

  constructor(
    private readonly connectionString: string,
    /** Any fixed int4: keys are locked as (namespace, hashtext(key)). */
    private readonly namespace: number,
    /** How the connection shows in pg_stat_activity. */
    private readonly applicationName: string,
  ) {}

  /** Connects, unless connected and never cut since. */
  async open(): Promise<void> {
    if (this.#client && !this.#lost) return;
    await this.close();
    const client = new pg.Client({ connectionString: this.connectionString, application_name: this.applicationName });
    const lose = () => {
      if (this.#client === client) this.#lost = true;
    };
    client.on('error', lose);
    client.on('end', lose);
    this.#lost = false;
    this.#client = client;
    await client.connect().catch((error: unknown) => {
      this.#client = undefined;
      throw error;
    });
  }

  /** One statement on this connection; fails when the connection (and with it every lock) was lost. */
  async query<T = Record<string, unknown>>(text: string, values: readonly unknown[] = []): Promise<T[]> {
    if (!this.#client || this.#lost) throw new Error('the lock session was lost, and its locks with it');
    return (await this.#client.query(text, values as unknown[])).rows as T[];
  }

  /** Takes the key's lock if no other session holds it; never waits. */
  async tryLock(key: string): Promise<boolean> {
    const [row] = await this.query<{ locked: boolean }>('select pg_try_advisory_lock($1::int, hashtext($2)) as locked', [this.namespace, key]);
    return row?.locked === true;
  }

  async unlock(key: string): Promise<void> {
    await this.query('select pg_advisory_unlock($1::int, hashtext($2))', [this.namespace, key]);
  }

  /** Releases every lock this session holds. */
  async unlockAll(): Promise<void> {
    await this.query('select pg_advisory_unlock_all()');
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}
