import { z } from 'zod';
import type { AttentionWindows } from '../orders/attention.js';
import type { CheckSchedule } from '../orders/check-schedule.js';
import { tracingSettings } from '../observability/tracing-settings.js';
import { COLLECTION_AMOUNT_LIMITS, PAYOUT_AMOUNT_LIMIT } from '../tarspay/catalogs.js';
import {
  boolean,
  collectionLimits,
  commaList,
  keyEncryptionKey,
  keyEncryptionKeys,
  keyValueList,
  operationNames,
  origins,
  otlpProtocol,
  otlpUrl,
  payoutLimit,
  platformPublicKey,
  positiveInt,
  privateKey,
  ratio,
  traceExporters,
  tracesSampler,
} from './values.js';

/**
 * One zod model per concern: each reads its own variables (by their names: an error names the
 * variable) and gives the settings its modules take whole. src/config.ts parses them all.
 * `…Variables` is a model's raw object, for the commands that read only some of its variables.
 */

const nonNegativeInt = z.coerce.number().int().min(0);

export const runtimeModel = z
  .object({ NODE_ENV: z.enum(['development', 'production', 'test']).default('development') })
  .transform((env) => ({ nodeEnv: env.NODE_ENV, production: env.NODE_ENV === 'production' }));

export const httpModel = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
    HOST: z.string().default('0.0.0.0'),
    PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL, e.g. https://pay.example.com' }).optional(),
    /** Browser origins allowed to call /graphql cross-origin; unset: any in development, none in production. */
    CORS_ORIGINS: origins.optional(),
  })
  .transform((env) => ({ port: env.PORT, host: env.HOST, publicUrl: env.PUBLIC_URL, corsOrigins: env.CORS_ORIGINS }));

export const databaseVariables = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  DATA_DIR: z.string().default('./.data'),
});
export const databaseModel = databaseVariables.transform((env) => ({ url: env.DATABASE_URL, dataDir: env.DATA_DIR }));

export const redisModel = z
  .object({
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// URL')
      .optional(),
    /** After a rate-limit or connection-cap command to Redis fails or times out, how long an instance limits alone before it probes Redis again. */
    REDIS_COOL_OFF_MS: positiveInt.default(10_000),
  })
  .transform((env) => ({ url: env.REDIS_URL, coolOffMs: env.REDIS_COOL_OFF_MS }));

export const logModel = z
  .object({ LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
  .transform((env) => ({ level: env.LOG_LEVEL }));

/**
 * OpenTelemetry tracing (src/observability), by the standard OTEL_* names: off unless
 * OTEL_TRACES_EXPORTER or an OTLP endpoint is set; their meaning is tracingSettings'.
 */
export const tracingModel = z
  .object({
    OTEL_SDK_DISABLED: boolean.default(false),
    OTEL_TRACES_EXPORTER: traceExporters.optional(),
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl.optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl.optional(),
    OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.optional(),
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.optional(),
    OTEL_EXPORTER_OTLP_HEADERS: keyValueList.optional(),
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValueList.optional(),
    OTEL_EXPORTER_OTLP_TIMEOUT: positiveInt.optional(),
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: positiveInt.optional(),
    OTEL_SERVICE_NAME: z.string().trim().min(1).optional(),
    OTEL_RESOURCE_ATTRIBUTES: keyValueList.optional(),
    OTEL_TRACES_SAMPLER: tracesSampler.optional(),
    OTEL_TRACES_SAMPLER_ARG: ratio.optional(),
  })
  .transform(tracingSettings);

/** Encrypts merchant private keys in the database (AES-256-GCM); see src/merchants/key-encryption-config.ts. */
export const keyEncryptionModel = z
  .object({
    KEY_ENCRYPTION_KEY: keyEncryptionKey.optional(),
    KEY_ENCRYPTION_KEY_FILE: z.string().trim().min(1).optional(),
    /** Earlier KEKs, comma-separated: still decrypt, and rows under them are re-encrypted at start. */
    KEY_ENCRYPTION_KEY_PREVIOUS: keyEncryptionKeys.optional(),
  })
  .transform((env) => ({ key: env.KEY_ENCRYPTION_KEY, keyFile: env.KEY_ENCRYPTION_KEY_FILE, previous: env.KEY_ENCRYPTION_KEY_PREVIOUS ?? [] }));

export const tarspayVariables = z.object({
  TARSPAY_BASE_URL: z.url().optional(),
  TARSPAY_MERCHANT_NO: z.string().trim().min(1).optional(),
  TARSPAY_PRIVATE_KEY: privateKey.optional(),
  TARSPAY_PRIVATE_KEY_FILE: z.string().optional(),
  TARSPAY_PLATFORM_PUBLIC_KEY: platformPublicKey.optional(),
  TARSPAY_TIMEOUT_MS: positiveInt.default(15_000),
  /** How long TarsPay keeps an unpaid collection open, as the gateway estimates it when TarsPay's answer carries no expiredTime (an order learnt by inquiry). */
  TARSPAY_COLLECTION_EXPIRY_MS: positiveInt.default(1_800_000),
  TARSPAY_RESPONSE_SIGN: z.enum(['off', 'log', 'strict']).default('log'),
  TARSPAY_HISTORY_PATH: z.string().startsWith('/').default('/api/orderList'),
  /** TARSPAY_BASE_URL is a sandbox (`npm run sandbox`): enables sandboxOrderSettle against it. */
  TARSPAY_SANDBOX: boolean.default(false),
  /** Production allows plain http:// for TARSPAY_BASE_URL and PUBLIC_URL (a private network); see src/start/production-guard.ts. */
  TARSPAY_ALLOW_HTTP: boolean.default(false),
});

/** The merchant the TARSPAY_* variables configure (src/start/configured-merchant.ts applies its keys at start). */
function configuredMerchant(env: Pick<z.output<typeof tarspayVariables>, 'TARSPAY_MERCHANT_NO' | 'TARSPAY_PRIVATE_KEY' | 'TARSPAY_PRIVATE_KEY_FILE'>) {
  return { merchantNo: env.TARSPAY_MERCHANT_NO, privateKey: env.TARSPAY_PRIVATE_KEY, privateKeyFile: env.TARSPAY_PRIVATE_KEY_FILE };
}

export const configuredMerchantModel = tarspayVariables
  .pick({ TARSPAY_MERCHANT_NO: true, TARSPAY_PRIVATE_KEY: true, TARSPAY_PRIVATE_KEY_FILE: true })
  .transform(configuredMerchant);

export const tarspayModel = tarspayVariables.transform((env) => ({
  baseUrl: env.TARSPAY_BASE_URL,
  ...configuredMerchant(env),
  platformPublicKey: env.TARSPAY_PLATFORM_PUBLIC_KEY,
  timeoutMs: env.TARSPAY_TIMEOUT_MS,
  collectionExpiryMs: env.TARSPAY_COLLECTION_EXPIRY_MS,
  responseSign: env.TARSPAY_RESPONSE_SIGN,
  historyPath: env.TARSPAY_HISTORY_PATH,
  sandbox: env.TARSPAY_SANDBOX,
  allowHttp: env.TARSPAY_ALLOW_HTTP,
}));

/** The amounts the gateway accepts before asking TarsPay (per collection method type, and for payouts). */
export const amountLimitsModel = z
  .object({
    COLLECTION_LIMITS: collectionLimits.default({ ...COLLECTION_AMOUNT_LIMITS }),
    PAYOUT_LIMIT: payoutLimit.default(PAYOUT_AMOUNT_LIMIT),
  })
  .transform((env) => ({ collections: env.COLLECTION_LIMITS, payout: env.PAYOUT_LIMIT }));

export const reconciliationModel = z
  .object({
    RECONCILE_INTERVAL_MS: nonNegativeInt.default(10_000),
    RECONCILE_BATCH_SIZE: positiveInt.default(20),
    /** An UNKNOWN order TarsPay's inquiry cannot find may get its identical create re-sent this long after it was stored. */
    RECONCILE_RESEND_AFTER_MS: nonNegativeInt.default(60_000),
    /** Payouts are re-sent only this long after the merchant asked; 0: never. */
    PAYOUT_RESEND_WINDOW_MS: nonNegativeInt.default(600_000),
    /** When reconciliation checks an order (src/orders/check-schedule.ts): first of an UNKNOWN or SUBMITTING one. */
    RECONCILE_FIRST_CHECK_MS: nonNegativeInt.default(30_000),
    /** First check of an open order without expiry, or of one TarsPay closed unpaid. */
    RECONCILE_OPEN_CHECK_MS: nonNegativeInt.default(600_000),
    /** First check of an open collection, after its expiry. */
    RECONCILE_AFTER_EXPIRY_MS: nonNegativeInt.default(60_000),
    /** The delay after an order's first check, doubling per check up to RECONCILE_BACKOFF_MAX_MS. */
    RECONCILE_BACKOFF_FIRST_MS: positiveInt.default(15_000),
    RECONCILE_BACKOFF_MAX_MS: positiveInt.default(1_800_000),
    /** FAILED, EXPIRED and CANCELLED orders are checked this long after their last change, for a late payment whose callback was lost; 0: never. */
    LATE_PAYMENT_WINDOW_MS: nonNegativeInt.default(259_200_000),
  })
  .transform((env) => ({
    intervalMs: env.RECONCILE_INTERVAL_MS,
    batchSize: env.RECONCILE_BATCH_SIZE,
    resendAfterMs: env.RECONCILE_RESEND_AFTER_MS,
    payoutResendWindowMs: env.PAYOUT_RESEND_WINDOW_MS,
    schedule: {
      firstCheckMs: env.RECONCILE_FIRST_CHECK_MS,
      openCheckMs: env.RECONCILE_OPEN_CHECK_MS,
      afterExpiryMs: env.RECONCILE_AFTER_EXPIRY_MS,
      backoffFirstMs: env.RECONCILE_BACKOFF_FIRST_MS,
      backoffMaxMs: env.RECONCILE_BACKOFF_MAX_MS,
      latePaymentWindowMs: env.LATE_PAYMENT_WINDOW_MS,
    } satisfies CheckSchedule,
  }));

export const attentionModel = z
  .object({
    /** An order still UNKNOWN this long after it was stored is flagged for a person (needsAttention). */
    ATTENTION_AFTER_MS: nonNegativeInt.default(900_000),
    /** A collection not settled this long after its expiry is flagged for a person (needsAttention, PAST_EXPIRY). */
    ATTENTION_EXPIRY_GRACE_MS: nonNegativeInt.default(3_600_000),
    /** A payout still CREATED, QUEUED or PROCESSING this long after it was stored is flagged (PAYOUT_STUCK). */
    ATTENTION_PAYOUT_PROCESSING_MS: nonNegativeInt.default(14_400_000),
  })
  .transform((env): AttentionWindows => ({
    unresolvedMs: env.ATTENTION_AFTER_MS,
    expiryGraceMs: env.ATTENTION_EXPIRY_GRACE_MS,
    payoutProcessingMs: env.ATTENTION_PAYOUT_PROCESSING_MS,
  }));

/** Cost units (see src/graphql/operation-cost.ts) per token and per merchant; 0 per second turns a bucket off. */
export const rateLimitsModel = z
  .object({
    RATE_LIMIT_TOKEN_BURST: positiveInt.default(300),
    RATE_LIMIT_TOKEN_PER_SECOND: z.coerce.number().min(0).default(50),
    RATE_LIMIT_MERCHANT_BURST: positiveInt.default(1000),
    RATE_LIMIT_MERCHANT_PER_SECOND: z.coerce.number().min(0).default(150),
  })
  .transform((env) => ({
    perToken: { burst: env.RATE_LIMIT_TOKEN_BURST, perSecond: env.RATE_LIMIT_TOKEN_PER_SECOND },
    perMerchant: { burst: env.RATE_LIMIT_MERCHANT_BURST, perSecond: env.RATE_LIMIT_MERCHANT_PER_SECOND },
  }));

/** GraphiQL and introspection are undefined here when unset: src/config.ts turns them on outside production. */
export const graphqlModel = z
  .object({
    /** Longest list in any input (argument, input field or variable). */
    GRAPHQL_MAX_LIST_ITEMS: positiveInt.default(50),
    /** Values (scalars, list items, object fields) in an operation's variables, all counted. */
    GRAPHQL_MAX_VARIABLE_VALUES: positiveInt.default(1000),
    GRAPHIQL: boolean.optional(),
    INTROSPECTION: boolean.optional(),
    /** GraphiQL keeps the Headers tab (the token) in the browser's localStorage: opt in only. */
    GRAPHIQL_PERSIST_HEADERS: boolean.default(false),
    /** Your apps' persisted-documents.json manifests (comma-separated paths), trusted besides the shipped one. */
    TRUSTED_DOCUMENTS_FILE: z.string().transform(commaList).default([]),
    /** The secret a federation router (Hive Gateway's hmacSignature) signs its requests with: see docs/FEDERATION.md. */
    ROUTER_HMAC_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  })
  .transform((env) => ({
    inputLimits: { maxListItems: env.GRAPHQL_MAX_LIST_ITEMS, maxVariableValues: env.GRAPHQL_MAX_VARIABLE_VALUES },
    graphiql: env.GRAPHIQL,
    introspection: env.INTROSPECTION,
    persistGraphiQLHeaders: env.GRAPHIQL_PERSIST_HEADERS,
    trustedDocumentFiles: env.TRUSTED_DOCUMENTS_FILE,
    routerHmacSecret: env.ROUTER_HMAC_SECRET,
  }));

export const eventsModel = z
  .object({
    /** How long order events stay resumable (orderEvents(after:), events): older cursors get CURSOR_EXPIRED. */
    EVENT_RETENTION_DAYS: positiveInt.default(90),
  })
  .transform((env) => ({ retentionDays: env.EVENT_RETENTION_DAYS }));

export const websocketModel = z
  .object({
    WS_KEEPALIVE_MS: positiveInt.default(30_000),
    /** 0: no cap. */
    WS_MAX_CONNECTIONS_PER_TOKEN: nonNegativeInt.default(100),
    WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: nonNegativeInt.default(25),
    /** How often open connections' tokens are checked again: at most 5 s, so a revoked token stops within 5 s. */
    WS_TOKEN_RECHECK_MS: z.coerce.number().int().min(50).max(5000).default(4000),
  })
  .transform((env) => ({
    keepAliveMs: env.WS_KEEPALIVE_MS,
    maxConnectionsPerToken: env.WS_MAX_CONNECTIONS_PER_TOKEN,
    maxSubscriptionsPerConnection: env.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    tokenRecheckMs: env.WS_TOKEN_RECHECK_MS,
  }));

export const metricsModel = z
  .object({
    /** /metrics on its own port (bound to HOST), and no longer on PORT. */
    METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
    /** /metrics wants `Authorization: Bearer <METRICS_TOKEN>`. */
    METRICS_TOKEN: z.string().trim().min(16, 'must be at least 16 characters').optional(),
    /** The orders gauge is counted by a query at most once per this period, whatever the scrape rate. */
    METRICS_ORDERS_CACHE_MS: z.coerce.number().int().min(1000).default(30_000),
    /** Operation names that become metric labels, besides the ones this project ships. */
    METRICS_OPERATION_NAMES: operationNames.default([]),
  })
  .transform((env) => ({
    port: env.METRICS_PORT,
    token: env.METRICS_TOKEN,
    ordersCacheMs: env.METRICS_ORDERS_CACHE_MS,
    operationNames: env.METRICS_OPERATION_NAMES,
  }));

export const webhooksModel = z
  .object({
    /** One delivery attempt, connection to the end of the answer. */
    WEBHOOK_TIMEOUT_MS: positiveInt.default(10_000),
    /** The delay after a failed delivery; it doubles per failure (with jitter) up to WEBHOOK_RETRY_MAX_DELAY_MS. */
    WEBHOOK_RETRY_FIRST_MS: positiveInt.default(5_000),
    WEBHOOK_RETRY_MAX_DELAY_MS: positiveInt.default(10_800_000),
    /** An event still failing this long after its first failed attempt disables the endpoint. */
    WEBHOOK_RETRY_MAX_AGE_MS: nonNegativeInt.default(259_200_000),
    /** Production: webhooks may also go to private, loopback and link-local addresses, and over plain http (receivers on a private network). */
    WEBHOOK_ALLOW_PRIVATE: boolean.default(false),
    /** How often an instance looks for webhook work it was not woken for (other instances' events, retries due). */
    WEBHOOK_POLL_MS: positiveInt.default(1_000),
    /** Endpoints one instance delivers to at once. */
    WEBHOOK_CONCURRENCY: positiveInt.default(16),
  })
  .transform((env) => ({
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    retry: { firstMs: env.WEBHOOK_RETRY_FIRST_MS, maxDelayMs: env.WEBHOOK_RETRY_MAX_DELAY_MS, maxAgeMs: env.WEBHOOK_RETRY_MAX_AGE_MS },
    allowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
    pollMs: env.WEBHOOK_POLL_MS,
    concurrency: env.WEBHOOK_CONCURRENCY,
  }));
