import { startGateway } from './app.js';
import { createDemoToken, createDevelopmentToken, ensureConfiguredMerchant } from './bootstrap.js';
import { ConfigError, embeddedDatabaseDir, parseEnvironment } from './config.js';
import { resolveDatabase } from './db/database-url.js';
import { createLogger } from './logger.js';
import { resolveKeyRing } from './merchants/key-encryption-config.js';
import { MerchantKeyError } from './merchants/merchant-keys.js';
import { sandboxOptionsFromEnv } from './sandbox/config.js';
import { SandboxConfigError } from './sandbox/options.js';
import { startSandbox, type Sandbox } from './sandbox/server.js';

/** `npm start`: zero setup. No DATABASE_URL → embedded PostgreSQL in DATA_DIR; no TARSPAY_BASE_URL → the sandbox in process. */
async function main(): Promise<void> {
  const config = parseEnvironment();
  const logger = createLogger({ level: config.LOG_LEVEL });
  const { keyRing, source: keySource, notice: keyNotice } = resolveKeyRing(config);
  if (keyNotice) logger.warn(keyNotice);
  const database = await resolveDatabase({ databaseUrl: config.DATABASE_URL, dataDir: embeddedDatabaseDir(config) });
  let sandbox: Sandbox | null = null;
  if (!config.TARSPAY_BASE_URL) {
    const sandboxLogger = logger.child({ component: 'sandbox' });
    // In process it takes a free loopback port; SANDBOX_PORT/HOST are for `npm run sandbox`.
    // src/sandbox/config.ts reads the SANDBOX_* variables (the sandbox imports nothing of the gateway).
    sandbox = await startSandbox({
      ...sandboxOptionsFromEnv(),
      host: '127.0.0.1',
      port: 0,
      log: (level, msg, fields) => sandboxLogger[level](fields ?? {}, msg),
    });
  }
  const gateway = await startGateway({
    config,
    databaseUrl: database.url,
    tarspayBaseUrl: config.TARSPAY_BASE_URL ?? sandbox!.url,
    sandboxUrl: sandbox?.url ?? (config.TARSPAY_SANDBOX ? config.TARSPAY_BASE_URL! : null),
    logger,
    poolMax: database.embedded ? 10 : undefined,
    keyRing,
  });
  const em = gateway.orm.em.fork();
  const merchant = await ensureConfiguredMerchant(em, keyRing, config, sandbox?.platformPublicKey ?? null);
  gateway.services.upstream.forget(merchant.id);
  sandbox?.registerMerchant({ mchNo: merchant.mchNo, publicKey: merchant.publicKey });

  const lines = [
    '',
    `  TarsPay GraphQL gateway on ${gateway.publicUrl}`,
    `  GraphQL + GraphiQL:  ${gateway.publicUrl}/graphql`,
    `  TarsPay callbacks:   ${gateway.publicUrl}/tarspay/notify`,
    `  database:            ${database.embedded || !config.DATABASE_URL ? `embedded PostgreSQL (${embeddedDatabaseDir(config)})` : 'DATABASE_URL'}`,
    `  upstream:            ${sandbox ? `TarsPay sandbox in process (${sandbox.url})` : config.TARSPAY_BASE_URL}`,
    `  merchant:            ${merchant.mchNo} (public key ${merchant.publicKey}, key version ${merchant.keyVersion})`,
    `  private keys:        encrypted with key-encryption key ${keyRing.currentKeyId} from ${keySource}`,
  ];
  if (gateway.metricsUrl) lines.push(`  metrics:             ${gateway.metricsUrl}/metrics`);
  if (keyNotice) lines.push(`  ${keyNotice}`);
  if (sandbox) {
    const token = await createDevelopmentToken(em, merchant);
    lines.push('', "  Development token (every scope; paste into GraphiQL's Headers tab):", `  {"Authorization": "Bearer ${token}"}`);
    const demoToken = await createDemoToken(em, merchant);
    lines.push('', `  Demo checkout (a collections:write,orders:read token, trusted documents only): ${gateway.publicUrl}/demo?token=${demoToken}`);
  }
  console.log(`${lines.join('\n')}\n`);

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await gateway.close();
    await sandbox?.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof SandboxConfigError || error instanceof MerchantKeyError) console.error(error.message);
  else console.error('the gateway could not start:', error);
  process.exit(1);
});
