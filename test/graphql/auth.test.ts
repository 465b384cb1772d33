import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/auth/scopes.js';
import { createApiToken, revokeApiToken } from '../../src/auth/tokens.js';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, ORDER, PAYOUT_CREATE, REFRESH, SETTLE, collectionInput, payoutInput } from '../helpers/operations.js';

const ORDER_BY_NO = `query ($no: String!) { orderByMerchantOrderNo(merchantOrderNo: $no) { id merchantOrderNo } }`;
const ORDERS = `{ orders(first: 100) { edges { node { id merchantOrderNo platformOrderId } } } }`;
const NODE = `query ($id: ID!) { node(id: $id) { id ... on Order { merchantOrderNo status } } }`;

let t: TestGateway;
let merchantA: Merchant;
let merchantB: Merchant;
let tokenA: string;
let tokenB: string;
/** An order of merchant A, as A's createCollection returned it. */
let orderA: Record<string, any>;

beforeAll(async () => {
  t = await startTestGateway();
  merchantA = await t.addMerchant('M-AUTH-A');
  merchantB = await t.addMerchant('M-AUTH-B');
  [tokenA, tokenB] = await Promise.all([t.token(merchantA), t.token(merchantB)]);
  const created = await t.graphql(tokenA, COLLECTION_CREATE, { input: collectionInput({ method: 'QRIS' }) });
  orderA = created.data!.collectionCreate.order;
  expect(orderA.platformOrderId).toMatch(/^P\d+$/);
});
afterAll(() => t.close());

/** POST /graphql with exactly these headers. */
async function post(
  headers: Record<string, string>,
  query: string,
  variables?: Record<string, unknown>,
): Promise<{ status: number; body: GraphQLResponse<any> }> {
  const response = await fetch(`${t.gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLResponse<any> };
}

async function storedOrders(merchantOrderNo: string): Promise<number> {
  const rows = await t.gateway.orm.em.fork().getConnection().execute('select count(*)::int as n from orders where merchant_order_no = ?', [merchantOrderNo]);
  return rows[0]!.n;
}

const codes = (response: GraphQLResponse<unknown>) => (response.errors ?? []).map((error) => error.extensions?.code);

describe('authentication: a missing or bad token is a top-level UNAUTHENTICATED error', () => {
  const wellFormedUnknown = () => `tpg_${randomBytes(32).toString('base64url')}`;

  it.each([
    ['no Authorization header', () => ({})],
    ['an empty Bearer', () => ({ authorization: 'Bearer ' })],
    ['a malformed token', () => ({ authorization: 'Bearer not-a-token' })],
    ['a token one character short', () => ({ authorization: `Bearer ${wellFormedUnknown().slice(0, -1)}` })],
    ['Basic credentials', () => ({ authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` })],
    ['an unknown well-formed token', () => ({ authorization: `Bearer ${wellFormedUnknown()}` })],
  ])('%s', async (_name, headers) => {
    const queries = [
      '{ paymentMethods { code } }',
      '{ orders(first: 1) { edges { node { id } } } }',
      '{ balance { availableAmount } }',
      `{ node(id: "${orderA.id}") { id } }`,
    ];
    for (const query of queries) {
      const { status, body } = await post(headers(), query);
      expect(Object.values(body.data ?? {}).filter((value) => value !== null)).toEqual([]);
      expect(codes(body)).toEqual(['UNAUTHENTICATED']);
      expect(body.errors![0]!.message).toMatch(/Authorization: Bearer/);
      expect(status).toBe(401);
    }
  });

  it('a mutation without a token creates nothing and calls nobody', async () => {
    const input = collectionInput();
    const before = t.upstreamCalls.length;
    const { body } = await post({}, COLLECTION_CREATE, { input });
    expect(codes(body)).toEqual(['UNAUTHENTICATED']);
    expect(t.upstreamCalls.length).toBe(before);
    expect(await storedOrders(String(input.merchantOrderNo))).toBe(0);
  });

  it('a revoked token stops working at once', async () => {
    const { token, apiToken } = await createApiToken(t.gateway.orm.em.fork(), { merchant: merchantA, name: 'to revoke', scopes: ['orders:read'] });
    const before = await t.graphql(token, ORDER, { id: orderA.id });
    expect(before.data!.order.id).toBe(orderA.id);

    expect(await revokeApiToken(t.gateway.orm.em.fork(), apiToken.id)).not.toBeNull();
    const after = await t.graphql(token, ORDER, { id: orderA.id });
    expect(after.data?.order ?? null).toBeNull();
    expect(codes(after)).toEqual(['UNAUTHENTICATED']);
    expect(JSON.stringify(after)).not.toContain(orderA.merchantOrderNo);
  });

  it('"bearer" in any case and surrounding spaces are accepted', async () => {
    const { body } = await post({ authorization: `  bearer ${tokenA}  ` }, '{ paymentMethods(type: QRIS) { code } }');
    expect(body).toEqual({ data: { paymentMethods: [{ code: 'QRIS' }] } });
  });
});

describe('a present token that does not authenticate refuses the whole operation, whatever it asks', () => {
  const documents = [
    ['{ __typename }', '{ __typename }'],
    ['introspection', '{ __schema { queryType { name } } }'],
    ['a query', '{ paymentMethods { code } }'],
    ['a mutation', `mutation { orderRefresh(id: "x") { userErrors { code } } }`],
  ] as const;
  const invalidTokens: Array<[string, () => Promise<string>]> = [
    ['garbage', async () => 'garbage'],
    ['an unknown token', async () => `tpg_${randomBytes(32).toString('base64url')}`],
    [
      'a token revoked by another process',
      async () => {
        const { token, apiToken } = await createApiToken(t.gateway.orm.em.fork(), { merchant: merchantA, name: 'revoked elsewhere', scopes: ['orders:read'] });
        // What `token revoke` in another process does: a row update this process's cache never hears of.
        await t.gateway.orm.em.fork().getConnection().execute('update api_tokens set revoked_at = now() where id = ?', [apiToken.id]);
        return token;
      },
    ],
    [
      'an expired token',
      async () =>
        (
          await createApiToken(t.gateway.orm.em.fork(), {
            merchant: merchantA,
            name: 'expired',
            scopes: ['orders:read'],
            expiresAt: new Date(Date.now() - 1000),
          })
        ).token,
    ],
  ];

  it.each(invalidTokens)('%s', async (_name, makeToken) => {
    const token = await makeToken();
    for (const [, query] of documents) {
      const { status, body } = await post({ authorization: `Bearer ${token}` }, query);
      expect(body.data ?? null).toBeNull();
      expect(codes(body)).toEqual(['UNAUTHENTICATED']);
      expect(body.errors![0]!.message).toMatch(/revoked or expired.*Authorization: Bearer/);
      expect(status).toBe(401);
    }
  });

  it('without any Authorization header, __typename and (in development) introspection still answer', async () => {
    expect((await post({}, '{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
    expect((await post({}, '{ __schema { queryType { name } } }')).body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('a token that expires stops working once its expiry passes, cache or not', async () => {
    const expiresAt = new Date(Date.now() + 500);
    const { token } = await createApiToken(t.gateway.orm.em.fork(), { merchant: merchantA, name: 'short-lived', scopes: ['orders:read'], expiresAt });
    expect((await t.graphql(token, ORDER, { id: orderA.id })).data!.order.id).toBe(orderA.id);
    await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 20));
    expect(codes(await t.graphql(token, ORDER, { id: orderA.id }))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('scopes: each one gates exactly what docs/OPERATIONS.md says', () => {
  interface Operation {
    field: string;
    /** null: any valid token. */
    scope: Scope | null;
    document: string;
    variables: () => Record<string, unknown>;
  }
  const operations: Operation[] = [
    { field: 'collectionCreate', scope: 'collections:write', document: COLLECTION_CREATE, variables: () => ({ input: collectionInput() }) },
    { field: 'payoutCreate', scope: 'payouts:write', document: PAYOUT_CREATE, variables: () => ({ input: payoutInput() }) },
    { field: 'order', scope: 'orders:read', document: ORDER, variables: () => ({ id: orderA.id }) },
    { field: 'orderByMerchantOrderNo', scope: 'orders:read', document: ORDER_BY_NO, variables: () => ({ no: orderA.merchantOrderNo }) },
    { field: 'orders', scope: 'orders:read', document: ORDERS, variables: () => ({}) },
    { field: 'node', scope: 'orders:read', document: NODE, variables: () => ({ id: orderA.id }) },
    { field: 'transactions', scope: 'orders:read', document: '{ transactions(pageSize: 5) { total records { platformOrderId } } }', variables: () => ({}) },
    { field: 'balance', scope: 'balance:read', document: '{ balance { availableAmount frozenAmount } }', variables: () => ({}) },
    { field: 'paymentMethods', scope: null, document: '{ paymentMethods { code } }', variables: () => ({}) },
    { field: 'payoutBanks', scope: null, document: '{ payoutBanks(search: "bca") { code } }', variables: () => ({}) },
  ];
  const tokenScopes: Array<readonly Scope[]> = [[], ['collections:write'], ['payouts:write'], ['orders:read'], ['balance:read']];
  const cases = operations.flatMap((operation) => tokenScopes.map((scopes) => [operation.field, scopes.join(',') || '(none)', operation, scopes] as const));

  it.each(cases)('%s with a token of scopes %s', async (_field, _label, operation, scopes) => {
    const token = await t.token(merchantA, scopes);
    const variables = operation.variables();
    const result = await t.graphql(token, operation.document, variables);
    const allowed = operation.scope === null || scopes.includes(operation.scope);
    if (allowed) {
      expect(result.errors).toBeUndefined();
      expect(result.data![operation.field]).not.toBeNull();
      return;
    }
    expect(result.errors).toEqual([expect.objectContaining({ path: [operation.field], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
    expect(result.errors![0]!.message).toContain(operation.field);
    expect(result.data?.[operation.field] ?? null).toBeNull();
    const input = variables.input as { merchantOrderNo?: string } | undefined;
    if (input?.merchantOrderNo) expect(await storedOrders(input.merchantOrderNo)).toBe(0);
  });
});

describe('idempotent replays show a token only what its scopes may read', () => {
  const REPLAY = `mutation ($input: CollectionCreateInput!) {
    collectionCreate(input: $input) { order { id status merchantOrderNo amount platformOrderId payUrl payData vaNumber paidAmount fee failureReason upstreamCode expiresAt payInstructionsAvailable events { status } } userErrors { code } }
  }`;

  it('a checkout token replaying an order sees its id and status, and nothing it did not send', async () => {
    const full = await t.token(merchantA, ['collections:write', 'orders:read']);
    const checkout = await t.token(merchantA, ['collections:write']);
    const input = collectionInput({ method: 'BANK_BCA' });
    const first = (await t.graphql(checkout, REPLAY, { input })).data!.collectionCreate.order;
    // Its own fresh create shows how to pay: the checkout needs it.
    expect(first.vaNumber).toMatch(/\d+/);
    expect(first.events.length).toBeGreaterThan(0);

    const replay = await t.graphql(checkout, REPLAY, { input });
    expect(replay.errors).toBeUndefined();
    expect(replay.data!.collectionCreate.order).toEqual({
      id: first.id,
      status: first.status,
      merchantOrderNo: input.merchantOrderNo,
      amount: input.amount,
      platformOrderId: null,
      payUrl: null,
      payData: null,
      vaNumber: null,
      paidAmount: null,
      fee: null,
      failureReason: null,
      upstreamCode: null,
      expiresAt: null,
      payInstructionsAvailable: false,
      events: [],
    });
    const withRead = (await t.graphql(full, REPLAY, { input })).data!.collectionCreate.order;
    expect(withRead).toMatchObject({ id: first.id, platformOrderId: first.platformOrderId, vaNumber: first.vaNumber });
    expect(withRead.events.length).toBeGreaterThan(0);
  });
});

describe("merchant isolation: B's token never reaches A's orders", () => {
  it('order(id) and orderByMerchantOrderNo read as null', async () => {
    const byId = await t.graphql(tokenB, ORDER, { id: orderA.id });
    expect(byId).toEqual({ data: { order: null } });
    const byNo = await t.graphql(tokenB, ORDER_BY_NO, { no: orderA.merchantOrderNo });
    expect(byNo).toEqual({ data: { orderByMerchantOrderNo: null } });
    const byNode = await t.graphql(tokenB, NODE, { id: orderA.id });
    expect(byNode).toEqual({ data: { node: null } });
  });

  it("orders lists only B's own orders", async () => {
    const own = await t.graphql(tokenB, COLLECTION_CREATE, { input: collectionInput() });
    const ownId = own.data!.collectionCreate.order.id;
    const listB = await t.graphql(tokenB, ORDERS);
    const idsB = listB.data!.orders.edges.map((edge: { node: { id: string } }) => edge.node.id);
    expect(idsB).toContain(ownId);
    expect(idsB).not.toContain(orderA.id);
    const listA = await t.graphql(tokenA, ORDERS);
    expect(listA.data!.orders.edges.map((edge: { node: { id: string } }) => edge.node.id)).toContain(orderA.id);
    expect(listA.data!.orders.edges.map((edge: { node: { id: string } }) => edge.node.id)).not.toContain(ownId);
    expect(JSON.stringify(listB)).not.toContain(orderA.merchantOrderNo);
  });

  it('settling a payout needs payouts:write: a top-level FORBIDDEN saying so, and nothing settles', async () => {
    const payout = await t.graphql(await t.token(merchantA, ['payouts:write']), PAYOUT_CREATE, { input: payoutInput() });
    const order = payout.data!.payoutCreate.order as { id: string; platformOrderId: string };
    const settle = await t.graphql(await t.token(merchantA, ['collections:write']), SETTLE, { id: order.id, outcome: 'SUCCEEDED' });
    expect(settle.errors).toEqual([
      expect.objectContaining({
        path: ['sandboxOrderSettle'],
        message: 'Settling a payout needs the payouts:write scope',
        extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
      }),
    ]);
    expect(settle.data?.sandboxOrderSettle ?? null).toBeNull();
    expect(t.sandbox.order(order.platformOrderId)!.state).not.toBe(2);
  });

  it('orderRefresh and sandboxOrderSettle answer NOT_FOUND and change nothing', async () => {
    const calls = t.upstreamCalls.length;
    const refresh = await t.graphql(tokenB, REFRESH, { id: orderA.id });
    expect(refresh.errors).toBeUndefined();
    expect(refresh.data!.orderRefresh).toEqual({ order: null, userErrors: [expect.objectContaining({ code: 'NOT_FOUND', field: ['id'] })] });
    const settle = await t.graphql(tokenB, SETTLE, { id: orderA.id, outcome: 'SUCCEEDED' });
    expect(settle.errors).toBeUndefined();
    expect(settle.data!.sandboxOrderSettle).toEqual({ order: null, userErrors: [expect.objectContaining({ code: 'NOT_FOUND', field: ['id'] })] });
    expect(t.upstreamCalls.length).toBe(calls);

    for (const response of [refresh, settle]) {
      const text = JSON.stringify(response);
      expect(text).not.toContain(orderA.merchantOrderNo);
      expect(text).not.toContain(orderA.platformOrderId);
    }
    expect(t.sandbox.order(orderA.platformOrderId)!.state).toBe(0);
    const stillA = await t.graphql(tokenA, ORDER, { id: orderA.id });
    expect(stillA.data!.order.status).toBe('CREATED');
    expect(stillA.data!.order.events).toHaveLength(2);
  });

  it("B may use A's merchantOrderNo: a new order of B's, not A's and not a conflict", async () => {
    const result = await t.graphql(tokenB, COLLECTION_CREATE, {
      input: collectionInput({ method: 'QRIS', merchantOrderNo: orderA.merchantOrderNo, amount: '99000' }),
    });
    expect(result.data!.collectionCreate.userErrors).toEqual([]);
    const orderB = result.data!.collectionCreate.order;
    expect(orderB.id).not.toBe(orderA.id);
    expect(orderB.platformOrderId).not.toBe(orderA.platformOrderId);
    expect(orderB.amount).toBe('99000');
    const byNoA = await t.graphql(tokenA, ORDER_BY_NO, { no: orderA.merchantOrderNo });
    expect(byNoA.data!.orderByMerchantOrderNo.id).toBe(orderA.id);
    const byNoB = await t.graphql(tokenB, ORDER_BY_NO, { no: orderA.merchantOrderNo });
    expect(byNoB.data!.orderByMerchantOrderNo.id).toBe(orderB.id);
  });
});
