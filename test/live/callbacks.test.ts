import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { callbackBody, collectionCallbackFields, postCallback, signWithS, type CallbackFields } from '../helpers/callbacks.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, ORDER, collectionInput } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';
import { loadVectors } from '../helpers/vectors.js';

const vectors = loadVectors();
const platformKey = PrivateKey.fromHex(vectors.keys.sandboxPlatform.privateKey);
let t: TestGateway;
let merchant: Merchant;
let token: string;

beforeAll(async () => {
  t = await startTestGateway({ sandbox: { platformPrivateKey: platformKey.revealHex() } });
  merchant = await t.addMerchant('M1700000001');
  token = await t.token(merchant);
});
afterAll(() => t.close());

async function createdOrder(amount = '150000') {
  const result = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput({ amount }) });
  return result.data!.collectionCreate.order as { id: string; merchantOrderNo: string; platformOrderId: string; amount: string };
}

function fieldsFor(
  order: { merchantOrderNo: string; platformOrderId: string; amount: string },
  state: number,
  overrides: Partial<CallbackFields> = {},
): CallbackFields {
  return collectionCallbackFields(merchant.mchNo, order, state, overrides);
}

async function count(table: string): Promise<number> {
  const rows = await t.gateway.orm.em.fork().getConnection().execute(`select count(*)::int as n from ${table}`);
  return rows[0]!.n as number;
}

async function orderState(id: string) {
  return (await t.graphql(token, ORDER, { id })).data!.order as {
    status: string;
    paidAmount: string | null;
    events: Array<{ status: string; source: string; applied: boolean }>;
  };
}

describe('POST /tarspay/notify', () => {
  it('a callback the sandbox sends after a settle moves the order (source CALLBACK)', async () => {
    const order = await createdOrder();
    t.sandbox.settle(order.platformOrderId, { outcome: 'SUCCEEDED' });
    const settled = await waitFor(async () => {
      const state = await orderState(order.id);
      return state.status === 'SUCCEEDED' ? state : undefined;
    });
    expect(settled.events.at(-1)).toMatchObject({ status: 'SUCCEEDED', source: 'CALLBACK', applied: true });
    expect(settled.paidAmount).toBe('150000');
    expect(t.sandbox.order(order.platformOrderId)!.deliveries.at(-1)).toMatchObject({ response: 'OK' });
  });

  it.each(['high', 'low'] as const)('accepts a %s-S signature over the raw body and answers plain OK', async (height) => {
    const order = await createdOrder();
    const body = callbackBody(fieldsFor(order, 2));
    const answer = await postCallback(t.gateway.url, body, signWithS(platformKey, body, height));
    expect(answer).toEqual({ status: 200, text: 'OK' });
    expect((await orderState(order.id)).status).toBe('SUCCEEDED');
  });

  it("accepts TarsPay's vector callbacks (high and low S) for an order it does not know, storing them once", async () => {
    const before = await count("callback_receipts where outcome = 'UNKNOWN_ORDER'");
    for (const vector of vectors.callbacks.filter((candidate) => candidate.valid)) {
      expect(await postCallback(t.gateway.url, vector.rawBody, vector.signature)).toEqual({ status: 200, text: 'OK' });
    }
    // The two vectors are one callback signed twice (high and low S): one receipt, two deliveries.
    expect(await count("callback_receipts where outcome = 'UNKNOWN_ORDER'")).toBe(before + 1);
    expect(await count("callback_receipts where outcome = 'UNKNOWN_ORDER' and deliveries = 2")).toBe(1);
    expect(t.logs.some((line) => line.includes('does not know'))).toBe(true);
  });

  it('verifies a re-serialised body as a fallback (keys in another order, same content)', async () => {
    const order = await createdOrder();
    const fields = fieldsFor(order, 2);
    const signature = platformKey.sign(callbackBody(fields));
    const { state, ...rest } = fields;
    const reordered = JSON.stringify({ state, ...rest, currency: 'IDR' }, null, 1);
    expect(await postCallback(t.gateway.url, reordered, signature)).toEqual({ status: 200, text: 'OK' });
  });

  describe('refused with 401, nothing stored, a security log line', () => {
    it.each([
      ['forged (another key)', (body: string) => PrivateKey.generate().sign(body), (body: string) => body],
      [
        'the vector merchant-key forgery',
        () => vectors.callbacks.find((vector) => !vector.valid && vector.name.includes('merchant key'))!.signature,
        () => vectors.callbacks[0]!.rawBody,
      ],
      ['tampered after signing', (body: string) => platformKey.sign(body), (body: string) => body.replace('"state":2', '"state":3')],
      ['no signature', () => undefined, (body: string) => body],
      ['garbage signature', () => 'zz', (body: string) => body],
    ])('%s', async (_name, sign, alter) => {
      const order = await createdOrder();
      const body = callbackBody(fieldsFor(order, 2));
      const receipts = await count('callback_receipts');
      const events = await count('order_events');
      const logsBefore = t.logs.length;
      const answer = await postCallback(t.gateway.url, alter(body), sign(body));
      expect(answer.status).toBe(401);
      expect(answer.text).not.toBe('OK');
      expect(await count('callback_receipts')).toBe(receipts);
      expect(await count('order_events')).toBe(events);
      expect((await orderState(order.id)).status).toBe('CREATED');
      expect(t.logs.slice(logsBefore).some((line) => line.includes('security: callback refused'))).toBe(true);
    });

    it('a callback naming an unknown merchant', async () => {
      const body = callbackBody({ bizType: 1, mchNo: 'M-NOBODY', mchOrderNo: 'X', payOrderId: 'P1', orderAmount: '1', payAmount: '1', fee: '0', state: 2 });
      expect((await postCallback(t.gateway.url, body, platformKey.sign(body))).status).toBe(401);
    });
  });

  it('a replayed callback is one event and one receipt; a contrary late one is recorded, not applied', async () => {
    const order = await createdOrder();
    const paid = callbackBody(fieldsFor(order, 2));
    const signature = platformKey.sign(paid);
    for (let i = 0; i < 3; i++) expect((await postCallback(t.gateway.url, paid, signature)).text).toBe('OK');
    const failed = callbackBody(fieldsFor(order, 3, { failReason: 'late' }));
    expect((await postCallback(t.gateway.url, failed, platformKey.sign(failed))).text).toBe('OK');
    const state = await orderState(order.id);
    expect(state.status).toBe('SUCCEEDED');
    const callbackEvents = state.events.filter((event) => event.source === 'CALLBACK').map(({ status, source, applied }) => ({ status, source, applied }));
    expect(callbackEvents).toEqual([
      { status: 'SUCCEEDED', source: 'CALLBACK', applied: true },
      { status: 'FAILED', source: 'CALLBACK', applied: false },
    ]);
    const receipts = await t.gateway.orm.em
      .fork()
      .getConnection()
      .execute<Array<{ outcome: string; deliveries: number }>>(
        `select r.outcome, r.deliveries from callback_receipts r join orders o on o.id = r.order_id where o.merchant_order_no = ? order by r.id`,
        [order.merchantOrderNo],
      );
    expect(receipts).toEqual([
      { outcome: 'APPLIED', deliveries: 3 },
      { outcome: 'IGNORED', deliveries: 1 },
    ]);
  });

  it('applies a callback in five statements: begin, lock, replay check, receipt with the change and its event, commit', async () => {
    const [warm, order] = [await createdOrder(), await createdOrder()];
    const warmBody = callbackBody(fieldsFor(warm, 2)); // the merchant's platform key is read once, then reused
    expect(await postCallback(t.gateway.url, warmBody, signWithS(platformKey, warmBody, 'low'))).toEqual({ status: 200, text: 'OK' });
    const body = callbackBody(fieldsFor(order, 2));
    t.queries.length = 0;
    t.recordQueries = true;
    expect(await postCallback(t.gateway.url, body, signWithS(platformKey, body, 'low'))).toEqual({ status: 200, text: 'OK' });
    t.recordQueries = false;
    const statements = t.queries.map((text) => text.trim().replace(/\s+/g, ' '));
    expect(statements, statements.join('\n')).toHaveLength(5);
    expect(statements[0]).toMatch(/^begin/);
    expect(statements[1]).toMatch(/^with named .* select .* from orders .* for update/);
    expect(statements[2]).toMatch(/^update callback_receipts/);
    expect(statements[3]).toMatch(/update orders set .*insert into order_events .*insert into callback_receipts/);
    expect(statements[4]).toMatch(/^commit/);
    expect((await orderState(order.id)).status).toBe('SUCCEEDED');
  });

  it('callbacks that arrive together are stored in fewer transactions than callbacks, each answered and applied as alone', async () => {
    const orders = await Promise.all(Array.from({ length: 12 }, () => createdOrder()));
    const bodies = orders.map((order) => callbackBody(fieldsFor(order, 2)));
    const stranger = { merchantOrderNo: `nobody-knows-${Date.now()}`, platformOrderId: `P-nobody-${Date.now()}`, amount: '150000' };
    // The first order's callback twice (TarsPay resending while the first is on its way), and one for an order nobody knows.
    const sends = [...bodies, bodies[0]!, callbackBody(fieldsFor(stranger, 2))].map((body) => ({ body, signature: platformKey.sign(body) }));
    t.queries.length = 0;
    t.recordQueries = true;
    const answers = await Promise.all(sends.map(({ body, signature }) => postCallback(t.gateway.url, body, signature)));
    t.recordQueries = false;
    expect(answers).toEqual(sends.map(() => ({ status: 200, text: 'OK' })));
    const transactions = t.queries.filter((text) => /^\s*begin/i.test(text)).length;
    expect(transactions).toBeGreaterThan(0);
    expect(transactions).toBeLessThan(sends.length);
    for (const order of orders) {
      const state = await orderState(order.id);
      expect(state.status).toBe('SUCCEEDED');
      expect(state.events.filter((event) => event.source === 'CALLBACK')).toMatchObject([{ status: 'SUCCEEDED', source: 'CALLBACK', applied: true }]);
    }
    const receipts = await t.gateway.orm.em
      .fork()
      .getConnection()
      .execute<Array<{ outcome: string; deliveries: number }>>(
        `select r.outcome, r.deliveries from callback_receipts r join orders o on o.id = r.order_id where o.merchant_order_no = ?`,
        [orders[0]!.merchantOrderNo],
      );
    expect(receipts).toEqual([{ outcome: 'APPLIED', deliveries: 2 }]);
    expect(await count(`callback_receipts where outcome = 'UNKNOWN_ORDER' and raw_body like '%${stranger.merchantOrderNo}%'`)).toBe(1);
  });

  it('two callbacks about one order that arrive together are judged one after the other, as if sent apart', async () => {
    const order = await createdOrder();
    const sends = [callbackBody(fieldsFor(order, 2)), callbackBody(fieldsFor(order, 3, { failReason: 'contrary' }))].map((body) => ({
      body,
      signature: platformKey.sign(body),
    }));
    const answers = await Promise.all(sends.map(({ body, signature }) => postCallback(t.gateway.url, body, signature)));
    expect(answers).toEqual([
      { status: 200, text: 'OK' },
      { status: 200, text: 'OK' },
    ]);
    const state = await orderState(order.id);
    // Whichever came first, the payment stands (a FAILED after it is ignored; before it, the payment is a late one).
    expect(state.status).toBe('SUCCEEDED');
    expect(state.events.filter((event) => event.source === 'CALLBACK' && event.status === 'SUCCEEDED')).toMatchObject([{ applied: true }]);
    expect(await count(`callback_receipts r join orders o on o.id = r.order_id where o.merchant_order_no = '${order.merchantOrderNo}'`)).toBe(2);
    expect(t.logs.some((line) => line.includes('could not be stored'))).toBe(false);
  });

  it('flags a paid amount that differs from the order amount', async () => {
    const order = await createdOrder('200000');
    const body = callbackBody(fieldsFor(order, 2, { payAmount: '150000' }));
    expect((await postCallback(t.gateway.url, body, platformKey.sign(body))).text).toBe('OK');
    const result = await t.graphql(token, `query ($id: ID!) { order(id: $id) { status paidAmount amountMismatch } }`, { id: order.id });
    expect(result.data!.order).toEqual({ status: 'SUCCEEDED', paidAmount: '150000', amountMismatch: true });
  });

  it('refuses oversized and malformed bodies and other methods without changing anything', async () => {
    const receipts = await count('callback_receipts');
    expect((await postCallback(t.gateway.url, 'x'.repeat(70 * 1024), 'ab')).status).toBe(413);
    expect((await postCallback(t.gateway.url, '{not json', 'ab')).status).toBe(400);
    expect((await postCallback(t.gateway.url, '[1,2]', 'ab')).status).toBe(400);
    expect((await fetch(`${t.gateway.url}/tarspay/notify`)).status).toBe(405);
    expect(await count('callback_receipts')).toBe(receipts);
  });
});
