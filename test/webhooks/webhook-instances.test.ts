import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput, SETTLE } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';
import { ENDPOINT_CREATE, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhooks.js';

const EVERY_EVENT = `subscription { orderEvents { cursor status order { id } } }`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Two gateways on one database, both delivering: each event reaches each endpoint once, in commit
 * order. On PostgreSQL the endpoints' advisory locks keep the second instance out; on the embedded
 * database (one session for every connection) the claim's lease in the endpoint row does.
 */
describe('two instances', () => {
  let t: TestGateway;
  let peer: Gateway;
  const receivers: WebhookReceiver[] = [];
  beforeAll(async () => {
    t = await startTestGateway({ env: { WEBHOOK_POLL_MS: '20' } });
    peer = await t.startPeer();
  }, 60_000);
  afterAll(async () => {
    for (const receiver of receivers) await receiver.close();
    await t?.close();
  });

  it('deliver each event once per endpoint, in commit order', async () => {
    const merchant = await t.addMerchant(`M-TWO-${Date.now()}`);
    const token = await t.token(merchant);
    for (let i = 0; i < 3; i += 1) {
      // A slow receiver: a delivery in flight on one instance while the other looks for work.
      const receiver = await startWebhookReceiver(() => 200);
      receivers.push(receiver);
      const created = await t.graphql(token, ENDPOINT_CREATE, { input: { url: receiver.url, query: EVERY_EVENT } });
      expect(created.data!.webhookEndpointCreate.userErrors).toEqual([]);
    }
    // Orders made and paid through both instances: both wake to deliver.
    const gateways = [t.gateway, peer];
    const orders = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const url = `${gateways[i % 2]!.url}/graphql`;
        const call = (query: string, variables: Record<string, unknown>) =>
          fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ query, variables }),
          }).then((response) => response.json() as Promise<{ data: any }>);
        const created = await call(COLLECTION_CREATE, { input: collectionInput() });
        await call(SETTLE, { id: created.data.collectionCreate.order.id, outcome: 'SUCCEEDED' });
        return created.data.collectionCreate.order.id as string;
      }),
    );
    const events = (await t.graphql(token, `{ events(first: 100) { edges { cursor } } }`)).data!.events.edges.length as number;
    expect(events).toBeGreaterThanOrEqual(orders.length * 2);
    for (const receiver of receivers) await waitFor(() => (receiver.received.length >= events ? true : undefined), 20_000);
    await sleep(500);
    for (const receiver of receivers) {
      const ids = receiver.received.map((request) => request.headers['webhook-id'] as string);
      expect(ids).toHaveLength(events);
      expect(new Set(ids).size).toBe(events);
      const seqs = ids.map((id) => Number(id.split('_').at(-1)));
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  }, 60_000);
});
