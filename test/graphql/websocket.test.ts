import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, ORDER, collectionInput } from '../helpers/operations.js';

let t: TestGateway;
let merchant: Merchant;
let token: string;
const clients: Client[] = [];

beforeAll(async () => {
  t = await startTestGateway();
  merchant = await t.addMerchant('M-WS-1');
  token = await t.token(merchant, ['collections:write', 'orders:read']);
});
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await t.close();
});

/** A graphql-ws client of the gateway, as a Node script or a browser would open one. */
function connect(connectionParams?: Record<string, unknown>): Client {
  const client = createClient({
    url: `${t.gateway.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
  });
  clients.push(client);
  return client;
}

/** Every result of one operation: one for a query or a mutation. */
async function execute(client: Client, query: string, variables?: Record<string, unknown>): Promise<FormattedExecutionResult<Record<string, any>>[]> {
  const results: FormattedExecutionResult<Record<string, any>>[] = [];
  for await (const result of client.iterate({ query, variables })) results.push(result as FormattedExecutionResult<Record<string, any>>);
  return results;
}

describe('GraphQL over WebSocket (graphql-transport-ws)', () => {
  it('runs a query with the token from the connection parameters', async () => {
    const client = connect({ authorization: `Bearer ${token}` });
    const results = await execute(client, `query ($type: PaymentMethodType) { paymentMethods(type: $type) { code type } }`, { type: 'QRIS' });
    expect(results).toEqual([{ data: { paymentMethods: [{ code: 'QRIS', type: 'QRIS' }] } }]);
  });

  it('runs a mutation: the collection is created once and readable over HTTP', async () => {
    const client = connect({ authorization: `Bearer ${token}` });
    const input = collectionInput({ method: 'QRIS' });
    const before = t.upstreamCalls.filter((call) => call.endpoint === '/api/pay/unifiedOrder').length;
    const [result, ...rest] = await execute(client, COLLECTION_CREATE, { input });
    expect(rest).toEqual([]);
    expect(result!.errors).toBeUndefined();
    const { order, userErrors } = result!.data!.collectionCreate;
    expect(userErrors).toEqual([]);
    expect(order).toMatchObject({ kind: 'COLLECTION', status: 'CREATED', method: 'QRIS', merchantOrderNo: input.merchantOrderNo });
    expect(order.payData).toMatch(/^000201/);
    expect(t.upstreamCalls.filter((call) => call.endpoint === '/api/pay/unifiedOrder').length - before).toBe(1);

    const overHttp = await t.graphql(token, ORDER, { id: order.id });
    expect(overHttp.data!.order).toMatchObject({ id: order.id, platformOrderId: order.platformOrderId, status: 'CREATED' });
    // The same connection serves further operations.
    const [again] = await execute(client, ORDER, { id: order.id });
    expect(again!.data!.order.events.map((event: { status: string }) => event.status)).toEqual(['SUBMITTING', 'CREATED']);
  });

  it('scopes apply as over HTTP: FORBIDDEN without balance:read', async () => {
    const [result] = await execute(connect({ authorization: `Bearer ${token}` }), '{ balance { availableAmount } }');
    expect(result!.data ?? null).toBeNull();
    expect(result!.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
  });

  it.each([
    ['no connection parameters', undefined],
    ['no authorization parameter', {}],
    ['a malformed token', { authorization: 'Bearer nope' }],
    ['an unknown token', { authorization: `Bearer tpg_${'A'.repeat(43)}` }],
  ])('%s: closed with 4403 at connection_init, nothing runs', async (_name, params) => {
    const client = connect(params);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      client.on('closed', (event) => resolve(event as { code: number; reason: string })),
    );
    const input = collectionInput();
    const before = t.upstreamCalls.length;
    const failure = await execute(client, COLLECTION_CREATE, { input }).then(
      () => null,
      (error: unknown) => error as { code?: number },
    );
    expect(failure?.code).toBe(4403);
    const { code, reason } = await closed;
    expect(code).toBe(4403);
    expect(reason).toMatch(/^Forbidden: /);
    expect(t.upstreamCalls.length).toBe(before);
    const rows = await t.gateway.orm.em
      .fork()
      .getConnection()
      .execute('select count(*)::int as n from orders where merchant_order_no = ?', [input.merchantOrderNo]);
    expect(rows[0]!.n).toBe(0);
  });
});
