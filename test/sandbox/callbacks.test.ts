import { afterEach, describe, expect, it } from 'vitest';
import { MAX_DELIVERIES } from '../../src/sandbox/callbacks.js';
import { compactSortedJson } from '../../src/tarspay/message.js';
import { verifySignature } from '../../src/tarspay/signer.js';
import { controlJson, sleep, startCallbackReceiver, startTestSandbox, waitFor, type CallbackReceiver, type TestSandbox } from './helpers.js';

const cleanup: Array<() => Promise<void>> = [];
async function start(options: Parameters<typeof startTestSandbox>[0] = {}): Promise<TestSandbox> {
  const setup = await startTestSandbox(options);
  cleanup.push(() => setup.sandbox.close());
  return setup;
}
async function receiver(...args: Parameters<typeof startCallbackReceiver>): Promise<CallbackReceiver> {
  const started = await startCallbackReceiver(...args);
  cleanup.push(() => started.close());
  return started;
}
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((close) => close()));
});

describe('settle and callback delivery', () => {
  it('posts compact sorted JSON signed over the raw bytes with X-RESP-SIGNATURE', async () => {
    const { sandbox, client } = await start();
    const merchant = await receiver();
    const created = await client.createCollection({ mchOrderNo: 'CB-1', amount: '150000', notifyUrl: merchant.url });
    const payOrderId = created.data!.payOrderId;

    const settled = await controlJson(sandbox.url, 'POST', `/sandbox/orders/${payOrderId}/settle`, { outcome: 'SUCCEEDED' });
    expect(settled).toMatchObject({ status: 200, json: { payOrderId, state: 2, status: 'SUCCEEDED', kind: 'COLLECTION' } });

    const [callback] = await waitFor(() => merchant.received.length === 1 && merchant.received, 5_000, 'the callback');
    expect(callback!.headers['content-type']).toBe('application/json');
    const signature = callback!.headers['x-resp-signature'] as string;
    expect(verifySignature(sandbox.platformPublicKey, callback!.rawBody, signature)).toBe(true);
    const body = JSON.parse(callback!.rawBody);
    expect(compactSortedJson(body)).toBe(callback!.rawBody);
    expect(body).toEqual({
      bizType: 1,
      currency: 'IDR',
      fee: '4500',
      mchNo: client.mchNo,
      mchOrderNo: 'CB-1',
      orderAmount: '150000',
      payAmount: '150000',
      payOrderId,
      state: 2,
    });

    const view = await waitFor(() => sandbox.order(payOrderId)!.deliveries.length === 1 && sandbox.order(payOrderId)!);
    expect(view.deliveries[0]).toMatchObject({ attempt: 1, status: 200, response: 'OK', error: null });
    const overHttp = await controlJson(sandbox.url, 'GET', `/sandbox/orders/${payOrderId}`);
    expect(overHttp.json.deliveries).toEqual(view.deliveries);
  });

  it('sends failReason for a failed payout, with bizType 2', async () => {
    const { sandbox, client } = await start();
    const merchant = await receiver();
    const created = await client.createPayout({ mchOrderNo: 'CB-P', notifyUrl: merchant.url });
    sandbox.settle(created.data!.payOrderId, { outcome: 'FAILED', failReason: 'Account closed' });
    const [callback] = await waitFor(() => merchant.received.length === 1 && merchant.received);
    expect(JSON.parse(callback!.rawBody)).toMatchObject({ bizType: 2, state: 3, failReason: 'Account closed', fee: '0', payAmount: '0' });
    expect(callback!.rawBody.indexOf('"failReason"')).toBeLessThan(callback!.rawBody.indexOf('"fee"'));
  });

  it('resends until the answer is exactly OK: "ok" and "OK\\n" are not', async () => {
    const { sandbox, client } = await start({ callbackRetryMs: 20 });
    const answers = [
      { status: 200, body: 'ok' },
      { status: 200, body: 'OK\n' },
      { status: 200, body: 'OK' },
    ];
    const merchant = await receiver((n) => answers[n - 1] ?? { status: 200, body: 'OK' });
    const created = await client.createCollection({ notifyUrl: merchant.url });
    sandbox.settle(created.data!.payOrderId, { outcome: 'SUCCEEDED' });
    await waitFor(() => merchant.received.length === 3, 5_000, 'three deliveries');
    await sleep(200);
    expect(merchant.received).toHaveLength(3);
    expect(new Set(merchant.received.map((callback) => callback.rawBody)).size).toBe(1);
    const delays = merchant.received.slice(1).map((callback, index) => callback.at - merchant.received[index]!.at);
    expect(delays[0]).toBeGreaterThanOrEqual(18);
    expect(delays[1]).toBeGreaterThanOrEqual(38);
    const deliveries = sandbox.order(created.data!.payOrderId)!.deliveries;
    expect(deliveries.map((delivery) => [delivery.attempt, delivery.response, delivery.error === null])).toEqual([
      [1, 'ok', false],
      [2, 'OK\n', false],
      [3, 'OK', true],
    ]);
  });

  it('does not count a non-2xx answer as delivered even when it says OK', async () => {
    const { sandbox, client } = await start({ callbackRetryMs: 10 });
    const merchant = await receiver((n) => (n === 1 ? { status: 500, body: 'OK' } : { status: 200, body: 'OK' }));
    const created = await client.createCollection({ notifyUrl: merchant.url });
    sandbox.settle(created.data!.payOrderId, { outcome: 'SUCCEEDED' });
    await waitFor(() => merchant.received.length === 2);
    expect(sandbox.order(created.data!.payOrderId)!.deliveries[0]).toMatchObject({ status: 500, error: expect.stringContaining('HTTP 500') });
  });

  it(`gives up after ${MAX_DELIVERIES} deliveries to a receiver that never says OK`, async () => {
    const { sandbox, client } = await start({ callbackRetryMs: 1, callbackRetryMaxMs: 4 });
    const merchant = await receiver(() => ({ status: 503, body: 'maintenance' }));
    const created = await client.createCollection({ notifyUrl: merchant.url });
    sandbox.settle(created.data!.payOrderId, { outcome: 'SUCCEEDED' });
    await waitFor(() => merchant.received.length === MAX_DELIVERIES, 5_000, '16 deliveries');
    await sleep(150);
    expect(merchant.received).toHaveLength(16);
    expect(sandbox.order(created.data!.payOrderId)!.deliveries.map((delivery) => delivery.attempt)).toEqual(
      Array.from({ length: 16 }, (_, index) => index + 1),
    );
  });

  it('records connection errors and timeouts, and resends', async () => {
    const { sandbox, client } = await start({ callbackRetryMs: 10, callbackTimeoutMs: 100 });
    const merchant = await receiver((n) => (n === 1 ? 'hang' : { status: 200, body: 'OK' }));
    const timedOut = await client.createCollection({ notifyUrl: merchant.url });
    const refused = await client.createCollection({ notifyUrl: 'http://127.0.0.1:9/notify' });
    sandbox.settle(timedOut.data!.payOrderId, { outcome: 'SUCCEEDED' });
    sandbox.settle(refused.data!.payOrderId, { outcome: 'FAILED' });
    const deliveries = await waitFor(() => {
      const list = sandbox.order(timedOut.data!.payOrderId)!.deliveries;
      return list.length === 2 && list;
    });
    expect(deliveries[0]).toMatchObject({ status: null, error: 'no answer within 100 ms' });
    expect(deliveries[1]).toMatchObject({ status: 200, error: null });
    const refusedDeliveries = await waitFor(
      () => sandbox.order(refused.data!.payOrderId)!.deliveries.length >= 2 && sandbox.order(refused.data!.payOrderId)!.deliveries,
    );
    expect(refusedDeliveries[0]).toMatchObject({ status: null, error: expect.stringContaining('ECONNREFUSED') });
  });

  it('stops resending when the sandbox closes', async () => {
    const { sandbox, client } = await start({ callbackRetryMs: 100 });
    const merchant = await receiver(() => ({ status: 500, body: 'no' }));
    const created = await client.createCollection({ notifyUrl: merchant.url });
    sandbox.settle(created.data!.payOrderId, { outcome: 'SUCCEEDED' });
    await waitFor(() => merchant.received.length === 1);
    await sandbox.close();
    await sleep(300);
    expect(merchant.received).toHaveLength(1);
  });
});

describe('settle control errors', () => {
  it('answers 404, 409 and 400 with clear messages', async () => {
    const { sandbox, client } = await start();
    const collection = (await client.createCollection({ amount: '50000' })).data!.payOrderId;
    const payout = (await client.createPayout()).data!.payOrderId;
    const settle = (id: string, body: unknown) => controlJson(sandbox.url, 'POST', `/sandbox/orders/${id}/settle`, body);

    expect(await settle('P0000000000000000000', { outcome: 'SUCCEEDED' })).toMatchObject({ status: 404, json: { error: expect.stringContaining('no order') } });
    expect((await settle(collection, { outcome: 'REJECTED' })).status).toBe(400);
    expect((await settle(payout, { outcome: 'EXPIRED' })).status).toBe(400);
    expect((await settle(payout, { outcome: 'PARTIALLY_PAID', paidAmount: '1' })).status).toBe(400);
    expect((await settle(collection, { outcome: 'PAID' })).json.error).toContain('outcome');
    expect((await settle(collection, { outcome: 'PARTIALLY_PAID' })).json.error).toContain('paidAmount');
    expect((await settle(collection, { outcome: 'PARTIALLY_PAID', paidAmount: '50000' })).json.error).toContain('less than the order amount');
    expect((await settle(collection, { outcome: 'PARTIALLY_PAID', paidAmount: '0' })).status).toBe(400);
    expect((await settle(collection, { outcome: 'PARTIALLY_PAID', paidAmount: '20000' })).status).toBe(200);
    const again = await settle(collection, { outcome: 'SUCCEEDED' });
    expect(again).toMatchObject({ status: 409, json: { error: expect.stringContaining('already final') } });
    expect(() => sandbox.settle(collection, { outcome: 'FAILED' })).toThrow(/already final/);
    expect((await controlJson(sandbox.url, 'GET', '/sandbox/orders/nope')).status).toBe(404);
  });
});

/** A callback sent after `action` that must arrive before we conclude that `action` sent none. */
async function callbackBarrier(client: TestSandbox['client'], sandbox: TestSandbox['sandbox'], merchant: CallbackReceiver): Promise<string> {
  const marker = (await client.createCollection({ notifyUrl: merchant.url })).data!.payOrderId as string;
  sandbox.settle(marker, { outcome: 'SUCCEEDED' });
  await waitFor(() => merchant.received.some((callback) => JSON.parse(callback.rawBody).payOrderId === marker), 5_000, 'the marker callback');
  return marker;
}

const callbacksFor = (merchant: CallbackReceiver, payOrderId: string) =>
  merchant.received.map((callback) => JSON.parse(callback.rawBody)).filter((body) => body.payOrderId === payOrderId);

describe('which outcomes send a callback (TarsPay sends states 2, 3 and 9 only)', () => {
  it.each([
    ['collection', 'SUCCEEDED', 2, true],
    ['collection', 'FAILED', 3, true],
    ['collection', 'PARTIALLY_PAID', 9, true],
    ['collection', 'EXPIRED', 6, false],
    ['payout', 'SUCCEEDED', 2, true],
    ['payout', 'FAILED', 3, true],
    ['payout', 'REJECTED', 8, false],
  ] as const)('a %s settled %s (state %i): callbackSent %s', async (kind, outcome, state, sent) => {
    const { sandbox, client } = await start();
    const merchant = await receiver();
    const created = kind === 'collection' ? await client.createCollection({ notifyUrl: merchant.url }) : await client.createPayout({ notifyUrl: merchant.url });
    const payOrderId = created.data!.payOrderId as string;
    const settled = await controlJson(sandbox.url, 'POST', `/sandbox/orders/${payOrderId}/settle`, {
      outcome,
      ...(outcome === 'PARTIALLY_PAID' && { paidAmount: '50000' }),
    });
    expect(settled).toMatchObject({ status: 200, json: { payOrderId, state, callbackSent: sent } });

    if (sent) {
      const [callback] = await waitFor(() => callbacksFor(merchant, payOrderId).length === 1 && callbacksFor(merchant, payOrderId), 5_000, 'the callback');
      expect(callback).toMatchObject({ state });
      await waitFor(() => sandbox.order(payOrderId)!.deliveries.length === 1, 5_000, 'the delivery record');
    } else {
      await callbackBarrier(client, sandbox, merchant);
      expect(callbacksFor(merchant, payOrderId)).toEqual([]);
      expect(sandbox.order(payOrderId)!.deliveries).toEqual([]);
    }
    // Unsent or not, the new state is what an inquiry reads.
    const inquiry = await client.call(kind === 'collection' ? '/api/payInInfo' : '/api/payOutInfo', { payOrderId });
    expect(inquiry.data!.state).toBe(state);
  });

  it('tells the in-process caller too', async () => {
    const { sandbox, client } = await start();
    const payout = (await client.createPayout()).data!.payOrderId;
    const collection = (await client.createCollection()).data!.payOrderId;
    expect(sandbox.settle(payout, { outcome: 'REJECTED' })).toMatchObject({ state: 8, callbackSent: false });
    expect(sandbox.settle(collection, { outcome: 'SUCCEEDED' })).toMatchObject({ state: 2, callbackSent: true });
  });
});

describe('expiry', () => {
  it('expires unpaid collections (state 6) without a callback, and leaves payouts alone', async () => {
    const { sandbox, client } = await start({ orderExpiryMs: 80 });
    const merchant = await receiver();
    const created = await client.createCollection({ notifyUrl: merchant.url });
    const payOrderId = created.data!.payOrderId as string;
    const payout = await client.createPayout({ notifyUrl: merchant.url });
    await waitFor(() => sandbox.order(payOrderId)!.state === 6, 3_000, 'the expiry');

    expect((await client.call('/api/payInInfo', { payOrderId })).data).toMatchObject({ state: 6, failReason: 'Order expired' });
    const history = await client.call('/api/orderList', { pageNumber: 1, pageSize: 10, bizType: 1 });
    expect(history.data!.records).toEqual([expect.objectContaining({ payOrderId, state: 6 })]);
    expect((await controlJson(sandbox.url, 'GET', `/sandbox/orders/${payOrderId}`)).json).toMatchObject({ state: 6, status: 'EXPIRED', deliveries: [] });
    expect((await client.call('/api/payOutInfo', { payOrderId: payout.data!.payOrderId })).data!.state).toBe(1);

    await callbackBarrier(client, sandbox, merchant);
    expect(callbacksFor(merchant, payOrderId)).toEqual([]);
    expect(merchant.received).toHaveLength(1);
  });

  it('does not expire a paid collection', async () => {
    const { sandbox, client } = await start({ orderExpiryMs: 60 });
    const created = await client.createCollection();
    sandbox.settle(created.data!.payOrderId, { outcome: 'SUCCEEDED' });
    await sleep(150);
    expect(sandbox.order(created.data!.payOrderId)!.state).toBe(2);
  });
});
