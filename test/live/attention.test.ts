import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { TarsPayClient } from '../../src/tarspay/client.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { callbackBody, collectionCallbackFields, postCallback, signWithS, type CallbackFields } from '../helpers/callbacks.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, ORDER_FIELDS, PAYOUT_CREATE, REFRESH, collectionInput, payoutInput } from '../helpers/operations.js';
import { loadVectors } from '../helpers/vectors.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Money fields read the same on every path, and every order TarsPay leaves unsettled past its
 * window, or reports in a way the gateway cannot apply, is flagged with its reason. Real gateway,
 * real PostgreSQL, the sandbox; the reconciler driven by hand.
 */
const platformKey = PrivateKey.fromHex(loadVectors().keys.sandboxPlatform.privateKey);
const ORDER = `query ($id: ID!) { order(id: $id) { ${ORDER_FIELDS} attentionReason amountMismatch events { status previousStatus source applied } } }`;

let t: TestGateway;
let merchant: Merchant;
let token: string;

beforeAll(async () => {
  t = await startTestGateway({
    env: {
      RECONCILE_INTERVAL_MS: '0',
      ATTENTION_AFTER_MS: '600000',
      ATTENTION_EXPIRY_GRACE_MS: '200',
      ATTENTION_PAYOUT_PROCESSING_MS: '300',
    },
    sandbox: { platformPrivateKey: platformKey.revealHex() },
  });
  merchant = await t.addMerchant('M-ATTENTION-1');
  token = await t.token(merchant);
});
afterAll(() => t.close());

type Order = { id: string; merchantOrderNo: string; platformOrderId: string; amount: string };
const read = async (id: string) => (await t.graphql(token, ORDER, { id })).data!.order;
const localId = (globalId: string) => decodeGlobalID(globalId).id;
const sql = (text: string, params: unknown[] = []) => t.gateway.orm.em.fork().getConnection().execute(text, params);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function createdCollection(overrides: Record<string, unknown> = {}): Promise<Order> {
  return (await t.graphql(token, COLLECTION_CREATE, { input: collectionInput(overrides) })).data!.collectionCreate.order as Order;
}

async function signedCallback(order: Order, state: number, overrides: Partial<CallbackFields> = {}) {
  const body = callbackBody(collectionCallbackFields(merchant.mchNo, order, state, overrides));
  return postCallback(t.gateway.url, body, signWithS(platformKey, body, 'low'));
}

async function reconcile(globalId: string): Promise<void> {
  await t.makeOrderDue(globalId);
  await t.gateway.reconciler.runOnce();
}

async function flaggedTotal(reason: string): Promise<number> {
  const metrics = await (await fetch(`${t.gateway.url}/metrics`)).text();
  const match = new RegExp(`tarspay_gateway_orders_flagged_for_attention_total\\{reason="${reason}"\\} (\\d+)`).exec(metrics);
  return match ? Number(match[1]) : 0;
}

describe('money fields', () => {
  it('a signed SUCCEEDED callback with a fractional fee is applied, and the fee kept exactly', async () => {
    const order = await createdCollection();
    const answer = await signedCallback(order, 2, { fee: '1050.50' });
    expect(answer).toEqual({ status: 200, text: 'OK' });
    expect(await read(order.id)).toMatchObject({ status: 'SUCCEEDED', paidAmount: '150000', fee: '1050.50', needsAttention: false });
  });

  it('an inquiry answer with a fractional fee and "150000.00" amounts is applied, read as the callback reads them', async () => {
    const order = await createdCollection();
    t.sandbox.faults.add({ path: '/api/payInInfo', mode: 'unsigned', data: { state: 2, payAmount: '150000.00', orderAmount: '150000.00', fee: '1050.50' } });
    const refreshed = (await t.graphql(token, REFRESH, { id: order.id })).data!.orderRefresh;
    expect(refreshed.userErrors).toEqual([]);
    expect(refreshed.order).toMatchObject({ status: 'SUCCEEDED', paidAmount: '150000', fee: '1050.50' });
  });

  it('"150000.00" in a callback is read as 150000, as in an inquiry answer', async () => {
    const order = await createdCollection();
    expect(await signedCallback(order, 2, { payAmount: '150000.00', orderAmount: '150000.00' })).toEqual({ status: 200, text: 'OK' });
    expect(await read(order.id)).toMatchObject({ status: 'SUCCEEDED', paidAmount: '150000', amountMismatch: false });
  });

  it('a verified callback whose amount is not whole rupiah is kept, flags CALLBACK_NOT_APPLIED and makes TarsPay be asked now', async () => {
    const order = await createdCollection();
    const before = await flaggedTotal('CALLBACK_NOT_APPLIED');
    const answer = await signedCallback(order, 2, { payAmount: '150000.50' });
    expect(answer.status).toBe(400);
    const [receipt] = await sql(`select outcome, order_id from callback_receipts where raw_body like ?`, [`%${order.merchantOrderNo}%`]);
    expect(receipt).toMatchObject({ outcome: 'MALFORMED', order_id: localId(order.id) });
    const flagged = await read(order.id);
    expect(flagged).toMatchObject({ status: 'CREATED', needsAttention: true });
    expect(flagged.attentionReason).toMatch(/^CALLBACK_NOT_APPLIED: .*payAmount "150000.50" is not a whole rupiah amount/);
    const [due] = await sql(`select next_check_at <= now() as due from orders where id = ?`, [localId(order.id)]);
    expect(due!.due).toBe(true);
    expect(await flaggedTotal('CALLBACK_NOT_APPLIED')).toBe(before + 1);
    expect(t.logs.some((line) => line.includes('order needs attention') && line.includes('CALLBACK_NOT_APPLIED'))).toBe(true);

    // The inquiry it asked for runs at the next pass (nothing made it due by hand); TarsPay's word then settles it.
    const inquiries = () => t.upstreamCalls.filter((call) => call.endpoint === '/api/payInInfo').length;
    const asked = inquiries();
    await t.gateway.reconciler.runOnce();
    expect(inquiries()).toBe(asked + 1);
    t.sandbox.settle(order.platformOrderId, { outcome: 'SUCCEEDED' });
    const paid = await waitFor(async () => {
      const current = await read(order.id);
      return current.status === 'SUCCEEDED' ? current : undefined;
    });
    expect(paid).toMatchObject({ paidAmount: '150000', needsAttention: false, attentionReason: null });
  });
});

describe('attention windows', () => {
  it('a collection past its expiry plus ATTENTION_EXPIRY_GRACE_MS is flagged PAST_EXPIRY, and cleared when TarsPay settles it', async () => {
    const order = await createdCollection();
    await reconcile(order.id);
    expect(await read(order.id)).toMatchObject({ status: 'CREATED', needsAttention: false, attentionReason: null });
    await sql(`update orders set expires_at = now() - interval '1 second' where id = ?`, [localId(order.id)]); // time passes
    const before = await flaggedTotal('PAST_EXPIRY');
    await reconcile(order.id);
    const flagged = await read(order.id);
    expect(flagged).toMatchObject({ status: 'CREATED', needsAttention: true });
    expect(flagged.attentionReason).toMatch(/^PAST_EXPIRY: /);
    expect(await flaggedTotal('PAST_EXPIRY')).toBe(before + 1);
    const listed = await t.graphql(token, `{ orders(first: 50, filter: { needsAttention: true }) { edges { node { id attentionReason } } } }`);
    expect(listed.data!.orders.edges.map((edge: { node: { id: string } }) => edge.node.id)).toContain(order.id);

    t.sandbox.settle(order.platformOrderId, { outcome: 'EXPIRED' });
    await reconcile(order.id);
    expect(await read(order.id)).toMatchObject({ status: 'EXPIRED', needsAttention: false, attentionReason: null });
  });

  it('a payout still PROCESSING past ATTENTION_PAYOUT_PROCESSING_MS is flagged PAYOUT_STUCK', async () => {
    const order = (await t.graphql(token, PAYOUT_CREATE, { input: payoutInput() })).data!.payoutCreate.order;
    expect(order.status).toBe('PROCESSING');
    await pause(400); // past ATTENTION_PAYOUT_PROCESSING_MS
    const before = await flaggedTotal('PAYOUT_STUCK');
    await reconcile(order.id);
    const flagged = await read(order.id);
    expect(flagged).toMatchObject({ status: 'PROCESSING', needsAttention: true });
    expect(flagged.attentionReason).toMatch(/^PAYOUT_STUCK: /);
    expect(await flaggedTotal('PAYOUT_STUCK')).toBe(before + 1);
    // Flagged once: later passes neither flag nor count it again.
    await reconcile(order.id);
    expect(await flaggedTotal('PAYOUT_STUCK')).toBe(before + 1);
    const events = await t.graphql(token, `{ events(first: 100, filter: { needsAttention: true }) { edges { node { order { id } } } } }`);
    expect(events.errors).toBeUndefined();
    expect(events.data!.events.edges.map((edge: { node: { order: { id: string } } }) => edge.node.order.id)).toContain(order.id);
  });
});

describe('the next check and the attention window', () => {
  it("a check never schedules the next one past the end of the order's attention window, so the flag is not a back-off late", async () => {
    const order = (await t.graphql(token, PAYOUT_CREATE, { input: payoutInput() })).data!.payoutCreate.order;
    // The window (300 ms after created_at) now ends 5 s ahead: well inside the 15 s back-off.
    await sql(`update orders set created_at = now() - interval '300 milliseconds' + interval '5 seconds' where id = ?`, [localId(order.id)]);
    await reconcile(order.id);
    const [row] = await sql(`select next_check_at = created_at + interval '300 milliseconds' as at_window_end, attention_since from orders where id = ?`, [
      localId(order.id),
    ]);
    expect(row).toMatchObject({ at_window_end: true, attention_since: null });

    // Once flagged, the back-off alone sets the next check.
    await sql(`update orders set created_at = now() - interval '1 second' where id = ?`, [localId(order.id)]);
    await reconcile(order.id);
    const [flagged] = await sql(`select next_check_at > now() + interval '10 seconds' as backed_off, attention_reason from orders where id = ?`, [
      localId(order.id),
    ]);
    expect(flagged!.attention_reason).toMatch(/^PAYOUT_STUCK: /);
    expect(flagged!.backed_off).toBe(true);
  });
});

describe('adopting an order TarsPay already holds', () => {
  it('an order TarsPay holds under the same merchantOrderNo with another amount is flagged ADOPTION_MISMATCH and never takes its state', async () => {
    const input = collectionInput({ method: 'QRIS' });
    const direct = new TarsPayClient({
      baseUrl: t.sandbox.url,
      merchantNo: merchant.mchNo,
      privateKey: t.privateKeyOf(merchant),
      platformPublicKey: t.sandbox.platformPublicKey,
    });
    const foreign = await direct.createCollection({
      mchOrderNo: input.merchantOrderNo as string,
      wayCode: 'QRIS',
      amount: '99000',
      body: 'made at TarsPay directly',
      notifyUrl: `${t.gateway.url}/tarspay/notify`,
      returnUrl: 'https://merchant.example/return',
    });

    const created = (await t.graphql(token, COLLECTION_CREATE, { input })).data!.collectionCreate;
    expect(created.order).toMatchObject({ status: 'UNKNOWN', upstreamCode: 5003011 });
    const before = await flaggedTotal('ADOPTION_MISMATCH');
    await reconcile(created.order.id);
    const flagged = await read(created.order.id);
    expect(flagged).toMatchObject({ status: 'UNKNOWN', platformOrderId: null, needsAttention: true });
    expect(flagged.attentionReason).toMatch(/^ADOPTION_MISMATCH: .*amount 150000 here, 99000 at TarsPay/);
    expect(await flaggedTotal('ADOPTION_MISMATCH')).toBe(before + 1);

    // TarsPay's order is paid: neither its callback nor an inquiry moves this order.
    t.sandbox.settle(foreign.payOrderId, { outcome: 'SUCCEEDED' });
    await waitFor(async () => {
      const [receipt] = await sql(`select outcome from callback_receipts where order_id = ?`, [localId(created.order.id)]);
      return receipt?.outcome === 'MISMATCH' ? receipt : undefined;
    });
    await reconcile(created.order.id);
    const refreshed = (await t.graphql(token, REFRESH, { id: created.order.id })).data!.orderRefresh.order;
    expect(refreshed).toMatchObject({ status: 'UNKNOWN', paidAmount: null, platformOrderId: null, needsAttention: true });
    expect((await read(created.order.id)).events.map((event: { status: string }) => event.status)).toEqual(['SUBMITTING', 'UNKNOWN']);
  });
});
