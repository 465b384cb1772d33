import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.js';
import { encodeEventCursor } from '../../src/orders/event-stream.js';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { callbackBody, collectionCallbackFields, postCallback } from '../helpers/callbacks.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createCollections, type CreatedCollection } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';
import { collect, wsClient, type Collected } from '../helpers/ws-client.js';

/** Resumable live status against real PostgreSQL and Redis, with two gateway instances. */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const platformKey = PrivateKey.generate();

let t: TestGateway;
let peer: Gateway;
let merchant: Merchant;
let token: string;

beforeAll(async () => {
  t = await startTestGateway({ env: { REDIS_URL, RECONCILE_INTERVAL_MS: '0' }, sandbox: { platformPrivateKey: platformKey.revealHex() } });
  peer = await t.startPeer();
  merchant = await t.addMerchant('M-RESUME');
  token = await t.token(merchant);
});
afterAll(() => t.close());

const createOrders = (count: number) => createCollections(t, token, count);

/** TarsPay's signed callback for `order`, posted to `gatewayUrl`. */
async function callback(gatewayUrl: string, order: CreatedCollection, state: 2 | 3): Promise<void> {
  const body = callbackBody(collectionCallbackFields(merchant.mchNo, order, state, { payAmount: state === 2 ? order.amount : '0', fee: '0' }));
  const answer = await postCallback(gatewayUrl, body, platformKey.sign(body));
  expect(answer).toEqual({ status: 200, text: 'OK' });
}

const EVENTS = `query ($first: Int, $after: String, $filter: OrderEventFilter) {
  events(first: $first, after: $after, filter: $filter) { edges { cursor node { cursor status previousStatus source order { id } } } pageInfo { hasNextPage endCursor } }
}`;

interface EventNode {
  cursor: string;
  status: string;
  order: { id: string };
}

async function allEvents(after?: string): Promise<EventNode[]> {
  const nodes: EventNode[] = [];
  for (let cursor = after; ;) {
    const page = (await t.graphql(token, EVENTS, { first: 7, after: cursor, filter: { includeIgnored: true } })).data!.events;
    nodes.push(...page.edges.map((edge: { node: EventNode }) => edge.node));
    if (!page.pageInfo.hasNextPage) return nodes;
    cursor = page.pageInfo.endCursor;
  }
}

const seqOf = (cursor: string) => BigInt(/^ev1:(\d+):/.exec(Buffer.from(cursor, 'base64url').toString())![1]!);

const ORDER_EVENTS = `subscription ($after: String) { orderEvents(after: $after, filter: { includeIgnored: true }) { cursor status order { id } } }`;

function subscribe(url: string, after?: string): Collected<{ orderEvents: EventNode }> {
  return collect<{ orderEvents: EventNode }>(wsClient(url, token), ORDER_EVENTS, after === undefined ? {} : { after });
}

describe('events: the merchant’s committed events in commit order, page by page', () => {
  it('pages forward with cursors that are the same wherever the event is read', async () => {
    const [order] = await createOrders(1);
    const listed = await allEvents();
    const seqs = listed.map((node) => seqOf(node.cursor));
    expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(seqs).size).toBe(seqs.length);
    const own = (await t.graphql(token, `query ($id: ID!) { order(id: $id) { events { cursor status } } }`, { id: order!.id })).data!.order.events;
    const fromConnection = listed.filter((node) => node.order.id === order!.id).map((node) => ({ cursor: node.cursor, status: node.status }));
    expect(own).toEqual(fromConnection);
    const afterFirst = await allEvents(listed[0]!.cursor);
    expect(afterFirst.map((node) => node.cursor)).toEqual(listed.slice(1).map((node) => node.cursor));
  });

  it('filters by status and refuses a cursor it never gave', async () => {
    const [order] = await createOrders(1);
    await callback(t.gateway.url, order!, 2);
    const succeeded = (await t.graphql(token, EVENTS, { first: 100, filter: { status: ['SUCCEEDED'] } })).data!.events.edges;
    expect(succeeded.length).toBeGreaterThan(0);
    expect(succeeded.every((edge: { node: EventNode }) => edge.node.status === 'SUCCEEDED')).toBe(true);
    const bad = await t.graphql(token, EVENTS, { after: 'not-a-cursor' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('a cursor this API never gave is BAD_USER_INPUT, over HTTP and WebSocket', () => {
  const now = Date.now();
  const notOurs = {
    'a seq past the bigint range': Buffer.from(`ev1:9223372036854775808:${now}`).toString('base64url'),
    'a seq of 19 nines': Buffer.from(`ev1:9999999999999999999:${now}`).toString('base64url'),
    'a negative seq': Buffer.from(`ev1:-1:${now}`).toString('base64url'),
    'another prefix': Buffer.from(`ev2:1:${now}`).toString('base64url'),
    'an extra field': Buffer.from(`ev1:1:${now}:0`).toString('base64url'),
    'a time in the future': Buffer.from(`ev1:1:${now + 30 * 86_400_000}`).toString('base64url'),
    'padding after one of ours': `${encodeEventCursor({ seq: 1n, createdAt: new Date(now) })}==`,
    'the empty string': '',
  };

  it.each(Object.entries(notOurs))('%s', async (_what, after) => {
    const query = await t.graphql(token, EVENTS, { after });
    expect(query.data?.events ?? null).toBeNull();
    expect(query.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(query.errors?.[0]?.message).toMatch(/^after: not a cursor of this API/);
    const stream = subscribe(t.gateway.url, after);
    await stream.completed;
    expect(stream.values).toEqual([]);
    expect(stream.errors).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^after: not a cursor/), extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    ]);
  });
});

describe('orderEvents(after): replay, then live, nothing missed, nothing twice', () => {
  it('replays what was committed after the cursor, then goes on live without a seam', async () => {
    const before = await allEvents();
    const resumeFrom = before.at(-1)!.cursor;
    const missed = await createOrders(3); // committed while the consumer was away
    const stream = subscribe(t.gateway.url, resumeFrom);
    try {
      await waitFor(() => (stream.values.length >= 3 ? true : undefined));
      const live = await createOrders(2);
      for (const order of [...missed, ...live]) await callback(t.gateway.url, order, 2);
      const expected = (await allEvents(resumeFrom)).map((node) => node.cursor);
      await waitFor(() => (stream.values.length >= expected.length ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 200)); // anything extra would have arrived by now
      expect(stream.errors).toEqual([]);
      expect(stream.values.map((value) => value.orderEvents.cursor)).toEqual(expected);
    } finally {
      stream.dispose();
    }
  });

  it('every event exactly once, in commit order, through concurrent callbacks on two instances and a consumer that keeps resuming on either', async () => {
    const orders = await createOrders(24);
    const start = (await allEvents()).at(-1)!.cursor;
    const received: EventNode[] = [];
    let stream = subscribe(t.gateway.url, start);
    const sending = Promise.all(
      orders.map(async (order, index) => {
        await new Promise((resolve) => setTimeout(resolve, (index % 6) * 15));
        await callback(index % 2 ? peer.url : t.gateway.url, order, index % 3 ? 2 : 3);
        // A replay of the same callback on the other instance: counted, never a second event.
        await callback(index % 2 ? t.gateway.url : peer.url, order, index % 3 ? 2 : 3);
      }),
    );
    let allSent = false;
    void sending.then(() => (allSent = true));
    for (let hop = 1; hop <= 8; hop++) {
      await waitFor(() => (stream.values.length >= 3 || allSent ? true : undefined), 15_000);
      stream.dispose();
      received.push(...stream.values.map((value) => value.orderEvents));
      stream = subscribe(hop % 2 ? peer.url : t.gateway.url, received.at(-1)?.cursor ?? start);
    }
    await sending;
    const expected = (await allEvents(start)).map((node) => node.cursor);
    await waitFor(() => (received.length + stream.values.length >= expected.length ? true : undefined), 15_000);
    stream.dispose();
    received.push(...stream.values.map((value) => value.orderEvents));
    expect(expected.length).toBe(24);
    expect(received.map((node) => node.cursor)).toEqual(expected);
  });

  it('resumes on instance B after instance A went down, with what B received meanwhile', async () => {
    const peerA = await t.startPeer();
    const orders = await createOrders(4);
    const start = (await allEvents()).at(-1)!.cursor;
    const onA = subscribe(peerA.url, start);
    await callback(peerA.url, orders[0]!, 2);
    await waitFor(() => (onA.values.length === 1 ? true : undefined));
    await peerA.close(); // the consumer's socket is cut
    await onA.completed;
    for (const order of orders.slice(1)) await callback(peer.url, order, 2);
    const lastSeen = onA.values.at(-1)!.orderEvents.cursor;
    const onB = subscribe(peer.url, lastSeen);
    try {
      await waitFor(() => (onB.values.length >= 3 ? true : undefined));
      expect(onB.values.map((value) => value.orderEvents.order.id)).toEqual(orders.slice(1).map((order) => order.id));
      expect(onB.values.every((value) => value.orderEvents.status === 'SUCCEEDED')).toBe(true);
    } finally {
      onB.dispose();
    }
  });
});

describe('retention', () => {
  it('an after cursor older than EVENT_RETENTION_DAYS is CURSOR_EXPIRED, never a silent gap; old events are pruned', async () => {
    const old = encodeEventCursor({ seq: 1n, createdAt: new Date(Date.now() - 91 * 86_400_000) });
    const query = await t.graphql(token, EVENTS, { after: old });
    expect(query.errors?.[0]?.extensions?.code).toBe('CURSOR_EXPIRED');
    expect(query.errors?.[0]?.message).toMatch(/^after: the cursor is older than .*EVENT_RETENTION_DAYS.*\(orders query\).*\(latestEventCursor\)/);
    const stream = subscribe(t.gateway.url, old);
    await stream.completed;
    expect(JSON.stringify(stream.errors)).toMatch(/CURSOR_EXPIRED/);

    const [order] = await createOrders(1);
    const sql = t.gateway.orm.em.fork().getConnection();
    await sql.execute(`update order_events set created_at = now() - interval '91 days' where order_id = (select id from orders where merchant_order_no = ?)`, [
      order!.merchantOrderNo,
    ]);
    expect(await t.gateway.services.events.prune()).toBeGreaterThanOrEqual(1);
    const left = await sql.execute<Array<{ n: number }>>(`select count(*)::int as n from order_events where created_at < now() - interval '90 days'`);
    expect(left[0]!.n).toBe(0);
  });
});
