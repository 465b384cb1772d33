import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.js';
import { authCache } from '../../src/auth/tokens.js';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, ORDER, PAYOUT_CREATE, collectionInput, payoutInput } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';

let t: TestGateway;
let merchant: Merchant;
let token: string;

beforeAll(async () => {
  t = await startTestGateway({ env: { RECONCILE_INTERVAL_MS: '100', RECONCILE_NOT_FOUND_GRACE_MS: '1000' } });
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

  it('a payout that never reached TarsPay becomes FAILED after the grace period, never resent', async () => {
    t.sandbox.faults.add({ path: '/api/payOut/unifiedOrder', mode: 'drop', count: 1 });
    const created = await t.graphql(token, PAYOUT_CREATE, { input: payoutInput() });
    const order = created.data!.payoutCreate.order;
    expect(order.status).toBe('UNKNOWN');
    const creates = t.upstreamCalls.filter((call) => call.endpoint === '/api/payOut/unifiedOrder').length;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await t.makeOrderDue(order.id);
    const failed = await waitFor(async () => {
      const current = (await t.graphql(token, ORDER, { id: order.id })).data!.order;
      return current.status === 'FAILED' ? current : undefined;
    });
    expect(failed.failureReason).toMatch(/never reached TarsPay/);
    expect(t.upstreamCalls.filter((call) => call.endpoint === '/api/payOut/unifiedOrder').length).toBe(creates);
  });

  it('a collection paid while its callback was lost is found by the loop', async () => {
    // Callbacks for this merchant go nowhere, as if the gateway had been unreachable for all 16 deliveries.
    await t.gateway.orm.em.fork().getConnection().execute('update merchants set notify_url = ? where mch_no = ?', ['http://127.0.0.1:9/nowhere', 'M-RECONCILE']);
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

  it('two instances never check the same order twice in one round (SKIP LOCKED claims)', async () => {
    const peer: Gateway = await t.startPeer();
    await t.gateway.reconciler.stop();
    await peer.reconciler.stop();
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const created = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
      ids.push(localId(created.data!.collectionCreate.order.id));
    }
    await t.gateway.orm.em.fork().getConnection().execute(`update orders set next_check_at = now() - interval '1 second' where id in (${ids.map(() => '?').join(',')})`, ids);
    const before = t.upstreamCalls.filter((call) => call.endpoint === '/api/payInInfo').length;
    const [a, b] = await Promise.all([t.gateway.reconciler.runOnce(), peer.reconciler.runOnce()]);
    expect(a.claimed + b.claimed).toBeGreaterThanOrEqual(8);
    const rows = await t.gateway.orm.em.fork().getConnection().execute<Array<{ check_attempts: number }>>(`select check_attempts from orders where id in (${ids.map(() => '?').join(',')})`, ids);
    expect(rows.every((row) => row.check_attempts === 1)).toBe(true);
    const inquiries = t.upstreamCalls.filter((call) => call.endpoint === '/api/payInInfo').length - before;
    expect(inquiries).toBeGreaterThanOrEqual(8);
  });
});
