import { readFileSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { sendPaced, succeededCallback, type SignedCallback } from '../lib/callbacks.js';
import type { BenchEnvironment } from '../lib/environment.js';
import type { CreatedOrder } from '../lib/graphql.js';
import { processCpuMs, settledMemory } from '../lib/processes.js';
import { round, summarize } from '../lib/stats.js';
import { ask, shareOf, startTsWorker } from '../lib/workers.js';

/**
 * Checkout at scale: one browser tab per checkout, each watching its own order. 10,000 graphql-ws
 * connections, each with `orderUpdated(id)` on an order of its own, on a freshly started gateway;
 * then signed SUCCEEDED callbacks at 200/s, each for one of those orders (a random sample, so that
 * every subscriber is as likely to be measured). Latency: from just before a callback is sent to
 * its subscriber receiving SUCCEEDED. Memory: the gateway's RSS before and after connecting.
 */

export const CHECKOUT_SUBSCRIPTION = 'subscription Checkout($id: ID!) { orderUpdated(id: $id) { id status } }';

export interface CheckoutOptions {
  subscribers: number;
  ratePerS: number;
  /** Sent at the same rate before the measured ones; their subscribers are not measured. */
  warmupCallbacks: number;
  measuredCallbacks: number;
  workers: number;
  /** Connections being opened at once, per worker. */
  lanes: number;
  /** How long after the last measured callback a missing update is waited for. */
  drainTimeoutMs: number;
  /** CREATED orders with no callback yet, at least `subscribers` of them. */
  orders: CreatedOrder[];
  /** Heap snapshots of the gateway before and after the subscribers connect (what a subscriber holds): `<prefix>-before.heapsnapshot`, `<prefix>-after.heapsnapshot`. */
  heapSnapshotPrefix?: string;
}

export interface CheckoutResult {
  subscribers: number;
  callbacks_per_s: number;
  p50_ms: number;
  p99_ms: number;
  /** Measured updates that had not arrived `drain_timeout_ms` after the last callback was sent (counted as infinitely late). */
  missing: number;
  rss_mb_per_1000_subscribers: number;
  heap_mb_per_1000_subscribers: number;
  max_ms: number;
  callbacks_measured: number;
  callbacks_warmup: number;
  achieved_callbacks_per_s: number;
  callback_failures: number;
  /** From sending a callback to its `OK`. */
  callback_answer_p50_ms: number;
  callback_answer_p99_ms: number;
  /** Gateway process CPU (all threads) over the measured window, per measured callback. */
  gateway_cpu_ms_per_callback: number;
  /** Correctness: updates naming another order, SUCCEEDED heard twice, SUCCEEDED for an order no callback was sent for. */
  misrouted: number;
  duplicates: number;
  unsent_updates: number;
  connect_s: number;
  /** Gateway process CPU per subscriber while they connect (upgrade, connection_init, subscribe, the snapshot). */
  subscribe_cpu_ms: number;
  drain_timeout_ms: number;
  workers: number;
}

/** Every socket is a file descriptor in the bench and in the gateway (both inherit this limit). */
export function checkOpenFileLimit(subscribers: number): void {
  let limits: string;
  try {
    limits = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return;
  }
  const soft = Number(/^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1] ?? 'NaN');
  const needed = subscribers + 2_000;
  if (soft < needed) {
    throw new Error(
      `checkout opens ${subscribers} WebSockets but this shell allows ${soft} open files per process: run \`ulimit -n ${needed}\` (or more) first`,
    );
  }
}

class CheckoutPages {
  readonly #workers: Worker[];

  constructor(count: number) {
    this.#workers = Array.from({ length: count }, () => startTsWorker(new URL('../lib/checkout-worker.ts', import.meta.url)));
  }

  async connect(url: string, token: string, orderIds: string[], lanes: number): Promise<void> {
    let offset = 0;
    const answers = await Promise.all(
      this.#workers.map((worker, index) => {
        const share = orderIds.slice(offset, (offset += shareOf(orderIds.length, this.#workers.length, index)));
        return ask<{ count: number; problems: string[] }>(worker, { type: 'connect', url, token, query: CHECKOUT_SUBSCRIPTION, orderIds: share, lanes });
      }),
    );
    const connected = answers.reduce((sum, answer) => sum + answer.count, 0);
    if (connected !== orderIds.length) {
      throw new Error(
        `checkout: only ${connected} of ${orderIds.length} subscribers got their order's snapshot: ${answers.flatMap((a) => a.problems).join('; ')}`,
      );
    }
  }

  /** How many of `orderIds` have heard SUCCEEDED, waiting up to `timeoutMs` for all of them. */
  async awaitSucceeded(orderIds: string[], timeoutMs: number): Promise<number> {
    const answers = await Promise.all(this.#workers.map((worker) => ask<{ count: number }>(worker, { type: 'await', orderIds, timeoutMs })));
    return answers.reduce((sum, answer) => sum + answer.count, 0);
  }

  async report(sent: Map<string, number>, warmup: string[]) {
    type Answer = { latencies: Float64Array; missing: number; misrouted: number; duplicates: number; unsent: number; problems: string[] };
    const entries = [...sent];
    const answers = await Promise.all(this.#workers.map((worker) => ask<Answer>(worker, { type: 'report', sent: entries, warmup })));
    const sum = (name: 'missing' | 'misrouted' | 'duplicates' | 'unsent') => answers.reduce((total, answer) => total + answer[name], 0);
    return {
      latencies: answers.flatMap((answer) => Array.from(answer.latencies)),
      missing: sum('missing'),
      misrouted: sum('misrouted'),
      duplicates: sum('duplicates'),
      unsent: sum('unsent'),
      problems: answers.flatMap((answer) => answer.problems),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => ask(worker, { type: 'close' })));
  }

  async terminate(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }
}

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

/** Runs the scenario; `unsettled` are the orders that got no callback (still CREATED), for later scenarios. */
export async function runCheckout(env: BenchEnvironment, options: CheckoutOptions): Promise<{ result: CheckoutResult; unsettled: CreatedOrder[] }> {
  const callbackCount = options.warmupCallbacks + options.measuredCallbacks;
  if (options.orders.length < options.subscribers) throw new Error(`checkout needs ${options.subscribers} created orders, has ${options.orders.length}`);
  if (callbackCount > options.subscribers) throw new Error('checkout: more callbacks than subscribers (one callback per order)');

  // Subscribers' memory is measured on a gateway with nothing else in its heap yet.
  await env.restartGateway();
  const { gateway, sandbox } = env;
  const watched = options.orders.slice(0, options.subscribers);
  const memory = (gc: boolean) => gateway.ipc.call<{ rss: number; heapUsed: number }>('memory', { gc });
  const pages = new CheckoutPages(options.workers);
  try {
    const before = await settledMemory(memory);
    const snapshot = (when: string) => gateway.ipc.call('heap:snapshot', { path: `${options.heapSnapshotPrefix}-${when}.heapsnapshot` });
    if (options.heapSnapshotPrefix) await snapshot('before');
    const connectStarted = performance.now();
    const connectCpuBefore = processCpuMs(gateway.pid);
    await pages.connect(
      gateway.url,
      gateway.token,
      watched.map((order) => order.id),
      options.lanes,
    );
    const connectS = (performance.now() - connectStarted) / 1000;
    const subscribeCpuMs = (processCpuMs(gateway.pid) - connectCpuBefore) / options.subscribers;
    const after = await settledMemory(memory);
    if (options.heapSnapshotPrefix) await snapshot('after');

    const chosen = shuffled(watched).slice(0, callbackCount);
    const sign = (order: CreatedOrder): SignedCallback => ({ ...succeededCallback(sandbox.platformKey, gateway.mchNo, order), key: order.id });
    const warmup = chosen.slice(0, options.warmupCallbacks).map(sign);
    const measured = chosen.slice(options.warmupCallbacks).map(sign);
    const callbackUrl = `${gateway.url}/tarspay/notify`;

    const warm = await sendPaced(callbackUrl, warmup, options.ratePerS, new Map());
    if (warm.failures.length) throw new Error(`checkout: warm-up callbacks refused: ${warm.failures[0]}`);
    await pages.awaitSucceeded(
      warmup.map((callback) => callback.key),
      options.drainTimeoutMs,
    );

    const sent = new Map<string, number>();
    const cpuBefore = processCpuMs(gateway.pid);
    const run = await sendPaced(callbackUrl, measured, options.ratePerS, sent);
    await pages.awaitSucceeded([...sent.keys()], options.drainTimeoutMs);
    const cpuMs = processCpuMs(gateway.pid) - cpuBefore;
    const report = await pages.report(
      sent,
      warmup.map((callback) => callback.key),
    );
    if (report.problems.length) throw new Error(`checkout: subscriber problems: ${report.problems.join('; ')}`);

    const withMissing = [...report.latencies, ...Array.from({ length: report.missing }, () => Number.POSITIVE_INFINITY)];
    const latency = summarize(withMissing);
    const answers = summarize(run.answerMs);
    const perThousand = (bytes: number) => round((bytes / 1024 / 1024) * (1000 / options.subscribers), 1);
    const notified = new Set(chosen.map((order) => order.id));
    return {
      unsettled: options.orders.filter((order) => !notified.has(order.id)),
      result: {
        subscribers: options.subscribers,
        callbacks_per_s: options.ratePerS,
        p50_ms: round(latency.p50),
        p99_ms: round(latency.p99),
        missing: report.missing,
        rss_mb_per_1000_subscribers: perThousand(after.rss - before.rss),
        heap_mb_per_1000_subscribers: perThousand(after.heapUsed - before.heapUsed),
        max_ms: round(latency.max),
        callbacks_measured: measured.length,
        callbacks_warmup: warmup.length,
        achieved_callbacks_per_s: round(measured.length / run.seconds, 1),
        callback_failures: run.failures.length,
        callback_answer_p50_ms: round(answers.p50),
        callback_answer_p99_ms: round(answers.p99),
        gateway_cpu_ms_per_callback: round(cpuMs / measured.length, 2),
        misrouted: report.misrouted,
        duplicates: report.duplicates,
        unsent_updates: report.unsent,
        connect_s: round(connectS, 1),
        subscribe_cpu_ms: round(subscribeCpuMs, 3),
        drain_timeout_ms: options.drainTimeoutMs,
        workers: options.workers,
      },
    };
  } finally {
    await pages.close().catch(() => {});
    await pages.terminate();
  }
}
