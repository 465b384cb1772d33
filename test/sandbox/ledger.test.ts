import { describe, expect, it } from 'vitest';
import { sandboxesClosedAfterEach, controlJson, waitFor } from './helpers.js';

/** The sandbox's ledger (GET /sandbox/ledger) and its callback faults (POST /sandbox/callback-faults), which the chaos run relies on. */

const { start, receiver } = sandboxesClosedAfterEach({ callbackRetryMs: 50 });

async function ledger(url: string): Promise<any[]> {
  return (await controlJson(url, 'GET', '/sandbox/ledger')).json.entries;
}

describe('the ledger', () => {
  it('records a stored create confirmed by its answer, then a duplicate sent after that confirmation', async () => {
    const { sandbox, client } = await start();
    const created = await client.createCollection({ mchOrderNo: 'L-1' });
    await client.createCollection({ mchOrderNo: 'L-1' });
    const [entry] = await ledger(sandbox.url);
    expect(entry).toMatchObject({
      kind: 'COLLECTION',
      mchOrderNo: 'L-1',
      confirmedBy: 'create',
      order: { payOrderId: created.data!.payOrderId, status: 'CREATED' },
      creates: [
        { outcome: 'stored', afterConfirmed: false },
        { outcome: 'duplicate', code: 5003011, afterConfirmed: true },
      ],
    });
  });

  it('does not count a create whose answer was lost as confirmed, until an inquiry reports the order', async () => {
    const { sandbox, client } = await start();
    sandbox.faults.add({ path: '/api/pay/unifiedOrder', mode: 'dropAfterStore' });
    await expect(client.createCollection({ mchOrderNo: 'L-2' })).rejects.toThrow();
    expect((await ledger(sandbox.url))[0]).toMatchObject({ confirmedAt: null, creates: [{ outcome: 'stored' }] });
    await client.call('/api/payInInfo', { mchOrderNo: 'L-2' });
    let [entry] = await ledger(sandbox.url);
    for (let polls = 0; entry.confirmedBy === null && polls < 100; polls += 1) [entry] = await ledger(sandbox.url);
    expect(entry.confirmedBy).toBe('inquiry');
    expect(entry.order.history.map((step: { status: string }) => step.status)).toEqual(['CREATED']);
  });

  it('keeps the order state history', async () => {
    const { sandbox, client } = await start();
    const created = await client.createCollection({ mchOrderNo: 'L-3' });
    sandbox.settle(created.data!.payOrderId, { outcome: 'EXPIRED' });
    sandbox.settle(created.data!.payOrderId, { outcome: 'SUCCEEDED' });
    const [entry] = await ledger(sandbox.url);
    expect(entry.order.history.map((step: { status: string }) => step.status)).toEqual(['CREATED', 'EXPIRED', 'SUCCEEDED']);
    expect(entry.order.status).toBe('SUCCEEDED');
  });
});

describe('callback faults', () => {
  it('never: no delivery; duplicate: two; fractionalFee: fee with cents, signed', async () => {
    const { sandbox, client } = await start();
    const merchant = await receiver();
    const settleNew = async (mchOrderNo: string) => {
      const created = await client.createCollection({ mchOrderNo, notifyUrl: merchant.url });
      sandbox.settle(created.data!.payOrderId, { outcome: 'SUCCEEDED' });
      return created.data!.payOrderId as string;
    };
    for (const mode of ['never', 'duplicate', 'fractionalFee']) {
      expect((await controlJson(sandbox.url, 'POST', '/sandbox/callback-faults', { mode })).status).toBe(201);
    }
    const never = await settleNew('CF-never');
    const duplicated = await settleNew('CF-dup');
    const fractional = await settleNew('CF-frac');
    await waitFor(() => merchant.received.length === 3);
    const bodies = merchant.received.map((callback) => JSON.parse(callback.rawBody));
    expect(bodies.filter((body) => body.payOrderId === never)).toEqual([]);
    expect(bodies.filter((body) => body.payOrderId === duplicated)).toHaveLength(2);
    expect(bodies.find((body) => body.payOrderId === fractional).fee).toBe('1050.50');
    expect((await controlJson(sandbox.url, 'GET', '/sandbox/callback-faults')).json.faults).toEqual([]);
  });

  it('refuses an unknown mode, naming the modes', async () => {
    const { sandbox } = await start();
    const answer = await controlJson(sandbox.url, 'POST', '/sandbox/callback-faults', { mode: 'explode' });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toContain('drop, never, duplicate, delay, reorder, fractionalFee');
  });
});
