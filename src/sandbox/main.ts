import { PrivateKey } from '../tarspay/signer.js';
import { sandboxOptionsFromEnv } from './config.js';
import type { SandboxLogger } from './options.js';
import { startSandbox } from './server.js';

/** `npm run sandbox`: the TarsPay sandbox alone, configured by SANDBOX_* variables (src/sandbox/README.md). */

function consoleLog(debug: boolean): SandboxLogger {
  return (level, msg, fields) => {
    if (level === 'debug' && !debug) return;
    const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}`;
    (level === 'error' || level === 'warn' ? console.error : console.log)(line);
  };
}

async function main(): Promise<void> {
  const { debug, ...config } = sandboxOptionsFromEnv();
  let generatedKey: PrivateKey | undefined;
  if (!config.platformPrivateKey) {
    generatedKey = PrivateKey.generate();
    config.platformPrivateKey = generatedKey.revealHex();
  }
  const sandbox = await startSandbox({ ...config, log: consoleLog(debug) });

  console.log(`TarsPay sandbox listening on ${sandbox.url} (state is in memory: it is lost on restart)`);
  console.log(`  platform public key (TARSPAY_PLATFORM_PUBLIC_KEY): ${sandbox.platformPublicKey}`);
  if (generatedKey) {
    console.log('  the platform key was generated for this run: set SANDBOX_PLATFORM_PRIVATE_KEY to keep it across restarts;');
    console.log(`  its private key (a sandbox key, shown this once): ${generatedKey.revealHex()}`);
  }
  const merchants = sandbox.merchants();
  if (merchants.length === 0) {
    console.log('  no merchants registered: set SANDBOX_MERCHANTS=mchNo:publicKeyHex[,mchNo:publicKeyHex]');
  }
  for (const merchant of merchants) {
    console.log(`  merchant ${merchant.mchNo}  key ${merchant.publicKey}  available ${merchant.availableAmount} IDR`);
  }
  console.log(`  control: POST ${sandbox.url}/sandbox/orders/{payOrderId}/settle, GET ${sandbox.url}/sandbox/orders/{payOrderId}`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing the sandbox`);
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
