import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import WebSocket from 'ws';
import { createTarsPayClient, GraphQLRequestError, type TarsPayClient } from '../../examples/typed-client.js';
import {
  CreateCollectionDocument,
  GetOrderDocument,
  OrderUpdatedDocument,
  PaymentMethodsDocument,
  SandboxSettleDocument,
  type OrderStatus,
  type OrderUpdatedSubscription,
} from '../../src/generated/graphql.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { uniqueOrderNo } from '../helpers/operations.js';

let t: TestGateway;
let client: TarsPayClient;

beforeAll(async () => {
  t = await startTestGateway();
  const merchant = await t.addMerchant('M-TYPED-1');
  client = createTarsPayClient({ url: t.gateway.url, token: await t.token(merchant), webSocketImpl: WebSocket });
});
afterAll(async () => {
  await client?.close();
  await t?.close();
});

describe('the generated typed documents against the live gateway', () => {
  it('query: paymentMethods, typed by its variables and result', async () => {
    const { paymentMethods } = await client.request(PaymentMethodsDocument, { type: 'QRIS' });
    expectTypeOf(paymentMethods[0]!.type).toEqualTypeOf<'BANK_VA' | 'MART' | 'EWALLET' | 'QRIS' | 'CASHIER'>();
    expect(paymentMethods.map((method) => method.code)).toContain('QRIS');
    expect(paymentMethods.every((method) => method.type === 'QRIS')).toBe(true);
  });

  it('mutation then subscription: a collection created, watched over graphql-ws and settled', async () => {
    const { collectionCreate } = await client.request(CreateCollectionDocument, {
      input: { amount: '150000', method: 'QRIS', merchantOrderNo: uniqueOrderNo('TC'), subject: 'Order 1001', description: 'Two items' },
    });
    expect(collectionCreate.userErrors).toEqual([]);
    const order = collectionCreate.order!;
    expectTypeOf(order.status).toEqualTypeOf<OrderStatus>();
    expect(order).toMatchObject({ status: 'CREATED', amount: '150000', method: 'QRIS', currency: 'IDR' });
    expect(order.payData).toMatch(/^000201/);

    const seen: Array<OrderUpdatedSubscription['orderUpdated']> = [];
    for await (const { orderUpdated } of client.subscribe(OrderUpdatedDocument, { id: order.id })) {
      seen.push(orderUpdated);
      // The subscription yields the order as it is first, so settling now cannot be missed.
      if (orderUpdated.status === 'CREATED') {
        const { sandboxOrderSettle } = await client.request(SandboxSettleDocument, { id: order.id, outcome: 'SUCCEEDED' });
        expect(sandboxOrderSettle.userErrors).toEqual([]);
      }
    }
    expect(seen.map((update) => update.status)).toEqual(['CREATED', 'SUCCEEDED']);
    expect(seen[1]!.paidAmount).toBe('150000');

    const { order: stored } = await client.request(GetOrderDocument, { id: order.id });
    expect(stored?.status).toBe('SUCCEEDED');
    expect(stored?.events.map((event) => event.source)).toContain('CALLBACK');
  });

  it('top-level errors surface as GraphQLRequestError with their codes', async () => {
    const anonymous = createTarsPayClient({ url: t.gateway.url, token: 'tpg_not_a_token' });
    await expect(anonymous.request(PaymentMethodsDocument, {})).rejects.toThrow(GraphQLRequestError);
    await expect(anonymous.request(PaymentMethodsDocument, {})).rejects.toThrow(/UNAUTHENTICATED/);
  });
});
