import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { compactSortedJson } from '../../src/tarspay/message.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { postCallback, signWithS } from '../helpers/callbacks.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, ORDER, PAYOUT_CREATE, collectionInput, payoutInput } from '../helpers/operations.js';
import { loadVectors } from '../helpers/vectors.js';
import { waitFor } from '../helpers/wait.js';

/** Signed callbacks that must not be applied: malformed, mismatched, tricked, replayed. */

const platformKey = PrivateKey.fromHex(loadVectors().keys.sandboxPlatform.privateKey);
let t: TestGateway;
let merchant: Merchant;
let token: string;

beforeAll(async () => {
  // No reconciliation loop: a malformed callback makes its order due for an inquiry at once, whose
  // answer (CREATED, payAmount "0") would race the assertions below on what the callback changed.
  t = await startTestGateway({ env: { RECONCILE_INTERVAL_MS: '0' }, sandbox: { platformPrivateKey: platformKey.revealHex() } });
  merchant = await t.addMerchant('M1700000002');
  token = await t.token(merchant);
});
afterAll(() => t.close());

interface CreatedOrder {
  id: string;
  merchantOrderNo: string;
  platformOrderId: string;
  amount: string;
}

async function createdOrder(): Promise<CreatedOrder> {
  const result = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
  return result.data!.collectionCreate.order as CreatedOrder;
}

/** A callback as TarsPay writes it (compact JSON, keys sorted) with the given fields changed. */
function paidCallback(order: CreatedOrder, changes: Record<string, unknown> = {}): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    bizType: 1,
    currency: 'IDR',
    fee: '4500',
    mchNo: merchant.mchNo,
    mchOrderNo: order.merchantOrderNo,
    orderAmount: order.amount,
    payAmount: order.amount,
    payOrderId: order.platformOrderId,
    state: 2,
  };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete fields[key];
    else fields[key] = value;
  }
  return fields;
}

async function sendSigned(fields: Record<string, unknown>) {
  const body = compactSortedJson(fields);
  return postCallback(t.gateway.url, body, platformKey.sign(body));
}

async function scalar(sql: string, params: unknown[] = []): Promise<number> {
  const rows = await t.gateway.orm.em.fork().getConnection().execute(sql, params);
  return Number(Object.values(rows[0]!)[0]);
}

async function orderState(id: string) {
  return (await t.graphql(token, ORDER, { id })).data!.order as {
    status: string;
    paidAmount: string | null;
    platformOrderId: string | null;
    events: unknown[];
  };
}

async function receiptsOf(merchantOrderNo: string) {
  return t.gateway.orm.em
    .fork()
    .getConnection()
    .execute<Array<{ outcome: string; deliveries: number }>>(
      `select r.outcome, r.deliveries from callback_receipts r join orders o on o.id = r.order_id where o.merchant_order_no = ? order by r.id`,
      [merchantOrderNo],
    );
}

async function callbackMetric(outcome: string): Promise<number> {
  const text = await (await fetch(`${t.gateway.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`tarspay_gateway_callbacks_total{outcome="${outcome}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('a signed callback that moves money without a valid amount is MALFORMED: stored once, refused, nothing changes', () => {
  it.each<[string, Record<string, unknown>]>([
    ['payAmount "1.5"', { payAmount: '1.5' }],
    ['payAmount "-1"', { payAmount: '-1' }],
    ['payAmount 1e30', { payAmount: 1e30 }],
    ['payAmount of 20 digits', { payAmount: '12345678901234567890' }],
    ['payAmount " 150000"', { payAmount: ' 150000' }],
    ['payAmount missing', { payAmount: undefined }],
    ['payAmount null', { payAmount: null }],
    ['payAmount ""', { payAmount: '' }],
    ['payAmount true', { payAmount: true }],
    ['partial payment (state 9) without payAmount', { state: 9, payAmount: undefined }],
    ['state 12 (not a TarsPay state)', { state: 12 }],
    ['state "paid"', { state: 'paid' }],
    ['state missing', { state: undefined }],
    ['orderAmount "abc"', { orderAmount: 'abc' }],
    ['currency USD', { currency: 'USD' }],
    ['bizType 3', { bizType: 3 }],
    ['payOrderId an object', { payOrderId: { id: 1 } }],
  ])('%s', async (_name, changes) => {
    const order = await createdOrder();
    const events = await scalar('select count(*) from order_events');
    const logsBefore = t.logs.length;
    const fields = paidCallback(order, changes);
    const first = await sendSigned(fields);
    expect(first.status).toBe(400);
    expect(first.text).toMatch(/^malformed callback: /);
    const again = await sendSigned(fields); // TarsPay resends what was not answered OK
    expect(again.status).toBe(400);
    const state = await orderState(order.id);
    expect(state.status).toBe('CREATED');
    expect(state.paidAmount).toBeNull();
    expect(await scalar('select count(*) from order_events')).toBe(events);
    const receipts = await scalar(`select count(*) from callback_receipts where outcome = 'MALFORMED' and raw_body = ?`, [compactSortedJson(fields)]);
    expect(receipts).toBe(1);
    expect(await scalar(`select deliveries from callback_receipts where raw_body = ?`, [compactSortedJson(fields)])).toBe(2);
    expect(t.logs.slice(logsBefore).some((line) => line.includes('"level":40') && line.includes('signed but malformed'))).toBe(true);
  });

  it.each([
    ['a NUL', 'bank\u0000refused'],
    ['a lone surrogate', 'bank refused \ud83d'],
  ])('a signed callback whose text holds %s is refused with 400 (not a 500 that TarsPay would resend), nothing stored', async (_name, failReason) => {
    const order = await createdOrder();
    const receipts = await scalar('select count(*) from callback_receipts');
    const answer = await sendSigned(paidCallback(order, { state: 3, payAmount: undefined, failReason }));
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/failReason holds text that cannot be stored/);
    expect(await scalar('select count(*) from callback_receipts')).toBe(receipts);
    expect((await orderState(order.id)).status).toBe('CREATED');
  });

  it('a failed callback (state 3) may leave payAmount out', async () => {
    const order = await createdOrder();
    expect(await sendSigned(paidCallback(order, { state: 3, payAmount: undefined, failReason: 'bank refused' }))).toEqual({ status: 200, text: 'OK' });
    expect((await orderState(order.id)).status).toBe('FAILED');
  });

  it('"0" and a number are whole amounts: a paid amount that differs from the order is flagged, as before', async () => {
    const order = await createdOrder();
    expect(await sendSigned(paidCallback(order, { payAmount: 100000, fee: '0' }))).toEqual({ status: 200, text: 'OK' });
    const result = await t.graphql(token, `query ($id: ID!) { order(id: $id) { status paidAmount fee amountMismatch } }`, { id: order.id });
    expect(result.data!.order).toEqual({ status: 'SUCCEEDED', paidAmount: '100000', fee: '0', amountMismatch: true });
  });
});

describe('ids must agree: a callback whose ids name different orders is MISMATCH, refused and logged, and changes nothing', () => {
  async function expectRefused(fields: Record<string, unknown>, orders: CreatedOrder[]) {
    const events = await scalar('select count(*) from order_events');
    const mismatches = await scalar(`select count(*) from callback_receipts where outcome = 'MISMATCH'`);
    const logsBefore = t.logs.length;
    const before = await Promise.all(orders.map((order) => orderState(order.id)));
    const answer = await sendSigned(fields);
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/^refused: /);
    expect(await Promise.all(orders.map((order) => orderState(order.id)))).toEqual(before);
    expect(await scalar('select count(*) from order_events')).toBe(events);
    expect(await scalar(`select count(*) from callback_receipts where outcome = 'MISMATCH'`)).toBe(mismatches + 1);
    expect(t.logs.slice(logsBefore).some((line) => line.includes('security: callback refused, its ids do not name one order'))).toBe(true);
  }

  it('payOrderId of one order, mchOrderNo of another', async () => {
    const [a, b] = [await createdOrder(), await createdOrder()];
    await expectRefused(paidCallback(a, { mchOrderNo: b.merchantOrderNo }), [a, b]);
  });

  it('payOrderId of an order, mchOrderNo of no order', async () => {
    const a = await createdOrder();
    await expectRefused(paidCallback(a, { mchOrderNo: 'NOT-OURS-1' }), [a]);
  });

  it('mchOrderNo of an order that TarsPay knows under another payOrderId', async () => {
    const a = await createdOrder();
    await expectRefused(paidCallback(a, { payOrderId: 'P-SOMEONE-ELSE' }), [a]);
  });

  it('bizType 2 (payout) for a collection', async () => {
    const a = await createdOrder();
    await expectRefused(paidCallback(a, { bizType: 2 }), [a]);
  });

  it('bizType 1 (collection) for a payout', async () => {
    const payout = (await t.graphql(token, PAYOUT_CREATE, { input: payoutInput() })).data!.payoutCreate.order as CreatedOrder;
    await expectRefused(paidCallback(payout, { bizType: 1 }), [payout]);
  });

  it('an order whose create answer was lost (no payOrderId yet) is matched by mchOrderNo, and the callback supplies its payOrderId', async () => {
    const order = await createdOrder();
    await t.gateway.orm.em
      .fork()
      .getConnection()
      .execute(`update orders set status = 'UNKNOWN', platform_order_id = null where merchant_order_no = ?`, [order.merchantOrderNo]);
    expect(await sendSigned(paidCallback(order, { payOrderId: 'P-LEARNT-FROM-CALLBACK' }))).toEqual({ status: 200, text: 'OK' });
    expect(await orderState(order.id)).toMatchObject({ status: 'SUCCEEDED', platformOrderId: 'P-LEARNT-FROM-CALLBACK' });
  });
});

describe('trick bodies built from a genuinely signed callback are refused and change nothing', () => {
  const tricks: Array<[string, number, (signed: string) => string]> = [
    ['a duplicate key before the signed one (JSON.parse keeps the last)', 400, (signed) => `{"state":3,${signed.slice(1)}`],
    ['a duplicate key after the signed one', 400, (signed) => `${signed.slice(0, -1)},"state":3}`],
    ['a duplicate key spelt with an escape', 400, (signed) => `{"st\\u0061te":3,${signed.slice(1)}`],
    ['a duplicate key in a nested object', 400, (signed) => `${signed.slice(0, -1)},"extra":{"a":1,"a":2}}`],
    ['an added __proto__ key', 401, (signed) => `${signed.slice(0, -1)},"__proto__":{"state":3}}`],
    ['an added constructor key', 401, (signed) => `${signed.slice(0, -1)},"constructor":{"prototype":{"state":3}}}`],
    ['payAmount as a number instead of text', 401, (signed) => signed.replace(/"payAmount":"(\d+)"/, '"payAmount":$1')],
    ['state as text instead of a number', 401, (signed) => signed.replace('"state":2', '"state":"2"')],
    ['a NUL in a value', 400, (signed) => signed.replace('"currency":"IDR"', '"currency":"IDR\\u0000"')],
    ['a lone surrogate in a value', 400, (signed) => signed.replace('"currency":"IDR"', '"currency":"IDR\\ud800"')],
    ['a body nested 40 deep', 400, (signed) => `${signed.slice(0, -1)},"x":${'['.repeat(40)}${']'.repeat(40)}}`],
  ];

  it.each(tricks)('%s', async (_name, status, alter) => {
    const order = await createdOrder();
    const signed = compactSortedJson(paidCallback(order));
    const signature = platformKey.sign(signed);
    const receipts = await scalar('select count(*) from callback_receipts');
    const events = await scalar('select count(*) from order_events');
    const answer = await postCallback(t.gateway.url, alter(signed), signature);
    expect(answer.status).toBe(status);
    expect(await scalar('select count(*) from callback_receipts')).toBe(receipts);
    expect(await scalar('select count(*) from order_events')).toBe(events);
    expect((await orderState(order.id)).status).toBe('CREATED');
    // The genuine callback is still applied afterwards: the trick used nothing up.
    expect(await postCallback(t.gateway.url, signed, signature)).toEqual({ status: 200, text: 'OK' });
    expect((await orderState(order.id)).status).toBe('SUCCEEDED');
  });
});

describe('replays are stored once and counted', () => {
  it('resent, padded and re-signed deliveries of one callback: one receipt, one event, each answered OK after it is counted', async () => {
    const order = await createdOrder();
    const signed = compactSortedJson(paidCallback(order));
    const replaysBefore = await callbackMetric('REPLAY');
    const deliveries = [
      [signed, signWithS(platformKey, signed, 'low')],
      [signed, signWithS(platformKey, signed, 'low')],
      [signed, signWithS(platformKey, signed, 'high')],
      [JSON.stringify(JSON.parse(signed), null, 4), signWithS(platformKey, signed, 'high')],
      [`${' '.repeat(2000)}${signed}\n\n`, signWithS(platformKey, signed, 'low')],
    ] as const;
    for (const [body, signature] of deliveries) expect(await postCallback(t.gateway.url, body, signature)).toEqual({ status: 200, text: 'OK' });
    expect(await receiptsOf(order.merchantOrderNo)).toEqual([{ outcome: 'APPLIED', deliveries: 5 }]);
    const callbackEvents = (await orderState(order.id)).events.filter((event) => (event as { source: string }).source === 'CALLBACK');
    expect(callbackEvents).toHaveLength(1);
    expect(await callbackMetric('REPLAY')).toBe(replaysBefore + 4);
  });

  it('a replay never moves an order, even one that has moved since', async () => {
    const order = await createdOrder();
    const processing = paidCallback(order, { state: 1, payAmount: undefined });
    expect((await sendSigned(processing)).text).toBe('OK');
    expect((await sendSigned(paidCallback(order))).text).toBe('OK');
    const events = await scalar('select count(*) from order_events');
    expect((await sendSigned(processing)).text).toBe('OK');
    expect((await orderState(order.id)).status).toBe('SUCCEEDED');
    expect(await scalar('select count(*) from order_events')).toBe(events);
    expect(await receiptsOf(order.merchantOrderNo)).toEqual([
      { outcome: 'APPLIED', deliveries: 2 },
      { outcome: 'APPLIED', deliveries: 1 },
    ]);
  });

  it('concurrent deliveries of one callback apply it once and count every delivery', async () => {
    const order = await createdOrder();
    const signed = compactSortedJson(paidCallback(order));
    const answers = await Promise.all(Array.from({ length: 6 }, () => postCallback(t.gateway.url, signed, platformKey.sign(signed))));
    expect(answers.every((answer) => answer.status === 200 && answer.text === 'OK')).toBe(true);
    expect(await receiptsOf(order.merchantOrderNo)).toEqual([{ outcome: 'APPLIED', deliveries: 6 }]);
    const callbackEvents = (await orderState(order.id)).events.filter((event) => (event as { source: string }).source === 'CALLBACK');
    expect(callbackEvents).toHaveLength(1);
  });

  it('deliveries of one callback for no known order that reach the receipts at the same moment: one receipt, every one counted, every one OK', async () => {
    const body = compactSortedJson({
      bizType: 1,
      currency: 'IDR',
      fee: '0',
      mchNo: merchant.mchNo,
      mchOrderNo: 'NOT-HERE-2',
      orderAmount: '10000',
      payAmount: '10000',
      payOrderId: 'P-NOT-HERE-2',
      state: 2,
    });
    const blocker = new pg.Client({ connectionString: t.database.url });
    await blocker.connect();
    // Open connections in the gateway's pool for both deliveries: on PGlite a new one could not
    // even log in while the blocker's transaction is open.
    const sql = t.gateway.orm.em.fork().getConnection();
    await Promise.all([0, 1, 2].map(() => sql.execute('select 1')));
    try {
      // Hold the receipts table so both deliveries queue before it; released together, they race to insert.
      await blocker.query('begin');
      await blocker.query('lock table callback_receipts in share row exclusive mode');
      t.queries.length = 0;
      t.recordQueries = true;
      const answers = Promise.all([0, 1].map(() => postCallback(t.gateway.url, body, platformKey.sign(body))));
      await waitFor(async () => {
        if (t.database.embedded) {
          // PGlite runs one transaction at a time: both deliveries wait at their first statement
          // instead (its merchant lookup or BEGIN), and after the commit run one after the other.
          return t.queries.filter((sql) => sql === 'begin' || sql.includes('from merchants')).length >= 2 ? true : undefined;
        }
        const { rows } = await blocker.query(`select count(*)::int as n from pg_locks where relation = 'callback_receipts'::regclass and not granted`);
        return rows[0].n >= 2 ? true : undefined;
      });
      t.recordQueries = false;
      await blocker.query('commit');
      expect(await answers).toEqual([
        { status: 200, text: 'OK' },
        { status: 200, text: 'OK' },
      ]);
    } finally {
      await blocker.end();
    }
    expect(await scalar(`select count(*) from callback_receipts where raw_body = ?`, [body])).toBe(1);
    expect(await scalar(`select deliveries from callback_receipts where raw_body = ?`, [body])).toBe(2);
  });
});
