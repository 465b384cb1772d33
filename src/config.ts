import { join } from 'node:path';
import type { z } from 'zod';
import {
  amountLimitsModel,
  attentionModel,
  configuredMerchantModel,
  databaseModel,
  eventsModel,
  graphqlModel,
  httpModel,
  keyEncryptionModel,
  logModel,
  metricsModel,
  webhooksModel,
  rateLimitsModel,
  reconciliationModel,
  redisModel,
  runtimeModel,
  tarspayModel,
  tracingModel,
  websocketModel,
} from './config/models.js';

/**
 * Every environment variable the gateway, `npm run cli` and `npm run migrate` read, parsed and
 * checked once at start: nothing else reads `process.env` (the TarsPay sandbox's SANDBOX_* are
 * src/sandbox/config.ts's). One zod model per concern (src/config/models.ts) reads that concern's
 * variables and gives the settings its modules take whole: `config.websocket`, `config.tarspay`, …
 * The gateway parses all of them (parseEnvironment); the CLI and migrate only what they use
 * (parseDatabaseSettings), so they run without TarsPay settings.
 */

const GATEWAY_MODELS = {
  runtime: runtimeModel,
  http: httpModel,
  database: databaseModel,
  redis: redisModel,
  log: logModel,
  tracing: tracingModel,
  keyEncryption: keyEncryptionModel,
  tarspay: tarspayModel,
  amountLimits: amountLimitsModel,
  reconciliation: reconciliationModel,
  attention: attentionModel,
  rateLimits: rateLimitsModel,
  graphql: graphqlModel,
  events: eventsModel,
  websocket: websocketModel,
  metrics: metricsModel,
  webhooks: webhooksModel,
};

/** Every variable the gateway reads, by name. */
export const GATEWAY_VARIABLES: readonly string[] = Object.values(GATEWAY_MODELS).flatMap((model) => Object.keys(model.in.shape));

type Models = Record<string, z.ZodType>;
type Parsed<M extends Models> = { [K in keyof M]: z.output<M[K]> };

type GraphQLSettings = z.output<typeof graphqlModel>;

/** The gateway's configuration: one object per concern. */
export interface Config extends Omit<Parsed<typeof GATEWAY_MODELS>, 'graphql'> {
  /** GraphiQL (with the demo checkout) and introspection are resolved: on outside production unless set. */
  graphql: GraphQLSettings & { graphiql: boolean; introspection: boolean };
}
export type TarsPaySettings = Config['tarspay'];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Variables that were renamed: a deployment that still sets one must not silently lose its limit. */
const RENAMED: Record<string, string> = {
  RATE_LIMIT_MUTATION_BURST: 'RATE_LIMIT_TOKEN_BURST',
  RATE_LIMIT_MUTATIONS_PER_SECOND: 'RATE_LIMIT_TOKEN_PER_SECOND',
};

/** Each model reads the variables it names; every problem of every model is reported at once. */
function parseModels<M extends Models>(models: M, env: NodeJS.ProcessEnv): Parsed<M> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const problems: string[] = [];
  const parsed: Record<string, unknown> = {};
  for (const [name, model] of Object.entries(models)) {
    const result = model.safeParse(present);
    if (result.success) parsed[name] = result.data;
    else problems.push(...result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  if (problems.length) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return parsed as Parsed<M>;
}

const DATABASE_MODELS = { runtime: runtimeModel, database: databaseModel, keyEncryption: keyEncryptionModel, webhooks: webhooksModel };

/** What `npm run cli` and `npm run migrate` need: where the database is and its key-encryption key; no TarsPay settings. */
export type DatabaseSettings = Parsed<typeof DATABASE_MODELS>;
/** What resolveKeyRing (src/merchants/key-encryption-config.ts) reads: the KEKs, and where the development one is kept. */
export type KeyEncryptionSettings = Pick<Config, 'runtime' | 'database' | 'keyEncryption'>;

/** The rules of the key-encryption settings together: one of KEY_ENCRYPTION_KEY and its _FILE, and one of them in production. */
export function checkKeyEncryption(settings: KeyEncryptionSettings): void {
  const { key, keyFile } = settings.keyEncryption;
  if (key && keyFile) {
    throw new ConfigError('KEY_ENCRYPTION_KEY and KEY_ENCRYPTION_KEY_FILE are both set: set only one');
  }
  if (settings.runtime.production && !key && !keyFile) {
    throw new ConfigError(
      'NODE_ENV=production needs KEY_ENCRYPTION_KEY (or KEY_ENCRYPTION_KEY_FILE): the 32-byte key, hex or base64, that encrypts ' +
        'merchant private keys in the database. Make one with `openssl rand -hex 32` and keep it out of the database and its backups.',
    );
  }
}

export function parseDatabaseSettings(env: NodeJS.ProcessEnv = process.env): DatabaseSettings {
  const settings = parseModels(DATABASE_MODELS, env);
  checkKeyEncryption(settings);
  return settings;
}

/** The merchant the gateway's TARSPAY_* variables configure (src/start/configured-merchant.ts applies its keys at start); the CLI warns when it rotates that one's key. */
export type ConfiguredMerchantSettings = z.output<typeof configuredMerchantModel>;

export function parseConfiguredMerchantSettings(env: NodeJS.ProcessEnv = process.env): ConfiguredMerchantSettings {
  return parseModels({ configuredMerchant: configuredMerchantModel }, env).configuredMerchant;
}

/** `${DATA_DIR}/pglite`: the embedded database's files, used when DATABASE_URL is unset. */
export function embeddedDatabaseDir(database: Config['database']): string {
  return join(database.dataDir, 'pglite');
}

export function parseEnvironment(env: NodeJS.ProcessEnv = process.env): Config {
  const renamed = Object.keys(RENAMED).filter((name) => env[name] !== undefined && env[name] !== '');
  if (renamed.length) {
    const hints = renamed.map((name) => `${name} is now ${RENAMED[name]} (cost units: a mutation field costs 1, see docs/GUARANTEES.md)`);
    throw new ConfigError(`invalid configuration:\n  ${hints.join('\n  ')}`);
  }
  const parsed = parseModels(GATEWAY_MODELS, env);
  const development = !parsed.runtime.production;
  const config: Config = {
    ...parsed,
    graphql: { ...parsed.graphql, graphiql: parsed.graphql.graphiql ?? development, introspection: parsed.graphql.introspection ?? development },
  };
  checkKeyEncryption(config);
  const { schedule } = config.reconciliation;
  if (schedule.backoffMaxMs < schedule.backoffFirstMs) {
    throw new ConfigError(
      `RECONCILE_BACKOFF_MAX_MS: ${schedule.backoffMaxMs} is below RECONCILE_BACKOFF_FIRST_MS (${schedule.backoffFirstMs}): the longest delay must be at least the first`,
    );
  }
  const { retry } = config.webhooks;
  if (retry.maxDelayMs < retry.firstMs) {
    throw new ConfigError(
      `WEBHOOK_RETRY_MAX_DELAY_MS: ${retry.maxDelayMs} is below WEBHOOK_RETRY_FIRST_MS (${retry.firstMs}): the longest delay must be at least the first`,
    );
  }
  if (config.metrics.port && config.metrics.port === config.http.port) {
    throw new ConfigError(`METRICS_PORT: ${config.metrics.port} is PORT too: give /metrics a port of its own (or unset METRICS_PORT)`);
  }
  const { tarspay } = config;
  if (tarspay.baseUrl) {
    const missing = [
      ...(tarspay.merchantNo ? [] : ['TARSPAY_MERCHANT_NO']),
      ...(tarspay.platformPublicKey ? [] : ['TARSPAY_PLATFORM_PUBLIC_KEY']),
      ...(tarspay.privateKey || tarspay.privateKeyFile ? [] : ['TARSPAY_PRIVATE_KEY (or TARSPAY_PRIVATE_KEY_FILE)']),
    ];
    if (missing.length) throw new ConfigError(`TARSPAY_BASE_URL is set, so these are needed too: ${missing.join(', ')}`);
  }
  return config;
}
