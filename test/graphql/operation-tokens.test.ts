import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { collectionInput } from '../helpers/operations.js';
import { openRaw } from '../helpers/raw-ws.js';
import { persistedQuery, shippedHash, shippedText } from '../helpers/trusted-documents.js';

let t: TestGateway;
let merchant: Merchant;
let limited: string;

async function post(token: string, body: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const response = await fetch(`${t.gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  t = await startTestGateway();
  merchant = await t.addMerchant('M-OPS-1');
  // As `token create --operations CreateCollection,OrderUpdated` makes it.
  limited = await t.token(merchant, ['collections:write', 'orders:read'], { operations: ['CreateCollection', 'OrderUpdated'] });
});
afterAll(async () => {
  await t?.close();
});

describe('a token limited to named operations (--operations)', () => {
  it('runs those operations by hash', async () => {
    const created = await post(limited, { ...persistedQuery(shippedHash('CreateCollection')), variables: { input: collectionInput() } });
    expect(created.body.data.collectionCreate.order.status).toBe('CREATED');
  });

  it('is refused every other shipped operation, over HTTP (POST and GET), even with the scopes for it', async () => {
    const refused = await post(limited, { ...persistedQuery(shippedHash('GetOrder')), variables: { id: 'x' } });
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(refused.body.errors[0].message).toContain('CreateCollection, OrderUpdated');
    expect((await post(limited, { documentId: `sha256:${shippedHash('OrdersPage')}` })).body.errors[0].extensions.code).toBe('FORBIDDEN');
    const get = await fetch(`${t.gateway.url}/graphql?documentId=sha256:${shippedHash('PaymentMethods')}`, { headers: { authorization: `Bearer ${limited}` } });
    expect((await get.json()).errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('may not send operation text, not even the text of an allowed operation', async () => {
    const text = await post(limited, { query: shippedText('CreateCollection'), variables: { input: collectionInput() } });
    expect(text.body.errors[0].extensions.code).toBe('TRUSTED_DOCUMENT_REQUIRED');
  });

  it('over WebSocket: subscribes to an allowed operation, and is refused another', async () => {
    const created = await post(limited, { ...persistedQuery(shippedHash('CreateCollection')), variables: { input: collectionInput() } });
    const id = created.body.data.collectionCreate.order.id;
    const connection = await openRaw(t.gateway.url, { authorization: `Bearer ${limited}` });
    await connection.until((message) => message.type === 'connection_ack');
    connection.send({ id: 'ok', type: 'subscribe', payload: { query: '', variables: { id }, ...persistedQuery(shippedHash('OrderUpdated')) } });
    await connection.until((message) => message.id === 'ok' && message.type === 'next');
    connection.send({ id: 'no', type: 'subscribe', payload: { query: '', ...persistedQuery(shippedHash('OrderEvents')) } });
    await connection.until((message) => message.id === 'no' && message.type === 'error');
    expect(connection.messages.find((message) => message.id === 'no')!.payload[0].extensions.code).toBe('FORBIDDEN');
    connection.socket.close();
  });
});
