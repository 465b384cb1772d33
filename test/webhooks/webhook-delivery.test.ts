import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput, SETTLE } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

export const ENDPOINT_CREATE = `mutation ($input: WebhookEndpointCreateInput!) {
  webhookEndpointCreate(input: $input) { endpoint { id url enabled disabledReason } secret userErrors { field code message } }
}`;
export const PAID_DOCUMENT = `subscription { orderEvents(filter: { status: [SUCCEEDED] }) { cursor status order { id merchantOrderNo status amount paidAmount } } }`;
export const DELIVERIES = `query ($id: ID!) { webhookDeliveries(endpointId: $id) { edges { node { id eventCursor webhookId attempt status httpStatus durationMs responseSnippet } } } }`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let t: TestGateway;
let merchant: Merchant;
let token: string;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  t = await startTestGateway({ env: { WEBHOOK_RETRY_FIRST_MS: '50', WEBHOOK_RETRY_MAX_DELAY_MS: '100', WEBHOOK_POLL_MS: '50' } });
  merchant = await t.addMerchant(`M-WEBHOOK-${Date.now()}`);
  token = await t.token(merchant);
}, 60_000);
afterAll(async () => {
  for (const receiver of receivers) await receiver.close();
  await t?.close();
});

async function receiver(answer?: Parameters<typeof startWebhookReceiver>[0]): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(answer);
  receivers.push(started);
  return started;
}

async function createEndpoint(url: string, query = PAID_DOCUMENT): Promise<{ id: string; secret: string }> {
  const result = await t.graphql(token, ENDPOINT_CREATE, { input: { url, query, description: 'test' } });
  const payload = result.data!.webhookEndpointCreate;
  expect(payload.userErrors).toEqual([]);
  expect(payload.secret).toMatch(/^whsec_/);
  return { id: payload.endpoint.id, secret: payload.secret };
}

/** A collection paid in the sandbox: its id and merchantOrderNo. */
async function paidOrder(): Promise<{ id: string; merchantOrderNo: string }> {
  const input = collectionInput();
  const created = await t.graphql(token, COLLECTION_CREATE, { input });
  const id = created.data!.collectionCreate.order.id as string;
  const settled = await t.graphql(token, SETTLE, { id, outcome: 'SUCCEEDED' });
  expect(settled.data!.sandboxOrderSettle.order.status).toBe('SUCCEEDED');
  return { id, merchantOrderNo: input.merchantOrderNo as string };
}

describe('webhooks', () => {
  it('delivers a payment to a local receiver, signed as Standard Webhooks says, with only what the document selects', async () => {
    const hooks = await receiver();
    const endpoint = await createEndpoint(hooks.url);
    const order = await paidOrder();
    const [delivery] = await waitFor(() => (hooks.received.length ? hooks.received : undefined));
    const headers = delivery!.headers as Record<string, string>;
    const verified = new Webhook(endpoint.secret).verify(delivery!.body, headers) as Record<string, any>;
    expect(verified.type).toBe('order.succeeded');
    expect(new Date(verified.timestamp).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(Object.keys(verified)).toEqual(['type', 'timestamp', 'data']);
    expect(verified.data).toEqual({
      orderEvents: {
        cursor: expect.any(String),
        status: 'SUCCEEDED',
        order: { id: order.id, merchantOrderNo: order.merchantOrderNo, status: 'SUCCEEDED', amount: '150000', paidAmount: '150000' },
      },
    });
    expect(headers['webhook-id']).toMatch(/^msg_/);
    expect(headers['content-type']).toBe('application/json');
    // A wrong secret does not verify.
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(delivery!.body, headers)).toThrow();
    const log = await waitFor(async () => {
      const edges = (await t.graphql(token, DELIVERIES, { id: endpoint.id })).data!.webhookDeliveries.edges;
      return edges.length ? edges : undefined;
    });
    expect(log[0].node).toMatchObject({ attempt: 1, status: 'SUCCEEDED', httpStatus: 200, responseSnippet: 'ok', webhookId: headers['webhook-id'] });
    await t.graphql(token, `mutation ($id: ID!) { webhookEndpointDelete(id: $id) { userErrors { code } } }`, { id: endpoint.id });
  });

  it('retries a receiver that fails twice with the same webhook-id, then stops once it answered', async () => {
    const hooks = await receiver((_request, n) => (n <= 2 ? 503 : 200));
    const endpoint = await createEndpoint(hooks.url);
    await paidOrder();
    await waitFor(() => (hooks.received.length >= 3 ? true : undefined));
    await sleep(500);
    expect(hooks.received).toHaveLength(3);
    const ids = new Set(hooks.received.map((request) => request.headers['webhook-id']));
    expect(ids.size).toBe(1);
    for (const request of hooks.received)
      expect(() => new Webhook(endpoint.secret).verify(request.body, request.headers as Record<string, string>)).not.toThrow();
    const log = (await t.graphql(token, DELIVERIES, { id: endpoint.id })).data!.webhookDeliveries.edges.map((edge: any) => edge.node);
    expect(log.map((node: any) => [node.attempt, node.status, node.httpStatus])).toEqual([
      [3, 'SUCCEEDED', 200],
      [2, 'FAILED', 503],
      [1, 'FAILED', 503],
    ]);
    expect(log[1].responseSnippet).toBe('failing on purpose (503)');
    await t.graphql(token, `mutation ($id: ID!) { webhookEndpointDelete(id: $id) { userErrors { code } } }`, { id: endpoint.id });
  });
});
