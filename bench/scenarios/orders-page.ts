import type { BenchEnvironment } from '../lib/environment.js';
import { postCallback, succeededCallback } from '../lib/callbacks.js';
import { createCollection, graphql } from '../lib/graphql.js';
import { inLanes, round, summarize } from '../lib/stats.js';

/**
 * `orders(first: 100) { edges { node { events { status } } } }` over 100 orders with 3 events each
 * (SUBMITTING, CREATED from the create; SUCCEEDED from a signed callback). Every SQL statement the
 * request runs is counted in the gateway process (MikroORM's query hook), nothing excluded.
 * `sql_statements` is for a token not in the gateway's short auth cache (its lookup counted);
 * `sql_statements_cached_token` for one looked up a moment ago.
 */

export const ORDERS_PAGE = `query OrdersPage { orders(first: 100) { edges { node { events { status } } } } }`;

export interface OrdersPageResult {
  orders: number;
  sql_statements: number;
  p50_ms: number;
  p99_ms: number;
  runs: number;
  /** The same request when the token was looked up less than AUTH_CACHE_TTL_MS ago (no token query). */
  sql_statements_cached_token: number;
  /** The statements of one request, for the record (placeholders, never values). */
  statements: string[];
}

export async function runOrdersPage(
  env: BenchEnvironment,
  options: { orders: number; runs: number; warmup: number; runId: string },
): Promise<OrdersPageResult> {
  const { gateway, sandbox } = env;
  // The newest `orders` orders of the merchant are these ones: this scenario runs before any other creates.
  const keys = Array.from({ length: options.orders }, (_, index) => `OP-${options.runId}-${index}`);
  await inLanes(keys, 8, async (key) => {
    const order = await createCollection(gateway.url, gateway.token, key);
    await postCallback(gateway.url, succeededCallback(sandbox.platformKey, gateway.mchNo, order));
  });

  type Page = { orders: { edges: Array<{ node: { events: Array<{ status: string }> } }> } };
  const check = (page: Page) => {
    const edges = page.orders.edges;
    if (edges.length !== options.orders) throw new Error(`ordersPage: ${edges.length} orders, expected ${options.orders}`);
    for (const edge of edges) {
      const statuses = edge.node.events.map((event) => event.status).join(',');
      if (statuses !== 'SUBMITTING,CREATED,SUCCEEDED') throw new Error(`ordersPage: an order has events ${statuses}`);
    }
  };
  for (let run = 0; run < options.warmup; run++) check(await graphql<Page>(gateway.url, gateway.token, ORDERS_PAGE));

  const latencies: number[] = [];
  const counts = { cold: [] as number[], warm: [] as number[] };
  let statements: string[] = [];
  for (let run = 0; run < options.runs; run++) {
    // Every fifth request with the token cache emptied first: its lookup is then among the statements.
    const cold = run % 5 === 0;
    if (cold) await gateway.ipc.call('auth-cache:clear');
    await gateway.ipc.call('queries:start');
    const started = performance.now();
    const page = await graphql<Page>(gateway.url, gateway.token, ORDERS_PAGE);
    latencies.push(performance.now() - started);
    const recorded = await gateway.ipc.call<{ count: number; statements: string[] }>('queries:stop');
    check(page);
    (cold ? counts.cold : counts.warm).push(recorded.count);
    if (cold) statements = recorded.statements;
  }
  const summary = summarize(latencies);
  return {
    orders: options.orders,
    sql_statements: Math.max(...counts.cold),
    p50_ms: round(summary.p50),
    p99_ms: round(summary.p99),
    runs: options.runs,
    sql_statements_cached_token: Math.max(...counts.warm),
    statements: statements.map((sql) => sql.replace(/\s+/g, ' ').slice(0, 200)),
  };
}
