import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/auth/scopes.js';
import { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, ORDER, PAYOUT_CREATE, REFRESH, SETTLE, collectionInput, payoutInput } from '../helpers/operations.js';

const BALANCE = `{ balance { availableAmount frozenAmount currency } }`;
const TRANSACTIONS = `query ($filter: TransactionFilter, $page: Int, $pageSize: Int) {
  transactions(filter: $filter, page: $page, pageSize: $pageSize) {
    page pageSize pages total
    records { platformOrderId merchantOrderNo kind status orderAmount amount fee currency method }
  }
}`;
const PAYMENT_METHODS = `query ($type: PaymentMethodType) { paymentMethods(type: $type) { code name type } }`;
const PAYOUT_BANKS = `query ($search: String) { payoutBanks(search: $search) { code name } }`;

let t: TestGateway;
/** A gateway whose upstream is not treated as the sandbox: sandbox controls are refused. */
let noControls: TestGateway;
let merchantCount = 0;

beforeAll(async () => {
  [t, noControls] = await Promise.all([startTestGateway(), startTestGateway({ sandboxControls: false })]);
});
afterAll(async () => {
  await Promise.all([t?.close(), noControls?.close()]);
});

/** A new merchant (its own sandbox balance and history) and a token for it. */
async function newMerchant(scopes?: readonly Scope[], options: { callbacks?: boolean } = {}): Promise<{ merchant: Merchant; token: string }> {
  merchantCount += 1;
  const merchant = await t.addMerchant(`M-READS-${merchantCount}`);
  if (options.callbacks === false) {
    // TarsPay's callbacks for this merchant go nowhere: only an inquiry can tell the gateway.
    await t.gateway.orm.em.fork().nativeUpdate(Merchant, { id: merchant.id }, { notifyUrl: 'http://127.0.0.1:9/tarspay/notify' });
  }
  return { merchant, token: await t.token(merchant, scopes) };
}

async function collection(token: string, overrides: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const result = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput(overrides) });
  expect(result.data!.collectionCreate.userErrors).toEqual([]);
  return result.data!.collectionCreate.order;
}

async function payout(token: string, overrides: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const result = await t.graphql(token, PAYOUT_CREATE, { input: payoutInput(overrides) });
  expect(result.data!.payoutCreate.userErrors).toEqual([]);
  return result.data!.payoutCreate.order;
}

async function settle(token: string, id: string, outcome: string, paidAmount?: string) {
  const result = await t.graphql(token, SETTLE, { id, outcome, paidAmount });
  expect(result.errors).toBeUndefined();
  return result.data!.sandboxOrderSettle;
}

const calls = (endpoint: string) => t.upstreamCalls.filter((call) => call.endpoint === endpoint).length;

describe('balance', () => {
  it('is read from TarsPay as strings of whole rupiah, and moves after a settled collection', async () => {
    const { token } = await newMerchant();
    const before = calls('/api/balanceInfo');
    const opening = await t.graphql(token, BALANCE);
    expect(opening).toEqual({ data: { balance: { availableAmount: '100000000', frozenAmount: '0', currency: 'IDR' } } });
    expect(calls('/api/balanceInfo') - before).toBe(1);

    const order = await collection(token, { amount: '150000' });
    expect((await settle(token, order.id, 'SUCCEEDED')).order.status).toBe('SUCCEEDED');
    // 150,000 paid, 3 % fee (4,500) kept by TarsPay.
    expect((await t.graphql(token, BALANCE)).data!.balance).toEqual({ availableAmount: '100145500', frozenAmount: '0', currency: 'IDR' });

    await payout(token, { amount: '100000' });
    // A processing payout holds its amount + the 5,000 fee.
    expect((await t.graphql(token, BALANCE)).data!.balance).toEqual({ availableAmount: '100040500', frozenAmount: '105000', currency: 'IDR' });
  });

  it('TarsPay down: a top-level UPSTREAM_UNAVAILABLE error, not a masked one', async () => {
    const { token } = await newMerchant();
    t.sandbox.faults.add({ path: '/api/balanceInfo', mode: 'drop', count: 0 });
    try {
      const result = await t.graphql(token, BALANCE);
      expect(result.data ?? null).toBeNull();
      expect(result.errors).toEqual([expect.objectContaining({ path: ['balance'], extensions: expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' }) })]);
      expect(result.errors![0]!.message).not.toMatch(/Unexpected error/);
      expect(result.errors![0]!.message).toMatch(/balanceInfo/);
    } finally {
      t.sandbox.faults.clear();
    }
    expect((await t.graphql(token, BALANCE)).data!.balance.availableAmount).toBe('100000000');
  });
});

describe('transactions', () => {
  let token: string;
  const settled: Record<string, any>[] = [];
  let open: Record<string, any>;

  beforeAll(async () => {
    ({ token } = await newMerchant());
    for (const amount of ['110000', '120000', '130000']) {
      const order = await collection(token, { amount, method: 'QRIS' });
      expect((await settle(token, order.id, 'SUCCEEDED')).order.status).toBe('SUCCEEDED');
      settled.push(order);
    }
    for (const [amount, outcome] of [
      ['60000', 'SUCCEEDED'],
      ['70000', 'FAILED'],
    ] as const) {
      const order = await payout(token, { amount });
      expect((await settle(token, order.id, outcome)).order.status).toBe(outcome);
      settled.push(order);
    }
    open = await collection(token);
  });

  it("lists the merchant's settled orders only, with their fields", async () => {
    const result = await t.graphql(token, TRANSACTIONS, { pageSize: 50 });
    expect(result.errors).toBeUndefined();
    const page = result.data!.transactions;
    expect(page).toMatchObject({ page: 1, pageSize: 50, pages: 1, total: 5 });
    expect(page.records.map((record: { platformOrderId: string }) => record.platformOrderId).sort()).toEqual(
      settled.map((order) => order.platformOrderId).sort(),
    );
    expect(page.records.map((record: { platformOrderId: string }) => record.platformOrderId)).not.toContain(open.platformOrderId);
    const first = page.records.find((record: { platformOrderId: string }) => record.platformOrderId === settled[0]!.platformOrderId);
    expect(first).toMatchObject({
      merchantOrderNo: settled[0]!.merchantOrderNo,
      kind: 'COLLECTION',
      status: 'SUCCEEDED',
      orderAmount: '110000',
      amount: '106700',
      fee: '3300',
      currency: 'IDR',
      method: 'QRIS',
    });
  });

  it.each([
    ['COLLECTION', 3],
    ['PAYOUT', 2],
  ])('filter kind %s', async (kind, count) => {
    const page = (await t.graphql(token, TRANSACTIONS, { filter: { kind } })).data!.transactions;
    expect(page.total).toBe(count);
    expect(page.records).toHaveLength(count);
    expect(page.records.every((record: { kind: string }) => record.kind === kind)).toBe(true);
  });

  it('pages with page and pageSize', async () => {
    const pages = [];
    for (const pageNumber of [1, 2, 3]) {
      const page = (await t.graphql(token, TRANSACTIONS, { page: pageNumber, pageSize: 2 })).data!.transactions;
      expect(page).toMatchObject({ page: pageNumber, pageSize: 2, pages: 3, total: 5 });
      pages.push(page.records.map((record: { platformOrderId: string }) => record.platformOrderId));
    }
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(new Set(pages.flat()).size).toBe(5);
  });

  it.each([51, 0, -1])('pageSize %i is a BAD_USER_INPUT error, TarsPay is not asked', async (pageSize) => {
    const before = calls('/api/orderList');
    const result = await t.graphql(token, TRANSACTIONS, { pageSize });
    expect(result.data ?? null).toBeNull();
    expect(result.errors).toEqual([expect.objectContaining({ path: ['transactions'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
    expect(result.errors![0]!.message).toMatch(/pageSize/);
    expect(calls('/api/orderList')).toBe(before);
  });
});

describe('catalogs', () => {
  let token: string;
  beforeAll(async () => {
    ({ token } = await newMerchant([]));
  });

  it('paymentMethods lists every collection method, or those of one type', async () => {
    const all = (await t.graphql(token, PAYMENT_METHODS)).data!.paymentMethods;
    expect(new Set(all.map((method: { type: string }) => method.type))).toEqual(new Set(['BANK_VA', 'MART', 'EWALLET', 'QRIS', 'CASHIER']));
    expect(all).toContainEqual({ code: 'BANK_BCA', name: expect.any(String), type: 'BANK_VA' });
    for (const type of ['BANK_VA', 'MART', 'EWALLET', 'QRIS', 'CASHIER']) {
      const some = (await t.graphql(token, PAYMENT_METHODS, { type })).data!.paymentMethods;
      expect(some.length).toBeGreaterThan(0);
      expect(some.every((method: { type: string }) => method.type === type)).toBe(true);
      expect(some).toEqual(all.filter((method: { type: string }) => method.type === type));
    }
    expect((await t.graphql(token, PAYMENT_METHODS, { type: 'QRIS' })).data!.paymentMethods).toEqual([{ code: 'QRIS', name: 'QRIS', type: 'QRIS' }]);
  });

  it('payoutBanks: every bank without search; "bca" finds BANK_BCA first', async () => {
    const all = (await t.graphql(token, PAYOUT_BANKS)).data!.payoutBanks;
    expect(all.length).toBeGreaterThanOrEqual(190);
    expect(new Set(all.map((bank: { code: string }) => bank.code)).size).toBe(all.length);
    const bca = (await t.graphql(token, PAYOUT_BANKS, { search: 'bca' })).data!.payoutBanks;
    expect(bca[0]).toEqual({ code: 'BANK_BCA', name: 'BANK BCA' });
    expect(bca.length).toBeLessThan(10);
    expect(bca.every((bank: { code: string; name: string }) => `${bank.code} ${bank.name}`.toUpperCase().includes('BCA'))).toBe(true);
    expect((await t.graphql(token, PAYOUT_BANKS, { search: 'BCA syariah' })).data!.payoutBanks[0].code).toBe('BANK_BCA_SYARIAH');
    expect((await t.graphql(token, PAYOUT_BANKS, { search: 'no such bank anywhere' })).data!.payoutBanks).toEqual([]);
  });
});

describe('orderRefresh', () => {
  it('after TarsPay settled the order on its own: SUCCEEDED with a RECONCILIATION event; a second refresh adds nothing', async () => {
    const { token } = await newMerchant(undefined, { callbacks: false });
    const order = await collection(token, { amount: '150000' });
    t.sandbox.settle(order.platformOrderId, { outcome: 'SUCCEEDED' });
    expect((await t.graphql(token, ORDER, { id: order.id })).data!.order.status).toBe('CREATED');

    const before = calls('/api/payInInfo');
    const first = await t.graphql(token, REFRESH, { id: order.id });
    expect(first.errors).toBeUndefined();
    expect(first.data!.orderRefresh.userErrors).toEqual([]);
    expect(first.data!.orderRefresh.order).toMatchObject({ id: order.id, status: 'SUCCEEDED', paidAmount: '150000', fee: '4500' });
    expect(first.data!.orderRefresh.order.events).toEqual([
      { status: 'SUBMITTING', source: 'API', applied: true },
      { status: 'CREATED', source: 'API', applied: true },
      { status: 'SUCCEEDED', source: 'RECONCILIATION', applied: true },
    ]);
    expect(calls('/api/payInInfo') - before).toBe(1);

    const second = await t.graphql(token, REFRESH, { id: order.id });
    expect(second.data!.orderRefresh.order.status).toBe('SUCCEEDED');
    expect(second.data!.orderRefresh.order.events).toHaveLength(3);
    expect(calls('/api/payInInfo') - before).toBe(2);
  });

  it('a payout TarsPay failed: FAILED with its reason, through the payout inquiry', async () => {
    const { token } = await newMerchant(undefined, { callbacks: false });
    const order = await payout(token, { amount: '20000' });
    t.sandbox.settle(order.platformOrderId, { outcome: 'FAILED', failReason: 'Account closed' });
    const before = calls('/api/payOutInfo');
    const result = (await t.graphql(token, REFRESH, { id: order.id })).data!.orderRefresh;
    expect(result.userErrors).toEqual([]);
    expect(result.order).toMatchObject({ status: 'FAILED', failureReason: 'Account closed' });
    expect(result.order.events.at(-1)).toEqual({ status: 'FAILED', source: 'RECONCILIATION', applied: true });
    expect(calls('/api/payOutInfo') - before).toBe(1);
  });

  it('nothing new at TarsPay: the order and its events stay as they were', async () => {
    const { token } = await newMerchant();
    const order = await collection(token);
    const result = (await t.graphql(token, REFRESH, { id: order.id })).data!.orderRefresh;
    expect(result.userErrors).toEqual([]);
    expect(result.order.status).toBe('CREATED');
    expect(result.order.events.map((event: { status: string }) => event.status)).toEqual(['SUBMITTING', 'CREATED']);
  });
});

describe('sandboxOrderSettle', () => {
  let token: string;
  beforeAll(async () => {
    ({ token } = await newMerchant());
  });

  it('SUCCEEDED: the order is paid in full', async () => {
    const order = await collection(token, { amount: '150000' });
    const { order: settled, userErrors } = await settle(token, order.id, 'SUCCEEDED');
    expect(userErrors).toEqual([]);
    expect(settled).toMatchObject({ id: order.id, status: 'SUCCEEDED', paidAmount: '150000', fee: '4500' });
    expect(t.sandbox.order(order.platformOrderId)!.state).toBe(2);
    const events = (await t.graphql(token, ORDER, { id: order.id })).data!.order.events;
    expect(events.at(-1)).toEqual({ status: 'SUCCEEDED', previousStatus: 'CREATED', source: expect.stringMatching(/^(CALLBACK|SANDBOX)$/), applied: true });
  });

  it('PARTIALLY_PAID with paidAmount', async () => {
    const order = await collection(token, { amount: '150000', method: 'QRIS' });
    const { order: settled, userErrors } = await settle(token, order.id, 'PARTIALLY_PAID', '50000');
    expect(userErrors).toEqual([]);
    expect(settled).toMatchObject({ status: 'PARTIALLY_PAID', paidAmount: '50000', amount: '150000' });
    expect(t.sandbox.order(order.platformOrderId)).toMatchObject({ state: 9, payAmount: '50000' });
  });

  it('FAILED, with a failure reason', async () => {
    const order = await collection(token);
    const { order: settled, userErrors } = await settle(token, order.id, 'FAILED');
    expect(userErrors).toEqual([]);
    expect(settled.status).toBe('FAILED');
    expect(settled.failureReason).toMatch(/fail/i);
  });

  it('a payout: SUCCEEDED with payouts:write', async () => {
    const order = await payout(token, { amount: '30000' });
    const { order: settled, userErrors } = await settle(token, order.id, 'SUCCEEDED');
    expect(userErrors).toEqual([]);
    expect(settled).toMatchObject({ kind: 'PAYOUT', status: 'SUCCEEDED' });
  });

  it('an order already final: INVALID_STATE, and it stays as it is', async () => {
    const order = await collection(token);
    expect((await settle(token, order.id, 'SUCCEEDED')).order.status).toBe('SUCCEEDED');
    const again = await settle(token, order.id, 'FAILED');
    expect(again.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE' })]);
    expect(again.order).toMatchObject({ id: order.id, status: 'SUCCEEDED' });
    expect(t.sandbox.order(order.platformOrderId)!.state).toBe(2);
    expect((await t.graphql(token, ORDER, { id: order.id })).data!.order.events.map((event: { status: string }) => event.status)).toEqual([
      'SUBMITTING',
      'CREATED',
      'SUCCEEDED',
    ]);
  });

  it('PARTIALLY_PAID without paidAmount: VALIDATION, nothing settled', async () => {
    const order = await collection(token);
    const result = await settle(token, order.id, 'PARTIALLY_PAID');
    expect(result.userErrors).toEqual([expect.objectContaining({ code: 'VALIDATION' })]);
    expect(result.userErrors[0].message).toMatch(/paidAmount/);
    expect(t.sandbox.order(order.platformOrderId)!.state).toBe(0);
  });

  it('a token for collections cannot settle a payout: FORBIDDEN', async () => {
    const { merchant, token: payoutToken } = await newMerchant(['payouts:write']);
    const order = await payout(payoutToken, { amount: '30000' });
    const collectionsToken = await t.token(merchant, ['collections:write', 'orders:read']);
    const result = await t.graphql(collectionsToken, SETTLE, { id: order.id, outcome: 'SUCCEEDED' });
    expect(result.data?.sandboxOrderSettle ?? null).toBeNull();
    expect(result.errors).toEqual([expect.objectContaining({ path: ['sandboxOrderSettle'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
    expect(result.errors![0]!.message).toMatch(/payouts:write/);
    expect(t.sandbox.order(order.platformOrderId)!.state).toBe(1);
  });

  it('SANDBOX_ONLY when the upstream is not the sandbox', async () => {
    const merchant = await noControls.addMerchant('M-NO-CONTROLS');
    const token = await noControls.token(merchant);
    const created = await noControls.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
    const order = created.data!.collectionCreate.order;
    expect(order.status).toBe('CREATED');
    const result = await noControls.graphql(token, SETTLE, { id: order.id, outcome: 'SUCCEEDED' });
    expect(result.errors).toBeUndefined();
    expect(result.data!.sandboxOrderSettle.userErrors).toEqual([expect.objectContaining({ code: 'SANDBOX_ONLY' })]);
    expect(result.data!.sandboxOrderSettle.order).toMatchObject({ id: order.id, status: 'CREATED' });
    expect(noControls.sandbox.order(order.platformOrderId)!.state).toBe(0);
  });
});
