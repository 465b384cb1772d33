import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authCache } from '../../src/auth/tokens.js';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, ORDER, PAYOUT_CREATE, SETTLE, collectionInput, payoutInput } from '../helpers/operations.js';

const ORDERS = `query ($first: Int, $after: String, $filter: OrderFilter) {
  orders(first: $first, after: $after, filter: $filter) {
    __typename
    edges { cursor node { id merchantOrderNo kind status method createdAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const ORDER_BY_NO = `query ($no: String!) { orderByMerchantOrderNo(merchantOrderNo: $no) { id merchantOrderNo kind status amount platformOrderId } }`;

interface Created {
  id: string;
  merchantOrderNo: string;
  kind: string;
  status: string;
  method: string;
  createdAt: string;
  platformOrderId: string;
}

let t: TestGateway;
let merchant: Merchant;
let token: string;
/** Merchant A's orders, oldest first. */
const created: Created[] = [];

async function createCollection(own: string, overrides: Record<string, unknown> = {}): Promise<Created> {
  const result = await t.graphql(own, COLLECTION_CREATE, { input: collectionInput(overrides) });
  expect(result.data!.collectionCreate.userErrors).toEqual([]);
  return result.data!.collectionCreate.order;
}

async function createPayout(own: string, overrides: Record<string, unknown> = {}): Promise<Created> {
  const result = await t.graphql(own, PAYOUT_CREATE, { input: payoutInput(overrides) });
  expect(result.data!.payoutCreate.userErrors).toEqual([]);
  return result.data!.payoutCreate.order;
}

async function settle(own: string, order: Created, outcome: string): Promise<Created> {
  const result = await t.graphql(own, SETTLE, { id: order.id, outcome });
  expect(result.data!.sandboxOrderSettle.userErrors).toEqual([]);
  return { ...order, status: result.data!.sandboxOrderSettle.order.status };
}

async function listOrders(own: string, variables: Record<string, unknown> = {}) {
  const result = await t.graphql(own, ORDERS, { first: 100, ...variables });
  expect(result.errors).toBeUndefined();
  return result.data!.orders;
}

const ids = (connection: { edges: Array<{ node: { id: string } }> }) => connection.edges.map((edge) => edge.node.id);
const newestFirst = (orders: Created[]) => orders.map((order) => order.id).reverse();

beforeAll(async () => {
  // No background reconciliation: its statements would otherwise land in the statement counts below.
  t = await startTestGateway({ env: { RECONCILE_INTERVAL_MS: '0' } });
  merchant = await t.addMerchant('M-ORDERS-A');
  token = await t.token(merchant);
  created.push(await createCollection(token, { method: 'BANK_BCA' }));
  created.push(await createCollection(token, { method: 'QRIS' }));
  created.push(await createPayout(token, { bankCode: 'BANK_BNI' }));
  created.push(await settle(token, await createCollection(token, { method: 'BANK_BCA' }), 'SUCCEEDED'));
  created.push(await settle(token, await createCollection(token, { method: 'QRIS' }), 'FAILED'));
  created.push(await settle(token, await createPayout(token, { bankCode: 'BANK_BCA' }), 'SUCCEEDED'));
  created.push(await createCollection(token, { method: 'MART_ALFA' }));
  created.push(await createCollection(token, { method: 'BANK_BCA' }));
  created.push(await createCollection(token, { method: 'EWALLET_DANA' }));
  created.push(await createPayout(token, { bankCode: 'BANK_MANDIRI' }));
});
afterAll(() => t.close());

describe('order(id) and orderByMerchantOrderNo', () => {
  it('order(id) returns the order with its fields', async () => {
    const payout = created[2]!;
    const result = await t.graphql(token, ORDER, { id: payout.id });
    expect(result.errors).toBeUndefined();
    expect(result.data!.order).toMatchObject({
      id: payout.id,
      kind: 'PAYOUT',
      merchantOrderNo: payout.merchantOrderNo,
      platformOrderId: payout.platformOrderId,
      status: 'PROCESSING',
      amount: '250000',
      currency: 'IDR',
      method: 'BANK_BNI',
      createdAt: payout.createdAt,
    });
  });

  it('orderByMerchantOrderNo finds the same order', async () => {
    const collection = created[0]!;
    const result = await t.graphql(token, ORDER_BY_NO, { no: collection.merchantOrderNo });
    expect(result.data!.orderByMerchantOrderNo).toEqual({
      id: collection.id,
      merchantOrderNo: collection.merchantOrderNo,
      kind: 'COLLECTION',
      status: 'CREATED',
      amount: '150000',
      platformOrderId: collection.platformOrderId,
    });
  });

  it('unknown ids and merchantOrderNos read as null, without errors', async () => {
    const unknownId = Buffer.from('Order:0190a000-0000-7000-8000-000000000000').toString('base64');
    for (const id of [unknownId, 'not-a-global-id', Buffer.from('OrderEvent:1').toString('base64')]) {
      const result = await t.graphql(token, ORDER, { id });
      expect(result).toEqual({ data: { order: null } });
    }
    expect(await t.graphql(token, ORDER_BY_NO, { no: 'NO-SUCH-ORDER' })).toEqual({ data: { orderByMerchantOrderNo: null } });
  });
});

describe('orders connection', () => {
  it('lists every order of the merchant, newest first, as an OrderConnection', async () => {
    const connection = await listOrders(token);
    expect(connection.__typename).toBe('OrderConnection');
    expect(ids(connection)).toEqual(newestFirst(created));
    expect(connection.pageInfo.hasNextPage).toBe(false);
    const times = connection.edges.map((edge: { node: { createdAt: string } }) => Date.parse(edge.node.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('pages forward with after: no duplicates, no gaps, hasNextPage until the last page', async () => {
    const pages: string[][] = [];
    const more: boolean[] = [];
    let after: string | undefined;
    do {
      const connection = await listOrders(token, { first: 4, after });
      pages.push(ids(connection));
      more.push(connection.pageInfo.hasNextPage);
      expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1).cursor);
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : undefined;
    } while (after && pages.length < 10);
    expect(pages.map((page) => page.length)).toEqual([4, 4, 2]);
    expect(more).toEqual([true, true, false]);
    expect(pages.flat()).toEqual(newestFirst(created));
  });

  it.each([
    ['kind PAYOUT', { kind: 'PAYOUT' }, (order: Created) => order.kind === 'PAYOUT'],
    ['kind COLLECTION', { kind: 'COLLECTION' }, (order: Created) => order.kind === 'COLLECTION'],
    ['status SUCCEEDED or FAILED', { status: ['SUCCEEDED', 'FAILED'] }, (order: Created) => ['SUCCEEDED', 'FAILED'].includes(order.status)],
    ['status CREATED', { status: ['CREATED'] }, (order: Created) => order.status === 'CREATED'],
    ['method QRIS', { method: 'QRIS' }, (order: Created) => order.method === 'QRIS'],
    ['method BANK_BCA (collections and payouts)', { method: 'BANK_BCA' }, (order: Created) => order.method === 'BANK_BCA'],
    [
      'kind and status together',
      { kind: 'COLLECTION', status: ['SUCCEEDED'] },
      (order: Created) => order.kind === 'COLLECTION' && order.status === 'SUCCEEDED',
    ],
  ])('filter: %s', async (_name, filter, keep) => {
    const expected = newestFirst(created.filter(keep));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(created.length);
    expect(ids(await listOrders(token, { filter }))).toEqual(expected);
  });

  it('filter: createdAfter is inclusive, createdBefore exclusive', async () => {
    const filter = { createdAfter: created[2]!.createdAt, createdBefore: created[5]!.createdAt };
    expect(ids(await listOrders(token, { filter }))).toEqual(newestFirst(created.slice(2, 5)));
    expect(ids(await listOrders(token, { filter: { createdAfter: created[8]!.createdAt } }))).toEqual(newestFirst(created.slice(8)));
    expect(ids(await listOrders(token, { filter: { createdBefore: created[1]!.createdAt } }))).toEqual([created[0]!.id]);
  });

  it('filters combine with pagination', async () => {
    const first = await listOrders(token, { first: 2, filter: { kind: 'COLLECTION' } });
    const second = await listOrders(token, { first: 2, after: first.pageInfo.endCursor, filter: { kind: 'COLLECTION' } });
    const collections = newestFirst(created.filter((order) => order.kind === 'COLLECTION'));
    expect([...ids(first), ...ids(second)]).toEqual(collections.slice(0, 4));
  });

  it.each([
    ['not base64 of a cursor', 'not-a-cursor'],
    ['a cursor with a bad date', Buffer.from('yesterday|0190a000-0000-7000-8000-000000000000').toString('base64url')],
    ['a cursor with a bad id', Buffer.from(`${new Date().toISOString()}|1 or 1=1`).toString('base64url')],
  ])('after: %s is a BAD_USER_INPUT error', async (_name, after) => {
    const result = await t.graphql(token, ORDERS, { first: 5, after });
    expect(result.data ?? null).toBeNull();
    expect(result.errors).toEqual([expect.objectContaining({ path: ['orders'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
    expect(result.errors![0]!.message).toMatch(/^after: not a cursor of this list/);
  });

  it('a bad before cursor is named as such', async () => {
    const result = await t.graphql(token, `query ($before: String) { orders(last: 5, before: $before) { edges { cursor } } }`, { before: 'not-a-cursor' });
    expect(result.errors).toEqual([expect.objectContaining({ path: ['orders'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
    expect(result.errors![0]!.message).toMatch(/^before: not a cursor of this list/);
  });
});

describe('events', () => {
  it('oldest first, with previousStatus and the source of each change', async () => {
    const [succeeded, failed] = [created[3]!, created[4]!];
    expect((await t.graphql(token, ORDER, { id: succeeded.id })).data!.order.events).toEqual([
      { status: 'SUBMITTING', previousStatus: null, source: 'API', applied: true },
      { status: 'CREATED', previousStatus: 'SUBMITTING', source: 'API', applied: true },
      // sandboxOrderSettle: the sandbox's callback moves the order, or its answer when the callback is late.
      { status: 'SUCCEEDED', previousStatus: 'CREATED', source: expect.stringMatching(/^(CALLBACK|RECONCILIATION)$/), applied: true },
    ]);
    expect(
      (await t.graphql(token, ORDER, { id: failed.id })).data!.order.events.map(
        (event: { status: string; source: string }) => `${event.status}/${event.source}`,
      ),
    ).toEqual(['SUBMITTING/API', 'CREATED/API', expect.stringMatching(/^FAILED\/(CALLBACK|RECONCILIATION)$/)]);
    const payout = (await t.graphql(token, ORDER, { id: created[5]!.id })).data!.order;
    expect(payout.events.map((event: { status: string }) => event.status)).toEqual(['SUBMITTING', 'PROCESSING', 'SUCCEEDED']);
  });
});

describe('SQL statements per orders query: few, and the same however many orders', () => {
  const LIST_WITH_EVENTS = `{ orders(first: 100) { edges { node { id status events { status previousStatus source } } } } }`;

  async function merchantWithOrders(mchNo: string, count: number): Promise<string> {
    const own = await t.token(await t.addMerchant(mchNo));
    for (let batch = 0; batch < count; batch += 10) {
      const orders = await Promise.all(Array.from({ length: 10 }, () => createCollection(own, { method: 'QRIS' })));
      await settle(own, orders[0]!, 'SUCCEEDED');
    }
    return own;
  }

  async function statementsFor(own: string, expectedOrders: number): Promise<string[]> {
    await t.graphql(own, '{ paymentMethods(type: QRIS) { code } }'); // the token's first use also records lastUsedAt
    authCache.clear(); // a token not looked up lately: its lookup is one of the statements
    t.queries.length = 0;
    t.recordQueries = true;
    const result = await t.graphql(own, LIST_WITH_EVENTS);
    t.recordQueries = false;
    expect(result.errors).toBeUndefined();
    const edges = result.data!.orders.edges;
    expect(edges).toHaveLength(expectedOrders);
    const eventCounts = edges.map((edge: { node: { events: unknown[] } }) => edge.node.events.length);
    expect(Math.min(...eventCounts)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...eventCounts)).toBe(3);
    return [...t.queries];
  }

  it('10 orders and 30 orders with their events take the same ≤ 3 statements (token, orders, events)', async () => {
    const thirty = await merchantWithOrders('M-ORDERS-30', 30);
    expect(created).toHaveLength(10);
    const forTen = await statementsFor(token, 10);
    const forThirty = await statementsFor(thirty, 30);
    expect(forTen.length).toBeLessThanOrEqual(3);
    expect(forThirty.length).toBe(forTen.length);
    for (const statements of [forTen, forThirty]) {
      expect(statements.filter((sql) => /from "api_tokens"/.test(sql))).toHaveLength(1);
      expect(statements.filter((sql) => /from "orders"/.test(sql))).toHaveLength(1);
      expect(statements.filter((sql) => /from "order_events"/.test(sql))).toHaveLength(1);
    }
  });
});
