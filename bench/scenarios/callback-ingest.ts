import { Agent } from 'node:http';
import { verifySignature } from '../../src/tarspay/signer.js';
import { succeededCallback, type SignedCallback } from '../lib/callbacks.js';
import type { BenchEnvironment } from '../lib/environment.js';
import type { CreatedOrder } from '../lib/graphql.js';
import { post } from '../lib/http.js';
import { processCpuMs } from '../lib/processes.js';
import { median, round, summarize } from '../lib/stats.js';

/**
 * How many callbacks one gateway process ingests, nobody subscribed: signed SUCCEEDED callbacks, one
 * per CREATED order, POSTed to /tarspay/notify by `concurrency` senders over as many keep-alive
 * sockets, each sending its next as soon as its last is answered (a closed loop: the highest rate
 * the gateway sustains). Every answer must be 200 `OK`. The floor: one signature verification
 * (verifySignature on the same bodies, in this process), the one thing a callback cannot skip.
 */

export interface CallbackIngestOptions {
  concurrency: number;
  warmupMs: number;
  windowMs: number;
  windows: number;
  /** CREATED orders with no callback yet: each callback settles one. */
  orders: CreatedOrder[];
}

export interface CallbackIngestResult {
  /** Callbacks answered per second over the measured windows. */
  per_s: number;
  /** Gateway process CPU (all threads) per callback, ms. */
  cpu_ms: number;
  /** CPU of one verifySignature on the same bodies, ms: the floor. */
  verify_ms: number;
  /** cpu_ms ÷ verify_ms. */
  cpu_ratio: number;
  concurrency: number;
  callbacks: number;
  seconds: number;
  /** Answers other than 200 `OK` (and transport errors), warm-up included. */
  failures: number;
  warmup_failures: number;
  first_failure?: string;
  answer_p50_ms: number;
  answer_p99_ms: number;
  /** The bench process's CPU (sending) per callback; PGlite's when it is the database. */
  sender_cpu_ms: number;
  embedded_database_cpu_ms?: number;
  /** A measured window ended early because its callbacks ran out (too few orders, or the rate jumped): it was shorter. */
  ran_out_of_orders: boolean;
}

/**
 * Callbacks signed on demand (before the loop that sends them), one per order: signing costs the
 * bench a signature each, so no more are signed than the gateway's pace needs; the ones a window
 * did not get to are given back and sent first in the next.
 */
class CallbackSupply {
  #next = 0;
  #unsent: SignedCallback[] = [];
  constructor(
    private readonly env: BenchEnvironment,
    private readonly orders: CreatedOrder[],
  ) {}

  get exhausted(): boolean {
    return this.#unsent.length === 0 && this.#next >= this.orders.length;
  }

  take(count: number): SignedCallback[] {
    const ready = this.#unsent.splice(0, count);
    const orders = this.orders.slice(this.#next, (this.#next += count - ready.length));
    return [...ready, ...orders.map((order) => succeededCallback(this.env.sandbox.platformKey, this.env.gateway.mchNo, order))];
  }

  giveBack(callbacks: SignedCallback[]): void {
    this.#unsent.unshift(...callbacks);
  }
}

/** CPU (ms, this thread's process) of one verifySignature, median of 5 passes over `callbacks`. */
function verifyFloorMs(platformPublicKeyHex: string, callbacks: readonly SignedCallback[]): number {
  const sample = callbacks.slice(0, 300);
  const pass = () => {
    const before = process.cpuUsage();
    for (const callback of sample) {
      if (!verifySignature(platformPublicKeyHex, callback.body, callback.signature)) throw new Error('callbackIngest: a callback does not verify');
    }
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000 / sample.length;
  };
  pass();
  return median(Array.from({ length: 5 }, pass));
}

interface Run {
  answered: number;
  seconds: number;
  /** The callbacks ran out before `durationMs`. */
  ranOut: boolean;
}

export async function runCallbackIngest(env: BenchEnvironment, options: CallbackIngestOptions): Promise<CallbackIngestResult> {
  const { gateway, sandbox } = env;
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const url = `${gateway.url}/tarspay/notify`;
  const supply = new CallbackSupply(env, options.orders);
  // From a collected heap: what earlier scenarios left behind is not this one's to pay for.
  await gateway.ipc.call('memory', { gc: true });
  let failures = 0;
  let firstFailure: string | undefined;
  const answerMs: number[] = [];

  /** `concurrency` senders, each posting its next callback once its last is answered, until they run out or `durationMs` passes. */
  const send = async (callbacks: readonly SignedCallback[], durationMs: number): Promise<Run> => {
    let next = 0;
    let answered = 0;
    let ranOut = false;
    const started = performance.now();
    const deadline = started + durationMs;
    const sender = async () => {
      while (performance.now() < deadline) {
        if (next >= callbacks.length) {
          ranOut = true;
          break;
        }
        const callback = callbacks[next++]!;
        const begin = performance.now();
        try {
          const answer = await post(url, { 'content-type': 'application/json', 'x-resp-signature': callback.signature }, callback.body, agent);
          if (answer.status !== 200 || answer.text !== 'OK') throw new Error(`${answer.status} ${answer.text}`);
          answered += 1;
          answerMs.push(performance.now() - begin);
        } catch (error) {
          failures += 1;
          firstFailure ??= error instanceof Error ? error.message : String(error);
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, sender));
    const seconds = (performance.now() - started) / 1000;
    supply.giveBack(callbacks.slice(next));
    return { answered, seconds, ranOut };
  };

  // Warm-up, in batches sized by the rate seen so far: callbacks are signed before they are sent,
  // as many as the gateway's pace needs and no more (each costs the bench a signature).
  let perS = 200;
  const warmupStarted = performance.now();
  for (let left = options.warmupMs; left > 0 && !supply.exhausted; left = options.warmupMs - (performance.now() - warmupStarted)) {
    const run = await send(supply.take(Math.max(options.concurrency * 4, Math.ceil((perS * left * 1.2) / 1000))), left);
    if (run.answered) perS = run.answered / run.seconds;
  }
  const warmupFailures = failures;
  answerMs.length = 0;

  const cpuNow = () => {
    const own = process.cpuUsage();
    return {
      gateway: processCpuMs(gateway.pid),
      sender: (own.user + own.system) / 1000,
      database: env.database.pid ? processCpuMs(env.database.pid) : 0,
    };
  };
  const total = { answered: 0, seconds: 0, gateway: 0, sender: 0, database: 0, ranOut: false };
  const measured: SignedCallback[] = [];
  for (let window = 0; window < options.windows && !supply.exhausted; window++) {
    // Twice what the last rate needs: what is left over goes back to the supply, already signed.
    const callbacks = supply.take(Math.ceil((perS * options.windowMs * 2) / 1000));
    measured.push(...callbacks);
    const before = cpuNow();
    const run = await send(callbacks, options.windowMs);
    const after = cpuNow();
    total.answered += run.answered;
    total.seconds += run.seconds;
    total.gateway += after.gateway - before.gateway;
    total.sender += after.sender - before.sender;
    total.database += after.database - before.database;
    total.ranOut ||= run.ranOut;
    if (run.answered) perS = run.answered / run.seconds;
  }
  if (!total.answered)
    throw new Error(`callbackIngest: no callback answered OK (${failures} failed, first: ${firstFailure ?? 'none'}); ${options.orders.length} orders given`);
  agent.destroy();

  const verifyMs = verifyFloorMs(sandbox.platformKey.publicKeyHex, measured);
  const cpuMs = total.gateway / total.answered;
  const answers = summarize(answerMs);
  return {
    per_s: round(total.answered / total.seconds, 1),
    cpu_ms: round(cpuMs, 3),
    verify_ms: round(verifyMs, 3),
    cpu_ratio: round(cpuMs / verifyMs, 2),
    concurrency: options.concurrency,
    callbacks: total.answered,
    seconds: round(total.seconds, 2),
    failures,
    ...(firstFailure ? { first_failure: firstFailure } : {}),
    warmup_failures: warmupFailures,
    answer_p50_ms: round(answers.p50),
    answer_p99_ms: round(answers.p99),
    sender_cpu_ms: round(total.sender / total.answered, 3),
    ...(env.database.pid ? { embedded_database_cpu_ms: round(total.database / total.answered, 3) } : {}),
    ran_out_of_orders: total.ranOut,
  };
}
