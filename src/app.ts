import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Environment } from './config.js';
import { CallbackService } from './callbacks/callback.service.js';
import { initOrm, migrateUp, shippedMigrationNames } from './db/orm.js';
import { Sql } from './db/sql.js';
import type { DemoOptions } from './http/demo-route.js';
import { ClientSecrets } from './auth/client-secrets.js';
import { createLivePubSub } from './live/pubsub.js';
import { Attention } from './orders/attention.js';
import type { CheckSchedule } from './orders/check-schedule.js';
import { Reconciler } from './orders/reconciler.js';
import type { GatewayServices, GraphQLContext } from './schema/context.js';
import { WebSocketSessions } from './graphql/websocket-sessions.js';
import { TrustedDocuments } from './graphql/trusted-documents.js';
import { createGatewayYoga } from './graphql/yoga.js';
import { createLimitStores } from './limits/limit-stores.js';
import type { Logger } from './observability/logger.js';
import { corsPolicy } from './http/cors.js';
import { listenOn } from './http/listen.js';
import { createReadinessCheck } from './http/readiness.js';
import { useGraphiQLContentSecurityPolicy } from './http/security-headers.js';
import type { KeyRing } from './merchants/key-encryption.js';
import { resolveKeyRing } from './merchants/key-encryption-config.js';
import { MerchantCredentials } from './merchants/merchant-credentials.js';
import { reencryptMerchantKeys } from './merchants/merchant-keys.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { knownOperationNames } from './metrics/known-operations.js';
import { metricsExposure } from './http/metrics-route.js';
import { startMetricsServer, type MetricsServer } from './http/metrics-server.js';
import { useErrorLogging } from './graphql/use-error-logging.js';
import { useGraphQLMetrics } from './metrics/use-graphql-metrics.js';
import { EventFeed } from './orders/event-feed.js';
import { ReportApplier } from './orders/report-applier.js';
import { OrderService } from './orders/order.service.js';
import { createHttpServer } from './server.js';
import type { TarsPayCallInfo } from './tarspay/client.js';
import { UpstreamClients } from './tarspay/upstream.js';
import type { StartupPhases } from './start/phases.js';
import { recordOrmStatement } from './db/sql-spans.js';
import { graphqlTracingPlugin, startTracing, type TracingOptions } from './observability/tracing.js';
import { tracingSettings } from './observability/tracing-settings.js';
import { LazyFork } from './db/lazy-fork.js';
import { schema } from './schema/index.js';
import { webhookDocuments } from './schema/webhook-document.js';
import { WebhookEndpoints } from './webhooks/webhook-endpoints.js';
import { WebhookSender } from './webhooks/webhook-sender.js';
import type { WebhookUrlPolicy } from './webhooks/webhook-url.js';
import { WebhookWorker } from './webhooks/webhook-worker.js';

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
  /** Encrypts and decrypts merchant private keys; default: resolved from `config` (KEY_ENCRYPTION_KEY…). */
  keyRing?: KeyRing;
  /** Records how long each step of the start takes (`npm start` logs them). */
  phases?: StartupPhases;
  /** Extra span processors (tests); tracing otherwise follows the OTEL_* variables. */
  tracing?: TracingOptions;
  /** The HTTP server, already listening on PORT (`npm start` takes the port first: reservePort); else one is made and bound here. */
  server?: Server;
}

export interface Gateway {
  url: string;
  /** Where /metrics is served when METRICS_PORT is set (else on `url`, or nowhere in production). */
  metricsUrl?: string;
  publicUrl: string;
  /** GraphiQL (and the demo checkout) are served: on in development, off in production unless GRAPHIQL=true. */
  graphiql: boolean;
  orm: MikroORM;
  /** The hot paths' SQL, on a pool of its own (db/sql.ts). */
  sql: Sql;
  keyRing: KeyRing;
  services: GatewayServices;
  reconciler: Reconciler;
  /** The demo checkout (development): set its `merchantToken` for it to create orders. */
  demo?: DemoOptions;
  close(): Promise<void>;
}

/** Connects the database (migrating it), builds the services and serves HTTP + WebSocket. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, logger } = options;
  // Read before anything opens: a manifest that is missing or wrong stops the start.
  const trustedDocuments = TrustedDocuments.load(config.TRUSTED_DOCUMENTS_FILE);
  let keyRing = options.keyRing;
  if (!keyRing) {
    const resolved = resolveKeyRing(config);
    if (resolved.notice) logger.warn(resolved.notice);
    keyRing = resolved.keyRing;
  }
  const time = <T>(phase: string, work: () => Promise<T> | T): Promise<T> => (options.phases ? options.phases.time(phase, work) : Promise.resolve(work()));
  const tracing = await startTracing(tracingSettings(config), { logger, ...options.tracing });
  const onOrmQuery = tracing ? tracedOrmQueries(options.onQuery) : options.onQuery;
  const orm = await time('orm', () => initOrm({ clientUrl: options.databaseUrl, poolMax: options.poolMax, onQuery: onOrmQuery })).catch(
    async (error: unknown) => {
      await tracing?.shutdown();
      throw error;
    },
  );
  try {
    const applied = await time('migrations', () => migrateUp(orm, { keyRing }));
    if (applied.length) logger.info({ applied }, 'database migrated');
    const reencrypted = await time('keys', () => reencryptMerchantKeys(orm.em.fork(), keyRing));
    if (reencrypted.length)
      logger.info(
        { merchants: reencrypted, keyEncryptionKeyId: keyRing.currentKeyId },
        'merchant private keys re-encrypted under the current key-encryption key',
      );
  } catch (error) {
    await orm.close(true);
    await tracing?.shutdown();
    throw error;
  }
  const metrics = await time('metrics', () => new GatewayMetrics({ orm, logger, orderCountMaxAgeMs: config.METRICS_ORDERS_CACHE_MS }));

  const credentials = new MerchantCredentials({ orm, keyRing });
  const upstream = new UpstreamClients(
    {
      baseUrl: options.tarspayBaseUrl,
      timeoutMs: config.TARSPAY_TIMEOUT_MS,
      responseSignMode: config.TARSPAY_RESPONSE_SIGN,
      historyPath: config.TARSPAY_HISTORY_PATH,
      onWarning: (message, fields) => logger.warn(fields, message),
      onCall: (info) => {
        metrics.observeUpstreamCall(info);
        options.onUpstreamCall?.(info);
      },
    },
    credentials,
  );
  let publicUrl = config.PUBLIC_URL ?? '';
  const live = createLivePubSub({ redisUrl: config.REDIS_URL, logger });
  const sql = new Sql(orm, options.onQuery);
  const schedule: CheckSchedule = {
    firstCheckMs: config.RECONCILE_FIRST_CHECK_MS,
    openCheckMs: config.RECONCILE_OPEN_CHECK_MS,
    afterExpiryMs: config.RECONCILE_AFTER_EXPIRY_MS,
    backoffFirstMs: config.RECONCILE_BACKOFF_FIRST_MS,
    backoffMaxMs: config.RECONCILE_BACKOFF_MAX_MS,
    latePaymentWindowMs: config.LATE_PAYMENT_WINDOW_MS,
  };
  // A webhook body is the endpoint's subscription document run for the event, as its merchant with orders:read.
  const documents = webhookDocuments(schema, (merchant) => ({
    entityManager: new LazyFork(orm),
    services,
    requestId: 'webhook',
    auth: { merchant, scopes: ['orders:read'], tokenId: 'webhook', orderId: null },
  }));
  const webhookUrls: WebhookUrlPolicy = {
    requireHttps: config.NODE_ENV === 'production' && !config.WEBHOOK_ALLOW_PRIVATE,
    allowPrivate: config.NODE_ENV !== 'production' || config.WEBHOOK_ALLOW_PRIVATE,
  };
  const webhookDelivery = new WebhookWorker({
    orm,
    sql,
    keyRing,
    documents,
    sender: new WebhookSender(webhookUrls, config.WEBHOOK_TIMEOUT_MS),
    logger: logger.child({ component: 'webhooks' }),
    retry: { firstMs: config.WEBHOOK_RETRY_FIRST_MS, maxDelayMs: config.WEBHOOK_RETRY_MAX_DELAY_MS, maxAgeMs: config.WEBHOOK_RETRY_MAX_AGE_MS },
    pollMs: config.WEBHOOK_POLL_MS,
    concurrency: config.WEBHOOK_CONCURRENCY,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    onAttempt: metrics.observeWebhookAttempt,
    onDisabled: () => metrics.webhookEndpointsDisabled.inc(),
  });
  const webhooks = new WebhookEndpoints({ keyRing, documents, urlPolicy: webhookUrls, onChange: () => webhookDelivery.wake() });
  const reports = new ReportApplier({
    schedule,
    sql,
    listeners: {
      publish: (message) => {
        live.publishChange(message);
        webhookDelivery.wake();
      },
      onLatePayment: ({ order }) => metrics.latePayments.inc({ kind: order.kind }),
    },
    logger,
  });
  const attention = new Attention({
    logger,
    windows: {
      unresolvedMs: config.ATTENTION_AFTER_MS,
      expiryGraceMs: config.ATTENTION_EXPIRY_GRACE_MS,
      payoutProcessingMs: config.ATTENTION_PAYOUT_PROCESSING_MS,
    },
    onFlag: (code) => metrics.ordersFlagged.inc({ reason: code }),
  });
  const orders = new OrderService({
    upstream,
    attention,
    reports,
    sql,
    get publicUrl() {
      return publicUrl;
    },
    collectionExpiryMs: config.TARSPAY_COLLECTION_EXPIRY_MS,
    collectionLimits: config.COLLECTION_LIMITS,
    payoutLimit: config.PAYOUT_LIMIT,
    logger,
    schedule,
  });
  const events = new EventFeed(sql, config.EVENT_RETENTION_DAYS);
  const services: GatewayServices = {
    orders,
    upstream,
    sandboxUrl: options.sandboxUrl,
    live,
    events,
    clientSecrets: new ClientSecrets(keyRing, sql.query),
    webhooks,
    webhookDelivery,
  };
  const callbacks = new CallbackService({ sql, reports, attention, logger, onOutcome: metrics.countCallback });
  const reconciler = new Reconciler({
    orm,
    sql,
    orders,
    logger: logger.child({ component: 'reconciler' }),
    intervalMs: config.RECONCILE_INTERVAL_MS,
    batchSize: config.RECONCILE_BATCH_SIZE,
    resend: {
      // Never while the first create may still be on its way: that one can take TARSPAY_TIMEOUT_MS.
      afterMs: Math.max(config.RECONCILE_RESEND_AFTER_MS, 2 * config.TARSPAY_TIMEOUT_MS),
      payoutWindowMs: config.PAYOUT_RESEND_WINDOW_MS,
      maxAttempts: 3,
    },
    attention,
    schedule,
    onRun: metrics.recordReconcileRun,
  });
  const development = config.NODE_ENV !== 'production';
  // A connection lease outlives a few missed renewals, and lapses soon after an instance dies.
  const limitStores = await time('limits', () =>
    createLimitStores({
      redisUrl: config.REDIS_URL,
      logger,
      leaseMs: Math.max(15_000, 3 * config.WS_TOKEN_RECHECK_MS),
      coolOffMs: config.REDIS_COOL_OFF_MS,
      onRedisState: metrics.observeLimitStore,
    }),
  );
  const introspection = config.INTROSPECTION ?? development;
  const graphqlTracing = tracing ? await graphqlTracingPlugin<GraphQLContext>(tracing) : undefined;
  const yoga = await time('graphql', () =>
    createGatewayYoga({
      orm,
      services,
      graphiql: config.GRAPHIQL ?? development,
      persistGraphiQLHeaders: config.GRAPHIQL_PERSIST_HEADERS,
      cors: corsPolicy({ origins: config.CORS_ORIGINS, production: !development }),
      introspection,
      trustedDocuments,
      suggestions: introspection && config.NODE_ENV !== 'production',
      rateLimit: {
        buckets: limitStores.buckets,
        perToken: { burst: config.RATE_LIMIT_TOKEN_BURST, perSecond: config.RATE_LIMIT_TOKEN_PER_SECOND },
        perMerchant: { burst: config.RATE_LIMIT_MERCHANT_BURST, perSecond: config.RATE_LIMIT_MERCHANT_PER_SECOND },
      },
      inputLimits: { maxListItems: config.GRAPHQL_MAX_LIST_ITEMS, maxVariableValues: config.GRAPHQL_MAX_VARIABLE_VALUES },
      exposeErrors: config.NODE_ENV === 'development',
      plugins: [
        ...(graphqlTracing ? [graphqlTracing] : []),
        useGraphQLMetrics(metrics, knownOperationNames(config.METRICS_OPERATION_NAMES)),
        useErrorLogging(logger),
        useGraphiQLContentSecurityPolicy(),
      ],
    }),
  );
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
  const demo: DemoOptions | undefined =
    (config.GRAPHIQL ?? development)
      ? { sandbox: options.sandboxUrl !== null, operations: trustedDocuments.shippedOperationHashes(), merchantToken: null }
      : undefined;
  const readiness = createReadinessCheck({ orm, live, migrations: shippedMigrationNames() });
  const exposure = metricsExposure({ port: config.METRICS_PORT, token: config.METRICS_TOKEN, production: !development });
  const { server, closeWebSockets } = createHttpServer({
    yoga,
    graphiql: config.GRAPHIQL ?? development,
    readiness,
    logger,
    callbacks,
    metrics,
    metricsExposure: exposure,
    demo,
    webSocketKeepAliveMs: config.WS_KEEPALIVE_MS,
    webSocketSessions,
    trustedDocuments,
    orm,
    tracing,
    server: options.server,
  });
  if (!options.server) await time('listen', () => listenOn(server, { port: config.PORT, host: config.HOST, variable: 'PORT' }));
  let metricsServer: MetricsServer | undefined;
  if (exposure.on === 'metrics-port') {
    metricsServer = await startMetricsServer({ metrics, host: config.HOST, port: exposure.port, token: exposure.token, logger }).catch(
      async (error: unknown) => {
        server.close();
        throw error;
      },
    );
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST}:${port}`;
  publicUrl ||= `http://localhost:${port}`;
  reconciler.start();
  webhookDelivery.start();
  const stopRetention = events.startRetention(logger);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await reconciler.stop();
      await webhookDelivery.stop();
      stopRetention();
      await metricsServer?.close();
      await closeWebSockets();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      upstream.close();
      await live.close();
      await limitStores.close();
      await sql.close();
      await orm.close();
      await tracing?.shutdown(); // last: flushes the spans of everything above
    })());
  return { url, metricsUrl: metricsServer?.url, publicUrl, graphiql: config.GRAPHIQL ?? development, orm, sql, keyRing, services, reconciler, demo, close };
}

/** The ORM's statements as SQL spans (as children of the active span), and to `onQuery` as before. */
function tracedOrmQueries(onQuery: ((sql: string) => void) | undefined): (sql: string, tookMs: number, failed: boolean) => void {
  return (sql, tookMs, failed) => {
    recordOrmStatement(sql, tookMs, failed);
    onQuery?.(sql);
  };
}
