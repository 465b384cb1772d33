import { join } from 'node:path';
import { z } from 'zod';
import { decodeKeyEncryptionKey } from './merchants/key-encryption.js';
import { isPrivateKeyHex, isPublicKeyHex } from './tarspay/signer.js';
import { COLLECTION_AMOUNT_LIMITS, PAYMENT_METHOD_TYPES, PAYOUT_AMOUNT_LIMIT, type AmountLimit, type PaymentMethodType } from './tarspay/catalogs.js';

/**
 * Every environment variable the gateway, `npm run cli` and `npm run migrate` read, parsed and
 * checked once at start: nothing else reads `process.env` (the TarsPay sandbox's SANDBOX_* are
 * src/sandbox/config.ts's). The gateway parses all of it (parseEnvironment); the CLI and migrate
 * only what they use (parseDatabaseSettings), so they run without TarsPay settings.
 */

const boolean = z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']).transform((value) => ['true', '1', 'yes', 'on'].includes(value));
const hexKey = z
  .string()
  .trim()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters');
const publicKey = z
  .string()
  .trim()
  .regex(/^0[23][0-9a-fA-F]{64}$/, 'must be a compressed public key: 66 hex characters starting 02 or 03');
const positiveInt = z.coerce.number().int().positive();
/** A well-formed key can still be no key at all: 0, or past the curve's order (private); off the curve (public). */
const privateKey = hexKey.refine(
  (text) => !/^[0-9a-fA-F]{64}$/.test(text) || isPrivateKeyHex(text),
  "is not a valid secp256k1 private key (zero, or not below the curve's order): set the merchant's private key, whose public half TarsPay has",
);
const platformPublicKey = publicKey.refine(
  (text) => !/^0[23][0-9a-fA-F]{64}$/.test(text) || isPublicKeyHex(text),
  'is not a point on secp256k1: copy the platform public key TarsPay gave you again',
);

/** `a, b,,c ` → ['a', 'b', 'c']: the comma-separated lists of the variables below. */
function commaList(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}
const KEK_FORMAT = 'must be 32 bytes as 64 hex characters or 44 base64 characters (make one with `openssl rand -hex 32`)';
const keyEncryptionKey = z
  .string()
  .trim()
  .refine((text) => decodeKeyEncryptionKey(text) !== null, KEK_FORMAT);
const keyEncryptionKeys = z.string().transform((text, context) => {
  const keys = commaList(text);
  keys.forEach((key, index) => {
    if (!decodeKeyEncryptionKey(key)) context.addIssue({ code: 'custom', message: `entry ${index + 1} ${KEK_FORMAT}` });
  });
  return keys;
});

function parseLimit(text: string): AmountLimit {
  const match = /^(\d+)-(\d*)$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not MIN-MAX or MIN- in whole rupiah`);
  const min = BigInt(match[1]!);
  if (!match[2]) return { min };
  const max = BigInt(match[2]);
  if (max < min) throw new Error(`"${text}": MAX is below MIN`);
  return { min, max };
}

/** `BANK_VA:10000-50000000,EWALLET:10000-` → limits per method type; unlisted types keep TarsPay's (COLLECTION_AMOUNT_LIMITS). */
const collectionLimits = z.string().transform((text, context) => {
  const limits: Record<PaymentMethodType, AmountLimit> = { ...COLLECTION_AMOUNT_LIMITS };
  for (const entry of text.split(',').filter(Boolean)) {
    const [type, range] = entry.split(':');
    if (!PAYMENT_METHOD_TYPES.includes(type as PaymentMethodType) || !range) {
      context.addIssue({ code: 'custom', message: `"${entry}": expected TYPE:MIN-MAX with TYPE one of ${PAYMENT_METHOD_TYPES.join(', ')}` });
      return z.NEVER;
    }
    try {
      limits[type as PaymentMethodType] = parseLimit(range);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }
  return limits;
});

const payoutLimit = z.string().transform((text, context) => {
  try {
    return parseLimit(text);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** `https://shop.example,http://localhost:3000` → exact origins (scheme, host and port; no path). */
const origins = z.string().transform((text, context) => {
  const list: string[] = [];
  for (const entry of commaList(text)) {
    let origin: string | undefined;
    try {
      origin = new URL(entry).origin;
    } catch {
      origin = undefined;
    }
    if (!origin || origin === 'null' || origin !== entry.replace(/\/$/, '').toLowerCase()) {
      context.addIssue({ code: 'custom', message: `"${entry}" is not an origin: write scheme://host[:port], e.g. https://shop.example` });
      return z.NEVER;
    }
    list.push(origin);
  }
  return list;
});

/** `GetOrder,MyCheckout` → GraphQL operation names. */
const operationNames = z.string().transform((text, context) => {
  const names = commaList(text);
  const bad = names.filter((name) => !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name));
  if (bad.length) {
    context.addIssue({ code: 'custom', message: `not GraphQL operation names: ${bad.join(', ')}` });
    return z.NEVER;
  }
  return names;
});

/** `key1=value1,key2=value2` (values percent-decoded), the format of OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES; never echoed (headers may hold an API key). */
const keyValueList = z.string().transform((text, context) => {
  const pairs: Record<string, string> = {};
  for (const [index, entry] of commaList(text).entries()) {
    const at = entry.indexOf('=');
    const key = at > 0 ? entry.slice(0, at).trim() : '';
    let value: string | undefined;
    try {
      value = decodeURIComponent(entry.slice(at + 1).trim());
    } catch {
      value = undefined;
    }
    if (!key || value === undefined) {
      context.addIssue({ code: 'custom', message: `entry ${index + 1} is not key=value (comma-separated, values percent-encoded)` });
      return z.NEVER;
    }
    pairs[key] = value;
  }
  return pairs;
});

/** OTEL_TRACES_EXPORTER: `otlp`, `console` (both: `otlp,console`) or `none`. */
const traceExporters = z.string().transform((text, context) => {
  const names = [...new Set(commaList(text.toLowerCase()))];
  const unknown = names.filter((name) => !['otlp', 'console', 'none'].includes(name));
  if (unknown.length || names.length === 0 || (names.includes('none') && names.length > 1)) {
    const what = unknown.length ? `${unknown.map((name) => `"${name}"`).join(', ')} not supported` : 'none cannot be combined with an exporter';
    context.addIssue({ code: 'custom', message: `${what}: use otlp, console, otlp,console or none` });
    return z.NEVER;
  }
  return names as Array<'otlp' | 'console' | 'none'>;
});

const otlpProtocol = z.string().transform((text, context) => {
  const protocol = text.trim().toLowerCase();
  if (protocol === 'http/protobuf' || protocol === 'http/json') return protocol;
  const hint = protocol === 'grpc' ? 'grpc is not supported' : `"${text}" is not an OTLP protocol`;
  context.addIssue({ code: 'custom', message: `${hint}: use http/protobuf (the default) or http/json, to the collector's OTLP/HTTP port (4318)` });
  return z.NEVER;
});

const otlpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, e.g. http://localhost:4318' });

export const TRACES_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
const RATIO = 'must be a ratio from 0 to 1, e.g. 0.1';

const environment = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL, e.g. https://pay.example.com' }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  DATA_DIR: z.string().default('./.data'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .optional(),
  /** After a rate-limit or connection-cap command to Redis fails or times out, how long an instance limits alone before it probes Redis again. */
  REDIS_COOL_OFF_MS: positiveInt.default(10_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * OpenTelemetry tracing (src/observability), by the standard OTEL_* names: off unless
   * OTEL_TRACES_EXPORTER or an OTLP endpoint is set. src/observability/tracing-settings.ts reads them.
   */
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
  OTEL_TRACES_SAMPLER: z.enum(TRACES_SAMPLERS, { error: `must be one of ${TRACES_SAMPLERS.join(', ')}` }).optional(),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number({ error: RATIO }).min(0, RATIO).max(1, RATIO).optional(),

  /** Encrypts merchant private keys in the database (AES-256-GCM); see src/merchants/key-encryption-config.ts. */
  KEY_ENCRYPTION_KEY: keyEncryptionKey.optional(),
  KEY_ENCRYPTION_KEY_FILE: z.string().trim().min(1).optional(),
  /** Earlier KEKs, comma-separated: still decrypt, and rows under them are re-encrypted at start. */
  KEY_ENCRYPTION_KEY_PREVIOUS: keyEncryptionKeys.optional(),

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

  COLLECTION_LIMITS: collectionLimits.default({ ...COLLECTION_AMOUNT_LIMITS }),
  PAYOUT_LIMIT: payoutLimit.default(PAYOUT_AMOUNT_LIMIT),

  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).default(10_000),
  RECONCILE_BATCH_SIZE: positiveInt.default(20),
  /** An UNKNOWN order TarsPay's inquiry cannot find may get its identical create re-sent this long after it was stored. */
  RECONCILE_RESEND_AFTER_MS: z.coerce.number().int().min(0).default(60_000),
  /** Payouts are re-sent only this long after the merchant asked; 0: never. */
  PAYOUT_RESEND_WINDOW_MS: z.coerce.number().int().min(0).default(600_000),
  /** An order still UNKNOWN this long after it was stored is flagged for a person (needsAttention). */
  ATTENTION_AFTER_MS: z.coerce.number().int().min(0).default(900_000),
  /** A collection not settled this long after its expiry is flagged for a person (needsAttention, PAST_EXPIRY). */
  ATTENTION_EXPIRY_GRACE_MS: z.coerce.number().int().min(0).default(3_600_000),
  /** A payout still CREATED, QUEUED or PROCESSING this long after it was stored is flagged (PAYOUT_STUCK). */
  ATTENTION_PAYOUT_PROCESSING_MS: z.coerce.number().int().min(0).default(14_400_000),
  /** When reconciliation checks an order (src/orders/check-schedule.ts): first of an UNKNOWN or SUBMITTING one. */
  RECONCILE_FIRST_CHECK_MS: z.coerce.number().int().min(0).default(30_000),
  /** First check of an open order without expiry, or of one TarsPay closed unpaid. */
  RECONCILE_OPEN_CHECK_MS: z.coerce.number().int().min(0).default(600_000),
  /** First check of an open collection, after its expiry. */
  RECONCILE_AFTER_EXPIRY_MS: z.coerce.number().int().min(0).default(60_000),
  /** The delay after an order's first check, doubling per check up to RECONCILE_BACKOFF_MAX_MS. */
  RECONCILE_BACKOFF_FIRST_MS: positiveInt.default(15_000),
  RECONCILE_BACKOFF_MAX_MS: positiveInt.default(1_800_000),
  /** FAILED, EXPIRED and CANCELLED orders are checked this long after their last change, for a late payment whose callback was lost; 0: never. */
  LATE_PAYMENT_WINDOW_MS: z.coerce.number().int().min(0).default(259_200_000),

  /** Cost units (see src/graphql/operation-cost.ts) per token and per merchant; 0 per second turns a bucket off. */
  RATE_LIMIT_TOKEN_BURST: positiveInt.default(300),
  RATE_LIMIT_TOKEN_PER_SECOND: z.coerce.number().min(0).default(50),
  RATE_LIMIT_MERCHANT_BURST: positiveInt.default(1000),
  RATE_LIMIT_MERCHANT_PER_SECOND: z.coerce.number().min(0).default(150),

  /** Longest list in any input (argument, input field or variable). */
  GRAPHQL_MAX_LIST_ITEMS: positiveInt.default(50),
  /** Values (scalars, list items, object fields) in an operation's variables, all counted. */
  GRAPHQL_MAX_VARIABLE_VALUES: positiveInt.default(1000),

  /** How long order events stay resumable (orderEvents(after:), events): older cursors get CURSOR_EXPIRED. */
  EVENT_RETENTION_DAYS: positiveInt.default(90),

  WS_KEEPALIVE_MS: positiveInt.default(30_000),
  /** 0: no cap. */
  WS_MAX_CONNECTIONS_PER_TOKEN: z.coerce.number().int().min(0).default(100),
  WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(0).default(25),
  /** How often open connections' tokens are checked again: at most 5 s, so a revoked token stops within 5 s. */
  WS_TOKEN_RECHECK_MS: z.coerce.number().int().min(50).max(5000).default(4000),

  GRAPHIQL: boolean.optional(),
  INTROSPECTION: boolean.optional(),
  /** GraphiQL keeps the Headers tab (the token) in the browser's localStorage: opt in only. */
  GRAPHIQL_PERSIST_HEADERS: boolean.default(false),
  /** Browser origins allowed to call /graphql cross-origin; unset: any in development, none in production. */
  CORS_ORIGINS: origins.optional(),

  /** /metrics on its own port (bound to HOST), and no longer on PORT. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  /** /metrics wants `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: z.string().trim().min(16, 'must be at least 16 characters').optional(),
  /** The orders gauge is counted by a query at most once per this period, whatever the scrape rate. */
  METRICS_ORDERS_CACHE_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Operation names that become metric labels, besides the ones this project ships. */
  METRICS_OPERATION_NAMES: operationNames.default([]),

  /** Webhooks (src/webhooks): one delivery attempt, connection to the end of the answer. */
  WEBHOOK_TIMEOUT_MS: positiveInt.default(10_000),
  /** The delay after a failed delivery; it doubles per failure (with jitter) up to WEBHOOK_RETRY_MAX_DELAY_MS. */
  WEBHOOK_RETRY_FIRST_MS: positiveInt.default(5_000),
  WEBHOOK_RETRY_MAX_DELAY_MS: positiveInt.default(10_800_000),
  /** An event still failing this long after its first failed attempt disables the endpoint. */
  WEBHOOK_RETRY_MAX_AGE_MS: z.coerce.number().int().min(0).default(259_200_000),
  /** Production: webhooks may also go to private, loopback and link-local addresses, and over plain http (receivers on a private network). */
  WEBHOOK_ALLOW_PRIVATE: boolean.default(false),
  /** How often an instance looks for webhook work it was not woken for (other instances' events, retries due). */
  WEBHOOK_POLL_MS: positiveInt.default(1_000),
  /** Endpoints one instance delivers to at once. */
  WEBHOOK_CONCURRENCY: positiveInt.default(16),

  /** Your apps' persisted-documents.json manifests (comma-separated paths), trusted besides the shipped one. */
  TRUSTED_DOCUMENTS_FILE: z.string().transform(commaList).default([]),
});

export type Environment = z.infer<typeof environment>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Variables that were renamed: a deployment that still sets one must not silently lose its limit. */
const RENAMED: Record<string, string> = {
  RATE_LIMIT_MUTATION_BURST: 'RATE_LIMIT_TOKEN_BURST',
  RATE_LIMIT_MUTATIONS_PER_SECOND: 'RATE_LIMIT_TOKEN_PER_SECOND',
};

function parseWith<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return result.data;
}

/** The subset resolveKeyRing (src/merchants/key-encryption-config.ts) reads. */
export type KeyEncryptionSettings = Pick<
  Environment,
  'NODE_ENV' | 'DATA_DIR' | 'KEY_ENCRYPTION_KEY' | 'KEY_ENCRYPTION_KEY_FILE' | 'KEY_ENCRYPTION_KEY_PREVIOUS'
>;

function checkKeyEncryption(settings: KeyEncryptionSettings): void {
  if (settings.KEY_ENCRYPTION_KEY && settings.KEY_ENCRYPTION_KEY_FILE) {
    throw new ConfigError('KEY_ENCRYPTION_KEY and KEY_ENCRYPTION_KEY_FILE are both set: set only one');
  }
  if (settings.NODE_ENV === 'production' && !settings.KEY_ENCRYPTION_KEY && !settings.KEY_ENCRYPTION_KEY_FILE) {
    throw new ConfigError(
      'NODE_ENV=production needs KEY_ENCRYPTION_KEY (or KEY_ENCRYPTION_KEY_FILE): the 32-byte key, hex or base64, that encrypts ' +
        'merchant private keys in the database. Make one with `openssl rand -hex 32` and keep it out of the database and its backups.',
    );
  }
}

/** What `npm run cli` and `npm run migrate` need: where the database is and its key-encryption key; no TarsPay settings. */
const databaseSettings = environment.pick({
  NODE_ENV: true,
  DATABASE_URL: true,
  DATA_DIR: true,
  KEY_ENCRYPTION_KEY: true,
  KEY_ENCRYPTION_KEY_FILE: true,
  KEY_ENCRYPTION_KEY_PREVIOUS: true,
  WEBHOOK_ALLOW_PRIVATE: true,
});
export type DatabaseSettings = z.infer<typeof databaseSettings>;

export function parseDatabaseSettings(env: NodeJS.ProcessEnv = process.env): DatabaseSettings {
  const settings = parseWith(databaseSettings, env);
  checkKeyEncryption(settings);
  return settings;
}

/** The merchant the gateway's TARSPAY_* variables configure (src/start/configured-merchant.ts applies its keys at start); the CLI warns when it rotates that one's key. */
const configuredMerchantSettings = environment.pick({
  TARSPAY_MERCHANT_NO: true,
  TARSPAY_PRIVATE_KEY: true,
  TARSPAY_PRIVATE_KEY_FILE: true,
});
export type ConfiguredMerchantSettings = z.infer<typeof configuredMerchantSettings>;

export function parseConfiguredMerchantSettings(env: NodeJS.ProcessEnv = process.env): ConfiguredMerchantSettings {
  return parseWith(configuredMerchantSettings, env);
}

/** `${DATA_DIR}/pglite`: the embedded database's files, used when DATABASE_URL is unset. */
export function embeddedDatabaseDir(settings: Pick<Environment, 'DATA_DIR'>): string {
  return join(settings.DATA_DIR, 'pglite');
}

export function parseEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  const renamed = Object.keys(RENAMED).filter((name) => env[name] !== undefined && env[name] !== '');
  if (renamed.length) {
    const hints = renamed.map((name) => `${name} is now ${RENAMED[name]} (cost units: a mutation field costs 1, see docs/GUARANTEES.md)`);
    throw new ConfigError(`invalid configuration:\n  ${hints.join('\n  ')}`);
  }
  const config = parseWith(environment, env);
  checkKeyEncryption(config);
  if (config.RECONCILE_BACKOFF_MAX_MS < config.RECONCILE_BACKOFF_FIRST_MS) {
    throw new ConfigError(
      `RECONCILE_BACKOFF_MAX_MS: ${config.RECONCILE_BACKOFF_MAX_MS} is below RECONCILE_BACKOFF_FIRST_MS (${config.RECONCILE_BACKOFF_FIRST_MS}): the longest delay must be at least the first`,
    );
  }
  if (config.WEBHOOK_RETRY_MAX_DELAY_MS < config.WEBHOOK_RETRY_FIRST_MS) {
    throw new ConfigError(
      `WEBHOOK_RETRY_MAX_DELAY_MS: ${config.WEBHOOK_RETRY_MAX_DELAY_MS} is below WEBHOOK_RETRY_FIRST_MS (${config.WEBHOOK_RETRY_FIRST_MS}): the longest delay must be at least the first`,
    );
  }
  if (config.METRICS_PORT && config.METRICS_PORT === config.PORT) {
    throw new ConfigError(`METRICS_PORT: ${config.METRICS_PORT} is PORT too: give /metrics a port of its own (or unset METRICS_PORT)`);
  }
  if (config.TARSPAY_BASE_URL) {
    const missing = ['TARSPAY_MERCHANT_NO', 'TARSPAY_PLATFORM_PUBLIC_KEY'].filter((name) => !config[name as keyof Environment]);
    if (!config.TARSPAY_PRIVATE_KEY && !config.TARSPAY_PRIVATE_KEY_FILE) missing.push('TARSPAY_PRIVATE_KEY (or TARSPAY_PRIVATE_KEY_FILE)');
    if (missing.length) throw new ConfigError(`TARSPAY_BASE_URL is set, so these are needed too: ${missing.join(', ')}`);
  }
  return config;
}
