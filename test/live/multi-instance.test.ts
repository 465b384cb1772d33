import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.js';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';
import { collect, wsClient } from '../helpers/ws-client.js';

// Redis runs on every machine of this project (CI starts it); REDIS_URL points elsewhere when set.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let t: TestGateway;
let peer: Gateway;
let merchant: Merchant;
let token: string;

beforeAll(async () => {
  t = await startTestGateway({ env: { REDIS_URL } });
  peer = await t.startPeer();
  merchant = await t.addMerchant('M-SCALE-OUT');
  token = await t.token(merchant);
});
afterAll(() => t.close());

describe('two gateway instances sharing PostgreSQL and Redis', () => {
  it('a callback received by instance A reaches a subscriber connected to instance B', async () => {
    const created = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
    const order = created.data!.collectionCreate.order as { id: string; platformOrderId: string };
    const onB = collect<{ orderUpdated: { status: string } }>(wsClient(peer.url, token), `subscription ($id: ID!) { orderUpdated(id: $id) { status } }`, {
      id: order.id,
    });
    await waitFor(() => (onB.values.length === 1 ? true : undefined));
    // The sandbox calls back instance A: the order's notifyUrl is A's public URL.
    t.sandbox.settle(order.platformOrderId, { outcome: 'SUCCEEDED' });
    await onB.completed;
    expect(onB.errors).toEqual([]);
    expect(onB.values.map((value) => value.orderUpdated.status)).toEqual(['CREATED', 'SUCCEEDED']);
    expect(t.sandbox.order(order.platformOrderId)!.notifyUrl).toBe(`${t.gateway.publicUrl}/tarspay/notify`);
  });

  it('orderEvents on B sees changes made through A', async () => {
    const stream = collect<{ orderEvents: { status: string; order: { id: string } } }>(
      wsClient(peer.url, token),
      `subscription { orderEvents { status order { id } } }`,
    );
    const ids: string[] = [];
    await waitFor(async () => {
      const created = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
      ids.push(created.data!.collectionCreate.order.id);
      return stream.values.length > 0 ? true : undefined;
    });
    expect(ids).toContain(stream.values[0]!.orderEvents.order.id);
    stream.dispose();
  });
});
