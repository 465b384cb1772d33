import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeClientSecret, CLIENT_SECRET_GRACE_MS } from '../../src/auth/client-secrets.js';
import { authCache } from '../../src/auth/tokens.js';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { parseOrderId } from '../../src/schema/order.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { collect, wsClient } from '../helpers/ws-client.js';
import { openRaw } from '../helpers/raw-ws.js';
import { collectionInput, payoutInput } from '../helpers/operations.js';

const CREATE = `mutation ($input: CollectionCreateInput!) {
  collectionCreate(input: $input) { order { id status } clientSecret userErrors { code message } }
}`;
const PAYOUT = `mutation ($input: PayoutCreateInput!) { payoutCreate(input: $input) { order { id } clientSecret userErrors { code } } }`;
const ORDER = `query ($id: ID!) { order(id: $id) { id status vaNumber payUrl events { status } } }`;
const NODE = `query ($id: ID!) { node(id: $id) { id ... on Order { status } } }`;
const SECRET_OF = `query ($id: ID!) { order(id: $id) { clientSecret } }`;
const SETTLE = `mutation ($id: ID!) { sandboxOrderSettle(id: $id, outcome: FAILED) { order { id status } userErrors { code } } }`;
const FOLLOW = `subscription ($id: ID!) { orderUpdated(id: $id) { id status } }`;

/** What a client secret must never run: every list, every create, payouts, balance, catalogs. */
const REFUSED: Array<[string, string, Record<string, unknown>?]> = [
  ['orders', '{ orders(first: 5) { edges { node { id } } } }'],
  ['orderByMerchantOrderNo', '{ orderByMerchantOrderNo(merchantOrderNo: "X") { id } }'],
  ['events', '{ events(first: 5) { edges { node { id } } } }'],
  ['latestEventCursor', '{ latestEventCursor }'],
  ['balance', '{ balance { __typename } }'],
  ['transactions', '{ transactions { __typename } }'],
  ['paymentMethods', '{ paymentMethods { code } }'],
  ['payoutBanks', '{ payoutBanks { code } }'],
  ['introspection', '{ __schema { queryType { name } } }'],
  ['collectionCreate', CREATE, { input: collectionInput() }],
  ['payoutCreate', PAYOUT, { input: payoutInput() }],
  ['orderRefresh', 'mutation ($id: ID!) { orderRefresh(id: $id) { userErrors { code } } }', { id: 'x' }],
  ['a list behind a fragment', 'query { ...F } fragment F on Query { orders(first: 1) { edges { node { id } } } }'],
];

let t: TestGateway;
let merchant: Merchant;
let token: string;

async function createCollection(bearer = token, input = collectionInput()): Promise<{ id: string; clientSecret: string }> {
  const answer = await t.graphql(bearer, CREATE, { input });
  const payload = answer.data!.collectionCreate;
  expect(payload.userErrors).toEqual([]);
  return { id: payload.order.id, clientSecret: payload.clientSecret };
}

beforeAll(async () => {
  t = await startTestGateway({ env: { WS_TOKEN_RECHECK_MS: '200' } });
  merchant = await t.addMerchant('M-SECRET-1');
  token = await t.token(merchant);
});
afterAll(async () => {
  await t?.close();
});

describe('client secrets', () => {
  it('come with a created collection, are readable again with orders:read, and are stored as a hash and sealed text only', async () => {
    const { id, clientSecret } = await createCollection();
    expect(clientSecret).toMatch(/^tpcs_[A-Za-z0-9_-]{43}$/);
    expect((await t.graphql(token, SECRET_OF, { id })).data!.order.clientSecret).toBe(clientSecret);
    const checkout = await t.token(merchant, ['collections:write']);
    const refused = await t.graphql(checkout, SECRET_OF, { id });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const [row] = await t.gateway.orm.em
      .fork()
      .getConnection()
      .execute<Array<Record<string, unknown>>>(
        'select cs.*, o.expires_at as order_expires_at from client_secrets cs join orders o on o.id = cs.order_id where cs.order_id = ?',
        [parseOrderId(id)],
      );
    expect(JSON.stringify(row)).not.toContain(clientSecret);
    expect(new Date(row!.expires_at as string).getTime() - new Date(row!.order_expires_at as string).getTime()).toBe(CLIENT_SECRET_GRACE_MS);
    const payout = await t.graphql(token, PAYOUT, { input: payoutInput() });
    expect(payout.data!.payoutCreate.clientSecret).toBeNull();
  });

  it('are made when asked for: a create that does not select clientSecret stores none, and Order.clientSecret makes it later', async () => {
    const answer = await t.graphql(
      token,
      `mutation ($input: CollectionCreateInput!) { collectionCreate(input: $input) { order { id } userErrors { code } } }`,
      {
        input: collectionInput(),
      },
    );
    const { id } = answer.data!.collectionCreate.order;
    const count = async () =>
      (
        await t.gateway.orm.em
          .fork()
          .getConnection()
          .execute<Array<{ n: number }>>('select count(*)::int as n from client_secrets where order_id = ?', [parseOrderId(id)])
      )[0]!.n;
    expect(await count()).toBe(0);
    const secret = (await t.graphql(token, SECRET_OF, { id })).data!.order.clientSecret;
    expect(secret).toMatch(/^tpcs_/);
    expect(await count()).toBe(1);
    expect((await t.graphql(token, SECRET_OF, { id })).data!.order.clientSecret).toBe(secret);
  });

  it('read their own order over HTTP (order, node) and nothing of another order', async () => {
    const own = await createCollection();
    const other = await createCollection();
    const read = await t.graphql(own.clientSecret, ORDER, { id: own.id });
    expect(read.errors).toBeUndefined();
    expect(read.data!.order).toMatchObject({ id: own.id, status: 'CREATED', events: [{ status: 'SUBMITTING' }, { status: 'CREATED' }] });
    expect(read.data!.order.vaNumber).toMatch(/^\d+$/);
    expect((await t.graphql(own.clientSecret, NODE, { id: own.id })).data!.node).toEqual({ id: own.id, status: 'CREATED' });
    expect(await t.graphql(own.clientSecret, ORDER, { id: other.id })).toEqual({ data: { order: null } });
    expect(await t.graphql(own.clientSecret, NODE, { id: other.id })).toEqual({ data: { node: null } });
    // Another merchant's secret reaches nothing of this merchant's.
    const stranger = await createCollection(await t.token(await t.addMerchant('M-SECRET-2')));
    expect(await t.graphql(stranger.clientSecret, ORDER, { id: own.id })).toEqual({ data: { order: null } });
  });

  it.each(REFUSED)('may not run %s: FORBIDDEN, and nothing runs', async (_name, query, variables) => {
    const { clientSecret } = await createCollection();
    const before = await t.graphql(token, '{ orders(first: 100) { edges { node { id } } } }');
    const answer = await t.graphql(clientSecret, query, variables);
    expect(answer.data ?? null).toBeNull();
    expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(answer.errors?.[0]?.message).toMatch(/client secret may only read, follow/);
    const after = await t.graphql(token, '{ orders(first: 100) { edges { node { id } } } }');
    expect(after.data!.orders.edges).toHaveLength(before.data!.orders.edges.length);
  });

  it("settle their own order in the sandbox, and never another customer's", async () => {
    const own = await createCollection();
    const other = await createCollection();
    const refused = await t.graphql(own.clientSecret, SETTLE, { id: other.id });
    expect(refused.data!.sandboxOrderSettle.userErrors).toEqual([{ code: 'NOT_FOUND' }]);
    expect((await t.graphql(token, ORDER, { id: other.id })).data!.order.status).toBe('CREATED');
    const settled = await t.graphql(own.clientSecret, SETTLE, { id: own.id });
    expect(settled.data!.sandboxOrderSettle).toEqual({ order: { id: own.id, status: 'FAILED' }, userErrors: [] });
  });

  it('follow their own order over WebSocket, and neither another order nor the event stream', async () => {
    const own = await createCollection();
    const other = await createCollection();
    const client = wsClient(t.gateway.url, own.clientSecret);
    try {
      const followed = collect(client, FOLLOW, { id: own.id });
      await expect.poll(() => followed.values.length).toBe(1);
      expect(followed.values[0]).toEqual({ orderUpdated: { id: own.id, status: 'CREATED' } });
      await t.graphql(token, `mutation ($id: ID!) { sandboxOrderSettle(id: $id, outcome: SUCCEEDED) { userErrors { code } } }`, { id: own.id });
      await followed.completed;
      expect(followed.values.map((value) => value.orderUpdated.status)).toEqual(['CREATED', 'SUCCEEDED']);

      const another = collect(client, FOLLOW, { id: other.id });
      await another.completed;
      expect(another.values).toEqual([]);
      expect(JSON.stringify(another.errors)).toContain('NOT_FOUND');

      const stream = collect(client, 'subscription { orderEvents { id } }');
      await stream.completed;
      expect(JSON.stringify(stream.errors)).toContain('FORBIDDEN');
      const list = collect(client, '{ orders(first: 5) { edges { node { id } } } }');
      await list.completed;
      expect(list.values).toEqual([]);
      expect(JSON.stringify(list.errors)).toContain('FORBIDDEN');
    } finally {
      await client.dispose();
    }
  });

  it('stop working after revocation: HTTP at once, and an open subscription ends', async () => {
    const own = await createCollection();
    const connection = await openRaw(t.gateway.url, { authorization: `Bearer ${own.clientSecret}` });
    await connection.until((message) => message.type === 'connection_ack');
    connection.send({ id: '1', type: 'subscribe', payload: { query: FOLLOW, variables: { id: own.id } } });
    await connection.until((message) => message.type === 'next');
    // Open connections are re-checked every 200 ms here: an active secret passes each re-check.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(connection.socket.readyState).toBe(connection.socket.OPEN);

    expect(await revokeClientSecret(t.gateway.orm.em.fork(), parseOrderId(own.id)!)).not.toBeNull();
    const refused = await t.graphql(own.clientSecret, ORDER, { id: own.id });
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await connection.closed).code).toBe(4403);
    expect(connection.messages.some((message) => message.type === 'error' && message.payload[0].extensions.code === 'UNAUTHENTICATED')).toBe(true);
    const reconnect = await openRaw(t.gateway.url, { authorization: `Bearer ${own.clientSecret}` });
    expect((await reconnect.closed).code).toBe(4403);
    // A revoked secret is not handed out again.
    expect((await t.graphql(token, SECRET_OF, { id: own.id })).data!.order.clientSecret).toBeNull();
  });

  it("stop working once the order's expiry and the grace period have passed, over HTTP and WebSocket", async () => {
    const own = await createCollection();
    const connection = await openRaw(t.gateway.url, { authorization: `Bearer ${own.clientSecret}` });
    await connection.until((message) => message.type === 'connection_ack');
    connection.send({ id: '1', type: 'subscribe', payload: { query: FOLLOW, variables: { id: own.id } } });
    await connection.until((message) => message.type === 'next');

    // The order expired more than the grace period ago.
    await t.gateway.orm.em
      .fork()
      .getConnection()
      .execute(`update client_secrets set expires_at = now() - interval '1 second' where order_id = ?`, [parseOrderId(own.id)]);
    expect((await connection.closed).code).toBe(4403);
    authCache.clear(); // as the 5 s cache would have by itself
    const refused = await t.graphql(own.clientSecret, ORDER, { id: own.id });
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const reconnect = await openRaw(t.gateway.url, { authorization: `Bearer ${own.clientSecret}` });
    expect((await reconnect.closed).code).toBe(4403);
  });
});

describe('client secrets and rate limits', () => {
  let limited: TestGateway;
  afterAll(async () => {
    await limited?.close();
  });

  it("are charged to their own bucket and their merchant's", async () => {
    limited = await startTestGateway({
      env: { RATE_LIMIT_TOKEN_BURST: '3', RATE_LIMIT_TOKEN_PER_SECOND: '0.001', RATE_LIMIT_MERCHANT_BURST: '6', RATE_LIMIT_MERCHANT_PER_SECOND: '0.001' },
    });
    const shop = await limited.addMerchant('M-SECRET-RATE');
    const create = async () =>
      (await limited.graphql(await limited.token(shop, ['collections:write']), CREATE, { input: collectionInput() })).data!.collectionCreate;
    const [first, second] = [await create(), await create()]; // 2 of the merchant's 6
    const read = (secret: string, id: string) => limited.graphql(secret, `query ($id: ID!) { order(id: $id) { id } }`, { id });
    expect((await read(first.clientSecret, first.order.id)).errors).toBeUndefined();
    expect((await read(first.clientSecret, first.order.id)).errors).toBeUndefined();
    expect((await read(first.clientSecret, first.order.id)).errors).toBeUndefined();
    // Its own bucket (3) is empty; the merchant's has 1 left.
    const own = await read(first.clientSecret, first.order.id);
    expect(own.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(own.errors?.[0]?.message).toContain('this token may spend 3');
    expect((await read(second.clientSecret, second.order.id)).errors).toBeUndefined();
    const merchants = await read(second.clientSecret, second.order.id);
    expect(merchants.errors?.[0]?.message).toContain("this token's merchant may spend 6");
  });
});
