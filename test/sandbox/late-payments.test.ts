import { describe, expect, it } from 'vitest';
import { sandboxesClosedAfterEach, controlJson, waitFor, type TestSandbox } from './helpers.js';

const { start, receiver } = sandboxesClosedAfterEach({ initialBalance: '1000000', collectionFeePercent: 3 });

const available = async (client: TestSandbox['client']) => (await client.balance()).data!.availableAmount as string;

describe('late payments: a collection TarsPay closed as expired can still be paid', () => {
  it('a VA paid after the expiry sweep moves to state 2, credits the balance and sends a state-2 callback', async () => {
    const { sandbox, client } = await start({ orderExpiryMs: 60 });
    const merchant = await receiver();
    const payOrderId = (await client.createCollection({ amount: '100000', notifyUrl: merchant.url })).data!.payOrderId as string;
    await waitFor(() => sandbox.order(payOrderId)!.state === 6, 3_000, 'the expiry');
    expect(await available(client)).toBe('1000000');

    const paid = await controlJson(sandbox.url, 'POST', `/sandbox/orders/${payOrderId}/settle`, { outcome: 'SUCCEEDED' });
    expect(paid).toMatchObject({
      status: 200,
      json: { state: 2, status: 'SUCCEEDED', payAmount: '100000', fee: '3000', failReason: null, callbackSent: true },
    });

    const [callback] = await waitFor(() => merchant.received.length === 1 && merchant.received, 5_000, 'the late-payment callback');
    const body = JSON.parse(callback!.rawBody);
    expect(body).toMatchObject({ payOrderId, state: 2, payAmount: '100000', fee: '3000' });
    expect(body).not.toHaveProperty('failReason');
    expect(await available(client)).toBe('1097000');
    const inquiry = await client.call('/api/payInInfo', { payOrderId });
    expect(inquiry.data).toMatchObject({ state: 2, payAmount: '100000' });
    expect(inquiry.data).not.toHaveProperty('failReason');
    const history = await client.call('/api/orderList', { pageNumber: 1, pageSize: 10, bizType: 1 });
    expect(history.data!.records).toEqual([expect.objectContaining({ payOrderId, state: 2, amount: '97000' })]);
  });

  it('a late partial payment moves an expired collection to state 9 with a callback', async () => {
    const { sandbox, client } = await start();
    const merchant = await receiver();
    const payOrderId = (await client.createCollection({ amount: '100000', notifyUrl: merchant.url })).data!.payOrderId as string;
    expect(sandbox.settle(payOrderId, { outcome: 'EXPIRED' })).toMatchObject({ state: 6, callbackSent: false });
    expect(sandbox.settle(payOrderId, { outcome: 'PARTIALLY_PAID', paidAmount: '40000' })).toMatchObject({ state: 9, payAmount: '40000', callbackSent: true });
    const [callback] = await waitFor(() => merchant.received.length === 1 && merchant.received, 5_000, 'the callback');
    expect(JSON.parse(callback!.rawBody)).toMatchObject({ payOrderId, state: 9, payAmount: '40000' });
    expect(await available(client)).toBe('1038800');
  });

  it('every other final state stays final (409)', async () => {
    const { sandbox, client } = await start();
    const settle = (id: string, body: unknown) => controlJson(sandbox.url, 'POST', `/sandbox/orders/${id}/settle`, body);
    const collection = async () => (await client.createCollection()).data!.payOrderId as string;

    const expired = await collection();
    sandbox.settle(expired, { outcome: 'EXPIRED' });
    expect(await settle(expired, { outcome: 'FAILED' })).toMatchObject({
      status: 409,
      json: { error: expect.stringContaining('late payment can still be settled: SUCCEEDED or PARTIALLY_PAID') },
    });
    expect((await settle(expired, { outcome: 'EXPIRED' })).status).toBe(409);
    expect((await settle(expired, { outcome: 'SUCCEEDED' })).status).toBe(200);
    expect((await settle(expired, { outcome: 'SUCCEEDED' })).status).toBe(409);

    const failed = await collection();
    sandbox.settle(failed, { outcome: 'FAILED' });
    expect((await settle(failed, { outcome: 'SUCCEEDED' })).status).toBe(409);

    const partial = await collection();
    sandbox.settle(partial, { outcome: 'PARTIALLY_PAID', paidAmount: '1000' });
    expect((await settle(partial, { outcome: 'SUCCEEDED' })).status).toBe(409);

    for (const outcome of ['FAILED', 'REJECTED'] as const) {
      const payout = (await client.createPayout()).data!.payOrderId as string;
      sandbox.settle(payout, { outcome });
      expect((await settle(payout, { outcome: 'SUCCEEDED' })).status).toBe(409);
    }
  });
});
