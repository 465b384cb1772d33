import { randomBytes } from 'node:crypto';
import { createScratchDatabase } from '../../src/db/scratch-database.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { IpcPeer, startTsx, type Child } from './processes.js';

/**
 * What the scenarios run against: a database (a fresh one on the DATABASE_URL server, dropped at
 * the end; else the embedded PGlite in a process of its own), the sandbox as its own process
 * (`src/sandbox/main.ts`, what `npm run sandbox` runs) and the gateway as its own process.
 */

export interface BenchEnvironment {
  /** `pid`: the embedded database's process (PGlite), whose CPU the scenarios can read. */
  database: { kind: 'postgresql' | 'pglite'; url: string; pid?: number };
  sandbox: { url: string; platformKey: PrivateKey; pid: number };
  gateway: { url: string; token: string; merchantId: string; mchNo: string; pid: number; ipc: IpcPeer };
  /** A second merchant, known to the sandbox only: the bare floor's caller. */
  bareMerchant: { mchNo: string; key: PrivateKey };
  /**
   * Stops the gateway process and starts a fresh one on the same database, merchant and keys (a new
   * token, url and pid): `gateway` is updated in place. For figures that need a gateway with
   * nothing else in its heap yet.
   */
  restartGateway(): Promise<void>;
  /**
   * Starts collectionCreate's floor (bench/handwritten-create-process.ts) on the same database,
   * sandbox, merchant and key; it takes the gateway's token. Stopped by close().
   */
  startHandwrittenCreate(): Promise<{ url: string; pid: number }>;
  close(): Promise<void>;
}

/**
 * A database of the bench's own: a scratch one named `prefix`_… on DATABASE_URL's server, dropped by
 * `drop()`; else the embedded PGlite in a process of its own (`child`), stopped by `drop()`.
 */
export async function startDatabase(prefix: string): Promise<{ kind: 'postgresql' | 'pglite'; url: string; child?: Child; drop(): Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    const scratch = await createScratchDatabase(serverUrl, prefix);
    return { kind: 'postgresql', url: scratch.url, drop: scratch.drop };
  }
  const { child, match } = await startTsx({
    name: 'embedded database',
    script: 'bench/database-process.ts',
    env: {},
    ready: /^BENCH_DATABASE_READY (\S+)/,
    ipc: true,
  });
  return { kind: 'pglite', url: match[1]!, child, drop: () => child.stop() };
}

export async function startEnvironment(options: { poolMax: number }): Promise<BenchEnvironment> {
  const children: Child[] = [];
  const killAll = () => {
    for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL');
  };
  process.once('exit', killAll);
  let dropDatabase = async () => {};
  try {
    const database = await startDatabase('tpg_bench');
    // The embedded database's process is stopped with the others, last: dropping it then is a no-op.
    if (database.child) children.push(database.child);
    dropDatabase = () => database.drop();

    const platformKey = PrivateKey.generate();
    const merchantKey = PrivateKey.generate();
    const bareKey = PrivateKey.generate();
    const mchNo = 'M1700000001';
    const bareMchNo = 'M1700000002';
    const sandbox = await startTsx({
      name: 'sandbox',
      script: 'src/sandbox/main.ts',
      env: {
        SANDBOX_PORT: '0',
        SANDBOX_HOST: '127.0.0.1',
        SANDBOX_PLATFORM_PRIVATE_KEY: platformKey.revealHex(),
        SANDBOX_MERCHANTS: `${mchNo}:${merchantKey.publicKeyHex},${bareMchNo}:${bareKey.publicKeyHex}`,
        SANDBOX_INITIAL_BALANCE: '900000000000000',
        // Nonces are checked for freshness only; the bench's clocks are the same clock, but a
        // loaded machine should not turn a slow request into a refused one.
        SANDBOX_NONCE_WINDOW_MS: '0',
        SANDBOX_ORDER_EXPIRY_MS: '0',
      },
      ready: /listening on (http:\/\/\S+)/,
    });
    children.push(sandbox.child);
    const sandboxUrl = sandbox.match[1]!;

    // One key for every gateway process of the run: a restarted gateway reads what the first one sealed.
    const keyEncryptionKey = randomBytes(32).toString('hex');
    const startGatewayProcess = async () => {
      const started = await startTsx({
        name: 'gateway',
        script: 'bench/gateway-process.ts',
        nodeArgs: ['--expose-gc', ...(process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
        ipc: true,
        env: {
          NODE_ENV: 'production',
          // Production refuses to start without one: a throwaway key for the throwaway database.
          KEY_ENCRYPTION_KEY: keyEncryptionKey,
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'info',
          // The reconciler would add statements of its own to the counts; nothing here needs it.
          RECONCILE_INTERVAL_MS: '0',
          // One process, in-process pub/sub (what the figures are about), whatever REDIS_URL the shell has; BENCH_REDIS_URL to measure with Redis.
          REDIS_URL: process.env.BENCH_REDIS_URL ?? '',
          // The bench is one token sending thousands of operations over thousands of connections:
          // the rate limits and the per-token connection cap would refuse them.
          RATE_LIMIT_TOKEN_PER_SECOND: '0',
          RATE_LIMIT_MERCHANT_PER_SECOND: '0',
          WS_MAX_CONNECTIONS_PER_TOKEN: '0',
          // The webhooks scenario's receiver listens on 127.0.0.1, over plain http.
          WEBHOOK_ALLOW_PRIVATE: 'true',
          BENCH_DATABASE_URL: database.url,
          BENCH_SANDBOX_URL: sandboxUrl,
          BENCH_MERCHANT_NO: mchNo,
          BENCH_MERCHANT_KEY: merchantKey.revealHex(),
          BENCH_PLATFORM_PUBLIC_KEY: platformKey.publicKeyHex,
          BENCH_POOL_MAX: String(options.poolMax),
        },
        ready: /^BENCH_GATEWAY_READY (\{.*\})$/,
      });
      children.push(started.child);
      const ready = JSON.parse(started.match[1]!) as { url: string; token: string; merchantId: string; pid: number };
      return { child: started.child, gateway: { ...ready, mchNo, ipc: new IpcPeer(started.child.process) } };
    };
    let current = await startGatewayProcess();
    const gateway = current.gateway;

    let closing: Promise<void> | undefined;
    return {
      database: { kind: database.kind, url: database.url, pid: database.child?.process.pid },
      sandbox: { url: sandboxUrl, platformKey, pid: sandbox.child.process.pid! },
      gateway,
      bareMerchant: { mchNo: bareMchNo, key: bareKey },
      async startHandwrittenCreate() {
        const started = await startTsx({
          name: 'handwritten create',
          script: 'bench/handwritten-create-process.ts',
          env: {
            BENCH_DATABASE_URL: database.url,
            BENCH_SANDBOX_URL: sandboxUrl,
            BENCH_PUBLIC_URL: gateway.url,
            BENCH_MERCHANT_KEY: merchantKey.revealHex(),
            BENCH_PLATFORM_PUBLIC_KEY: platformKey.publicKeyHex,
            BENCH_POOL_MAX: String(options.poolMax),
          },
          ready: /^BENCH_HANDWRITTEN_READY (\{.*\})$/,
        });
        children.push(started.child);
        return JSON.parse(started.match[1]!) as { url: string; pid: number };
      },
      async restartGateway() {
        await current.gateway.ipc.call('close').catch(() => {});
        await current.child.stop();
        children.splice(children.indexOf(current.child), 1);
        current = await startGatewayProcess();
        Object.assign(gateway, current.gateway);
      },
      close() {
        closing ??= (async () => {
          await current.gateway.ipc.call('close').catch(() => {});
          for (const child of [...children].reverse()) await child.stop();
          await dropDatabase();
          process.off('exit', killAll);
        })();
        return closing;
      },
    };
  } catch (error) {
    for (const child of [...children].reverse()) await child.stop();
    await dropDatabase().catch(() => {});
    process.off('exit', killAll);
    throw error;
  }
}
