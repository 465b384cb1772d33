import type { Worker } from 'node:worker_threads';
import type { BenchEnvironment } from '../lib/environment.js';
import { sendPaced, succeededCallback, type SignedCallback } from '../lib/callbacks.js';
import type { CreatedOrder } from '../lib/graphql.js';
import { IpcPeer, settledMemory, startTsx } from '../lib/processes.js';
import { round, sleep, summarize } from '../lib/stats.js';
import { ask, shareOf, startTsWorker } from '../lib/workers.js';

/**
 * 1,000 graphql-ws subscribers to `orderEvents`, then signed SUCCEEDED callbacks POSTed to
 * /tarspay/notify at a steady rate; latency = from just before a callback is sent to each
 * subscriber receiving its event. The floor: the same subscribers on a raw `ws` broadcast server fed
 * the same bodies at the same rate (bench/broadcast-process.ts).
 */

export const ORDER_EVENTS = `subscription OrderEvents {
  orderEvents {
    id status previousStatus source applied createdAt
    order { id merchantOrderNo status amount paidAmount fee updatedAt }
  }
}`;

const WORKER_URL = new URL('../lib/subscriber-worker.ts', import.meta.url);

class Subscribers {
  readonly #workers: Worker[];

  constructor(count: number) {
    this.#workers = Array.from({ length: count }, () => startTsWorker(WORKER_URL));
  }

  async connect(url: string, token: string, total: number): Promise<void> {
    const workers = this.#workers.length;
    const answers = await Promise.all(
      this.#workers.map((worker, index) =>
        ask<{ count: number; errors: string[] }>(worker, {
          type: 'connect',
          url,
          token,
          count: shareOf(total, workers, index),
          query: ORDER_EVENTS,
          lanes: 25,
        }),
      ),
    );
    const connected = answers.reduce((sum, answer) => sum + answer.count, 0);
    if (connected !== total) throw new Error(`only ${connected} of ${total} subscribers connected: ${answers.flatMap((a) => a.errors).join('; ')}`);
  }

  /** How many subscribers got `key`, waiting up to `timeoutMs` for all of them. */
  async awaitKey(key: string, timeoutMs: number): Promise<number> {
    const answers = await Promise.all(this.#workers.map((worker) => ask<{ count: number }>(worker, { type: 'await', key, timeoutMs })));
    return answers.reduce((sum, answer) => sum + answer.count, 0);
  }

  async reset(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => ask(worker, { type: 'reset' })));
  }

  async report(sent: Map<string, number>): Promise<{ latencies: number[]; missing: number; errors: string[] }> {
    const entries = [...sent];
    const answers = await Promise.all(
      this.#workers.map((worker) => ask<{ latencies: Float64Array; missing: number; errors: string[] }>(worker, { type: 'report', sent: entries })),
    );
    return {
      latencies: answers.flatMap((answer) => Array.from(answer.latencies)),
      missing: answers.reduce((sum, answer) => sum + answer.missing, 0),
      errors: answers.flatMap((answer) => answer.errors),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => ask(worker, { type: 'close' })));
  }

  async terminate(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }
}

/** One load: callbacks at a steady rate, after a warm-up at that rate. */
interface Load {
  ratePerS: number;
  warmup: SignedCallback[];
  measured: SignedCallback[];
  /** How long to wait for the last delivery once everything is sent. */
  drainTimeoutMs: number;
}

interface LoadResult {
  latencies: number[];
  missing: number;
  sentCount: number;
  seconds: number;
  answerMs: number[];
  /** CPU time of the server process over the measured window (sending until the last delivery). */
  cpuMs: number;
}

interface PhaseResult {
  loads: LoadResult[];
  rssGrowth: number;
  heapGrowth: number;
}

/**
 * What subscribers cost the gateway in memory, measured on a gateway with little else in its heap
 * yet (bench/run.ts calls this first): RSS and heap before and after connecting them, each after
 * a full garbage collection. Later in a run the heap holds the garbage of other scenarios, and
 * returning it to the system hides the subscribers' growth.
 */
export async function measureSubscriberMemory(
  env: BenchEnvironment,
  options: { subscribers: number; workers: number },
): Promise<{ rssGrowth: number; heapGrowth: number }> {
  const subscribers = new Subscribers(options.workers);
  const memory = (gc: boolean) => env.gateway.ipc.call<{ rss: number; heapUsed: number }>('memory', { gc });
  try {
    const before = await settledMemory(memory);
    await subscribers.connect(env.gateway.url, env.gateway.token, options.subscribers);
    const after = await settledMemory(memory);
    return { rssGrowth: after.rss - before.rss, heapGrowth: after.heapUsed - before.heapUsed };
  } finally {
    await subscribers.close().catch(() => {});
    await subscribers.terminate();
  }
}

/** One target (gateway or broadcast floor): connect, probe until every subscriber hears, then each load in turn. */
async function runPhase(options: {
  name: string;
  baseUrl: string;
  callbackUrl: string;
  token: string;
  memory: (gc: boolean) => Promise<{ rss: number; heapUsed: number }>;
  cpu: () => Promise<{ user: number; system: number }>;
  subscribers: number;
  workers: number;
  probes: SignedCallback[];
  loads: Load[];
}): Promise<PhaseResult> {
  const subscribers = new Subscribers(options.workers);
  try {
    const before = await settledMemory(options.memory);
    await subscribers.connect(options.baseUrl, options.token, options.subscribers);
    const after = await settledMemory(options.memory);

    // graphql-ws does not acknowledge a subscription: send probes until every subscriber hears one.
    let heard = 0;
    for (const probe of options.probes) {
      const { failures } = await sendPaced(options.callbackUrl, [probe], 1, new Map());
      if (failures.length) throw new Error(`${options.name}: probe callback refused: ${failures[0]}`);
      heard = await subscribers.awaitKey(probe.key, 3000);
      if (heard === options.subscribers) break;
    }
    if (heard !== options.subscribers) throw new Error(`${options.name}: only ${heard} of ${options.subscribers} subscribers hear events`);

    const loads: LoadResult[] = [];
    for (const load of options.loads) {
      const warm = await sendPaced(options.callbackUrl, load.warmup, load.ratePerS, new Map());
      if (warm.failures.length) throw new Error(`${options.name}: warm-up callbacks refused: ${warm.failures[0]}`);
      await subscribers.awaitKey(load.warmup.at(-1)!.key, load.drainTimeoutMs);
      await sleep(300);
      await subscribers.reset();

      const sent = new Map<string, number>();
      const cpuBefore = await options.cpu();
      const run = await sendPaced(options.callbackUrl, load.measured, load.ratePerS, sent);
      if (run.failures.length) throw new Error(`${options.name}: ${run.failures.length} callbacks refused, first: ${run.failures[0]}`);
      await subscribers.awaitKey(load.measured.at(-1)!.key, load.drainTimeoutMs);
      const cpuAfter = await options.cpu();
      await sleep(300);
      const report = await subscribers.report(sent);
      if (report.errors.length) throw new Error(`${options.name}: subscriber errors: ${report.errors.join('; ')}`);
      loads.push({
        latencies: report.latencies,
        missing: report.missing,
        sentCount: load.measured.length,
        seconds: run.seconds,
        answerMs: run.answerMs,
        cpuMs: (cpuAfter.user - cpuBefore.user + cpuAfter.system - cpuBefore.system) / 1000,
      });
    }
    return { loads, rssGrowth: after.rss - before.rss, heapGrowth: after.heapUsed - before.heapUsed };
  } finally {
    await subscribers.close().catch(() => {});
    await subscribers.terminate();
  }
}

async function runFloor(options: { subscribers: number; workers: number; probes: SignedCallback[]; loads: Load[] }): Promise<PhaseResult> {
  const broadcast = await startTsx({
    name: 'broadcast floor',
    script: 'bench/broadcast-process.ts',
    env: {},
    ready: /^BENCH_BROADCAST_READY (\S+)/,
    ipc: true,
    nodeArgs: ['--expose-gc'],
  });
  try {
    const peer = new IpcPeer(broadcast.child.process);
    // Bodies of the same size under other keys: the floor's deliveries are told apart from the gateway's.
    let index = 0;
    const rekey = (list: SignedCallback[]) =>
      list.map((callback) => {
        const key = `FLOOR-${String(index++).padStart(callback.key.length - 6, '0')}`;
        return { ...callback, key, body: callback.body.replace(callback.key, key) };
      });
    return await runPhase({
      name: 'broadcast floor',
      baseUrl: broadcast.match[1]!,
      callbackUrl: `${broadcast.match[1]!}/broadcast`,
      token: 'none',
      memory: (gc) => peer.call('memory', { gc }),
      cpu: () => peer.call('cpu'),
      subscribers: options.subscribers,
      workers: options.workers,
      probes: rekey(options.probes),
      loads: options.loads.map((load) => ({ ...load, warmup: rekey(load.warmup), measured: rekey(load.measured) })),
    });
  } finally {
    await broadcast.child.stop();
  }
}

export interface LiveStatusOptions {
  subscribers: number;
  /** The goal's load, measured last (it may leave a backlog). */
  ratePerS: number;
  /** A load the floor sustains on this machine, measured first: the gateway's overhead where latency still means something. */
  sustainableRatePerS: number;
  warmupS: number;
  durationS: number;
  workers: number;
  drainTimeoutMs: number;
  orders: CreatedOrder[];
  skipGateway?: boolean;
  skipFloor?: boolean;
  onGatewayPhase?: (phase: 'start' | 'end') => Promise<void>;
  /** From measureSubscriberMemory, early in the run; else the growth seen when this scenario connects. */
  gatewayMemory?: { rssGrowth: number; heapGrowth: number };
}

export interface LiveStatusLoadFigures {
  callbacks_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  bare_p50_ms: number;
  bare_p99_ms: number;
  p50_ratio: number;
  p99_ratio: number;
  callbacks_sent: number;
  achieved_callbacks_per_s: number;
  deliveries: number;
  missing_deliveries: number;
  bare_missing_deliveries: number;
  /** From sending a callback to its `OK`: the gateway's verify-store-commit path. */
  callback_answer_p50_ms: number;
  callback_answer_p99_ms: number;
  /** Server CPU per delivered event (all its work, callback handling included, over deliveries). */
  cpu_us_per_delivery: number;
  bare_cpu_us_per_delivery: number;
  /** cpu_us_per_delivery ÷ bare_cpu_us_per_delivery: what the gateway's fan-out costs over a raw `ws` broadcast. */
  cpu_per_delivery_ratio: number;
}

export interface LiveStatusResult extends LiveStatusLoadFigures {
  subscribers: number;
  rss_mb_per_1000_subscribers: number;
  connections: number;
  subscriptions_per_connection: number;
  heap_mb_per_1000_subscribers: number;
  bare_rss_mb_per_1000_subscribers: number;
  sustainable: LiveStatusLoadFigures;
}

/** Deliveries that never came within the drain timeout count as infinitely late (JSON null), not as absent. */
function withMissing(load: LoadResult): number[] {
  return load.missing ? [...load.latencies, ...Array.from({ length: load.missing }, () => Number.POSITIVE_INFINITY)] : load.latencies;
}

function loadFigures(ratePerS: number, full: LoadResult, floor: LoadResult): LiveStatusLoadFigures {
  const fullSummary = summarize(withMissing(full));
  const floorSummary = summarize(withMissing(floor));
  const cpuUs = (full.cpuMs * 1000) / Math.max(1, full.latencies.length);
  const bareCpuUs = (floor.cpuMs * 1000) / Math.max(1, floor.latencies.length);
  return {
    callbacks_per_s: ratePerS,
    p50_ms: round(fullSummary.p50),
    p99_ms: round(fullSummary.p99),
    max_ms: round(fullSummary.max),
    bare_p50_ms: round(floorSummary.p50),
    bare_p99_ms: round(floorSummary.p99),
    p50_ratio: round(fullSummary.p50 / floorSummary.p50, 2),
    p99_ratio: round(fullSummary.p99 / floorSummary.p99, 2),
    callbacks_sent: full.sentCount,
    achieved_callbacks_per_s: round(full.sentCount / full.seconds, 1),
    deliveries: full.latencies.length,
    missing_deliveries: full.missing,
    bare_missing_deliveries: floor.missing,
    callback_answer_p50_ms: round(summarize(full.answerMs).p50),
    callback_answer_p99_ms: round(summarize(full.answerMs).p99),
    cpu_us_per_delivery: round(cpuUs, 2),
    bare_cpu_us_per_delivery: round(bareCpuUs, 2),
    cpu_per_delivery_ratio: round(cpuUs / bareCpuUs, 2),
  };
}

export async function runLiveStatus(env: BenchEnvironment, options: LiveStatusOptions): Promise<LiveStatusResult> {
  const { gateway, sandbox } = env;
  const rates = [options.sustainableRatePerS, options.ratePerS];
  const probeCount = 3;
  const counts = rates.map((rate) => ({ warmup: Math.round(rate * options.warmupS), measured: Math.round(rate * options.durationS) }));
  const needed = probeCount + counts.reduce((sum, count) => sum + count.warmup + count.measured, 0);
  if (options.orders.length < needed) throw new Error(`liveStatus needs ${needed} created orders, has ${options.orders.length}`);
  const callbacks = options.orders.slice(0, needed).map((order) => succeededCallback(sandbox.platformKey, gateway.mchNo, order));
  const probes = callbacks.slice(0, probeCount);
  let offset = probeCount;
  const loads: Load[] = rates.map((ratePerS, index) => {
    const { warmup, measured } = counts[index]!;
    const load = {
      ratePerS,
      warmup: callbacks.slice(offset, offset + warmup),
      measured: callbacks.slice(offset + warmup, offset + warmup + measured),
      drainTimeoutMs: options.drainTimeoutMs,
    };
    offset += warmup + measured;
    return load;
  });

  // The floor first, in its own process.
  const floor = options.skipFloor ? undefined : await runFloor({ subscribers: options.subscribers, workers: options.workers, probes, loads });

  await options.onGatewayPhase?.('start');
  const full = options.skipGateway
    ? floor!
    : await runPhase({
        name: 'gateway',
        baseUrl: gateway.url,
        callbackUrl: `${gateway.url}/tarspay/notify`,
        token: gateway.token,
        memory: (gc) => gateway.ipc.call('memory', { gc }),
        cpu: () => gateway.ipc.call('cpu'),
        subscribers: options.subscribers,
        workers: options.workers,
        probes,
        loads,
      });
  await options.onGatewayPhase?.('end');

  const base = floor ?? full;
  const perThousand = (bytes: number) => round((bytes / 1024 / 1024) * (1000 / options.subscribers), 1);
  return {
    subscribers: options.subscribers,
    ...loadFigures(options.ratePerS, full.loads[1]!, base.loads[1]!),
    rss_mb_per_1000_subscribers: perThousand((options.gatewayMemory ?? full).rssGrowth),
    connections: options.subscribers,
    subscriptions_per_connection: 1,
    heap_mb_per_1000_subscribers: perThousand((options.gatewayMemory ?? full).heapGrowth),
    bare_rss_mb_per_1000_subscribers: perThousand(base.rssGrowth),
    sustainable: loadFigures(options.sustainableRatePerS, full.loads[0]!, base.loads[0]!),
  };
}
