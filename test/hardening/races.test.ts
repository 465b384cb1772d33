import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { callbackBody, collectionCallbackFields, postCallback } from '../helpers/callbacks.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, ORDER, PAYOUT_CREATE, REFRESH, collectionInput, payoutInput } from '../helpers/operations.js';

const platformKey = PrivateKey.generate();
let t: TestGateway;
let merchant: Merchant;
let token: string;

beforeAll(async () => {
  t = await startTestGateway({ sandbox: { platformPrivateKey: platformKey.revealHex() } });
  merchant = await t.addMerchant('M-RACES');
  token = await t.token(merchant);
});
afterAll(() => t.close());

describe('races', () => {
  it('16 concurrent identical payoutCreate calls: one order, one upstream call', async () => {
    const input = payoutInput();
    const before = t.upstreamCalls.filter((call) => call.endpoint === '/api/payOut/unifiedOrder').length;
    const results = await Promise.all(Array.from({ length: 16 }, () => t.graphql(token, PAYOUT_CREATE, { input })));
    expect(new Set(results.map((result) => result.data!.payoutCreate.order.id)).size).toBe(1);
    expect(t.upstreamCalls.filter((call) => call.endpoint === '/api/payOut/unifiedOrder').length - before).toBe(1);
  });

  it('concurrent callbacks and inquiry answers for one order: the right final state, one event per real change', async () => {
    const created = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
    const order = created.data!.collectionCreate.order;
    // TarsPay has it paid; its callback and our inquiries race each other.
    t.sandbox.settle(order.platformOrderId, { outcome: 'SUCCEEDED' });
    const paid = callbackBody(collectionCallbackFields(merchant.mchNo, order, 2));
    const late = callbackBody(collectionCallbackFields(merchant.mchNo, order, 3, { payAmount: '0', fee: '0' }));
    const answers = await Promise.all([
      ...Array.from({ length: 8 }, () => postCallback(t.gateway.url, paid, platformKey.sign(paid))),
      ...Array.from({ length: 6 }, () => t.graphql(token, REFRESH, { id: order.id })),
    ]);
    expect(answers.slice(0, 8).every((answer) => 'text' in answer && answer.text === 'OK')).toBe(true);
    // A contrary report after the fact (a replayed or out-of-order FAILED) is recorded, not applied.
    expect((await postCallback(t.gateway.url, late, platformKey.sign(late))).text).toBe('OK');
    const final = (await t.graphql(token, ORDER, { id: order.id })).data!.order;
    expect(final.status).toBe('SUCCEEDED');
    const applied = final.events.filter((event: { applied: boolean }) => event.applied);
    expect(applied.map((event: { status: string }) => event.status)).toEqual(['SUBMITTING', 'CREATED', 'SUCCEEDED']);
    const ignored = final.events.filter((event: { applied: boolean }) => !event.applied);
    expect(ignored.map((event: { status: string }) => event.status)).toEqual(['FAILED']);
  });
});
