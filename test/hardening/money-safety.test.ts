import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import type { FaultInput } from '../../src/sandbox/faults.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, ORDER, PAYOUT_CREATE, REFRESH, collectionInput, payoutInput } from '../helpers/operations.js';
import { closedPort, waitFor } from '../helpers/wait.js';
import { collect, wsClient } from '../helpers/ws-client.js';

/**
 * TarsPay's word settles an order; the gateway's guesses never do. Each case runs against the
 * sandbox with its fault switches, on real PostgreSQL, the reconciler driven by hand.
 */
let t: TestGateway;
let merchant: Merchant;
let token: string;

const RESEND_AFTER_MS = 800;

beforeAll(async () => {
  t = await startTestGateway({
    env: {
      RECONCILE_INTERVAL_MS: '0',
      TARSPAY_TIMEOUT_MS: '400',
      RECONCILE_RESEND_AFTER_MS: String(RESEND_AFTER_MS),
      PAYOUT_RESEND_WINDOW_MS: '60000',
      ATTENTION_AFTER_MS: '1500',
    },
    sandbox: { orderExpiryMs: 0 },
  });
  merchant = await t.addMerchant('M-MONEY');
  token = await t.token(merchant);
});
afterAll(() => t.close());

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const creates = (path: string) => t.upstreamCalls.filter((call) => call.endpoint === path).length;
const read = async (id: string) => (await t.graphql(token, ORDER, { id })).data!.order;

async function reconcile(id: string, passes = 1): Promise<void> {
  for (let pass = 0; pass < passes; pass++) {
    await t.makeOrderDue(id);
    await t.gateway.reconciler.runOnce();
  }
}

async function settlesTo(id: string, status: string) {
  return waitFor(async () => {
    const order = await read(id);
    return order.status === status ? order : undefined;
  });
}

describe('the three wrong results the issue reported', () => {
  it('a payout TarsPay stored, whose answer was lost and whose inquiry keeps failing, is never FAILED; its SUCCEEDED callback settles it', async () => {
    t.sandbox.faults.add({ path: '/api/payOut/unifiedOrder', mode: 'dropAfterStore', count: 1 });
    t.sandbox.faults.add({ path: '/api/payOutInfo', mode: 'answerCode', code: 5003020, count: 0 });
    const before = creates('/api/payOut/unifiedOrder');
    const frozenBefore = BigInt(t.sandbox.merchants().find((entry) => entry.mchNo === merchant.mchNo)!.frozenAmount);
    try {
      const input = payoutInput();
      const created = (await t.graphql(token, PAYOUT_CREATE, { input })).data!.payoutCreate;
      expect(created.order.status).toBe('UNKNOWN');
      expect(created.userErrors).toEqual([expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' })]);

      await pause(RESEND_AFTER_MS + 100);
      await reconcile(created.order.id, 4);
      await pause(1500); // past ATTENTION_AFTER_MS
      await reconcile(created.order.id, 1);
      const waiting = await read(created.order.id);
      // The re-sent create met "already exists": TarsPay holds it; the gateway does not guess more.
      expect(waiting).toMatchObject({ status: 'UNKNOWN', needsAttention: true, failureReason: null });
      expect(waiting.events.map((event: { status: string }) => event.status)).toEqual(['SUBMITTING', 'UNKNOWN']);
      expect(creates('/api/payOut/unifiedOrder') - before).toBe(2);
      // The client retries as it was told it may: the same order, no new create.
      const retried = (await t.graphql(token, PAYOUT_CREATE, { input })).data!.payoutCreate.order;
      expect(retried.id).toBe(created.order.id);
      expect(creates('/api/payOut/unifiedOrder') - before).toBe(2);

      // One payout at TarsPay, holding the balance once.
      const atTarsPay = t.sandbox.findOrder(merchant.mchNo, input.merchantOrderNo as string, 'PAYOUT')!;
      const frozenAfter = BigInt(t.sandbox.merchants().find((entry) => entry.mchNo === merchant.mchNo)!.frozenAmount);
      expect(frozenAfter - frozenBefore).toBe(BigInt(input.amount as string) + BigInt(atTarsPay.fee));

      t.sandbox.settle(atTarsPay.payOrderId, { outcome: 'SUCCEEDED' });
      const paid = await settlesTo(created.order.id, 'SUCCEEDED');
      expect(paid).toMatchObject({ platformOrderId: atTarsPay.payOrderId, needsAttention: false });
      expect(paid.events.at(-1)).toMatchObject({ status: 'SUCCEEDED', previousStatus: 'UNKNOWN', source: 'CALLBACK', applied: true });
    } finally {
      t.sandbox.faults.clear();
    }
  });

  it('a collection answered "Remote client error" (500323) that TarsPay stored is UNKNOWN, and its payment makes it SUCCEEDED', async () => {
    t.sandbox.faults.add({ path: '/api/pay/unifiedOrder', mode: 'answerCode', code: 500323, store: true, count: 1 });
    const input = collectionInput();
    const created = (await t.graphql(token, COLLECTION_CREATE, { input })).data!.collectionCreate;
    expect(created.order).toMatchObject({ status: 'UNKNOWN', upstreamCode: 500323, payInstructionsAvailable: false });
    expect(created.userErrors).toEqual([expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', upstreamCode: 500323 })]);

    const atTarsPay = t.sandbox.findOrder(merchant.mchNo, input.merchantOrderNo as string, 'COLLECTION')!;
    t.sandbox.settle(atTarsPay.payOrderId, { outcome: 'SUCCEEDED' });
    const paid = await settlesTo(created.order.id, 'SUCCEEDED');
    expect(paid).toMatchObject({ platformOrderId: atTarsPay.payOrderId, paidAmount: input.amount, failureReason: null });
  });

  it('a virtual account paid after TarsPay closed it (EXPIRED, learnt by inquiry) becomes SUCCEEDED, recorded and published as a late payment', async () => {
    const created = (await t.graphql(token, COLLECTION_CREATE, { input: collectionInput({ method: 'BANK_BNI' }) })).data!.collectionCreate.order;
    const settledAtTarsPay = t.sandbox.settle(created.platformOrderId, { outcome: 'EXPIRED' });
    expect(settledAtTarsPay.callbackSent).toBe(false);
    await reconcile(created.id);
    const expired = await settlesTo(created.id, 'EXPIRED');
    expect(expired.events.at(-1)).toMatchObject({ status: 'EXPIRED', source: 'RECONCILIATION' });

    const client = wsClient(t.gateway.url, token);
    const stream = collect(client, `subscription { orderEvents(filter: { status: [SUCCEEDED] }) { status previousStatus source note order { id status } } }`);
    try {
      // No "subscribed" acknowledgement in graphql-ws: pay once the subscription is certainly live.
      await pause(300);
      t.sandbox.settle(created.platformOrderId, { outcome: 'SUCCEEDED' });
      const late = await settlesTo(created.id, 'SUCCEEDED');
      expect(late.events.at(-1)).toMatchObject({ status: 'SUCCEEDED', previousStatus: 'EXPIRED', source: 'CALLBACK', applied: true });
      const published = await waitFor(() => stream.values.find((value) => value.orderEvents.order.id === created.id));
      expect(published.orderEvents).toMatchObject({ status: 'SUCCEEDED', previousStatus: 'EXPIRED', note: expect.stringMatching(/late payment/) });
      const metrics = await (await fetch(`${t.gateway.url}/metrics`)).text();
      expect(metrics).toMatch(/tarspay_gateway_late_payments_total\{kind="COLLECTION"\} [1-9]/);
      expect(t.logs.some((line) => line.includes('"level":40') && line.includes('late payment') && line.includes(decodeGlobalID(created.id).id))).toBe(true);
    } finally {
      stream.dispose();
      await client.dispose();
    }
  });
});

describe('only a definitive refusal, or a create that never left, is FAILED', () => {
  it.each([
    ['-1 System error', -1],
    ['5003010 Failed to create payment order', 5003010],
    ['5003013 Channel error', 5003013],
    ['5003017 Failed to create collection order', 5003017],
    ['500326 Error in querying channel balance', 500326],
    ['a code nobody documented', 4242424],
  ])('%s is UNKNOWN with UPSTREAM_UNAVAILABLE and its upstreamCode', async (_name, code) => {
    t.sandbox.faults.add({ path: '/api/pay/unifiedOrder', mode: 'answerCode', code, count: 1 });
    const created = (await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() })).data!.collectionCreate;
    expect(created.order).toMatchObject({ status: 'UNKNOWN', upstreamCode: code });
    expect(created.userErrors).toEqual([expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', upstreamCode: code })]);
  });

  it.each([
    ['5003001 Missing parameter', 5003001, 'UPSTREAM_REJECTED'],
    ['5003008 Signature error', 5003008, 'UPSTREAM_REJECTED'],
    ['5003015 Channel does not exist', 5003015, 'METHOD_NOT_SUPPORTED'],
    ['5004006 Insufficient merchant balance', 5004006, 'INSUFFICIENT_BALANCE'],
  ])('%s is FAILED with %s', async (_name, code, userCode) => {
    t.sandbox.faults.add({ path: '/api/payOut/unifiedOrder', mode: 'answerCode', code, count: 1 });
    const created = (await t.graphql(token, PAYOUT_CREATE, { input: payoutInput() })).data!.payoutCreate;
    expect(created.order).toMatchObject({ status: 'FAILED', upstreamCode: code });
    expect(created.userErrors).toEqual([expect.objectContaining({ code: userCode, upstreamCode: code })]);
  });

  it('a create whose connection was refused never left: FAILED, safe to create again under a new merchantOrderNo', async () => {
    const offline = await startTestGateway({ gateway: { tarspayBaseUrl: `http://127.0.0.1:${await closedPort()}` } });
    try {
      const offlineToken = await offline.token(await offline.addMerchant('M-OFFLINE'));
      const created = (await offline.graphql(offlineToken, PAYOUT_CREATE, { input: payoutInput() })).data!.payoutCreate;
      expect(created.order).toMatchObject({ status: 'FAILED', failureReason: expect.stringMatching(/nothing was sent/) });
      expect(created.userErrors).toEqual([expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', message: expect.stringMatching(/new merchantOrderNo/) })]);
    } finally {
      await offline.close();
    }
  });

  it('a refusal TarsPay gave although it stored the order still yields to the payment it reports (late payment)', async () => {
    t.sandbox.faults.add({ path: '/api/pay/unifiedOrder', mode: 'answerCode', code: 5003001, store: true, count: 1 });
    const input = collectionInput();
    const created = (await t.graphql(token, COLLECTION_CREATE, { input })).data!.collectionCreate.order;
    expect(created.status).toBe('FAILED');
    const atTarsPay = t.sandbox.findOrder(merchant.mchNo, input.merchantOrderNo as string, 'COLLECTION')!;
    t.sandbox.settle(atTarsPay.payOrderId, { outcome: 'PARTIALLY_PAID', paidAmount: '50000' });
    const paid = await settlesTo(created.id, 'PARTIALLY_PAID');
    expect(paid).toMatchObject({ paidAmount: '50000', failureReason: null });
    expect(paid.events.at(-1)).toMatchObject({ previousStatus: 'FAILED', status: 'PARTIALLY_PAID', applied: true });
  });
});

describe('an inquiry error never settles an order', () => {
  it('orderRefresh meeting "Failed to check collection order" changes nothing and says so', async () => {
    const created = (await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() })).data!.collectionCreate.order;
    t.sandbox.faults.add({ path: '/api/payInInfo', mode: 'answerCode', code: 5003018, count: 1 });
    const refreshed = (await t.graphql(token, REFRESH, { id: created.id })).data!.orderRefresh;
    expect(refreshed.userErrors).toEqual([expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', upstreamCode: 5003018 })]);
    expect(refreshed.order.status).toBe('CREATED');
  });
});

describe('only a verified answer moves money (TARSPAY_RESPONSE_SIGN=strict)', () => {
  it('an unsigned inquiry saying "paid" moves nothing while TarsPay has the order unpaid', async () => {
    const strict = await startTestGateway({ env: { TARSPAY_RESPONSE_SIGN: 'strict', RECONCILE_INTERVAL_MS: '0' } });
    try {
      const strictToken = await strict.token(await strict.addMerchant('M-STRICT'));
      const created = (await strict.graphql(strictToken, COLLECTION_CREATE, { input: collectionInput() })).data!.collectionCreate.order;
      expect(created.status).toBe('CREATED');
      const forged: FaultInput = { path: '/api/payInInfo', mode: 'unsigned', data: { state: 2, payAmount: created.amount }, count: 0 };
      strict.sandbox.faults.add(forged);
      const refreshed = (await strict.graphql(strictToken, REFRESH, { id: created.id })).data!.orderRefresh;
      expect(refreshed.userErrors).toEqual([expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' })]);
      await strict.makeOrderDue(created.id);
      await strict.gateway.reconciler.runOnce();
      const after = (await strict.graphql(strictToken, ORDER, { id: created.id })).data!.order;
      expect(after).toMatchObject({ status: 'CREATED', paidAmount: null });
      expect(strict.sandbox.order(created.platformOrderId)!.status).toBe('CREATED');
    } finally {
      await strict.close();
    }
  });
});

/**
 * Whatever TarsPay answers to a create, two things hold: the gateway says FAILED only for an order
 * TarsPay does not hold (so a merchant who creates it again never pays twice), and an order TarsPay
 * records as paid ends SUCCEEDED at the gateway.
 */
type FaultSpec = { mode: FaultInput['mode'] } & Record<string, unknown>;

describe('the two bad outcomes are impossible, across every fault', () => {
  const faults: Array<[string, FaultSpec]> = [
    ['drop', { mode: 'drop' }],
    ['dropAfterStore', { mode: 'dropAfterStore' }],
    ['http500', { mode: 'http500' }],
    ['malformed', { mode: 'malformed' }],
    ['latency', { mode: 'latency', latencyMs: 1500 }],
    ['badSign', { mode: 'badSign' }],
    ...[-1, 5003010, 5003011, 5003013, 5003017, 5003018, 500323, 500326, 4242424].flatMap((code): Array<[string, FaultSpec]> => [
      [`code ${code}, not stored`, { mode: 'answerCode', code }],
      [`code ${code}, stored`, { mode: 'answerCode', code, store: true }],
    ]),
    ...[5003001, 5003008, 5003012, 5004006].map((code): [string, FaultSpec] => [`code ${code}, not stored`, { mode: 'answerCode', code }]),
  ];

  it.each(['COLLECTION', 'PAYOUT'] as const)('%s', async (kind) => {
    const path = kind === 'COLLECTION' ? '/api/pay/unifiedOrder' : '/api/payOut/unifiedOrder';
    const cases: Array<{ name: string; id: string; merchantOrderNo: string }> = [];
    for (const [name, fault] of faults) {
      t.sandbox.faults.add({ path, count: 1, ...fault } as FaultInput);
      const input = kind === 'COLLECTION' ? collectionInput() : payoutInput();
      const result = await t.graphql(token, kind === 'COLLECTION' ? COLLECTION_CREATE : PAYOUT_CREATE, { input });
      const payload = kind === 'COLLECTION' ? result.data!.collectionCreate : result.data!.payoutCreate;
      cases.push({ name, id: payload.order.id, merchantOrderNo: input.merchantOrderNo as string });
    }
    t.sandbox.faults.clear();
    await pause(RESEND_AFTER_MS + 100);
    for (const { id } of cases) await reconcile(id, 2);

    for (const { name, id, merchantOrderNo } of cases) {
      const order = await read(id);
      const atTarsPay = t.sandbox.findOrder(merchant.mchNo, merchantOrderNo, kind);
      if (order.status === 'FAILED') expect(atTarsPay, `${name}: FAILED although TarsPay holds the order`).toBeUndefined();
      if (atTarsPay) t.sandbox.settle(atTarsPay.payOrderId, { outcome: 'SUCCEEDED' });
    }
    for (const { name, id, merchantOrderNo } of cases) {
      if (!t.sandbox.findOrder(merchant.mchNo, merchantOrderNo, kind)) continue;
      const settled = await waitFor(async () => {
        const order = await read(id);
        return order.status === 'SUCCEEDED' ? order : undefined;
      }).catch(() => undefined);
      expect(settled, `${name}: TarsPay recorded the payment, the gateway does not show SUCCEEDED`).toBeDefined();
    }
  });
});

describe('an inquiry answer fails closed', () => {
  it.each([
    ['a paid state with a payAmount that is not whole rupiah', { state: 2, payAmount: '1.5' }],
    ['a paid state without a payAmount', { state: 2, payAmount: '' }],
    ['a paid state about another order', { state: 2, payOrderId: 'P0000000000000000001' }],
    ['a state TarsPay does not have', { state: 12 }],
  ])('%s moves nothing', async (_name, data) => {
    const created = (await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() })).data!.collectionCreate.order;
    t.sandbox.faults.add({ path: '/api/payInInfo', mode: 'unsigned', data, count: 3 });
    const refreshed = (await t.graphql(token, REFRESH, { id: created.id })).data!.orderRefresh;
    t.sandbox.faults.clear();
    expect(refreshed.userErrors).toEqual([expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' })]);
    expect((await read(created.id)).status).toBe('CREATED');
  });
});
