import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { writeHeapSnapshot } from 'node:v8';
import pino from 'pino';
import { startGateway } from '../src/app.js';
import { SCOPES } from '../src/auth/scopes.js';
import { authCache, createApiToken } from '../src/auth/tokens.js';
import { parseEnvironment } from '../src/config.js';
import { createLogger } from '../src/observability/logger.js';
import { upsertMerchant } from '../src/merchants/merchant.service.js';

/**
 * The gateway under test, in a process of its own (so that its RSS and its CPU are its own, and the
 * load generator does not share its event loop). Started by bench/run.ts with BENCH_* variables;
 * prints one `BENCH_GATEWAY_READY {json}` line, then answers commands over IPC.
 */

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: this script is started by bench/run.ts`);
  return value;
}

let recording = false;
let profiler: Session | undefined;
let statements: string[] = [];

const config = parseEnvironment();
// Info level as in production, written nowhere: the formatting is paid, the terminal is not.
const logger = createLogger({ level: config.LOG_LEVEL, destination: pino.destination({ dest: '/dev/null', sync: true }) });
const gateway = await startGateway({
  config,
  databaseUrl: required('BENCH_DATABASE_URL'),
  tarspayBaseUrl: required('BENCH_SANDBOX_URL'),
  sandboxUrl: required('BENCH_SANDBOX_URL'),
  logger,
  poolMax: Number(process.env.BENCH_POOL_MAX ?? 10),
  onQuery: (sql) => {
    if (recording) statements.push(sql);
  },
});
const em = gateway.orm.em.fork();
const merchant = await upsertMerchant(em, gateway.keyRing, {
  mchNo: required('BENCH_MERCHANT_NO'),
  privateKeyHex: required('BENCH_MERCHANT_KEY'),
  platformPublicKey: required('BENCH_PLATFORM_PUBLIC_KEY'),
});
const { token } = await createApiToken(em, { merchant, name: 'bench', scopes: SCOPES });

type Command = { id: number; command: string; gc?: boolean; path?: string };

const handlers: Record<string, (message: Command) => unknown> = {
  memory(message) {
    if (message.gc && globalThis.gc) {
      globalThis.gc();
      globalThis.gc();
    }
    const usage = process.memoryUsage();
    return { rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external };
  },
  /** For finding where the time goes: `profile:start`, load, `profile:stop` writes a .cpuprofile. */
  async 'profile:start'() {
    profiler ??= new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
    return null;
  },
  async 'profile:stop'(message) {
    const { profile } = await profiler!.post('Profiler.stop');
    writeFileSync(String((message as { path?: string }).path ?? 'gateway.cpuprofile'), JSON.stringify(profile));
    profiler!.disconnect();
    return null;
  },
  /** Forgets every cached token lookup: the next request looks its token up in the database. */
  'auth-cache:clear'() {
    authCache.clear();
    return null;
  },
  /** Writes a heap snapshot (after a full collection) to `path`, for finding what holds memory. */
  'heap:snapshot'(message) {
    globalThis.gc?.();
    return writeHeapSnapshot(String(message.path ?? 'gateway.heapsnapshot'));
  },
  cpu() {
    return process.cpuUsage();
  },
  'queries:start'() {
    statements = [];
    recording = true;
    return null;
  },
  'queries:stop'() {
    recording = false;
    return { count: statements.length, statements };
  },
  async close() {
    await gateway.close();
    return null;
  },
};

process.on('message', (message: Command) => {
  void (async () => {
    try {
      const result = await handlers[message.command]!(message);
      process.send!({ id: message.id, result });
      if (message.command === 'close') process.disconnect();
    } catch (error) {
      process.send!({ id: message.id, error: (error as Error).stack ?? String(error) });
    }
  })();
});
process.once('SIGTERM', () => {
  void gateway.close().finally(() => process.exit(0));
});
process.once('disconnect', () => {
  // The bench went away: do not linger.
  void gateway.close().finally(() => process.exit(0));
});

console.log(`BENCH_GATEWAY_READY ${JSON.stringify({ url: gateway.url, token, merchantId: merchant.id, pid: process.pid })}`);
