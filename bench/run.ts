import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { randomBytes } from 'node:crypto';
import { startEnvironment, type BenchEnvironment } from './lib/environment.js';
import { createCollection, type CreatedOrder } from './lib/graphql.js';
import { inLanes } from './lib/stats.js';
import { runCollectionCreate, type CollectionCreateResult } from './scenarios/collection-create.js';
import { measureSubscriberMemory, runLiveStatus, type LiveStatusResult } from './scenarios/live-status.js';
import { runOrdersPage, type OrdersPageResult } from './scenarios/orders-page.js';
import { runSigning, type SigningResult } from './scenarios/signing.js';
import { runStartup, type StartupResult } from './scenarios/startup.js';

/**
 * `npm run bench`: every figure next to the floor it cannot beat, measured in the same run on the
 * same machine. Starts what it needs (bench/lib/environment.ts), runs each scenario after a
 * warm-up, prints a table and writes bench/results.json. See bench/README.md.
 * `npm run bench -- startup` runs the startup scenario alone and updates only its keys.
 */

const RESULTS_PATH = new URL('./results.json', import.meta.url);

const settings = {
  startup: { runs: 5 },
  signing: { pairs: 40, sliceMs: 30 },
  ordersPage: { orders: 100, runs: 50, warmup: 5 },
  collectionCreate: { concurrency: 16, warmupMs: 2_000, windowMs: 5_000, windows: 2 },
  liveStatus: { subscribers: 1_000, ratePerS: 200, sustainableRatePerS: 20, warmupS: 1, durationS: 3, workers: 1, drainTimeoutMs: 60_000 },
};

interface Results {
  machine: { cpus: number; node: string; cpu_model: string; platform: string; date: string; database: string };
  startup: StartupResult;
  signing: SigningResult;
  collectionCreate: CollectionCreateResult;
  liveStatus: LiveStatusResult;
  ordersPage: OrdersPageResult;
  goals: Record<string, { goal: string; value: number; met: boolean }>;
  seconds: number;
}

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function startupGoals(startup: StartupResult): Results['goals'] {
  const goal = (text: string, value: number, met: boolean) => ({ goal: text, value, met });
  return {
    startup_zero_setup_ms: goal('<= 3000', startup.zero_setup_ms, startup.zero_setup_ms <= 3000),
    startup_postgres_ms: goal('<= 1500', startup.postgres_ms, startup.postgres_ms <= 1500),
    startup_zero_setup_rss_mb: goal('<= 350', startup.zero_setup_rss_mb, startup.zero_setup_rss_mb <= 350),
    startup_postgres_rss_mb: goal('<= 150', startup.postgres_rss_mb, startup.postgres_rss_mb <= 150),
  };
}

function goals(results: Omit<Results, 'goals' | 'seconds'>): Results['goals'] {
  const { signing, collectionCreate, liveStatus, ordersPage } = results;
  const goal = (text: string, value: number, met: boolean) => ({ goal: text, value, met });
  return {
    ...startupGoals(results.startup),
    sign_ratio: goal('>= 0.9', signing.sign_ratio, signing.sign_ratio >= 0.9),
    verify_ratio: goal('>= 0.9', signing.verify_ratio, signing.verify_ratio >= 0.9),
    collection_latency_ratio: goal('<= 1.3', collectionCreate.latency_ratio, collectionCreate.latency_ratio <= 1.3),
    collection_throughput_ratio: goal('>= 0.75', collectionCreate.throughput_ratio, collectionCreate.throughput_ratio >= 0.75),
    live_p99_ms: goal('<= 20', liveStatus.p99_ms, liveStatus.p99_ms <= 20),
    live_rss_mb_per_1000: goal('<= 50', liveStatus.rss_mb_per_1000_subscribers, liveStatus.rss_mb_per_1000_subscribers <= 50),
    orders_page_sql_statements: goal('<= 3', ordersPage.sql_statements, ordersPage.sql_statements <= 3),
  };
}

function startupRows(row: (scenario: string, figure: string, floor: string, ratio: string) => void, t: StartupResult): void {
  row('startup: zero setup, until ready', `${t.zero_setup_ms} ms`, `${t.floor_ms} ms minimal yoga`, `${t.zero_setup_ratio}x (goal <= 3000 ms)`);
  row('startup: DATABASE_URL, until ready', `${t.postgres_ms} ms`, `${t.floor_ms} ms minimal yoga`, `${t.postgres_ratio}x (goal <= 1500 ms)`);
  row('startup: zero setup RSS', `${t.zero_setup_rss_mb} MB`, `${t.floor_rss_mb} MB minimal yoga`, `${t.zero_setup_rss_ratio}x (goal <= 350 MB)`);
  row('startup: DATABASE_URL RSS', `${t.postgres_rss_mb} MB`, `${t.floor_rss_mb} MB minimal yoga`, `${t.postgres_rss_ratio}x (goal <= 150 MB)`);
  row('startup: CPU until ready', `${t.zero_setup_cpu_ms} / ${t.postgres_cpu_ms} ms (zero setup / DATABASE_URL)`, `${t.floor_cpu_ms} ms minimal yoga`, '');
  row('startup: first zero-setup start', `${t.zero_setup_first_ms} ms, ${t.zero_setup_first_rss_mb} MB`, '', '');
}

function printRows(rows: Array<[string, string, string, string]>, goalsMet: Results['goals']): void {
  const header: [string, string, string, string] = ['scenario', 'gateway', 'floor', 'ratio / goal'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((cells) => cells[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
  console.log(`\n${line(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}`);
  for (const cells of rows) console.log(line(cells));
  const missed = Object.entries(goalsMet).filter(([, goal]) => !goal.met);
  console.log(`\ngoals met: ${Object.keys(goalsMet).length - missed.length}/${Object.keys(goalsMet).length}${missed.length ? `; missed: ${missed.map(([name, goal]) => `${name} = ${goal.value} (goal ${goal.goal})`).join(', ')}` : ''}`);
}

function printTable(results: Results): void {
  const rows: Array<[string, string, string, string]> = [];
  const row = (scenario: string, figure: string, floor: string, ratio: string) => rows.push([scenario, figure, floor, ratio]);
  const { signing: s, collectionCreate: c, liveStatus: l, ordersPage: o } = results;
  startupRows(row, results.startup);
  row('signing: sign', `${s.sign_per_s}/s`, `${s.openssl_sign_per_s}/s node:crypto`, `${s.sign_ratio}x (goal >= 0.9)`);
  row('signing: verify', `${s.verify_per_s}/s`, `${s.openssl_verify_per_s}/s node:crypto`, `${s.verify_ratio}x (goal >= 0.9)`);
  row('signing: noble sign/verify', `${s.noble_sign_per_s}/s / ${s.noble_verify_per_s}/s`, 'node:crypto', `${s.noble_sign_ratio}x / ${s.noble_verify_ratio}x`);
  row(`collectionCreate p50 (c=${c.concurrency})`, `${c.p50_ms} ms`, `${c.bare_p50_ms} ms bare`, `${c.latency_ratio}x (goal <= 1.3)`);
  row('collectionCreate p99', `${c.p99_ms} ms`, `${c.bare_p99_ms} ms bare`, '');
  row('collectionCreate throughput', `${c.per_s}/s`, `${c.bare_per_s}/s bare`, `${c.throughput_ratio}x (goal >= 0.75)`);
  const cpu = c.cpu_ms_per_request;
  const bareCpu = c.bare_cpu_ms_per_request;
  const database = cpu.embedded_database === undefined ? '' : ` + db ${cpu.embedded_database}`;
  row('collectionCreate CPU per request', `gw ${cpu.gateway}${database} + sb ${cpu.sandbox} + client ${cpu.load_generator} ms`, `sb ${bareCpu.sandbox} + client ${bareCpu.load_generator} ms`, '');
  row(`liveStatus p50 (${l.subscribers} subs, ${l.callbacks_per_s} cb/s)`, `${l.p50_ms} ms`, `${l.bare_p50_ms} ms raw ws`, `${l.p50_ratio}x`);
  row('liveStatus p99', `${l.p99_ms} ms`, `${l.bare_p99_ms} ms raw ws`, `${l.p99_ratio}x (goal <= 20 ms)`);
  row('liveStatus RSS per 1000 subscribers', `${l.rss_mb_per_1000_subscribers} MB`, `${l.bare_rss_mb_per_1000_subscribers} MB raw ws`, '(goal <= 50 MB)');
  row('liveStatus CPU per delivery', `${l.cpu_us_per_delivery} µs`, `${l.bare_cpu_us_per_delivery} µs raw ws`, '');
  const u = l.sustainable;
  row(`liveStatus p50 at ${u.callbacks_per_s} cb/s`, `${u.p50_ms} ms`, `${u.bare_p50_ms} ms raw ws`, `${u.p50_ratio}x`);
  row(`liveStatus p99 at ${u.callbacks_per_s} cb/s`, `${u.p99_ms} ms`, `${u.bare_p99_ms} ms raw ws`, `${u.p99_ratio}x`);
  row(`liveStatus CPU per delivery at ${u.callbacks_per_s} cb/s`, `${u.cpu_us_per_delivery} µs`, `${u.bare_cpu_us_per_delivery} µs raw ws`, '');
  row(`ordersPage (${o.orders} orders x 3 events)`, `${o.sql_statements} statements`, `${o.sql_statements_cached_token} with a cached token`, '(goal <= 3)');
  row('ordersPage p50', `${o.p50_ms} ms`, '', '');
  printRows(rows, results.goals);
}

/** `npm run bench -- startup`: the startup scenario alone; the other keys of bench/results.json stay. */
async function startupOnly(): Promise<void> {
  const startup = await runStartup({ ...settings.startup, log });
  let previous: Partial<Results> = {};
  try {
    previous = JSON.parse(readFileSync(RESULTS_PATH, 'utf8')) as Partial<Results>;
  } catch {
    // no earlier results: this run's keys alone
  }
  const goalsNow = { ...previous.goals, ...startupGoals(startup) };
  writeFileSync(RESULTS_PATH, `${JSON.stringify({ ...previous, startup, goals: goalsNow }, null, 2)}\n`);
  const rows: Array<[string, string, string, string]> = [];
  startupRows((...cells) => rows.push(cells), startup);
  printRows(rows, startupGoals(startup));
  log('wrote the startup keys of bench/results.json');
}

async function ensureOrders(env: BenchEnvironment, orders: CreatedOrder[], needed: number, runId: string): Promise<void> {
  const missing = needed - orders.length;
  if (missing <= 0) return;
  log(`creating ${missing} more orders for liveStatus`);
  await inLanes(Array.from({ length: missing }, (_, index) => index), 16, async (index) => {
    orders.push(await createCollection(env.gateway.url, env.gateway.token, `LS-${runId}-${index}`));
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  // First, while nothing else of the bench runs: each start has the machine to itself.
  log(`startup: ${settings.startup.runs} rounds of floor, zero setup, DATABASE_URL`);
  const startup = await runStartup({ ...settings.startup, log });
  log('signing');
  const signing = await runSigning(settings.signing);

  log(`starting PostgreSQL (${process.env.DATABASE_URL ? 'a fresh database on DATABASE_URL' : 'embedded PGlite'}), the sandbox and the gateway`);
  const env = await startEnvironment({ poolMax: 10 });
  // Ctrl-C or a kill: stop the children and drop the database before going.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void env.close().finally(() => process.exit(130));
    });
  }
  try {
    log(`liveStatus memory: ${settings.liveStatus.subscribers} subscribers on a fresh gateway`);
    const gatewayMemory = await measureSubscriberMemory(env, settings.liveStatus);
    log('ordersPage');
    const ordersPage = await runOrdersPage(env, { ...settings.ordersPage, runId });
    log('collectionCreate');
    const { result: collectionCreate, orders } = await runCollectionCreate(env, { ...settings.collectionCreate, runId });
    const live = settings.liveStatus;
    await ensureOrders(env, orders, 3 + (live.ratePerS + live.sustainableRatePerS) * (live.warmupS + live.durationS), runId);
    log('liveStatus');
    const liveStatus = await runLiveStatus(env, { ...live, orders, gatewayMemory });

    const measured = {
      machine: {
        cpus: cpus().length,
        node: process.version,
        cpu_model: cpus()[0]?.model ?? 'unknown',
        platform: `${process.platform} ${process.arch}`,
        date: new Date().toISOString(),
        database: env.database.kind === 'postgresql' ? 'PostgreSQL (DATABASE_URL)' : 'embedded PGlite',
      },
      startup,
      signing,
      collectionCreate,
      liveStatus,
      ordersPage,
    };
    const results: Results = { ...measured, goals: goals(measured), seconds: Math.round((performance.now() - started) / 1000) };
    writeFileSync(RESULTS_PATH, `${JSON.stringify(results, null, 2)}\n`);
    printTable(results);
    log(`wrote bench/results.json in ${results.seconds} s`);
  } finally {
    await env.close();
  }
}

(process.argv[2] === 'startup' ? startupOnly() : main()).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
