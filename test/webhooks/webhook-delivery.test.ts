import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput, SETTLE } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';
import { DELIVERIES, ENDPOINT_CREATE, PAID_DOCUMENT, startWebhookReceiver, UPDATE, type WebhookReceiver } from '../helpers/webhooks.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Back-off of this file's gateway: 100–200 ms after the first failure, 200–400 ms after the second. */
const RETRY = { firstMs: 200, maxDelayMs: 400 };

let t: TestGateway;
let merchant: Merchant;
let token: string;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  t = await startTestGateway({
    env: { WEBHOOK_RETRY_FIRST_MS: String(RETRY.firstMs), WEBHOOK_RETRY_MAX_DELAY_MS: String(RETRY.maxDelayMs), WEBHOOK_POLL_MS: '50' },
  });
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
    // Each retry waited its back-off: at least half the doubling delay (the other half is jitter).
    const gaps = hooks.received.slice(1).map((request, i) => request.at - hooks.received[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(RETRY.firstMs / 2);
    expect(gaps[1]).toBeGreaterThanOrEqual(RETRY.firstMs);
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

  it('signs with both the old and the new secret after a rotation', async () => {
    const hooks = await receiver();
    const endpoint = await createEndpoint(hooks.url);
    const rotated = await t.graphql(token, `mutation ($id: ID!) { webhookSecretRotate(id: $id) { secret endpoint { id } userErrors { code } } }`, {
      id: endpoint.id,
    });
    const newSecret = rotated.data!.webhookSecretRotate.secret as string;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(endpoint.secret);
    await paidOrder();
    const [delivery] = await waitFor(() => (hooks.received.length ? hooks.received : undefined));
    const headers = delivery!.headers as Record<string, string>;
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(newSecret).verify(delivery!.body, headers)).not.toThrow();
    expect(() => new Webhook(endpoint.secret).verify(delivery!.body, headers)).not.toThrow();
    // The secret is sealed at rest: neither appears in the database.
    const rows = await t.gateway.orm.em.fork().getConnection().execute<Array<Record<string, string>>>('select * from webhook_endpoints');
    expect(JSON.stringify(rows)).not.toContain(newSecret.slice(6));
    expect(JSON.stringify(rows)).not.toContain(endpoint.secret.slice(6));
    await t.graphql(token, `mutation ($id: ID!) { webhookEndpointDelete(id: $id) { userErrors { code } } }`, { id: endpoint.id });
  });

  it('stops delivering to a disabled endpoint, and replays it from a cursor', async () => {
    const hooks = await receiver();
    const endpoint = await createEndpoint(hooks.url);
    await paidOrder();
    await waitFor(() => (hooks.received.length === 1 ? true : undefined));
    const first = JSON.parse(hooks.received[0]!.body) as { data: { orderEvents: { cursor: string } } };
    const disabled = await t.graphql(token, UPDATE, { id: endpoint.id, input: { enabled: false } });
    expect(disabled.data!.webhookEndpointUpdate.endpoint).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/^DISABLED/) });
    const missed = await paidOrder();
    await sleep(500);
    expect(hooks.received).toHaveLength(1);
    // Replayed from the first payment's cursor, then enabled: the payment it missed, nothing before.
    const replay = await t.graphql(
      token,
      `mutation ($id: ID!, $after: String!) { webhookReplay(id: $id, after: $after) { endpoint { enabled } userErrors { field code message } } }`,
      {
        id: endpoint.id,
        after: first.data.orderEvents.cursor,
      },
    );
    expect(replay.data!.webhookReplay.userErrors).toEqual([]);
    await t.graphql(token, UPDATE, { id: endpoint.id, input: { enabled: true } });
    await waitFor(() => (hooks.received.length === 2 ? true : undefined));
    const second = JSON.parse(hooks.received[1]!.body) as { data: { orderEvents: { order: { merchantOrderNo: string } } } };
    expect(second.data.orderEvents.order.merchantOrderNo).toBe(missed.merchantOrderNo);
    await sleep(300);
    expect(hooks.received).toHaveLength(2);
    const bad = await t.graphql(token, `mutation ($id: ID!) { webhookReplay(id: $id, after: "nope") { userErrors { field code } } }`, { id: endpoint.id });
    expect(bad.data!.webhookReplay.userErrors).toEqual([{ field: ['after'], code: 'VALIDATION' }]);
    await t.graphql(token, `mutation ($id: ID!) { webhookEndpointDelete(id: $id) { userErrors { code } } }`, { id: endpoint.id });
  });

  it('redelivers a logged delivery with the same webhook-id', async () => {
    const hooks = await receiver();
    const endpoint = await createEndpoint(hooks.url);
    await paidOrder();
    await waitFor(() => (hooks.received.length === 1 ? true : undefined));
    const [logged] = await waitFor(async () => {
      const edges = (await t.graphql(token, DELIVERIES, { id: endpoint.id })).data!.webhookDeliveries.edges;
      return edges.length ? edges : undefined;
    });
    const again = await t.graphql(token, `mutation ($id: ID!) { webhookRedeliver(deliveryId: $id) { endpoint { id } userErrors { code message } } }`, {
      id: logged.node.id,
    });
    expect(again.data!.webhookRedeliver).toEqual({ endpoint: { id: endpoint.id }, userErrors: [] });
    expect(hooks.received).toHaveLength(2);
    expect(hooks.received[1]!.headers['webhook-id']).toBe(hooks.received[0]!.headers['webhook-id']);
    expect(hooks.received[1]!.body).toBe(hooks.received[0]!.body);
    const log = (await t.graphql(token, DELIVERIES, { id: endpoint.id })).data!.webhookDeliveries.edges.map((edge: any) => edge.node.attempt);
    expect(log).toEqual([2, 1]);
    await t.graphql(token, `mutation ($id: ID!) { webhookEndpointDelete(id: $id) { userErrors { code } } }`, { id: endpoint.id });
  });

  it('refuses a document that is not a subscription on orderEvents, naming the field', async () => {
    for (const query of [
      'query { webhookEndpoints { id } }',
      'subscription { orderEvents { nope } }',
      'subscription ($a: String) { orderEvents(after: $a) { cursor } }',
      '{',
    ]) {
      const result = await t.graphql(token, ENDPOINT_CREATE, { input: { url: 'http://127.0.0.1:9/hook', query } });
      expect(result.data!.webhookEndpointCreate.endpoint).toBeNull();
      expect(result.data!.webhookEndpointCreate.userErrors).toEqual([
        { field: ['input', 'query'], code: 'VALIDATION', message: expect.stringMatching(/^query: /) },
      ]);
    }
    expect((await t.graphql(token, `{ webhookEndpoints { id } }`)).data!.webhookEndpoints).toEqual([]);
  });

  it('needs webhooks:write', async () => {
    const reader = await t.token(merchant, ['orders:read']);
    const result = await t.graphql(reader, ENDPOINT_CREATE, { input: { url: 'http://127.0.0.1:9/hook', query: PAID_DOCUMENT } });
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('an endpoint that keeps failing', () => {
  it('is disabled after the retry period, flagged in GraphQL, in the log and in a metric', async () => {
    const failing = await startTestGateway({
      env: { WEBHOOK_RETRY_FIRST_MS: '30', WEBHOOK_RETRY_MAX_DELAY_MS: '60', WEBHOOK_RETRY_MAX_AGE_MS: '400', WEBHOOK_POLL_MS: '50' },
    });
    try {
      const hooks = await receiver(() => 500);
      const owner = await failing.addMerchant(`M-FAILING-${Date.now()}`);
      const ownerToken = await failing.token(owner);
      const created = await failing.graphql(ownerToken, ENDPOINT_CREATE, { input: { url: hooks.url, query: PAID_DOCUMENT } });
      const id = created.data!.webhookEndpointCreate.endpoint.id as string;
      const order = await failing.graphql(ownerToken, COLLECTION_CREATE, { input: collectionInput() });
      await failing.graphql(ownerToken, SETTLE, { id: order.data!.collectionCreate.order.id, outcome: 'SUCCEEDED' });
      const endpoint = await waitFor(async () => {
        const [found] = (await failing.graphql(ownerToken, `{ webhookEndpoints { id enabled disabledReason } }`)).data!.webhookEndpoints;
        return found.enabled ? undefined : found;
      });
      expect(endpoint).toMatchObject({ id, enabled: false, disabledReason: expect.stringMatching(/^FAILING/) });
      const attempts = hooks.received.length;
      expect(attempts).toBeGreaterThanOrEqual(2);
      await sleep(300);
      expect(hooks.received).toHaveLength(attempts);
      expect(failing.logs.some((line) => line.includes('webhook endpoint disabled'))).toBe(true);
      const metrics = await (await fetch(`${failing.gateway.url}/metrics`)).text();
      expect(metrics).toMatch(/tarspay_gateway_webhook_endpoints_disabled_total 1/);
      expect(metrics).toMatch(/tarspay_gateway_webhook_delivery_duration_seconds_count\{outcome="failed"\} \d+/);
    } finally {
      await failing.close();
    }
  }, 60_000);
});
