import type { MikroORM } from '@mikro-orm/postgresql';
import { endSpan } from '../lib/tracing.js';
import { startSqlSpan, statementTarget } from './sql-spans.js';

/** A pg connection as the ORM's pool hands it out. */
interface PgConnection {
  query(text: string, values?: readonly unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

interface PoolClient {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<void>;
}

export type Query = <T = Record<string, unknown>>(text: string, values?: readonly unknown[]) => Promise<T[]>;

/**
 * Plain SQL on the ORM's own connection pool, for the hot write paths (create, apply an update,
 * a callback): one statement per step, `$1` placeholders, no unit of work. Entities remain the way
 * to read and for everything cold. Statements also reach the ORM's query hook (`onQuery`).
 */
export class Sql {
  readonly #pool: PoolClient;
  readonly #onQuery: ((sql: string) => void) | undefined;
  /** PostgreSQL's errors become the ORM's typed exceptions (UniqueConstraintViolationException, …), as for its own queries. */
  readonly #convert: (error: Error) => Error;

  constructor(orm: MikroORM, onQuery?: (sql: string) => void) {
    const knexClient: unknown = orm.em.getConnection().getKnex().client;
    this.#pool = knexClient as PoolClient;
    this.#onQuery = onQuery;
    const driver = orm.em.getDriver();
    this.#convert = (error) => driver.convertException(error);
  }

  /** One statement, in its own implicit transaction. */
  readonly query: Query = async <T>(text: string, values: readonly unknown[] = []) => {
    const connection = await this.#pool.acquireConnection();
    try {
      return await this.#run<T>(connection, text, values);
    } finally {
      await this.#pool.releaseConnection(connection);
    }
  };

  /** `work` on one connection inside BEGIN … COMMIT (ROLLBACK when it throws). */
  async transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    const connection = await this.#pool.acquireConnection();
    try {
      await this.#run(connection, 'begin');
      try {
        const result = await work((text, values) => this.#run(connection, text, values ?? []));
        await this.#run(connection, 'commit');
        return result;
      } catch (error) {
        await this.#run(connection, 'rollback').catch(() => undefined);
        throw error;
      }
    } finally {
      await this.#pool.releaseConnection(connection);
    }
  }

  async #run<T>(connection: PgConnection, text: string, values: readonly unknown[] = []): Promise<T[]> {
    this.#onQuery?.(text);
    const span = startSqlSpan(text);
    try {
      const rows = (await connection.query(text, values)).rows as T[];
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
