import { TarsPayClient } from '../../src/tarspay/client.js';
import type { BenchEnvironment } from '../lib/environment.js';
import { createCollection, type CreatedOrder } from '../lib/graphql.js';
import { processCpuMs } from '../lib/processes.js';
import { closedLoop, round, summarize } from '../lib/stats.js';

/**
 * The whole mutation over HTTP (auth, validation, PostgreSQL writes, the signed call to the
 * sandbox, the response) against the floor it cannot beat: the same signed create sent straight to
 * the same sandbox by TarsPayClient (signing, the HTTP call, checking the answer's sign), at the
 * same concurrency from the same load generator. Windows alternate so drift hits both.
 */

export interface CollectionCreateResult {
  concurrency: number;
  p50_ms: number;
  p99_ms: number;
  per_s: number;
  bare_p50_ms: number;
  bare_p99_ms: number;
  bare_per_s: number;
  latency_ratio: number;
  throughput_ratio: number;
  /**
   * The gateway's own CPU per create ÷ the floor's: what the bare path costs (the sandbox plus the
   * signing client, per request of the bare run). The work the gateway adds is the gateway
   * process's CPU; its sandbox and client CPU are the floor's work done again.
   */
  cpu_ratio: number;
  requests: number;
  bare_requests: number;
  /** CPU per request of each process (ms, all threads): where the time of a create goes. */
  cpu_ms_per_request: { gateway: number; sandbox: number; load_generator: number; embedded_database?: number };
  bare_cpu_ms_per_request: { sandbox: number; load_generator: number };
}

export async function runCollectionCreate(
  env: BenchEnvironment,
  options: { concurrency: number; warmupMs: number; windowMs: number; windows: number; runId: string },
): Promise<{ result: CollectionCreateResult; orders: CreatedOrder[] }> {
  const { gateway, sandbox, bareMerchant } = env;
  const orders: CreatedOrder[] = [];
  let sequence = 0;
  const viaGateway = async () => {
    orders.push(await createCollection(gateway.url, gateway.token, `CC-${options.runId}-${++sequence}`));
  };
  const bareClient = new TarsPayClient({
    baseUrl: sandbox.url,
    merchantNo: bareMerchant.mchNo,
    privateKey: bareMerchant.key,
    platformPublicKey: sandbox.platformKey.publicKeyHex,
    responseSignMode: 'log',
    onWarning: (message) => {
      throw new Error(message);
    },
  });
  const gatewayUrl = `${gateway.url}/tarspay/notify`;
  const bare = async () => {
    const answer = await bareClient.createCollection({
      mchOrderNo: `CB-${options.runId}-${++sequence}`,
      wayCode: 'BANK_BCA',
      amount: '150000',
      subject: 'Order 1001',
      body: 'Two items',
      notifyUrl: gatewayUrl,
      returnUrl: `${gateway.url}/return`,
      customerName: 'Budi Santoso',
      customerEmail: 'budi@example.co.id',
      customerContact: '081234567890',
    });
    if (answer.status !== 'CREATED') throw new Error(`bare create answered ${answer.status}`);
  };

  await closedLoop({ concurrency: options.concurrency, durationMs: options.warmupMs, request: viaGateway });
  await closedLoop({ concurrency: options.concurrency, durationMs: options.warmupMs, request: bare });

  const newTally = () => ({ latencies: [] as number[], count: 0, seconds: 0, cpu: { gateway: 0, sandbox: 0, load_generator: 0, embedded_database: 0 } });
  const full = newTally();
  const floor = newTally();
  const cpuNow = () => {
    const own = process.cpuUsage();
    return {
      gateway: processCpuMs(gateway.pid),
      sandbox: processCpuMs(sandbox.pid),
      load_generator: (own.user + own.system) / 1000,
      // PostgreSQL's backends are other processes (and other databases' too): only PGlite is counted.
      embedded_database: env.database.pid ? processCpuMs(env.database.pid) : 0,
    };
  };
  for (let window = 0; window < options.windows; window++) {
    for (const [target, request] of window % 2 === 0
      ? ([
          [full, viaGateway],
          [floor, bare],
        ] as const)
      : ([
          [floor, bare],
          [full, viaGateway],
        ] as const)) {
      const before = cpuNow();
      const run = await closedLoop({ concurrency: options.concurrency, durationMs: options.windowMs, request });
      const after = cpuNow();
      if (run.failures) throw new Error(`collectionCreate: ${run.failures} requests failed, first: ${run.firstFailure}`);
      target.latencies.push(...run.latenciesMs);
      target.count += run.latenciesMs.length;
      target.seconds += run.latenciesMs.length / run.perSecond;
      for (const name of ['gateway', 'sandbox', 'load_generator', 'embedded_database'] as const) target.cpu[name] += after[name] - before[name];
    }
  }
  const perRequest = (tally: typeof full, name: keyof typeof full.cpu) => round(tally.cpu[name] / tally.count, 2);
  const fullSummary = summarize(full.latencies);
  const floorSummary = summarize(floor.latencies);
  const perS = full.count / full.seconds;
  const barePerS = floor.count / floor.seconds;
  const floorCpuPerRequest = (floor.cpu.sandbox + floor.cpu.load_generator) / floor.count;
  return {
    orders,
    result: {
      concurrency: options.concurrency,
      p50_ms: round(fullSummary.p50),
      p99_ms: round(fullSummary.p99),
      per_s: round(perS, 1),
      bare_p50_ms: round(floorSummary.p50),
      bare_p99_ms: round(floorSummary.p99),
      bare_per_s: round(barePerS, 1),
      latency_ratio: round(fullSummary.p50 / floorSummary.p50, 3),
      throughput_ratio: round(perS / barePerS, 3),
      cpu_ratio: round(full.cpu.gateway / full.count / floorCpuPerRequest, 3),
      requests: full.count,
      bare_requests: floor.count,
      cpu_ms_per_request: {
        gateway: perRequest(full, 'gateway'),
        sandbox: perRequest(full, 'sandbox'),
        load_generator: perRequest(full, 'load_generator'),
        ...(env.database.pid ? { embedded_database: perRequest(full, 'embedded_database') } : {}),
      },
      bare_cpu_ms_per_request: { sandbox: perRequest(floor, 'sandbox'), load_generator: perRequest(floor, 'load_generator') },
    },
  };
}
