import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, ORDER, collectionInput } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';

/** Orders TarsPay closed unpaid are asked about again, with back-off, within LATE_PAYMENT_WINDOW_MS. */
let t: TestGateway;
let merchant: Merchant;
let token: string;

beforeAll(async () => {
  t = await startTestGateway({
    env: {
      RECONCILE_INTERVAL_MS: '50',
      RECONCILE_OPEN_CHECK_MS: '100',
      RECONCILE_BACKOFF_FIRST_MS: '100',
      RECONCILE_BACKOFF_MAX_MS: '200',
      // Any order still UNKNOWN would be flagged at once: closed orders never are.
      ATTENTION_AFTER_MS: '0',
    },
  });
  merchant = await t.addMerchant('M-LATE');
  token = await t.token(merchant);
});
afterAll(() => t.close());

interface ExpiredOrder {
  globalId: string;
  id: string;
  platformOrderId: string;
  merchantOrderNo: string;
}

/** A collection TarsPay expired (no callback: the gateway learns it by inquiry). */
async function expiredCollection(): Promise<ExpiredOrder> {
  const input = collectionInput();
  const order = (await t.graphql(token, COLLECTION_CREATE, { input })).data!.collectionCreate.order;
  expect(t.sandbox.settle(order.platformOrderId, { outcome: 'EXPIRED' })).toMatchObject({ state: 6, callbackSent: false });
  await t.makeOrderDue(order.id);
  await waitFor(async () => ((await t.graphql(token, ORDER, { id: order.id })).data!.order.status === 'EXPIRED' ? true : undefined));
  return { globalId: order.id, id: decodeGlobalID(order.id).id, platformOrderId: order.platformOrderId, merchantOrderNo: input.merchantOrderNo as string };
}

const sql = () => t.gateway.orm.em.fork().getConnection();

describe('late payments whose callback is lost', () => {
  it('an expired collection paid late, its callback lost, shows SUCCEEDED by reconciliation, with a late-payment event', async () => {
    const order = await expiredCollection();
    const [scheduled] = await sql().execute<Array<{ next_check_at: Date | null }>>('select next_check_at from orders where id = ?', [order.id]);
    expect(scheduled!.next_check_at).not.toBeNull();

    expect(t.sandbox.settle(order.platformOrderId, { outcome: 'SUCCEEDED', notify: false })).toMatchObject({ state: 2, callbackSent: false });
    const paid = await waitFor(async () => {
      const current = (await t.graphql(token, ORDER, { id: order.globalId })).data!.order;
      return current.status === 'SUCCEEDED' ? current : undefined;
    });
    expect(paid).toMatchObject({ paidAmount: '150000', needsAttention: false });
    expect(paid.events.at(-1)).toMatchObject({ status: 'SUCCEEDED', previousStatus: 'EXPIRED', source: 'RECONCILIATION', applied: true });
    const [event] = await sql().execute<Array<{ note: string }>>(`select note from order_events where order_id = ? and status = 'SUCCEEDED'`, [order.id]);
    expect(event!.note).toMatch(/^late payment/);
    expect(t.sandbox.order(order.platformOrderId)!.deliveries).toEqual([]);
    // Checks of a closed order never re-send its create.
    expect(t.sandbox.createRequests(merchant.mchNo, order.merchantOrderNo, 'COLLECTION')).toBe(1);
    const [after] = await sql().execute<Array<{ next_check_at: Date | null }>>('select next_check_at from orders where id = ?', [order.id]);
    expect(after!.next_check_at).toBeNull();
  });

  it('a closed order is checked, with back-off, and never flagged, until the window ends; then never again', async () => {
    const order = await expiredCollection();
    const checks = () =>
      sql().execute<Array<{ check_attempts: number; attention_since: Date | null }>>('select check_attempts, attention_since from orders where id = ?', [
        order.id,
      ]);
    await waitFor(async () => ((await checks())[0]!.check_attempts >= 3 ? true : undefined));
    expect((await checks())[0]!.attention_since).toBeNull();

    // The window (72 hours by default) has passed since the order closed.
    await sql().execute(`update orders set updated_at = now() - interval '73 hours', next_check_at = now() - interval '1 second' where id = ?`, [order.id]);
    await waitFor(async () => {
      const [row] = await sql().execute<Array<{ next_check_at: Date | null }>>('select next_check_at from orders where id = ?', [order.id]);
      return row!.next_check_at === null ? true : undefined;
    });
    await t.gateway.reconciler.runOnce(); // the pass that made that last check is over
    const inquiries = () => t.upstreamCalls.filter((call) => call.endpoint === '/api/payInInfo').length;
    const before = inquiries();
    t.sandbox.settle(order.platformOrderId, { outcome: 'SUCCEEDED', notify: false });
    await new Promise((resolve) => setTimeout(resolve, 400)); // several passes of the loop
    expect(inquiries()).toBe(before);
    expect((await t.graphql(token, ORDER, { id: order.globalId })).data!.order.status).toBe('EXPIRED');
  });
});
