import { fileURLToPath } from 'node:url';
import { DefaultLogger, type LogContext, type LoggerNamespace, type LoggerOptions } from '@mikro-orm/core';
import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { ApiToken } from '../auth/api-token.entity.js';
import { ClientSecret } from '../auth/client-secret.entity.js';
import { CallbackReceipt } from '../callbacks/callback-receipt.entity.js';
import { Merchant } from '../merchants/merchant.entity.js';
import { OrderEvent } from '../orders/order-event.entity.js';
import { Order } from '../orders/order.entity.js';
import { WebhookDelivery } from '../webhooks/webhook-delivery.entity.js';
import { WebhookEndpoint } from '../webhooks/webhook-endpoint.entity.js';

/** Every entity, listed explicitly (no folder discovery: it breaks under tsx and bundlers). */
export const ENTITIES = [Merchant, Order, OrderEvent, ApiToken, CallbackReceipt, ClientSecret, WebhookEndpoint, WebhookDelivery];

/** `<project>/migrations`, wherever the process was started from. */
export const MIGRATIONS_PATH = fileURLToPath(new URL('../../migrations/', import.meta.url));

export interface OrmOptions {
  /** `postgres://…` (a real PostgreSQL, or the embedded one's socket URL). */
  clientUrl: string;
  /** Pool size. With embedded PGlite keep it ≤ the socket server's maxConnections. Default 10. */
  poolMax?: number;
  /**
   * Called with every statement the ORM runs (placeholders `$1…`, never the parameter values),
   * including BEGIN/COMMIT, with how long it took and whether it failed. For tests and benchmarks
   * that count queries, and for tracing (src/db/sql-spans.ts).
   */
  onQuery?: (sql: string, tookMs: number, failed: boolean) => void;
}

/** Hands each statement to `onQuery` instead of writing it anywhere; other namespaces behave as usual. */
class QueryHookLogger extends DefaultLogger {
  constructor(
    options: LoggerOptions,
    private readonly onQuery: NonNullable<OrmOptions['onQuery']>,
  ) {
    super(options);
  }

  override log(namespace: LoggerNamespace, message: string, context?: LogContext): void {
    if (namespace === 'query') return; // counted, not printed
    super.log(namespace, message, context);
  }

  override logQuery(context: { query: string } & LogContext): void {
    this.onQuery(context.query, context.took ?? 0, context.level === 'error');
  }
}

export function createOrmConfig(options: OrmOptions): Options {
  const { onQuery } = options;
  return defineConfig({
    clientUrl: options.clientUrl,
    entities: ENTITIES,
    // No `extensions: [Migrator]`: src/db/orm.ts loads the migrator only when a migration is pending.
    pool: { min: 0, max: options.poolMax ?? 10 },
    // The database must exist already: DATABASE_URL names it, the embedded one has only `postgres`.
    ensureDatabase: false,
    // Query logging only switches on to feed `onQuery`; `log()` above drops the text.
    debug: onQuery ? ['query'] : false,
    ...(onQuery ? { loggerFactory: (loggerOptions: LoggerOptions) => new QueryHookLogger(loggerOptions, onQuery) } : {}),
    // Without this, migrations/*.ts fail to load under vitest ("Unknown file extension .ts").
    dynamicImportProvider: (id: string) => import(id),
    migrations: {
      path: MIGRATIONS_PATH,
      pathTs: MIGRATIONS_PATH,
      emit: 'ts',
      glob: '!(*.d).{js,ts}',
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      // Diff against the live database, not a snapshot file that can drift from it.
      snapshot: false,
      // migrateUp returns what it applied; callers log it their way.
      silent: true,
      fileName: (timestamp: string, name?: string) => `Migration${timestamp}${name ? `_${name}` : ''}`,
    },
  });
}
