import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.js';
import { authCache } from '../../src/auth/tokens.js';
import { checkDelayMs } from '../../src/orders/check-schedule.js';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, ORDER, PAYOUT_CREATE, collectionInput, payoutInput } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';

let t: TestGateway;
let merchant: Merchant;
let token: string;

beforeAll(async () => {
  t = await startTestGateway({
    env: { RECONCILE_INTERVAL_MS: '100', TARSPAY_TIMEOUT_MS: '400', RECONCILE_RESEND_AFTER_MS: '800', PAYOUT_RESEND_WINDOW_MS: '60000' },
  });
  merchant = await t.addMerchant('M-RECONCILE');
  token = await t.token(merchant);
});
afterAll(() => t.close());

const localId = (globalId: string): string => decodeGlobalID(globalId).id;

describe('reconciliation', () => {
  it('an order whose create answer was lost is reconciled without anyone asking', async () => {
    t.sandbox.faults.add({ path: '/api/pay/unifiedOrder', mode: 'dropAfterStore', count: 1 });
    const created = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
    const order = created.data!.collectionCreate.order;
    expect(order.status).toBe('UNKNOWN');
    await t.makeOrderDue(order.id);
    const reconciled = await waitFor(async () => {
      const current = (await t.graphql(token, ORDER, { id: order.id })).data!.order;
      return current.status === 'CREATED' ? current : undefined;
    });
    expect(reconciled.platformOrderId).toMatch(/^P\d+/);
    expect(reconciled.events.at(-1)).toMatchObject({ status: 'CREATED', previousStatus: 'UNKNOWN', source: 'RECONCILIATION' });
  });

  it('a payout that never reached TarsPay is re-sent once, identically, inside the payout window', async () => {
    t.sandbox.faults.add({ path: '/api/payOut/unifiedOrder', mode: 'drop', count: 1 });
    const input = payoutInput();
    const created = await t.graphql(token, PAYOUT_CREATE, { input });
    const order = created.data!.payoutCreate.order;
    expect(order.status).toBe('UNKNOWN');
    const creates = () => t.upstreamCalls.filter((call) => call.endpoint === '/api/payOut/unifiedOrder').length;
    const before = creates();
    await new Promise((resolve) => setTimeout(resolve, 900)); // past RECONCILE_RESEND_AFTER_MS
    await t.makeOrderDue(order.id);
    const processing = await waitFor(async () => {
      const current = (await t.graphql(token, ORDER, { id: order.id })).data!.order;
      return current.status === 'PROCESSING' ? current : undefined;
    });
    expect(processing.events.at(-1)).toMatchObject({ status: 'PROCESSING', previousStatus: 'UNKNOWN', source: 'RECONCILIATION' });
    expect(creates() - before).toBe(1);
    // Later passes never send it again: TarsPay now reports it.
    await t.makeOrderDue(order.id);
    await t.gateway.reconciler.runOnce();
    expect(creates() - before).toBe(1);
    const atTarsPay = t.sandbox.order(processing.platformOrderId)!;
    expect(atTarsPay).toMatchObject({ mchOrderNo: input.merchantOrderNo, amount: input.amount, kind: 'PAYOUT' });
  });

  it('a collection TarsPay cannot find is never FAILED by the gateway: it waits, then needs attention', async () => {
    const local = await startTestGateway({
      env: { RECONCILE_INTERVAL_MS: '0', TARSPAY_TIMEOUT_MS: '400', RECONCILE_RESEND_AFTER_MS: '800', ATTENTION_AFTER_MS: '300' },
    });
    try {
      const localToken = await local.token(await local.addMerchant('M-ATTENTION'));
      local.sandbox.faults.add({ path: '/api/pay/unifiedOrder', mode: 'http500', count: 0 });
      const created = await local.graphql(localToken, COLLECTION_CREATE, { input: collectionInput() });
      const order = created.data!.collectionCreate.order;
      expect(order).toMatchObject({ status: 'UNKNOWN', needsAttention: false });
      await new Promise((resolve) => setTimeout(resolve, 900)); // past RECONCILE_RESEND_AFTER_MS and ATTENTION_AFTER_MS
      await local.makeOrderDue(order.id);
      await local.gateway.reconciler.runOnce(); // the inquiry cannot find it; the re-sent create meets HTTP 500 again
      const stuck = (await local.graphql(localToken, ORDER, { id: order.id })).data!.order;
      expect(stuck).toMatchObject({ status: 'UNKNOWN', needsAttention: true });
      expect(stuck.events.map((event: { status: string }) => event.status)).not.toContain('FAILED');
      const listed = await local.graphql(localToken, `{ orders(first: 5, filter: { needsAttention: true }) { edges { node { id } } } }`);
      expect(listed.data!.orders.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([order.id]);
      expect(local.logs.some((line) => line.includes('order needs attention'))).toBe(true);
      const metrics = await (await fetch(`${local.gateway.url}/metrics`)).text();
      expect(metrics).toMatch(/tarspay_gateway_orders_flagged_for_attention_total\{reason="UNRESOLVED_CREATE"\} 1/);
      expect(metrics).toMatch(/tarspay_gateway_orders_needing_attention\{kind="COLLECTION"\} 1/);
      // TarsPay answers at last: the next identical create is accepted, and the flag goes with the unknown.
      local.sandbox.faults.clear();
      await local.makeOrderDue(order.id);
      await local.gateway.reconciler.runOnce();
      const settled = (await local.graphql(localToken, ORDER, { id: order.id })).data!.order;
      expect(settled).toMatchObject({ status: 'CREATED', needsAttention: false });
    } finally {
      await local.close();
    }
  });

  it('a payout outside the payout window is never re-sent: it waits for a person', async () => {
    const local = await startTestGateway({
      env: { RECONCILE_INTERVAL_MS: '0', TARSPAY_TIMEOUT_MS: '400', RECONCILE_RESEND_AFTER_MS: '800', PAYOUT_RESEND_WINDOW_MS: '0', ATTENTION_AFTER_MS: '300' },
    });
    try {
      const localToken = await local.token(await local.addMerchant('M-NO-RESEND'));
      local.sandbox.faults.add({ path: '/api/payOut/unifiedOrder', mode: 'drop', count: 1 });
      const created = await local.graphql(localToken, PAYOUT_CREATE, { input: payoutInput() });
      const order = created.data!.payoutCreate.order;
      const creates = () => local.upstreamCalls.filter((call) => call.endpoint === '/api/payOut/unifiedOrder').length;
      const before = creates();
      await new Promise((resolve) => setTimeout(resolve, 900));
      for (let pass = 0; pass < 3; pass++) {
        await local.makeOrderDue(order.id);
        await local.gateway.reconciler.runOnce();
      }
      expect(creates()).toBe(before);
      const stuck = (await local.graphql(localToken, ORDER, { id: order.id })).data!.order;
      expect(stuck).toMatchObject({ status: 'UNKNOWN', needsAttention: true });
    } finally {
      await local.close();
    }
  });

  it('a collection paid while its callback was lost is found by the loop', async () => {
    // Callbacks for this merchant go nowhere, as if the gateway had been unreachable for all 16 deliveries.
    await t.gateway.orm.em
      .fork()
      .getConnection()
      .execute('update merchants set notify_url = ? where mch_no = ?', ['http://127.0.0.1:9/nowhere', 'M-RECONCILE']);
    authCache.clear(); // the gateway reuses a token's merchant row for up to AUTH_CACHE_TTL_MS
    try {
      const created = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
      const order = created.data!.collectionCreate.order;
      expect(t.sandbox.order(order.platformOrderId)!.notifyUrl).toBe('http://127.0.0.1:9/nowhere');
      t.sandbox.settle(order.platformOrderId, { outcome: 'SUCCEEDED' });
      await t.makeOrderDue(order.id);
      const settled = await waitFor(async () => {
        const current = (await t.graphql(token, ORDER, { id: order.id })).data!.order;
        return current.status === 'SUCCEEDED' ? current : undefined;
      });
      expect(settled.events.at(-1)).toMatchObject({ status: 'SUCCEEDED', source: 'RECONCILIATION' });
    } finally {
      await t.gateway.orm.em.fork().getConnection().execute('update merchants set notify_url = null where mch_no = ?', ['M-RECONCILE']);
      authCache.clear();
    }
  });

  it('moves the next check of a claimed order out by the back-off of check-schedule.ts', async () => {
    const created = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
    const id = localId(created.data!.collectionCreate.order.id);
    const sql = t.gateway.orm.em.fork().getConnection();
    await sql.execute(`update orders set next_check_at = now() - interval '1 second', check_attempts = 3 where id = ?`, [id]);
    // The loop's pass under way may have looked before the order was due: the next one claims it.
    await t.gateway.reconciler.runOnce();
    await t.gateway.reconciler.runOnce();
    const [row] = await sql.execute<Array<{ lease: number; check_attempts: number }>>(
      `select extract(epoch from next_check_at - now())::float as lease, check_attempts from orders where id = ?`,
      [id],
    );
    expect(row!.check_attempts).toBe(4);
    expect(row!.lease).toBeGreaterThan(checkDelayMs(3) / 1000 - 10);
    expect(row!.lease).toBeLessThanOrEqual(checkDelayMs(3) / 1000);
  });

  it('two instances never check the same order twice in one round', async () => {
    const peer: Gateway = await t.startPeer();
    await t.gateway.reconciler.stop();
    await peer.reconciler.stop();
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const created = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
      ids.push(localId(created.data!.collectionCreate.order.id));
    }
    await t.gateway.orm.em
      .fork()
      .getConnection()
      .execute(`update orders set next_check_at = now() - interval '1 second' where id in (${ids.map(() => '?').join(',')})`, ids);
    const before = t.upstreamCalls.filter((call) => call.endpoint === '/api/payInInfo').length;
    const [a, b] = await Promise.all([t.gateway.reconciler.runOnce(), peer.reconciler.runOnce()]);
    expect(a.claimed + b.claimed).toBeGreaterThanOrEqual(8);
    const rows = await t.gateway.orm.em
      .fork()
      .getConnection()
      .execute<Array<{ check_attempts: number }>>(`select check_attempts from orders where id in (${ids.map(() => '?').join(',')})`, ids);
    expect(rows.every((row) => row.check_attempts === 1)).toBe(true);
    const inquiries = t.upstreamCalls.filter((call) => call.endpoint === '/api/payInInfo').length - before;
    expect(inquiries).toBeGreaterThanOrEqual(8);
  });
});
