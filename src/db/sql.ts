import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { endSpan } from '../lib/tracing.js';
import { startSqlSpan, statementTarget } from './sql-spans.js';

type PgConnection = pg.Pool | pg.PoolClient;

export type Query = <T = Record<string, unknown>>(text: string, values?: readonly unknown[]) => Promise<T[]>;

/** Each statement's text, and whether it is background work (Sql.background) rather than the work of whoever called. */
export type StatementListener = (sql: string, origin: { background: boolean }) => void;

/** Statements one at a time, or several in a transaction. */
export interface SqlRunner {
  query: Query;
  transaction<T>(work: (query: Query) => Promise<T>): Promise<T>;
}

/**
 * Plain SQL for the hot paths (create, apply a report, a callback, snapshots, event pages): one
 * statement per step, `$1` placeholders, no unit of work, on a `pg` pool of its own beside the
 * ORM's (same database, same size), so it depends on no ORM internals. Entities serve migrations,
 * the CLI and the cold reads. pg's own parsing applies: timestamps are Dates, bigint is text.
 */
export class Sql implements SqlRunner {
  readonly #pool: pg.Pool;
  readonly #onQuery: StatementListener | undefined;
  /** PostgreSQL's errors become the ORM's typed exceptions (UniqueConstraintViolationException, …), as for its own queries. */
  readonly #convert: (error: Error) => Error;

  /** On the database `orm` is connected to, with a pool as large as the ORM's. `close()` it before the ORM. */
  constructor(orm: MikroORM, onQuery?: StatementListener) {
    const driver = orm.em.getDriver();
    this.#pool = new pg.Pool({
      connectionString: orm.config.get('clientUrl'),
      max: orm.config.get('pool')?.max ?? 10,
      // A pool left open (a test that forgot close()) does not keep the process alive.
      allowExitOnIdle: true,
    });
    // An idle connection the server ended (restart, a dropped database): the pool replaces it on the next query.
    this.#pool.on('error', () => undefined);
    this.#onQuery = onQuery;
    this.#convert = (error) => driver.convertException(error);
  }

  /** One statement, in its own implicit transaction. */
  readonly query: Query = <T>(text: string, values: readonly unknown[] = []) => this.#run<T>(this.#pool, text, values, false);

  /** `work` on one connection inside BEGIN … COMMIT (ROLLBACK when it throws). */
  transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    return this.#transaction(work, false);
  }

  /**
   * The same pool, for work of the gateway's own that serves many callers at once (numbering
   * events): its statements reach onQuery marked `background`, apart from any one request's.
   */
  readonly background: SqlRunner = {
    query: <T>(text: string, values: readonly unknown[] = []) => this.#run<T>(this.#pool, text, values, true),
    transaction: (work) => this.#transaction(work, true),
  };

  async #transaction<T>(work: (query: Query) => Promise<T>, background: boolean): Promise<T> {
    const connection = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await this.#run(connection, 'begin', [], background);
      try {
        const result = await work((text, values) => this.#run(connection, text, values ?? [], background));
        await this.#run(connection, 'commit', [], background);
        return result;
      } catch (error) {
        await this.#run(connection, 'rollback', [], background).catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
        throw error;
      }
    } finally {
      // A connection that could not even roll back is not handed out again.
      connection.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #run<T>(connection: PgConnection, text: string, values: readonly unknown[], background: boolean): Promise<T[]> {
    this.#onQuery?.(text, { background });
    const span = startSqlSpan(text);
    try {
      const rows = (await connection.query(text, values as unknown[])).rows as T[];
      span?.end();
      return rows;
    } catch (error) {
      if (!(error instanceof Error)) {
        if (span) endSpan(span, error);
        throw error;
      }
      // The statement's kind and table (its text holds placeholders, never values), for the logs.
      const converted = Object.assign(this.#convert(error), { statement: statementKind(text) });
      if (span) endSpan(span, converted);
      throw converted;
    }
  }
}

/** `with o as (insert into orders …` → `insert into "orders"`, `select … from "orders"`. */
function statementKind(text: string): string | undefined {
  const target = statementTarget(text);
  if (!target) return undefined;
  return target.verb === 'select' ? `select … from "${target.table}"` : `${target.verb} "${target.table}"`;
}
