import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
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
/**
 * Set for the work an HTTP request causes: statements are counted for the requests being measured,
 * not for what the gateway does meanwhile on its own (the event sequencer's and webhook sender's sweeps).
 */
const inRequest = new AsyncLocalStorage<true>();
subscribe('http.server.request.start', () => inRequest.enterWith(true));
let profiler: Session | undefined;
let statements: string[] = [];

const config = parseEnvironment();
// Info level as in production, written nowhere: the formatting is paid, the terminal is not.
const logger = createLogger({ level: config.log.level, destination: pino.destination({ dest: '/dev/null', sync: true }) });
const gateway = await startGateway({
  config,
  databaseUrl: required('BENCH_DATABASE_URL'),
  tarspayBaseUrl: required('BENCH_SANDBOX_URL'),
  sandboxUrl: required('BENCH_SANDBOX_URL'),
  logger,
  poolMax: Number(process.env.BENCH_POOL_MAX ?? 10),
  onQuery: (sql) => {
    if (recording && inRequest.getStore()) statements.push(sql);
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
    return { rss: usage.rss, heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external, arrayBuffers: usage.arrayBuffers };
  },
  /** Where the RSS is: V8's heap spaces, and the process's largest mappings (from /proc/self/smaps), in MB. */
  'memory:detail'() {
    const mb = (bytes: number) => Math.round(bytes / 2 ** 17) / 8;
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name, mb(space.space_size)]));
    const status = readFileSync('/proc/self/status', 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) / 1024;
    const mappings: Array<{ name: string; rss: number }> = [];
    let current: { name: string; rss: number } | undefined;
    for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
      const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (header) mappings.push((current = { name: header[1] || '[anonymous]', rss: 0 }));
      else if (current && line.startsWith('Rss:')) current.rss += Number(line.split(/\s+/)[1]) / 1024;
    }
    const byName = new Map<string, { rss: number; count: number }>();
    for (const mapping of mappings) {
      const entry = byName.get(mapping.name) ?? { rss: 0, count: 0 };
      entry.rss += mapping.rss;
      entry.count += 1;
      byName.set(mapping.name, entry);
    }
    return {
      spaces,
      rss_anon_mb: field('RssAnon'),
      rss_file_mb: field('RssFile'),
      threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1]),
      largest_anonymous_mb: mappings
        .filter((mapping) => mapping.name === '[anonymous]')
        .map((mapping) => Math.round(mapping.rss))
        .sort((a, b) => b - a)
        .slice(0, 12),
      mappings: [...byName]
        .map(([name, entry]) => ({ name, rss_mb: Math.round(entry.rss), count: entry.count }))
        .sort((a, b) => b.rss_mb - a.rss_mb)
        .slice(0, 8),
    };
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
  /** What allocates (garbage included), sampled: `heap-sampling:start`, load, `heap-sampling:stop` writes a .heapprofile. */
  async 'heap-sampling:start'() {
    profiler ??= new Session();
    profiler.connect();
    await profiler.post('HeapProfiler.enable');
    // Every 32 KB allocated on average; objects collected since stay in the profile (the garbage is the point).
    await profiler.post('HeapProfiler.startSampling', {
      samplingInterval: 32_768,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    return null;
  },
  async 'heap-sampling:stop'(message) {
    const { profile } = await profiler!.post('HeapProfiler.stopSampling');
    writeFileSync(String(message.path ?? 'gateway.heapprofile'), JSON.stringify(profile));
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
