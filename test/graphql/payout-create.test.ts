import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/auth/scopes.js';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { ORDER, PAYOUT_CREATE, REFRESH, payoutInput, uniqueOrderNo } from '../helpers/operations.js';

// Every merchant opens with 100,000 IDR at the sandbox: a payout holds amount + 5,000 fee, so each
// merchant below affords one or two 10,000-50,000 payouts, and 250,000 is always too much.
let t: TestGateway;
let merchant: Merchant;
let token: string;
let merchantCount = 0;

beforeAll(async () => {
  t = await startTestGateway({ sandbox: { initialBalance: '100000' } });
  merchant = await t.addMerchant('M-PAYOUT-1');
  token = await t.token(merchant, ['payouts:write', 'orders:read']);
});
afterAll(() => t.close());

const creates = () => t.upstreamCalls.filter((call) => call.endpoint === '/api/payOut/unifiedOrder');

/** A merchant of its own (so its own 100,000 IDR balance) and a token for it. */
async function freshToken(scopes: readonly Scope[] = ['payouts:write', 'orders:read', 'balance:read']): Promise<string> {
  merchantCount += 1;
  return t.token(await t.addMerchant(`M-PAYOUT-X${merchantCount}`), scopes);
}

async function storedOrders(merchantOrderNo: string): Promise<number> {
  const rows = await t.gateway.orm.em.fork().getConnection().execute('select count(*)::int as n from orders where merchant_order_no = ?', [merchantOrderNo]);
  return rows[0]!.n;
}

describe('payoutCreate', () => {
  it('stores the payout, calls TarsPay once and answers PROCESSING with the TarsPay order id', async () => {
    const before = creates().length;
    const input = payoutInput({ amount: '50000', address: 'Jl. Sudirman 1, Jakarta' });
    const result = await t.graphql(token, PAYOUT_CREATE, { input });
    expect(result.errors).toBeUndefined();
    const { order, userErrors } = result.data!.payoutCreate;
    expect(userErrors).toEqual([]);
    expect(order).toMatchObject({
      kind: 'PAYOUT',
      status: 'PROCESSING',
      amount: '50000',
      currency: 'IDR',
      method: 'BANK_BCA',
      merchantOrderNo: input.merchantOrderNo,
      failureReason: null,
      upstreamCode: null,
    });
    expect(order.platformOrderId).toMatch(/^P\d{19}$/);
    expect(creates().length - before).toBe(1);
    expect(t.sandbox.order(order.platformOrderId)).toMatchObject({ kind: 'PAYOUT', mchOrderNo: input.merchantOrderNo, amount: '50000', state: 1 });

    const events = (await t.graphql(token, ORDER, { id: order.id })).data!.order.events;
    expect(events).toEqual([
      { status: 'SUBMITTING', previousStatus: null, source: 'API', applied: true },
      { status: 'PROCESSING', previousStatus: 'SUBMITTING', source: 'API', applied: true },
    ]);
  });
});

describe('validation: a VALIDATION userError naming the field, nothing sent, nothing stored', () => {
  it.each([
    ['amount with decimals', { amount: '25000.50' }, ['input', 'amount']],
    ['amount zero', { amount: '0' }, ['input', 'amount']],
    ['amount negative', { amount: '-25000' }, ['input', 'amount']],
    ['amount below the payout minimum', { amount: '9999' }, ['input', 'amount']],
    ['bankCode not in the catalog', { bankCode: 'BANK_NOWHERE' }, ['input', 'bankCode']],
    ['bankCode of a collection method', { bankCode: 'QRIS' }, ['input', 'bankCode']],
    ['accountNumber with letters', { accountNumber: '12345abc' }, ['input', 'accountNumber']],
    ['accountNumber too short', { accountNumber: '1234' }, ['input', 'accountNumber']],
    ['empty accountName', { accountName: '' }, ['input', 'accountName']],
    ['blank accountName', { accountName: '   ' }, ['input', 'accountName']],
    ['empty merchantOrderNo', { merchantOrderNo: '' }, ['input', 'merchantOrderNo']],
    ['merchantOrderNo with spaces', { merchantOrderNo: 'P 1' }, ['input', 'merchantOrderNo']],
    ['customer without email', { customer: { phone: '081298765432' } }, ['input', 'customer', 'email']],
    ['customer without phone', { customer: { email: 'siti@example.co.id' } }, ['input', 'customer', 'phone']],
    ['customer with a bad email', { customer: { email: 'siti@', phone: '081298765432' } }, ['input', 'customer', 'email']],
    ['customer with a foreign phone', { customer: { email: 'siti@example.co.id', phone: '+14155550100' } }, ['input', 'customer', 'phone']],
  ])('%s', async (_name, overrides, field) => {
    const input = payoutInput(overrides);
    const before = t.upstreamCalls.length;
    const result = await t.graphql(token, PAYOUT_CREATE, { input });
    expect(result.errors).toBeUndefined();
    const { order, userErrors } = result.data!.payoutCreate;
    expect(order).toBeNull();
    expect(userErrors).toContainEqual(expect.objectContaining({ code: 'VALIDATION', field }));
    const error = userErrors.find((candidate: { field: string[] }) => candidate.field.join('.') === field.join('.'));
    expect(error.message).toContain(field.at(-1));
    expect(t.upstreamCalls.length).toBe(before);
    if (input.merchantOrderNo) expect(await storedOrders(String(input.merchantOrderNo))).toBe(0);
  });

  it.each(['merchantOrderNo', 'customer', 'bankCode', 'accountName'])('a missing %s is a GraphQL validation error', async (name) => {
    const input = payoutInput();
    delete input[name];
    const before = t.upstreamCalls.length;
    const result = await t.graphql(token, PAYOUT_CREATE, { input });
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.message).toContain(name);
    expect(t.upstreamCalls.length).toBe(before);
    if (input.merchantOrderNo) expect(await storedOrders(String(input.merchantOrderNo))).toBe(0);
  });
});

describe('TarsPay refusing the payout', () => {
  it('not enough balance: INSUFFICIENT_BALANCE with upstreamCode 5004006, the order FAILED', async () => {
    const input = payoutInput({ amount: '250000' });
    const result = await t.graphql(token, PAYOUT_CREATE, { input });
    const { order, userErrors } = result.data!.payoutCreate;
    expect(userErrors).toEqual([expect.objectContaining({ code: 'INSUFFICIENT_BALANCE', upstreamCode: 5004006 })]);
    expect(userErrors[0].message).toMatch(/Insufficient merchant balance/);
    expect(order).toMatchObject({ status: 'FAILED', upstreamCode: 5004006, platformOrderId: null, merchantOrderNo: input.merchantOrderNo });
    expect(order.failureReason).toMatch(/5004006/);
    expect(await storedOrders(String(input.merchantOrderNo))).toBe(1);

    const stored = (await t.graphql(token, ORDER, { id: order.id })).data!.order;
    expect(stored.status).toBe('FAILED');
    expect(stored.events.map((event: { status: string }) => event.status)).toEqual(['SUBMITTING', 'FAILED']);
  });
});

describe('idempotency by merchantOrderNo', () => {
  it('the same input again returns the same payout without calling TarsPay', async () => {
    const own = await freshToken();
    const input = payoutInput({ amount: '10000' });
    const first = await t.graphql(own, PAYOUT_CREATE, { input });
    expect(first.data!.payoutCreate.order.status).toBe('PROCESSING');
    const before = creates().length;
    const second = await t.graphql(own, PAYOUT_CREATE, { input });
    expect(second.data!.payoutCreate.userErrors).toEqual([]);
    expect(second.data!.payoutCreate.order).toMatchObject({
      id: first.data!.payoutCreate.order.id,
      platformOrderId: first.data!.payoutCreate.order.platformOrderId,
      status: 'PROCESSING',
    });
    expect(creates().length).toBe(before);
  });

  it.each([
    ['amount', { amount: '10001' }],
    ['accountNumber', { accountNumber: '9876543210' }],
    ['bankCode', { bankCode: 'BANK_BNI' }],
    ['customer', { customer: { email: 'other@example.co.id', phone: '081298765432' } }],
  ])('the same merchantOrderNo with another %s is IDEMPOTENCY_CONFLICT', async (_name, change) => {
    const own = await freshToken();
    const input = payoutInput({ amount: '10000' });
    const first = await t.graphql(own, PAYOUT_CREATE, { input });
    expect(first.data!.payoutCreate.userErrors).toEqual([]);
    const before = creates().length;
    const result = await t.graphql(own, PAYOUT_CREATE, { input: { ...input, ...change } });
    expect(result.data!.payoutCreate.order).toBeNull();
    expect(result.data!.payoutCreate.userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_CONFLICT', field: ['input', 'merchantOrderNo'] })]);
    expect(creates().length).toBe(before);
    expect(await storedOrders(String(input.merchantOrderNo))).toBe(1);
  });

  it('16 concurrent identical requests make one order and exactly one upstream create', async () => {
    const own = await freshToken();
    const input = payoutInput({ amount: '10000', merchantOrderNo: uniqueOrderNo('PRACE') });
    const before = creates().length;
    const results = await Promise.all(Array.from({ length: 16 }, () => t.graphql(own, PAYOUT_CREATE, { input })));
    for (const result of results) {
      expect(result.errors).toBeUndefined();
      expect(result.data!.payoutCreate.userErrors).toEqual([]);
    }
    const ids = new Set(results.map((result) => result.data!.payoutCreate.order.id));
    expect(ids.size).toBe(1);
    expect(creates().length - before).toBe(1);
    expect(await storedOrders(String(input.merchantOrderNo))).toBe(1);
    // The merchant paid once: 100,000 - (10,000 + 5,000 fee) available, 15,000 frozen.
    const balance = (await t.graphql(own, `{ balance { availableAmount frozenAmount } }`)).data!.balance;
    expect(balance).toEqual({ availableAmount: '85000', frozenAmount: '15000' });
  });

  it('TarsPay created the payout but its answer was lost: UNKNOWN, UPSTREAM_UNAVAILABLE; retries never create again, orderRefresh recovers it', async () => {
    const own = await freshToken();
    t.sandbox.faults.add({ path: '/api/payOut/unifiedOrder', mode: 'dropAfterStore', count: 1 });
    const input = payoutInput({ amount: '10000' });
    const before = creates().length;
    const first = await t.graphql(own, PAYOUT_CREATE, { input });
    expect(first.errors).toBeUndefined();
    expect(first.data!.payoutCreate.userErrors).toEqual([expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' })]);
    expect(first.data!.payoutCreate.order).toMatchObject({ status: 'UNKNOWN', platformOrderId: null, merchantOrderNo: input.merchantOrderNo });
    expect(creates().length - before).toBe(1);
    expect(t.sandbox.faults.list()).toEqual([]);

    for (let retry = 0; retry < 3; retry++) {
      const again = await t.graphql(own, PAYOUT_CREATE, { input });
      expect(again.data!.payoutCreate.order).toMatchObject({ id: first.data!.payoutCreate.order.id, status: 'UNKNOWN' });
    }
    expect(creates().length - before).toBe(1);
    expect(await storedOrders(String(input.merchantOrderNo))).toBe(1);

    // Asking TarsPay (by merchantOrderNo: the payOrderId was lost too) recovers the payout.
    const refreshed = (await t.graphql(own, REFRESH, { id: first.data!.payoutCreate.order.id })).data!.orderRefresh;
    expect(refreshed.userErrors).toEqual([]);
    expect(refreshed.order).toMatchObject({ status: 'PROCESSING', platformOrderId: expect.stringMatching(/^P\d{19}$/) });
    expect(t.sandbox.order(refreshed.order.platformOrderId)).toMatchObject({ mchOrderNo: input.merchantOrderNo, state: 1 });
    expect(refreshed.order.events).toEqual([
      { status: 'SUBMITTING', source: 'API', applied: true },
      { status: 'UNKNOWN', source: 'API', applied: true },
      { status: 'PROCESSING', source: 'RECONCILIATION', applied: true },
    ]);
    expect(creates().length - before).toBe(1);
  });
});

describe('authorization', () => {
  it('a token without payouts:write gets a top-level FORBIDDEN and nothing is created', async () => {
    const readOnly = await t.token(merchant, ['collections:write', 'orders:read', 'balance:read']);
    const input = payoutInput({ amount: '10000' });
    const before = t.upstreamCalls.length;
    const result = await t.graphql(readOnly, PAYOUT_CREATE, { input });
    expect(result.data ?? null).toBeNull();
    expect(result.errors).toEqual([expect.objectContaining({ path: ['payoutCreate'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
    expect(result.errors![0]!.message).toMatch(/scope/);
    expect(t.upstreamCalls.length).toBe(before);
    expect(await storedOrders(String(input.merchantOrderNo))).toBe(0);
  });
});
