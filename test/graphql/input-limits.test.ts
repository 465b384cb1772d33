import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from '../../src/orders/order-status.js';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/gateway.js';
import { collect, wsClient } from '../helpers/ws-client.js';

let t: TestGateway;
let token: string;

beforeAll(async () => {
  t = await startTestGateway();
  token = await t.token(await t.addMerchant('M-INPUT-LIMITS'));
});
afterAll(() => t.close());

const ORDERS_BY_STATUS = 'query ($status: [OrderStatus!]) { orders(first: 1, filter: { status: $status }) { edges { cursor } } }';
const ORDERS_BY_FILTER = 'query ($filter: OrderFilter) { orders(first: 1, filter: $filter) { edges { cursor } } }';

/** `n` valid statuses, repeating. */
const statuses = (n: number) => Array.from({ length: n }, (_, i) => ORDER_STATUSES[i % ORDER_STATUSES.length]);
const only = (response: GraphQLResponse<unknown>) => {
  expect(response.errors).toHaveLength(1);
  return response.errors![0]!;
};

describe('list inputs are capped at 50 items (GRAPHQL_MAX_LIST_ITEMS)', () => {
  it('50 statuses are fine', async () => {
    expect((await t.graphql(token, ORDERS_BY_STATUS, { status: statuses(50) })).errors).toBeUndefined();
    expect((await t.graphql(token, ORDERS_BY_FILTER, { filter: { status: statuses(50) } })).errors).toBeUndefined();
  });

  it('51 statuses in a variable: BAD_USER_INPUT naming the variable, nothing runs', async () => {
    const error = only(await t.graphql(token, ORDERS_BY_FILTER, { filter: { status: statuses(51) } }));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'OrderFilter.status', maxItems: 50 });
    expect(error.message).toBe(
      'Variable "$filter" at "filter.status" (OrderFilter.status) has 51 items; at most 50 are allowed. Send fewer, or split the operation.',
    );
    const bare = only(await t.graphql(token, ORDERS_BY_STATUS, { status: statuses(51) }));
    expect(bare.message).toMatch(/^Variable "\$status" has 51 items; at most 50/);
  });

  it('51 statuses written in the document: refused at validation, naming the input field', async () => {
    const list = statuses(51).join(', ');
    const error = only(await t.graphql(token, `{ orders(first: 1, filter: { status: [${list}] }) { edges { cursor } } }`));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'OrderFilter.status' });
    expect(error.message).toMatch(/^OrderFilter\.status has 51 items; at most 50/);
    const asDefault = only(await t.graphql(token, `query ($s: [OrderStatus!] = [${list}]) { orders(first: 1, filter: { status: $s }) { edges { cursor } } }`));
    expect(asDefault.message).toMatch(/^The default of \$s has 51 items/);
  });

  it('a 95,000-item list is refused before graphql-js reads it, and /healthz keeps answering', async () => {
    // ~850 KB: under the 1 MiB body limit.
    const huge = { filter: { status: Array.from({ length: 95_000 }, () => 'FAILED') } };
    const [health, ...results] = await Promise.all([
      // Asked while six huge requests are in flight.
      new Promise((resolve) => setImmediate(resolve)).then(() => fetch(`${t.gateway.url}/healthz`)),
      ...Array.from({ length: 6 }, () => t.graphql(token, ORDERS_BY_FILTER, huge)),
    ]);
    expect(health.status).toBe(200);
    for (const result of results) {
      expect(result.data ?? null).toBeNull();
      expect(only(result).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'OrderFilter.status', maxItems: 50 });
      expect(only(result).message).toContain('has 95000 items');
    }
  });

  it('variables are costed as a whole: more than 1,000 values are refused', async () => {
    // 40 lists of 30 items: each list is short, the whole is not (an unknown input field holds them).
    const crowded = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`extra${i}`, statuses(30)]));
    const error = only(await t.graphql(token, ORDERS_BY_FILTER, { filter: crowded }));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', maxVariableValues: 1000 });
    expect(error.message).toMatch(/more than 1000 values/);
  });

  it('over WebSocket too: OrderEventFilter.status', async () => {
    const client = wsClient(t.gateway.url, token);
    const stream = collect(client, 'subscription ($f: OrderEventFilter) { orderEvents(filter: $f) { status } }', { f: { status: statuses(60) } });
    await stream.completed;
    await client.dispose();
    expect(JSON.stringify(stream.errors)).toContain('(OrderEventFilter.status) has 60 items; at most 50');
    expect(JSON.stringify(stream.errors)).toContain('BAD_USER_INPUT');
  });
});
