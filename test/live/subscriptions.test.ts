import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, PAYOUT_CREATE, collectionInput, payoutInput } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';
import { collect, wsClient } from '../helpers/ws-client.js';

let t: TestGateway;
let merchantA: Merchant;
let merchantB: Merchant;
let tokenA: string;
let tokenB: string;

beforeAll(async () => {
  t = await startTestGateway();
  merchantA = await t.addMerchant('M-LIVE-A');
  merchantB = await t.addMerchant('M-LIVE-B');
  tokenA = await t.token(merchantA);
  tokenB = await t.token(merchantB);
});
afterAll(() => t.close());

const ORDER_UPDATED = `subscription ($id: ID!) { orderUpdated(id: $id) { id status paidAmount } }`;
const ORDER_EVENTS = `subscription ($filter: OrderEventFilter) { orderEvents(filter: $filter) { status previousStatus source applied order { id merchantOrderNo status } } }`;

async function createCollection(token: string) {
  const result = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
  return result.data!.collectionCreate.order as { id: string; platformOrderId: string; merchantOrderNo: string };
}

describe('orderUpdated', () => {
  it('yields the order as it is now, then the change, then completes once settled', async () => {
    const order = await createCollection(tokenA);
    const client = wsClient(t.gateway.url, tokenA);
    const updates = collect<{ orderUpdated: { id: string; status: string; paidAmount: string | null } }>(client, ORDER_UPDATED, { id: order.id });
    await waitFor(() => (updates.values.length === 1 ? true : undefined));
    expect(updates.values[0]!.orderUpdated).toEqual({ id: order.id, status: 'CREATED', paidAmount: null });
    t.sandbox.settle(order.platformOrderId, { outcome: 'SUCCEEDED' });
    await updates.completed;
    expect(updates.errors).toEqual([]);
    expect(updates.values.map((value) => value.orderUpdated.status)).toEqual(['CREATED', 'SUCCEEDED']);
    expect(updates.values[1]!.orderUpdated.paidAmount).toBe('150000');
    await client.dispose();
  });

  it('reads nested fields afresh for every event (no cache carried across events)', async () => {
    const order = await createCollection(tokenA);
    const client = wsClient(t.gateway.url, tokenA);
    const updates = collect<{ orderUpdated: { status: string; events: Array<{ status: string }> } }>(
      client,
      `subscription ($id: ID!) { orderUpdated(id: $id) { status events { status } } }`,
      { id: order.id },
    );
    await waitFor(() => (updates.values.length === 1 ? true : undefined));
    t.sandbox.settle(order.platformOrderId, { outcome: 'SUCCEEDED' });
    await updates.completed;
    expect(updates.errors).toEqual([]);
    expect(updates.values.map((value) => value.orderUpdated.events.map((event) => event.status))).toEqual([
      ['SUBMITTING', 'CREATED'],
      ['SUBMITTING', 'CREATED', 'SUCCEEDED'],
    ]);
    await client.dispose();
  });

  it("refuses another merchant's order and unauthenticated connections", async () => {
    const order = await createCollection(tokenA);
    const asB = collect(wsClient(t.gateway.url, tokenB), ORDER_UPDATED, { id: order.id });
    await asB.completed;
    expect(asB.errors).toEqual([
      [expect.objectContaining({ message: 'No order with this id for this merchant', extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })],
    ]);
    expect(asB.values).toEqual([]);
    const anonymous = collect(wsClient(t.gateway.url, null), ORDER_UPDATED, { id: order.id });
    await anonymous.completed;
    expect(anonymous.values).toEqual([]);
    expect(anonymous.errors).toEqual([expect.objectContaining({ code: 4403 })]);
  });
});

describe('orderEvents', () => {
  it("streams the merchant's own changes only, with a filter", async () => {
    const clientA = wsClient(t.gateway.url, tokenA);
    const clientB = wsClient(t.gateway.url, tokenB);
    const all = collect(clientA, ORDER_EVENTS);
    const payoutsOnly = collect(clientA, ORDER_EVENTS, { filter: { kind: 'PAYOUT' } });
    const ofB = collect(clientB, ORDER_EVENTS);
    // graphql-ws has no "subscribed" acknowledgement: create orders until the first event arrives.
    const orders: Array<{ id: string; platformOrderId: string }> = [];
    await waitFor(async () => {
      orders.push(await createCollection(tokenA));
      return all.values.length > 0 ? true : undefined;
    });
    const last = orders.at(-1)!;
    t.sandbox.settle(last.platformOrderId, { outcome: 'SUCCEEDED' });
    await waitFor(() => (all.values.some((value) => value.orderEvents.status === 'SUCCEEDED' && value.orderEvents.order.id === last.id) ? true : undefined));
    const payout = await t.graphql(tokenA, PAYOUT_CREATE, { input: payoutInput() });
    await waitFor(() => (payoutsOnly.values.length > 0 ? true : undefined));
    expect(payoutsOnly.values.every((value) => value.orderEvents.order.id === payout.data!.payoutCreate.order.id)).toBe(true);
    const succeeded = all.values.find((value) => value.orderEvents.status === 'SUCCEEDED')!.orderEvents;
    expect(succeeded).toMatchObject({ previousStatus: 'CREATED', source: 'CALLBACK', applied: true, order: { id: last.id, status: 'SUCCEEDED' } });
    // B saw none of A's orders.
    await createCollection(tokenB);
    await waitFor(() => (ofB.values.length > 0 ? true : undefined));
    const idsOfA = new Set(orders.map((order) => order.id));
    expect(ofB.values.some((value) => idsOfA.has(value.orderEvents.order.id))).toBe(false);
    for (const stream of [all, payoutsOnly, ofB]) stream.dispose();
    await clientA.dispose();
    await clientB.dispose();
    // Subscribers that left hold nothing in the gateway.
    await waitFor(() => (t.gateway.services.live.listeners() === 0 ? true : undefined));
  });

  it('needs orders:read', async () => {
    const writeOnly = await t.token(merchantA, ['collections:write']);
    const stream = collect(wsClient(t.gateway.url, writeOnly), ORDER_EVENTS);
    await stream.completed;
    expect(JSON.stringify(stream.errors)).toContain('FORBIDDEN');
  });
});
