import { embeddedDatabaseDir, parseEnvironment } from './config.js';
import { resolveDatabase } from './db/database-url.js';
import { reservePort } from './http/listen.js';
import { createLogger } from './observability/logger.js';
import { resolveKeyRing } from './merchants/key-encryption-config.js';
import { checkProductionStart } from './start/production-guard.js';
import type { Sandbox } from './sandbox/server.js';
import { StartupPhases } from './start/phases.js';

/** The gateway's own code: loaded while the database starts (`import` above would load it first, then start the database). */
function loadGatewayCode() {
  return Promise.all([
    import('./app.js'),
    import('./start/configured-merchant.js'),
    import('./sandbox/server.js'),
    import('./sandbox/config.js'),
    import('./start/development-tokens.js'),
    import('./merchants/key-check.js'),
  ]);
}

/**
 * `npm start`: zero setup. No DATABASE_URL → embedded PostgreSQL in DATA_DIR; no TARSPAY_BASE_URL →
 * the sandbox in process (in production only with TARSPAY_SANDBOX=true: src/start/production-guard.ts).
 */
async function main(): Promise<void> {
  const phases = new StartupPhases();
  const config = await phases.time('config', () => parseEnvironment());
  checkProductionStart(config);
  const development = config.NODE_ENV !== 'production';
  const logger = createLogger({ level: config.LOG_LEVEL });
  const { keyRing, source: keySource, notice: keyNotice } = await phases.time('keyring', () => resolveKeyRing(config));
  if (keyNotice) logger.warn(keyNotice);
  // The port first: one in use fails now, not after the database and migrations.
  const server = await phases.time('listen', () => reservePort({ port: config.PORT, host: config.HOST }));

  const codeAndSandbox = phases.time('code', loadGatewayCode).then(async ([app, bootstrap, { startSandbox }, { sandboxOptionsFromEnv }, tokens, keyCheck]) => {
    bootstrap.configuredPrivateKey(config); // a bad TARSPAY_PRIVATE_KEY(_FILE) stops the start before the database
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
    return { app, bootstrap, sandbox, tokens, keyCheck };
  });
  const [database, { app, bootstrap, sandbox, tokens, keyCheck }] = await Promise.all([
    phases.time('database', () => resolveDatabase({ databaseUrl: config.DATABASE_URL, dataDir: embeddedDatabaseDir(config) })),
    codeAndSandbox,
  ]);
  const { ensureConfiguredMerchant } = bootstrap;
  const gateway = await app.startGateway({
    phases,
    config,
    databaseUrl: database.url,
    tarspayBaseUrl: config.TARSPAY_BASE_URL ?? sandbox!.url,
    sandboxUrl: sandbox?.url ?? (config.TARSPAY_SANDBOX ? config.TARSPAY_BASE_URL! : null),
    logger,
    // Two pools of this size (the ORM's and the hot paths' SQL) stay under the embedded server's 20 connections, with some to spare for the CLI.
    poolMax: database.embedded ? 6 : undefined,
    keyRing,
    server,
  });
  const em = gateway.orm.em.fork();
  const merchant = await phases.time('merchant', () => ensureConfiguredMerchant(em, keyRing, config, sandbox?.platformPublicKey ?? null));
  gateway.services.upstream.forget(merchant.id);
  sandbox?.registerMerchant({ mchNo: merchant.mchNo, publicKey: merchant.publicKey });
  if (!sandbox) {
    // In the background: a start never waits on TarsPay; a key it refuses is said plainly.
    const keyVariable = config.TARSPAY_PRIVATE_KEY_FILE && !config.TARSPAY_PRIVATE_KEY ? 'TARSPAY_PRIVATE_KEY_FILE' : 'TARSPAY_PRIVATE_KEY';
    void keyCheck.checkMerchantCredentials(gateway.services.upstream, merchant, keyVariable).then((warning) => warning && logger.warn(warning));
  }

  const lines = [
    '',
    `  TarsPay GraphQL gateway on ${gateway.publicUrl}`,
    `  ${gateway.graphiql ? 'GraphQL + GraphiQL: ' : 'GraphQL:           '} ${gateway.publicUrl}/graphql`,
    `  TarsPay callbacks:   ${gateway.publicUrl}/tarspay/notify`,
    `  database:            ${database.embedded || !config.DATABASE_URL ? `embedded PostgreSQL (${embeddedDatabaseDir(config)})` : 'DATABASE_URL'}`,
    `  upstream:            ${sandbox ? `TarsPay sandbox in process (${sandbox.url})` : config.TARSPAY_BASE_URL}`,
    `  merchant:            ${merchant.mchNo} (public key ${merchant.publicKey}, key version ${merchant.keyVersion})`,
    `  private keys:        encrypted with key-encryption key ${keyRing.currentKeyId} from ${keySource}`,
  ];
  if (gateway.metricsUrl) lines.push(`  metrics:             ${gateway.metricsUrl}/metrics`);
  if (keyNotice) lines.push(`  ${keyNotice}`);
  // Development only: production never makes or prints a token at start (`npm run cli -- token create`).
  if (sandbox && development) {
    const kept = await phases.time('tokens', () => tokens.ensureDevelopmentTokens(em, merchant, config.DATA_DIR));
    const where = tokens.developmentTokensPath(config.DATA_DIR);
    // The demo's merchant token stays in this process: the page gets client secrets only.
    if (gateway.demo) gateway.demo.merchantToken = kept.demo;
    lines.push('', `  Development token (every scope, reused at each start, kept in ${where}; paste into GraphiQL's Headers tab):`);
    lines.push(`  {"Authorization": "Bearer ${kept.development}"}`);
    if (gateway.graphiql) lines.push('', `  Demo checkout (the browser holds an order's client secret, never a token): ${gateway.publicUrl}/demo`);
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

main().catch(async (error: unknown) => {
  // A configuration, database or key problem is one line saying what to do; anything else is a bug: its stack.
  const { startFailureMessage } = await import('./start/failure-message.js');
  console.error(startFailureMessage(error) ?? error);
  process.exit(1);
});
