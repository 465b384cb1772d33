/** Small statistics and load helpers shared by the scenarios. */

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const list = Array.from(sorted);
  return { count: list.length, p50: percentile(list, 50), p99: percentile(list, 99), max: list.at(-1) ?? Number.NaN };
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export interface ClosedLoopResult {
  latenciesMs: number[];
  perSecond: number;
  failures: number;
  firstFailure?: string;
}

/**
 * A closed loop: `concurrency` workers each send one request, wait for its answer, send the next,
 * until `durationMs` has passed. Latency per request, throughput over the whole window.
 */
export async function closedLoop(options: {
  concurrency: number;
  durationMs: number;
  request: (sequence: number) => Promise<void>;
}): Promise<ClosedLoopResult> {
  const latenciesMs: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  let sequence = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const begin = performance.now();
      try {
        await options.request(sequence++);
        latenciesMs.push(performance.now() - begin);
      } catch (error) {
        failures += 1;
        firstFailure ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsedS = (performance.now() - started) / 1000;
  return { latenciesMs, perSecond: latenciesMs.length / elapsedS, failures, firstFailure };
}

/** Runs `work` in `limit` parallel lanes over `items`. */
export async function inLanes<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** The clock every thread of the bench shares (process.hrtime is monotonic and process-wide), in ms. */
export const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
