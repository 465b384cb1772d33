import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startEnvironment, type BenchEnvironment } from './lib/environment.js';
import { createCollection, type CreatedOrder } from './lib/graphql.js';
import { awaitQuiet } from './lib/processes.js';
import { goals, printTable, type Measured, type Results } from './lib/report.js';
import { inLanes } from './lib/stats.js';
import { runCallbackIngest } from './scenarios/callback-ingest.js';
import { checkOpenFileLimit, runCheckout } from './scenarios/checkout.js';
import { runCollectionCreate } from './scenarios/collection-create.js';
import { measureSubscriberMemory, runLiveStatus } from './scenarios/live-status.js';
import { runOrdersPage } from './scenarios/orders-page.js';
import { runSigning } from './scenarios/signing.js';
import { runSoak } from './scenarios/soak.js';
import { runStartup } from './scenarios/startup.js';
import { runWebhooks } from './scenarios/webhooks.js';

/**
 * `npm run bench`: every figure next to the floor it cannot beat, measured in the same run on the
 * same machine. Starts what it needs (bench/lib/environment.ts), runs each scenario after a
 * warm-up, prints a table and writes bench/results.json. See bench/README.md.
 *
 * `npm run bench -- --only checkout,callbackIngest` runs some scenarios only (printed, results.json
 * left alone); `--checkout-subscribers 2000` shrinks checkout for a quick look. `npm run bench --
 * startup` runs the startup scenario alone and updates only its keys in results.json.
 */

const RESULTS_PATH = new URL('./results.json', import.meta.url);
const SCENARIOS = ['startup', 'signing', 'ordersPage', 'collectionCreate', 'liveStatus', 'checkout', 'callbackIngest', 'webhooks', 'soak'] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values: args, positionals } = parseArgs({
  options: {
    only: { type: 'string' },
    'checkout-subscribers': { type: 'string' },
    'checkout-heap-snapshots': { type: 'string' },
    'soak-seconds': { type: 'string' },
    'soak-heap-snapshots': { type: 'string' },
    'soak-heap-profile': { type: 'string' },
  },
  allowPositionals: true,
});
const startupOnly = positionals[0] === 'startup';
const only = startupOnly ? ['startup'] : (args.only?.split(',').map((name) => name.trim()) ?? [...SCENARIOS]);
for (const name of only) if (!SCENARIOS.includes(name as Scenario)) throw new Error(`--only: no scenario "${name}"; the scenarios are ${SCENARIOS.join(', ')}`);
const runs = (scenario: Scenario) => only.includes(scenario);
const complete = only.length === SCENARIOS.length;

const settings = {
  startup: { runs: 5 },
  signing: { pairs: 40, sliceMs: 30 },
  ordersPage: { orders: 100, runs: 50, warmup: 5 },
  collectionCreate: { concurrency: 16, warmupMs: 2_000, windowMs: 5_000, windows: 2 },
  liveStatus: { subscribers: 1_000, ratePerS: 200, sustainableRatePerS: 20, warmupS: 1, durationS: 3, workers: 1, drainTimeoutMs: 60_000 },
  checkout: {
    subscribers: Number(args['checkout-subscribers'] ?? 10_000),
    ratePerS: 200,
    // 2,000 of the 10,000 orders get a measured callback (10 s at 200/s), a random sample, after
    // 400 (2 s) that warm the restarted gateway's callback path up.
    warmupCallbacks: 400,
    measuredCallbacks: 2_000,
    workers: 4,
    lanes: 25,
    drainTimeoutMs: 60_000,
    createConcurrency: 32,
    heapSnapshotPrefix: args['checkout-heap-snapshots'],
  },
  // 2 × 2.5 s windows: at 1,000 callbacks/s that is 5,000 orders; checkout leaves 7,600 unsettled.
  callbackIngest: { concurrency: 32, warmupMs: 1_500, windowMs: 2_500, windows: 2, ordersIfAlone: 3_000 },
  // 4 minutes unless `--soak-seconds` says otherwise (60 s is enough to see the peak while developing).
  soak: {
    seconds: Number(args['soak-seconds'] ?? 240),
    clients: 4,
    createsPerS: 40,
    subscribers: 50,
    reconnectCount: 5,
    reconnectEveryMs: 2_000,
    pageEvery: 10,
    heapSnapshotDir: args['soak-heap-snapshots'],
    heapProfilePath: args['soak-heap-profile'],
  },
  // 8 endpoints × the last 1,500 events: 12,000 deliveries.
  webhooks: { endpoints: 8, events: 1_500, rawPosts: 5_000, warmupReplays: 1, measuredReplays: 5 },
};
if (!(settings.soak.seconds >= 10)) throw new Error('--soak-seconds: a number of seconds, at least 10');
settings.checkout.measuredCallbacks = Math.min(settings.checkout.measuredCallbacks, Math.floor(settings.checkout.subscribers / 2));
settings.checkout.warmupCallbacks = Math.min(settings.checkout.warmupCallbacks, Math.floor(settings.checkout.subscribers / 10));

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/**
 * CREATED orders no callback has touched yet, shared by the scenarios that need them: what one
 * scenario leaves over, the next takes, and only the shortfall is created (through the API).
 */
class FreshOrders {
  #orders: CreatedOrder[] = [];
  #created = 0;
  constructor(
    private readonly env: BenchEnvironment,
    private readonly runId: string,
  ) {}

  get size(): number {
    return this.#orders.length;
  }

  add(orders: readonly CreatedOrder[]): void {
    this.#orders.push(...orders);
  }

  /** Takes `count`, creating the shortfall first; `created` and `seconds` tell what that cost. */
  async take(count: number, concurrency: number, forWhat: string): Promise<{ orders: CreatedOrder[]; created: number; seconds: number }> {
    const missing = Math.max(0, count - this.#orders.length);
    const started = performance.now();
    if (missing > 0) {
      log(`creating ${missing} orders for ${forWhat}`);
      const { gateway } = this.env;
      await inLanes(
        Array.from({ length: missing }, () => ++this.#created),
        concurrency,
        async (index) => {
          this.#orders.push(await createCollection(gateway.url, gateway.token, `FO-${this.runId}-${index}`));
        },
      );
    }
    const seconds = (performance.now() - started) / 1000;
    return { orders: this.#orders.splice(0, count), created: missing, seconds: Math.round(seconds * 10) / 10 };
  }
}

function machineFacts(database: 'postgresql' | 'pglite'): Measured['machine'] {
  return {
    cpus: cpus().length,
    node: process.version,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    database: database === 'postgresql' ? 'PostgreSQL (DATABASE_URL)' : 'embedded PGlite',
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  if (runs('checkout')) checkOpenFileLimit(settings.checkout.subscribers);
  const measured: Omit<Measured, 'machine'> = {};
  if (runs('startup')) {
    // First, while nothing else of the bench runs: each start has the machine to itself.
    log(`startup: ${settings.startup.runs} rounds of floor, zero setup, DATABASE_URL`);
    measured.startup = await runStartup({ ...settings.startup, log });
  }
  if (startupOnly) {
    const results: Results = {
      machine: machineFacts(process.env.DATABASE_URL ? 'postgresql' : 'pglite'),
      ...measured,
      goals: goals(measured as Measured),
      seconds: Math.round((performance.now() - started) / 1000),
    };
    let previous: Partial<Results> = {};
    try {
      previous = JSON.parse(readFileSync(RESULTS_PATH, 'utf8')) as Partial<Results>;
    } catch {
      // no earlier results: this run's keys alone
    }
    writeFileSync(RESULTS_PATH, `${JSON.stringify({ ...previous, startup: results.startup, goals: { ...previous.goals, ...results.goals } }, null, 2)}\n`);
    printTable(results);
    log('wrote the startup keys of bench/results.json');
    return;
  }
  if (runs('signing')) {
    log('signing');
    measured.signing = await runSigning(settings.signing);
  }

  log(`starting PostgreSQL (${process.env.DATABASE_URL ? 'a fresh database on DATABASE_URL' : 'embedded PGlite'}), the sandbox and the gateway`);
  const env = await startEnvironment({ poolMax: 10 });
  // Ctrl-C or a kill: stop the children and drop the database before going.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void env.close().finally(() => process.exit(130));
    });
  }
  const fresh = new FreshOrders(env, runId);
  try {
    const live = settings.liveStatus;
    let gatewayMemory: Awaited<ReturnType<typeof measureSubscriberMemory>> | undefined;
    if (runs('liveStatus')) {
      log(`liveStatus memory: ${live.subscribers} subscribers on a fresh gateway`);
      gatewayMemory = await measureSubscriberMemory(env, live);
    }
    if (runs('ordersPage')) {
      log('ordersPage');
      measured.ordersPage = await runOrdersPage(env, { ...settings.ordersPage, runId });
    }
    if (runs('collectionCreate')) {
      log('collectionCreate');
      const { result, orders } = await runCollectionCreate(env, { ...settings.collectionCreate, runId });
      measured.collectionCreate = result;
      fresh.add(orders);
    }
    if (runs('liveStatus')) {
      const { orders } = await fresh.take(3 + (live.ratePerS + live.sustainableRatePerS) * (live.warmupS + live.durationS), 16, 'liveStatus');
      log('liveStatus');
      measured.liveStatus = await runLiveStatus(env, { ...live, orders, gatewayMemory });
    }
    if (runs('checkout')) {
      const checkout = settings.checkout;
      const { orders, created, seconds } = await fresh.take(checkout.subscribers, checkout.createConcurrency, 'checkout');
      log(`checkout: ${checkout.subscribers} orderUpdated subscribers on a restarted gateway (${created} orders created in ${seconds} s)`);
      const { result, unsettled } = await runCheckout(env, { ...checkout, orders });
      measured.checkout = { ...result, orders_created: created, orders_create_s: seconds };
      fresh.add(unsettled);
      // Its 10,000 connections are closing: the next figures are for a gateway with nobody subscribed.
      await awaitQuiet(env.gateway.pid);
    }
    if (runs('callbackIngest')) {
      const ingest = settings.callbackIngest;
      // Every order left: after checkout, the ones it sent no callback for (8,000 of 10,000).
      const { orders } = await fresh.take(Math.max(ingest.ordersIfAlone, fresh.size), 32, 'callbackIngest');
      log(`callbackIngest (${orders.length} CREATED orders at hand)`);
      measured.callbackIngest = await runCallbackIngest(env, { ...ingest, orders });
    }

    if (runs('webhooks')) {
      // Events to deliver: each order made here commits two (SUBMITTING, CREATED); it stays for the scenarios after.
      const { orders } = await fresh.take(Math.ceil(settings.webhooks.events / 2), 4, 'webhooks');
      fresh.add(orders);
      log('webhooks');
      measured.webhooks = await runWebhooks(env, settings.webhooks);
    }
    if (runs('soak')) {
      // A gateway of its own: the figures are the soak's, whatever ran before it.
      await env.restartGateway();
      log(`soak: ${settings.soak.seconds} s of mixed load on a restarted gateway`);
      measured.soak = await runSoak(env, { ...settings.soak, runId, log });
    }

    const machine = machineFacts(env.database.kind);
    // Key order in results.json: the scenarios in the order of the README.
    const { startup, signing, collectionCreate, callbackIngest, liveStatus, checkout, ordersPage, webhooks, soak } = measured;
    const all: Measured = { machine, startup, signing, collectionCreate, callbackIngest, liveStatus, checkout, ordersPage, webhooks, soak };
    const results: Results = { ...all, goals: goals(all), seconds: Math.round((performance.now() - started) / 1000) };
    if (complete) writeFileSync(RESULTS_PATH, `${JSON.stringify(results, null, 2)}\n`);
    else console.log(JSON.stringify(results, null, 2));
    printTable(results);
    log(
      complete
        ? `wrote bench/results.json in ${results.seconds} s`
        : `${only.join(', ')} in ${results.seconds} s (bench/results.json left alone: not a full run)`,
    );
  } finally {
    await env.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
