import { TarsPayClient } from '../../src/tarspay/client.js';
import type { BenchEnvironment } from '../lib/environment.js';
import { collectionInput, createCollection, type CreatedOrder } from '../lib/graphql.js';
import { processCpuMs } from '../lib/processes.js';
import { closedLoop, round, summarize } from '../lib/stats.js';

/**
 * The whole mutation over HTTP (auth, validation, PostgreSQL writes, the signed call to the
 * sandbox, the response) against its floor: the same create written by hand as a plain node:http
 * handler (bench/handwritten-create-process.ts: token lookup, order insert, sign, call, update,
 * JSON), at the same concurrency from the same load generator. Also, printed only, the bare signed
 * call sent straight to the sandbox by TarsPayClient (the retired floor). Windows alternate so
 * drift hits every side.
 */

export interface CollectionCreateResult {
  concurrency: number;
  p50_ms: number;
  p99_ms: number;
  per_s: number;
  bare_p50_ms: number;
  bare_p99_ms: number;
  bare_per_s: number;
  /** The hand-written handler: creates per second, p50, p99, its process's CPU per create. */
  handwritten_per_s: number;
  handwritten_p50_ms: number;
  handwritten_p99_ms: number;
  handwritten_cpu_ms: number;
  handwritten_requests: number;
  /** Gateway CPU per create ÷ the hand-written handler's (goal ≤ 1.1). */
  handwritten_cpu_ratio: number;
  /** Gateway creates per second ÷ the hand-written handler's (goal ≥ 0.9). */
  handwritten_throughput_ratio: number;
  /** Against the bare signed call (retired goals, kept for comparison with earlier runs). */
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
  const handwritten = await env.startHandwrittenCreate();
  const byHand = async () => {
    const response = await fetch(`${handwritten.url}/collections`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${gateway.token}` },
      body: JSON.stringify({ input: collectionInput(`CH-${options.runId}-${++sequence}`) }),
    });
    const answer = (await response.json()) as { order?: CreatedOrder; error?: string };
    if (response.status !== 200 || answer.order?.status !== 'CREATED')
      throw new Error(`hand-written create answered ${response.status}: ${JSON.stringify(answer)}`);
    // Not kept for the scenarios after: its id is the row's uuid, not a GraphQL id (checkout's
    // subscribers on them were refused, each waiting out its 60 s, and a full run stalled there).
  };
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
  await closedLoop({ concurrency: options.concurrency, durationMs: options.warmupMs, request: byHand });
  await closedLoop({ concurrency: options.concurrency, durationMs: options.warmupMs, request: bare });

  const newTally = () => ({
    latencies: [] as number[],
    count: 0,
    seconds: 0,
    cpu: { gateway: 0, handwritten: 0, sandbox: 0, load_generator: 0, embedded_database: 0 },
  });
  const full = newTally();
  const hand = newTally();
  const floor = newTally();
  const cpuNow = () => {
    const own = process.cpuUsage();
    return {
      gateway: processCpuMs(gateway.pid),
      handwritten: processCpuMs(handwritten.pid),
      sandbox: processCpuMs(sandbox.pid),
      load_generator: (own.user + own.system) / 1000,
      // PostgreSQL's backends are other processes (and other databases' too): only PGlite is counted.
      embedded_database: env.database.pid ? processCpuMs(env.database.pid) : 0,
    };
  };
  for (let window = 0; window < options.windows; window++) {
    const sides = [
      [full, viaGateway],
      [hand, byHand],
      [floor, bare],
    ] as const;
    for (const [target, request] of window % 2 === 0 ? sides : [...sides].reverse()) {
      const before = cpuNow();
      const run = await closedLoop({ concurrency: options.concurrency, durationMs: options.windowMs, request });
      const after = cpuNow();
      if (run.failures) throw new Error(`collectionCreate: ${run.failures} requests failed, first: ${run.firstFailure}`);
      target.latencies.push(...run.latenciesMs);
      target.count += run.latenciesMs.length;
      target.seconds += run.latenciesMs.length / run.perSecond;
      for (const name of ['gateway', 'handwritten', 'sandbox', 'load_generator', 'embedded_database'] as const) target.cpu[name] += after[name] - before[name];
    }
  }
  const perRequest = (tally: typeof full, name: keyof typeof full.cpu) => round(tally.cpu[name] / tally.count, 2);
  const fullSummary = summarize(full.latencies);
  const floorSummary = summarize(floor.latencies);
  const handSummary = summarize(hand.latencies);
  const handPerS = hand.count / hand.seconds;
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
      handwritten_per_s: round(handPerS, 1),
      handwritten_p50_ms: round(handSummary.p50),
      handwritten_p99_ms: round(handSummary.p99),
      handwritten_cpu_ms: perRequest(hand, 'handwritten'),
      handwritten_requests: hand.count,
      handwritten_cpu_ratio: round(full.cpu.gateway / full.count / (hand.cpu.handwritten / hand.count), 3),
      handwritten_throughput_ratio: round(perS / handPerS, 3),
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
