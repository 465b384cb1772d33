import { ConfigError, embeddedDatabaseDir, parseEnvironment } from './config.js';
import { resolveDatabase } from './db/database-url.js';
import { createLogger } from './logger.js';
import { resolveKeyRing } from './merchants/key-encryption-config.js';
import { MerchantKeyError } from './merchants/merchant-keys.js';
import { SandboxConfigError } from './sandbox/options.js';
import type { Sandbox } from './sandbox/server.js';
import { StartupPhases } from './startup-phases.js';

/** The gateway's own code: loaded while the database starts (`import` above would load it first, then start the database). */
function loadGatewayCode() {
  return Promise.all([import('./app.js'), import('./bootstrap.js'), import('./sandbox/server.js'), import('./sandbox/config.js')]);
}

/** `npm start`: zero setup. No DATABASE_URL → embedded PostgreSQL in DATA_DIR; no TARSPAY_BASE_URL → the sandbox in process. */
async function main(): Promise<void> {
  const phases = new StartupPhases();
  const config = await phases.time('config', () => parseEnvironment());
  const logger = createLogger({ level: config.LOG_LEVEL });
  const { keyRing, source: keySource, notice: keyNotice } = await phases.time('keyring', () => resolveKeyRing(config));
  if (keyNotice) logger.warn(keyNotice);

  const codeAndSandbox = phases.time('code', loadGatewayCode).then(async ([app, bootstrap, { startSandbox }, { sandboxOptionsFromEnv }]) => {
    let sandbox: Sandbox | null = null;
    if (!config.TARSPAY_BASE_URL) {
      const sandboxLogger = logger.child({ component: 'sandbox' });
      // In process it takes a free loopback port; SANDBOX_PORT/HOST are for `npm run sandbox`.
      sandbox = await phases.time('sandbox', () =>
        startSandbox({
          ...sandboxOptionsFromEnv(),
          host: '127.0.0.1',
          port: 0,
          log: (level, msg, fields) => sandboxLogger[level](fields ?? {}, msg),
        }),
      );
    }
    return { app, bootstrap, sandbox };
  });
  const [database, { app, bootstrap, sandbox }] = await Promise.all([
    phases.time('database', () => resolveDatabase({ databaseUrl: config.DATABASE_URL, dataDir: embeddedDatabaseDir(config) })),
    codeAndSandbox,
  ]);
  const { createDemoToken, createDevelopmentToken, ensureConfiguredMerchant } = bootstrap;
  const gateway = await app.startGateway({
    phases,
    config,
    databaseUrl: database.url,
    tarspayBaseUrl: config.TARSPAY_BASE_URL ?? sandbox!.url,
    sandboxUrl: sandbox?.url ?? (config.TARSPAY_SANDBOX ? config.TARSPAY_BASE_URL! : null),
    logger,
    poolMax: database.embedded ? 10 : undefined,
    keyRing,
  });
  const em = gateway.orm.em.fork();
  const merchant = await phases.time('merchant', () => ensureConfiguredMerchant(em, keyRing, config, sandbox?.platformPublicKey ?? null));
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
    const { token, demoToken } = await phases.time('tokens', async () => ({
      token: await createDevelopmentToken(em, merchant),
      demoToken: await createDemoToken(em, merchant),
    }));
    // The demo's merchant token stays in this process: the page gets client secrets only.
    if (gateway.demo) gateway.demo.merchantToken = demoToken;
    lines.push('', "  Development token (every scope; paste into GraphiQL's Headers tab):", `  {"Authorization": "Bearer ${token}"}`);
    lines.push('', `  Demo checkout (the browser holds an order's client secret, never a token): ${gateway.publicUrl}/demo`);
  }
  const readyMs = phases.elapsedMs();
  logger.info({ phases: phases.toJSON(), readyMs }, `start phases: ${phases.toString()}`);
  lines.push('', `  ready in ${readyMs} ms`);
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
