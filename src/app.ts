import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from './config.js';
import { CallbackService } from './callbacks/callback.service.js';
import { initOrm, migrateUp, shippedMigrationNames } from './db/orm.js';
import { Sql } from './db/sql.js';
import type { DemoOptions } from './http/demo-route.js';
import { ClientSecrets } from './auth/client-secrets.js';
import { createLivePubSub } from './live/pubsub.js';
import { Attention } from './orders/attention.js';
import { Reconciler } from './orders/reconciler.js';
import type { GatewayServices, GraphQLContext } from './schema/context.js';
import { WebSocketSessions } from './graphql/websocket-sessions.js';
import { TrustedDocuments } from './graphql/trusted-documents.js';
import { RouterSignature } from './graphql/router-signature.js';
import { createGatewayYoga } from './graphql/yoga.js';
import { createLimitStores } from './limits/limit-stores.js';
import type { Logger } from './observability/logger.js';
import { corsPolicy } from './http/cors.js';
import { listenOn } from './http/listen.js';
import { createReadinessCheck } from './http/readiness.js';
import { useGraphiQLContentSecurityPolicy } from './http/security-headers.js';
import type { KeyRing } from './merchants/key-encryption.js';
import { resolveKeyRing } from './merchants/key-encryption-config.js';
import { MerchantKeyCache } from './merchants/merchant-key-cache.js';
import { reencryptMerchantKeys } from './merchants/merchant-keys.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { knownOperationNames } from './metrics/known-operations.js';
import { metricsExposure } from './http/metrics-route.js';
import { startMetricsServer, type MetricsServer } from './http/metrics-server.js';
import { useErrorLogging } from './graphql/use-error-logging.js';
import { useGraphQLMetrics } from './metrics/use-graphql-metrics.js';
import { EventFeed } from './orders/event-feed.js';
import { EventSequencer } from './orders/event-sequencer.js';
import { ReportApplier } from './orders/report-applier.js';
import { OrderService } from './orders/order.service.js';
import { createHttpServer } from './server.js';
import type { TarsPayCallInfo } from './tarspay/client.js';
import { UpstreamClients } from './tarspay/upstream.js';
import type { StartupPhases } from './start/phases.js';
import { recordOrmStatement } from './db/sql-spans.js';
import { graphqlTracingPlugin, startTracing, type TracingOptions } from './observability/tracing.js';
import { LazyFork } from './db/lazy-fork.js';
import { schema } from './schema/index.js';
import { webhookDocuments } from './schema/webhook-document.js';
import { WebhookEndpoints } from './webhooks/webhook-endpoints.js';
import { WebhookSender } from './webhooks/webhook-sender.js';
import { webhookUrlPolicy } from './webhooks/webhook-url.js';
import { WebhookWorker } from './webhooks/webhook-worker.js';

export interface GatewayOptions {
  config: Config;
  databaseUrl: string;
  /** Where TarsPay (or the sandbox) answers. */
  tarspayBaseUrl: string;
  /** Set when the upstream is the sandbox: enables sandboxOrderSettle. */
  sandboxUrl: string | null;
  logger: Logger;
  /** Every statement; `background` for the gateway's own shared work (numbering events, see Sql.background). */
  onQuery?: (sql: string, origin?: { background: boolean }) => void;
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
  const trustedDocuments = TrustedDocuments.load(config.graphql.trustedDocumentFiles);
  let keyRing = options.keyRing;
  if (!keyRing) {
    const resolved = resolveKeyRing(config);
    if (resolved.notice) logger.warn(resolved.notice);
    keyRing = resolved.keyRing;
  }
  const time = <T>(phase: string, work: () => Promise<T> | T): Promise<T> => (options.phases ? options.phases.time(phase, work) : Promise.resolve(work()));
  const tracing = await startTracing(config.tracing, { logger, ...options.tracing });
  const { onQuery } = options;
  const onOrmQuery = tracing ? tracedOrmQueries(onQuery) : onQuery && ((sql: string) => onQuery(sql));
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
  const metrics = await time('metrics', () => new GatewayMetrics({ orm, logger, orderCountMaxAgeMs: config.metrics.ordersCacheMs }));

  const sql = new Sql(orm, options.onQuery);
  const merchantKeys = new MerchantKeyCache({ query: sql.query, keyRing });
  const upstream = new UpstreamClients(
    {
      baseUrl: options.tarspayBaseUrl,
      timeoutMs: config.tarspay.timeoutMs,
      responseSignMode: config.tarspay.responseSign,
      historyPath: config.tarspay.historyPath,
      onWarning: (message, fields) => logger.warn(fields, message),
      onCall: (info) => {
        metrics.observeUpstreamCall(info);
        options.onUpstreamCall?.(info);
      },
    },
    merchantKeys,
  );
  let publicUrl = config.http.publicUrl ?? '';
  const live = await createLivePubSub({ redisUrl: config.redis.url, logger });
  const { schedule } = config.reconciliation;
  // A webhook body is the endpoint's subscription document run for the event, as its merchant with orders:read.
  const documents = webhookDocuments(schema, (merchant) => ({
    entityManager: new LazyFork(orm),
    services,
    requestId: 'webhook',
    auth: { merchant, scopes: ['orders:read'], tokenId: 'webhook', orderId: null },
  }));
  const webhookUrls = webhookUrlPolicy(config);
  const webhookDelivery = new WebhookWorker({
    orm,
    sql,
    keyRing,
    documents,
    sender: new WebhookSender(webhookUrls, config.webhooks.timeoutMs),
    logger: logger.child({ component: 'webhooks' }),
    retry: config.webhooks.retry,
    pollMs: config.webhooks.pollMs,
    concurrency: config.webhooks.concurrency,
    timeoutMs: config.webhooks.timeoutMs,
    onAttempt: metrics.observeWebhookAttempt,
    onDisabled: () => metrics.webhookEndpointsDisabled.inc(),
  });
  const webhooks = new WebhookEndpoints({ keyRing, documents, urlPolicy: webhookUrls, onChange: () => webhookDelivery.wake() });
  const sequencer = new EventSequencer({
    sql: sql.background,
    onNumbered: (messages) => {
      for (const message of messages) live.publishChange(message);
      webhookDelivery.eventCommitted();
    },
    logger,
  });
  const reports = new ReportApplier({
    schedule,
    sql,
    sequencer,
    listeners: { onLatePayment: ({ order }) => metrics.latePayments.inc({ kind: order.kind }) },
    logger,
  });
  const attention = new Attention({
    logger,
    windows: config.attention,
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
    collectionExpiryMs: config.tarspay.collectionExpiryMs,
    collectionLimits: config.amountLimits.collections,
    payoutLimit: config.amountLimits.payout,
    logger,
    schedule,
  });
  const events = new EventFeed(sql, config.events.retentionDays);
  const services: GatewayServices = {
    orders,
    upstream,
    sandboxUrl: options.sandboxUrl,
    live,
    events,
    sequencer,
    clientSecrets: new ClientSecrets(keyRing, sql.query),
    webhooks,
    webhookDelivery,
  };
  const callbacks = new CallbackService({ sql, merchants: merchantKeys, reports, attention, logger, onOutcome: metrics.countCallback });
  const reconciler = new Reconciler({
    orm,
    sql,
    orders,
    logger: logger.child({ component: 'reconciler' }),
    intervalMs: config.reconciliation.intervalMs,
    batchSize: config.reconciliation.batchSize,
    resend: {
      // Never while the first create may still be on its way: that one can take TARSPAY_TIMEOUT_MS.
      afterMs: Math.max(config.reconciliation.resendAfterMs, 2 * config.tarspay.timeoutMs),
      payoutWindowMs: config.reconciliation.payoutResendWindowMs,
      maxAttempts: 3,
    },
    attention,
    schedule,
    onRun: metrics.recordReconcileRun,
  });
  const development = !config.runtime.production;
  // A connection lease outlives a few missed renewals, and lapses soon after an instance dies.
  const limitStores = await time('limits', () =>
    createLimitStores({
      redisUrl: config.redis.url,
      logger,
      leaseMs: Math.max(15_000, 3 * config.websocket.tokenRecheckMs),
      coolOffMs: config.redis.coolOffMs,
      onRedisState: metrics.observeLimitStore,
    }),
  );
  const { introspection, graphiql } = config.graphql;
  const graphqlTracing = tracing ? await graphqlTracingPlugin<GraphQLContext>(tracing) : undefined;
  const yoga = await time('graphql', () =>
    createGatewayYoga({
      orm,
      services,
      graphiql,
      persistGraphiQLHeaders: config.graphql.persistGraphiQLHeaders,
      cors: corsPolicy({ origins: config.http.corsOrigins, production: !development }),
      introspection,
      trustedDocuments,
      routerSignature: config.graphql.routerHmacSecret ? new RouterSignature(config.graphql.routerHmacSecret) : undefined,
      suggestions: introspection && development,
      rateLimit: { buckets: limitStores.buckets, ...config.rateLimits },
      inputLimits: config.graphql.inputLimits,
      exposeErrors: config.runtime.nodeEnv === 'development',
      plugins: [
        ...(graphqlTracing ? [graphqlTracing] : []),
        useGraphQLMetrics(metrics, knownOperationNames(config.metrics.operationNames)),
        useErrorLogging(logger),
        useGraphiQLContentSecurityPolicy(),
      ],
    }),
  );
  const webSocketSessions = new WebSocketSessions({
    orm,
    leases: limitStores.leases,
    logger,
    limits: config.websocket,
  });
  // The demo checkout goes with GraphiQL: developer tools, on in development.
  const demo: DemoOptions | undefined = graphiql
    ? { sandbox: options.sandboxUrl !== null, operations: trustedDocuments.shippedOperationHashes(), merchantToken: null }
    : undefined;
  const readiness = createReadinessCheck({ orm, live, migrations: shippedMigrationNames() });
  const exposure = metricsExposure({ ...config.metrics, production: !development });
  const { server, closeWebSockets } = createHttpServer({
    yoga,
    graphiql,
    readiness,
    logger,
    callbacks,
    metrics,
    metricsExposure: exposure,
    demo,
    webSocketKeepAliveMs: config.websocket.keepAliveMs,
    webSocketSessions,
    trustedDocuments,
    orm,
    tracing,
    server: options.server,
  });
  if (!options.server) await time('listen', () => listenOn(server, { port: config.http.port, host: config.http.host, variable: 'PORT' }));
  let metricsServer: MetricsServer | undefined;
  if (exposure.on === 'metrics-port') {
    metricsServer = await startMetricsServer({ metrics, host: config.http.host, port: exposure.port, token: exposure.token, logger }).catch(
      async (error: unknown) => {
        server.close();
        throw error;
      },
    );
  }
  const port = (server.address() as AddressInfo).port;
  const { host } = config.http;
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
  publicUrl ||= `http://localhost:${port}`;
  reconciler.start();
  webhookDelivery.start();
  sequencer.start();
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
      await sequencer.stop(); // after the last request: what it committed is numbered before the pool closes
      upstream.close();
      merchantKeys.close();
      await live.close();
      await limitStores.close();
      await sql.close();
      await orm.close();
      await tracing?.shutdown(); // last: flushes the spans of everything above
    })());
  return { url, metricsUrl: metricsServer?.url, publicUrl, graphiql, orm, sql, keyRing, services, reconciler, demo, close };
}

/** The ORM's statements as SQL spans (as children of the active span), and to `onQuery` as before. */
function tracedOrmQueries(onQuery: ((sql: string) => void) | undefined): (sql: string, tookMs: number, failed: boolean) => void {
  return (sql, tookMs, failed) => {
    recordOrmStatement(sql, tookMs, failed);
    onQuery?.(sql);
  };
}
