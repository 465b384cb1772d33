import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, ORDER, PAYOUT_CREATE, collectionInput, payoutInput } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';

let t: TestGateway;
let merchant: Merchant;
let token: string;

beforeAll(async () => {
  // Strict mode works only against a TarsPay that signs every answer, inquiries included (see the last test).
  t = await startTestGateway({
    env: { TARSPAY_TIMEOUT_MS: '400', TARSPAY_RESPONSE_SIGN: 'strict', RECONCILE_INTERVAL_MS: '100', RECONCILE_RESEND_AFTER_MS: '500' },
    sandbox: { signInquiries: true },
  });
  merchant = await t.addMerchant('M-FAULTS');
  token = await t.token(merchant);
});
afterAll(() => t.close());

async function settlesTo(globalId: string, status: string) {
  await t.makeOrderDue(globalId);
  return waitFor(async () => {
    const order = (await t.graphql(token, ORDER, { id: globalId })).data!.order;
    return order.status === status ? order : undefined;
  });
}

const creates = (path: string) => t.upstreamCalls.filter((call) => call.endpoint === path).length;

describe('an upstream fault never loses an order', () => {
  it.each([
    ['slow beyond the timeout (processed by TarsPay)', 'latency', 'found by inquiry'],
    ['connection dropped after the order was stored', 'dropAfterStore', 'found by inquiry'],
    ['response sign that does not verify (strict mode)', 'badSign', 'found by inquiry'],
    ['HTTP 500 without an envelope (not processed)', 'http500', 're-sent once'],
    ['malformed JSON (not processed)', 'malformed', 're-sent once'],
    ['connection dropped before processing', 'drop', 're-sent once'],
  ] as const)('collection, %s [%s]: UNKNOWN, never re-created by a client retry, then CREATED (%s)', async (_name, mode, how) => {
    t.sandbox.faults.add({ path: '/api/pay/unifiedOrder', mode, latencyMs: 1500, count: 1 });
    const input = collectionInput();
    const first = await t.graphql(token, COLLECTION_CREATE, { input });
    const { order, userErrors } = first.data!.collectionCreate;
    expect(order.status).toBe('UNKNOWN');
    expect(userErrors).toEqual([expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' })]);

    const before = creates('/api/pay/unifiedOrder');
    for (let retry = 0; retry < 3; retry++) {
      const again = await t.graphql(token, COLLECTION_CREATE, { input });
      expect(again.data!.collectionCreate.order.id).toBe(order.id);
    }
    expect(creates('/api/pay/unifiedOrder')).toBe(before);

    // An order TarsPay cannot find gets its identical create re-sent, but not before RECONCILE_RESEND_AFTER_MS.
    if (how === 're-sent once') await new Promise((resolve) => setTimeout(resolve, 900));
    const reconciled = await settlesTo(order.id, 'CREATED');
    expect(reconciled.events.at(-1).source).toBe('RECONCILIATION');
    expect(reconciled.platformOrderId).toMatch(/^P\d+/);
    // TarsPay holds exactly one order for the merchantOrderNo, whichever way it was learnt.
    expect(creates('/api/pay/unifiedOrder') - before).toBe(how === 're-sent once' ? 1 : 0);
    // Only a create answer carries how to pay; an order learnt by inquiry says it has none.
    expect(reconciled.payInstructionsAvailable).toBe(how === 're-sent once');
    expect(Boolean(reconciled.vaNumber)).toBe(how === 're-sent once');
    expect(t.sandbox.order(reconciled.platformOrderId)!.mchOrderNo).toBe(input.merchantOrderNo);
  });

  it('a payout whose answer was lost is sent exactly once, whatever the client retries', async () => {
    t.sandbox.faults.add({ path: '/api/payOut/unifiedOrder', mode: 'dropAfterStore', count: 1 });
    const input = payoutInput();
    const before = creates('/api/payOut/unifiedOrder');
    const attempts = await Promise.all(Array.from({ length: 6 }, () => t.graphql(token, PAYOUT_CREATE, { input })));
    for (let retry = 0; retry < 4; retry++) await t.graphql(token, PAYOUT_CREATE, { input });
    expect(new Set(attempts.map((attempt) => attempt.data!.payoutCreate.order.id)).size).toBe(1);
    expect(creates('/api/payOut/unifiedOrder') - before).toBe(1);
    const sandboxPayouts = t.sandbox.merchants().find((entry) => entry.mchNo === 'M-FAULTS')!;
    expect(BigInt(sandboxPayouts.frozenAmount)).toBeGreaterThan(0n);
    const reconciled = await settlesTo(attempts[0]!.data!.payoutCreate.order.id, 'PROCESSING');
    expect(reconciled.platformOrderId).toMatch(/^P\d+/);
  });

  it('a known refusal is FAILED with TarsPay code, and the order is kept', async () => {
    const result = await t.graphql(token, PAYOUT_CREATE, { input: payoutInput({ amount: '900000000000' }) });
    const { order, userErrors } = result.data!.payoutCreate;
    expect(userErrors).toEqual([expect.objectContaining({ code: 'INSUFFICIENT_BALANCE', upstreamCode: 5004006 })]);
    expect(order).toMatchObject({ status: 'FAILED', upstreamCode: 5004006 });
    const stored = (await t.graphql(token, ORDER, { id: order.id })).data!.order;
    expect(stored.events.map((event: { status: string }) => event.status)).toEqual(['SUBMITTING', 'FAILED']);
  });
});

describe('strict mode against a TarsPay whose inquiry answers carry no sign (as its document shows them)', () => {
  it('an order whose create answer was lost is never resolved by inquiry: it stays UNKNOWN and needs attention; a signed callback still settles it', async () => {
    const unsigned = await startTestGateway({
      env: { TARSPAY_RESPONSE_SIGN: 'strict', RECONCILE_INTERVAL_MS: '0', RECONCILE_RESEND_AFTER_MS: '600000', ATTENTION_AFTER_MS: '0' },
    });
    try {
      const unsignedToken = await unsigned.token(await unsigned.addMerchant('M-STRICT-UNSIGNED'));
      unsigned.sandbox.faults.add({ path: '/api/pay/unifiedOrder', mode: 'dropAfterStore', count: 1 });
      const input = collectionInput();
      const order = (await unsigned.graphql(unsignedToken, COLLECTION_CREATE, { input })).data!.collectionCreate.order;
      expect(order.status).toBe('UNKNOWN');

      await unsigned.makeOrderDue(order.id);
      const run = await unsigned.gateway.reconciler.runOnce();
      expect(run).toMatchObject({ failedChecks: 1, changed: 0, flagged: 1 });
      const checked = (await unsigned.graphql(unsignedToken, ORDER, { id: order.id })).data!.order;
      expect(checked).toMatchObject({ status: 'UNKNOWN', needsAttention: true });
      const inquiries = unsigned.upstreamCalls.filter((call) => call.endpoint === '/api/payInInfo');
      expect(inquiries.length).toBeGreaterThan(0);
      expect(new Set(inquiries.map((call) => call.outcome))).toEqual(new Set(['bad_response']));

      // Callbacks are signed in their header, whatever the answers do: the payment still arrives.
      const payOrderId = unsigned.sandbox.findOrder('M-STRICT-UNSIGNED', input.merchantOrderNo as string)!.payOrderId;
      unsigned.sandbox.settle(payOrderId, { outcome: 'SUCCEEDED' });
      await waitFor(async () => {
        const settled = (await unsigned.graphql(unsignedToken, ORDER, { id: order.id })).data!.order;
        return settled.status === 'SUCCEEDED' ? settled : undefined;
      });
    } finally {
      await unsigned.close();
    }
  });
});
