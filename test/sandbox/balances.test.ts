import { afterEach, describe, expect, it } from 'vitest';
import { startTestSandbox, type SandboxTestClient, type TestSandbox } from './helpers.js';

const running: TestSandbox[] = [];
async function start(options: Parameters<typeof startTestSandbox>[0] = {}): Promise<TestSandbox> {
  const setup = await startTestSandbox({ initialBalance: '1000000', ...options });
  running.push(setup);
  return setup;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map(({ sandbox }) => sandbox.close()));
});

async function balance(client: SandboxTestClient): Promise<{ available: string; frozen: string }> {
  const { data } = await client.balance();
  return { available: data!.availableAmount, frozen: data!.frozenAmount };
}

describe('balance arithmetic', () => {
  it('credits a paid collection net of the 3% fee', async () => {
    const { sandbox, client } = await start();
    const created = await client.createCollection({ amount: '150000' });
    expect(await balance(client)).toEqual({ available: '1000000', frozen: '0' });
    const settled = sandbox.settle(created.data!.payOrderId, { outcome: 'SUCCEEDED' });
    expect(settled).toMatchObject({ state: 2, status: 'SUCCEEDED', payAmount: '150000', fee: '4500' });
    expect(await balance(client)).toEqual({ available: '1145500', frozen: '0' });
  });

  it('credits a partial payment net of the fee on what was paid', async () => {
    const { sandbox, client } = await start();
    const created = await client.createCollection({ amount: '150000' });
    sandbox.settle(created.data!.payOrderId, { outcome: 'PARTIALLY_PAID', paidAmount: '100000' });
    expect(await balance(client)).toEqual({ available: '1097000', frozen: '0' });
    const inquiry = await client.call('/api/payInInfo', { payOrderId: created.data!.payOrderId });
    expect(inquiry.data).toMatchObject({ state: 9, orderAmount: '150000', payAmount: '100000', fee: '3000' });
  });

  it('rounds a fractional fee down to whole rupiah', async () => {
    const { sandbox, client } = await start({ collectionFeePercent: 2.5 });
    const created = await client.createCollection({ amount: '10001' });
    expect(sandbox.settle(created.data!.payOrderId, { outcome: 'SUCCEEDED' }).fee).toBe('250');
    expect(await balance(client)).toEqual({ available: '1009751', frozen: '0' });
  });

  it('leaves the balance alone when a collection fails or expires', async () => {
    const { sandbox, client } = await start();
    const failed = await client.createCollection();
    const expired = await client.createCollection();
    sandbox.settle(failed.data!.payOrderId, { outcome: 'FAILED', failReason: 'Card declined' });
    sandbox.settle(expired.data!.payOrderId, { outcome: 'EXPIRED' });
    expect(await balance(client)).toEqual({ available: '1000000', frozen: '0' });
    const inquiry = await client.call('/api/payInInfo', { payOrderId: failed.data!.payOrderId });
    expect(inquiry.data).toMatchObject({ state: 3, failReason: 'Card declined', fee: '0', payAmount: '0' });
  });

  it('freezes amount + fee for a payout, spends it on success', async () => {
    const { sandbox, client } = await start();
    const created = await client.createPayout({ amount: '100000' });
    expect(await balance(client)).toEqual({ available: '895000', frozen: '105000' });
    const settled = sandbox.settle(created.data!.payOrderId, { outcome: 'SUCCEEDED' });
    expect(settled).toMatchObject({ state: 2, payAmount: '100000', fee: '5000' });
    expect(await balance(client)).toEqual({ available: '895000', frozen: '0' });
  });

  it.each([
    ['FAILED', 3],
    ['REJECTED', 8],
  ] as const)('returns amount + fee to available when a payout ends %s', async (outcome, state) => {
    const { sandbox, client } = await start({ payoutFee: '6500' });
    const created = await client.createPayout({ amount: '200000' });
    expect(await balance(client)).toEqual({ available: '793500', frozen: '206500' });
    const settled = sandbox.settle(created.data!.payOrderId, { outcome });
    expect(settled).toMatchObject({ state, fee: '0', payAmount: '0' });
    expect(settled.failReason).toEqual(expect.any(String));
    expect(await balance(client)).toEqual({ available: '1000000', frozen: '0' });
  });

  it('lets a registered balance override the initial balance', async () => {
    const { sandbox, client } = await start();
    sandbox.registerMerchant({ mchNo: client.mchNo, publicKey: client.key.publicKeyHex, balance: '42' });
    expect(await balance(client)).toEqual({ available: '42', frozen: '0' });
    expect((await client.createPayout({ amount: '10000' })).code).toBe(5004006);
  });
});

describe('transaction history (/api/orderList)', () => {
  it('pages final orders newest first, at most 50 a page, filtered by bizType and time', async () => {
    const { sandbox, client } = await start({ initialBalance: '100000000' });
    const collections: string[] = [];
    for (let index = 0; index < 53; index += 1) {
      const created = await client.createCollection({ mchOrderNo: `H-C-${index}`, amount: String(10000 + index) });
      collections.push(created.data!.payOrderId);
      sandbox.settle(created.data!.payOrderId, { outcome: index % 2 === 0 ? 'SUCCEEDED' : 'FAILED' });
    }
    const payout = await client.createPayout({ mchOrderNo: 'H-P-0' });
    sandbox.settle(payout.data!.payOrderId, { outcome: 'SUCCEEDED' });
    await client.createPayout({ mchOrderNo: 'H-P-pending' });
    await client.createCollection({ mchOrderNo: 'H-C-pending' });

    const first = await client.call('/api/orderList', { pageNumber: 1, pageSize: 50 });
    expect(first.data).toMatchObject({ current: 1, size: 50, total: 54, pages: 2 });
    const records: Array<Record<string, any>> = first.data!.records;
    expect(records).toHaveLength(50);
    expect(records[0]).toMatchObject({ mchOrderNo: 'H-P-0', bizType: 2, payWay: 'BANK_BCA', payWayType: 'bank', bankName: 'BANK BCA' });
    expect(records[1]!.mchOrderNo).toBe('H-C-52');
    const ids = records.map((record) => record.payOrderId as string);
    expect([...ids].sort().reverse()).toEqual(ids);
    expect(records.every((record) => record.state !== 0 && record.state !== 1)).toBe(true);

    const second = await client.call('/api/orderList', { pageNumber: '2', pageSize: '50' });
    expect(second.data!.records.map((record: any) => record.mchOrderNo)).toEqual(['H-C-3', 'H-C-2', 'H-C-1', 'H-C-0']);
    const beyond = await client.call('/api/orderList', { pageNumber: 3, pageSize: 50 });
    expect(beyond.data).toMatchObject({ records: [], total: 54, pages: 2 });

    const payouts = await client.call('/api/orderList', { pageNumber: 1, pageSize: 50, bizType: 2 });
    expect(payouts.data).toMatchObject({ total: 1, records: [{ mchOrderNo: 'H-P-0', amount: '100000', mchFeeAmount: '5000' }] });
    const onlyCollections = await client.call('/api/orderList', { pageNumber: 1, pageSize: 5, bizType: 1 });
    expect(onlyCollections.data).toMatchObject({ total: 53, pages: 11, size: 5 });
    const failed = onlyCollections.data!.records.find((record: any) => record.state === 3);
    expect(failed).toMatchObject({ amount: '0', mchFeeAmount: '0' });

    const nowSeconds = Math.floor(Date.now() / 1000);
    const future = await client.call('/api/orderList', { pageNumber: 1, pageSize: 50, startTime: nowSeconds + 60 });
    expect(future.data).toMatchObject({ total: 0, pages: 0, records: [] });
    const window = await client.call('/api/orderList', { pageNumber: 1, pageSize: 50, startTime: nowSeconds - 60, endTime: nowSeconds + 60 });
    expect(window.data!.total).toBe(54);
    const past = await client.call('/api/orderList', { pageNumber: 1, pageSize: 50, endTime: nowSeconds - 60 });
    expect(past.data!.total).toBe(0);
  });

  it('shows only its own merchant', async () => {
    const { sandbox, client } = await start();
    const created = await client.createCollection();
    sandbox.settle(created.data!.payOrderId, { outcome: 'SUCCEEDED' });
    const other = await start();
    expect((await other.client.call('/api/orderList', { pageNumber: 1, pageSize: 10 })).data!.total).toBe(0);
  });
});
