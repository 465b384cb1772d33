import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Environment } from './config.js';
import { CallbackService } from './callbacks/callback.service.js';
import { initOrm, migrateUp } from './db/orm.js';
import { createLivePubSub } from './live/pubsub.js';
import { toChangeMessage } from './orders/order-snapshot.js';
import { Reconciler } from './orders/reconciler.js';
import type { GatewayServices } from './graphql/context.js';
import { WebSocketSessions } from './graphql/websocket-sessions.js';
import { createGatewayYoga } from './graphql/yoga.js';
import { createLimitStores } from './limits/limit-stores.js';
import type { Logger } from './logger.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { useErrorLogging } from './metrics/use-error-logging.js';
import { useGraphQLMetrics } from './metrics/use-graphql-metrics.js';
import { OrderService } from './orders/order.service.js';
import { createHttpServer } from './server.js';
import type { TarsPayCallInfo } from './tarspay/client.js';
import { UpstreamClients } from './tarspay/upstream.js';

export interface GatewayOptions {
  config: Environment;
  databaseUrl: string;
  /** Where TarsPay (or the sandbox) answers. */
  tarspayBaseUrl: string;
  /** Set when the upstream is the sandbox: enables sandboxOrderSettle. */
  sandboxUrl: string | null;
  logger: Logger;
  onQuery?: (sql: string) => void;
  /** Every call to TarsPay, for metrics (and tests that count calls). */
  onUpstreamCall?: (info: TarsPayCallInfo) => void;
  poolMax?: number;
}

export interface Gateway {
  url: string;
  publicUrl: string;
  orm: MikroORM;
  services: GatewayServices;
  reconciler: Reconciler;
  close(): Promise<void>;
}

/** Connects the database (migrating it), builds the services and serves HTTP + WebSocket. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, logger } = options;
  const orm = await initOrm({ clientUrl: options.databaseUrl, poolMax: options.poolMax, onQuery: options.onQuery });
  const applied = await migrateUp(orm);
  if (applied.length) logger.info({ applied }, 'database migrated');
  const metrics = new GatewayMetrics({ orm, logger });

  const upstream = new UpstreamClients({
    baseUrl: options.tarspayBaseUrl,
    timeoutMs: config.TARSPAY_TIMEOUT_MS,
    responseSignMode: config.TARSPAY_RESPONSE_SIGN,
    historyPath: config.TARSPAY_HISTORY_PATH,
    onWarning: (message, fields) => logger.warn(fields, message),
    onCall: (info) => {
      metrics.observeUpstreamCall(info);
      options.onUpstreamCall?.(info);
    },
  });
  let publicUrl = config.PUBLIC_URL ?? '';
  const live = createLivePubSub({ redisUrl: config.REDIS_URL, logger });
  const orders = new OrderService({
    upstream,
    get publicUrl() {
      return publicUrl;
    },
    collectionLimits: config.COLLECTION_LIMITS,
    payoutLimit: config.PAYOUT_LIMIT,
    logger,
    onChange: ({ order, event }) => live.publishChange(toChangeMessage(order.merchant.id, order, event!)),
  });
  const services: GatewayServices = { orders, upstream, sandboxUrl: options.sandboxUrl, logger, live };
  const callbacks = new CallbackService({ orm, orders, logger, onOutcome: metrics.countCallback });
  const reconciler = new Reconciler({
    orm,
    orders,
    logger: logger.child({ component: 'reconciler' }),
    intervalMs: config.RECONCILE_INTERVAL_MS,
    batchSize: config.RECONCILE_BATCH_SIZE,
    notFoundGraceMs: config.RECONCILE_NOT_FOUND_GRACE_MS,
    onRun: metrics.recordReconcileRun,
  });
  const development = config.NODE_ENV !== 'production';
  // A connection lease outlives a few missed renewals, and lapses soon after an instance dies.
  const limitStores = await createLimitStores({ redisUrl: config.REDIS_URL, logger, leaseMs: Math.max(15_000, 3 * config.WS_TOKEN_RECHECK_MS) });
  const introspection = config.INTROSPECTION ?? development;
  const yoga = createGatewayYoga({
    orm,
    services,
    graphiql: config.GRAPHIQL ?? development,
    introspection,
    suggestions: introspection && config.NODE_ENV !== 'production',
    rateLimit: {
      buckets: limitStores.buckets,
      perToken: { burst: config.RATE_LIMIT_TOKEN_BURST, perSecond: config.RATE_LIMIT_TOKEN_PER_SECOND },
      perMerchant: { burst: config.RATE_LIMIT_MERCHANT_BURST, perSecond: config.RATE_LIMIT_MERCHANT_PER_SECOND },
    },
    inputLimits: { maxListItems: config.GRAPHQL_MAX_LIST_ITEMS, maxVariableValues: config.GRAPHQL_MAX_VARIABLE_VALUES },
    exposeErrors: config.NODE_ENV === 'development',
    plugins: [useGraphQLMetrics(metrics), useErrorLogging(logger)],
  });
  const webSocketSessions = new WebSocketSessions({
    orm,
    leases: limitStores.leases,
    logger,
    limits: {
      maxConnectionsPerToken: config.WS_MAX_CONNECTIONS_PER_TOKEN,
      maxSubscriptionsPerConnection: config.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
      tokenRecheckMs: config.WS_TOKEN_RECHECK_MS,
    },
  });
  // The demo checkout goes with GraphiQL: developer tools, on in development.
  const demo = (config.GRAPHIQL ?? development) ? { sandbox: options.sandboxUrl !== null } : undefined;
  const { server, closeWebSockets } = createHttpServer({ yoga, orm, logger, callbacks, metrics, demo, webSocketKeepAliveMs: config.WS_KEEPALIVE_MS, webSocketSessions });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST}:${port}`;
  publicUrl ||= `http://localhost:${port}`;
  reconciler.start();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await reconciler.stop();
      await closeWebSockets();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await live.close();
      await limitStores.close();
      await orm.close();
    })());
  return { url, publicUrl, orm, services, reconciler, close };
}
