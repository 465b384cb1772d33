import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';
import { collect, wsClient } from '../helpers/ws-client.js';

let t: TestGateway;
let merchantCount = 0;

// Tiny budgets that refill slowly (1 unit in ~17 min): whatever the test's speed, nothing refills meanwhile.
beforeAll(async () => {
  t = await startTestGateway({
    env: { RATE_LIMIT_TOKEN_BURST: '2', RATE_LIMIT_TOKEN_PER_SECOND: '0.001', RATE_LIMIT_MERCHANT_BURST: '3', RATE_LIMIT_MERCHANT_PER_SECOND: '0.001' },
  });
});
afterAll(() => t.close());

/** A merchant of its own for each test, so that budgets never carry over. */
async function freshMerchant(): Promise<Merchant> {
  merchantCount += 1;
  return t.addMerchant(`M-RATE-${merchantCount}`);
}

const code = (response: GraphQLResponse<unknown>) => response.errors?.[0]?.extensions?.code ?? 'OK';
const aliasedCreates = (count: number) =>
  `mutation ($input: CollectionCreateInput!) { ${Array.from({ length: count }, (_, i) => `c${i}: collectionCreate(input: $input) { order { id } userErrors { code } }`).join(' ')} }`;

async function storedOrders(merchant: Merchant): Promise<number> {
  const rows = await t.gateway.orm.em.fork().getConnection().execute('select count(*)::int as n from orders where merchant_id = ?', [merchant.id]);
  return rows[0]!.n;
}

describe('rate limits by cost, per token and per merchant', () => {
  it('aliased creates past the burst are refused whole: nothing stored, nothing sent to TarsPay', async () => {
    const merchant = await freshMerchant();
    const token = await t.token(merchant);
    const calls = t.upstreamCalls.length;
    for (let i = 0; i < 3; i++) {
      // Each alias shares one merchantOrderNo-less input: 15 would be 15 orders.
      const refused = await t.graphql(token, aliasedCreates(15), { input: collectionInput({ merchantOrderNo: undefined }) });
      expect(code(refused)).toBe('RATE_LIMITED');
      expect(refused.data ?? null).toBeNull();
      expect(refused.errors![0]!.message).toMatch(/costs 15, more than this token may spend 2 at once.*Split it/);
      expect(refused.errors![0]!.extensions!.retryAfterSeconds).toBeNull();
    }
    expect(await storedOrders(merchant)).toBe(0);
    expect(t.upstreamCalls.length).toBe(calls);

    // Within the budget: two aliased creates are two orders; the next create is refused, with when to retry.
    const two = await t.graphql(token, aliasedCreates(2), { input: collectionInput({ merchantOrderNo: undefined }) });
    expect(two.errors).toBeUndefined();
    expect(await storedOrders(merchant)).toBe(2);
    const response = await fetch(`${t.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: COLLECTION_CREATE, variables: { input: collectionInput() } }),
    });
    const third = (await response.json()) as GraphQLResponse<unknown>;
    expect(code(third)).toBe('RATE_LIMITED');
    const retryAfterSeconds = third.errors![0]!.extensions!.retryAfterSeconds as number;
    expect(retryAfterSeconds).toBeGreaterThan(0);
    expect(third.errors![0]!.message).toBe(
      `Rate limit: this operation costs 1 and this token may spend 2 at once and regains 0.001 per second. Retry in ${retryAfterSeconds} s.`,
    );
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe(String(retryAfterSeconds));
    expect(await storedOrders(merchant)).toBe(2);
  });

  it('15 aliased balance reads in one query are refused without one TarsPay call', async () => {
    const token = await t.token(await freshMerchant());
    const calls = t.upstreamCalls.length;
    const balances = Array.from({ length: 15 }, (_, i) => `b${i}: balance { availableAmount }`).join(' ');
    const refused = await t.graphql(token, `{ ${balances} }`);
    expect(code(refused)).toBe('RATE_LIMITED');
    expect(refused.errors![0]!.message).toMatch(/costs 16/);
    expect(t.upstreamCalls.length).toBe(calls);
    // One balance read costs 2 (the query and its TarsPay call): the whole budget of this token.
    expect((await t.graphql(token, '{ balance { availableAmount } }')).errors).toBeUndefined();
    expect(t.upstreamCalls.length).toBe(calls + 1);
    expect(code(await t.graphql(token, '{ paymentMethods { code } }'))).toBe('RATE_LIMITED');
  });

  it('queries are limited too', async () => {
    const token = await t.token(await freshMerchant());
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push(code(await t.graphql(token, '{ paymentMethods { code } }')));
    expect(codes).toEqual(['OK', 'OK', 'RATE_LIMITED']);
  });

  it("a merchant's tokens share the merchant's budget", async () => {
    const merchant = await freshMerchant();
    const [first, second] = [await t.token(merchant), await t.token(merchant)];
    expect(code(await t.graphql(first, '{ paymentMethods { code } }'))).toBe('OK');
    expect(code(await t.graphql(first, '{ paymentMethods { code } }'))).toBe('OK');
    expect(code(await t.graphql(second, '{ paymentMethods { code } }'))).toBe('OK');
    // The second token has 1 unit of its own left, but the merchant's 3 are spent.
    const refused = await t.graphql(second, '{ paymentMethods { code } }');
    expect(code(refused)).toBe('RATE_LIMITED');
    expect(refused.errors![0]!.message).toMatch(/this token's merchant may spend 3 at once/);
    // Another merchant is not affected.
    expect(code(await t.graphql(await t.token(await freshMerchant()), '{ paymentMethods { code } }'))).toBe('OK');
  });

  it('over WebSocket as over HTTP, subscriptions included', async () => {
    const token = await t.token(await freshMerchant());
    const created = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
    const { id } = created.data!.collectionCreate.order as { id: string };
    const client = wsClient(t.gateway.url, token);
    const ORDER_UPDATED = 'subscription ($id: ID!) { orderUpdated(id: $id) { status } }';
    // The create cost 1 and this subscription the last unit: its snapshot shows it was accepted.
    const live = collect(client, ORDER_UPDATED, { id });
    await waitFor(() => (live.values.length === 1 ? true : undefined));
    const refused = collect(client, ORDER_UPDATED, { id });
    await refused.completed;
    expect(refused.values).toEqual([]);
    expect(JSON.stringify(refused.errors)).toContain('RATE_LIMITED');
    const query = collect(client, '{ paymentMethods { code } }');
    await query.completed;
    expect(JSON.stringify(query.errors)).toContain('RATE_LIMITED');
    expect(JSON.stringify(query.errors)).toMatch(/Retry in \d+ s/);
    live.dispose();
    await client.dispose();
  });
});
