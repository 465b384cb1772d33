import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { LedgerEntry } from '../src/sandbox/ledger.js';
import { Cluster, FLAG_LATENESS_MS, MCH_NO, WINDOWS_MS } from './cluster.js';
import { Consumer, latestEventCursor } from './consumers.js';
import { FaultInjector } from './inject.js';
import {
  checkAnsweredOrdersExist,
  checkConsumers,
  checkCreates,
  checkOrdersMatchTarsPay,
  checkStuckOrders,
  checkWebhooks,
  SETTLED,
  type GatewayOrder,
  type StoredEvent,
  type Violation,
} from './invariants.js';
import { Load, sleep } from './load.js';
import { faultTotal, finalLine, renderReport } from './report.js';
import { countByKind, planDigest, planFaults } from './schedule.js';
import { WebhookReceiver } from './webhooks.js';

/** `npm run chaos -- --seed <n> --duration <seconds> [--instances <n>]`: see chaos/README.md. */

const USAGE = 'usage: npm run chaos -- --seed <n> --duration <seconds> [--instances <n>] [--consumers <n>] [--settle <seconds>] [--verbose]';

function parseOptions() {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      duration: { type: 'string', default: '20' },
      instances: { type: 'string', default: '3' },
      consumers: { type: 'string', default: '3' },
      settle: { type: 'string', default: '30' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const int = (name: string, text: string | undefined, min: number): number => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min) throw new Error(`--${name} must be a whole number >= ${min}, got ${text}\n${USAGE}`);
    return value;
  };
  return {
    seed: values.seed === undefined ? Math.floor(Math.random() * 1_000_000) : int('seed', values.seed, 0),
    durationMs: int('duration', values.duration, 1) * 1000,
    instances: int('instances', values.instances, 1),
    consumers: int('consumers', values.consumers, 0),
    settleMs: int('settle', values.settle, 0) * 1000,
    verbose: values.verbose,
  };
}

async function readDatabase(
  url: string,
): Promise<{ orders: GatewayOrder[]; events: StoredEvent[]; unnumbered: Array<{ id: string; orderId: string }>; readAt: Date }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const [{ read_at: readAt }] = (await client.query<{ read_at: Date }>('select now() as read_at')).rows as [{ read_at: Date }];
    const orders = await client.query('select * from orders order by created_at');
    // Events are numbered moments after their commit (src/orders/event-sequencer.ts); one still unnumbered reaches no consumer.
    const events = await client.query('select seq, id, order_id, status, applied from order_events where seq is not null order by seq');
    const unnumbered = await client.query('select id, order_id from order_events where seq is null order by id');
    return {
      orders: orders.rows.map((row) => ({
        id: row.id,
        merchantOrderNo: row.merchant_order_no,
        kind: row.kind,
        status: row.status,
        platformOrderId: row.platform_order_id,
        attentionSince: row.attention_since,
        attentionReason: row.attention_reason ?? null,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
      })),
      events: events.rows.map((row) => ({ seq: Number(row.seq), id: String(row.id), orderId: row.order_id, status: row.status, applied: row.applied })),
      unnumbered: unnumbered.rows.map((row) => ({ id: String(row.id), orderId: row.order_id })),
      readAt,
    };
  } finally {
    await client.end();
  }
}

/** How many orders not settled yet also meet `condition`. */
async function countUnsettledOrders(url: string, condition: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(`select count(*)::int as count from orders where not (status = any($1)) and ${condition}`, [[...SETTLED]]);
    return (result.rows[0] as { count: number }).count;
  } finally {
    await client.end();
  }
}

/**
 * Open collections whose expiry is within 3 s either side of now: TarsPay is about to expire them
 * (without a callback, maybe), and the gateway learns it by its check just after the expiry. Until
 * then the two agree only by timing, so settling waits for them.
 */
const collectionsExpiringNow = (url: string) =>
  countUnsettledOrders(url, "kind = 'COLLECTION' and expires_at between now() - interval '3 seconds' and now() + interval '3 seconds'");

/** Unsettled orders reconciliation will check within 3 s. */
const ordersDueSoon = (url: string) => countUnsettledOrders(url, "next_check_at is not null and next_check_at <= now() + interval '3 seconds'");

async function readLedger(sandboxUrl: string): Promise<LedgerEntry[]> {
  const response = await fetch(`${sandboxUrl}/sandbox/ledger`);
  return ((await response.json()) as { entries: LedgerEntry[] }).entries;
}

async function main(): Promise<number> {
  const options = parseOptions();
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    console.error('the chaos run needs a PostgreSQL server (DATABASE_URL): the embedded database cannot serve several processes');
    return 2;
  }
  const logDir = mkdtempSync(join(tmpdir(), `chaos-${options.seed}-`));
  const log = (message: string) => {
    const line = `${new Date().toISOString()} ${message}`;
    appendFileSync(join(logDir, 'harness.log'), `${line}\n`);
    if (options.verbose) console.error(line);
  };
  const plan = planFaults({ seed: options.seed, durationMs: options.durationMs, instances: options.instances });
  const digest = planDigest(plan);
  console.log(
    `chaos: seed ${options.seed}, ${options.durationMs / 1000} s, ${options.instances} instances, ${plan.length} faults planned (plan ${digest}); logs in ${logDir}`,
  );
  console.log('  REDIS_URL is not used: the run starts a redis-server of its own, so that it can stop and hang it');

  // Odd seeds trust only signed answers (the sandbox then signs its inquiries); even seeds run the default.
  const responseSign = options.seed % 2 === 1 ? 'strict' : 'log';
  const cluster = new Cluster({ serverUrl, instances: options.instances, logDir, responseSign }, log);
  const killAll = () => cluster.killAll();
  process.once('exit', killAll);
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`${signal}: stopping the chaos run and cleaning up`);
    void cluster.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // graphql-ws can reject a promise of its own with the CloseEvent of a consumer's socket that an
  // instance killed or a proxy reset mid-handshake: a dropped consumer (it resumes, and invariant 4
  // judges what it received), not a harness error. Anything else still ends the run.
  process.on('unhandledRejection', (reason) => {
    const close = reason as { code?: unknown; type?: unknown } | null;
    if (close && typeof close === 'object' && typeof close.code === 'number' && close.type === 'close') {
      log(`a consumer's socket closed during its handshake (${close.code}); it resumes`);
      return;
    }
    throw reason;
  });

  const started = performance.now();
  try {
    await cluster.start();
    console.log(`  started: sandbox, redis, ${options.instances} gateways in ${Math.round(performance.now() - started)} ms`);
    const liveUrls = () => cluster.gateways.filter((gateway) => gateway.up).map((gateway) => gateway.url);
    const allUrls = cluster.gateways.map((gateway) => gateway.url);
    const target = { liveUrls, allUrls, token: cluster.token, sandboxUrl: cluster.sandboxUrl, mchNo: MCH_NO };

    const firstCursor = await latestEventCursor(allUrls[0]!, cluster.token);
    // A webhook endpoint registered before the load: it must get every event from here on.
    const webhooks = new WebhookReceiver(options.seed + 202);
    await webhooks.start();
    await webhooks.register(allUrls[0]!, cluster.token, firstCursor);
    // Consumers 0 and 1 share a seed: the same query from the same cursor, resumed at the same times on the same instances.
    const consumers = Array.from(
      { length: options.consumers },
      (_, index) => new Consumer(`consumer ${index}`, firstCursor, target, options.seed + (index === 1 ? 0 : index) + 101),
    );
    const consuming = consumers.map((consumer) => consumer.run([1_500, 5_000]));

    const load = new Load(target, options.seed, log);
    const injector = new FaultInjector(cluster, load, log);
    const loading = load.run(3);
    const timers = plan.map((fault) => setTimeout(() => injector.apply(fault), fault.atMs));
    await sleep(options.durationMs);
    load.stop();
    for (const timer of timers) clearTimeout(timer);
    await Promise.race([loading, sleep(5_000)]);
    await injector.heal();
    console.log(`  load done and faults healed at ${Math.round((performance.now() - started) / 1000)} s: ${JSON.stringify(load.stats)}`);

    // Let reconciliation finish: at least a few seconds (callbacks being resent), then until the
    // gateway agrees with TarsPay with no collection expiring right now, or no unsettled order is due
    // for a check, or the deadline.
    const settleDeadline = performance.now() + options.settleMs;
    await sleep(Math.min(5_000, options.settleMs));
    let database = await readDatabase(cluster.databaseUrl);
    let ledger = await readLedger(cluster.sandboxUrl);
    while (performance.now() < settleDeadline) {
      const unresolved = database.orders.filter((order) => order.status === 'UNKNOWN' || order.status === 'SUBMITTING').length;
      if (unresolved === 0 && checkOrdersMatchTarsPay(ledger, database.orders).length === 0 && (await collectionsExpiringNow(cluster.databaseUrl)) === 0) break;
      if ((await ordersDueSoon(cluster.databaseUrl)) === 0) break;
      await sleep(1_000);
      [database, ledger] = await Promise.all([readDatabase(cluster.databaseUrl), readLedger(cluster.sandboxUrl)]);
    }
    // Consumers catch up with the last committed event (bounded), then stop.
    const lastSeq = database.events.at(-1)?.seq ?? 0;
    const catchUpDeadline = performance.now() + 10_000;
    while (performance.now() < catchUpDeadline && (consumers.some((consumer) => consumer.lastSeq < lastSeq) || !webhooks.hasAll(lastSeq))) await sleep(250);
    await Promise.all(consumers.map((consumer) => consumer.close()));
    await webhooks.close();
    void Promise.allSettled(consuming);
    [database, ledger] = await Promise.all([readDatabase(cluster.databaseUrl), readLedger(cluster.sandboxUrl)]);
    const settledAt = Math.round((performance.now() - started) / 1000);

    const consumerEvents = database.events.filter((event) => event.seq <= lastSeq);
    const violations: Violation[] = [
      ...checkOrdersMatchTarsPay(ledger, database.orders),
      ...checkCreates(ledger),
      ...checkAnsweredOrdersExist(load.answers, database.orders),
      ...checkConsumers(
        consumers.map((consumer) => ({ ...consumer.record, received: consumer.record.received.filter((seq) => seq <= lastSeq) })),
        consumerEvents,
      ),
      ...checkStuckOrders(database.orders, WINDOWS_MS, database.readAt.getTime() - FLAG_LATENESS_MS),
      ...checkWebhooks(webhooks.record, consumerEvents, lastSeq),
      // Settled, every instance has swept (once a second) since the load stopped: none may be left.
      ...database.unnumbered.map((event): Violation => ({ invariant: 4, orderId: event.orderId, message: `event ${event.id} was never numbered` })),
    ];
    const notes = [
      `settled after ${settledAt} s; consumers resumed ${consumers.map((consumer) => consumer.record.resumes).join('/')} times, received ${consumers.map((consumer) => consumer.record.received.length).join('/')} events`,
    ];
    const webhookRecord = webhooks.record;
    notes.push(
      `webhook endpoint answered ${webhookRecord.received.length} deliveries of ${new Set(webhookRecord.received).size} events and refused ${webhookRecord.refused} (to be sent again)`,
    );
    for (const consumer of consumers) if (consumer.errors.length) notes.push(`${consumer.record.name} errors: ${consumer.errors.slice(0, 3).join(' | ')}`);
    if (load.stats.latePaymentsRefused) notes.push(`${load.stats.latePaymentsRefused} late payments refused by the sandbox (it takes them after EXPIRED only)`);
    const faults = faultTotal(injector.injected);
    console.log(
      renderReport({
        seed: options.seed,
        digest,
        planned: countByKind(plan),
        injected: injector.injected,
        orders: database.orders,
        ledger,
        events: database.events,
        violations,
        notes,
      }),
    );
    await cluster.close();
    console.log(`  total ${Math.round((performance.now() - started) / 1000)} s`);
    console.log(finalLine(options.seed, database.orders.length, faults, violations.length));
    return violations.length > 0 ? 1 : 0;
  } catch (error) {
    if (interrupted) return 130;
    console.error(`chaos: harness error: ${(error as Error).stack ?? String(error)}\n  (logs in ${logDir})`);
    await cluster.close().catch(() => {});
    return 3;
  } finally {
    process.off('exit', killAll);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`chaos: ${(error as Error).message}`);
    process.exit(3);
  },
);
