import type { CallbackIngestResult } from '../scenarios/callback-ingest.js';
import type { CheckoutResult } from '../scenarios/checkout.js';
import type { CollectionCreateResult } from '../scenarios/collection-create.js';
import type { LiveStatusResult } from '../scenarios/live-status.js';
import type { OrdersPageResult } from '../scenarios/orders-page.js';
import type { SigningResult } from '../scenarios/signing.js';
import type { SoakResult } from '../scenarios/soak.js';
import type { StartupResult } from '../scenarios/startup.js';
import type { WebhooksResult } from '../scenarios/webhooks.js';

/** What bench/results.json holds, the goals each figure is held to, and the table printed at the end. */

export interface CheckoutFigures extends CheckoutResult {
  /** Orders created through collectionCreate for the scenario (the rest were left over from earlier ones), and how long that took. */
  orders_created: number;
  orders_create_s: number;
}

export interface Measured {
  machine: { cpus: number; node: string; cpu_model: string; platform: string; date: string; database: string };
  startup?: StartupResult;
  signing?: SigningResult;
  collectionCreate?: CollectionCreateResult;
  callbackIngest?: CallbackIngestResult;
  liveStatus?: LiveStatusResult;
  checkout?: CheckoutFigures;
  ordersPage?: OrdersPageResult;
  soak?: SoakResult;
  webhooks?: WebhooksResult;
}

export type Goals = Record<string, { goal: string; value: number; met: boolean }>;

export interface Results extends Measured {
  goals: Goals;
  seconds: number;
}

/** The goals of the figures that were measured (a run of some scenarios only has only theirs). */
export function goals(results: Measured): Goals {
  const { startup: t, signing: s, collectionCreate: c, callbackIngest: i, liveStatus: l, checkout: k, ordersPage: o } = results;
  const found: Goals = {};
  const goal = (name: string, text: string, value: number, met: boolean) => (found[name] = { goal: text, value, met });
  if (t) {
    goal('startup_zero_setup_ms', '<= 3000', t.zero_setup_ms, t.zero_setup_ms <= 3000);
    goal('startup_zero_setup_first_ms', '<= 5000', t.zero_setup_first_ms, t.zero_setup_first_ms <= 5000);
    goal('startup_postgres_ms', '<= 1500', t.postgres_ms, t.postgres_ms <= 1500);
    goal('startup_zero_setup_rss_mb', '<= 350', t.zero_setup_rss_mb, t.zero_setup_rss_mb <= 350);
    goal('startup_postgres_rss_mb', '<= 150', t.postgres_rss_mb, t.postgres_rss_mb <= 150);
  }
  if (s) {
    goal('sign_ratio', '>= 0.9', s.sign_ratio, s.sign_ratio >= 0.9);
    goal('verify_ratio', '>= 0.9', s.verify_ratio, s.verify_ratio >= 0.9);
  }
  if (c) {
    goal('collection_handwritten_cpu_ratio', '<= 1.1', c.handwritten_cpu_ratio, c.handwritten_cpu_ratio <= 1.1);
    goal('collection_handwritten_throughput_ratio', '>= 0.9', c.handwritten_throughput_ratio, c.handwritten_throughput_ratio >= 0.9);
  }
  if (i) {
    goal('callback_per_s', '>= 600, every answer 200 OK', i.per_s, i.per_s >= 600 && i.failures === 0);
    goal('callback_cpu_ms', '<= 1.5', i.cpu_ms, i.cpu_ms <= 1.5);
  }
  if (l) {
    goal('live_cpu_per_delivery_ratio', '<= 1.3', l.cpu_per_delivery_ratio, l.cpu_per_delivery_ratio <= 1.3);
    goal('live_sustainable_p99_ratio', '<= 1.3', l.sustainable.p99_ratio, l.sustainable.p99_ratio <= 1.3);
    goal('live_rss_mb_per_1000', '<= 50', l.rss_mb_per_1000_subscribers, l.rss_mb_per_1000_subscribers <= 50);
  }
  if (k) {
    goal('checkout_p99_ms', '<= 25', k.p99_ms, k.p99_ms <= 25);
    goal('checkout_missing', '= 0', k.missing, k.missing === 0);
    goal('checkout_rss_mb_per_1000', '<= 20', k.rss_mb_per_1000_subscribers, k.rss_mb_per_1000_subscribers <= 20);
  }
  if (o) goal('orders_page_sql_statements', '<= 3', o.sql_statements, o.sql_statements <= 3);
  if (results.soak) {
    const w = results.soak;
    goal('soak_peak_rss_mb', '<= 400', w.peak_rss_mb, w.peak_rss_mb <= 400);
    // "No growth": under 1 MB a minute over the second half, within what sampling noise gives.
    goal('soak_rss_slope_mb_per_min', '<= 1', w.rss_slope_mb_per_min, w.rss_slope_mb_per_min <= 1);
  }
  const hooks = results.webhooks;
  if (hooks) {
    goal('webhooks_per_s', '>= 1000', hooks.per_s, hooks.per_s >= 1000);
    goal('webhooks_cpu_ratio', '<= 1.5', hooks.cpu_ratio, hooks.cpu_ratio <= 1.5);
  }
  return found;
}

type Row = [scenario: string, gateway: string, floor: string, ratio: string];

function rows(results: Results): Row[] {
  const list: Row[] = [];
  const row = (...cells: Row) => list.push(cells);
  const { startup: t, signing: s, collectionCreate: c, callbackIngest: i, liveStatus: l, checkout: k, ordersPage: o } = results;
  if (t) {
    row('startup: zero setup, until ready', `${t.zero_setup_ms} ms`, `${t.floor_ms} ms minimal yoga`, `${t.zero_setup_ratio}x (goal <= 3000 ms)`);
    row('startup: DATABASE_URL, until ready', `${t.postgres_ms} ms`, `${t.floor_ms} ms minimal yoga`, `${t.postgres_ratio}x (goal <= 1500 ms)`);
    row('startup: zero setup RSS', `${t.zero_setup_rss_mb} MB`, `${t.floor_rss_mb} MB minimal yoga`, `${t.zero_setup_rss_ratio}x (goal <= 350 MB)`);
    row('startup: DATABASE_URL RSS', `${t.postgres_rss_mb} MB`, `${t.floor_rss_mb} MB minimal yoga`, `${t.postgres_rss_ratio}x (goal <= 150 MB)`);
    row('startup: CPU until ready', `${t.zero_setup_cpu_ms} / ${t.postgres_cpu_ms} ms (zero setup / DATABASE_URL)`, `${t.floor_cpu_ms} ms minimal yoga`, '');
    row('startup: first zero-setup start', `${t.zero_setup_first_ms} ms, ${t.zero_setup_first_rss_mb} MB`, '', '(goal <= 5000 ms)');
    row('startup: zero setup through tsx (tsx src/main.ts)', `${t.tsx_zero_setup_ms} ms`, `${t.zero_setup_ms} ms npm start`, '');
    row(
      'startup: compiled (node dist/main.js), zero setup',
      `${t.compiled_zero_setup_ms} ms, ${t.compiled_zero_setup_rss_mb} MB`,
      `${t.zero_setup_ms} ms, ${t.zero_setup_rss_mb} MB npm start`,
      '',
    );
    row(
      'startup: compiled (node dist/main.js), DATABASE_URL',
      `${t.compiled_postgres_ms} ms, ${t.compiled_postgres_rss_mb} MB`,
      `${t.postgres_ms} ms, ${t.postgres_rss_mb} MB npm start`,
      '',
    );
    row(
      'startup: compiled CPU until ready',
      `${t.compiled_zero_setup_cpu_ms} / ${t.compiled_postgres_cpu_ms} ms (zero setup / DATABASE_URL)`,
      `${t.zero_setup_cpu_ms} / ${t.postgres_cpu_ms} ms npm start`,
      '',
    );
  }
  if (s) {
    row('signing: sign', `${s.sign_per_s}/s`, `${s.openssl_sign_per_s}/s node:crypto`, `${s.sign_ratio}x (goal >= 0.9)`);
    row('signing: verify', `${s.verify_per_s}/s`, `${s.openssl_verify_per_s}/s node:crypto`, `${s.verify_ratio}x (goal >= 0.9)`);
    row(
      'signing: noble sign/verify',
      `${s.noble_sign_per_s}/s / ${s.noble_verify_per_s}/s`,
      'node:crypto',
      `${s.noble_sign_ratio}x / ${s.noble_verify_ratio}x`,
    );
  }
  if (c) {
    const cpu = c.cpu_ms_per_request;
    const bare = c.bare_cpu_ms_per_request;
    const floorCpu = Math.round((bare.sandbox + bare.load_generator) * 100) / 100;
    row('collectionCreate CPU per create', `gw ${cpu.gateway} ms`, `${c.handwritten_cpu_ms} ms hand-written`, `${c.handwritten_cpu_ratio}x (goal <= 1.1)`);
    row(
      `collectionCreate throughput (c=${c.concurrency})`,
      `${c.per_s}/s`,
      `${c.handwritten_per_s}/s hand-written`,
      `${c.handwritten_throughput_ratio}x (goal >= 0.9)`,
    );
    row('collectionCreate p50 / p99', `${c.p50_ms} / ${c.p99_ms} ms`, `${c.handwritten_p50_ms} / ${c.handwritten_p99_ms} ms hand-written`, '');
    row(
      '  retired floor: bare signed call, CPU',
      `gw ${cpu.gateway} ms`,
      `${floorCpu} ms bare (sb ${bare.sandbox} + client ${bare.load_generator})`,
      `${c.cpu_ratio}x (no goal)`,
    );
    const database = cpu.embedded_database === undefined ? '' : `, db ${cpu.embedded_database}`;
    row('  same run: sandbox, client', `sb ${cpu.sandbox}, client ${cpu.load_generator}${database} ms`, '', '');
    row(
      '  retired floor: bare throughput, p50',
      `${c.per_s}/s, ${c.p50_ms} ms`,
      `${c.bare_per_s}/s, ${c.bare_p50_ms} ms bare`,
      `${c.throughput_ratio}x (no goal)`,
    );
  }
  if (i) {
    row(`callbackIngest (${i.concurrency} in flight, no subscribers)`, `${i.per_s}/s`, '', `(goal >= 600/s) ${i.failures} failed`);
    row('callbackIngest CPU per callback', `${i.cpu_ms} ms`, `${i.verify_ms} ms one verify`, `${i.cpu_ratio}x (goal <= 1.5 ms)`);
    row('callbackIngest answer p50 / p99', `${i.answer_p50_ms} / ${i.answer_p99_ms} ms`, '', '');
  }
  if (l) {
    const u = l.sustainable;
    row(
      `liveStatus CPU per delivery (${l.subscribers} subs, ${l.callbacks_per_s} cb/s)`,
      `${l.cpu_us_per_delivery} µs`,
      `${l.bare_cpu_us_per_delivery} µs raw ws`,
      `${l.cpu_per_delivery_ratio}x (goal <= 1.3)`,
    );
    row(
      `liveStatus CPU per delivery at ${u.callbacks_per_s} cb/s`,
      `${u.cpu_us_per_delivery} µs`,
      `${u.bare_cpu_us_per_delivery} µs raw ws`,
      `${u.cpu_per_delivery_ratio}x`,
    );
    row(`liveStatus p50 at ${u.callbacks_per_s} cb/s`, `${u.p50_ms} ms`, `${u.bare_p50_ms} ms raw ws`, `${u.p50_ratio}x`);
    row(`liveStatus p99 at ${u.callbacks_per_s} cb/s`, `${u.p99_ms} ms`, `${u.bare_p99_ms} ms raw ws`, `${u.p99_ratio}x (goal <= 1.3)`);
    row(
      `liveStatus p50 / p99 at ${l.callbacks_per_s} cb/s`,
      `${l.p50_ms} / ${l.p99_ms} ms`,
      `${l.bare_p50_ms} / ${l.bare_p99_ms} ms raw ws`,
      `${l.p99_ratio}x (no goal)`,
    );
    row('liveStatus RSS per 1000 subscribers', `${l.rss_mb_per_1000_subscribers} MB`, `${l.bare_rss_mb_per_1000_subscribers} MB raw ws`, '(goal <= 50 MB)');
  }
  if (k) {
    row(`checkout (${k.subscribers} orderUpdated, ${k.callbacks_per_s} cb/s) p50`, `${k.p50_ms} ms`, '', '');
    row('checkout p99', `${k.p99_ms} ms`, '', '(goal <= 25 ms)');
    row('checkout missing', `${k.missing} of ${k.callbacks_measured}`, '', '(goal 0)');
    row('checkout RSS per 1000 subscribers', `${k.rss_mb_per_1000_subscribers} MB`, '', '(goal <= 20 MB)');
    row('checkout gateway CPU per callback', `${k.gateway_cpu_ms_per_callback} ms`, '', '');
    row(
      'checkout setup: create orders, connect',
      `${k.orders_created} in ${k.orders_create_s} s, ${k.subscribers} in ${k.connect_s} s (${k.subscribe_cpu_ms} ms CPU each)`,
      '',
      '',
    );
  }
  if (results.soak) {
    const w = results.soak;
    row(
      `soak (${w.seconds} s: ${w.creates_per_s} creates/s, ${w.subscribers} subs)`,
      `RSS ${w.start_rss_mb} -> peak ${w.peak_rss_mb} MB at ${w.peak_at_s} s`,
      '',
      '(goal peak <= 400 MB)',
    );
    row('soak RSS slope, second half', `${w.rss_slope_mb_per_min} MB/min (heap ${w.heap_slope_mb_per_min})`, '', '(goal <= 1 MB/min)');
    row('soak RSS idle: 5 s after / after GC', `${w.final_rss_mb} / ${w.idle_gc_rss_mb} MB`, '', `${w.failures} failures`);
  }
  if (o) {
    row(`ordersPage (${o.orders} orders x 3 events)`, `${o.sql_statements} statements`, `${o.sql_statements_cached_token} with a cached token`, '(goal <= 3)');
    row('ordersPage p50', `${o.p50_ms} ms`, '', '');
  }
  return list;
}

/** The webhooks scenario's rows (bench/scenarios/webhooks.ts). */
function webhookRows(w: WebhooksResult | undefined): Row[] {
  if (!w) return [];
  return [
    [`webhooks (${w.endpoints} endpoints, ${w.deliveries} deliveries)`, `${w.per_s}/s`, '', '(goal >= 1000/s)'],
    ['webhooks CPU per delivery', `${w.cpu_us_per_delivery} µs`, `${w.raw_post_cpu_us} µs raw signed POST`, `${w.cpu_ratio}x (goal <= 1.5)`],
  ];
}

export function printTable(results: Results): void {
  const list = [...rows(results), ...webhookRows(results.webhooks)];
  const header: Row = ['scenario', 'gateway', 'floor', 'ratio / goal'];
  const widths = header.map((title, column) => Math.max(title.length, ...list.map((cells) => cells[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
  console.log(`\n${line(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}`);
  for (const cells of list) console.log(line(cells));
  const missed = Object.entries(results.goals).filter(([, goal]) => !goal.met);
  const total = Object.keys(results.goals).length;
  const misses = missed.map(([name, goal]) => `${name} = ${goal.value} (goal ${goal.goal})`).join(', ');
  console.log(`\ngoals met: ${total - missed.length}/${total}${missed.length ? `; missed: ${misses}` : ''}`);
}
