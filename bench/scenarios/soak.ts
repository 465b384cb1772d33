import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchEnvironment } from '../lib/environment.js';
import { postCallback, succeededCallback } from '../lib/callbacks.js';
import { EventSubscribers } from '../lib/event-subscribers.js';
import { createCollection, graphql, type CreatedOrder } from '../lib/graphql.js';
import { settledMemory } from '../lib/processes.js';
import { round, sleep } from '../lib/stats.js';

/**
 * Mixed load for minutes on a freshly started gateway, watching its memory: `clients` merchant
 * backends each creating orders at their share of `createsPerS`, settling each (a signed SUCCEEDED
 * callback, as TarsPay sends) and paging the orders list; `subscribers` orderEvents subscribers, of
 * which `reconnectCount` reconnect every `reconnectEveryMs`, each resuming after its last cursor.
 * The gateway's RSS and heap are sampled every second (no forced collection while loaded).
 */

export const SOAK_ORDERS_PAGE = `query SoakPage($after: String) {
  orders(first: 50, after: $after) { pageInfo { endCursor hasNextPage } edges { node { id status amount events { status } } } }
}`;

export interface SoakOptions {
  seconds: number;
  clients: number;
  createsPerS: number;
  subscribers: number;
  reconnectCount: number;
  reconnectEveryMs: number;
  /** Pages two pages of orders every this many creates of a client. */
  pageEvery: number;
  runId: string;
  /** Where to write heap snapshots of the gateway (a quarter in, at the end of the load, idle after a GC); none when absent. */
  heapSnapshotDir?: string;
  /** Where to write a sampled allocation profile of the gateway over the load (`.heapprofile`, garbage included); none when absent. */
  heapProfilePath?: string;
  log: (message: string) => void;
}

export interface SoakResult {
  seconds: number;
  clients: number;
  creates: number;
  creates_per_s: number;
  settles: number;
  pages: number;
  subscribers: number;
  reconnects: number;
  events_received: number;
  failures: number;
  first_failures: string[];
  start_rss_mb: number;
  peak_rss_mb: number;
  peak_at_s: number;
  /** RSS 5 s after the load stopped and the subscribers left, no forced collection. */
  final_rss_mb: number;
  /** RSS once idle and after a full collection. */
  idle_gc_rss_mb: number;
  /** Least-squares slope of RSS over the second half of the load. */
  rss_slope_mb_per_min: number;
  heap_peak_mb: number;
  heap_slope_mb_per_min: number;
  /** Every 5th sample: [seconds, RSS MB, heap used MB]. */
  samples: Array<[number, number, number]>;
  heap_snapshots?: string[];
  /** At the end of the load: V8's heap spaces and the process's mappings (see `memory:detail` in bench/gateway-process.ts). */
  memory_at_end?: unknown;
  /** At the end of the load, MB. */
  heap_total_mb: number;
  external_mb: number;
  array_buffers_mb: number;
}

interface Memory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

const mb = (bytes: number) => round(bytes / 2 ** 20, 1);

function slopePerMinute(points: ReadonlyArray<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let numerator = 0;
  let denominator = 0;
  for (const [x, y] of points) {
    numerator += (x - meanX) * (y - meanY);
    denominator += (x - meanX) ** 2;
  }
  return denominator === 0 ? 0 : (numerator / denominator) * 60;
}

export async function runSoak(env: BenchEnvironment, options: SoakOptions): Promise<SoakResult> {
  const { gateway, sandbox } = env;
  const memory = (gc: boolean) => gateway.ipc.call<Memory>('memory', { gc });
  const snapshots: string[] = [];
  const snapshot = async (name: string) => {
    if (!options.heapSnapshotDir) return;
    mkdirSync(options.heapSnapshotDir, { recursive: true });
    const path = join(options.heapSnapshotDir, `soak-${options.runId}-${name}.heapsnapshot`);
    options.log(`soak: heap snapshot ${path}`);
    snapshots.push(await gateway.ipc.call<string>('heap:snapshot', { path }));
  };

  const start = await settledMemory(memory);
  const failures: string[] = [];
  let failureCount = 0;
  const fail = (error: unknown) => {
    failureCount += 1;
    if (failures.length < 5) failures.push(String((error as Error).message ?? error).slice(0, 300));
  };
  const subscribers = new EventSubscribers(gateway.url, gateway.token);
  await subscribers.open(options.subscribers);

  if (options.heapProfilePath) await gateway.ipc.call('heap-sampling:start');
  const started = performance.now();
  const elapsedS = () => (performance.now() - started) / 1000;
  const deadline = started + options.seconds * 1000;
  const samples: Array<[number, number, number]> = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const at = elapsedS();
      const usage = await memory(false);
      samples.push([round(at, 1), mb(usage.rss), mb(usage.heapUsed)]);
      await sleep(1000 - ((performance.now() - started) % 1000));
    }
  })();
  const reconnecter = (async () => {
    while (performance.now() + options.reconnectEveryMs < deadline) {
      await sleep(options.reconnectEveryMs);
      await subscribers.reconnect(options.reconnectCount);
    }
  })();
  const snapshotter = (async () => {
    await sleep(options.seconds * 250);
    await snapshot('quarter');
  })();

  let creates = 0;
  let settles = 0;
  let pages = 0;
  let sequence = 0;
  const intervalMs = (1000 * options.clients) / options.createsPerS;
  const client = async (index: number) => {
    let previous: CreatedOrder | undefined;
    for (let tick = 0; ; tick++) {
      const due = started + index * (intervalMs / options.clients) + tick * intervalMs;
      if (due >= deadline) break;
      const wait = due - performance.now();
      // A late tick goes at once; ticks already missed are skipped, not sent in a burst.
      if (wait > 0) await sleep(wait);
      else if (-wait > intervalMs) continue;
      try {
        const order = await createCollection(gateway.url, gateway.token, `SK-${options.runId}-${++sequence}`);
        creates += 1;
        if (previous) {
          await postCallback(gateway.url, succeededCallback(sandbox.platformKey, gateway.mchNo, previous));
          settles += 1;
        }
        previous = order;
        if (tick % options.pageEvery === 0) {
          const first = await graphql<{ orders: { pageInfo: { endCursor: string | null } } }>(gateway.url, gateway.token, SOAK_ORDERS_PAGE, { after: null });
          await graphql(gateway.url, gateway.token, SOAK_ORDERS_PAGE, { after: first.orders.pageInfo.endCursor });
          pages += 2;
        }
      } catch (error) {
        fail(error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, index) => client(index)));
  const loadSeconds = elapsedS();
  await reconnecter;
  await snapshotter;
  if (options.heapProfilePath) await gateway.ipc.call('heap-sampling:stop', { path: options.heapProfilePath });
  const atEnd = await memory(false);
  const detail = await gateway.ipc.call('memory:detail');
  await snapshot('end');
  sampling = false;
  await sampler;
  subscribers.close();
  options.log(`soak: load over after ${round(loadSeconds, 1)} s (${creates} creates); idle for 5 s`);
  await sleep(5_000);
  const final = await memory(false);
  const idle = await settledMemory(memory);
  await snapshot('idle');

  const loaded = samples.filter(([at]) => at <= loadSeconds);
  const peak = loaded.reduce((best, sample) => (sample[1] > best[1] ? sample : best), loaded[0] ?? [0, 0, 0]);
  const secondHalf = loaded.filter(([at]) => at >= loadSeconds / 2);
  return {
    seconds: round(loadSeconds, 1),
    clients: options.clients,
    creates,
    creates_per_s: round(creates / loadSeconds, 1),
    settles,
    pages,
    subscribers: options.subscribers,
    reconnects: subscribers.reconnects,
    events_received: subscribers.events,
    failures: failureCount + subscribers.errors.length,
    first_failures: [...failures, ...subscribers.errors],
    start_rss_mb: mb(start.rss),
    peak_rss_mb: peak[1],
    peak_at_s: peak[0],
    final_rss_mb: mb(final.rss),
    idle_gc_rss_mb: mb(idle.rss),
    rss_slope_mb_per_min: round(slopePerMinute(secondHalf.map(([at, rss]) => [at, rss])), 2),
    heap_peak_mb: Math.max(...loaded.map(([, , heap]) => heap)),
    heap_slope_mb_per_min: round(slopePerMinute(secondHalf.map(([at, , heap]) => [at, heap])), 2),
    samples: samples.filter((_, index) => index % 5 === 0),
    heap_total_mb: mb(atEnd.heapTotal),
    external_mb: mb(atEnd.external),
    array_buffers_mb: mb(atEnd.arrayBuffers),
    memory_at_end: detail,
    ...(snapshots.length ? { heap_snapshots: snapshots } : {}),
  };
}
