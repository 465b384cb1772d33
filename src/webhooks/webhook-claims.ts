import type { Query } from '../db/sql.js';
import { LockSession } from '../db/lock-session.js';

/** The advisory-lock namespace of webhook endpoints (any fixed int4). */
const ENDPOINT_LOCK_NAMESPACE = 740_311_827;
export const WEBHOOK_LOCKS_APPLICATION = 'tarspay-graphql webhook locks';

/**
 * Which instance delivers an endpoint's events now: one at a time, so each event reaches each
 * endpoint once, in commit order. As the reconciler's claims (orders/reconciler.ts): a session
 * advisory lock per endpoint on a connection of this worker's own (LockSession), released when the
 * instance is killed. Beside it the endpoint row names its holder (`claimed_by`) until
 * `claimed_until`, renewed at each delivery: on the embedded database, whose connections share one
 * session (advisory locks exclude nobody there), that lease is what excludes.
 */
export class WebhookClaims {
  readonly #locks: LockSession;
  /** True when an advisory lock held by #locks keeps the pool's other connections out (PostgreSQL, not PGlite). */
  #locksExclude = false;
  /** The lock session is one connection: its statements go one after another. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    clientUrl: string,
    private readonly query: Query,
    readonly instanceId: string,
    private readonly leaseMs: number,
  ) {
    this.#locks = new LockSession(clientUrl, ENDPOINT_LOCK_NAMESPACE, WEBHOOK_LOCKS_APPLICATION);
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  open(): Promise<void> {
    return this.#serial(() => this.#open());
  }

  async #open(): Promise<void> {
    await this.#locks.open();
    // Does a lock held on the lock session keep another connection out? Not when both share one session.
    const probe = `probe:${this.instanceId}`;
    await this.#locks.tryLock(probe);
    const [row] = await this.query<{ shared: boolean }>(
      'select case when pg_try_advisory_lock($1::int, hashtext($2)) then pg_advisory_unlock($1::int, hashtext($2)) else false end as shared',
      [ENDPOINT_LOCK_NAMESPACE, probe],
    );
    this.#locksExclude = row?.shared !== true;
    await this.#locks.unlock(probe);
  }

  /** True when this instance may deliver the endpoint's events until release(). */
  async claim(endpointId: string): Promise<boolean> {
    await this.open();
    if (!(await this.#serial(() => this.#locks.tryLock(endpointId)))) return false;
    const rows = await this.query(
      `update webhook_endpoints set claimed_by = $2, claimed_until = now() + $3 * interval '1 millisecond'
        where id = $1 and enabled and (claimed_by is null or claimed_by = $2 or claimed_until < now() or $4::boolean)
       returning id`,
      [endpointId, this.instanceId, this.leaseMs, this.#locksExclude],
    );
    if (rows.length === 0) await this.#serial(() => this.#locks.unlock(endpointId)).catch(() => undefined);
    return rows.length > 0;
  }

  async release(endpointId: string): Promise<void> {
    await this.query('update webhook_endpoints set claimed_by = null, claimed_until = null where id = $1 and claimed_by = $2', [
      endpointId,
      this.instanceId,
    ]).catch(() => undefined);
    await this.#serial(() => this.#locks.unlock(endpointId)).catch(() => undefined);
  }

  /** On PostgreSQL the advisory lock alone decides: a killed holder's lease does not keep others waiting. */
  get locksExclude(): boolean {
    return this.#locksExclude;
  }

  async close(): Promise<void> {
    await this.#serial(() => this.#locks.close());
  }
}
